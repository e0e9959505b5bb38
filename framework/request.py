"""Requests: a lazy, read-only view of the WSGI environ.

The server has already parsed the request line and the headers into the
``environ`` dict (PEP 3333): ``REQUEST_METHOD``, ``PATH_INFO``,
``QUERY_STRING``, ``SERVER_PROTOCOL``, one ``HTTP_*`` key per header, and
``wsgi.input``, the stream the body is read from. ``Request`` keeps the
environ as its only state and computes everything else on first use, so a
request that only needs its path never pays for parsing cookies or a body.

Bodies are handled strictly: a body is read whole before anyone sees it, and
never more than ``request.limits.max_body_size`` bytes of it (the app's
``MAX_BODY_SIZE``); a body shorter than its Content-Length, or one the
server fails to deliver, is a 400.

The request reads no configuration and knows nothing of cookies or signing.
It takes three things from the app that handles it, all made once per app:
its body limits (``app.body_limits``), its session layer (``app.sessions``),
which opens ``request.session`` when something first asks for it, and the
proxies it trusts (``app.trusted_proxies``), which decide whether
``request.id`` may come from the ``X-Request-ID`` header.
"""

from __future__ import annotations

import codecs
import functools
import json
import logging
import math
import secrets
from collections.abc import Callable, Mapping
from io import BytesIO
from types import MappingProxyType, SimpleNamespace
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar
from urllib.parse import quote

from mypy_extensions import mypyc_attr
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header
from werkzeug.sansio.http import parse_cookie
from werkzeug.sansio.utils import get_current_url, get_host

from . import validation
from .environ import QueryParams, RequestHeaders, cached, parse_query
from .errors import HTTPError
from .limits import DEFAULT_LIMITS as DEFAULT_LIMITS
from .limits import BodyLimits as BodyLimits
from .limits import FixedLimits as FixedLimits
from .pointers import RequestNames, request_module_name
from .proxies import direct_peer
from .requestids import choose_request_id
from .uploads import RememberedStreams

if TYPE_CHECKING:
    from .routing import Route
    from .sessions import Session
    from .story import Story

logger = logging.getLogger("framework")

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M")

_READ_SIZE = 64 * 1024
_NO_PARAMS: Mapping[str, Any] = MappingProxyType({})


class SessionLayer(Protocol):
    """What opens ``request.session``: the app's sessions (``framework.sessions``)."""

    def open(self, request: Request) -> Session:
        """Return the session the request carries (an empty one if it carries none)."""


class ProxyTrust(Protocol):
    """What tells a trusted proxy from any client: the app's ``trusted_proxies``."""

    def trusts(self, address: str | None) -> bool:
        """Tell whether ``address`` is one of the trusted proxies."""


