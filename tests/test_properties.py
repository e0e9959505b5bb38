"""Properties over generated input: routing round trips, hostile paths, requests, headers."""

from __future__ import annotations

import encodings
import json
import pkgutil
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any
from unittest import mock
from urllib.parse import unquote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.formparser import default_stream_factory
from wsgi_calls import call, environ_for

from framework import App, Request, Response, Router
from framework.errors import HTTPError
from framework.routes import STANDARD_METHODS
from framework.routing import Match, MethodNotAllowed, NotFound, URLBuildError
from framework.wsgi import handle

# ---------------------------------------------------------------------------
# Shared helpers


def view_named(name: str) -> Any:
    def view(request: Request, **params: Any) -> str:
        return f"{name} {sorted(params)}"

    view.__name__ = name
    view.__qualname__ = name
    return view


def as_wsgi_path(path: str) -> str:
    """PATH_INFO for a path the client sent as UTF-8: its bytes decoded as latin-1 (PEP 3333)."""
    return path.encode("utf-8", "surrogatepass").decode("latin-1")


#: Text a WSGI server can hand over: every str in the environ is latin-1. Half the
#: characters are above ASCII, bytes that are often not UTF-8 once encoded back.
latin1_text = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=0x7F), st.characters(min_codepoint=0x80, max_codepoint=0xFF)
    )
)

# ---------------------------------------------------------------------------
# 1. Routing round trip: url_for, percent-decode, match.

ROUND_TRIP_PATTERNS = {
    "plain": "/plain/<name>",
    "integer": "/integer/<int:n>",
    "number": "/number/<float:x>",
    "ident": "/ident/<uuid:u>",
    "tree": "/tree/<path:p>",
    "files": "/files/<stem>.<ext>",
    "report": "/report-<int:year>.csv",
}


def build_router() -> Router:
    router = Router()
    for name, pattern in ROUND_TRIP_PATTERNS.items():
        router.add_route(pattern, view_named(name), name=name)
    # Neighbours that fork the tree, so matching has to choose and backtrack.
    router.add_route("/", view_named("root"), ["GET", "POST"])
    router.add_route("/plain/me", view_named("me"), ["PUT"])
    router.add_route("/docs/", view_named("docs"))
    router.add_route("/plain/<name>/edit", view_named("edit"), ["GET", "POST"])
    router.add_route("/<page>", view_named("page"))
    return router


ROUTER = build_router()


def one_segment(text: str) -> bool:
    """A plain ``<name>`` takes one non-empty segment: no "/" (it would split the segment).

    Nor "." or "..", which a client would resolve away: url_for refuses them.
    """
    return bool(text) and "/" not in text and text not in (".", "..")


def no_dot_segment(text: str) -> bool:
    """Tell whether no "/"-separated piece of ``text`` is "." or ".."."""
    return not any(piece in (".", "..") for piece in text.split("/"))


# "<path:p>" has the regex "[^/](?s:.*)": it cannot start with "/" (that keeps "//host" out
# of it, as designed), and it takes anything after that, line breaks included.
path_values = st.text(min_size=1).filter(
    lambda text: not text.startswith("/") and no_dot_segment(text)
)

ROUND_TRIP_CASES = [
    pytest.param(
        "plain", st.fixed_dictionaries({"name": st.text().filter(one_segment)}), id="str"
    ),
    pytest.param("integer", st.fixed_dictionaries({"n": st.integers(min_value=0)}), id="int"),
    pytest.param(
        "number",
        st.fixed_dictionaries(
            {"x": st.floats(min_value=0.0, allow_nan=False, allow_infinity=False)}
        ),
        id="float",
    ),
    pytest.param("ident", st.fixed_dictionaries({"u": st.uuids()}), id="uuid"),
    pytest.param("tree", st.fixed_dictionaries({"p": path_values}), id="path"),
    pytest.param(
        "files",
        st.fixed_dictionaries(
            {
                # "<stem>.<ext>" is the regex "([^/]+)\.([^/]+)": the stem is greedy, so the
                # segment splits at its last ".". A stem may hold dots ("archive.tar" + "gz");
                # an ext may not: "a" + "b.c" and "a.b" + "c" are the same URL "a.b.c".
                "stem": st.text().filter(one_segment),
                "ext": st.text().filter(lambda text: one_segment(text) and "." not in text),
            }
        ),
        id="mixed",
    ),
    pytest.param(
        "report", st.fixed_dictionaries({"year": st.integers(min_value=0)}), id="mixed-int"
    ),
]


