"""The test client and the pytest plugin that framework ships."""

from __future__ import annotations

import pytest

from framework import App, Request
from framework.testing import TestClient


def test_client_fixture_comes_from_the_plugin(pytester: pytest.Pytester) -> None:
    """A project that installs framework gets ``client`` from its own ``app`` fixture."""
    pytester.makepyfile(
        """
        import pytest
        from framework import App

        @pytest.fixture
        def app():
            app = App(__name__)

            @app.get("/")
            def index(request):
                return "hello from the plugin"

            return app

        def test_home(client):
            response = client.get("/")
            assert response.status_code == 200
            assert response.data == b"hello from the plugin"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_client_fixture_without_app_fixture_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_home(client):\n    assert client\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'app' not found*"])


def test_client_checks_pep_3333(app: App) -> None:
    """A response that breaks WSGI fails the test instead of passing silently."""

    def broken_wsgi_app(environ: dict[str, object], start_response: object) -> list[str]:
        start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return ["a str chunk, which WSGI forbids"]

    @app.get("/")
    def view(request: Request) -> object:
        return broken_wsgi_app

    with pytest.raises(AssertionError, match="non-bytestring"):
        TestClient(app).get("/")


@pytest.mark.parametrize(
    ("method", "path"),
    [("PROPFIND", "/"), ("CONNECT", "/"), ("OPTIONS", "*")],
    ids=["extension-method", "connect", "options-asterisk"],
)
def test_client_sends_what_http_allows_and_wsgiref_refuses(
    app: App, method: str, path: str
) -> None:
    """wsgiref.validate warns of extension methods and refuses ``*``: the app gets them."""
    seen = []

    @app.route("/", methods=["ANY"])
    def view(request: Request) -> str:
        seen.append((request.method, request.environ["PATH_INFO"]))
        return "ok"

    @app.before_request
    def note(request: Request) -> None:
        if request.route is None:
            seen.append((request.method, request.environ["PATH_INFO"]))

    TestClient(app).open(path, method=method)
    assert seen == [(method, path)]


def test_client_still_checks_the_rest_for_those(app: App) -> None:
    @app.route("/", methods=["PROPFIND"])
    def view(request: Request) -> object:
        def broken_wsgi_app(environ: dict[str, object], start_response: object) -> list[str]:
            start_response("207 Multi-Status", [("Content-Type", "text/xml")])  # type: ignore[operator]
            return ["a str chunk, which WSGI forbids"]

        return broken_wsgi_app

    with pytest.raises(AssertionError, match="non-bytestring"):
        TestClient(app).open("/", method="PROPFIND")


def test_client_reads_the_body_and_closes_it(app: App) -> None:
    closed = []

    class Body:
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield b"streamed"

        def close(self) -> None:
            closed.append(True)

    @app.get("/")
    def view(request: Request) -> object:
        from framework import Response

        return Response(Body(), content_type="text/plain")

    response = app.test_client().get("/")
    assert response.data == b"streamed"
    assert closed == [True]
