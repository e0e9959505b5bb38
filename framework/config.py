"""An app's settings: the defaults, and the body limits read from them.

``app.config`` is a dict; ``default_config()`` is what every new app starts
with. The keys and what they do are listed in docs/configuration.md.
"""

from __future__ import annotations

from typing import Any

from .request import DEFAULT_LIMITS
from .security import DEFAULT_SECURITY_HEADERS


def default_config() -> dict[str, Any]:
    """Return a fresh copy of the default configuration."""
    return {
        "DEBUG": False,
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": [],
        "MAX_BODY_SIZE": DEFAULT_LIMITS.max_body_size,
        "MAX_FORM_MEMORY_SIZE": DEFAULT_LIMITS.max_form_memory_size,
        "MAX_FORM_PARTS": DEFAULT_LIMITS.max_form_parts,
        "SESSION_COOKIE_NAME": "session",
        "SESSION_MAX_AGE": 31 * 24 * 60 * 60,
        "STATIC_MAX_AGE": None,
        "STATIC_DOTFILES": False,
        "SERVER_NAME": None,
        "PREFERRED_URL_SCHEME": "http",
        "APPLICATION_ROOT": "/",
        "TRUSTED_HOSTS": None,
        "CROSS_ORIGIN_PROTECTION": True,
        "TRUSTED_ORIGINS": [],
        "SECURITY_HEADERS": dict(DEFAULT_SECURITY_HEADERS),
        "CONTENT_SECURITY_POLICY": None,
        "HSTS_MAX_AGE": None,
        "PROPAGATE_EXCEPTIONS": False,
    }


class ConfigLimits:
    """The body limits that ``MAX_BODY_SIZE`` and friends set in an app's config.

    Read when a request reads its body, so a limit changed between requests
    applies to the next one; made once per app, so a request costs nothing.
    """

    __slots__ = ("config",)

    def __init__(self, config: dict[str, Any]) -> None:
        #: The app's config, where the three settings live.
        self.config = config

    @property
    def max_body_size(self) -> int:
        """``MAX_BODY_SIZE``: the largest body, in bytes."""
        return int(self.config.get("MAX_BODY_SIZE", DEFAULT_LIMITS.max_body_size))

    @property
    def max_form_memory_size(self) -> int:
        """``MAX_FORM_MEMORY_SIZE``: the most bytes of form fields held in memory."""
        return int(self.config.get("MAX_FORM_MEMORY_SIZE", DEFAULT_LIMITS.max_form_memory_size))

    @property
    def max_form_parts(self) -> int:
        """``MAX_FORM_PARTS``: the most parts (multipart) or fields (urlencoded) of a form."""
        return int(self.config.get("MAX_FORM_PARTS", DEFAULT_LIMITS.max_form_parts))