@pytest.mark.parametrize(("name", "params"), ROUND_TRIP_CASES)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_url_for_then_match_gives_back_the_route_and_its_params(
    name: str, params: st.SearchStrategy[dict[str, Any]], data: st.DataObject
) -> None:
    values = data.draw(params, label="params")
    url = ROUTER.url_for(name, **values)
    assert "?" not in url, f"every value should go into the path: {url!r}"
    # What a WSGI server hands over as PATH_INFO: the percent-decoded path.
    result = ROUTER.match("GET", unquote(url))
    assert isinstance(result, Match), f"{url!r} gave {result!r}"
    assert result.route.name == name
    assert result.params == values


@settings(max_examples=150, deadline=None)
@given(value=st.text(min_size=1).filter(lambda text: not text.startswith("/")))
def test_url_for_refuses_exactly_the_values_a_client_would_resolve_away(value: str) -> None:
    if no_dot_segment(value):
        assert ROUTER.url_for("tree", p=value)
    else:
        with pytest.raises(URLBuildError, match=r"'\.' or '\.\.' segment"):
            ROUTER.url_for("tree", p=value)


# ---------------------------------------------------------------------------
# 2. Arbitrary paths: the router always answers, the app never fails.

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]

SEGMENTS = ["", ".", "..", "plain", "me", "edit", "integer", "42", "-1", "number", "1.5"]
SEGMENTS += ["ident", str(uuid.UUID(int=7)), "tree", "files", "a.b", "report-2024.csv", "docs"]
SEGMENTS += ["guide", "static", "page.txt", "%2e%2e", "a\x00b", "\r\n", "caf\u00e9"]
SEGMENTS += ["\udcff", "\\"]

#: The first segment of every route's pattern.
FIRST_SEGMENTS = ["plain", "integer", "number", "ident", "tree", "files", "docs", "guide"]
FIRST_SEGMENTS += ["static"]

segment = st.one_of(st.sampled_from(SEGMENTS), st.text())
arbitrary_paths = st.one_of(
    st.text(),
    # Paths near the routes: matches, 405s and trailing-slash redirects as well as 404s.
    st.builds(
        lambda first, rest: "/".join(["", first, *rest]),
        st.sampled_from([*FIRST_SEGMENTS, ""]),
        st.lists(st.one_of(st.sampled_from(SEGMENTS), st.text(min_size=1)), max_size=3),
    ),
    st.lists(segment, max_size=8).map(lambda parts: "/" + "/".join(parts)),
    st.lists(segment, max_size=8).map(lambda parts: "//" + "/".join(parts)),
    # Very long: a few thousand segments, or one very long segment.
    st.builds(lambda part, count: "/" + "/".join([part] * count), segment, st.integers(1, 3000)),
    st.builds(lambda part, count: "/" + part * count, segment, st.integers(1, 3000)),
)


@settings(max_examples=500, deadline=None)
@given(method=st.sampled_from(METHODS), path=arbitrary_paths)
def test_any_path_gets_one_of_the_three_outcomes(method: str, path: str) -> None:
    result = ROUTER.match(method, path)
    if isinstance(result, Match):
        served = result.route.methods | ({"HEAD"} if "GET" in result.route.methods else set())
        assert method in served
        assert set(result.params) == result.route.parameter_names
    elif isinstance(result, MethodNotAllowed):
        # OPTIONS is always allowed: the app answers it from this outcome with a 204.
        assert "OPTIONS" in result.methods
        assert method == "OPTIONS" or method not in result.methods
    else:
        assert isinstance(result, NotFound)
        if result.redirect_to is not None:
            assert result.redirect_to == path + "/"
            assert not path.startswith("//"), "a redirect to //host leaves the site"


