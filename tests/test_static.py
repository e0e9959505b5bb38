"""Static files: the static route, caching and ranges, and no way out of the folder."""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from werkzeug.test import TestResponse

from framework import App, Request
from framework.routing import URLBuildError
from framework.testing import TestClient

CSS = b"body{color:red}\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
DATA = b"0123456789abcdef"
SECRET = b"the secret next to the static folder\n"
OUTSIDE = b"a file in a folder outside the static folder\n"
#: Every file's modification time, so Last-Modified is known in advance.
MTIME = 1_700_000_000
LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT"


class OpenSpy:
    """Record the path of every file opened while ``recording()`` is on.

    It is an audit hook (PEP 578), which can never be removed: one is added
    per test module, and it records nothing outside a ``recording()`` block.
    """

    def __init__(self) -> None:
        self._paths: list[str] | None = None
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[object, ...]) -> None:
        if event == "open" and self._paths is not None:
            path = args[0]
            if isinstance(path, (str, bytes, os.PathLike)):
                self._paths.append(os.path.realpath(os.fsdecode(path)))

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        """Yield the list that fills with the real paths opened in the block."""
        paths: list[str] = []
        self._paths = paths
        try:
            yield paths
        finally:
            self._paths = None


@pytest.fixture(scope="module")
def open_spy() -> OpenSpy:
    return OpenSpy()


def forbidden_opens(opened: list[str], tmp_path: Path) -> list[str]:
    """The opened paths a traversal aims at: anything in the test's folder, /etc/passwd."""
    root = tmp_path.resolve()
    passwd = os.path.realpath("/etc/passwd")
    return [path for path in opened if Path(path).is_relative_to(root) or path == passwd]


@pytest.fixture
def static_folder(tmp_path: Path) -> Path:
    """tmp_path/static, with a secret.txt and an outside/ folder next to it to leak."""
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "img").mkdir()
    (tmp_path / "outside").mkdir()
    files = {
        folder / "css" / "site.css": CSS,
        folder / "img" / "logo.png": PNG,
        folder / "data.unknownext": DATA,
        tmp_path / "secret.txt": SECRET,
        tmp_path / "outside" / "x.txt": OUTSIDE,
    }
    for path, content in files.items():
        path.write_bytes(content)
        os.utime(path, (MTIME, MTIME))
    # A backslash is an ordinary character on POSIX: this file is what a
    # backslash name would reach if it got through, as ".." does on Windows.
    (folder / "css\\..\\..\\secret.txt").write_bytes(SECRET)
    (folder / "alias.css").symlink_to(Path("css") / "site.css")
    (folder / "leak.txt").symlink_to(Path("..") / "secret.txt")
    (folder / "outdir").symlink_to(tmp_path / "outside", target_is_directory=True)
    return folder


@pytest.fixture
def app(static_folder: Path) -> App:
    return App(__name__, static_folder=str(static_folder))


@pytest.fixture
def seen_paths(app: App) -> list[str]:
    """The request paths the app saw, as a before_request hook records them."""
    paths: list[str] = []

    @app.before_request
    def record_path(request: Request) -> None:
        paths.append(request.path)

    return paths


def headers_without_date(response: TestResponse) -> list[tuple[str, str]]:
    """The headers, but the Date and the request's id, which differ from request to request."""
    changing = ("Date", "X-Request-ID")
    return [(name, value) for name, value in response.headers.items() if name not in changing]


def test_url_for_static(app: App) -> None:
    assert app.url_for("static", filename="css/site.css") == "/static/css/site.css"


def test_custom_static_url_path(static_folder: Path) -> None:
    app = App(__name__, static_folder=str(static_folder), static_url_path="/assets")
    client = app.test_client()
    assert app.url_for("static", filename="css/site.css") == "/assets/css/site.css"
    response = client.get("/assets/css/site.css")
    assert response.status_code == 200
    assert response.data == CSS
    assert client.get("/static/css/site.css").status_code == 404


@pytest.mark.parametrize(
    "folder",
    [
        pytest.param(None, id="static-folder-none"),
        pytest.param("no-such-folder", id="folder-does-not-exist"),
    ],
)
def test_no_static_route_without_a_folder(tmp_path: Path, folder: str | None) -> None:
    app = App(__name__, static_folder=None if folder is None else str(tmp_path / folder))
    assert app.routes == []
    with pytest.raises(URLBuildError, match="'static'"):
        app.url_for("static", filename="css/site.css")
    assert app.test_client().get("/static/css/site.css").status_code == 404


SERVED = [
    pytest.param("/static/css/site.css", "text/css; charset=utf-8", CSS, id="css"),
    pytest.param("/static/img/logo.png", "image/png", PNG, id="png"),
    pytest.param(
        "/static/data.unknownext", "application/octet-stream", DATA, id="unknown-extension"
    ),
]


