"""Sessions and flash messages: a signed cookie, its headers, and what views see."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from werkzeug.test import EnvironBuilder, TestResponse

from framework import App, Request, Response, abort, flash, get_flashed_messages, redirect
from framework.sessions import Session, SessionError, session_was_used
from framework.testing import TestClient

KEY = "test-secret-key"
SALT = "framework.session"
DEFAULT_MAX_AGE = 31 * 24 * 60 * 60


@pytest.fixture
def app() -> App:
    """An app with a secret key, and views that set, show, clear and ignore the session."""
    app = App(__name__)
    app.config["SECRET_KEY"] = KEY

    @app.post("/login")
    def login(request: Request) -> str:
        request.session["user"] = "ann"
        return "logged in"

    @app.get("/show")
    def show(request: Request) -> dict[str, Any]:
        return dict(request.session)

    @app.post("/clear")
    def clear(request: Request) -> str:
        request.session.clear()
        return "cleared"

    @app.get("/plain")
    def plain(request: Request) -> str:
        return "no session here"

    return app


def sign(value: Any, key: str = KEY, *, age: int = 0) -> str:
    """A cookie value as the framework would make it, optionally ``age`` seconds old."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    return URLSafeTimedSerializer(key, salt=SALT, signer=Signer).dumps(value)


def unsign(value: str, key: str) -> Any:
    return URLSafeTimedSerializer(key, salt=SALT).loads(value)


def parse_set_cookie(header: str) -> tuple[str, str, dict[str, str]]:
    """Split a Set-Cookie value into name, value and attributes (lower-cased names)."""
    pair, *parts = header.split("; ")
    name, _, value = pair.partition("=")
    attributes = {}
    for part in parts:
        attribute, _, attribute_value = part.partition("=")
        attributes[attribute.lower()] = attribute_value
    return name, value, attributes


def the_set_cookie(response: TestResponse) -> tuple[str, str, dict[str, str]]:
    [header] = response.headers.getlist("Set-Cookie")
    return parse_set_cookie(header)


def with_cookie(app: App, value: str, name: str = "session") -> TestResponse:
    """GET /show sending exactly ``Cookie: name=value``, as a client might forge it."""
    client = TestClient(app, use_cookies=False)
    return client.get("/show", headers={"Cookie": f"{name}={value}"})


# --- The cookie that stores the session ---


def test_changed_session_sets_a_cookie(client: TestClient) -> None:
    response = client.post("/login")
    assert response.status_code == 200
    name, value, attributes = the_set_cookie(response)
    assert name == "session"
    assert unsign(value, KEY) == {"user": "ann"}
    assert attributes["max-age"] == str(DEFAULT_MAX_AGE) == "2678400"
    assert "expires" in attributes
    assert attributes["path"] == "/"
    assert attributes["samesite"] == "Lax"
    assert "httponly" in attributes
    assert "secure" not in attributes
    assert response.headers["Vary"] == "Cookie"


def test_next_request_sees_the_session(client: TestClient) -> None:
    client.post("/login")
    response = client.get("/show")
    assert response.json == {"user": "ann"}
    # Read, not changed: nothing to send back.
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "https",
    [
        pytest.param({"base_url": "https://localhost"}, id="base-url"),
        pytest.param({"environ_overrides": {"wsgi.url_scheme": "https"}}, id="url-scheme"),
    ],
)
def test_cookie_is_secure_over_https(client: TestClient, https: dict[str, Any]) -> None:
    response = client.post("/login", **https)
    _, value, attributes = the_set_cookie(response)
    assert "secure" in attributes
    assert unsign(value, KEY) == {"user": "ann"}
    assert client.get("/show", **https).json == {"user": "ann"}


@pytest.mark.parametrize("name", ["__Host-session", "__Secure-session"])
def test_prefixed_cookie_names_are_always_secure(app: App, client: TestClient, name: str) -> None:
    # Browsers drop a __Host- or __Secure- cookie that is not Secure.
    app.config["SESSION_COOKIE_NAME"] = name
    cookie_name, _, attributes = the_set_cookie(client.post("/login"))
    assert cookie_name == name
    assert "secure" in attributes
    assert attributes.get("path") == "/"
    assert "domain" not in attributes


