"""Body limits: how much body a request may carry, past which it gets a 413.

A request's body has to be read before anyone can look at it; without a
limit, one client could make the server read, and hold, gigabytes. The
limits come from the app's config (``config.ConfigLimits``) or, for a
Request made on its own, from ``DEFAULT_LIMITS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class BodyLimits(Protocol):
    """How much body a request may carry; past any of these limits, a 413.

    The body has to be read before anyone can look at it: without a limit,
    one client could make the server read, and hold, gigabytes.
    """

    @property
    def max_body_size(self) -> int:
        """The largest body, in bytes."""

    @property
    def max_form_memory_size(self) -> int:
        """The most bytes of form fields (not files) held in memory."""

    @property
    def max_form_parts(self) -> int:
        """The most parts a multipart form, or fields a urlencoded one, may have."""


@dataclass(frozen=True)
class FixedLimits:
    """Body limits that do not change: the defaults, or a test's own."""

    max_body_size: int = 16 * 1024 * 1024
    max_form_memory_size: int = 500 * 1024
    max_form_parts: int = 1000


#: The limits of a Request built without any (``Request(environ)``).
DEFAULT_LIMITS = FixedLimits()