@pytest.mark.parametrize(("path", "content_type", "body"), SERVED)
def test_serves_the_file(client: TestClient, path: str, content_type: str, body: bytes) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Length"] == str(len(body))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Last-Modified"] == LAST_MODIFIED
    assert re.fullmatch(r'"[^"]+"', response.headers["ETag"])
    assert response.data == body


@pytest.mark.parametrize(("path", "content_type", "body"), SERVED)
def test_head_has_the_headers_of_get_and_no_body(
    client: TestClient, path: str, content_type: str, body: bytes
) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == 200
    assert headers_without_date(head) == headers_without_date(get)
    assert head.headers["Content-Length"] == str(len(body))
    assert head.data == b""


def test_a_symlink_to_a_file_inside_the_folder_is_served(client: TestClient) -> None:
    response = client.get("/static/alias.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.data == CSS


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        pytest.param("If-None-Match", "{etag}", 304, id="if-none-match-current"),
        pytest.param("If-None-Match", '"stale"', 200, id="if-none-match-stale"),
        pytest.param("If-Modified-Since", LAST_MODIFIED, 304, id="if-modified-since-equal"),
        pytest.param(
            "If-Modified-Since", "Mon, 13 Nov 2023 00:00:00 GMT", 200, id="if-modified-since-older"
        ),
        pytest.param("If-Match", "{etag}", 200, id="if-match-current"),
        pytest.param("If-Match", '"stale"', 412, id="if-match-stale"),
    ],
)
def test_conditional_requests(client: TestClient, header: str, value: str, status: int) -> None:
    etag = client.get("/static/css/site.css").headers["ETag"]
    response = client.get("/static/css/site.css", headers={header: value.format(etag=etag)})
    assert response.status_code == status
    if status == 200:
        assert response.data == CSS
    elif status == 304:
        assert response.data == b""
    else:
        assert CSS not in response.data