def test_non_ascii_values_round_trip(app: App, client: TestClient) -> None:
    @app.post("/name")
    def name(request: Request) -> str:
        request.session["user"] = "Zoë ✓"
        return "named"

    _, value, _ = the_set_cookie(client.post("/name"))
    assert value.isascii()
    assert client.get("/show").json == {"user": "Zoë ✓"}


def test_custom_cookie_name(app: App, client: TestClient) -> None:
    app.config["SESSION_COOKIE_NAME"] = "sid"
    name, _, _ = the_set_cookie(client.post("/login"))
    assert name == "sid"
    assert client.get("/show").json == {"user": "ann"}
    # A cookie under the default name is not the session any more.
    assert with_cookie(app, sign({"user": "bob"})).json == {}
    assert with_cookie(app, sign({"user": "bob"}), name="sid").json == {"user": "bob"}


def test_custom_max_age(app: App, client: TestClient) -> None:
    app.config["SESSION_MAX_AGE"] = 3600
    _, _, attributes = the_set_cookie(client.post("/login"))
    assert attributes["max-age"] == "3600"
    assert "expires" in attributes


def test_no_max_age_gives_a_browser_session_cookie(app: App, client: TestClient) -> None:
    app.config["SESSION_MAX_AGE"] = None
    _, _, attributes = the_set_cookie(client.post("/login"))
    assert "max-age" not in attributes
    assert "expires" not in attributes
    # Nor is an old cookie expired on the server.
    assert with_cookie(app, sign({"user": "ann"}, age=10 * DEFAULT_MAX_AGE)).json == {
        "user": "ann"
    }


# --- Vary: Cookie, and Set-Cookie only when the session changed ---


def test_reading_the_session_varies_on_cookie(client: TestClient) -> None:
    response = client.get("/show")
    assert response.json == {}
    assert response.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in response.headers


def test_view_that_ignores_the_session_gets_neither_header(client: TestClient) -> None:
    client.post("/login")
    response = client.get("/plain")
    assert response.data == b"no session here"
    assert "Vary" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_session_was_used_once_something_reads_it(app: App, client: TestClient) -> None:
    @app.get("/ask")
    def ask(request: Request) -> dict[str, bool]:
        before = session_was_used(request)
        request.session.get("user")
        return {"before": before, "after": session_was_used(request)}

    assert client.get("/ask").json == {"before": False, "after": True}


def test_a_session_read_by_a_hook_alone_varies_on_cookie(app: App, client: TestClient) -> None:
    @app.before_request
    def who(request: Request) -> None:
        request.session.get("user")

    response = client.get("/plain")
    assert response.data == b"no session here"
    assert response.headers["Vary"] == "Cookie"


@pytest.mark.parametrize(
    ("vary", "expected"),
    [
        pytest.param("Accept-Encoding", "Accept-Encoding, Cookie", id="appended"),
        pytest.param("cookie", "cookie", id="already-listed"),
        pytest.param("Accept, Cookie", "Accept, Cookie", id="already-in-list"),
        pytest.param("*", "*", id="star-covers-it"),
    ],
)
def test_vary_set_by_the_view_is_kept(
    app: App, client: TestClient, vary: str, expected: str
) -> None:
    @app.get("/")
    def view(request: Request) -> Response:
        return Response(str(request.session.get("user")), headers={"Vary": vary})

    response = client.get("/")
    assert response.headers.getlist("Vary") == [expected]


def test_error_page_varies_on_cookie(app: App, client: TestClient) -> None:
    @app.get("/secret")
    def secret(request: Request) -> str:
        if "user" not in request.session:
            abort(404)
        return "secret"

    response = client.get("/secret")
    assert response.status_code == 404
    # The Accept header chose the page's form, the cookie its content.
    assert response.headers["Vary"] == "Accept, Cookie"


def test_wsgi_app_response_varies_on_cookie(app: App, client: TestClient) -> None:
    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from wsgi"]

    @app.get("/")
    def view(request: Request) -> Any:
        request.session["user"] = "ann"
        return wsgi_app

    response = client.get("/")
    assert response.data == b"from wsgi"
    assert response.headers["Vary"] == "Cookie"
    _, value, _ = the_set_cookie(response)
    assert unsign(value, KEY) == {"user": "ann"}


