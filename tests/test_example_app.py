"""The example app, through the test client (its gunicorn run is in test_e2e_gunicorn)."""

from __future__ import annotations

import pytest

import example_app
from framework import App
from framework.testing import TestClient


@pytest.fixture
def app() -> App:
    example_app.greetings.clear()
    return example_app.app


def test_home_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "<h1>Hello from framework</h1>" in response.get_data(as_text=True)
    assert response.headers["X-Powered-By"] == "framework"


def test_greeting_escapes_the_name(client: TestClient) -> None:
    response = client.get("/hello/%3Cb%3Eada")
    assert response.get_data(as_text=True) == "<h1>Hello, &lt;b&gt;ada!</h1>"


def test_form_post_redirects_and_lists(client: TestClient) -> None:
    response = client.post("/greetings", data={"text": "hi <there>"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "<li>hi &lt;there&gt;</li>" in client.get("/").get_data(as_text=True)
    assert client.post("/greetings", data={"text": " "}).status_code == 400


def test_json_api(client: TestClient) -> None:
    created = client.post("/api/greetings", json={"text": "hey"})
    assert (created.status_code, created.json) == (201, {"text": "hey"})
    assert client.get("/api/greetings").json == {"greetings": ["hey"]}
    bad = client.post("/api/greetings", json={"text": 3}, headers={"Accept": "application/json"})
    assert bad.status_code == 422
    assert bad.json["error"]["detail"].startswith("send")
    assert client.post("/api/greetings", data="x", content_type="text/plain").status_code == 415
    assert client.delete("/api/greetings").headers["Allow"] == "GET, HEAD, OPTIONS, POST"
