"""The rule "personal and sealed, or a code" applied to whole documents, for tests.

``unclassified_strings`` walks one JSON schema; an OpenAPI document keeps its schemas under
``components`` and its query and path parameters on each operation, which that walk does not
enter. These helpers name each string there that is neither personal nor a code, as
``Schema.field`` or ``METHOD /path ?parameter``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from homeward_shared.codes import unclassified_strings


def openapi_unclassified(doc: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        # Each schema is walked on its own; a $ref is named by where it points.
        found |= {
            p.split("->")[-1].removeprefix("#/components/schemas/")
            for p in unclassified_strings(schema, name, root=doc)
        }
    for path, operations in doc.get("paths", {}).items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                where = f"{method.upper()} {path} ?{param['name']}"
                for p in unclassified_strings(param.get("schema", {}), where, root=doc):
                    found.add(p.split("->")[-1].removeprefix("#/components/schemas/"))
            body = op.get("requestBody", {}).get("content", {})
            for media in body.values():
                where = f"{method.upper()} {path} body"
                for p in unclassified_strings(media.get("schema", {}), where, root=doc):
                    found.add(p.split("->")[-1].removeprefix("#/components/schemas/"))
    return {_plain(p) for p in found}


# Answers the server writes itself (the audit window, the chain check, the error shape, the
# health check, a suppressed cell's path, figures keyed by the service's own codes): never a
# value a caller typed. The rule governs what enters; every input is also checked by
# tests/wiring/test_codes_or_sealed.py.
SERVER_WRITTEN = frozenset(
    {"AuditRowOut", "ChainOut", "Issue", "Problem", "Health", "SuppressedCell", "FiguresOut"}
)


def openapi_unclassified_but_answers(doc: dict[str, Any]) -> set[str]:
    """``openapi_unclassified`` less the schemas of ``SERVER_WRITTEN``."""
    return {p for p in openapi_unclassified(doc) if p.split(".")[0] not in SERVER_WRITTEN}


def contract_unclassified(model: type[BaseModel]) -> set[str]:
    schema = model.model_json_schema()
    return {
        _plain(p.split("->")[-1].removeprefix("#/$defs/"))
        for p in unclassified_strings(schema, model.__name__)
    }


def _plain(path: str) -> str:
    # "Model.field.anyOf[0]" and "Model.field.items" name the field "Model.field".
    head, _, _ = path.partition(".anyOf")
    return head.removesuffix(".items")


def asyncapi_unclassified(doc: dict[str, Any]) -> set[str]:
    """Strings of an AsyncAPI document's schemas that are neither personal nor a code; every
    ``Envelope[Payload]`` is named ``Envelope`` (they share the envelope's fields)."""
    found: set[str] = set()
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        for p in unclassified_strings(schema, name, root=doc):
            p = p.split("->")[-1].removeprefix("#/components/schemas/")
            if p.startswith("Envelope["):
                p = "Envelope" + p[p.index("]") + 1 :]
            found.add(_plain(p))
    return found
