"""App commands: functions of the app run from the command line.

::

    @app.command()
    def add_user(name: str, admin: bool = False, quota: int = 100):
        '''Add a user to the database.'''

    $ framework command example_app add-user ada --admin --quota 5

The command line is read from the function's signature, with argparse:

- a parameter without a default is a positional argument;
- a parameter with a default is an ``--option`` (underscores become dashes);
  a ``bool`` defaulting to False is a flag (``--admin``), and one defaulting
  to True a negative flag (``--no-color``);
- an annotation of ``int``, ``float`` or ``pathlib.Path`` (``int | None``
  too) converts the text; anything else is a ``str``;
- the docstring is the help: its first line in the list of commands.

The exit status is the function's return value when it is an int, else 0.
"""

from __future__ import annotations

import argparse
import inspect
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .names import function_name

#: A function registered as a command (the decorator returns it unchanged).
CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])

#: The annotations that convert a command-line argument; others stay text.
CONVERTERS: dict[Any, Callable[[str], Any]] = {int: int, float: float, str: str, Path: Path}


class Command:
    """A function of the app, with the command line its signature describes."""

    def __init__(self, function: Callable[..., Any], name: str | None = None) -> None:
        self.function = function
        #: The name on the command line: the function's, with dashes for underscores.
        self.name = name or function.__name__.replace("_", "-")
        #: The whole docstring, shown by ``--help``.
        self.description = inspect.getdoc(function) or ""
        #: Its first line, shown in the list of commands.
        self.summary = self.description.split("\n", 1)[0]
        try:
            self.parser()  # a signature no command line can describe fails here, not later
        except (TypeError, argparse.ArgumentError) as error:
            raise TypeError(f"command {self.name} ({function_name(function)}): {error}") from None

    def __repr__(self) -> str:
        return f"<Command {self.name!r}>"

    def parser(self, prog: str | None = None) -> argparse.ArgumentParser:
        """Build the argparse parser for the function's parameters."""
        parser = argparse.ArgumentParser(
            prog=prog or self.name,
            description=self.description or None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        hints = _hints(self.function)
        for parameter in inspect.signature(self.function).parameters.values():
            _add_argument(parser, parameter, hints.get(parameter.name))
        return parser

    def run(self, argv: Sequence[str], prog: str | None = None) -> int:
        """Parse ``argv``, call the function, and return the exit status."""
        parser = self.parser(prog)
        values = vars(parser.parse_args(list(argv)))
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for parameter in inspect.signature(self.function).parameters.values():
            value = values[parameter.name]
            if parameter.kind is parameter.VAR_POSITIONAL:
                args.extend(value)
            elif parameter.kind is parameter.KEYWORD_ONLY:
                kwargs[parameter.name] = value
            else:
                args.append(value)
        result = self.function(*args, **kwargs)
        return result if isinstance(result, int) and not isinstance(result, bool) else 0


def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    """Return the annotations, evaluated (for ``from __future__ import annotations``)."""
    try:
        return typing.get_type_hints(function)
    except Exception:
        return dict(getattr(function, "__annotations__", {}))


def _boolean(text: str) -> bool:
    """Read a yes or no on the command line: true/false, yes/no, on/off, 1/0."""
    lowered = text.lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"not a yes or no: {text!r}")


def _converter(annotation: Any, default: Any) -> Callable[[str], Any]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        choices = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        annotation = choices[0] if len(choices) == 1 else str
    if annotation is None and default not in (None, inspect.Parameter.empty):
        annotation = type(default)
    if annotation is bool:
        return _boolean
    return CONVERTERS.get(annotation, str)


def _add_argument(
    parser: argparse.ArgumentParser, parameter: inspect.Parameter, annotation: Any
) -> None:
    name, default = parameter.name, parameter.default
    if parameter.kind is parameter.VAR_KEYWORD:
        raise TypeError(f"a command cannot take **{name}: give each option a parameter")
    if parameter.kind is parameter.POSITIONAL_ONLY and default is not parameter.empty:
        raise TypeError(f"a command's positional-only parameter {name} cannot have a default")
    option = "--" + name.replace("_", "-")
    if parameter.kind is parameter.VAR_POSITIONAL:
        convert = _converter(annotation, None)
        parser.add_argument(name, nargs="*", type=convert, metavar=name.upper())
    elif default is parameter.empty and parameter.kind is not parameter.KEYWORD_ONLY:
        convert = _converter(annotation, None)
        parser.add_argument(name, type=convert, metavar=name.upper())
    elif default is parameter.empty:
        convert = _converter(annotation, None)
        parser.add_argument(option, dest=name, type=convert, required=True)
    elif annotation is bool or isinstance(default, bool):
        if default:
            no = "--no-" + name.replace("_", "-")
            parser.add_argument(no, dest=name, action="store_false", help=f"turn {name} off")
        else:
            parser.add_argument(option, dest=name, action="store_true")
    else:
        convert = _converter(annotation, default)
        parser.add_argument(
            option, dest=name, type=convert, default=default, help=f"default: {default}"
        )


def add_command(
    commands: dict[str, Command], name: str | None, function: CommandFunction
) -> CommandFunction:
    """Register ``function`` in ``commands`` as the command ``name`` (or its own name)."""
    command = Command(function, name)
    commands[command.name] = command
    return function


def list_commands(commands: dict[str, Command]) -> str:
    """Return one line per command: its name and the first line of its docstring."""
    width = max(len(name) for name in commands)
    lines = [f"{name.ljust(width)}  {command.summary}" for name, command in commands.items()]
    return "\n".join(line.rstrip() for line in lines)
