"""Check, when a view, hook or error handler is registered, that it can be called.

A view written ``def user(uid)`` would otherwise register fine and fail on
its first request, as a 500 with a bare ``TypeError`` in the log. The
framework knows at registration how it will call each function, so it tries
that call on the signature (``inspect.Signature.bind``) and refuses one that
would not fit, naming the function and the signature it needs::

    view app:user for '/users/<int:uid>' must be def user(request, uid): ...
    (its first parameter, uid, would get the request)

A callable whose signature can't be read (a builtin, some C callables) is
taken on trust.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from .names import function_name
from .patterns import RouteError

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_BY_NAME = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class ViewSignatureError(RouteError, TypeError):
    """A view can't be called as the route would call it: a RouteError, and a TypeError."""


def view_problem(
    view: Any, pattern: str, parameters: Sequence[str], *, complete: bool = True
) -> str | None:
    """Say why ``view(request, **params)`` can't be called for ``pattern``, or None.

    With ``complete=False`` (a router's own table, which an include may yet
    put under a prefix with parameters of its own) a parameter the pattern
    does not give is let pass: the app checks it once the route is included.
    """
    signature = _signature(view)
    if signature is None:
        return None
    bind = signature.bind if complete else signature.bind_partial
    try:
        bind(None, **dict.fromkeys(parameters))
    except TypeError as error:
        expected = _expected(view, ["request", *parameters], "view")
        reason = _reason(signature, ["request"], parameters, error, "the pattern gives no {}")
        return f"view {function_name(view)} for {pattern!r} must be {expected} ({reason})"
    return None


def check_hook(hook: Any, kind: str, arguments: Sequence[str]) -> None:
    """Refuse a hook or error handler that can't be called as ``hook(*arguments)``.

    ``kind`` names what it is registered as (``"before_request hook"``,
    ``"errorhandler(404)"``) and ``arguments`` what it is called with.
    """
    if not callable(hook):
        raise TypeError(f"{kind} must be a function, got {hook!r}")
    signature = _signature(hook)
    if signature is None:
        return
    try:
        signature.bind(*[None] * len(arguments))
    except TypeError as error:
        expected = _expected(hook, arguments, "hook" if "hook" in kind else "handler")
        reason = _reason(signature, arguments, (), error, "it also needs {}, which nothing passes")
        raise TypeError(f"{kind} {function_name(hook)} must be {expected} ({reason})") from None


def _signature(function: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def _expected(function: Any, arguments: Sequence[str], default: str) -> str:
    name = getattr(function, "__name__", default)
    if not name.isidentifier():  # a lambda
        name = default
    return f"def {name}({', '.join(arguments)}): ..."


def _reason(
    signature: inspect.Signature,
    positional: Sequence[str],
    parameters: Sequence[str],
    error: TypeError,
    giver: str,
) -> str:
    """Say in a few words what is wrong with ``signature``.

    ``giver`` words the case of a parameter nobody fills, with ``{}`` for its name.
    """
    given = list(signature.parameters.values())
    takes_args = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in given)
    takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in given)
    leading = [p for p in given if p.kind in _POSITIONAL]
    if len(leading) < len(positional) and not takes_args:
        return f"it does not take {', '.join(positional[len(leading) :])}"
    for parameter, argument in zip(leading, positional, strict=False):
        if parameter.name in parameters:
            return f"its parameter {parameter.name} would get the {argument}"
    if not takes_kwargs:
        untaken = [
            name
            for name in parameters
            if name not in signature.parameters or signature.parameters[name].kind not in _BY_NAME
        ]
        if untaken:
            return f"it does not take {', '.join(untaken)}"
    required = [
        p.name
        for p in given[len(positional) :]
        if p.kind in (*_POSITIONAL, inspect.Parameter.KEYWORD_ONLY)
        and p.default is inspect.Parameter.empty
        and p.name not in parameters
    ]
    if required:
        return giver.format(", ".join(required))
    return str(error)
