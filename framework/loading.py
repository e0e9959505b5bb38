"""Find the app a command line names: ``module:attribute``, as gunicorn takes it.

``framework run``, ``serve``, ``routes`` and the other commands name the app
they work on as ``module:attribute``, or ``module`` for its attribute
``app``, or ``module:factory()`` for an app factory called with literal
arguments. The current folder is searched first. A name that leads nowhere
is one clear line (``CommandError``), not a traceback.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import sys
import traceback
from typing import Any

from .serving import is_app

_APP_SPEC = re.compile(r"[A-Za-z_][\w.]*(:[A-Za-z_]\w*(\(.*\))?)?", re.DOTALL)


class CommandError(Exception):
    """A problem to report in one line, exiting with status 2."""


def load_app(spec: str, *, debug: bool = False) -> Any:
    """Import the app named by ``spec`` (``module:attribute`` or ``module``).

    As in gunicorn, the attribute may be a call of an app factory with
    literal arguments: ``module:create_app()``, ``module:create_app("dev")``.
    Raises CommandError with one clear line; with ``debug``, the module's own
    traceback is printed first.
    """
    if not _APP_SPEC.fullmatch(spec):
        raise CommandError(
            f"{spec!r} is not an app: write module:attribute (such as example_app:app), "
            "module:factory() for an app factory, or just the module when the attribute "
            "is called app"
        )
    module_name, _, expression = spec.partition(":")
    attribute, arguments = _factory_call(expression or "app")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        if error.name == module_name:
            raise CommandError(
                f"no module named {module_name!r} here ({os.getcwd()}) or on sys.path"
            ) from None
        _show_traceback(debug)
        raise CommandError(_failure(f"importing {module_name!r}", error, debug)) from None
    except Exception as error:
        _show_traceback(debug)
        raise CommandError(_failure(f"importing {module_name!r}", error, debug)) from None
    if not hasattr(module, attribute):
        apps = [name for name, value in vars(module).items() if is_app(value)]
        hint = f"; it has {', '.join(apps)}" if apps else ""
        raise CommandError(f"module {module_name!r} has no attribute {attribute!r}{hint}")
    app = getattr(module, attribute)
    if arguments is not None:
        args, kwargs = arguments
        try:
            app = app(*args, **kwargs)
        except Exception as error:
            _show_traceback(debug)
            raise CommandError(_failure(f"{module_name}:{expression}", error, debug)) from None
    if not callable(app):
        raise CommandError(f"{module_name}:{expression} is not a WSGI app: it is {type(app)}")
    return app


def _factory_call(
    expression: str,
) -> tuple[str, tuple[list[Any], dict[str, Any]] | None]:
    """Split ``name`` or ``name(literal, key=literal)`` into the name and the arguments."""
    if "(" not in expression:
        return expression, None
    try:
        call = ast.parse(expression, mode="eval").body
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            raise ValueError("not a call of a name")
        args = [ast.literal_eval(arg) for arg in call.args]
        if any(keyword.arg is None for keyword in call.keywords):
            raise ValueError("**arguments")
        kwargs = {str(kw.arg): ast.literal_eval(kw.value) for kw in call.keywords}
    except (SyntaxError, ValueError):
        raise CommandError(
            f"{expression!r}: an app factory call takes literal arguments only, "
            "such as create_app() or create_app('dev', debug=True)"
        ) from None
    return call.func.id, (args, kwargs)


def _failure(action: str, error: BaseException, debug: bool) -> str:
    where = "" if debug else " (run with --debug for the traceback)"
    return f"{action} failed: {type(error).__name__}: {error}{where}"


def _show_traceback(debug: bool) -> None:
    if debug:
        traceback.print_exc()
