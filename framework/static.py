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

The one thing we add is the guard at the door. The file name comes from the
URL, that is from whoever sends the request, so every name that could lead
out of the folder is refused with a 404 before any file is opened.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import NotFound, RequestedRangeNotSatisfiable
from werkzeug.utils import send_from_directory
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


def static_view(folder: str) -> View:
    """Return the view that serves the files of ``folder``, for the route ``static``."""

    def static(request: Request, filename: str) -> Response:
        config = request.app.config if request.app is not None else {}
        return send_static(request, folder, filename, max_age=config.get("STATIC_MAX_AGE"))

    static.__qualname__ = "static"  # how route listings name it: framework.static:static
    return static


def send_static(
    request: Request, folder: str, filename: str, *, max_age: int | None = None
) -> Response:
    """Answer with the file ``filename`` from ``folder``, or raise a 404.

    ``filename`` is untrusted: it must name a regular file inside ``folder``
    once every symlink is resolved. ``max_age`` is the number of seconds a
    client may keep using its copy without asking again.
    """
    if not is_safe_name(filename) or not _inside(folder, filename):
        raise HTTPError(404)
    # Without the server's file_wrapper, werkzeug hands back the open file
    # itself, which our adapter passes on to that same file_wrapper (and
    # so to sendfile where the server has it).
    environ = dict(request.environ)
    environ.pop("wsgi.file_wrapper", None)
    if not environ.get("HTTP_RANGE", "bytes=").startswith("bytes="):
        # A range unit other than bytes must be ignored (RFC 9110, section 14.2).
        del environ["HTTP_RANGE"]
    if "HTTP_RANGE" in environ and not _PRECONDITIONS.isdisjoint(environ):
        # Preconditions come before Range (RFC 9110, section 13.2.2): a
        # client whose copy is current gets a 304, not a part of the file.
        without_range = {key: value for key, value in environ.items() if key != "HTTP_RANGE"}
        whole = _send(folder, filename, without_range, max_age)
        if whole.status_code != 200:
            return _response(whole)
        whole.close()
    return _response(_send(folder, filename, environ, max_age))


def _send(
    folder: str, filename: str, environ: dict[str, Any], max_age: int | None
) -> WerkzeugResponse:
    """Let werkzeug answer for the file; its exceptions become our HTTPErrors."""
    try:
        return send_from_directory(folder, filename, environ, max_age=max_age)
    except NotFound:
        raise HTTPError(404) from None
    except RequestedRangeNotSatisfiable as error:
        size = os.path.getsize(os.path.join(folder, filename))
        raise HTTPError(
            416,
            f"the file is {size} bytes long; ask for a range within it",
            {"Content-Range": f"bytes */{size}"},
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


def _inside(folder: str, filename: str) -> bool:
    """Tell whether ``filename`` is still inside ``folder`` once symlinks are resolved.

    A symlink inside the folder may point anywhere on the disk; following it
    out of the folder would serve files that were never meant to be public.
    """
    root = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(root, filename))
    return os.path.commonpath([root, target]) == root and target != root
