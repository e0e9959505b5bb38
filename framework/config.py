"""An app's settings: the defaults, and the body limits read from them.

``app.config`` is a ``Config``, a dict that loads settings from objects,
files and the environment, and refuses a known key set to a value of the
wrong type; ``default_config()`` is what every new app starts with. The
keys and what they do are listed in docs/configuration.md.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any

from .limits import DEFAULT_LIMITS
from .proxies import parse_trusted_proxies
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
        "TRUSTED_PROXY_IPS": None,
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


#: What each setting the framework reads must hold: the accepted types, and
#: how a refusal names them. A key not listed here is the app's own, unchecked.
_EXPECTED: dict[str, tuple[tuple[type, ...], str]] = {
    "DEBUG": ((bool,), "a bool"),
    "SECRET_KEY": ((str, bytes, type(None)), "a str, bytes or None"),
    "SECRET_KEY_FALLBACKS": (
        (list, tuple, str, bytes, type(None)),
        "a list of str or bytes keys (or one key)",
    ),
    "MAX_BODY_SIZE": ((int,), "an int (bytes)"),
    "MAX_FORM_MEMORY_SIZE": ((int,), "an int (bytes)"),
    "MAX_FORM_PARTS": ((int,), "an int"),
    "SESSION_COOKIE_NAME": ((str,), "a str"),
    "SESSION_MAX_AGE": ((int, type(None)), "an int (seconds) or None"),
    "STATIC_MAX_AGE": ((int, type(None)), "an int (seconds) or None"),
    "STATIC_DOTFILES": ((bool,), "a bool"),
    "SERVER_NAME": ((str, type(None)), "a str or None"),
    "PREFERRED_URL_SCHEME": ((str,), "a str"),
    "APPLICATION_ROOT": ((str,), "a str"),
    "TRUSTED_HOSTS": ((list, tuple, set, frozenset, type(None)), "a list of str or None"),
    "TRUSTED_PROXY_IPS": (
        (list, tuple, set, frozenset, str, type(None)),
        "a list of IP addresses or networks (str), or None",
    ),
    "CROSS_ORIGIN_PROTECTION": ((bool,), "a bool"),
    "TRUSTED_ORIGINS": ((list, tuple, set, frozenset, type(None)), "a list of str"),
    "SECURITY_HEADERS": ((dict,), "a dict of header names to str or None"),
    "CONTENT_SECURITY_POLICY": ((str, type(None)), "a str or None"),
    "HSTS_MAX_AGE": ((int, type(None)), "an int (seconds) or None"),
    "PROPAGATE_EXCEPTIONS": ((bool,), "a bool"),
}

#: The settings that hold a collection, and what each item must be.
_ITEMS: dict[str, tuple[type, ...]] = {
    "SECRET_KEY_FALLBACKS": (str, bytes),
    "TRUSTED_HOSTS": (str,),
    "TRUSTED_ORIGINS": (str,),
    "TRUSTED_PROXY_IPS": (str,),
}

#: The settings whose values are read when set, so that a malformed one fails
#: there (a ``ValueError`` naming it) rather than at a request.
_PARSERS: dict[str, Callable[[Any], object]] = {
    "TRUSTED_PROXY_IPS": parse_trusted_proxies,
}


def check_setting(key: str, value: object) -> None:
    """Refuse, with a ``TypeError`` naming ``key``, a value the framework cannot use.

    Only the keys of ``default_config()`` are checked; any other key is the
    app's own. ``True`` is not an int here, though Python says it is. A
    value of the right type that cannot be read (``TRUSTED_PROXY_IPS =
    ["10.0.0.300"]``) is a ``ValueError`` naming the entry.
    """
    expected = _EXPECTED.get(key)
    if expected is None:
        return
    types, description = expected
    wrong = not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
    if not wrong and key in _ITEMS and isinstance(value, (list, tuple, set, frozenset)):
        wrong = not all(isinstance(item, _ITEMS[key]) for item in value)
    if not wrong and isinstance(value, dict):
        wrong = not all(
            isinstance(name, str) and isinstance(header, (str, type(None)))
            for name, header in value.items()
        )
    if wrong:
        raise TypeError(
            f"config[{key!r}] must be {description}, got {value!r} ({type(value).__name__})"
        )
    parse = _PARSERS.get(key)
    if parse is not None:
        parse(value)


class Config(dict[str, Any]):
    """An app's settings (``app.config``): a dict that loads from objects, files and env.

    Reading is a plain dict's (``config["DEBUG"]``, ``config.get(...)``);
    every write (``config[key] = ...``, ``update``, ``setdefault`` and the
    ``from_*`` loaders) checks the keys the framework knows, so that
    ``config["MAX_BODY_SIZE"] = "1mb"`` fails where it is written, naming
    the key, rather than at the first request. Upper-case keys only are
    loaded by ``from_object`` and ``from_prefixed_env``, as in Flask.

    ``root_path`` is the folder relative file names in ``from_file`` start
    from: the app's folder for ``app.config``, else the current folder.
    """

    def __init__(
        self,
        defaults: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        *,
        root_path: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__()
        #: Where ``from_file`` finds a relative file name (None: the current folder).
        self.root_path = root_path
        if defaults is not None:
            self.update(defaults)

    def __setitem__(self, key: str, value: Any) -> None:
        check_setting(key, value)
        super().__setitem__(key, value)

    def __ior__(self, other: Any) -> Config:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __repr__(self) -> str:
        return f"<Config {dict.__repr__(self)}>"

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Set every item of a mapping (or of pairs) and of ``kwargs``, checking each."""
        if len(args) > 1:
            raise TypeError(f"update expected at most 1 positional argument, got {len(args)}")
        items: dict[str, Any] = dict(*args, **kwargs)
        for key, value in items.items():
            check_setting(key, value)
        super().update(items)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return ``config[key]``, first setting it to ``default`` (checked) if missing."""
        if key not in self:
            self[key] = default
        return self[key]

    def copy(self) -> Config:
        """Return a shallow copy, a Config with the same ``root_path``."""
        return Config(self, root_path=self.root_path)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Set the upper-case keys of ``mapping`` and ``kwargs``; return True (as Flask)."""
        items: dict[str, Any] = {}
        if mapping is not None:
            items.update(mapping)
        items.update(kwargs)
        self.update({key: value for key, value in items.items() if key.isupper()})
        return True

    def from_object(self, obj: object | str) -> None:
        """Set the upper-case attributes of ``obj``: a module, a class, any object.

        A string is imported first, as werkzeug's ``import_string`` does:
        ``"myapp.settings"`` (a module) or ``"myapp.settings:Production"``
        (``"myapp.settings.Production"`` too) for an attribute of one.
        """
        if isinstance(obj, str):
            from werkzeug.utils import import_string

            obj = import_string(obj)
        self.update({key: getattr(obj, key) for key in dir(obj) if key.isupper()})

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]] | None = None,
        silent: bool = False,
        text: bool | None = None,
    ) -> bool:
        """Set the upper-case keys of a file read by ``load``; return whether it was read.

        ``load`` takes an open file and returns a mapping: ``tomllib.load``
        by default (Python 3.11 and later; pass one on 3.10), ``json.load``
        or any other. A relative ``filename`` starts from ``root_path``. The
        file is opened in binary mode for the default ``tomllib.load`` and
        in text mode otherwise; ``text`` says which outright. With
        ``silent``, a missing file returns False instead of raising.
        """
        if load is None:
            load = _toml_load()
            if text is None:
                text = False
        if text is None:
            text = True
        path = os.path.join(self.root_path or os.getcwd(), filename)
        try:
            with open(path, encoding="utf-8") if text else open(path, "rb") as file:
                data = load(file)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            error.strerror = f"unable to load the configuration file ({error.strerror})"
            raise
        return self.from_mapping(data)

    def from_prefixed_env(
        self, prefix: str = "FRAMEWORK", *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Set a key for every environment variable named ``PREFIX_KEY``; return True.

        ``FRAMEWORK_MAX_BODY_SIZE=1048576`` sets ``MAX_BODY_SIZE`` to the int
        1048576: values are read with ``loads`` (JSON) when they parse, and
        kept as strings when they do not. ``__`` in a name goes into dicts:
        ``FRAMEWORK_SECURITY_HEADERS__X-Frame-Options=DENY`` sets
        ``config["SECURITY_HEADERS"]["X-Frame-Options"]``, making the dict if
        it is missing. Variables are taken in sorted order.
        """
        start = f"{prefix}_"
        for name in sorted(os.environ):
            if not name.startswith(start):
                continue
            raw = os.environ[name]
            try:
                value = loads(raw)
            except Exception:
                value = raw
            key = name[len(start) :]
            if "__" not in key:
                self[key] = value
                continue
            top, *middle, last = key.split("__")
            existing = self.get(top)
            if existing and not isinstance(existing, dict):
                raise ValueError(
                    f"{name}: config[{top!r}] is {existing!r}, not a dict, so it cannot "
                    "hold the nested key; drop the __ from the variable's name"
                )
            current = dict(existing or {})
            tree = current
            for part in middle:
                child = tree.get(part)
                tree[part] = child = dict(child) if isinstance(child, dict) else {}
                tree = child
            tree[last] = value
            self[top] = current
        return True


def _toml_load() -> Callable[[IO[Any]], Mapping[str, Any]]:
    """Return ``tomllib.load`` (or tomli's, on Python 3.10), or say what to pass instead."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.load
    try:  # Python 3.10: tomli is what became tomllib
        tomli = importlib.import_module("tomli")
    except ImportError:
        raise RuntimeError(
            "config.from_file reads TOML with tomllib, which is new in Python 3.11: on "
            "Python 3.10 install tomli, or pass load=, such as load=json.load"
        ) from None
    load: Callable[[IO[Any]], Mapping[str, Any]] = tomli.load
    return load
