"""Sessions and flash messages: state kept in a signed cookie.

HTTP is stateless: each request arrives on its own, and nothing in it says
"this is the user who logged in a minute ago" unless the client sends it.
A cookie is how the client sends it: the server answers with a
``Set-Cookie`` header, and the browser repeats the cookie on every later
request to the site.

Here the session data itself travels in the cookie, as JSON, signed with the
app's ``SECRET_KEY`` (by itsdangerous, an HMAC with a timestamp). The client
can read the data but not change it: a changed cookie no longer matches its
signature and is ignored. So keep secrets out of the session, and keep it
small: browsers drop cookies over about 4 KB.

A flash message is a message stored in the session for the next page to
show once ("Link created"), typically across a redirect.

This module owns the session from end to end: each app has one
``CookieSessions`` layer, which the Request asks to open ``request.session``
the first time something reads it, and which the app asks to save it into
the response. A request whose session nobody touched (``session_was_used``)
reads no cookie, needs no key, and sends no ``Vary: Cookie``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.http import dump_cookie

from .request import needs_request
from .response import Response, add_vary

if TYPE_CHECKING:
    from itsdangerous import URLSafeTimedSerializer

    from .request import Request
    from .wsgitypes import Environ, StartResponse, WSGIApp

logger = logging.getLogger("framework")

#: Browsers keep a cookie only if its Set-Cookie value fits in about 4 KB
#: (RFC 6265 asks them to keep at least 4096 bytes per cookie).
MAX_COOKIE_SIZE = 4093

#: Sets the signatures of sessions apart from anything else signed with the key.
_SALT = "framework.session"
_FLASHES = "_flashes"


class SessionError(RuntimeError):
    """The session cannot work as configured or as used: the message says why."""


class Session(dict[str, Any]):
    """The session's data: a dict that knows whether it was changed.

    Only a changed session is sent back as a cookie. Changing a value in
    place (``session["cart"].append(item)``) is not seen: assign the value
    again, or set ``session.modified = True``.
    """

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        super().__init__(data or {})
        #: True once the data changed during this request.
        self.modified = False
        #: The flashed messages taken out during this request, as
        #: ``(category, message)`` pairs: every later call in the same
        #: request shows them again. None until they are taken.
        self.flashes_taken: list[tuple[str, str]] | None = None

    def __setitem__(self, key: str, value: Any) -> None:
        self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.modified = True
        super().__delitem__(key)

    def clear(self) -> None:
        """Remove everything: the next response deletes the cookie."""
        self.modified = True
        super().clear()

    def pop(self, key: str, *default: Any) -> Any:
        """Remove ``key`` and return its value (or ``default``)."""
        self.modified = True
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last item added."""
        self.modified = True
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return ``session[key]``, storing ``default`` there first if missing."""
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Add the items of a mapping or of keyword arguments."""
        self.modified = True
        super().update(*args, **kwargs)

    def __ior__(self, other: Any) -> Session:  # type: ignore[override,misc]
        self.update(other)
        return self


def session_was_used(request: Request) -> bool:
    """Tell whether anything read or changed the request's session.

    Only then does the response depend on the cookie (``Vary: Cookie``), or
    may the cookie need sending again.
    """
    return request.opened_session is not None


