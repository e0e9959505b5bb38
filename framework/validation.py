"""Validated input: request data turned into a model, or a 422 that lists what is wrong.

HTTP draws a line between two kinds of bad input. A request the server
cannot read (a body that is not JSON, a malformed form) is a 400 Bad
Request: ``request.json`` and ``request.form`` already say so. A request it
can read, but whose content is wrong (a title missing, ``"abc"`` where a
number goes), is a 422 Unprocessable Content: that is this module's job.
Given the parsed data and a model, it returns an instance of the model or
raises ``ValidationFailed`` with one entry per invalid field.

pydantic does the checking. It is an optional dependency
(``pip install 'framework[validation]'``), imported on first use, so that
an app that validates nothing does not pay for it.

A model is a pydantic ``BaseModel``, a dataclass or a ``TypedDict``; the
last two are checked through a pydantic ``TypeAdapter``, made once per
model. Form fields and query parameters arrive as text, and a name may
repeat (``?tag=a&tag=b``): a field whose type is a list, set or tuple takes
every value, any other field exactly one. pydantic's lax mode then turns
the text into the field's type (``"3"`` into ``3``, ``"on"`` into ``True``).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, Union, cast

from werkzeug.datastructures import MultiDict

from .errors import ValidationFailed

if TYPE_CHECKING:
    import pydantic

M = TypeVar("M")

#: What to install when pydantic is missing.
INSTALL = "pip install 'framework[validation]'"


@dataclass(frozen=True)
class Target:
    """What validating into one model needs, worked out once per model."""

    #: The model, named in messages.
    model: type[Any]
    #: Check the data and build the model, or raise pydantic's ValidationError.
    validate: Callable[[Any], Any]
    #: The names a form or query may give the model's fields (aliases included).
    fields: frozenset[str]
    #: Those of them whose type is a collection: they take every value sent.
    collections: frozenset[str]


#: One Target per model already used: a TypeAdapter is costly to build.
_targets: dict[Any, Target] = {}


def from_json(model: type[M], data: Any) -> M:
    """Build ``model`` from a parsed JSON body, or raise ValidationFailed (422)."""
    target = target_for(model, "json_as")
    return cast(M, _build(target, data, "the JSON body", repeated=[]))


def from_fields(model: type[M], values: MultiDict[str, str], source: str, method: str) -> M:
    """Build ``model`` from form fields or query parameters, or raise ValidationFailed (422).

    A field that takes one value but was sent several times is a mistake of
    the client, not something to guess about: keeping the first value, as
    ``values[name]`` does, would silently drop the others.
    """
    target = target_for(model, method)
    data: dict[str, Any] = {}
    repeated: list[dict[str, str]] = []
    for name, sent in values.lists():
        if name in target.collections:
            data[name] = sent
        elif len(sent) == 1 or name not in target.fields:
            data[name] = sent[0] if len(sent) == 1 else sent
        else:
            data[name] = sent[0]
            message = f"given {len(sent)} times; this field takes one value"
            repeated.append({"field": name, "message": message})
    return cast(M, _build(target, data, source, repeated=repeated))


def _build(target: Target, data: Any, source: str, *, repeated: list[dict[str, str]]) -> Any:
    """Validate ``data``; the problems found, and the ``repeated`` fields, become one 422."""
    pydantic = import_pydantic(target.model)
    try:
        instance = target.validate(data)
    except pydantic.ValidationError as error:
        reported = {problem["field"] for problem in repeated}
        found = [problem for problem in _problems(error) if problem["field"] not in reported]
        raise _failure(repeated + found, source) from None
    if repeated:
        raise _failure(repeated, source)
    return instance


def _problems(error: pydantic.ValidationError) -> list[dict[str, str]]:
    """Turn pydantic's errors into ``{"field": "tags.1", "message": ...}`` entries."""
    return [
        {"field": ".".join(str(part) for part in problem["loc"]), "message": problem["msg"]}
        for problem in error.errors(include_url=False, include_context=False, include_input=False)
    ]


