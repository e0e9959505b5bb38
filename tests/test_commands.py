from __future__ import annotations

from pathlib import Path

import pytest

from framework import App
from framework.commands import Command, list_commands


def test_command_is_named_after_the_function_or_as_given(app: App) -> None:
    @app.command()
    def init_db() -> None:
        """Create the database.

        Twice is harmless.
        """

    @app.command("purge")
    def delete_old_links() -> None:
        pass

    assert list(app.commands) == ["init-db", "purge"]
    command = app.commands["init-db"]
    assert command.function is init_db  # the decorator returns the function itself
    assert command.summary == "Create the database."
    assert command.description == "Create the database.\n\nTwice is harmless."
    assert app.commands["purge"].function is delete_old_links
    assert list_commands(app.commands) == "init-db  Create the database.\npurge"


def test_arguments_options_flags_and_types_come_from_the_signature() -> None:
    calls: list[tuple[object, ...]] = []

    def add_user(
        name: str, age: int, admin: bool = False, quota: float = 1.5, home: Path | None = None
    ) -> int:
        calls.append((name, age, admin, quota, home))
        return 4

    command = Command(add_user)
    assert command.name == "add-user"
    assert command.run(["ada", "36"]) == 4
    assert command.run(["bob", "7", "--admin", "--quota", "2", "--home", "/h"]) == 4
    assert calls == [("ada", 36, False, 1.5, None), ("bob", 7, True, 2.0, Path("/h"))]


def test_keyword_only_and_variadic_parameters() -> None:
    seen: list[object] = []

    def tag(*codes: str, label: str, loud: bool = True, times: int = 1) -> None:
        seen.append((codes, label, loud, times))

    command = Command(tag)
    assert command.run(["a", "b", "--label", "x", "--no-loud", "--times", "3"]) == 0
    assert seen == [(("a", "b"), "x", False, 3)]


def test_the_default_gives_the_type_without_an_annotation() -> None:
    seen: list[object] = []

    def wait(seconds=5):  # type: ignore[no-untyped-def]
        seen.append(seconds)

    Command(wait).run(["--seconds", "9"])
    assert seen == [9]


def test_bad_arguments_are_argparse_errors(capsys: pytest.CaptureFixture[str]) -> None:
    def count(number: int) -> None:
        """Count to NUMBER."""

    command = Command(count)
    with pytest.raises(SystemExit) as stop:
        command.run(["many"], prog="framework command app count")
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "framework command app count: error: argument NUMBER: invalid int value: 'many'" in err
    with pytest.raises(SystemExit):
        command.run(["--help"])
    assert "Count to NUMBER." in capsys.readouterr().out


def test_the_exit_status_is_an_int_return_else_0() -> None:
    assert Command(lambda: 3).run([]) == 3
    assert Command(lambda: "done").run([]) == 0
    assert Command(lambda: True).run([]) == 0


def test_a_command_cannot_take_arbitrary_keywords() -> None:
    def anything(**options: str) -> None:
        pass

    with pytest.raises(TypeError, match=r"\*\*options"):
        Command(anything).parser()


def test_a_command_registered_without_parentheses_is_a_command(app: App) -> None:
    @app.command
    def tidy() -> None:
        """Tidy up."""

    assert tidy.__name__ == "tidy"
    assert list(app.commands) == ["tidy"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def opts(**options): pass", "command opts .*cannot take \\*\\*options"),
        ("def clash(help: str = 'x'): pass", "command clash .*--help"),
    ],
)
def test_a_signature_no_command_line_describes_is_refused_at_registration(
    app: App, source: str, message: str
) -> None:
    namespace: dict[str, object] = {}
    exec(source, namespace)
    function = next(value for key, value in namespace.items() if key != "__builtins__")
    with pytest.raises(TypeError, match=message):
        app.command()(function)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "value"), [("true", True), ("no", False), ("0", False)])
def test_a_positional_bool_reads_yes_or_no(app: App, text: str, value: bool) -> None:
    got: list[bool] = []

    @app.command()
    def toggle(on: bool) -> None:
        got.append(on)

    assert app.commands["toggle"].run([text]) == 0
    assert got == [value]


def test_a_type_checker_sees_a_command_as_the_function_it_decorates(tmp_path: Path) -> None:
    """``mypy --strict`` on an app with commands: no "untyped decorator", the same signature."""
    api = pytest.importorskip("mypy.api")
    module = tmp_path / "commands_app.py"
    module.write_text(
        "from framework import App\n"
        "app = App(__name__)\n"
        "@app.command()\n"
        "def init_db(path: str, force: bool = False) -> int:\n"
        "    return 0\n"
        "@app.command\n"
        "def bare() -> None: ...\n"
        '@app.command("purge")\n'
        "def purge(days: int) -> None: ...\n"
        "reveal_type(init_db)\n"
        "reveal_type(bare)\n"
        "reveal_type(purge)\n"
    )
    cache = tmp_path / "mypy-cache"
    out, _, status = api.run(["--strict", "--cache-dir", str(cache), str(module)])
    revealed = [
        line.split("Revealed type is ")[1] for line in out.splitlines() if "Revealed" in line
    ]
    assert revealed == [
        '"def (path: str, force: bool =) -> int"',
        '"def ()"',
        '"def (days: int)"',
    ], out
    assert (status, out.splitlines()[-1]) == (0, "Success: no issues found in 1 source file"), out