def build_app() -> App:
    # The static folder of the end-to-end tests: arbitrary paths also reach static files.
    app = App(__name__, static_folder="e2e_static")
    for name, pattern in ROUND_TRIP_PATTERNS.items():
        app.router.add_route(pattern, view_named(name), ["GET", "POST"], name=name)
    app.router.add_route("/", view_named("root"))
    app.router.add_route("/docs/", view_named("docs"))
    app.router.add_route("/guide/<topic>/", view_named("guide"))
    app.router.add_route("/plain/<name>/edit", view_named("edit"), ["PUT"])
    return app


PATH_APP = build_app()

#: PATH_INFO as servers give it: UTF-8 bytes (or any bytes at all) decoded as latin-1.
wsgi_paths = st.one_of(arbitrary_paths.map(as_wsgi_path), latin1_text)


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(METHODS), path=wsgi_paths, query=latin1_text)
def test_any_path_through_the_app_answers_below_500(method: str, path: str, query: str) -> None:
    environ = environ_for(method=method, path=path, query=query)
    start_response, _ = call(PATH_APP, environ)
    code = start_response.code
    # A method no route takes (PROPFIND here) is a 501, unless the path is refused first.
    implemented = method in STANDARD_METHODS | PATH_APP.router.methods
    assert 200 <= code < 500 or (code == 501 and not implemented), (
        f"{method} {path!r} -> {start_response.status}"
    )


# ---------------------------------------------------------------------------
# 3. Request parsing: nothing but HTTPError, and only 4xx.

#: Small limits, so that generated bodies also reach the 413 answers; the body limit
#: still lets a JSON number of a few thousand digits through.
LIMITS = {"MAX_BODY_SIZE": 6000, "MAX_FORM_MEMORY_SIZE": 128, "MAX_FORM_PARTS": 4}

#: What a request carries before its body, and what is parsed from the body.
HEAD_ACCESSORS = ("query", "headers", "cookies", "url", "host")
BODY_ACCESSORS = ("content_length", "json", "form", "files")

MEDIA_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/json",
    "application/problem+json",
    "text/plain",
]

#: Every codec Python knows, by module name: what a "charset=" parameter may name.
CODECS = sorted(module.name for module in pkgutil.iter_modules(encodings.__path__))

query_strings = st.one_of(
    latin1_text,
    st.text(alphabet="ab=&%+;2Fx0e9\u00e9 ", max_size=40),
)

cookie_headers = st.one_of(
    latin1_text,
    st.lists(
        st.tuples(st.text(alphabet='ab=;" ,\\\u00e9\x00', max_size=6), latin1_text),
        max_size=4,
    ).map(lambda pairs: "; ".join(f"{name}={value}" for name, value in pairs)),
)

boundaries = st.one_of(
    st.text(alphabet="abcXYZ0123'()+_,-./:=? ", min_size=1, max_size=72),
    latin1_text,
)

media_parameter = st.one_of(
    st.just(""),
    st.builds("; charset={}".format, st.one_of(st.sampled_from(CODECS), latin1_text)),
    st.builds("; boundary={}".format, boundaries),
    st.builds('; boundary="{}"'.format, boundaries),
    latin1_text,
)

content_types = st.one_of(
    latin1_text,
    st.builds("{}{}".format, st.sampled_from(MEDIA_TYPES), media_parameter),
)


