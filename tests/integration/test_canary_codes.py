"""Free text typed where a code belongs is refused, and goes nowhere (issue 16).

Every string input of a service's HTTP API is read from its OpenAPI document (path, query
and header parameters, every place in every JSON body). A personal one is planted and
sealed by ``test_canary``; every other one is a code, and here each gets a canary shaped
like what a person would type (a name with a space), on a running service with its own
database and topics: the answer must be a 4xx that names that very input and never repeats
the canary. Then the canaries are looked for in every error body, every captured log line,
every table of the service's schema and every record of every topic: none may be found. A
new string input that is neither sealed nor a code is not refused, and fails here.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import asyncpg
import httpx
import pytest
from homeward_shared.cli import service_wiring
from homeward_shared.policy import PUBLIC, service_policies
from homeward_shared.provision import SERVICES
from homeward_shared.testing.auth import token
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.inputs import Input, body_with, refused_at, string_inputs
from tests.integration.test_canary import every_record

pytestmark = pytest.mark.integration


def _settings_class(service: str) -> type:
    from importlib import import_module

    module = import_module(f"homeward_{service}.settings")
    [cls] = [v for k, v in vars(module).items() if k.lower() == f"{service}settings"]
    return cls


def _bootstrap(service: str):
    from importlib import import_module

    return import_module(f"homeward_{service}.bootstrap").bootstrap


def headers_for(service: str, method: str, route: str) -> dict[str, str]:
    rule = service_policies()[service][f"{method} {route}"]
    role = "intake" if rule == PUBLIC else sorted(rule)[0]
    return {"Authorization": f"Bearer {token('u-canary-1', role, centres=['TD'])}"}


def test_the_inputs_are_found_in_every_document():
    """The reader itself: intake's documented code inputs are among those it finds."""
    found = {str(i) for i in string_inputs(service_wiring("intake").app.openapi())}
    assert {
        "POST /signals/{signal_id}/placement-request body:reason",
        "POST /signals body:language",
        "POST /outreach body:district",
        "POST /signals/{signal_id}/lead body:establishment.province",
        "GET /signals/{signal_id}/person query:purpose",
        "GET /signals/{signal_id}/person path:signal_id",
    } <= found


def integer_path(doc: dict, i: Input, name: str) -> bool:
    operation = doc["paths"][i.route][i.method.lower()]
    for p in operation.get("parameters", []):
        if p.get("in") == "path" and p.get("name") == name:
            return p.get("schema", {}).get("type") == "integer"
    return False


@pytest.mark.parametrize("service", SERVICES)
async def test_a_canary_typed_into_any_code_input_is_refused_and_goes_nowhere(
    service, database, topics, capfd
):
    svc = _bootstrap(service)(settings_for(_settings_class(service), database, topics))
    inputs = string_inputs(svc.app.openapi())
    codes = sorted((i for i in inputs if not i.personal), key=str)
    assert codes, "a service takes some code"
    canaries: dict[Input, str] = {}
    bodies: list[bytes] = []
    took: list[str] = []
    async with (
        running(svc),
        httpx.AsyncClient(transport=httpx.ASGITransport(svc.app), base_url="http://t") as c,
    ):
        for i in codes:
            # Unique, and typed as a person types: a word, a space, another word.
            canary = f"Zq{uuid.uuid4().hex[:16]} Srey"
            canaries[i] = canary
            route = i.route
            for name in [p.strip("{}") for p in route.split("/") if p.startswith("{")]:
                value = quote(canary, safe="") if (i.where, i.loc) == ("path", (name,)) else None
                # Another path parameter gets a well-formed value, so that the canary's input
                # is the one refused (the strict edge may name only the first bad parameter).
                other = "1" if integer_path(svc.app.openapi(), i, name) else str(uuid.uuid4())
                route = route.replace(f"{{{name}}}", value or other)
            params = {i.loc[0]: canary} if i.where == "query" else None
            headers = headers_for(service, i.method, i.route)
            if i.where == "header":
                headers[str(i.loc[0])] = canary
            body = body_with(i.loc, canary) if i.where == "body" else None
            r = await c.request(i.method, route, params=params, headers=headers, json=body)
            bodies.append(r.content)
            if not (400 <= r.status_code < 500 and refused_at(r.json(), i.where, i.loc)):
                took.append(f"{i} -> {r.status_code}")
        out, err = capfd.readouterr()

        admin = await asyncpg.connect(database.admin_dsn)
        try:
            tables = [
                t
                for (t,) in await admin.fetch(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
                    service,
                )
            ]
            stored = set()
            for table in tables:
                for value in canaries.values():
                    word = value.split()[0]
                    if await admin.fetchval(
                        f"SELECT count(*) FROM {service}.{table} t WHERE strpos(t::text, $1) > 0",
                        word,
                    ):
                        stored.add(table)
        finally:
            await admin.close()
        _, records = await every_record(database.infra.kafka_bootstrap_servers, topics.prefix)

    words = {v.split()[0] for v in canaries.values()}

    def found(blob: bytes | str) -> set[str]:
        text = blob if isinstance(blob, str) else blob.decode("utf-8", errors="replace")
        return {w for w in words if w in text or w.encode().hex() in text}

    assert not took, f"{service}: free text accepted or refused elsewhere: {took}"
    assert not set().union(*(found(b) for b in bodies)), "canary echoed in an error body"
    assert not found(out + err), "canary in the logs"
    assert not stored, f"canary stored in {sorted(stored)}"
    in_kafka = set()
    for rec in records:
        for blob in (rec.value or b"", rec.key or b"", *(v for _, v in rec.headers)):
            in_kafka |= found(blob)
    assert not in_kafka, "canary on Kafka"
