"""The framework command: run, serve, routes, match, trace, and its errors."""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gunicorn.app.base import BaseApplication
from servers import request, run_framework_serve, wait_for

from framework import App
from framework.cli import main
from framework.inspector import Inspector
from framework.requestids import current_request_id
from framework.serving import configure_dev_logging, served_app, workers_message

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Work in a temporary folder; forget the modules and sys.path entries made there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


SHADOWED_APP = """
from framework import App

app = App(__name__)

@app.get("/users/<int:id>/<tab>")
def user_tab(request, id, tab):
    return tab

@app.get("/users/<int:user_id>/edit")
def edit_user(request, user_id):
    return "edit"
"""


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_routes_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(capsys, "routes", "example_app")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "METHODS             PATTERN                        NAME              VIEW",
        "GET HEAD* OPTIONS*  /static/<path:filename>        static            "
        "framework.static:static",
        "GET HEAD* OPTIONS*  /                              index             example_app:index",
        "POST OPTIONS*       /                              shorten           example_app:shorten",
        "GET HEAD* OPTIONS*  /about                         about             example_app:about",
        "ANY                 /inspect                       inspect           example_app:inspect",
        "GET HEAD* OPTIONS*  /healthz                       healthz           example_app:healthz",
        "GET HEAD* OPTIONS*  /readyz                        readyz            example_app:readyz",
        "GET HEAD* OPTIONS*  /<code:code>                   follow            example_app:follow",
        "POST OPTIONS*       /<code:code>/delete            delete            example_app:delete",
        "GET HEAD* OPTIONS*  /api/                          api.index         "
        "example_app.api:index",
        "GET HEAD* OPTIONS*  /api/links                     api.list_links    "
        "example_app.api:list_links",
        "GET HEAD* OPTIONS*  /api/links/latest/<int:count>  api.latest_links  "
        "example_app.api:latest_links",
        "POST OPTIONS*       /api/links                     api.create_link   "
        "example_app.api:create_link",
        "GET HEAD* OPTIONS*  /api/links/events              api.link_events   "
        "example_app.api:link_events",
        "GET HEAD* OPTIONS*  /api/links/<code:code>         api.show_link     "
        "example_app.api:show_link",
        "DELETE OPTIONS*     /api/links/<code:code>         api.delete_link   "
        "example_app.api:delete_link",
        "* answered automatically",
    ]