def multipart(boundary: str, parts: list[tuple[str, str | None, str | None, bytes]]) -> bytes:
    """A multipart/form-data body: each part is (name, filename, content type, content)."""
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = []
    for name, filename, part_type, content in parts:
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        head = disposition + (f"\r\nContent-Type: {part_type}" if part_type else "")
        chunks.append(delimiter + b"\r\n" + head.encode("utf-8") + b"\r\n\r\n" + content)
    return b"\r\n".join(chunks) + b"\r\n" + delimiter + b"--\r\n"


@st.composite
def multipart_bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    """A multipart body and its Content-Type, well formed or cut short or mangled."""
    boundary = draw(st.text(alphabet="abcXYZ0123'()+_,-./:=? ", min_size=1, max_size=72))
    declared = draw(st.one_of(st.just(boundary), boundaries))
    part = st.tuples(
        st.text(max_size=8),
        st.one_of(st.none(), st.text(max_size=8)),
        st.one_of(st.none(), st.sampled_from(["text/plain", "application/octet-stream"])),
        st.binary(max_size=200),
    )
    body = multipart(boundary, draw(st.lists(part, max_size=6)))
    cut = draw(st.integers(0, len(body)))
    body = draw(st.sampled_from([body, body[:cut], body[:cut] + draw(st.binary(max_size=20))]))
    return f"multipart/form-data; boundary={declared}", body


def json_texts() -> st.SearchStrategy[bytes]:
    values = st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=10,
    )
    return st.one_of(
        values.map(lambda value: json.dumps(value).encode()),
        # A number with thousands of digits, and nesting deeper than the recursion limit.
        st.integers(1, 6000).map(lambda count: b"1" * count),
        st.integers(1, 5000).map(lambda depth: b"[" * depth + b"]" * depth),
        st.binary(),
    )


form_texts = st.text(alphabet="ab=&%+;2Fx0e9\u00e9 \x00", max_size=60).map(str.encode)

#: (Content-Type, body) pairs: what the body says it is, and what it is.
bodies = st.one_of(
    st.tuples(
        st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=latin-1",
            ]
        ),
        st.one_of(form_texts, st.binary(max_size=600)),
    ),
    multipart_bodies(),
    st.tuples(
        st.sampled_from(["application/json", "application/vnd.api+json; charset=utf-8"]),
        json_texts(),
    ),
    st.tuples(content_types, st.binary(max_size=600)),
)

#: Headers a client chooses, as the environ keys a server puts them under.
client_headers = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_X_ANY": latin1_text,
        "HTTP_COOKIE": cookie_headers,
        "HTTP_HOST": latin1_text,
        "HTTP_ACCEPT": st.sampled_from(["application/json", "text/html", "*/*"]),
    },
)


def read(request: Request, names: Iterable[str]) -> list[HTTPError]:
    """Read these attributes of a request; return the HTTPErrors, let anything else out."""
    errors = []
    for name in names:
        try:
            value = getattr(request, name)
            if name == "headers":
                dict(value)  # iterating the view reads every header
        except HTTPError as error:
            errors.append(error)
    return errors


def assert_client_errors(errors: Iterable[HTTPError]) -> None:
    for error in errors:
        assert 400 <= error.status < 500, f"{error!r} is not a client error"


#: An app with those limits, for requests built by hand.
LIMITED_APP = App(__name__, static_folder=None)
LIMITED_APP.config.update(LIMITS)


def request_for(environ: dict[str, Any]) -> Request:
    return Request(environ, LIMITED_APP)


@contextmanager
def tracked_uploads() -> Iterator[list[IO[bytes]]]:
    """Record every file werkzeug's form parser opens for an upload; close them all after.

    The closing at the end is a safety net, so that a file left open does not fail some
    later test with a ResourceWarning; whether the request closed them is the business of
    ``test_no_upload_stays_open_once_the_request_is_closed``.
    """
    opened: list[IO[bytes]] = []

    def stream_factory(*args: Any, **kwargs: Any) -> IO[bytes]:
        stream = default_stream_factory(*args, **kwargs)
        opened.append(stream)
        return stream

    try:
        # FormDataParser looks the factory up in its module when it is made.
        with mock.patch("werkzeug.formparser.default_stream_factory", stream_factory):
            yield opened
    finally:
        for stream in opened:
            stream.close()


