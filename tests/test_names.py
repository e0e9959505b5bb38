"""function_name: how messages name views, hooks and error handlers."""

from __future__ import annotations

import functools

import pytest

from framework.names import function_name


def module_level() -> None:
    pass


def make_nested() -> object:
    def nested() -> None:
        pass

    return nested


class Handler:
    def __call__(self) -> None:
        pass


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        pytest.param(module_level, f"{__name__}:module_level", id="function"),
        pytest.param(make_nested(), f"{__name__}:make_nested.<locals>.nested", id="nested"),
        pytest.param(Handler.__call__, f"{__name__}:Handler.__call__", id="method"),
        pytest.param(len, "builtins:len", id="builtin"),
    ],
)
def test_names_are_module_colon_qualname(function: object, expected: str) -> None:
    assert function_name(function) == expected


def test_a_callable_without_a_qualname_is_named_by_its_repr() -> None:
    partial = functools.partial(module_level)
    assert function_name(partial) == f"functools:{partial!r}"
