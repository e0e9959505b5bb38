"""How messages name the functions an app hands us: views, hooks, handlers.

An error about a view is only useful if it says which view. Every message
names a function the way gunicorn names an app, ``module:qualname``
(``shop.views:cart``, ``shop.views:make_app.<locals>.page``), so the reader
can go straight to the file and the definition.
"""

from __future__ import annotations

from typing import Any


def function_name(function: Any) -> str:
    """Name a view, hook or error handler as ``module:qualname``."""
    module = getattr(function, "__module__", None) or "?"
    return f"{module}:{getattr(function, '__qualname__', repr(function))}"