class CookieSessions:
    """An app's session layer: sessions kept in a cookie signed with ``SECRET_KEY``.

    One per app, reading the app's config each time it opens or saves a
    session, so a setting changed between requests (a new key) applies to
    the next one.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        #: The app's config: ``SECRET_KEY``, ``SESSION_COOKIE_NAME``, ``SESSION_MAX_AGE``.
        self.config = config

    def open(self, request: Request) -> Session:
        """Read the session from the request's cookie.

        A cookie that is missing, too large, malformed, tampered with or
        older than ``SESSION_MAX_AGE`` gives an empty session: a client can
        always start over, and never causes an error.
        """
        data, _ = self.read(request.cookies.get(self.config["SESSION_COOKIE_NAME"], ""))
        return Session(data) if data is not None else Session()

    def read(self, cookie: str) -> tuple[dict[str, Any] | None, str]:
        """Check a session cookie's signature and age: its data (None if refused), and why.

        ``framework trace`` shows the verdict; ``open`` keeps only the data.
        """
        from itsdangerous import BadData, SignatureExpired

        serializer = _serializer(_signing_keys(self.config))  # no key: a SessionError
        if not cookie:
            return None, "no session cookie"
        if len(cookie) > MAX_COOKIE_SIZE:
            return None, f"refused: over {MAX_COOKIE_SIZE} bytes"
        try:
            data = serializer.loads(cookie, max_age=self.config["SESSION_MAX_AGE"])
        except SignatureExpired:
            return None, "refused: signed longer ago than SESSION_MAX_AGE"
        except BadData:
            return None, "refused: the signature does not match (tampered with, or another key)"
        if not isinstance(data, dict):
            return None, "refused: it does not hold a session"
        return data, "signature valid"

    def save(self, request: Request, response: Response | WSGIApp) -> Response | WSGIApp:
        """Add the session's headers to the response: Vary, and Set-Cookie if it changed.

        A page built from the session differs from one user to the next, so
        every response that read it says ``Vary: Cookie``: a shared cache must
        not hand one user's page to another. A session nobody used adds nothing.
        """
        session = request.opened_session
        if session is None:
            return response
        headers = [("Vary", "Cookie")]
        if session.modified:
            cookie = self._cookie(request, session)
            if cookie is not None:
                headers.append(("Set-Cookie", cookie))
        if not isinstance(response, Response):
            return _with_headers(response, headers)
        for name, value in headers:
            if name == "Vary":
                add_vary(response, value)
            else:
                response.headers.add(name, value)
        return response

    def _cookie(self, request: Request, session: Session) -> str | None:
        """Return the Set-Cookie value that stores (or deletes) the session."""
        config = self.config
        name = config["SESSION_COOKIE_NAME"]
        # Browsers keep a __Host- or __Secure- cookie only when it is Secure.
        secure = request.scheme == "https" or name.startswith(("__Host-", "__Secure-"))
        if not session:
            if name not in request.cookies:
                return None
            return dump_cookie(
                name,
                "",
                max_age=0,
                expires=0,
                path="/",
                secure=secure,
                httponly=True,
                samesite="Lax",
            )
        data = dict(session)
        cookie = self._stored(name, data, secure)
        flashes = data.get(_FLASHES)
        if len(cookie) > MAX_COOKIE_SIZE and isinstance(flashes, list) and flashes:
            cookie = self._with_recent_flashes(name, data, flashes, secure)
        if len(cookie) > MAX_COOKIE_SIZE:
            raise SessionError(
                f"the session cookie would be {len(cookie)} bytes, and browsers drop cookies "
                f"over {MAX_COOKIE_SIZE}; store less in the session (an id rather than the "
                "record it names) and keep the rest on the server"
            )
        return cookie

    def _stored(self, name: str, data: dict[str, Any], secure: bool) -> str:
        """Return the Set-Cookie value that stores ``data``, signed."""
        config = self.config
        try:
            value = _serializer(_signing_keys(config)).dumps(data)
        except (TypeError, ValueError) as error:
            # TypeError: a value JSON has no form for; ValueError: a circular one.
            raise SessionError(
                f"the session holds a value JSON cannot store ({error}); keep to str, int, "
                "float, bool, None, and lists and dicts of them"
            ) from None
        return dump_cookie(
            name,
            value,
            max_age=config["SESSION_MAX_AGE"],
            path="/",
            secure=secure,
            httponly=True,
            samesite="Lax",
            max_size=0,
        )

    def _with_recent_flashes(
        self, name: str, data: dict[str, Any], flashes: list[Any], secure: bool
    ) -> str:
        """Return the cookie that keeps as many of the newest flashed messages as fit.

        Messages pile up when no page shows them (a form posted again and
        again, a client that never follows the redirect), and the oldest
        matter least: rather than fail the request, drop them, and log it.
        """
        rest = {key: value for key, value in data.items() if key != _FLASHES}

        def keeping(count: int) -> str:
            kept = {**rest, _FLASHES: flashes[-count:]} if count else rest
            return self._stored(name, kept, secure)

        # Keeping every message is too large; find the most that fit, halving the gap.
        fits, too_many = 0, len(flashes)
        while too_many - fits > 1:
            middle = (fits + too_many) // 2
            if len(keeping(middle)) <= MAX_COOKIE_SIZE:
                fits = middle
            else:
                too_many = middle
        cookie = keeping(fits)
        if len(cookie) <= MAX_COOKIE_SIZE:
            logger.warning(
                "dropped the %d oldest of %d flashed messages: the session cookie would "
                "have been over %d bytes",
                len(flashes) - fits,
                len(flashes),
                MAX_COOKIE_SIZE,
            )
        return cookie


def _with_headers(app: WSGIApp, extra: list[tuple[str, str]]) -> WSGIApp:
    """Wrap a WSGI app so that its response carries ``extra`` headers too."""

    def with_headers(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, *extra], exc_info)

        return app(environ, start)

    return with_headers


def _signing_keys(config: dict[str, Any]) -> tuple[str | bytes, ...]:
    """Return the keys that verify a session, the one that signs last.

    Keys in ``SECRET_KEY_FALLBACKS`` (oldest first) still verify cookies
    signed before the key was changed; only ``SECRET_KEY`` signs. An empty
    or blank key is refused: anyone can sign with it, so it would let
    anyone write any session.
    """
    secret_key = config.get("SECRET_KEY")
    problem = _key_problem(secret_key)
    if problem is not None:
        raise SessionError(
            f"sessions need a secret key to sign the cookie, and SECRET_KEY is {problem}: set "
            "app.config['SECRET_KEY'] to a long random string kept out of the source, such "
            "as the output of python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    fallbacks = config.get("SECRET_KEY_FALLBACKS")
    if fallbacks is None:
        fallbacks = ()
    elif isinstance(fallbacks, (str, bytes)):
        fallbacks = (fallbacks,)  # one old key given on its own, not in a list
    for key in fallbacks:
        problem = _key_problem(key)
        if problem is not None:
            raise SessionError(
                f"SECRET_KEY_FALLBACKS holds a key that is {problem}, and anyone could sign "
                "a session with it: list only the old keys, or set it to [] for none"
            )
    return (*fallbacks, secret_key)


def _key_problem(key: object) -> str | None:
    """Say what keeps ``key`` from being a secret (``"empty"``), or None if nothing does."""
    if key is None:
        return "not set"
    if not isinstance(key, (str, bytes)):
        return f"of type {type(key).__name__}, not a str"
    if not key:
        return "empty"
    if not key.strip():
        return "only whitespace"
    return None


@functools.lru_cache(maxsize=16)
def _serializer(keys: tuple[str | bytes, ...]) -> URLSafeTimedSerializer:
    """Make a serializer that signs with the last key and verifies with any of them."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(list(keys), salt=_SALT, serializer=_CompactJSON)  # type: ignore[arg-type]