def _failure(problems: list[dict[str, str]], source: str) -> ValidationFailed:
    fields = {problem["field"] for problem in problems}
    if fields == {""}:
        # The data as a whole is wrong (a JSON list where an object goes).
        detail = f"{source} is not what this URL accepts: {problems[0]['message']}"
    else:
        count = len(fields)
        detail = f"{source} has {count} invalid field{'' if count == 1 else 's'}"
    return ValidationFailed(problems, detail)


def target_for(model: type[Any], method: str) -> Target:
    """Return what validating into ``model`` needs, made on its first use."""
    target = _targets.get(model)
    if target is None:
        target = _targets[model] = _make_target(model, method)
    return target


def _make_target(model: type[Any], method: str) -> Target:
    pydantic = import_pydantic(model)
    import typing_extensions  # a dependency of pydantic's

    if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
        fields: dict[str, Any] = {}
        for name, field in model.model_fields.items():
            for key in (name, field.alias, *_alias_names(field.validation_alias)):
                if key:
                    fields[key] = field.annotation
        return _target(model, model.model_validate, fields)
    if (isinstance(model, type) and dataclasses.is_dataclass(model)) or (
        typing_extensions.is_typeddict(model)
    ):
        try:
            adapter = pydantic.TypeAdapter(model)
        except pydantic.PydanticUserError as error:  # typing.TypedDict before Python 3.12
            raise TypeError(f"{method}({model_name(model)}): {error.message}") from None
        hints = typing_extensions.get_type_hints(model)
        if dataclasses.is_dataclass(model):
            hints = {field.name: hints[field.name] for field in dataclasses.fields(model)}
        return _target(model, adapter.validate_python, hints)
    raise TypeError(
        f"{method}({model_name(model)}): the model must be a pydantic BaseModel subclass, "
        "a dataclass or a TypedDict"
    )


def _alias_names(alias: object) -> list[str]:
    """Return the top-level names a ``validation_alias`` takes (a str, AliasChoices, AliasPath)."""
    if alias is None:
        return []
    if isinstance(alias, str):
        return [alias]
    choices = getattr(alias, "choices", None)  # AliasChoices: several, each a str or a path
    if choices is not None:
        return [name for choice in choices for name in _alias_names(choice)]
    path = getattr(alias, "path", None)  # AliasPath: its first step names the key
    if path and isinstance(path[0], str):
        return [path[0]]
    return []


def model_name(model: object) -> str:
    """Name a model as the code writes it: ``Book``, ``dict[str, int]``."""
    if typing.get_origin(model) is None and isinstance(model, type):
        return model.__qualname__
    return repr(model)


def _target(model: type[Any], validate: Callable[[Any], Any], fields: dict[str, Any]) -> Target:
    collections = frozenset(name for name, kind in fields.items() if takes_many(kind))
    return Target(model, validate, frozenset(fields), collections)


def takes_many(kind: Any) -> bool:
    """Tell whether a field of this type takes several values: ``list[int]``, ``set[str] | None``.

    Text is a sequence of characters and a dict one of keys, but neither is
    a field that takes repeated values.
    """
    origin = typing.get_origin(kind)
    if origin is Union or origin is types.UnionType:
        return any(takes_many(member) for member in typing.get_args(kind))
    if origin is typing.Annotated:
        return takes_many(typing.get_args(kind)[0])
    kind = origin or kind
    return (
        isinstance(kind, type)
        and issubclass(kind, collections.abc.Collection)
        and not issubclass(kind, (str, bytes, bytearray, collections.abc.Mapping))
    )


def import_pydantic(model: object) -> types.ModuleType:
    """Import pydantic, or say how to install it."""
    try:
        import pydantic
    except ImportError as error:
        raise ImportError(
            f"validating into {model_name(model)} needs pydantic, which is not installed: "
            + INSTALL,
            name="pydantic",
        ) from error
    return pydantic
