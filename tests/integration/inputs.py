"""Every string input of a service's HTTP API, read from its OpenAPI document: where it goes
in a request (a path, query or header parameter, or a place in the JSON body) and whether
it is personal (``PersonalField``: sealed) or a code. The canary tests plant a value in each:
a personal input must come back sealed, a code input must be refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Input:
    method: str
    route: str
    where: str  # "path", "query", "header" or "body"
    loc: tuple[str | int, ...]  # the parameter's name, or the place in the body
    personal: bool

    def __str__(self) -> str:
        place = ".".join(str(p) for p in self.loc)
        return f"{self.method} {self.route} {self.where}:{place}"


def _resolve(node: Any, doc: dict[str, Any]) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _strings(
    node: Any, doc: dict[str, Any], loc: tuple, personal: bool, depth: int = 0
) -> Iterator[tuple[tuple, bool]]:
    node = _resolve(node, doc)
    if not isinstance(node, dict) or depth > 12:
        return
    personal = personal or bool(node.get("x-personal"))
    for branch in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
        yield from _strings(branch, doc, loc, personal, depth + 1)
    kind = node.get("type")
    if kind == "string" or (isinstance(kind, list) and "string" in kind):
        yield loc, personal
    for name, sub in node.get("properties", {}).items():
        yield from _strings(sub, doc, (*loc, name), personal, depth + 1)
    if "items" in node:
        yield from _strings(node["items"], doc, (*loc, 0), personal, depth + 1)


def string_inputs(doc: dict[str, Any]) -> set[Input]:
    found: set[Input] = set()
    for route, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for param in [*item.get("parameters", []), *op.get("parameters", [])]:
                param = _resolve(param, doc)
                for _, personal in _strings(param.get("schema", {}), doc, (), False):
                    found.add(Input(method.upper(), route, param["in"], (param["name"],), personal))
            body = _resolve(op.get("requestBody", {}), doc)
            schema = body.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                for loc, personal in _strings(schema, doc, (), False):
                    found.add(Input(method.upper(), route, "body", loc, personal))
    return found


def body_with(loc: tuple, value: str) -> Any:
    """A JSON body holding ``value`` at ``loc`` and nothing else."""
    out: Any = value
    for part in reversed(loc):
        out = [out] if isinstance(part, int) else {part: out}
    return out


def refused_at(body: Any, where: str, loc: tuple) -> bool:
    """Whether a 422 body names the input's place (any error shape holding ``loc`` lists)."""
    want = [where, *loc]
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("loc"), list) and node["loc"][: len(want)] == want:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False