def read_body(environ: dict[str, Any]) -> list[HTTPError]:
    """Read every attribute parsed from the body, and close the request as the adapter does."""
    request = request_for(environ)
    try:
        return read(request, BODY_ACCESSORS)
    finally:
        request.close()


@settings(max_examples=300, deadline=None)
@given(
    query=query_strings,
    headers=client_headers,
    content_type=st.one_of(st.none(), content_types),
    content_length=st.one_of(st.none(), latin1_text),
)
def test_reading_the_head_of_a_request_raises_nothing_but_client_errors(
    query: str, headers: dict[str, str], content_type: str | None, content_length: str | None
) -> None:
    environ = environ_for(query=query, headers=headers)
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    assert_client_errors(read(request_for(environ), HEAD_ACCESSORS))


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]), body=bodies)
@example(method="POST", body=("application/json", b"1" * 4301)).via(
    "a JSON number with more digits than int() converts"
)
def test_reading_a_body_raises_nothing_but_client_errors(
    method: str, body: tuple[str, bytes]
) -> None:
    content_type, data = body
    environ = environ_for(method=method, body=data, headers={"CONTENT_TYPE": content_type})
    with tracked_uploads():
        assert_client_errors(read_body(environ))


content_lengths = st.one_of(
    latin1_text,
    st.integers(min_value=0).map(str),
    st.integers(min_value=-5, max_value=700).map(lambda number: f" {number} "),
    # A declared length with thousands of digits.
    st.integers(1, 6000).map(lambda count: "9" * count),
)


@settings(max_examples=300, deadline=None)
@given(content_length=content_lengths, body=bodies)
@example(content_length="9" * 4301, body=("text/plain", b"")).via(
    "a Content-Length with more digits than int() converts"
)
def test_any_content_length_is_a_number_or_a_client_error(
    content_length: str, body: tuple[str, bytes]
) -> None:
    content_type, data = body
    environ = environ_for(method="POST", body=data)
    environ.update(CONTENT_TYPE=content_type, CONTENT_LENGTH=content_length)
    with tracked_uploads():
        assert_client_errors(read_body(environ))


@settings(max_examples=200, deadline=None)
@given(body=multipart_bodies())
def test_no_upload_stays_open_once_the_request_is_closed(body: tuple[str, bytes]) -> None:
    content_type, data = body
    environ = environ_for(method="POST", body=data, headers={"CONTENT_TYPE": content_type})
    with tracked_uploads() as opened:
        assert_client_errors(read_body(environ))
        left_open = [stream for stream in opened if not stream.closed]
        assert not left_open, f"{len(left_open)} of {len(opened)} uploads left open"


@settings(max_examples=200, deadline=None)
@given(charset=st.one_of(st.sampled_from(CODECS), latin1_text), data=st.binary(max_size=50))
def test_request_text_decodes_with_any_declared_charset(charset: str, data: bytes) -> None:
    environ = environ_for(
        method="POST", body=data, headers={"CONTENT_TYPE": f"text/plain; charset={charset}"}
    )
    assert isinstance(request_for(environ).text, str)


def build_echo_app() -> App:
    app = App(__name__, static_folder=None)
    app.config.update(LIMITS)

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def echo(request: Request) -> dict[str, Any]:
        errors = read(request, HEAD_ACCESSORS + BODY_ACCESSORS)
        if errors:
            raise errors[0]
        return {
            "query": len(request.query),
            "form": len(request.form),
            "files": len(request.files),
        }

    return app