def test_not_modified_keeps_the_validators_and_drops_the_content_type(
    client: TestClient,
) -> None:
    etag = client.get("/static/css/site.css").headers["ETag"]
    response = client.get("/static/css/site.css", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Last-Modified"] == LAST_MODIFIED
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Content-Type" not in response.headers


def test_an_etag_from_before_the_file_changed_gets_the_new_file(
    client: TestClient, static_folder: Path
) -> None:
    old_etag = client.get("/static/css/site.css").headers["ETag"]
    site_css = static_folder / "css" / "site.css"
    site_css.write_bytes(b"body{color:blue}\n")
    os.utime(site_css, (MTIME + 60, MTIME + 60))
    response = client.get("/static/css/site.css", headers={"If-None-Match": old_etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != old_etag
    assert response.data == b"body{color:blue}\n"


@pytest.mark.parametrize(
    ("method", "byte_range", "part", "content_range"),
    [
        pytest.param("GET", "bytes=0-3", b"0123", "bytes 0-3/16", id="first-bytes"),
        pytest.param("GET", "bytes=-3", b"def", "bytes 13-15/16", id="suffix"),
        pytest.param("HEAD", "bytes=0-3", b"0123", "bytes 0-3/16", id="head"),
    ],
)
def test_range(
    client: TestClient, method: str, byte_range: str, part: bytes, content_range: str
) -> None:
    response = client.open("/static/data.unknownext", method=method, headers={"Range": byte_range})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == content_range
    assert response.headers["Content-Length"] == str(len(part))
    assert response.data == (part if method == "GET" else b"")


@pytest.mark.parametrize(
    ("header", "value", "status", "body"),
    [
        pytest.param("If-None-Match", "{etag}", 304, b"", id="current-copy-is-304-not-206"),
        pytest.param("If-None-Match", '"stale"', 206, b"0123", id="stale-copy-gets-the-range"),
        pytest.param("If-Match", '"stale"', 412, None, id="failed-if-match-is-412-not-206"),
        pytest.param("If-Match", "{etag}", 206, b"0123", id="matching-if-match-gets-the-range"),
    ],
)
def test_preconditions_come_before_the_range(
    client: TestClient, header: str, value: str, status: int, body: bytes | None
) -> None:
    etag = client.get("/static/data.unknownext").headers["ETag"]
    response = client.get(
        "/static/data.unknownext",
        headers={header: value.format(etag=etag), "Range": "bytes=0-3"},
    )
    assert response.status_code == status
    if body is not None:
        assert response.data == body
    else:
        assert b"0123" not in response.data


@pytest.mark.parametrize(
    "byte_range",
    [
        pytest.param("bytes=0-3,8-11", id="two-ranges"),
        pytest.param("bytes=0-10,5-15", id="overlapping"),
        pytest.param("bytes=0-0, 2-2, 4-4, 6-6", id="many-with-spaces"),
        pytest.param("bytes=100-200,300-", id="none-in-the-file"),
    ],
)
def test_several_ranges_get_the_whole_file(client: TestClient, byte_range: str) -> None:
    response = client.get("/static/data.unknownext", headers={"Range": byte_range})
    assert response.status_code == 200
    assert "Content-Range" not in response.headers
    assert response.headers["Content-Length"] == str(len(DATA))
    assert response.data == DATA


@pytest.mark.parametrize("byte_range", ["bytes=0-3,", "bytes=, 0-3", "bytes= 0-3 ,,"])
def test_one_range_among_empty_list_elements_is_one_range(
    client: TestClient, byte_range: str
) -> None:
    response = client.get("/static/data.unknownext", headers={"Range": byte_range})
    assert (response.status_code, response.data) == (206, b"0123")
    assert response.headers["Content-Range"] == "bytes 0-3/16"


@pytest.mark.parametrize(
    "method", [pytest.param("GET", id="get"), pytest.param("HEAD", id="head")]
)
def test_range_outside_the_file(client: TestClient, method: str) -> None:
    response = client.open(
        "/static/data.unknownext", method=method, headers={"Range": "bytes=100-"}
    )
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */16"
    assert DATA not in response.data
    if method == "HEAD":
        assert response.data == b""


@pytest.mark.parametrize(
    ("max_age", "directives"),
    [
        pytest.param(None, {"no-cache"}, id="default"),
        pytest.param(3600, {"public", "max-age=3600"}, id="max-age"),
    ],
)
def test_cache_control(
    app: App, client: TestClient, max_age: int | None, directives: set[str]
) -> None:
    app.config["STATIC_MAX_AGE"] = max_age
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert set(response.headers["Cache-Control"].split(", ")) == directives


def test_the_open_spy_sees_a_served_file(
    client: TestClient, open_spy: OpenSpy, static_folder: Path, tmp_path: Path
) -> None:
    with open_spy.recording() as opened:
        response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert forbidden_opens(opened, tmp_path) == [
        str((static_folder / "css" / "site.css").resolve())
    ]


@pytest.mark.parametrize(
    ("raw_path", "status"),
    [
        # A "." or ".." segment or a control character is refused before routing
        # (400); the static view refuses the rest itself (404).
        pytest.param("/static/../secret.txt", 400, id="dotdot"),
        pytest.param("/static/css/../../secret.txt", 400, id="dotdot-from-subfolder"),
        pytest.param("/static/%2e%2e/secret.txt", 400, id="dotdot-encoded"),
        pytest.param("/static/%2E%2E%2Fsecret.txt", 400, id="dotdot-and-slash-encoded"),
        pytest.param("/static/..%2fsecret.txt", 400, id="slash-encoded"),
        pytest.param("/static//etc/passwd", 404, id="absolute"),
        pytest.param("/static/%2Fetc%2Fpasswd", 404, id="absolute-encoded"),
        pytest.param("/static/css%5C..%5C..%5Csecret.txt", 404, id="backslashes"),
        pytest.param("/static/a%00b.css", 400, id="nul"),
        pytest.param("/static/./css/site.css", 400, id="dot-segment"),
        pytest.param("/static/css//site.css", 404, id="empty-segment"),
        pytest.param("/static/leak.txt", 404, id="symlink-to-a-file-outside"),
        pytest.param("/static/outdir/x.txt", 404, id="symlink-to-a-folder-outside"),
    ],
)
def test_paths_out_of_the_folder_are_refused_before_any_file_is_opened(
    client: TestClient,
    seen_paths: list[str],
    open_spy: OpenSpy,
    tmp_path: Path,
    raw_path: str,
    status: int,
) -> None:
    # What a PEP 3333 server puts in PATH_INFO: %XX decoded (as latin-1), ".." left as it is.
    path_info = unquote(raw_path, encoding="latin-1")
    with open_spy.recording() as opened:
        response = client.get(raw_path, environ_overrides={"PATH_INFO": path_info})
    assert seen_paths == ([path_info] if status == 404 else [])
    assert response.status_code == status
    assert SECRET not in response.data
    assert OUTSIDE not in response.data
    assert CSS not in response.data
    assert forbidden_opens(opened, tmp_path) == []


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/static/css", id="folder"),
        pytest.param("/static/css/", id="folder-with-slash"),
        pytest.param("/static/missing.css", id="missing-file"),
        pytest.param("/static/css/missing.css", id="missing-file-in-subfolder"),
    ],
)
def test_not_a_file(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


# --- Hidden files ---

HIDDEN = b"DATABASE_PASSWORD=hunter2\n"


@pytest.fixture
def hidden_files(static_folder: Path) -> Path:
    """Files a deploy leaves behind in a static folder: .env, .git/config, a/.hidden/b."""
    for name in [".env", ".git/config", "css/.hidden/b.css", ".well-known/security.txt"]:
        path = static_folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(HIDDEN)
    return static_folder


DOTFILE_PATHS = [
    pytest.param("/static/.env", id="dotfile"),
    pytest.param("/static/%2eenv", id="dotfile-encoded"),
    pytest.param("/static/.git/config", id="dot-folder"),
    pytest.param("/static/css/.hidden/b.css", id="dot-folder-deeper"),
    pytest.param("/static/.well-known/security.txt", id="well-known"),
]


@pytest.mark.usefixtures("hidden_files")
@pytest.mark.parametrize("raw_path", DOTFILE_PATHS)
def test_hidden_files_are_404(client: TestClient, raw_path: str) -> None:
    path_info = unquote(raw_path, encoding="latin-1")
    response = client.get(raw_path, environ_overrides={"PATH_INFO": path_info})
    assert response.status_code == 404
    assert HIDDEN not in response.data


@pytest.mark.usefixtures("hidden_files")
@pytest.mark.parametrize("raw_path", DOTFILE_PATHS)
def test_static_dotfiles_serves_hidden_files(app: App, client: TestClient, raw_path: str) -> None:
    app.config["STATIC_DOTFILES"] = True
    path_info = unquote(raw_path, encoding="latin-1")
    response = client.get(raw_path, environ_overrides={"PATH_INFO": path_info})
    assert response.status_code == 200
    assert response.data == HIDDEN


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/static/leak.txt", 404),
        ("/static/outdir/x.txt", 404),
        ("/static/../secret.txt", 400),  # a ".." segment never reaches a view
    ],
)
def test_static_dotfiles_still_serves_nothing_outside_the_folder(
    app: App, client: TestClient, path: str, status: int
) -> None:
    app.config["STATIC_DOTFILES"] = True
    response = client.get(path)
    assert response.status_code == status
    assert SECRET not in response.data and OUTSIDE not in response.data


