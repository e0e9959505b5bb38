"""URL building: roots, external URLs, anchors and relative names, from the app and a request."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from framework import App, Request, Router, render_string
from framework.routing import URLBuildError
from framework.urls import host_is_trusted


@pytest.fixture
def shop() -> App:
    app = App(__name__)
    app.get("/users/<int:user_id>", name="user")(lambda request, user_id: "user")
    api = Router(name="api")
    api.get("/items/<item_id>", name="item")(lambda request, item_id: "item")

    @api.get("/items/<item_id>/link", name="link")
    def link(request: Request, item_id: str) -> dict[str, Any]:
        return {
            "relative": request.url_for(".item", item_id=item_id),
            "absolute": request.url_for("user", user_id=1),
            "external": request.url_for(".item", item_id=item_id, _external=True),
            "anchored": request.url_for("user", user_id=1, _anchor="posts & more"),
        }

    app.include(api, prefix="/api")

    @app.get("/page")
    def page(request: Request) -> Any:
        return render_string(request, "{{ url_for('api.item', item_id='a b') }}")

    return app


def test_outside_a_request_urls_start_at_the_application_root(shop: App) -> None:
    assert shop.url_for("user", user_id=3) == "/users/3"
    shop.config["APPLICATION_ROOT"] = "/shop/"
    assert shop.url_for("user", user_id=3) == "/shop/users/3"


def test_external_urls_outside_a_request_need_a_server_name(shop: App) -> None:
    with pytest.raises(URLBuildError, match=r"set app.config\['SERVER_NAME'\]"):
        shop.url_for("user", user_id=3, _external=True)
    shop.config["SERVER_NAME"] = "shop.example"
    assert shop.url_for("user", user_id=3, _external=True) == "http://shop.example/users/3"
    shop.config["PREFERRED_URL_SCHEME"] = "https"
    assert shop.url_for("user", user_id=3, _external=True) == "https://shop.example/users/3"
    assert (
        shop.url_for("user", user_id=3, _external=True, _scheme="http")
        == "http://shop.example/users/3"
    )


def test_a_scheme_needs_an_external_url(shop: App) -> None:
    with pytest.raises(URLBuildError, match="add _external=True"):
        shop.url_for("user", user_id=3, _scheme="https")


def test_anchors_are_encoded(shop: App) -> None:
    assert shop.url_for("user", user_id=3, _anchor="a b") == "/users/3#a%20b"


def test_other_options_starting_with_an_underscore_raise(shop: App) -> None:
    with pytest.raises(URLBuildError, match="unknown option _method="):
        shop.url_for("user", user_id=3, _method="GET")


def test_a_relative_name_needs_a_request(shop: App) -> None:
    with pytest.raises(URLBuildError, match="needs a request"):
        shop.url_for(".item", item_id="x")


def test_during_a_request_urls_follow_the_script_name_and_the_host(shop: App) -> None:
    client = shop.test_client()
    links = client.get("/api/items/x/link", base_url="https://shop.example/store").json
    assert links == {
        "relative": "/store/api/items/x",
        "absolute": "/store/users/1",
        "external": "https://shop.example/store/api/items/x",
        "anchored": "/store/users/1#posts%20&%20more",
    }


def test_templates_build_urls_under_the_script_name(shop: App) -> None:
    page = shop.test_client().get("/page", base_url="http://localhost/store")
    assert page.text == "/store/api/items/a%20b"


def test_an_untrusted_host_is_never_put_in_an_external_url(shop: App) -> None:
    shop.config["TRUSTED_HOSTS"] = ["shop.example", ".shop.example"]
    client = shop.test_client()
    trusted = client.get("/api/items/x/link", base_url="http://eu.shop.example/").json
    assert trusted["external"] == "http://eu.shop.example/api/items/x"
    # Served, an untrusted Host never reaches a view: a 400 before routing.
    assert client.get("/api/items/x/link", base_url="http://evil.example/").status_code == 400
    # A request built by hand, outside dispatch, still gets no link to it.
    request = Request(EnvironBuilder(base_url="http://evil.example/").get_environ(), shop)
    with pytest.raises(URLBuildError, match="SERVER_NAME"):
        request.url_for("api.item", item_id="x", _external=True)
    shop.config["SERVER_NAME"] = "shop.example"
    assert request.url_for("api.item", item_id="x", _external=True) == (
        "http://shop.example/api/items/x"
    )


@pytest.mark.parametrize(
    ("host", "trusted"),
    [
        ("shop.example", True),
        ("SHOP.example:8443", True),
        ("eu.shop.example", True),
        ("shop.example.", True),
        ("evilshop.example", False),
        ("evil.example", False),
        ("[::1]:8000", False),
    ],
)
def test_trusted_hosts(host: str, trusted: bool) -> None:
    assert host_is_trusted(host, ["shop.example", ".shop.example"]) is trusted


def test_a_request_without_an_app_says_it_cannot_build_urls() -> None:
    with pytest.raises(RuntimeError, match=r"request\.url_for needs a request that belongs"):
        Request({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}).url_for("index")


@pytest.mark.parametrize("entry", ["::1", "[::1]"])
@pytest.mark.parametrize("host", ["[::1]", "[::1]:8000"])
def test_an_ipv6_host_is_trusted_with_or_without_brackets(entry: str, host: str) -> None:
    assert host_is_trusted(host, [entry])
    assert not host_is_trusted("[::2]:8000", [entry])