class _CompactJSON:
    """JSON without spaces: every byte of a cookie travels with every request."""

    @staticmethod
    def dumps(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def loads(text: str | bytes) -> Any:
        return json.loads(text)


@needs_request("flash(request, message)")
def flash(request: Request, message: str, category: str = "message") -> None:
    """Keep ``message`` in the session for the next page to show once.

    ``category`` (such as ``"error"``) lets the page style messages apart.
    """
    flashes = request.session.get(_FLASHES, [])
    request.session[_FLASHES] = [*flashes, [category, message]]


@needs_request("get_flashed_messages(request)")
def get_flashed_messages(
    request: Request, with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[Any]:
    """Take the flashed messages out of the session and return them.

    They are removed from the session, so they show once; within the same
    request, every call returns the same messages. ``with_categories``
    gives ``(category, message)`` pairs; ``category_filter`` keeps only
    those categories.
    """
    session = request.session
    flashes = session.flashes_taken
    if flashes is None:
        stored = session.pop(_FLASHES) if _FLASHES in session else []
        flashes = [(str(category), str(message)) for category, message in _pairs(stored)]
        session.flashes_taken = flashes
    wanted = set(category_filter)
    if wanted:
        flashes = [pair for pair in flashes if pair[0] in wanted]
    if with_categories:
        return list(flashes)
    return [message for _, message in flashes]


def _pairs(stored: Any) -> list[tuple[Any, Any]]:
    """Keep the well-formed [category, message] pairs of what the session held."""
    if not isinstance(stored, list):
        return []
    return [
        (item[0], item[1]) for item in stored if isinstance(item, (list, tuple)) and len(item) == 2
    ]
