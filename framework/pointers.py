"""What the Flask names people reach for answer here: a pointer, in one line.

``from framework import jsonify`` or ``request.args`` would otherwise fail
with Python's bare "has no attribute", which says what is missing but not
what to write instead. Each name below is one a Flask user types from habit,
and looking it up raises an error that says what to use here. The package
and ``framework.request`` answer from a module ``__getattr__`` (PEP 562),
which runs only once normal lookup has failed; ``App`` and ``Request`` from
descriptors on the class, which names that do exist never meet.
"""

from __future__ import annotations

import sys
from typing import NoReturn, overload

#: Names looked up on the ``framework`` package, and what to use instead.
PACKAGE = {
    "Flask": "use framework.App(__name__)",
    "Blueprint": 'use framework.Router(name="...") and app.include(router, prefix="/...")',
    "jsonify": "return a dict or list from the view: it is sent as JSON",
    "render_template": "use framework.render(request, template, **context)",
    "render_template_string": "use framework.render_string(request, source, **context)",
    "url_for": "use request.url_for(name, **params) in a view, or app.url_for(name, **params)",
    "session": "use request.session in a view",
    "current_app": "use request.app in a view",
    "make_response": "return a framework.Response(...) from the view",
    "g": "use request.state in a view: per-request storage, empty at first",
}


class FlaskName:
    """An attribute Flask has and we don't: reading or setting it says what to use.

    A data descriptor on the class, so it is found (and refuses) before the
    instance's own attributes, and costs nothing to the names that do exist.
    """

    def __init__(self, pointer: str) -> None:
        self.pointer = pointer
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> FlaskName: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> NoReturn: ...
    def __get__(self, instance: object, owner: type | None = None) -> FlaskName:
        if instance is None:
            return self
        raise AttributeError(
            f"{type(instance).__name__} has no {self.name} (Flask's); {self.pointer}",
            name=self.name,
            obj=instance,
        )

    def __set__(self, instance: object, value: object) -> NoReturn:
        owner = type(instance).__name__.lower()
        raise AttributeError(f"{owner}.{self.name} = ...: {self.pointer}", name=self.name)


class Setting(FlaskName):
    """An attribute of Flask's app that is a key of ``app.config`` here."""

    def __init__(self, key: str) -> None:
        super().__init__(f'use app.config["{key}"]')
        self.key = key

    def __set__(self, instance: object, value: object) -> NoReturn:
        raise AttributeError(
            f'app.{self.name} = ...: set app.config["{self.key}"] instead', name=self.name
        )


class RequestNames:
    """The names of Flask's request that are spelled otherwise on ``Request``."""

    args = FlaskName("use request.query")
    get_json = FlaskName("use request.json, the parsed body (a property, not a method)")
    get_data = FlaskName("use request.body (bytes) or request.text")
    data = FlaskName("use request.body (bytes) or request.text")
    values = FlaskName("use request.query or request.form")
    view_args = FlaskName("use request.path_params")
    endpoint = FlaskName("use request.route.name")


class AppNames:
    """The attributes of Flask's app that are settings of ``app.config`` here."""

    secret_key = Setting("SECRET_KEY")
    debug = Setting("DEBUG")
    testing = FlaskName(
        'use app.test_client(); app.config["PROPAGATE_EXCEPTIONS"] = True lets a view\'s '
        "exception reach the test"
    )
    permanent_session_lifetime = Setting("SESSION_MAX_AGE")
    session_cookie_name = Setting("SESSION_COOKIE_NAME")
    json_encoder = FlaskName(
        "return a dict or list of JSON values, or a Response of the JSON you encoded"
    )
    json_provider_class = FlaskName(
        "return a dict or list of JSON values, or a Response of the JSON you encoded"
    )
    json = FlaskName("return a dict or list from the view: it is sent as JSON")
    jinja_env = FlaskName("use app.templates, the Jinja2 environment")
    session_interface = FlaskName(
        "sessions are signed cookies (framework.sessions); set SECRET_KEY and SESSION_* in "
        "app.config"
    )
    url_map = FlaskName("use app.routes, or app.router for the routing table")
    config_class = FlaskName("app.config is a framework.Config; fill it with its from_* methods")
    use_x_sendfile = FlaskName("serve static files through nginx (docs/deployment.md)")
    env = FlaskName('use app.config["DEBUG"]')
    instance_path = FlaskName("keep instance files where your settings say (see example_app)")
    extensions = FlaskName("keep what an extension needs on the app under a name of yours")
    root_path = FlaskName("use app.import_name; folders are relative to its module")


#: The attributes a Request sets on itself, which the class does not show.
_SET_IN_INIT = frozenset({"app", "environ", "headers", "method"})


def package_name(name: str) -> NoReturn:
    """Refuse ``framework.<name>``, with a pointer when it is a Flask name."""
    pointer = PACKAGE.get(name)
    if pointer is None:
        raise AttributeError(f"module 'framework' has no attribute {name!r}", name=name)
    missing(f"framework has no {name} (Flask's); {pointer}", "framework", name)


def request_module_name(name: str, request_class: type) -> NoReturn:
    """Refuse ``framework.request.<name>``: the module is not the current request."""
    if name.startswith("_") or not (hasattr(request_class, name) or name in _SET_IN_INIT):
        raise AttributeError(f"module 'framework.request' has no attribute {name!r}", name=name)
    found = getattr(request_class, name, None)
    use = found.pointer if isinstance(found, FlaskName) else f"use request.{name}"
    use = use.removeprefix("use ")
    missing(
        f"framework.request is a module, not the current request: a view gets the request "
        f"as its first argument, def view(request): ..., and reads {use}",
        "framework.request",
        name,
    )


def missing(message: str, module: str, name: str) -> NoReturn:
    """Raise the pointer as ``from module import name`` or as attribute access needs.

    ``from framework import jsonify`` turns an AttributeError into its own
    "cannot import name", losing the pointer; so when the lookup comes from
    an import statement, the pointer is raised as the ImportError itself.
    """
    if _importing():
        raise ImportError(message, name=module)
    raise AttributeError(message, name=name)


def _importing() -> bool:
    """Tell whether the caller of the module's ``__getattr__`` runs ``from ... import``."""
    import dis

    # Frames: this one, missing(), the pointer function, __getattr__, the caller.
    try:
        frame = sys._getframe(4)
        return dis.opname[frame.f_code.co_code[frame.f_lasti]] == "IMPORT_FROM"
    except (ValueError, IndexError):
        return False
