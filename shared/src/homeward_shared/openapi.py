"""The OpenAPI document says every status a route can answer, and the one error shape.

FastAPI documents a route's success and a 422 shaped like its own validation answer, which
the kernel does not send (``errors.Problem`` is the one error shape). The answers that come
from the kernel rather than from the route's code are the same for every route and follow
from what the route is, so they are added here, when the document is built, instead of on
each decorator:

- every route: 413 (the body limit, ``http_limits``);
- a route that takes a body: 400 (a body that is not UTF-8 cannot even be parsed);
- a route with a policy entry other than public: 401 and 429 (the bearer token and the
  failure limiter), 403 (the policy table, centre scoping), 503 (the database, the identity
  provider's keys);
- a route that takes parameters or a body, or changes state: 422 (the schema, the strict
  types of ``strict``, a command the domain refuses, text PostgreSQL cannot store);
- a route that names something (a path parameter, an id in its body): 404;
- a route that changes state: 409 (the domain's conflicts: out of order, done already);
- a route that takes or shows a personal field, or reads one for a purpose: 410 (erased);
- a route that creates (201/202) and is told when it did not (a ``Response`` parameter,
  which sets 200 on a replay of the same idempotency key or the same facts): 200 with the
  same body.

A route's own ``responses=`` (a description of its 409, say) is kept; its body schema
becomes ``Problem``. ``tests/integration/test_api_conformance.py`` sends schemathesis'
requests to every service and fails on any status or body the document does not declare.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from homeward_shared.errors import Problem
from homeward_shared.policy import PUBLIC, Policy, api_routes

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PROBLEM_REF = "#/components/schemas/Problem"

DESCRIPTIONS: dict[int, str] = {
    400: "The request body cannot be read (not UTF-8 text).",
    401: "No valid bearer token; `WWW-Authenticate` says why.",
    403: "The token's roles (or centres) may not do this.",
    404: "Something the request names does not exist, or is not this caller's to see.",
    409: "The request contradicts the current state (out of order, done already otherwise).",
    410: "This person's personal data was erased.",
    413: "The request body is larger than this service accepts.",
    422: "The request does not match this route's schema (strict types: `errors` says which "
    "rules), or the domain refuses the command.",
    429: "Too many failed authentications from this client; `Retry-After` says when to retry.",
    503: "The database or the identity provider's keys are unavailable; retry.",
}

HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "RFC 6750: the bearer realm and, for a token sent, why it failed",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "seconds",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    503: {
        "Retry-After": {
            "description": "seconds (when the database is the cause)",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}

REPLAY = (
    "Done already: the same request again (its idempotency key, or the same facts) answers "
    "with what the first one made."
)


def _resolve(doc: dict[str, Any], node: Any, seen: set[str]) -> Iterator[dict[str, Any]]:
    """Every schema object under ``node``, following ``$ref``s within the document."""
    if isinstance(node, list):
        for item in node:
            yield from _resolve(doc, item, seen)
        return
    if not isinstance(node, dict):
        return
    yield node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
        seen.add(ref)
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target.get(part, {})
        yield from _resolve(doc, target, seen)
    for value in node.values():
        if isinstance(value, dict | list):
            yield from _resolve(doc, value, seen)


def _request_schemas(operation: dict[str, Any]) -> list[Any]:
    content = operation.get("requestBody", {}).get("content", {})
    return [m.get("schema", {}) for m in content.values()]


def _success_schemas(operation: dict[str, Any]) -> list[Any]:
    return [
        m.get("schema", {})
        for status, r in operation.get("responses", {}).items()
        if status.startswith("2")
        for m in r.get("content", {}).values()
    ]


def answers(doc: dict[str, Any], method: str, operation: dict[str, Any], public: bool) -> set[int]:
    """The error statuses a route can answer, from what it is (see the module's doc)."""
    params = operation.get("parameters", [])
    body = _request_schemas(operation)
    statuses = {413}
    if not public:
        statuses |= {401, 403, 429, 503}
    if params or body or method in UNSAFE:
        statuses.add(422)
    if body:
        statuses.add(400)
    names_something = any(p.get("in") == "path" for p in params) or any(
        s.get("format") == "uuid" for s in _resolve(doc, body, set())
    )
    if names_something:
        statuses.add(404)
    if method in UNSAFE:
        statuses.add(409)
    personal = any(
        s.get("x-personal") for s in _resolve(doc, [*body, *_success_schemas(operation)], set())
    ) or any(p.get("name") == "purpose" and p.get("in") == "query" for p in params)
    if personal:
        statuses.add(410)
    return statuses


def _own_content(declared: dict[str, Any]) -> dict[str, Any] | None:
    """The body a route documents for an error itself (``/health``'s 503), if any."""
    content = declared.get("content") or {}
    schemas = [m.get("schema") for m in content.values()]
    if schemas and all(s and "HTTPValidationError" not in s.get("$ref", "") for s in schemas):
        return content
    return None


RESPONSE_NAMES: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Erased",
    413: "BodyTooLarge",
    422: "InvalidRequest",
    429: "TooManyFailures",
    503: "Unavailable",
}


def _shared_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": PROBLEM_REF}}},
    }
    if status in HEADERS:
        response["headers"] = copy.deepcopy(HEADERS[status])
    return response


def _problem_response(status: int, declared: dict[str, Any] | None) -> dict[str, Any]:
    """The shared response for ``status``, unless the route describes its own (a reason of
    its own, or a body of its own): then that, with ``Problem`` as its body."""
    declared = declared or {}
    description = declared.get("description")
    own_content = _own_content(declared)
    if (
        status in RESPONSE_NAMES
        and own_content is None
        and description in (None, "Validation Error")
    ):
        return {"$ref": f"#/components/responses/{RESPONSE_NAMES[status]}"}
    response = _shared_response(status) if status in DESCRIPTIONS else {}
    if own_content is not None:
        response.pop("headers", None)
    response["description"] = description or response.get("description", "Error")
    response["content"] = own_content or {"application/json": {"schema": {"$ref": PROBLEM_REF}}}
    return response


def complete(doc: dict[str, Any], app: FastAPI, policy: Policy) -> dict[str, Any]:
    """``doc`` with the error answers of every route and the ``Problem`` schema."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    shared = doc["components"].setdefault("responses", {})
    for status, name in RESPONSE_NAMES.items():
        shared[name] = _shared_response(status)
    for key, route in api_routes(app):
        method, _, path = key.partition(" ")
        operation = doc.get("paths", {}).get(path, {}).get(method.lower())
        if operation is None:  # not in the document (include_in_schema=False)
            continue
        responses = operation.setdefault("responses", {})
        declared = {int(s): r for s, r in responses.items() if s.isdigit() and int(s) >= 400}
        statuses = answers(doc, method, operation, policy.get(key) == PUBLIC)
        for status in sorted(statuses | set(declared)):
            responses[str(status)] = _problem_response(status, declared.get(status))
        success = str(route.status_code or 200)
        if success != "200" and route.dependant.response_param_name and success in responses:
            responses.setdefault(
                "200", {**copy.deepcopy(responses[success]), "description": REPLAY}
            )
    # FastAPI's validation answer, which no service sends.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return doc


def install(app: FastAPI, policy: Policy) -> None:
    """Complete the app's document (FastAPI builds it once and caches it)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        doc = generate()
        if "Problem" not in doc.get("components", {}).get("schemas", {}):
            complete(doc, app, policy)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
