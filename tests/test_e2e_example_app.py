"""The example app under a real gunicorn with two workers, driven over real HTTP.

Both workers share one SQLite database and one secret key in a temporary
instance folder, as the workers of a deployment do: a link created through
one worker resolves through the other, and a flash message set by one is
shown by the other.
"""

from __future__ import annotations

import base64
import json
import re
import runpy
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest
from servers import (
    HOST,
    ROOT,
    Reply,
    Server,
    raw_connection,
    read_events,
    read_reply,
    request,
    run_gunicorn,
    run_shortener,
    wait_for,
)

STYLESHEET = ROOT / "example_app" / "static" / "style.css"


#: A front end on another origin that the API answers (SHORTENER_CORS_ORIGINS).
FRONT_END = "http://127.0.0.1:9000"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("instance")
    with run_shortener(folder, env={"SHORTENER_CORS_ORIGINS": FRONT_END}) as server:
        yield server


class Browser:
    """A client that keeps cookies between requests, as a browser does."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = request(self.server, method, path, body, all_headers)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response


def test_create_through_the_form_follow_and_flash_once(server: Server) -> None:
    browser = Browser(server)
    form = urlencode({"url": "https://example.com/over/the/wire"}).encode()
    posted = browser.send("POST", "/", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert posted.status == 303
    assert posted.headers["Location"] == "/"
    # With two workers, the next requests may land on either: both must see the flash.
    page = browser.send("GET", "/").text
    short = rf'Your short link: <a [^>]*href="http://{HOST}:{server.port}/(\w+)"'
    [code] = re.findall(short, page)
    assert "Your short link" not in browser.send("GET", "/").text
    followed = browser.send("GET", f"/{code}")
    assert followed.status == 302
    assert followed.headers["Location"] == "https://example.com/over/the/wire"


def test_invalid_form_input_is_a_400_page(server: Server) -> None:
    form = urlencode({"url": "ftp://nope"}).encode()
    reply = request(
        server, "POST", "/", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert reply.status == 400
    assert "Only http:// and https:// URLs can be shortened." in reply.text


def test_create_through_the_api_and_resolve_many_times(server: Server) -> None:
    created = request(
        server,
        "POST",
        "/api/links",
        json.dumps({"url": "https://python.org/"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert created.status == 201
    code = created.json()["code"]
    assert created.headers["Location"] == f"/api/links/{code}"
    # Whichever of the two workers answers a request, it sees the same database.
    for _ in range(10):
        reply = request(server, "GET", f"/{code}")
        assert (reply.status, reply.headers["Location"]) == (302, "https://python.org/")
    assert request(server, "GET", f"/api/links/{code}").json()["visits"] == 10
    assert request(server, "GET", f"/{code}").status == 302


def test_only_the_delete_token_deletes_a_link_over_the_wire(server: Server) -> None:
    body = json.dumps({"url": "https://example.com/to/delete"}).encode()
    created = request(server, "POST", "/api/links", body, {"Content-Type": "application/json"})
    code, token = created.json()["code"], created.json()["delete_token"]
    assert "delete_token" not in request(server, "GET", f"/api/links/{code}").json()
    assert request(server, "GET", "/api/links").json() == {"links": []}
    mine = request(server, "GET", "/api/links", headers={"Authorization": f"Bearer {token}"})
    assert [link["code"] for link in mine.json()["links"]] == [code]
    without = request(server, "DELETE", f"/api/links/{code}")
    assert (without.status, without.headers["WWW-Authenticate"]) == (401, "Bearer")
    wrong = request(server, "DELETE", f"/api/links/{code}", headers={"Authorization": "Bearer x"})
    assert wrong.status == 403
    assert request(server, "GET", f"/{code}").status == 302  # still there, on either worker
    right = {"Authorization": f"Bearer {token}"}
    assert request(server, "DELETE", f"/api/links/{code}", headers=right).status == 204
    assert request(server, "GET", f"/{code}").status == 404
    assert request(server, "DELETE", f"/api/links/{code}", headers=right).status == 404


def test_each_browser_sees_and_deletes_only_its_own_links(server: Server) -> None:
    first, second = Browser(server), Browser(server)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    first.send("POST", "/", urlencode({"url": "https://example.com/first"}).encode(), form)
    [code] = re.findall(r'<tr data-code="(\w+)">', first.send("GET", "/").text)
    second.send("POST", "/", urlencode({"url": "https://example.com/second"}).encode(), form)
    page = second.send("GET", "/").text
    assert "https://example.com/first" not in page
    assert len(re.findall(r'<tr data-code="(\w+)">', page)) == 1
    assert "No links yet." in Browser(server).send("GET", "/").text
    assert second.send("POST", f"/{code}/delete").status == 403
    deleted = first.send("POST", f"/{code}/delete")
    assert (deleted.status, deleted.headers["Location"]) == (303, "/")
    page = first.send("GET", "/").text
    assert f"Deleted the short link http://{HOST}:{server.port}/{code}." in page
    assert "No links yet." in page
    assert request(server, "GET", f"/{code}").status == 404


def test_errors_over_the_wire(server: Server) -> None:
    missing = request(server, "GET", "/nosuch")
    assert missing.status == 404
    assert "<h1>Not found</h1>" in missing.text
    not_allowed = request(server, "DELETE", "/about")
    assert not_allowed.status == 405
    assert not_allowed.headers["Allow"] == "GET, HEAD, OPTIONS"
    bad_json = request(
        server, "POST", "/api/links", b"{nope", {"Content-Type": "application/json"}
    )
    assert bad_json.status == 400
    assert bad_json.headers.get_content_type() == "application/json"
    assert bad_json.json()["error"]["status"] == 400
    not_json = request(server, "POST", "/api/links", b"url=x", {"Content-Type": "text/plain"})
    assert (not_json.status, not_json.json()["error"]["status"]) == (415, 415)
    unprocessable = request(
        server, "POST", "/api/links", b'{"url": 1}', {"Content-Type": "application/json"}
    )
    assert unprocessable.status == 422


def test_inspect_answers_any_method_over_the_wire(server: Server) -> None:
    for method in ("TRACE", "BREW"):
        reply = request(server, method, "/inspect", None, {"Accept": "application/json"})
        assert reply.status == 200
        assert reply.json()["method"] == method


def test_head_has_the_length_and_no_body(server: Server) -> None:
    get = request(server, "GET", "/about")
    head = request(server, "HEAD", "/about")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == str(len(get.body))


def test_static_file_and_its_304(server: Server) -> None:
    first = request(server, "GET", "/static/style.css")
    assert first.status == 200
    assert first.body == Path(STYLESHEET).read_bytes()
    assert first.headers.get_content_type() == "text/css"
    again = request(
        server, "GET", "/static/style.css", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert (again.status, again.body) == (304, b"")


CONFIG = ROOT / "example_app" / "gunicorn.conf.py"


def test_the_production_config_file_serves_the_app(tmp_path: Path) -> None:
    # The README's run command, but on a free port: gunicorn -c example_app/gunicorn.conf.py.
    instance = tmp_path / "not-yet" / "instance"
    env = {"SHORTENER_INSTANCE": str(instance), "WEB_CONCURRENCY": "2", "SHORTENER_THREADS": "2"}
    with run_gunicorn("example_app:app", "-c", str(CONFIG), workers=None, env=env) as server:
        assert request(server, "GET", "/about").status == 200
        # The second worker may still be forking, and a worker writes the access
        # log line (to stdout) after the response has gone out.
        wait_for(lambda: len(server.workers()) == 2, "2 workers (WEB_CONCURRENCY)")
        wait_for(lambda: '"GET /about HTTP/1.1" 200' in server.output(), "the access log")
        assert "Using worker: gthread" in server.output()
    # The on_starting hook made the instance folder, the key and a WAL database.
    assert (instance / "secret_key").read_text().strip()
    with closing(sqlite3.connect(instance / "links.sqlite3")) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_access_log_escapes_control_characters_the_client_sent(tmp_path: Path) -> None:
    env = {"SHORTENER_INSTANCE": str(tmp_path), "WEB_CONCURRENCY": "1"}
    with run_gunicorn("example_app:app", "-c", str(CONFIG), workers=None, env=env) as server:
        # CSI (0x9b) starts a terminal command as ESC [ does, and passes gunicorn's
        # parser as obs-text; so does anything in a Basic user name, decoded from base64.
        user = base64.b64encode(b"\x1b]0;owned\x07\x1b[2J:pw")
        sent = (
            b"GET /about HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            b"User-Agent: evil\x9b31m\\agent\r\nAuthorization: Basic " + user + b"\r\n\r\n"
        )
        with raw_connection(server) as sock:
            sock.sendall(sent)
            reply = read_reply(sock, "GET")
            assert reply.status == 200
        wait_for(lambda: '"GET /about HTTP/1.1" 200' in server.output(), "the access log")
        [line] = [line for line in server.output().splitlines() if "GET /about" in line]
        # How long it took, and the id the response carried: a user's report finds it.
        assert re.search(rf" \d+ms id={reply.headers['X-Request-ID']}$", line), line
        assert '"evil\\x9b31m\\x5cagent"' in line
        assert " \\x1b]0;owned\\x07\\x1b[2J " in line  # %(u)s, the user name
        # ESC itself, in a header, gunicorn refuses before the app or the log sees it.
        with raw_connection(server) as sock:
            sock.sendall(
                b"GET /inspect HTTP/1.1\r\nHost: localhost\r\nUser-Agent: a\x1b[2Jb\r\n\r\n"
            )
            assert read_reply(sock, "GET").status == 400
        output = server.output()
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", output), output


def test_the_config_prepares_the_instance_before_any_worker_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "fresh"
    database = tmp_path / "elsewhere" / "links.db"
    monkeypatch.setenv("SHORTENER_INSTANCE", str(instance))
    monkeypatch.setenv("SHORTENER_DATABASE", str(database))
    config = runpy.run_path(str(CONFIG))
    config["on_starting"](None)
    assert len((instance / "secret_key").read_text().strip()) == 64
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert tables.fetchall() == [("links",), ("settings",)]


def test_a_front_end_on_another_origin_is_answered_a_preflight_and_creates_a_link(
    server: Server,
) -> None:
    asked = request(
        server,
        "OPTIONS",
        "/api/links",
        None,
        {
            "Origin": FRONT_END,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert asked.status == 204
    assert asked.headers["Access-Control-Allow-Origin"] == FRONT_END
    assert asked.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS, POST"
    assert asked.headers["Access-Control-Allow-Headers"] == "content-type"
    assert asked.headers["Access-Control-Max-Age"] == "600"
    body = json.dumps({"url": "https://example.com/from/the/front/end"}).encode()
    headers = {
        "Origin": FRONT_END,
        "Sec-Fetch-Site": "same-site",
        "Content-Type": "application/json",
    }
    created = request(server, "POST", "/api/links", body, headers)
    assert created.status == 201
    assert created.headers["Access-Control-Allow-Origin"] == FRONT_END
    assert created.headers["Access-Control-Expose-Headers"] == "Location, ETag"
    assert created.headers["Vary"] == "Cookie, Origin"  # the link is the browser's: its session


def test_another_origin_may_neither_read_the_api_nor_post_to_it(server: Server) -> None:
    other = "http://127.0.0.1:9999"
    listed = request(server, "GET", "/api/links", None, {"Origin": other})
    assert listed.status == 200
    assert "Access-Control-Allow-Origin" not in listed.headers
    body = json.dumps({"url": "https://example.com/forged"}).encode()
    headers = {"Origin": other, "Content-Type": "application/json"}
    assert request(server, "POST", "/api/links", body, headers).status == 403
    # The pages of the site are not the API's scope: no CORS headers there.
    page = request(server, "GET", "/about", None, {"Origin": FRONT_END})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_a_link_is_a_304_when_the_client_has_its_version_over_the_wire(server: Server) -> None:
    body = json.dumps({"url": "https://example.com/cached"}).encode()
    created = request(server, "POST", "/api/links", body, {"Content-Type": "application/json"})
    code = created.json()["code"]
    first = request(server, "GET", f"/api/links/{code}")
    etag = first.headers["ETag"]
    again = request(server, "GET", f"/api/links/{code}", None, {"If-None-Match": etag})
    assert (again.status, again.body, again.headers["ETag"]) == (304, b"", etag)
    assert "Content-Length" not in again.headers or again.headers["Content-Length"] == "0"


def test_the_stream_sends_a_new_link_as_it_is_made_over_the_wire(server: Server) -> None:
    browser = Browser(server)
    origin = {"Origin": f"http://{HOST}:{server.port}", "Content-Type": "application/json"}
    body = json.dumps({"url": "https://example.com/first"}).encode()
    assert browser.send("POST", "/api/links", body, origin).status == 201
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    made: list[str] = []
    events = read_events(server.port, cookie, lambda block: "event: link" in block)
    assert next(events).startswith("event: hello")  # open: what is made from now on is sent
    body = json.dumps({"url": "https://example.com/streamed"}).encode()
    made.append(browser.send("POST", "/api/links", body, origin).json()["code"])
    link = next(events)
    assert f':{made[0]}\ndata: {{"code": "{made[0]}"' in link
    assert list(events) == []  # it ended where asked