def test_routes_in_match_order(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_main(capsys, "routes", "example_app:app", "--sort", "match")
    patterns = [line.split()[-3] for line in out.splitlines()[1:-1]]
    assert patterns == [
        "/",
        "/",
        "/about",
        "/api/",
        "/api/links",
        "/api/links",
        "/api/links/events",
        "/api/links/latest/<int:count>",
        "/api/links/<code:code>",
        "/api/links/<code:code>",
        "/healthz",
        "/inspect",
        "/readyz",
        "/static/<path:filename>",
        "/<code:code>",
        "/<code:code>/delete",
    ]


def test_routes_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_main(capsys, "routes", "example_app", "--json")
    document = json.loads(out)
    assert document["problems"] == []
    assert document["routes"][7] == {
        "methods": ["GET"],
        "automatic": ["HEAD", "OPTIONS"],
        "pattern": "/<code:code>",
        "name": "follow",
        "view": "example_app:follow",
    }


def test_routes_warns_and_strict_fails(
    capsys: pytest.CaptureFixture[str], in_folder: Path
) -> None:
    (in_folder / "shadowed.py").write_text(SHADOWED_APP, encoding="utf-8")
    status, out, err = run_main(capsys, "routes", "shadowed")
    assert status == 0
    assert "/users/<int:user_id>/edit" in out
    assert err == (
        "warning: route 'edit_user' (GET /users/<int:user_id>/edit) can never be reached: "
        "route 'user_tab' (GET /users/<int:id>/<tab>) is tried first and matches every path "
        "it matches\n"
    )
    assert run_main(capsys, "routes", "shadowed", "--strict")[0] == 1
    assert run_main(capsys, "routes", "example_app", "--strict")[0] == 0


def test_match_explains(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(capsys, "match", "example_app", "get", "/abc123")
    assert status == 0
    assert out == (
        "GET /abc123\n"
        "segments: 'abc123'\n"
        "\n"
        "'abc123': no static segment by that name here\n"
        "'abc123': typed <code:code> matches, code='abc123'\n"
        "end of path: route 'follow' (GET /<code:code>) answers GET\n"
        "\n"
        "scopes: the app\n"
        "result: route 'follow' (GET /<code:code>), view example_app:follow\n"
        "params: code='abc123'\n"
    )


def test_trace_shows_both_messages(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(
        capsys, "trace", "example_app", "POST", "/api/links", "--json", '{"url": "https://x.org"}'
    )
    assert status == 0
    assert re.search(r"^  POST /api/links HTTP/1.1 +<- method, path, version$", out, re.M)
    assert "  Content-Type: application/json" in out
    assert re.search(r'^  \{"url": "https://x.org"\} +<- body, 24 bytes$', out, re.M)
    assert "  result: route 'api.create_link' (POST /api/links)" in out
    assert re.search(
        r"^  HTTP/1.1 201 Created +<- version, status code, status message$", out, re.M
    )
    assert re.search(r"^  Location: /api/links/\w{6}$", out, re.M)
    assert "\x1b[" not in out  # not a terminal: no color


def test_trace_headers_and_form_data(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    body_file = tmp_path / "body.txt"
    body_file.write_bytes(b"url=https%3A%2F%2Fexample.com%2Ffrom-a-file")
    status, out, _ = run_main(
        capsys,
        "trace",
        "example_app",
        "POST",
        "/",
        "-H",
        "Accept: text/html",
        "-d",
        f"@{body_file}",
    )
    assert status == 0
    assert "  Accept: text/html" in out
    assert "  Content-Type: application/x-www-form-urlencoded" in out
    assert "  url=https%3A%2F%2Fexample.com%2Ffrom-a-file" in out
    assert "  HTTP/1.1 303 See Other" in out


ERROR_CASES = [
    pytest.param(
        ["routes", "not a spec"],
        "framework routes: error: 'not a spec' is not an app: write module:attribute (such "
        "as example_app:app), module:factory() for an app factory, or just the module when "
        "the attribute is called app",
        id="bad-spec",
    ),
    pytest.param(
        ["match", "nowhere_to_be_found", "GET", "/"],
        "framework match: error: no module named 'nowhere_to_be_found' here",
        id="no-module",
    ),
    pytest.param(
        ["routes", "example_app:wsgi"],
        "framework routes: error: module 'example_app' has no attribute 'wsgi'; it has app",
        id="no-attribute",
    ),
    pytest.param(
        ["routes", "example_app:index"],
        "framework routes: error: example_app:index is a WSGI app but not a framework App",
        id="not-an-app",
    ),
    pytest.param(
        ["trace", "example_app", "POST", "/", "--json", "{nope"],
        "framework trace: error: --json '{nope' is not JSON",
        id="bad-json",
    ),
    pytest.param(
        ["trace", "example_app", "GET", "/", "-H", "no colon"],
        "framework trace: error: -H 'no colon': write a header as 'Name: value'",
        id="bad-header",
    ),
    pytest.param(
        ["run", "example_app", "--host", "0.0.0.0", "--debug"],
        "framework run: error: refusing --debug on 0.0.0.0: the interactive debugger runs any "
        "Python typed into an error page",
        id="debugger-off-loopback",
    ),
]


@pytest.mark.parametrize(("argv", "message"), ERROR_CASES)
def test_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_an_import_error_in_the_app_is_one_line_unless_debug(
    capsys: pytest.CaptureFixture[str], in_folder: Path
) -> None:
    (in_folder / "broken.py").write_text("import framework\nraise ValueError('oops')\n")
    status, _, err = run_main(capsys, "routes", "broken")
    assert status == 2
    assert err == (
        "framework routes: error: importing 'broken' failed: ValueError: oops "
        "(run with --debug for the traceback)\n"
    )
    status, _, err = run_main(capsys, "routes", "broken", "--debug")
    assert status == 2
    assert "Traceback (most recent call last)" in err
    assert 'broken.py", line 2' in err
    assert err.endswith("importing 'broken' failed: ValueError: oops\n")


def test_a_missing_dependency_of_the_app_is_named(
    capsys: pytest.CaptureFixture[str], in_folder: Path
) -> None:
    (in_folder / "needs_more.py").write_text("import no_such_dependency\n")
    status, _, err = run_main(capsys, "routes", "needs_more")
    assert status == 2
    assert "importing 'needs_more' failed: ModuleNotFoundError: No module named " in err
    assert "'no_such_dependency'" in err


@pytest.mark.parametrize("command", ["run", "serve", "routes", "match", "trace"])
def test_every_command_has_help_with_an_example(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: framework {command} " in out
    assert f"example:\n  framework {command} example_app" in out


@pytest.mark.parametrize("command", ["routes", "match", "trace"])
def test_the_help_example_works_on_the_example_app(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    example = capsys.readouterr().out.split("example:\n  ")[1].strip()
    program, *argv = shlex.split(example)
    assert program == "framework"
    status, out, err = run_main(capsys, *argv)
    assert (status, err) == (0, "")
    # The status lines: a bare "405" could be a Content-Length of 1405.
    assert "404 Not Found" not in out and "405 Method Not Allowed" not in out


FACTORY_APP = """
from framework import App

def create_app(greeting="hello", *, shout=False):
    app = App(__name__)

    @app.get("/")
    def index(request):
        return greeting.upper() if shout else greeting

    return app

def broken_factory():
    raise RuntimeError("no database configured")
"""


@pytest.mark.parametrize(
    ("spec", "body"),
    [
        ("factory:create_app()", "hello"),
        ("factory:create_app('hi', shout=True)", "HI"),
    ],
)
def test_an_app_factory_is_called_as_gunicorn_calls_it(
    capsys: pytest.CaptureFixture[str], in_folder: Path, spec: str, body: str
) -> None:
    (in_folder / "factory.py").write_text(FACTORY_APP, encoding="utf-8")
    status, out, err = run_main(capsys, "trace", spec, "GET", "/")
    assert (status, err) == (0, "")
    assert "HTTP/1.1 200 OK" in out
    assert f"  {body}  " in out


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("factory:create_app(open('x'))", "an app factory call takes literal arguments only"),
        ("factory:create_app(**{})", "an app factory call takes literal arguments only"),
        (
            "factory:broken_factory()",
            "factory:broken_factory() failed: RuntimeError: no database configured",
        ),
    ],
)
def test_a_bad_app_factory_call_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], in_folder: Path, spec: str, message: str
) -> None:
    (in_folder / "factory.py").write_text(FACTORY_APP, encoding="utf-8")
    status, out, err = run_main(capsys, "routes", spec)
    assert (status, out) == (2, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_match_takes_the_path_as_a_client_sends_it(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_main(capsys, "match", "example_app", "GET", "/about?utm=x")
    assert "result: route 'about' (GET /about)" in out
    _, out, _ = run_main(capsys, "match", "example_app", "GET", "/api/links/ab%43d")
    assert "params: code='abCd'" in out
    status, _, err = run_main(capsys, "match", "example_app", "GET", "/%FF")
    assert status == 2
    assert "its percent-escapes are not UTF-8" in err


def test_trace_is_colored_on_a_terminal_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    _, out, _ = run_main(capsys, "trace", "example_app", "GET", "/nosuch")
    assert "\x1b[" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run_main(capsys, "trace", "example_app", "GET", "/nosuch")
    assert "\x1b[" not in out


def test_importing_the_framework_and_an_app_does_not_import_gunicorn() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, framework, framework.cli, example_app; print('gunicorn' in sys.modules)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout == "False\n", result.stderr


def test_the_command_is_installed_and_runs_as_a_module() -> None:
    script = Path(sys.executable).parent / "framework"
    for command in ([str(script)], [sys.executable, "-m", "framework"]):
        result = subprocess.run(
            [*command, "match", "example_app", "GET", "/"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "result: route 'index' (GET /)" in result.stdout


def _wait_until_serving(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=1.0):
                return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"exited with {proc.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"nothing listening on {port}:\n{log.read_text()}")
            time.sleep(0.05)


def _wait_until_logged(proc: subprocess.Popen[bytes], line: str, times: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while log.read_text().count(line) < times:
        if proc.poll() is not None:
            pytest.fail(f"exited with {proc.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{line!r} not logged {times} times:\n{log.read_text()}")
        time.sleep(0.05)


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10.0)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes], sig: int, log: Path) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            return proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT)
            pytest.fail(f"the server did not stop within {STOP_TIMEOUT}s:\n{log.read_text()}")
    return proc.returncode


def test_serve_hands_its_options_to_gunicorn(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def fake_run(server: BaseApplication) -> None:
        cfg = server.cfg
        seen.update(
            bind=cfg.bind,
            workers=cfg.workers,
            threads=cfg.threads,
            timeout=cfg.timeout,
            graceful_timeout=cfg.graceful_timeout,
            accesslog=cfg.accesslog,
            app=server.load(),
        )

    monkeypatch.setattr(BaseApplication, "run", fake_run)
    status, _, _ = run_main(
        capsys,
        "serve",
        "example_app",
        "--bind",
        "127.0.0.1:9000",
        "--workers",
        "3",
        "--threads",
        "2",
        "--timeout",
        "7",
        "--graceful-timeout",
        "4",
        "--access-log",
    )
    assert status == 0
    assert seen == {
        "bind": ["127.0.0.1:9000"],
        "workers": 3,
        "threads": 2,
        "timeout": 7,
        "graceful_timeout": 4,
        "accesslog": "-",
        "app": sys.modules["example_app"].app,
    }


def test_serve_defaults_to_two_workers_per_cpu_plus_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}
    monkeypatch.setattr(
        BaseApplication, "run", lambda server: seen.update(workers=server.cfg.workers)
    )
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert run_main(capsys, "serve", "example_app")[0] == 0
    assert seen == {"workers": 7}


def test_run_serves_with_the_development_server(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    port = _free_port()
    with log.open("wb") as output:
        proc = subprocess.Popen(
            [sys.executable, "-m", "framework", "run", "example_app", "--port", str(port)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # A shell runs background jobs with SIGINT ignored, and children inherit
            # that: give the server back the default, which Python turns into Ctrl+C.
            preexec_fn=_default_sigint,
        )
        try:
            _wait_until_serving(proc, port, log)
            status, body = _get(port, "/about")
            assert status == 200
            assert b"<h1>About</h1>" in body
        finally:
            _stop(proc, signal.SIGINT, log)
    assert f"Serving example_app at http://127.0.0.1:{port}/" in log.read_text()


def test_serve_runs_gunicorn_and_stops_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    home = tmp_path / "home"
    home.mkdir()
    with socket.socket() as listener, log.open("wb") as output:
        # gunicorn takes this very socket (fd://N): no race for the port.
        listener.bind((HOST, 0))
        port = int(listener.getsockname()[1])
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "framework",
                "serve",
                "example_app",
                "--bind",
                f"fd://{listener.fileno()}",
                "--workers",
                "2",
                # A sync worker that gets SIGTERM while it boots may only notice
                # at its next poll, every timeout / 2 seconds: keep that short.
                "--timeout",
                "4",
                # A worker forked just as SIGTERM arrives can miss it (it still has
                # the master's signal handlers); the master kills it after this.
                "--graceful-timeout",
                "3",
                "--access-log",
            ],
            cwd=ROOT,
            env={**os.environ, "HOME": str(home)},
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
            start_new_session=True,
        )
        listener.close()
        try:
            _wait_until_serving(proc, port, log)
            _wait_until_logged(proc, "Booting worker", 2, log)
            status, body = _get(port, "/about")
            assert status == 200
            assert b"<h1>About</h1>" in body
        finally:
            status = _stop(proc, signal.SIGTERM, log)
    text = log.read_text()
    assert status == 0, text
    assert "Starting gunicorn" in text
    assert "2 worker processes; each has its own memory" in text
    assert '"GET /about HTTP/1.1" 200' in text  # the access log
    assert "Shutting down: Master" in text
    assert list(home.iterdir()) == []  # no control socket left in the home folder


def test_run_wires_debug_reload_and_route_warnings(
    capsys: pytest.CaptureFixture[str], in_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (in_folder / "shadowed.py").write_text(SHADOWED_APP, encoding="utf-8")
    calls: list[dict[str, object]] = []

    def fake_run_simple(host: str, port: int, app: object, **options: object) -> None:
        calls.append({"host": host, "port": port, "app": app, **options})

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    status, out, err = run_main(capsys, "run", "shadowed", "--debug", "--reload", "--port", "5001")
    assert status == 0
    assert out == (
        "Serving shadowed at http://127.0.0.1:5001/ (press CTRL+C to quit)\n"
        "The exchange inspector: http://127.0.0.1:5001/_framework/\n"
    )
    assert err.startswith("warning: route 'edit_user' (GET /users/<int:user_id>/edit) can never")
    [call] = calls
    app = sys.modules["shadowed"].app
    served = call.pop("app")
    assert isinstance(served, Inspector)
    assert served.app is app
    assert call == {
        "host": "127.0.0.1",
        "port": 5001,
        "use_reloader": True,
        "use_debugger": True,
        "threaded": True,
    }
    assert app.config["DEBUG"] is True
    assert app.config["PROPAGATE_EXCEPTIONS"] is True


def test_run_without_debug_serves_the_app_itself(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[object] = []
    monkeypatch.setattr(
        "werkzeug.serving.run_simple", lambda host, port, app, **options: served.append(app)
    )
    status, out, _ = run_main(capsys, "run", "example_app", "--port", "5002")
    assert status == 0
    assert served == [sys.modules["example_app"].app]
    assert "inspector" not in out


def test_serve_never_serves_the_inspector(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[object] = []
    monkeypatch.setattr(BaseApplication, "run", lambda server: served.append(server.load()))
    assert run_main(capsys, "serve", "example_app", "--debug")[0] == 0
    assert served == [sys.modules["example_app"].app]


def test_only_a_framework_app_is_wrapped_in_the_inspector() -> None:
    def plain_wsgi(environ: object, start_response: object) -> list[bytes]:
        return []

    assert served_app(plain_wsgi, debug=True) is plain_wsgi
    app = App(__name__)
    assert served_app(app, debug=False) is app
    inspector = served_app(app, debug=True)
    assert isinstance(inspector, Inspector)
    assert inspector.app is app


MOUNTED_APP = """
from framework import App

def legacy(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"legacy"]

app = App(__name__)
app.mount("/legacy", legacy)

@app.get("/items/<int(min=1):n>")
def item(request, n):
    return "item"
"""


def test_routes_draws_the_tree_and_lists_mounts(
    capsys: pytest.CaptureFixture[str], in_folder: Path
) -> None:
    (in_folder / "mounted.py").write_text(MOUNTED_APP, encoding="utf-8")
    status, out, _ = run_main(capsys, "routes", "mounted", "--tree")
    assert status == 0
    assert out == (
        "/\n"
        "├── items\n"
        "│   └── <int(min=1):n>  GET item\n"
        "└── legacy  -> the WSGI app mounted at /legacy\n"
    )
    status, out, _ = run_main(capsys, "routes", "mounted")
    assert "ANY                 /legacy                /legacy  mounted:legacy\n" in out


@pytest.mark.parametrize("path", ["/legacy", "/legacy/a/b"])
def test_match_says_a_mounted_app_takes_the_request(
    capsys: pytest.CaptureFixture[str], in_folder: Path, path: str
) -> None:
    (in_folder / "mounted.py").write_text(MOUNTED_APP, encoding="utf-8")
    status, out, _ = run_main(capsys, "match", "mounted", "DELETE", path)
    assert status == 0
    assert out.splitlines()[-3:] == [
        "scopes: none",
        "cross-origin: passes (not from a browser); from another site's page: 403",
        "result: handed to the WSGI app mounted at /legacy (mounted:legacy)",
    ]


def test_match_says_what_the_cross_origin_check_would_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, plain, _ = run_main(capsys, "match", "example_app", "POST", "/")
    assert (
        "cross-origin: passes (not from a browser); from another site's page: 403\n"
        "result: route 'shorten' (POST /), view example_app:shorten\n"
    ) in plain
    _, refused, _ = run_main(
        capsys, "match", "example_app", "POST", "/", "-H", "Sec-Fetch-Site: cross-site"
    )
    assert "cross-origin: refused with 403: Sec-Fetch-Site is 'cross-site'\n" in refused
    _, same, _ = run_main(
        capsys, "match", "example_app", "POST", "/", "-H", "Origin: http://localhost"
    )
    assert "cross-origin: passes (sent by a page of this site" in same
    _, reading, _ = run_main(capsys, "match", "example_app", "GET", "/")
    assert "cross-origin" not in reading


def test_match_says_a_path_is_refused_before_routing(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_main(capsys, "match", "example_app", "GET", "/static/%2e%2e/settings.py")
    assert "result: 400 Bad Request, before routing: the path holds" in out


def test_trace_shows_a_cross_origin_refusal(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(
        capsys,
        "trace",
        "example_app",
        "POST",
        "/",
        "-H",
        "Origin: https://evil.example",
        "-d",
        "url=x",
    )
    assert status == 0
    assert (
        "  cross-origin: refused with 403: Origin 'https://evil.example' is not this host "
        "(localhost)\n" in out
    )
    assert re.search(r"^  HTTP/1.1 403 Forbidden +<- version", out, re.M)
    assert re.search(r"^  X-Frame-Options: SAMEORIGIN$", out, re.M)


def test_match_says_how_the_app_answers_options_asterisk_and_unknown_methods(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, star, _ = run_main(capsys, "match", "example_app", "OPTIONS", "*")
    assert star.endswith(
        "result: 200 OK, OPTIONS * asks about the server; "
        "Allow: DELETE, GET, HEAD, OPTIONS, POST\n"
    )
    _, brew, _ = run_main(capsys, "match", "example_app", "BREW", "/")
    assert brew.endswith(
        "result: 501 Not Implemented, no route takes BREW, and it is not a standard method\n"
    )
    _, put, _ = run_main(capsys, "match", "example_app", "PUT", "/")
    assert "result: 405 Method Not Allowed" in put


ENV_APP = """
from framework import App

app = App(__name__)
app.config.from_prefixed_env()
"""


@pytest.fixture
def environ_kept() -> Iterator[None]:
    """Put os.environ back as it was: python-dotenv writes into it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def fake_run_simple(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    served: list[object] = []
    monkeypatch.setattr(
        "werkzeug.serving.run_simple", lambda host, port, app, **options: served.append(app)
    )
    return served


def test_run_loads_the_dotenv_file_before_importing_the_app(
    capsys: pytest.CaptureFixture[str],
    in_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    environ_kept: None,
) -> None:
    (in_folder / "envapp.py").write_text(ENV_APP, encoding="utf-8")
    (in_folder / ".env").write_text(
        "FRAMEWORK_SECRET_KEY=from-dotenv\nFRAMEWORK_MAX_BODY_SIZE=1048576\n", encoding="utf-8"
    )
    monkeypatch.delenv("FRAMEWORK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FRAMEWORK_MAX_BODY_SIZE", raising=False)
    served = fake_run_simple(monkeypatch)
    status, out, _ = run_main(capsys, "run", "envapp")
    assert status == 0
    assert out.splitlines()[0] == "loaded settings from .env (python-dotenv)"
    [app] = served
    assert isinstance(app, App)
    assert app.config["SECRET_KEY"] == "from-dotenv"
    assert app.config["MAX_BODY_SIZE"] == 1048576


def test_run_finds_the_dotenv_file_in_the_apps_package_and_keeps_the_environment(
    capsys: pytest.CaptureFixture[str],
    in_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    environ_kept: None,
) -> None:
    package = in_folder / "envpackage"
    package.mkdir()
    (package / "__init__.py").write_text(ENV_APP, encoding="utf-8")
    (package / ".env").write_text(
        "FRAMEWORK_SECRET_KEY=from-dotenv\nFRAMEWORK_SESSION_COOKIE_NAME=sid\n", encoding="utf-8"
    )
    (in_folder / ".env").write_text("FRAMEWORK_SESSION_COOKIE_NAME=not-this-one\n")
    monkeypatch.setenv("FRAMEWORK_SECRET_KEY", "from-the-environment")
    monkeypatch.delenv("FRAMEWORK_SESSION_COOKIE_NAME", raising=False)
    served = fake_run_simple(monkeypatch)
    status, out, _ = run_main(capsys, "run", "envpackage:app")
    assert status == 0
    shown = os.path.join("envpackage", ".env")
    assert out.splitlines()[0] == f"loaded settings from {shown} (python-dotenv)"
    [app] = served
    assert isinstance(app, App)
    assert app.config["SECRET_KEY"] == "from-the-environment"  # the environment wins
    assert app.config["SESSION_COOKIE_NAME"] == "sid"


def test_run_without_python_dotenv_says_the_dotenv_file_is_not_loaded(
    capsys: pytest.CaptureFixture[str],
    in_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    environ_kept: None,
) -> None:
    (in_folder / "envapp.py").write_text(ENV_APP, encoding="utf-8")
    (in_folder / ".env").write_text("FRAMEWORK_SECRET_KEY=from-dotenv\n", encoding="utf-8")
    monkeypatch.delenv("FRAMEWORK_SECRET_KEY", raising=False)
    monkeypatch.setitem(sys.modules, "dotenv", None)  # as if not installed
    served = fake_run_simple(monkeypatch)
    status, out, _ = run_main(capsys, "run", "envapp")
    assert status == 0
    assert out.splitlines()[0] == (
        ".env is not loaded: python-dotenv is not installed (pip install python-dotenv)"
    )
    [app] = served
    assert isinstance(app, App)
    assert app.config["SECRET_KEY"] is None


def test_run_without_a_dotenv_file_says_nothing_of_it(
    capsys: pytest.CaptureFixture[str], in_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (in_folder / "envapp.py").write_text(ENV_APP, encoding="utf-8")
    fake_run_simple(monkeypatch)
    status, out, _ = run_main(capsys, "run", "envapp")
    assert status == 0
    assert ".env" not in out


def test_serve_never_loads_a_dotenv_file(
    capsys: pytest.CaptureFixture[str],
    in_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    environ_kept: None,
) -> None:
    (in_folder / "envapp.py").write_text(ENV_APP, encoding="utf-8")
    (in_folder / ".env").write_text("FRAMEWORK_SECRET_KEY=from-dotenv\n", encoding="utf-8")
    monkeypatch.delenv("FRAMEWORK_SECRET_KEY", raising=False)
    served: list[object] = []
    monkeypatch.setattr(BaseApplication, "run", lambda server: served.append(server.load()))
    status, out, _ = run_main(capsys, "serve", "envapp")
    assert status == 0
    assert ".env" not in out
    assert "FRAMEWORK_SECRET_KEY" not in os.environ
    [app] = served
    assert isinstance(app, App)
    assert app.config["SECRET_KEY"] is None


def test_app_logger_is_named_after_the_app() -> None:
    app = App("some_package.web")
    assert isinstance(app.logger, logging.Logger)
    assert app.logger is logging.getLogger("some_package.web")


def test_run_shows_info_records_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_dev_logging()
    [handler] = root.handlers
    App("logging_app").logger.info("hello %s", "there")
    logging.getLogger("logging_app").debug("not shown")
    token = current_request_id.set("r-7")
    try:
        logging.getLogger("logging_app.db").info("during a request")
        logging.getLogger("framework").error("a 500 (request r-7)")
    finally:
        current_request_id.reset(token)
    assert re.fullmatch(
        r"\S+ \S+ INFO logging_app: hello there\n"
        r"\S+ \S+ INFO logging_app.db: during a request \(request r-7\)\n"
        r"\S+ \S+ ERROR framework: a 500 \(request r-7\)\n",
        stream.getvalue(),
    )
    assert isinstance(handler, logging.StreamHandler)


def test_run_leaves_configured_logging_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    mine = logging.NullHandler()
    monkeypatch.setattr(root, "handlers", [mine])
    monkeypatch.setattr(root, "level", logging.ERROR)
    configure_dev_logging()
    assert root.handlers == [mine]
    assert root.level == logging.ERROR


def test_serve_writes_the_apps_records_to_gunicorns_error_log() -> None:
    with run_framework_serve("logging_app", "--workers", "1") as server:
        hello = request(server, "GET", "/")
        assert hello.body == b"ok"
        boom = request(server, "GET", "/boom")
        assert boom.status == 500
        wait_for(lambda: "the view failed" in server.output(), "the logged exception")
        text = server.output()
    stamp = r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\]"
    assert re.search(stamp + r" \[INFO\] Booting worker", text), text
    # A record made during a request ends with its id, once; the response said it too.
    hello_id, boom_id = hello.headers["X-Request-ID"], boom.headers["X-Request-ID"]
    line = stamp + rf" \[INFO\] hello from the view at / \(request {hello_id}\)\n"
    assert re.search(line, text), text
    line = stamp + rf" \[ERROR\] unhandled exception for GET /boom \(request {boom_id}\)\n"
    assert re.search(line, text), text
    assert "RuntimeError: the view failed" in text


def test_shell_runs_code_with_the_app_a_client_url_for_and_explain(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = (
        "print(app is __import__('example_app').app)\n"
        "print(client.get('/about').status_code)\n"
        "print(url_for('about'))\n"
        "print(explain('get', '/about').outcome.route.name)"
    )
    assert run_main(capsys, "shell", "example_app", "-c", code) == (
        0,
        "True\n200\n/about\nabout\n",
        "",
    )


def test_shell_code_that_fails_shows_the_traceback_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run_main(capsys, "shell", "example_app", "-c", "1 / 0")
    assert (status, out) == (1, "")
    assert "ZeroDivisionError" in err and '"<framework shell -c>"' in err
    assert run_main(capsys, "shell", "example_app", "-c", "raise SystemExit(3)")[0] == 3


def test_shell_is_an_interactive_interpreter(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "framework", "shell", "example_app"],
        cwd=ROOT,
        input=b"print(url_for('about'), client.get('/about').status_code)\n",
        capture_output=True,
        timeout=30,
        check=True,
    )
    assert b"/about 200" in done.stdout
    assert b"ready: app, client, url_for, explain" in done.stderr


COMMANDS_APP = """
from framework import App

app = App(__name__)

@app.command()
def add_user(name: str, admin: bool = False, quota: int = 100) -> int:
    '''Add a user to the database.

    With --admin, an administrator.
    '''
    print(f"{name} admin={admin} quota={quota}")
    return 3 if admin else 0

@app.command("purge")
def delete_old_links() -> None:
    '''Delete old links.'''
    print("purged")
"""


def test_command_lists_the_apps_commands(
    capsys: pytest.CaptureFixture[str], in_folder: Path
) -> None:
    (in_folder / "commands_app.py").write_text(COMMANDS_APP, encoding="utf-8")
    assert run_main(capsys, "command", "commands_app") == (
        0,
        "add-user  Add a user to the database.\npurge     Delete old links.\n",
        "",
    )


def test_command_runs_one_with_its_arguments_and_exit_status(
    capsys: pytest.CaptureFixture[str], in_folder: Path
) -> None:
    (in_folder / "commands_app.py").write_text(COMMANDS_APP, encoding="utf-8")
    assert run_main(capsys, "command", "commands_app", "purge") == (0, "purged\n", "")
    assert run_main(capsys, "command", "commands_app", "add-user", "ada", "--quota", "5") == (
        0,
        "ada admin=False quota=5\n",
        "",
    )
    status, out, _ = run_main(capsys, "command", "commands_app", "add-user", "bob", "--admin")
    assert (status, out) == (3, "bob admin=True quota=100\n")
    with pytest.raises(SystemExit):
        main(["command", "commands_app", "add-user", "--help"])
    help_text = capsys.readouterr().out
    assert help_text.startswith("usage: framework command commands_app add-user [-h] [--admin]")
    assert "With --admin, an administrator." in help_text


def test_command_unknown_name_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], in_folder: Path
) -> None:
    (in_folder / "commands_app.py").write_text(COMMANDS_APP, encoding="utf-8")
    assert run_main(capsys, "command", "commands_app", "nope") == (
        2,
        "",
        "framework command: error: commands_app has no command 'nope'; it has add-user, purge\n",
    )


def test_the_example_app_creates_its_database_with_a_command(tmp_path: Path) -> None:
    database = tmp_path / "instance" / "links.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "framework", "command", "example_app", "init-db"],
        cwd=ROOT,
        env={**os.environ, "SHORTENER_DATABASE": str(database)},
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"database ready: {database}\n".encode()
    assert database.exists()


def test_serve_says_how_many_workers_and_that_they_share_no_memory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert workers_message(1) == "1 worker process"
    assert workers_message(1, threads=4) == "1 worker process, 4 threads each"
    assert workers_message(3) == (
        "3 worker processes; each has its own memory: module-level data (a dict, a cache, "
        "a counter) is not shared between them "
        "(see docs/deployment.md#workers-do-not-share-memory)"
    )
    anchors = re.findall(r"^#+ (.+)$", (ROOT / "docs" / "deployment.md").read_text(), re.M)
    assert "Workers do not share memory" in anchors
    monkeypatch.setattr(BaseApplication, "run", lambda server: None)
    status, out, _ = run_main(capsys, "serve", "example_app", "--workers", "2")
    assert (status, out) == (0, workers_message(2) + "\n")
