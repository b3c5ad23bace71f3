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

    ``$ref`` is followed within the same document (``root``); a subtree under an
    ``x-personal`` node is personal as a whole (a sealed list of strings, say).
    """
    root = schema if root is None else root
    yield from _walk(schema, path, personal, root, set())


def _walk(node: Any, path: str, personal: bool, root: Any, seen: set[str]) -> Iterator[str]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, f"{path}[{i}]", personal, root, seen)
        return
    if not isinstance(node, dict):
        return
    personal = personal or bool(node.get("x-personal"))
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        key = f"{ref}|{personal}"
        if key not in seen:
            seen.add(key)
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            yield from _walk(target, f"{path}->{ref}", personal, root, seen)
    if node.get("type") == "string" or (
        isinstance(node.get("type"), list) and "string" in node["type"]
    ):
        if not personal and not _is_classified(node):
            yield path
    for key in ("properties", "patternProperties", "$defs", "definitions"):
        children = node.get(key)
        if isinstance(children, dict):
            for name, child in children.items():
                yield from _walk(child, f"{path}.{name}", personal, root, seen)
    for key in ("items", "additionalProperties", "not", "contains", "prefixItems"):
        if key in node:
            yield from _walk(node[key], f"{path}.{key}", personal, root, seen)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            yield from _walk(node[key], f"{path}.{key}", personal, root, seen)