# Compiled, an ordinary Python class (its methods compiled), as App is: a request
# keeps what it has computed (``cached``) in its ``__dict__``.
@mypyc_attr(native_class=False)
class Request(RequestNames):
    """One HTTP request: method, path, version, headers and body, read lazily."""

    #: The route that matched, once routing has run.
    route: Route | None = None
    #: True once a multipart body was parsed into files, which need closing.
    has_uploads = False
    #: The session, once something asked for ``session``; None until then.
    opened_session: Session | None = None
    #: What acted on the request, when ``framework trace`` or the inspector asks.
    story: Story | None = None
    #: True once ``wants_json(request)`` chose the response's form: it says ``Vary: Accept``.
    varies_on_accept = False

    def __init__(self, environ: dict[str, Any], app: Any = None) -> None:
        #: The WSGI environ the server built: the request's only real state.
        self.environ = environ
        #: The App handling the request, or None.
        self.app = app
        #: The request method, such as ``"GET"`` or ``"POST"``.
        self.method: str = environ.get("REQUEST_METHOD", "GET")
        #: The converted path parameters, once routing has run.
        self.path_params: Mapping[str, Any] = _NO_PARAMS
        #: The request headers: a read-only, case-insensitive view of the environ.
        self.headers = RequestHeaders(environ)
        # PERF: bench/instructions.py --workload github-200: 8.5% fewer instructions per request.
        raw_path = environ.get("PATH_INFO")
        if raw_path and raw_path.isascii():
            # The common case needs no decoding: set it now, and leave the
            # lazy ``path`` below for paths that hold non-ASCII bytes.
            self.path: str = raw_path
        #: The request's id: what its response says in ``X-Request-ID``, and its
        #: log records. Every response carries it, so it is chosen now, once.
        self.id: str = choose_request_id(environ, self)

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.environ.get('PATH_INFO', '')!r}>"

    @cached
    def state(self) -> SimpleNamespace:
        """Per-request storage for hooks and views: ``request.state.user = user``.

        A namespace that starts empty, made on first use (a request that does
        not use it does not pay for it) and thrown away with the request.
        """
        return SimpleNamespace()

    @cached
    def path(self) -> str:
        """The path, percent-decoded and read as UTF-8: ``/caf%C3%A9`` is ``"/café"``.

        PEP 3333 hands PATH_INFO over as the raw bytes decoded as latin-1;
        encoding it back to latin-1 recovers the bytes, which URLs carry as
        UTF-8. Bytes that are not UTF-8 are the client's mistake: 400.
        """
        raw: str = self.environ.get("PATH_INFO", "") or "/"
        try:
            return raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            raise HTTPError(400, "the request path is not valid UTF-8") from None

    @cached
    def query(self) -> QueryParams:
        """The query string's parameters; a name may appear several times.

        Only ``&`` separates parameters (``;`` is part of a value), and
        malformed percent-escapes are kept as they are.
        """
        raw: str = self.environ.get("QUERY_STRING", "")
        if not raw:
            return QueryParams()
        return parse_query(raw.encode("latin-1").decode("utf-8", "replace"))

    @cached
    def version(self) -> str:
        """The HTTP version of the request line, such as ``"HTTP/1.1"``."""
        return str(self.environ.get("SERVER_PROTOCOL", "HTTP/1.0"))

    @cached
    def content_type(self) -> str | None:
        """The Content-Type header as sent, such as ``"application/json"``, or None."""
        return self.environ.get("CONTENT_TYPE") or None

    @cached
    def mimetype(self) -> str:
        """The media type of the body without parameters, lower-cased: ``"text/plain"``."""
        return parse_options_header(self.content_type)[0]

    @cached
    def content_length(self) -> int | None:
        """The declared body size from Content-Length, or None when there is none."""
        raw = self.environ.get("CONTENT_LENGTH")
        if raw is None or raw == "":
            return None
        raw = raw.strip()
        if not (raw.isascii() and raw.isdigit()):
            raise HTTPError(400, f"Content-Length must be a whole number of bytes, got {raw!r}")
        if len(raw) > 18:
            # More bytes than any limit allows, and than Python turns into an int
            # without complaint: no need to read the number to refuse the body.
            raise HTTPError(413, "the declared Content-Length is far over the body size limit")
        return int(raw)

    @cached
    def cookies(self) -> MultiDict[str, str]:
        """The cookies the client sent, by name.

        The header's bytes are read as UTF-8; bytes that are not UTF-8 become
        U+FFFD rather than an error: a garbled cookie is the client's problem.
        """
        raw = self.environ.get("HTTP_COOKIE") or ""
        text = raw.encode("latin-1", "replace").decode("utf-8", "replace")
        return parse_cookie(cookie=text)

    @property
    def session(self) -> Session:
        """The session: a dict the app keeps for this client between requests.

        Opened on first use by the app's session layer (``framework.sessions``,
        a signed cookie that needs ``SECRET_KEY``), which also sends a changed
        session back with the response.
        """
        session = self.opened_session
        if session is None:
            if self.app is None:
                raise RuntimeError("request.session needs a request that belongs to an App")
            sessions: SessionLayer = self.app.sessions
            session = self.opened_session = sessions.open(self)
        return session

    @cached
    def scheme(self) -> str:
        """``"http"`` or ``"https"``, as the server saw the connection."""
        return str(self.environ.get("wsgi.url_scheme", "http"))

    @cached
    def host(self) -> str:
        """The host (and port, when not the scheme's default) the client asked for."""
        port = self.environ.get("SERVER_PORT", "")
        # A server on a Unix socket has no port number to give.
        server = (self.environ.get("SERVER_NAME", ""), int(port) if port.isdigit() else None)
        return get_host(self.scheme, self.environ.get("HTTP_HOST"), server)

    @cached
    def csp_nonce(self) -> str:
        """A fresh random value for this response's Content-Security-Policy ``{nonce}``.

        ``<script nonce="{{ csp_nonce() }}">`` marks a script as the page's
        own: a policy of ``script-src 'nonce-{nonce}'`` lets it run and no
        script an attacker slipped into the page. New for every request, so
        it cannot be guessed from an earlier page.
        """
        return secrets.token_urlsafe(16)

    @cached
    def url(self) -> str:
        """The full URL of the request, query string included."""
        query = self.environ.get("QUERY_STRING", "").encode("latin-1")
        root = self.environ.get("SCRIPT_NAME", "").encode("latin-1").decode("utf-8", "replace")
        return get_current_url(self.scheme, self.host, root, self.path, query)

    def url_for(
        self,
        __name: str,
        *,
        _external: bool = False,
        _scheme: str | None = None,
        _anchor: str | None = None,
        **params: Any,
    ) -> str:
        """Build the URL of a named route, as seen from this request.

        Like ``app.url_for``, but under the ``SCRIPT_NAME`` the server gave
        (an app mounted at ``/shop`` links to ``/shop/...``); ``_external``
        URLs use the request's scheme and host; and ``".item"`` names the
        route ``item`` of the router this request was routed into.
        """
        if self.app is None:
            raise RuntimeError("request.url_for needs a request that belongs to an App")
        # ``__name``: positional-only, as Router.url_for says why.
        url: str = self.app.build_url(
            __name, params, request=self, external=_external, scheme=_scheme, anchor=_anchor
        )
        return url

    def to_wire(self) -> bytes:
        """Return the request as it travels on the wire: request line, headers, blank line, body.

        Rebuilt from the environ, so header names come back in Title-Case and
        a header sent twice comes back as one line, its values joined with
        ", ", as the server handed it over. Reads the body.
        """
        target = self.environ.get("RAW_URI") or self.environ.get("REQUEST_URI")
        if not target:
            raw_path = self.environ.get("SCRIPT_NAME", "") + self.environ.get("PATH_INFO", "")
            target = quote(raw_path.encode("latin-1"), safe="/!$&'()*+,;=:@~")
            if self.environ.get("QUERY_STRING"):
                target += "?" + self.environ["QUERY_STRING"]
        lines = [f"{self.method} {target} {self.version}"]
        lines.extend(f"{name}: {value}" for name, value in self.headers.items())
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("latin-1", "replace") + self.body

    @cached
    def remote_addr(self) -> str | None:
        """The client's address as the server saw it (a proxy's, behind one)."""
        return self.environ.get("REMOTE_ADDR")

    @cached
    def from_trusted_proxy(self) -> bool:
        """Tell whether the direct peer is a proxy of the app's ``TRUSTED_PROXY_IPS``.

        The direct peer is the ``REMOTE_ADDR`` the server saw (before
        werkzeug's ``ProxyFix`` rewrote it, if it did). Only such a peer's
        word about the client is worth taking: ``X-Forwarded-For`` and
        ``X-Request-ID`` are headers any client can send.
        """
        if self.app is None:
            return False
        proxies: ProxyTrust = self.app.trusted_proxies
        return proxies.trusts(direct_peer(self.environ))

    @property
    def body(self) -> bytes:
        """The whole body, read from the server once and kept.

        A body larger than ``limits.max_body_size`` gets a 413 before it is read
        (or as soon as the limit is passed, for a chunked body that has no
        Content-Length). A body that ends before its Content-Length, or that
        the server fails to deliver (a malformed chunk), gets a 400.
        """
        body = self.__dict__.get("_body")
        if body is None:
            try:
                body = self._read_body()
            except HTTPError as error:
                body = error
            self.__dict__["_body"] = body
        if isinstance(body, HTTPError):
            raise body
        return body

    @property
    def limits(self) -> BodyLimits:
        """How much body this request may carry: its app's ``body_limits``, or the defaults."""
        if self.app is None:
            return DEFAULT_LIMITS
        limits: BodyLimits = self.app.body_limits
        return limits

    def _read_body(self) -> bytes:
        limit = self.limits.max_body_size
        length = self.content_length
        stream = self.environ.get("wsgi.input")
        if length is not None and length > limit:
            raise HTTPError(413, f"the body is {length} bytes; the limit is {limit}")
        if stream is None or length == 0:
            return b""
        if length is not None:
            return self._read_exactly(stream, length)
        if self.environ.get("wsgi.input_terminated"):
            # Chunked: no length was declared, so read to the end, but stop
            # one byte past the limit.
            return self._read_until_end(stream, limit)
        return b""

    def _read_exactly(self, stream: Any, length: int) -> bytes:
        chunks: list[bytes] = []
        remaining = length
        while remaining > 0:
            chunk = self._read_chunk(stream, min(remaining, _READ_SIZE))
            if not chunk:
                raise HTTPError(
                    400,
                    f"the body ended after {length - remaining} of the {length} bytes "
                    "its Content-Length announced",
                )
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _read_until_end(self, stream: Any, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = self._read_chunk(stream, min(_READ_SIZE, limit + 1 - total))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise HTTPError(413, f"the body is over the limit of {limit} bytes")

    @staticmethod
    def _read_chunk(stream: Any, size: int) -> bytes:
        try:
            return bytes(stream.read(size))
        except Exception as error:
            # Whatever the server's stream raises (a malformed chunk, a client
            # that hung up), the body did not arrive whole: the client's fault.
            logger.info("could not read the request body: %r", error)
            raise HTTPError(400, "the request body could not be read") from error

    @cached
    def text(self) -> str:
        """The body decoded with the charset of its Content-Type (UTF-8 by default)."""
        charset = parse_options_header(self.content_type)[1].get("charset", "utf-8")
        try:
            if "escape" in codecs.lookup(charset).name:
                # unicode_escape and its kin read backslashes as Python does (and
                # warn about them): a label no text on the web carries.
                raise LookupError(charset)
            return self.body.decode(charset, "replace")
        except (LookupError, UnicodeError):
            # An unknown charset, or a codec that fails even with "replace"
            # (idna, punycode): the client's label is wrong; read it as UTF-8.
            return self.body.decode("utf-8", "replace")

    @cached
    def json(self) -> Any:
        """The body parsed as JSON: 415 if it isn't declared JSON, 400 if it isn't valid."""
        mimetype = self.mimetype
        if mimetype != "application/json" and not mimetype.endswith("+json"):
            raise HTTPError(
                415, f"expected a JSON body (Content-Type: application/json), got {mimetype!r}"
            )
        body = self.body
        if not body:
            raise HTTPError(400, "expected a JSON body, but the body is empty")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise HTTPError(400, f"the JSON body is not valid UTF-8: {error}") from None
        try:
            value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        except ValueError as error:
            # JSONDecodeError, NaN or a number too large for a float, and also
            # an integer of more than 4,300 digits, which Python refuses to
            # convert (a denial-of-service guard).
            raise HTTPError(400, f"the body is not valid JSON: {error}") from None
        except RecursionError:
            raise HTTPError(400, "the JSON body is nested too deeply") from None
        if "\\ud" in text or "\\uD" in text:
            # "\ud800" alone is half of a UTF-16 pair: JSON lets it through, but
            # it is not a character, and no UTF-8 output (a response, a
            # database) can hold it.
            try:
                json.dumps(value, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise HTTPError(
                    400, "the JSON body holds an unpaired surrogate escape such as \\ud800"
                ) from None
        return value

    def json_as(self, model: type[M]) -> M:
        """Return the JSON body as an instance of ``model`` (pydantic model, dataclass, TypedDict).

        A body that cannot be read as JSON is a 400 (or a 415, not declared
        JSON), as for ``json``; JSON whose content the model refuses is a 422
        (``ValidationFailed``) that lists each invalid field. Needs pydantic:
        ``pip install 'framework[validation]'``.
        """
        return validation.from_json(model, self.json)

    def form_as(self, model: type[M]) -> M:
        """Return the form fields as an instance of ``model``; a 422 lists those it refuses.

        A field whose type is a list (``tags: list[str]``) takes every value
        the form sent under its name; any other field takes one, and the same
        name sent twice is a 422. Uploads are not part of it: read ``files``.
        """
        return validation.from_fields(model, self.form, "the form", "form_as")

    def query_as(self, model: type[M]) -> M:
        """Return the query string as an instance of ``model``; a 422 lists what it refuses.

        ``?tag=a&tag=b`` fills ``tag: list[str]`` with both values; a field of
        one value given twice (``?page=1&page=2``) is a 422, not a silent
        choice of the first.
        """
        return validation.from_fields(model, self.query, "the query string", "query_as")

    @property
    def form(self) -> MultiDict[str, str]:
        """Fields of a urlencoded or multipart form body (empty for other bodies)."""
        return self._form_and_files[0]

    @property
    def files(self) -> MultiDict[str, FileStorage]:
        """Uploaded files of a multipart form, by field name."""
        return self._form_and_files[1]

    def close(self) -> None:
        """Close the uploaded files (werkzeug spools large ones to temporary files)."""
        if self.has_uploads:
            for upload in self.files.values():
                upload.close()

    @cached
    def _form_and_files(self) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        mimetype, options = parse_options_header(self.content_type)
        if mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return MultiDict(), MultiDict()
        body = self.body
        limits = self.limits
        # werkzeug bounds the parts of multipart forms only. In a urlencoded
        # one "&" separates the fields: counting it costs no parsing, no memory.
        urlencoded = mimetype == "application/x-www-form-urlencoded"
        if urlencoded and body.count(b"&") >= limits.max_form_parts:
            raise HTTPError(
                413, f"the form has more than {limits.max_form_parts} fields; see MAX_FORM_PARTS"
            )
        streams = RememberedStreams()
        parser = FormDataParser(
            stream_factory=streams,
            max_form_memory_size=limits.max_form_memory_size,
            max_content_length=limits.max_body_size,
            max_form_parts=limits.max_form_parts,
            silent=False,
        )
        try:
            _, form, files = parser.parse(BytesIO(body), mimetype, len(body), options)
        except (RequestEntityTooLarge, ValueError) as error:
            for stream in streams.opened:
                stream.close()
            if isinstance(error, RequestEntityTooLarge):
                raise HTTPError(
                    413,
                    "the form has too many parts or too large a field; see MAX_FORM_PARTS "
                    "and MAX_FORM_MEMORY_SIZE",
                ) from None
            raise HTTPError(400, f"the form body is malformed: {error}") from None
        self.has_uploads = bool(files)
        return form, files


def _refuse_constant(name: str) -> Any:
    """Refuse NaN, Infinity and -Infinity: Python's extension, not JSON."""
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    """Parse a JSON number with a fraction or exponent, refusing one too large for a float."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def needs_request(usage: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a helper that takes the request first say so when it is called without it.

    ``flash("Welcome")`` would otherwise fail with Python's own message about
    a missing argument, or deep inside with a ``str`` that has no session.
    ``usage`` is how the helper is called, ``"flash(request, message)"``; the
    message repeats the call with the request put first.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            first = args[0] if args else kwargs.get("request")
            if not isinstance(first, Request):
                raise TypeError(
                    f"{usage}: pass the request first, "
                    f"{function.__name__}({_arguments(['request', *map(_literal, args)], kwargs)})"
                )
            return function(*args, **kwargs)

        return checked

    return decorate


def _arguments(positional: list[str], keywords: Mapping[str, Any]) -> str:
    named = [f"{name}={_literal(value)}" for name, value in keywords.items() if name != "request"]
    return ", ".join([*positional, *named])


def _literal(value: Any) -> str:
    """Write ``value`` as a call would: strings in double quotes when they can be."""
    text = repr(value)
    if isinstance(value, str) and '"' not in value and text[0] == "'":
        return f'"{text[1:-1]}"'
    return text if len(text) <= 40 else "..."


def _missing_name(name: str) -> Any:
    """Answer ``from framework import request; request.args`` with what to write instead."""
    request_module_name(name, Request)


# The module's __getattr__ (PEP 562), bound by assignment rather than ``def``: a
# module compiled with mypyc has its ``def`` functions before its globals, and the
# import system's own look-up of ``__file__`` would call it then.
__getattr__ = _missing_name
