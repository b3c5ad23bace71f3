"""Strict types at the HTTP edge: a value is accepted only in the JSON type its schema names.

Pydantic's lax mode, which FastAPI uses, converts: ``false`` becomes a count of 0, ``0`` a
date (1 January 1970), ``"1.0"`` in a query string an integer, ``"yes"`` a boolean. A
client's mistake then becomes a stored fact. Here:

- A request body is a ``RequestModel``: it is validated as strict JSON (pydantic's strict
  mode for JSON input), whatever FastAPI hands over. A bool is not an int, a number is not a
  date or a string, a float is not an int; a date, a UUID, an enum value or a decimal is a
  string in its documented format, exactly what the OpenAPI document says. Models nested in
  a body are validated by the same strict pass. (``ConfigDict(strict=True)`` alone does not
  do it: FastAPI validates the parsed body as Python objects, and strict Python mode would
  refuse a date given as a string.)
- A path or query parameter arrives as text: ``strict_parameters`` (an app-wide dependency,
  after authentication) refuses a text that is not the canonical form of the parameter's
  type: an integer is decimal digits with an optional minus sign (within PostgreSQL's
  bigint, so that no route passes the database a number it refuses), a boolean ``true`` or
  ``false``, a date ``YYYY-MM-DD``, a date-time an ISO 8601 date and time.

The kernel refuses to build a service whose route takes a body that is not a
``RequestModel`` (``lax_bodies``), so a new route cannot slip back to lax validation.
"""

from __future__ import annotations

import re
import types
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

import pydantic_core
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import (
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationInfo,
    model_validator,
)
from pydantic_core import SchemaValidator, core_schema


def _own_check_removed(schema: core_schema.CoreSchema, cls: type) -> core_schema.CoreSchema:
    """The model's core schema without ``RequestModel``'s own wrap validator (the one
    function-wrap right around the model itself). A subclass's own ``mode="after"`` model
    validators stay (they see the built model); a before, wrap or plain one would be handed
    Python objects in place of the JSON input and so defeat strict JSON: refused."""
    kind = schema["type"]
    inner: Any = schema.get("schema", {})
    if kind == "definitions":
        return {**schema, "schema": _own_check_removed(inner, cls)}  # type: ignore[return-value,typeddict-item]
    own = kind == "function-wrap" and inner.get("type") == "model" and inner.get("cls") is cls
    if own and inner["schema"]["type"] == "model-fields":  # before/wrap ones sit in between
        bare = dict(inner)
        if "ref" in schema:
            bare["ref"] = schema["ref"]
        return bare  # type: ignore[return-value]
    if kind == "function-after":
        return {**schema, "schema": _own_check_removed(inner, cls)}  # type: ignore[return-value,typeddict-item]
    raise TypeError(
        f"{cls.__name__}: a RequestModel may declare model validators of mode 'after' only"
    )


class RequestModel(BaseModel):
    """Base of every HTTP request body: unknown fields are refused, and values are validated
    as strict JSON (see the module's doc)."""

    model_config = ConfigDict(extra="forbid")
    __strict_validator__: ClassVar[SchemaValidator | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.__pydantic_complete__:  # else (a forward reference) on first validation
            cls._strict_validator()

    @classmethod
    def _strict_validator(cls) -> SchemaValidator:
        validator = cls.__dict__.get("__strict_validator__")
        if validator is None:
            validator = SchemaValidator(
                _own_check_removed(cls.__pydantic_core_schema__, cls),
                cls.__pydantic_core_schema__.get("config"),  # type: ignore[arg-type]
            )
            cls.__strict_validator__ = validator
        return validator

    @model_validator(mode="wrap")
    @classmethod
    def _as_strict_json(
        cls, data: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if isinstance(data, cls):
            return handler(data)
        validator = cls._strict_validator()
        # Python values (a dict FastAPI parsed, or keyword arguments in code) go back to JSON
        # text, losslessly for anything JSON can hold, and are checked as strict JSON. The
        # model is then built by the ordinary validation of the same values (which cannot
        # refuse what strict validation accepted): pydantic's ``__init__`` needs its own
        # instance back from a model validator.
        try:
            text = pydantic_core.to_json(data, inf_nan_mode="constants")
        except pydantic_core.PydanticSerializationError:
            return handler(data)  # not JSON at all: only code builds such input
        validator.validate_json(text, strict=True, context=info.context)
        return handler(data)


# -- parameters ------------------------------------------------------------------------------

_CANONICAL: dict[type, tuple[re.Pattern[str], str]] = {
    bool: (re.compile(r"true|false"), "a boolean is true or false"),
    int: (re.compile(r"-?[0-9]{1,19}"), "an integer is decimal digits, within 64 bits"),
    datetime: (
        re.compile(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
            r"(Z|[+-][0-9]{2}:[0-9]{2})?"
        ),
        "a date-time is ISO 8601 (YYYY-MM-DDThh:mm:ss with an offset)",
    ),
    date: (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "a date is YYYY-MM-DD"),
}


# PostgreSQL's bigint, the widest integer a parameter can reach a query as.
_INT64 = -(2**63)


def _base_type(annotation: Any) -> type | None:
    """The scalar type a parameter holds (``int`` for ``Annotated[int | None, ...]``)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _base_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        found = {_base_type(a) for a in get_args(annotation) if a is not type(None)}
        return found.pop() if len(found) == 1 else None
    if isinstance(annotation, type):
        # datetime before date: a datetime is a date.
        return next((t for t in _CANONICAL if issubclass(annotation, t)), None)
    return None


def _checked_parameters(route: APIRoute) -> list[tuple[str, str, type]]:
    """(location, name, type) of the route's path and query parameters that need a check."""
    found: list[tuple[str, str, type]] = []

    def walk(dependant: Any) -> None:
        for where, params in (("path", dependant.path_params), ("query", dependant.query_params)):
            for p in params:
                kind = _base_type(p.field_info.annotation)
                if kind is not None:
                    found.append((where, p.alias, kind))
        for sub in dependant.dependencies:
            walk(sub)

    walk(route.dependant)
    return found


async def strict_parameters(request: Request) -> None:
    """An app-wide dependency: refuses (422) a path or query parameter whose text is not the
    canonical form of its type. The value is never repeated in the answer."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    checks = getattr(route, "_homeward_strict_parameters", None)
    if checks is None:
        checks = _checked_parameters(route)
        route._homeward_strict_parameters = checks  # type: ignore[attr-defined]
    errors = []
    for where, name, kind in checks:
        source = request.path_params if where == "path" else request.query_params
        values = source.getlist(name) if where == "query" else [source.get(name)]  # type: ignore[attr-defined]
        pattern, rule = _CANONICAL[kind]
        for value in values:
            if value is None:
                continue
            if not pattern.fullmatch(value) or (kind is int and not _INT64 <= int(value) < -_INT64):
                errors.append({"loc": (where, name), "type": f"{kind.__name__}_form", "msg": rule})
    if errors:
        raise RequestValidationError(errors)


def lax_bodies(routes: list[tuple[str, APIRoute]]) -> list[str]:
    """Routes (``"METHOD /path"``) whose JSON body is not a ``RequestModel``."""
    lax = []
    for key, route in routes:
        for p in route.dependant.body_params:
            kind = p.field_info.annotation
            if not (isinstance(kind, type) and issubclass(kind, RequestModel)):
                lax.append(key)
    return lax
