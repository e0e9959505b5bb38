"""render: Jinja2 templates from the app's template folder, autoescaped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from framework import App, Request, render


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