# --- Clearing ---


def test_clearing_deletes_the_cookie(client: TestClient) -> None:
    client.post("/login")
    assert client.get_cookie("session") is not None
    response = client.post("/clear")
    name, value, attributes = the_set_cookie(response)
    assert (name, value) == ("session", "")
    assert attributes["max-age"] == "0"
    assert attributes["expires"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert client.get_cookie("session") is None
    assert client.get("/show").json == {}


def test_clearing_an_empty_session_without_a_cookie_sends_nothing(client: TestClient) -> None:
    response = client.post("/clear")
    assert response.data == b"cleared"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"


# --- No secret key ---


def test_no_secret_key_explains_how_to_make_one(app: App) -> None:
    app.config["SECRET_KEY"] = None
    request = Request(EnvironBuilder(path="/").get_environ(), app)
    with pytest.raises(SessionError, match=r"SECRET_KEY") as raised:
        request.session  # noqa: B018
    assert "secrets.token_hex(32)" in str(raised.value)


def test_request_without_an_app_has_no_session() -> None:
    request = Request(EnvironBuilder(path="/").get_environ())
    with pytest.raises(RuntimeError, match="belongs to an App"):
        request.session  # noqa: B018


@pytest.mark.parametrize(
    ("secret_key", "problem"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("   ", "only whitespace", id="spaces"),
        pytest.param("\t\r\n", "only whitespace", id="tab-and-line-break"),
        pytest.param(b"", "empty", id="empty-bytes"),
        pytest.param(b" ", "only whitespace", id="space-bytes"),
    ],
)
def test_a_blank_secret_key_is_refused(app: App, secret_key: Any, problem: str) -> None:
    # Anyone can sign with an empty key: it would let anyone write any session.
    app.config["SECRET_KEY"] = secret_key
    request = Request(EnvironBuilder(path="/").get_environ(), app)
    with pytest.raises(SessionError, match=f"SECRET_KEY is {problem}"):
        request.session  # noqa: B018


def test_a_secret_key_that_is_not_a_string_is_refused(app: App) -> None:
    # app.config refuses it where it is set ...
    with pytest.raises(TypeError, match=r"config\['SECRET_KEY'\] must be a str, bytes or None"):
        app.config["SECRET_KEY"] = 12345
    # ... and the session layer too, for a config that went around the check.
    dict.__setitem__(app.config, "SECRET_KEY", 12345)
    request = Request(EnvironBuilder(path="/").get_environ(), app)
    with pytest.raises(SessionError, match="SECRET_KEY is of type int, not a str"):
        request.session  # noqa: B018


def test_a_fallback_key_that_is_not_a_string_is_refused(app: App) -> None:
    with pytest.raises(TypeError, match=r"config\['SECRET_KEY_FALLBACKS'\] must be a list"):
        app.config["SECRET_KEY_FALLBACKS"] = [None]
    dict.__setitem__(app.config, "SECRET_KEY_FALLBACKS", [None])
    request = Request(EnvironBuilder(path="/").get_environ(), app)
    with pytest.raises(SessionError, match="SECRET_KEY_FALLBACKS holds a key that is"):
        request.session  # noqa: B018


@pytest.mark.parametrize(
    "fallbacks",
    [
        pytest.param([""], id="empty-in-a-list"),  # also what "".split(",") gives
        pytest.param(["old-key", "  "], id="blank-after-a-real-one"),
        pytest.param([b""], id="empty-bytes"),
        pytest.param("", id="empty-string"),
        pytest.param(" \t", id="blank-string"),
    ],
)
def test_a_blank_fallback_key_is_refused(app: App, fallbacks: Any) -> None:
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    request = Request(EnvironBuilder(path="/").get_environ(), app)
    with pytest.raises(SessionError, match="SECRET_KEY_FALLBACKS holds a key that is"):
        request.session  # noqa: B018


def test_a_blank_fallback_key_cannot_verify_a_forged_cookie(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["SECRET_KEY_FALLBACKS"] = [""]
    with caplog.at_level(logging.ERROR, logger="framework"):
        response = with_cookie(app, sign({"user": "admin"}, key=""))
    assert response.status_code == 500
    assert b"admin" not in response.data
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is SessionError


@pytest.mark.parametrize("secret_key", [None, "", "   "])
def test_no_secret_key_is_a_logged_500(
    app: App, client: TestClient, caplog: pytest.LogCaptureFixture, secret_key: str | None
) -> None:
    app.config["SECRET_KEY"] = secret_key
    with caplog.at_level(logging.ERROR, logger="framework"):
        response = client.get("/show")
    assert response.status_code == 500
    assert "SECRET_KEY" not in response.get_data(as_text=True)
    [record] = caplog.records
    assert record.name == "framework"
    assert record.exc_info is not None and record.exc_info[0] is SessionError
    assert "SECRET_KEY" in str(record.exc_info[1])


# --- Bad cookies: an empty session, never an error ---


def flip_first(text: str) -> str:
    return ("B" if text[0] == "A" else "A") + text[1:]


def tamper(part: int) -> Callable[[], str]:
    """A valid cookie with the first character of one of its dot-separated parts changed."""

    def make() -> str:
        parts = sign({"user": "ann"}).split(".")
        parts[part] = flip_first(parts[part])
        return ".".join(parts)

    return make


def signed_but_not_json() -> str:
    signer = URLSafeTimedSerializer(KEY, salt=SALT).make_signer(SALT)
    return signer.sign(base64_encode(b"{not json")).decode()


BAD_COOKIES = [
    pytest.param(tamper(0), id="tampered-payload"),
    pytest.param(tamper(1), id="tampered-timestamp"),
    pytest.param(tamper(2), id="tampered-signature"),
    pytest.param(lambda: sign({"user": "ann"}, "another-key"), id="other-key"),
    pytest.param(lambda: "abc", id="garbage-abc"),
    pytest.param(lambda: "...", id="garbage-dots"),
    pytest.param(lambda: "%%%", id="garbage-percent"),
    pytest.param(lambda: "!!!!.@@@@.####", id="not-base64"),
    pytest.param(lambda: "", id="empty"),
    pytest.param(lambda: "x" * 5000, id="oversized-garbage"),
    pytest.param(
        lambda: sign({"blob": secrets.token_urlsafe(3750)}), id="oversized-validly-signed"
    ),
    pytest.param(lambda: sign([1, 2]), id="signed-list"),
    pytest.param(lambda: sign("ann"), id="signed-string"),
    pytest.param(signed_but_not_json, id="signed-not-json"),
    pytest.param(lambda: sign({"user": "ann"}, age=DEFAULT_MAX_AGE + 60), id="expired"),
]


def test_a_well_signed_cookie_is_read(app: App) -> None:
    # What the bad cookies below are spoiled versions of.
    assert with_cookie(app, sign({"user": "ann"})).json == {"user": "ann"}
    assert with_cookie(app, sign({"user": "ann"}, age=DEFAULT_MAX_AGE - 60)).json == {
        "user": "ann"
    }


@pytest.mark.parametrize("make_cookie", BAD_COOKIES)
def test_bad_cookie_gives_an_empty_session(app: App, make_cookie: Callable[[], str]) -> None:
    response = with_cookie(app, make_cookie())
    assert response.status_code == 200
    assert response.json == {}


def test_oversized_cookie_is_refused_for_its_size(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = sign({"user": "ann", "pad": secrets.token_urlsafe(3750)})
    assert len(cookie) > 5000
    assert with_cookie(app, cookie).json == {}
    # The same cookie, under a higher limit, is read: only its size was wrong.
    monkeypatch.setattr("framework.sessions.MAX_COOKIE_SIZE", 10_000)
    assert with_cookie(app, cookie).json["user"] == "ann"


def test_cookie_expires_after_max_age(
    app: App, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["SESSION_MAX_AGE"] = 1
    client.post("/login")
    assert client.get("/show").json == {"user": "ann"}
    later = int(time.time()) + 2
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get("/show")
    assert response.status_code == 200
    assert response.json == {}


# --- Key rotation ---


def test_old_key_in_fallbacks_still_verifies(app: App, client: TestClient) -> None:
    client.post("/login")
    old_cookie = client.get_cookie("session").value
    app.config["SECRET_KEY"] = "new-key"
    app.config["SECRET_KEY_FALLBACKS"] = [KEY]
    assert client.get("/show").json == {"user": "ann"}

    @app.post("/rename")
    def rename(request: Request) -> str:
        request.session["user"] = "bob"
        return "renamed"

    _, value, _ = the_set_cookie(client.post("/rename"))
    assert value != old_cookie
    assert unsign(value, "new-key") == {"user": "bob"}
    with pytest.raises(BadSignature):
        unsign(value, KEY)
    assert client.get("/show").json == {"user": "bob"}


def test_a_single_fallback_key_given_as_a_string_works(app: App, client: TestClient) -> None:
    client.post("/login")
    app.config["SECRET_KEY"] = "new-key"
    app.config["SECRET_KEY_FALLBACKS"] = KEY
    assert client.get("/show").json == {"user": "ann"}


def test_old_key_without_fallback_is_forgotten(app: App, client: TestClient) -> None:
    client.post("/login")
    app.config["SECRET_KEY"] = "new-key"
    assert client.get("/show").json == {}


# --- What a cookie cannot hold ---


def test_session_too_large_for_a_cookie_is_a_500(
    app: App, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.post("/big")
    def big(request: Request) -> str:
        request.session["blob"] = secrets.token_urlsafe(3750)
        return "stored"

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = client.post("/big")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is SessionError
    assert "over 4093" in str(record.exc_info[1])
    assert "SessionError" not in response.get_data(as_text=True)


def test_value_json_cannot_store_is_a_500(
    app: App, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.post("/tags")
    def tags(request: Request) -> str:
        request.session["tags"] = {"a", "b"}
        return "stored"

    with caplog.at_level(logging.ERROR, logger="framework"):
        response = client.post("/tags")
    assert response.status_code == 500
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is SessionError
    assert "JSON cannot store" in str(record.exc_info[1])
    assert "set" in str(record.exc_info[1])


def test_too_many_flashes_drop_the_oldest_instead_of_failing(
    app: App, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Random text, which compression cannot shrink: 40 of them are far over 4 KB.
    messages = [f"{number}: {secrets.token_urlsafe(150)}" for number in range(40)]

    @app.post("/many")
    def many(request: Request) -> Response:
        for message in messages:
            flash(request, message)
        return redirect("/", 303)

    @app.get("/")
    def messages_page(request: Request) -> list[str]:
        return get_flashed_messages(request)

    with caplog.at_level(logging.WARNING, logger="framework"):
        response = client.post("/many")
    assert response.status_code == 303
    [header] = response.headers.getlist("Set-Cookie")
    assert len(header) <= 4093
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert re.fullmatch(
        r"dropped the \d+ oldest of 40 flashed messages: .* over 4093 bytes", record.getMessage()
    )
    kept = client.get("/").json
    assert 5 < len(kept) < 40
    assert kept == messages[-len(kept) :]


def test_flashes_that_pile_up_unread_never_fail_a_request(app: App, client: TestClient) -> None:
    @app.post("/note")
    def note(request: Request) -> str:
        flash(request, request.form["text"])
        return "noted"

    @app.get("/")
    def messages_page(request: Request) -> list[str]:
        return get_flashed_messages(request)

    for number in range(30):
        response = client.post("/note", data={"text": f"{number} {secrets.token_urlsafe(200)}"})
        assert response.status_code == 200
    kept = client.get("/").json
    assert kept[-1].startswith("29 ")
    assert not any(message.startswith("0 ") for message in kept)


def test_a_session_too_large_without_its_flashes_is_still_a_500(
    app: App, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.post("/big")
    def big(request: Request) -> str:
        request.session["blob"] = secrets.token_urlsafe(3750)
        flash(request, "stored")
        return "stored"

    with caplog.at_level(logging.WARNING, logger="framework"):
        response = client.post("/big")
    assert response.status_code == 500
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is SessionError


# --- Session: a dict that knows whether it changed ---


def set_item(session: Session) -> None:
    session["c"] = 3


def del_item(session: Session) -> None:
    del session["a"]


def ior(session: Session) -> None:
    session |= {"c": 3}


MUTATIONS = [
    pytest.param(set_item, True, id="setitem"),
    pytest.param(del_item, True, id="delitem"),
    pytest.param(lambda s: s.pop("a"), True, id="pop"),
    pytest.param(lambda s: s.popitem(), True, id="popitem"),
    pytest.param(lambda s: s.setdefault("c", 3), True, id="setdefault-new"),
    pytest.param(lambda s: s.setdefault("a", 9), False, id="setdefault-existing"),
    pytest.param(lambda s: s.update(c=3), True, id="update-kwargs"),
    pytest.param(lambda s: s.update({"c": 3}), True, id="update-mapping"),
    pytest.param(lambda s: s.clear(), True, id="clear"),
    pytest.param(ior, True, id="in-place-or"),
    pytest.param(lambda s: (s["a"], s.get("z"), list(s), "a" in s), False, id="reads"),
    pytest.param(lambda s: s["items"].append(2), False, id="nested-mutation"),
]


@pytest.mark.parametrize(("change", "modified"), MUTATIONS)
def test_session_modified(change: Callable[[Session], Any], modified: bool) -> None:
    session = Session({"a": 1, "items": [1]})
    assert session.modified is False
    change(session)
    assert session.modified is modified


def test_in_place_or_is_saved(app: App, client: TestClient) -> None:
    @app.post("/merge")
    def merge(request: Request) -> str:
        request.session |= {"user": "ann"}
        return "merged"

    response = client.post("/merge")
    assert "Set-Cookie" in response.headers
    assert client.get("/show").json == {"user": "ann"}


def test_loaded_session_is_not_modified(app: App, client: TestClient) -> None:
    seen: list[bool] = []

    @app.get("/modified")
    def modified(request: Request) -> str:
        seen.append(request.session.modified)
        return "ok"

    client.post("/login")
    client.get("/modified")
    assert seen == [False]


def test_nested_change_is_saved_only_when_marked(app: App, client: TestClient) -> None:
    @app.post("/cart")
    def new_cart(request: Request) -> str:
        request.session["cart"] = []
        return "new cart"

    @app.post("/add")
    def add(request: Request) -> str:
        request.session["cart"].append("apple")
        return "added"

    @app.post("/add-marked")
    def add_marked(request: Request) -> str:
        request.session["cart"].append("pear")
        request.session.modified = True
        return "added"

    client.post("/cart")
    response = client.post("/add")
    assert "Set-Cookie" not in response.headers
    assert client.get("/show").json == {"cart": []}
    response = client.post("/add-marked")
    assert "Set-Cookie" in response.headers
    assert client.get("/show").json == {"cart": ["pear"]}


# --- Flash messages ---


@pytest.fixture
def flashing(app: App) -> App:
    @app.post("/save")
    def save(request: Request) -> Response:
        flash(request, "Saved")
        flash(request, "Oops", "error")
        return redirect("/", 303)

    return app


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({}, ["Saved", "Oops"], id="messages"),
        pytest.param(
            {"with_categories": True},
            [("message", "Saved"), ("error", "Oops")],
            id="with-categories",
        ),
        pytest.param({"category_filter": ["error"]}, ["Oops"], id="filter"),
        pytest.param(
            {"category_filter": ["error"], "with_categories": True},
            [("error", "Oops")],
            id="filter-with-categories",
        ),
        pytest.param({"category_filter": ["info"]}, [], id="filter-matches-none"),
    ],
)
def test_flashed_messages_show_once(
    flashing: App, client: TestClient, options: dict[str, Any], expected: list[Any]
) -> None:
    seen: list[list[Any]] = []

    @flashing.get("/")
    def home(request: Request) -> str:
        seen.append(get_flashed_messages(request, **options))
        seen.append(get_flashed_messages(request, **options))
        return "home"

    response = client.post("/save")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    client.get("/")
    assert seen == [expected, expected]
    client.get("/")
    assert seen[2:] == [[], []]


def test_reading_flashes_leaves_the_environ_as_the_server_built_it(
    flashing: App, client: TestClient
) -> None:
    @flashing.get("/")
    def home(request: Request) -> dict[str, Any]:
        keys = set(request.environ)
        messages = get_flashed_messages(request)
        again = get_flashed_messages(request)
        return {
            "messages": messages,
            "again": again,
            "new keys": sorted(set(request.environ) - keys),
        }

    client.post("/save")
    assert client.get("/").json == {
        "messages": ["Saved", "Oops"],
        "again": ["Saved", "Oops"],
        "new keys": [],
    }


def test_filtered_read_takes_every_message(flashing: App, client: TestClient) -> None:
    seen: list[list[Any]] = []

    @flashing.get("/")
    def home(request: Request) -> str:
        seen.append(get_flashed_messages(request, category_filter=["error"]))
        seen.append(get_flashed_messages(request))
        return "home"

    client.post("/save")
    client.get("/")
    client.get("/")
    assert seen == [["Oops"], ["Saved", "Oops"], [], []]


def test_reading_the_last_flash_deletes_the_cookie(flashing: App, client: TestClient) -> None:
    @flashing.get("/")
    def home(request: Request) -> list[str]:
        return get_flashed_messages(request)

    client.post("/save")
    response = client.get("/")
    assert response.json == ["Saved", "Oops"]
    _, value, attributes = the_set_cookie(response)
    assert (value, attributes["max-age"]) == ("", "0")
    assert client.get_cookie("session") is None


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param("oops", id="string"),
        pytest.param([["error"], 3, ["message", "Kept"]], id="bad-items"),
    ],
)
def test_malformed_flashes_are_skipped(flashing: App, stored: Any) -> None:
    @flashing.get("/")
    def home(request: Request) -> list[str]:
        return get_flashed_messages(request)

    client = TestClient(flashing, use_cookies=False)
    response = client.get("/", headers={"Cookie": f"session={sign({'_flashes': stored})}"})
    assert response.status_code == 200
    assert response.json == (["Kept"] if isinstance(stored, list) else [])


# --- A whole visit ---


def test_login_flash_logout_flow() -> None:
    app = App(__name__)
    app.config["SECRET_KEY"] = KEY

    @app.post("/login")
    def login(request: Request) -> Response:
        user = request.form["name"]
        request.session["user"] = user
        flash(request, f"Welcome, {user}")
        return redirect("/", 303)

    @app.get("/")
    def home(request: Request) -> str:
        messages = "".join(f"<p class=flash>{m}</p>" for m in get_flashed_messages(request))
        user = request.session.get("user")
        status = f"Logged in as {user}" if user else "Not logged in"
        return f"{messages}<p>{status}</p>"

    @app.post("/logout")
    def logout(request: Request) -> Response:
        request.session.clear()
        flash(request, "Bye")
        return redirect("/", 303)

    client = app.test_client()
    response = client.post("/login", data={"name": "ann"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "user" in unsign(client.get_cookie("session").value, KEY)

    page = client.get("/").text
    assert "Welcome, ann" in page
    assert "Logged in as ann" in page

    page = client.get("/").text
    assert "Logged in as ann" in page
    assert "Welcome" not in page

    response = client.post("/logout")
    assert response.status_code == 303
    # The user is gone from the cookie: only the flash waits in it.
    assert "user" not in unsign(client.get_cookie("session").value, KEY)

    page = client.get("/").text
    assert "Bye" in page
    assert "Not logged in" in page
    # With the flash read the session is empty, and its cookie deleted.
    assert client.get_cookie("session") is None

    page = client.get("/").text
    assert "Bye" not in page
    assert "Not logged in" in page


def test_flash_without_the_request_says_to_pass_it_first() -> None:
    with pytest.raises(TypeError) as caught:
        flash("Welcome")  # type: ignore[call-arg]
    assert str(caught.value) == (
        'flash(request, message): pass the request first, flash(request, "Welcome")'
    )
    with pytest.raises(TypeError) as caught:
        get_flashed_messages(with_categories=True)  # type: ignore[call-arg]
    assert str(caught.value) == (
        "get_flashed_messages(request): pass the request first, "
        "get_flashed_messages(request, with_categories=True)"
    )
