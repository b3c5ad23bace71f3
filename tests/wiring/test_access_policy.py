"""Wiring tier: every route of every service, called by every role, answers as its service's
declared policy says: 401 without a token, 403 for a role the table does not name, neither
for one it does. A route with no entry in the table fails here (and is refused at runtime).
Nothing is started: no broker, no database; a call that passes authorisation goes on to
fail for want of one, which is not what this test looks at."""

import contextlib
import importlib
import re

import pytest
from fastapi import APIRouter
from homeward_shared import provision
from homeward_shared.policy import (
    NO_PERSONAL_DATA,
    PUBLIC,
    ROLES,
    Policy,
    api_routes,
    uncovered,
    unused,
)
from homeward_shared.settings import ServiceSettings
from homeward_shared.testing.auth import as_user

NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"

# Every service there is (one login role each), so that a new one is walked too.
SERVICES = sorted(provision.SERVICES)


def make(name: str):
    bootstrap = importlib.import_module(f"homeward_{name}.bootstrap").bootstrap
    module = importlib.import_module(f"homeward_{name}.settings")
    [settings] = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, ServiceSettings) and v is not ServiceSettings
    ]
    return bootstrap(settings(database_url=NOWHERE))


def credentials(role: str) -> dict[str, str]:
    return as_user(f"u-{role}", role, centres=["TD"] if role == "centre_staff" else ())


class _Answered(Exception):
    pass


async def status_of(app, method: str, path: str, headers: dict[str, str]) -> int:
    """The status the app answers with, read from its first response message; the call is
    abandoned there, so that an event stream does not keep the test waiting."""
    statuses: list[int] = []
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"{}", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])
            raise _Answered

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"t"),
            (b"content-type", b"application/json"),
            (b"content-length", b"2"),
            *((k.lower().encode(), v.encode()) for k, v in headers.items()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("t", 80),
        "state": {},
    }
    # What follows the first message (a 500 for want of a database) is not looked at.
    with contextlib.suppress(Exception):
        await app(scope, receive, send)
    assert statuses, f"{method} {path}: no answer"
    return statuses[0]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000001", path)


@pytest.mark.parametrize("name", SERVICES)
async def test_every_route_answers_every_role_as_the_policy_declares(name):
    app = make(name).app
    policy: Policy = app.state.guard.policy
    routes = api_routes(app)
    assert len(routes) > 3, f"{name} has no API routes"
    assert uncovered(app, policy) == [], f"{name}: routes with no policy entry"
    assert unused(app, policy) == [], f"{name}: policy entries for no route"
    tokens = {role: credentials(role) for role in ROLES}
    wrong = []
    for key, _ in routes:
        method, _, path = key.partition(" ")
        path = concrete(path)
        rule = policy[key]
        anonymous = await status_of(app, method, path, {})
        if rule == PUBLIC:
            if anonymous in (401, 403):
                wrong.append((key, "no token", anonymous))
            continue
        if anonymous != 401:
            wrong.append((key, "no token", anonymous))
        for role, headers in tokens.items():
            status = await status_of(app, method, path, headers)
            expected_allowed = role in rule
            if expected_allowed and status in (401, 403):
                wrong.append((key, role, status))
            if not expected_allowed and status != 403:
                wrong.append((key, role, status))
    assert wrong == [], wrong


def _schemas_under(doc: dict, node, seen: set[str]):
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                yield name, doc["components"]["schemas"][name]
                yield from _schemas_under(doc, doc["components"]["schemas"][name], seen)
        for value in node.values():
            yield from _schemas_under(doc, value, seen)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas_under(doc, value, seen)


@pytest.mark.parametrize("name", SERVICES)
def test_managers_and_auditors_reach_no_route_that_returns_a_personal_field(name):
    app = make(name).app
    policy: Policy = app.state.guard.policy
    doc = app.openapi()
    checked = 0
    for key, rule in policy.items():
        if rule == PUBLIC or not rule & NO_PERSONAL_DATA:
            continue
        method, _, path = key.partition(" ")
        operation = doc["paths"].get(path, {}).get(method.lower())
        if operation is None:
            continue  # not in the document (a page); nothing declared to return
        responses = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
        for schema_name, schema in _schemas_under(doc, responses, set()):
            personal = [
                field
                for field, spec in schema.get("properties", {}).items()
                if isinstance(spec, dict) and spec.get("x-personal")
            ]
            assert personal == [], (key, schema_name, personal)
        checked += 1
    assert checked >= 1  # every service serves the auditors at least (GET /audit)


async def test_a_route_added_without_a_policy_entry_is_refused_and_reported():
    service = make("intake")
    extra = APIRouter()

    @extra.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {"oops": "served"}

    service.app.include_router(extra)
    assert uncovered(service.app, service.app.state.guard.policy) == ["GET /forgotten"]
    for role in ROLES:
        assert await status_of(service.app, "GET", "/forgotten", credentials(role)) == 403


async def test_only_health_metrics_and_a_page_that_holds_no_data_are_public():
    public = {
        (name, key)
        for name in SERVICES
        for key, rule in make(name).app.state.guard.policy.items()
        if rule == PUBLIC
    }
    kernel = {(n, key) for n in SERVICES for key in ("GET /health", "GET /metrics")}
    assert public == kernel | {("dashboard", "GET /")}


def test_docs_policy_md_is_the_tables_in_the_code():
    from pathlib import Path

    from homeward_shared.policy import render

    doc = Path(__file__).resolve().parents[2] / "docs" / "policy.md"
    assert doc.read_text() == render(), "docs/policy.md is stale: run `make docs`"
