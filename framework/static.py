"""Static files: stylesheets, scripts and images served from a folder.

The app's ``static_folder`` is served under ``static_url_path`` by a route
named ``static``, so templates write ``url_for("static", filename="site.css")``.

Serving files well is mostly HTTP caching, which werkzeug's ``send_file``
does for us:

- ``ETag`` and ``Last-Modified`` identify the version of the file; a client
  that already has it asks again with ``If-None-Match`` or
  ``If-Modified-Since`` and gets ``304 Not Modified``, with no body;
- ``Cache-Control: max-age=N`` lets the client reuse the file for N seconds
  without asking at all (``STATIC_MAX_AGE``; by default ``no-cache``, which
  means "ask each time": always fresh, and cheap thanks to the 304);
- ``Range: bytes=0-99`` asks for part of a file (resuming a download,
  seeking in a video) and gets ``206 Partial Content``, or
  ``416 Range Not Satisfiable`` when the range lies outside the file.
  A Range of several ranges (``bytes=0-9,20-29``) is ignored, as RFC 9110
  lets a server do (section 14.2): the answer is the whole file, a 200.

The one thing we add is the guard at the door. The file name comes from the
URL, that is from whoever sends the request, so every name that could lead
out of the folder is refused with a 404 before any file is opened, and so is
a hidden file (``.env``, ``.git/config``) unless ``STATIC_DOTFILES`` is on.
What was opened is checked again, since the disk may change between the
check and the open.
"""

from __future__ import annotations

import os
import stat
from typing import IO, TYPE_CHECKING, Any

from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.utils import send_file
from werkzeug.wrappers import Response as WerkzeugResponse
from werkzeug.wsgi import FileWrapper

from .errors import HTTPError
from .response import Response

if TYPE_CHECKING:
    from .request import Request
    from .routing import View

#: What a 304 repeats of the 200 it stands for (RFC 9110, section 15.4.5).
_NOT_MODIFIED = frozenset(
    {"Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Last-Modified", "Vary"}
)

#: Request headers that make a request conditional on the file's version.
_PRECONDITIONS = frozenset(
    {"HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE"}
)


#: How a static file is opened: for reading, in binary (Windows), and
#: without waiting (a FIFO in the folder would otherwise wait for a writer).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)


def static_view(folder: str) -> View:
    """Return the view that serves the files of ``folder``, for the route ``static``."""

    def static(request: Request, filename: str) -> Response:
        config = request.app.config if request.app is not None else {}
        return send_static(
            request,
            folder,
            filename,
            max_age=config.get("STATIC_MAX_AGE"),
            dotfiles=bool(config.get("STATIC_DOTFILES", False)),
        )

    static.__qualname__ = "static"  # how route listings name it: framework.static:static
    return static


def send_static(
    request: Request,
    folder: str,
    filename: str,
    *,
    max_age: int | None = None,
    dotfiles: bool = False,
) -> Response:
    """Answer with the file ``filename`` from ``folder``, or raise a 404.

    ``filename`` is untrusted: it must name a regular file inside ``folder``
    once every symlink is resolved, and no segment of it may start with
    ``.`` unless ``dotfiles`` is true. ``max_age`` is the number of seconds
    a client may keep using its copy without asking again.
    """
    hidden = not dotfiles and any(part.startswith(".") for part in filename.split("/"))
    if hidden or not is_safe_name(filename) or _real_path_inside(folder, filename) is None:
        raise HTTPError(404)
    file, opened = _open_inside(folder, filename)
    try:
        # Without the server's file_wrapper, werkzeug hands back the open file
        # itself, which our adapter passes on to that same file_wrapper (and
        # so to sendfile where the server has it).
        environ = dict(request.environ)
        environ.pop("wsgi.file_wrapper", None)
        if "HTTP_RANGE" in environ:
            _one_byte_range(environ)
        name = os.path.basename(filename)
        if "HTTP_RANGE" in environ and not _PRECONDITIONS.isdisjoint(environ):
            # Preconditions come before Range (RFC 9110, section 13.2.2): a
            # client whose copy is current gets a 304, not a part of the file.
            without_range = {key: value for key, value in environ.items() if key != "HTTP_RANGE"}
            whole = _send(file, opened, name, without_range, max_age)
            if whole.status_code != 200:
                return _response(whole)
        return _response(_send(file, opened, name, environ, max_age))
    except BaseException:
        file.close()
        raise


