"""Codes: the only strings that may be stored or sent in clear.

Every string that enters Homeward (an HTTP field, a query parameter, an event field) is one
of two kinds, and there is no third: personal and sealed (``PersonalField`` / ``personal()``,
encrypted with the case's key), or a code. A code is a value from a declared vocabulary (an
enum, an ISO code, a reference table an admin maintains) or an identifier with a strict
pattern. A clear column, an event, the audit trail and a report can then only ever hold codes,
ids, dates and counts: nobody can type a name where a code belongs, because the value is
refused before it is stored.

``CodeField(vocabulary, ...)`` marks a pydantic field as a code from the named vocabulary
(``x-code`` in the JSON schema, so the OpenAPI and AsyncAPI documents say which list a value
comes from). The field must still constrain its value itself: an enum or ``Literal`` type, or
a ``pattern``; a reference-table code is also checked against its table by the handler.

``unclassified_strings(schema)`` walks a JSON schema (an OpenAPI or AsyncAPI document, or one
model's schema) and names every string that is neither personal nor constrained to a code:
the test that keeps a new free-text field from slipping in calls it on every document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

CODE_MARK = "x-code"

# A schema of what the kernel writes itself rather than what a caller's input becomes: the
# Kafka headers (ids, the W3C trace context, the dead-letter middleware's reason and origin)
# and a dead letter's key (the refused record's own, kept as it came so an operator can
# redrive it; docs/security.md). The rule governs inputs, so such a subtree is not checked.
KERNEL_WRITTEN = {"x-written-by": "kernel"}

# Formats whose values cannot carry a name: they are parsed, not stored as typed.
SAFE_FORMATS = frozenset({"uuid", "date", "date-time", "time", "duration", "binary"})

# A pattern-constrained string is a code only if its pattern cannot hold words: anchored at
# both ends, refusing whitespace, and bounded in length (by the pattern or by maxLength).
_MAX_CODE_LENGTH = 64
_WORDS = ("Srey Sokha", "a b", "x\ty")


def CodeField(vocabulary: str, default: Any = ..., **kwargs: Any) -> Any:
    """A pydantic field holding a code from ``vocabulary`` (e.g. ``"iso639"``, ``"trade"``)."""
    from pydantic import Field

    extra = dict(kwargs.pop("json_schema_extra", {}) or {})
    extra[CODE_MARK] = vocabulary
    return Field(default, json_schema_extra=extra, **kwargs)


def pattern_is_code(pattern: str, max_length: int | None) -> bool:
    """Whether a string pattern admits codes and identifiers only, never words or a sentence."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return False
    try:
        compiled = re.compile(pattern)
    except re.error:
        return False
    if any(compiled.search(sample) for sample in _WORDS):
        return False
    if max_length is not None and max_length <= _MAX_CODE_LENGTH:
        return True
    # Unbounded by maxLength: the pattern itself must bound it.
    return compiled.search("A" * (_MAX_CODE_LENGTH + 1)) is None and (
        compiled.search("a" * (_MAX_CODE_LENGTH + 1)) is None
    )


def _is_classified(node: dict[str, Any]) -> bool:
    if node.get("x-personal"):
        return True
    if "enum" in node or "const" in node:
        return True
    if node.get("format") in SAFE_FORMATS:
        return True
    pattern = node.get("pattern")
    return isinstance(pattern, str) and pattern_is_code(pattern, node.get("maxLength"))


def unclassified_strings(
    schema: Any, path: str = "$", *, personal: bool = False, root: Any = None
) -> Iterator[str]:
    """Paths of string schemas in ``schema`` that are neither personal nor a code.

    ``schema`` is one model's JSON schema, an AsyncAPI document (every schema in it), or an
    OpenAPI document, of which only the inputs are read: every parameter (path, query, header,
    cookie) and every request body. ``$ref`` is followed within the same document (``root``);
    a subtree under an ``x-personal`` node is personal as a whole (a sealed list of strings,
    say). A map's keys are strings too: an object open to any key (``additionalProperties``)
    must constrain its keys with ``propertyNames``.
    """
    root = schema if root is None else root
    if isinstance(schema, dict) and "openapi" in schema and "paths" in schema:
        for where, node in openapi_inputs(schema):
            yield from _walk(node, f"{path}{where}", personal, root, set())
        return
    yield from _walk(schema, path, personal, root, set())


_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def openapi_inputs(doc: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, schema) of every input of an OpenAPI document: parameters and request bodies."""
    for route, item in (doc.get("paths") or {}).items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method not in _METHODS or not isinstance(op, dict):
                continue
            where = f" {method.upper()} {route}"
            for param in [*shared, *op.get("parameters", [])]:
                param = _resolve(param, doc)
                yield f"{where} {param.get('in')}:{param.get('name')}", param.get("schema", {})
            body = _resolve(op.get("requestBody") or {}, doc)
            for media, content in (body.get("content") or {}).items():
                yield f"{where} body({media})", content.get("schema", {})


def _resolve(node: Any, root: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        node = _target(node["$ref"], root)
    return node


def _target(ref: str, root: Any) -> Any:
    target: Any = root
    for part in ref[2:].split("/"):
        target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
    return target


# Keys whose values are data (examples, the allowed values, documentation), not schemas.
_VALUE_KEYS = frozenset(
    {
        "enum",
        "const",
        "default",
        "examples",
        "example",
        "description",
        "title",
        "required",
        "pattern",
        "format",
        "type",
        CODE_MARK,
        "x-personal",
        "$ref",
        "propertyNames",
    }
)
# Keys whose values map names to schemas.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions"})


def _is_string(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _walk(node: Any, path: str, personal: bool, root: Any, seen: set[str]) -> Iterator[str]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, f"{path}[{i}]", personal, root, seen)
        return
    if not isinstance(node, dict):
        return
    personal = (
        personal
        or bool(node.get("x-personal"))
        or node.get("x-written-by") == KERNEL_WRITTEN["x-written-by"]
    )
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        key = f"{ref}|{personal}"
        if key not in seen:
            seen.add(key)
            yield from _walk(_target(ref, root), f"{path}->{ref}", personal, root, seen)
    if _is_string(node) and not personal and not _is_classified(node):
        yield path
    extra = node.get("additionalProperties")
    if extra not in (None, False) and not personal:
        names = node.get("propertyNames")
        if not (isinstance(names, dict) and _is_classified(names)):
            yield f"{path}.propertyNames"
    for key, child in node.items():
        if key in _VALUE_KEYS or not isinstance(child, dict | list):
            continue
        if key in _SCHEMA_MAPS and isinstance(child, dict):
            for name, sub in child.items():
                yield from _walk(sub, f"{path}.{name}", personal, root, seen)
        else:
            yield from _walk(child, f"{path}.{key}", personal, root, seen)