ECHO_APP = build_echo_app()


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    query=query_strings,
    headers=client_headers,
    body=bodies,
    content_length=st.one_of(st.none(), content_lengths),
)
@example(
    method="POST",
    query="",
    headers={},
    body=("application/json", b"1" * 4301),
    content_length=None,
).via("a JSON number with more digits than int() converts")
def test_a_view_reading_everything_answers_below_500(
    method: str,
    query: str,
    headers: dict[str, str],
    body: tuple[str, bytes],
    content_length: str | None,
) -> None:
    content_type, data = body
    environ = environ_for(
        method=method,
        path="/echo",
        query=query,
        body=data,
        headers={**headers, "CONTENT_TYPE": content_type},
    )
    if content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    with tracked_uploads():
        start_response, _ = call(ECHO_APP, environ)
    assert 200 <= start_response.code < 500, start_response.status


# ---------------------------------------------------------------------------
# 4. Response headers: refused with ValueError, or sent exactly as given.


class Answer:
    """The least an app needs for the WSGI adapter: it answers with one prepared response."""

    def __init__(self, response: Response) -> None:
        self.response = response

    def dispatch(self, request: Request) -> Response:
        return self.response


def with_header_in_constructor(name: str, value: str) -> Response:
    return Response(b"hi", headers={name: value})


def with_header_pairs(name: str, value: str) -> Response:
    return Response(b"hi", headers=[(name, value)])


def with_header_set(name: str, value: str) -> Response:
    response = Response(b"hi")
    response.headers[name] = value
    return response


def with_header_added(name: str, value: str) -> Response:
    response = Response(b"hi")
    response.headers.add(name, value)
    return response


HEADER_SETTERS = [
    pytest.param(with_header_in_constructor, id="Response(headers={...})"),
    pytest.param(with_header_pairs, id="Response(headers=[...])"),
    pytest.param(with_header_set, id="headers[name] = value"),
    pytest.param(with_header_added, id="headers.add"),
]

#: An HTTP token (RFC 9110, section 5.6.2): the names that ought to be accepted.
TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"

header_names = st.one_of(st.text(), st.from_regex(TOKEN, fullmatch=True)).filter(
    # The adapter replaces any Content-Length with the length it measures, on purpose.
    lambda name: name.lower() != "content-length"
)
header_values = st.one_of(st.text(), latin1_text)


def sent_headers(response: Response) -> list[tuple[str, str]]:
    """The headers the WSGI adapter hands to start_response for this response."""
    start_response, _ = call(
        lambda environ, start: handle(Answer(response), environ, start), environ_for()
    )
    assert start_response.code == 200, start_response.status
    return start_response.headers


def accepted_header(
    setter: Callable[[str, str], Response], name: str, value: str
) -> list[tuple[str, str]] | None:
    """The headers sent when the header is accepted, None when it is refused with ValueError."""
    try:
        response = setter(name, value)
    except ValueError:
        return None
    return sent_headers(response)


@pytest.mark.parametrize("setter", HEADER_SETTERS)
@settings(max_examples=200, deadline=None)
@given(name=header_names, value=header_values)
def test_a_header_is_refused_or_sent_exactly_as_given(
    setter: Callable[[str, str], Response], name: str, value: str
) -> None:
    sent = accepted_header(setter, name, value)
    if sent is None:
        return
    assert (name, value) in sent
    for text in (name, value):
        text.encode("latin-1")  # raises if the server could not write it
        assert not {"\r", "\n", "\0"} & set(text), repr(text)
    assert re.fullmatch(TOKEN, name), f"the name {name!r} is not an HTTP token"


#: A field value (RFC 9110, section 5.5): visible characters, obs-text, spaces and tabs,
#: and no other control character. gunicorn refuses a response whose header value falls
#: outside this very class, and wsgiref.validate, which app.test_client() runs, refuses
#: every C0 control character (the tab too).
FIELD_VALUE = r"[ \t\x21-\x7e\x80-\xff]*"


@settings(max_examples=200, deadline=None)
@given(value=header_values)
def test_an_accepted_header_value_is_a_valid_field_value(value: str) -> None:
    if accepted_header(with_header_set, "X-Value", value) is None:
        return
    assert re.fullmatch(FIELD_VALUE, value), f"{value!r} was accepted"
