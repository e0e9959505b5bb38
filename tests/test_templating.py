"""render: Jinja2 templates from the app's template folder, autoescaped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

import jinja2
import pytest

from framework import App, Request, flash, redirect, render, render_string


@pytest.fixture
def templated_app(tmp_path: Path) -> App:
    (tmp_path / "page.html").write_text(
        "<h1>{{ title }}</h1><p>{{ name }}</p><a href=\"{{ url_for('page', name=name) }}\">"
        "{{ request.method }}</a>",
        encoding="utf-8",
    )
    (tmp_path / "plain.txt").write_text("{{ name }}", encoding="utf-8")
    app = App(__name__, template_folder=str(tmp_path))

    @app.get("/page/<name>", name="page")
    def page(request: Request, name: str) -> object:
        return render(request, "page.html", title="Hello", name=name)

    @app.get("/plain/<name>")
    def plain(request: Request, name: str) -> object:
        return render(request, "plain.txt", name=name)

    return app


def test_render_fills_in_and_escapes(templated_app: App) -> None:
    response = templated_app.test_client().get("/page/%3Cscript%3E")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.get_data(as_text=True) == (
        '<h1>Hello</h1><p>&lt;script&gt;</p><a href="/page/%3Cscript%3E">GET</a>'
    )


def test_autoescape_only_for_markup_templates(templated_app: App) -> None:
    assert templated_app.test_client().get("/plain/%3Cb%3E").data == b"<b>"


def test_template_folder_is_relative_to_the_app_module() -> None:
    import example_app

    assert example_app.app.templates.loader.searchpath == [  # type: ignore[union-attr]
        str(Path(example_app.__file__).parent / "templates")
    ]


def test_jinja2_is_not_imported_until_a_template_is_rendered() -> None:
    code = "import framework, sys; print('jinja2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def test_jinja2_is_imported_by_the_first_render(tmp_path: Path) -> None:
    (tmp_path / "t.html").write_text("hi", encoding="utf-8")
    code = (
        "import sys; from framework import App, render\n"
        f"app = App('x', template_folder={str(tmp_path)!r})\n"
        "app.get('/')(lambda request: render(request, 't.html'))\n"
        "before = 'jinja2' in sys.modules\n"
        "body = app.test_client().get('/').data\n"
        "print(before, 'jinja2' in sys.modules, body)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False True b'hi'", result.stderr


AUTOESCAPE_CASES = [
    pytest.param("page.html", id="html"),
    pytest.param("page.htm", id="htm"),
    pytest.param("page.xml", id="xml"),
    pytest.param("page.svg", id="svg"),
]


@pytest.mark.parametrize("template", AUTOESCAPE_CASES)
def test_markup_templates_escape_quotes_and_tags(tmp_path: Path, template: str) -> None:
    (tmp_path / template).write_text("<a title='{{ value }}'>{{ value }}</a>", encoding="utf-8")
    app = App(__name__, template_folder=str(tmp_path))
    app.get("/")(lambda request: render(request, template, value="'><script>x</script>"))
    body = app.test_client().get("/").get_data(as_text=True)
    assert "<script>" not in body
    assert body == (
        "<a title='&#39;&gt;&lt;script&gt;x&lt;/script&gt;'>"
        "&#39;&gt;&lt;script&gt;x&lt;/script&gt;</a>"
    )


def test_template_strings_are_escaped_as_html(app: App) -> None:
    @app.get("/")
    def page(request: Request) -> object:
        return render_string(request, "<p>{{ text }}</p>", text="<i>")

    response = app.test_client().get("/")
    assert response.data == b"<p>&lt;i&gt;</p>"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_tojson_is_safe_inside_a_script(app: App) -> None:
    @app.get("/")
    def page(request: Request) -> object:
        return render_string(
            request,
            "<script>const data = {{ data|tojson }};</script>",
            data={"text": "</script><script>alert('x')</script>", "amp": "&"},
        )

    body = app.test_client().get("/").get_data(as_text=True)
    assert body.count("</script>") == 1
    payload = body.removeprefix("<script>const data = ").removesuffix(";</script>")
    assert json.loads(payload) == {"text": "</script><script>alert('x')</script>", "amp": "&"}


def test_session_and_flashes_are_available_in_templates(app: App) -> None:
    app.config["SECRET_KEY"] = "test key"
    layout = (
        "{% for category, message in get_flashed_messages(with_categories=true) %}"
        "[{{ category }}: {{ message }}]{% endfor %}"
        "user={{ session.get('user', 'nobody') }}"
    )

    @app.post("/login")
    def login(request: Request) -> object:
        request.session["user"] = "<ann>"
        flash(request, "Welcome", "success")
        return redirect("/", 303)

    @app.get("/")
    def home(request: Request) -> object:
        return render_string(request, layout)

    client = app.test_client()
    assert client.get("/").data == b"user=nobody"
    client.post("/login")
    assert client.get("/").data == b"[success: Welcome]user=&lt;ann&gt;"
    assert client.get("/").data == b"user=&lt;ann&gt;"


def test_a_template_that_does_not_use_the_session_does_not_read_it(app: App) -> None:
    # No SECRET_KEY: reading the session would fail, so the page proves it wasn't read.
    @app.get("/")
    def home(request: Request) -> object:
        return render_string(request, "{{ request.path }}")

    response = app.test_client().get("/")
    assert response.data == b"/"
    assert "Vary" not in response.headers


def test_imported_macros_see_the_request_names(tmp_path: Path) -> None:
    # Jinja2 renders an imported template without the caller's variables: the
    # four names must reach it all the same, bound to the request being rendered.
    (tmp_path / "macros.html").write_text(
        "{% macro nav() %}<a href=\"{{ url_for('item', n=7) }}\">{{ request.path }}</a>"
        "{% for m in get_flashed_messages() %}[{{ m }}]{% endfor %}"
        "{{ session.get('user', '-') }}{% endmacro %}",
        encoding="utf-8",
    )
    (tmp_path / "page.html").write_text(
        '{% from "macros.html" import nav %}{{ nav() }}', encoding="utf-8"
    )
    app = App(__name__, template_folder=str(tmp_path))
    app.config["SECRET_KEY"] = "test key"

    @app.get("/items/<int:n>", name="item")
    def item(request: Request, n: int) -> object:
        return render(request, "page.html")

    @app.post("/login")
    def login(request: Request) -> object:
        request.session["user"] = "ann"
        flash(request, "hi")
        return redirect("/items/1", 303)

    client = app.test_client()
    assert client.get("/items/1").data == b'<a href="/items/7">/items/1</a>-'
    client.post("/login")
    assert client.get("/items/2").data == b'<a href="/items/7">/items/2</a>[hi]ann'


def test_an_imported_macro_that_ignores_the_session_does_not_read_it(tmp_path: Path) -> None:
    # No SECRET_KEY: reading the session would fail, so the page proves it wasn't read.
    (tmp_path / "macros.html").write_text(
        "{% macro here() %}{{ request.path }}{% endmacro %}", encoding="utf-8"
    )
    (tmp_path / "page.html").write_text(
        '{% from "macros.html" import here %}{{ here() }}', encoding="utf-8"
    )
    app = App(__name__, template_folder=str(tmp_path))
    app.get("/")(lambda request: render(request, "page.html"))
    response = app.test_client().get("/")
    assert response.data == b"/"
    assert "Vary" not in response.headers


def test_layouts_and_includes_see_the_request_names(tmp_path: Path) -> None:
    (tmp_path / "layout.html").write_text(
        "<nav>{% include 'nav.html' %}</nav>{% block body %}{% endblock %}", encoding="utf-8"
    )
    (tmp_path / "nav.html").write_text(
        "<a href=\"{{ url_for('home') }}\">home</a>", encoding="utf-8"
    )
    (tmp_path / "page.html").write_text(
        '{% extends "layout.html" %}{% block body %}{{ request.method }}{% endblock %}',
        encoding="utf-8",
    )
    app = App(__name__, template_folder=str(tmp_path))
    app.get("/", name="home")(lambda request: render(request, "page.html"))
    assert app.test_client().get("/").data == b'<nav><a href="/">home</a></nav>GET'


def test_a_template_variable_wins_over_a_request_name(app: App) -> None:
    app.get("/")(lambda request: render_string(request, "{{ request }}", request="mine"))
    assert app.test_client().get("/").data == b"mine"


def test_the_request_names_exist_only_while_rendering(app: App) -> None:
    template = app.templates.from_string("{{ url_for('x') }}")
    with pytest.raises(jinja2.UndefinedError, match="'url_for' is undefined"):
        template.render()


def test_a_template_error_points_at_the_template_line(app: App) -> None:
    template = "line one\n{{ 1 // 0 }}"
    request = Request({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, app)
    with pytest.raises(ZeroDivisionError) as raised:
        render_string(request, template)
    frames = [(frame.filename, frame.lineno) for frame in traceback.extract_tb(raised.tb)]
    assert ("<template>", 2) in frames


def test_app_templates_takes_filters_and_globals(app: App) -> None:
    app.templates.filters["shout"] = lambda text: text.upper() + "!"
    app.templates.globals["site_name"] = "Links"

    @app.get("/")
    def home(request: Request) -> object:
        return render_string(request, "{{ site_name }}: {{ 'hi'|shout }}")

    assert app.test_client().get("/").data == b"Links: HI!"


@pytest.mark.parametrize(("debug", "expected"), [(True, b"v2"), (False, b"v1")])
def test_debug_reloads_edited_templates(tmp_path: Path, debug: bool, expected: bytes) -> None:
    template = tmp_path / "page.html"
    template.write_text("v1", encoding="utf-8")
    app = App(__name__, template_folder=str(tmp_path))
    app.config["DEBUG"] = debug
    app.get("/")(lambda request: render(request, "page.html"))
    client = app.test_client()
    assert client.get("/").data == b"v1"
    template.write_text("v2", encoding="utf-8")
    # Jinja compares modification times, and a fast machine may write twice
    # within one tick of the file system clock.
    os.utime(template, (template.stat().st_atime, template.stat().st_mtime + 10))
    assert client.get("/").data == expected


def test_missing_template_names_the_folders_searched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(__name__, template_folder=str(tmp_path / "templates"))
    app.get("/")(lambda request: render(request, "nope.html"))
    response = app.test_client().get("/")
    assert response.status_code == 500
    error = caplog.records[-1].exc_info[1]  # type: ignore[index]
    assert isinstance(error, jinja2.TemplateNotFound)
    assert str(error) == (
        f"template 'nope.html' not found; searched {tmp_path / 'templates'}. Put the file "
        "there, or pass template_folder= to App(...) (relative to the app's module)"
    )


def test_missing_included_template_is_named(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("{% include 'part.html' %}", encoding="utf-8")
    app = App(__name__, template_folder=str(tmp_path))
    request = Request({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, app)
    with pytest.raises(jinja2.TemplateNotFound, match=r"template 'part.html' not found; searched"):
        render(request, "page.html")


def test_render_without_the_request_says_to_pass_it_first() -> None:
    with pytest.raises(TypeError) as caught:
        render("page.html", title="Hi")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "render(request, template, **context): pass the request first, "
        'render(request, "page.html", title="Hi")'
    )
    with pytest.raises(TypeError) as caught:
        render_string("<p>{{ name }}</p>", name="Ada")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "render_string(request, source, **context): pass the request first, "
        'render_string(request, "<p>{{ name }}</p>", name="Ada")'
    )


def test_helpers_take_the_request_as_a_keyword_too(app: App) -> None:
    app.config["SECRET_KEY"] = "test key"

    @app.get("/")
    def page(request: Request) -> object:
        return flash_and_render(request=request)

    def flash_and_render(request: Request) -> object:
        flash(request=request, message="saved")
        return render_string(request, "{{ get_flashed_messages() }}")

    assert app.test_client().get("/").text == "[&#39;saved&#39;]"