def _one_byte_range(environ: dict[str, Any]) -> None:
    """Keep the Range header of ``environ`` only if it asks for one range of bytes.

    A range unit other than bytes must be ignored (RFC 9110, section 14.2).
    So may a request for several ranges: answering it would take a
    ``multipart/byteranges`` body, which werkzeug does not make (it answers
    416, as if no range fit the file). The whole file, a 200, is a right
    answer to any Range. Empty list elements (``bytes=0-9,``) don't count.
    """
    unit, equals, ranges = environ["HTTP_RANGE"].partition("=")
    if unit != "bytes" or not equals:
        del environ["HTTP_RANGE"]
        return
    parts = [part.strip() for part in ranges.split(",") if part.strip()]
    if len(parts) > 1:
        del environ["HTTP_RANGE"]
    elif parts:
        environ["HTTP_RANGE"] = f"bytes={parts[0]}"


def _open_inside(folder: str, filename: str) -> tuple[IO[bytes], os.stat_result]:
    """Open the regular file ``filename`` inside ``folder``, or raise a 404.

    A check of the name before the open leaves a gap: a symlink swapped in
    for the file meanwhile would be followed out of the folder. So what was
    opened is checked: the name must still lead, through its real path
    inside the folder, to the very file (device and inode) that was opened.
    Any failure to open, a directory or a FIFO included, is a 404.
    """
    try:
        descriptor = os.open(os.path.join(folder, filename), _OPEN_FLAGS)
    except OSError:
        raise HTTPError(404) from None
    try:
        opened = os.fstat(descriptor)
        target = _real_path_inside(folder, filename)
        # lstat: a symlink swapped in for the real path since is not the file.
        named = os.lstat(target) if target is not None else None
    except OSError:
        named = None
    if (
        named is None
        or not stat.S_ISREG(opened.st_mode)
        or (named.st_dev, named.st_ino) != (opened.st_dev, opened.st_ino)
    ):
        os.close(descriptor)
        raise HTTPError(404)
    return os.fdopen(descriptor, "rb"), opened


def _send(
    file: IO[bytes],
    opened: os.stat_result,
    name: str,
    environ: dict[str, Any],
    max_age: int | None,
) -> WerkzeugResponse:
    """Let werkzeug answer for the opened file: validators, Cache-Control, 304, 206.

    Given a file rather than a path, werkzeug cannot know the file's size
    or version: they come from ``fstat`` of what was opened, and so does
    the ETag, which changes whenever the file's size or modification time do.
    """
    sent = send_file(
        file,
        environ,
        download_name=name,
        conditional=False,
        etag=f"{opened.st_mtime_ns:x}-{opened.st_size:x}",
        last_modified=opened.st_mtime,
        max_age=max_age,
    )
    sent.content_length = opened.st_size
    try:
        return sent.make_conditional(environ, accept_ranges=True, complete_length=opened.st_size)
    except RequestedRangeNotSatisfiable as error:
        raise HTTPError(
            416,
            f"the file is {opened.st_size} bytes long; ask for a range within it",
            {"Content-Range": f"bytes */{opened.st_size}"},
        ) from error


def _response(sent: WerkzeugResponse) -> Response:
    """Turn werkzeug's answer for the file into our Response."""
    if sent.status_code == 304:
        # The client's copy is current: send the validators, and no body.
        sent.close()
        kept = [(name, value) for name, value in sent.headers.items() if name in _NOT_MODIFIED]
        return Response(status=304, headers=kept)
    if sent.status_code == 412:
        # An If-Match the file no longer matches: say so, and send nothing.
        sent.close()
        raise HTTPError(412, "the file has changed since the version the client named")
    body = sent.response
    if isinstance(body, FileWrapper):
        body = body.file
    return Response(body, sent.status_code, list(sent.headers.items()))


def is_safe_name(filename: str) -> bool:
    """Tell whether a file name from a URL stays inside its folder, as text.

    Refused: ``..`` and ``.`` segments and empty ones (``a//b``), absolute
    paths, backslashes (a separator on Windows), NUL and other control
    characters. The server has already decoded ``%2e%2e`` into ``..`` and
    ``%2f`` into ``/``, so the encoded forms are caught here too.
    """
    if not filename or filename.startswith("/"):
        return False
    if "\\" in filename or any(ord(char) < 32 or ord(char) == 127 for char in filename):
        return False
    return all(part not in ("", ".", "..") for part in filename.split("/"))


def _real_path_inside(folder: str, filename: str) -> str | None:
    """Return the real path of ``filename`` if it is inside ``folder``, else None.

    A symlink inside the folder may point anywhere on the disk; following it
    out of the folder would serve files that were never meant to be public.
    """
    try:
        root = os.path.realpath(folder)
        target = os.path.realpath(os.path.join(root, filename))
    except OSError:
        # A symlink that changed while it was read (EINVAL), for one.
        return None
    if os.path.commonpath([root, target]) != root or target == root:
        return None
    return target