# --- What cannot be opened, or is not what was checked ---


def test_a_symlink_to_an_absolute_path_outside_is_404(
    client: TestClient, static_folder: Path, tmp_path: Path
) -> None:
    (static_folder / "absolute.txt").symlink_to(tmp_path / "outside" / "x.txt")
    response = client.get("/static/absolute.txt")
    assert response.status_code == 404
    assert OUTSIDE not in response.data


@pytest.mark.parametrize(
    ("name", "make"),
    [
        pytest.param("dir.css", lambda path: path.mkdir(), id="a-folder-named-like-a-file"),
        pytest.param("pipe.css", os.mkfifo, id="a-fifo-that-would-wait-for-a-writer"),
        pytest.param("loop.css", lambda path: path.symlink_to(path.name), id="a-symlink-loop"),
        pytest.param("gone.css", lambda path: path.symlink_to("nowhere.css"), id="dangling"),
        pytest.param("x" * 300 + ".css", None, id="name-too-long"),
    ],
)
def test_what_cannot_be_opened_as_a_file_is_404(
    client: TestClient, static_folder: Path, name: str, make: Any
) -> None:
    # Each fails when opened, or is not a regular file once open, as root too.
    if make is not None:
        make(static_folder / name)
    assert client.get(f"/static/{name}").status_code == 404


def test_a_file_swapped_for_a_symlink_to_outside_is_never_served(
    client: TestClient, static_folder: Path, tmp_path: Path
) -> None:
    """Someone swaps a file for a symlink out of the folder, and back, over and over.

    Whatever the timing between the check of the name and the open, the
    answer is the file that belongs in the folder, or a 404.
    """
    inside = b"the file that belongs in the static folder\n"
    swapped = static_folder / "swap.txt"
    swapped.write_bytes(inside)
    stop = threading.Event()

    def swap() -> None:
        staged_file, staged_link = static_folder / "swap.file", static_folder / "swap.link"
        while not stop.is_set():
            staged_link.symlink_to(tmp_path / "outside" / "x.txt")
            os.replace(staged_link, swapped)
            staged_file.write_bytes(inside)
            os.replace(staged_file, swapped)

    swapper = threading.Thread(target=swap)
    swapper.start()
    statuses: Counter[int] = Counter()
    try:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            response = client.get("/static/swap.txt")
            assert OUTSIDE not in response.data
            statuses[response.status_code] += 1
            if response.status_code == 200:
                assert response.data == inside
    finally:
        stop.set()
        swapper.join()
    assert set(statuses) <= {200, 404}, statuses
    assert statuses[200] and statuses[404], "both states were seen: the swapping overlapped"
