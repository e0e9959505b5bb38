"""app.config: a Config (a dict) that loads from objects, files and the environment."""

from __future__ import annotations

import json
import os
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from framework import App, Config
from framework.config import default_config


def test_app_config_is_a_config_with_the_defaults(app: App) -> None:
    assert isinstance(app.config, Config)
    assert isinstance(app.config, dict)
    assert app.config == default_config()
    assert app.config.root_path is not None
    assert os.path.samefile(app.config.root_path, os.path.dirname(__file__))


def test_the_defaults_pass_the_checks() -> None:
    # Every default is of its key's type; the same check refuses a wrong one.
    assert Config(default_config()) == default_config()
    with pytest.raises(TypeError, match="DEBUG"):
        Config({**default_config(), "DEBUG": "yes"})


def test_from_mapping_sets_upper_case_keys_only() -> None:
    config = Config()
    assert config.from_mapping({"DEBUG": True, "lower": 1}, MAX_BODY_SIZE=10, other=2) is True
    assert config == {"DEBUG": True, "MAX_BODY_SIZE": 10}


def test_from_mapping_checks_the_types() -> None:
    config = Config()
    with pytest.raises(TypeError, match=r"config\['DEBUG'\] must be a bool, got 'yes' \(str\)"):
        config.from_mapping(DEBUG="yes")


class Settings:
    DEBUG = True
    SECRET_KEY = "from an object"
    lower_case = "ignored"
    _PRIVATE_LOOKING = "kept: it is upper case"


class Production(Settings):
    DEBUG = False


def test_from_object_takes_the_upper_case_attributes() -> None:
    config = Config()
    config.from_object(Production)
    assert config == {
        "DEBUG": False,
        "SECRET_KEY": "from an object",
        "_PRIVATE_LOOKING": "kept: it is upper case",
    }


def test_from_object_imports_a_module_or_an_attribute_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("myapp_settings_for_tests")
    module.MAX_BODY_SIZE = 1024  # type: ignore[attr-defined]
    module.helper = "ignored"  # type: ignore[attr-defined]
    module.Production = Production  # type: ignore[attr-defined]
    module.Settings = Settings  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "myapp_settings_for_tests", module)
    config = Config()
    config.from_object("myapp_settings_for_tests")
    assert config == {"MAX_BODY_SIZE": 1024}
    config.from_object("myapp_settings_for_tests:Production")
    assert config["SECRET_KEY"] == "from an object"
    assert config["DEBUG"] is False
    config.from_object("myapp_settings_for_tests.Settings")
    assert config["DEBUG"] is True


def test_from_object_refuses_a_wrong_type_naming_the_key() -> None:
    class Wrong:
        MAX_BODY_SIZE = "1mb"

    with pytest.raises(
        TypeError, match=r"config\['MAX_BODY_SIZE'\] must be an int \(bytes\), got '1mb' \(str\)"
    ):
        Config().from_object(Wrong)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is new in Python 3.11")
def test_from_file_reads_toml_by_default(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        'DEBUG = true\nSECRET_KEY = "from toml"\nlower = 1\n[SECURITY_HEADERS]\n'
        'X-Frame-Options = "DENY"\n',
        encoding="utf-8",
    )
    config = Config(root_path=tmp_path)
    assert config.from_file("settings.toml") is True
    assert config == {
        "DEBUG": True,
        "SECRET_KEY": "from toml",
        "SECURITY_HEADERS": {"X-Frame-Options": "DENY"},
    }


def test_from_file_with_json_load_opens_the_file_as_text(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"MAX_FORM_PARTS": 5}', encoding="utf-8")
    config = Config()
    assert config.from_file(tmp_path / "settings.json", load=json.load) is True
    assert config == {"MAX_FORM_PARTS": 5}


def test_from_file_relative_to_the_apps_folder(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"MAX_FORM_PARTS": 7}', encoding="utf-8")
    module = types.ModuleType("app_in_tmp_for_tests")
    module.__file__ = str(tmp_path / "app_in_tmp_for_tests.py")
    sys.modules["app_in_tmp_for_tests"] = module
    try:
        app = App("app_in_tmp_for_tests")
    finally:
        del sys.modules["app_in_tmp_for_tests"]
    app.config.from_file("settings.json", load=json.load)
    assert app.config["MAX_FORM_PARTS"] == 7


def test_from_file_missing_raises_unless_silent(tmp_path: Path) -> None:
    config = Config(root_path=tmp_path)
    assert config.from_file("nothing.json", load=json.load, silent=True) is False
    with pytest.raises(FileNotFoundError, match="unable to load the configuration file"):
        config.from_file("nothing.json", load=json.load)


def test_from_file_checks_the_types(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"SESSION_MAX_AGE": "1 day"}', encoding="utf-8")
    with pytest.raises(TypeError, match=r"config\['SESSION_MAX_AGE'\] must be an int \(seconds\)"):
        Config().from_file(tmp_path / "settings.json", load=json.load)


def test_from_file_on_python_310_asks_for_a_load_function(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("framework.config.sys", types.SimpleNamespace(version_info=(3, 10, 0)))
    monkeypatch.setitem(sys.modules, "tomli", None)  # not installed
    with pytest.raises(RuntimeError, match="install tomli, or pass load="):
        Config().from_file(tmp_path / "settings.toml")


def test_from_prefixed_env_reads_json_values_else_strings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRAMEWORK_MAX_BODY_SIZE", "1048576")
    monkeypatch.setenv("FRAMEWORK_DEBUG", "true")
    monkeypatch.setenv("FRAMEWORK_SECRET_KEY", "not json, a string")
    monkeypatch.setenv("FRAMEWORK_TRUSTED_HOSTS", '["example.com"]')
    monkeypatch.setenv("OTHER_MAX_BODY_SIZE", "1")
    app = App(__name__)
    assert app.config.from_prefixed_env() is True
    assert app.config["MAX_BODY_SIZE"] == 1048576
    assert app.config["DEBUG"] is True
    assert app.config["SECRET_KEY"] == "not json, a string"
    assert app.config["TRUSTED_HOSTS"] == ["example.com"]


def test_from_prefixed_env_nests_on_double_underscores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAMEWORK_SECURITY_HEADERS__X-Frame-Options", "DENY")
    monkeypatch.setenv("MYAPP_DATABASE__OPTIONS__TIMEOUT", "5")
    app = App(__name__)
    app.config.from_prefixed_env()
    headers = app.config["SECURITY_HEADERS"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"  # the others are kept
    assert default_config()["SECURITY_HEADERS"]["X-Frame-Options"] == "SAMEORIGIN"
    app.config.from_prefixed_env("MYAPP")
    assert app.config["DATABASE"] == {"OPTIONS": {"TIMEOUT": 5}}


def test_from_prefixed_env_with_its_own_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPP_NAME", "42")
    config = Config()
    config.from_prefixed_env("MYAPP", loads=str)
    assert config == {"NAME": "42"}


def test_from_prefixed_env_refuses_a_wrong_type_naming_the_variable_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRAMEWORK_MAX_BODY_SIZE", "1mb")
    with pytest.raises(TypeError, match=r"config\['MAX_BODY_SIZE'\] must be an int"):
        Config().from_prefixed_env()


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        pytest.param("MAX_BODY_SIZE", "1mb", "an int (bytes)", id="str-for-int"),
        pytest.param("MAX_BODY_SIZE", True, "an int (bytes)", id="bool-is-not-an-int"),
        pytest.param("MAX_BODY_SIZE", 1.5, "an int (bytes)", id="float"),
        pytest.param("DEBUG", 1, "a bool", id="int-for-bool"),
        pytest.param("DEBUG", "False", "a bool", id="str-for-bool"),
        pytest.param("SESSION_MAX_AGE", "3600", "an int (seconds) or None", id="session-age"),
        pytest.param("TRUSTED_HOSTS", "example.com", "a list of str or None", id="hosts-str"),
        pytest.param("TRUSTED_HOSTS", ["example.com", 1], "a list of str", id="hosts-item"),
        pytest.param("TRUSTED_ORIGINS", 1, "a list of str", id="origins-int"),
        pytest.param("SECURITY_HEADERS", ["nosniff"], "a dict", id="headers-list"),
        pytest.param("SECURITY_HEADERS", {"X-Frame-Options": 1}, "a dict", id="header-int"),
        pytest.param("SECRET_KEY", 12345, "a str, bytes or None", id="secret-int"),
        pytest.param("SESSION_COOKIE_NAME", None, "a str", id="cookie-name-none"),
        pytest.param("CONTENT_SECURITY_POLICY", ["default-src"], "a str or None", id="csp"),
    ],
)
def test_a_known_key_with_a_wrong_type_is_refused(
    app: App, key: str, value: Any, expected: str
) -> None:
    before = app.config.get(key)
    message = f"config[{key!r}] must be {expected}"
    for write in (
        lambda: app.config.__setitem__(key, value),
        lambda: app.config.update({key: value}),
        lambda: app.config.update(**{key: value}),
        lambda: app.config.update([(key, value)]),
        lambda: app.config.__ior__({key: value}),
        lambda: app.config.from_mapping({key: value}),
    ):
        with pytest.raises(TypeError) as caught:
            write()
        assert str(caught.value).startswith(message), caught.value
        assert app.config.get(key) == before  # nothing was written


def test_setdefault_checks_a_missing_key_only() -> None:
    config = Config()
    with pytest.raises(TypeError, match=r"config\['DEBUG'\]"):
        config.setdefault("DEBUG", "yes")
    assert config.setdefault("DEBUG", True) is True
    assert config.setdefault("DEBUG", False) is True


def test_an_update_with_one_wrong_value_writes_nothing() -> None:
    config = Config()
    with pytest.raises(TypeError):
        config.update({"DEBUG": True, "MAX_BODY_SIZE": "big"})
    assert config == {}


def test_the_apps_own_keys_are_not_checked(app: App) -> None:
    app.config["DATABASE"] = 12
    app.config["debug"] = "anything"  # not the framework's DEBUG
    assert app.config["DATABASE"] == 12


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("SECRET_KEY", b"bytes work"),
        ("SECRET_KEY", None),
        ("SECRET_KEY_FALLBACKS", "one old key"),
        ("SECRET_KEY_FALLBACKS", ("a", b"b")),
        ("TRUSTED_HOSTS", ("example.com",)),
        ("TRUSTED_HOSTS", None),
        ("SESSION_MAX_AGE", None),
        ("SECURITY_HEADERS", {"X-Frame-Options": None}),
        ("HSTS_MAX_AGE", 600),
    ],
)
def test_the_accepted_forms(app: App, key: str, value: Any) -> None:
    app.config[key] = value
    assert app.config[key] == value


def test_copy_is_a_config_with_the_same_root() -> None:
    config = Config({"DEBUG": True}, root_path="/somewhere")
    copy = config.copy()
    assert isinstance(copy, Config)
    assert copy == config
    assert copy.root_path == "/somewhere"
    assert repr(config) == "<Config {'DEBUG': True}>"


def test_nesting_into_a_key_that_is_no_dict_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = Config(default_config())
    monkeypatch.setenv("FRAMEWORK_SESSION_COOKIE_NAME__X", "1")
    with pytest.raises(ValueError, match=r"FRAMEWORK_SESSION_COOKIE_NAME__X: config\['SESSION"):
        config.from_prefixed_env()
