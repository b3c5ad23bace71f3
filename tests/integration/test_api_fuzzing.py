"""Schema-based fuzzing of every service's HTTP API (schemathesis, over the real database
and broker): valid and invalid requests drawn from each operation of the OpenAPI document.

Each request is sent as a user with one of the roles the route's policy allows (turn by
turn, so a route open to several roles is called by each), and each operation's first
request also as a role the policy refuses and without a token. Every answer must be what
the document says: a status it declares for the operation, a body that matches the schema
declared for that status (``Problem`` for every error), the declared content type and
headers, and an invalid request refused (schemathesis' conformance checks). No answer is a
5xx; no error body carries a stack trace or repeats a value the request sent (a value may be
personal)."""

import contextlib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from homeward_dashboard.bootstrap import bootstrap as dashboard_app
from homeward_dashboard.settings import DashboardSettings
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_investigation.bootstrap import bootstrap as investigation_app
from homeward_investigation.settings import InvestigationSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.policy import PUBLIC, ROLES, Policy
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.plugin import running, settings_for
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.integration

EXAMPLES = 3  # per operation and generation mode: modest, so `make test` stays fast


# What the document must say of every answer (schemathesis' own checks).
CONFORMANCE = [
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@dataclass(frozen=True)
class Api:
    name: str
    app: Callable[..., Any]
    settings: type


APIS = [
    Api("intake", intake_app, IntakeSettings),
    Api("investigation", investigation_app, InvestigationSettings),
    Api("recovery", recovery_app, RecoverySettings),
    Api("reintegration", reintegration_app, ReintegrationSettings),
    Api("dashboard", dashboard_app, DashboardSettings),
]


def user(role: str) -> dict[str, str]:
    return as_user("u-fuzz", role, centres=["TD"] if role == "centre_staff" else ())


def callers(policy: Policy, key: str, turn: int, first: bool) -> list[dict[str, str]]:
    """Who sends a case: an allowed role (the ``turn``-th of them); for an operation's first
    case also a refused role and nobody (no token)."""
    rule = policy[key]
    if rule == PUBLIC:
        return [{}]
    allowed = [r for r in ROLES if r in rule]
    chosen = [user(allowed[turn % len(allowed)])]
    if first:
        refused = next((r for r in ROLES if r not in rule), None)
        chosen += [user(refused)] if refused else []
        chosen.append({})
    return chosen


def draw_cases(schema: Any) -> list[Any]:
    """Hypothesis draws the requests of every operation; they are sent afterwards, over the
    service's own event loop."""
    cases: list[Any] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/stream"):  # server-sent events: an endless answer
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(operation.as_strategy(generation_mode=mode))
            def collect(case: Any) -> None:
                cases.append(case)

            # An operation with nothing to send wrong has no negative case.
            with contextlib.suppress(Unsatisfiable):
                collect()
    return cases


_CODE = re.compile(r"^([a-z0-9_]+|[0-9a-f-]{36}|[0-9T:.+-]+)$")


def sent_strings(value: Any) -> set[str]:
    """The free-text values a request carried, long enough to be recognisable (codes, ids
    and dates are not personal and may well be named in an answer)."""
    if isinstance(value, str):
        return {value} if len(value) >= 8 and value.strip() and not _CODE.match(value) else set()
    if isinstance(value, dict):
        return set().union(*(sent_strings(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(sent_strings(v) for v in value))
    return set()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("api", APIS, ids=lambda a: a.name)
async def test_every_answer_is_documented_never_5xx_never_a_trace_or_an_echoed_value(
    fresh_database, topics, api: Api
):
    service = api.app(settings_for(api.settings, fresh_database, topics))
    cases = draw_cases(schemathesis.openapi.from_dict(service.app.openapi()))
    policy: Policy = service.app.state.guard.policy
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    turns: Counter[str] = Counter()
    async with (
        running(service),
        httpx.AsyncClient(transport=httpx.ASGITransport(service.app), base_url="http://t") as c,
    ):
        for case in cases:
            key = f"{case.method.upper()} {case.path}"
            kw = case.as_transport_kwargs(base_url="http://t")
            sent = {
                k: v
                for k, v in kw.get("headers", {}).items()
                if k.lower() not in ("connection", "accept-encoding", "authorization")
            }
            body: dict[str, Any] = {}
            if "json" in kw:
                body["content"] = json.dumps(kw["json"]).encode()
                sent["Content-Type"] = "application/json"
            elif kw.get("data") is not None:
                body["content"] = kw["data"]
            for caller in callers(policy, key, turns[key], first=turns[key] == 0):
                headers = sent | caller
                try:
                    r = await c.request(
                        kw["method"], kw["url"], params=kw.get("params"), headers=headers, **body
                    )
                except Exception as exc:  # the app raised: the server would have answered 500
                    failures.append(f"{kw['method']} {case.path}: raised {exc!r}"[:300])
                    continue
                statuses[r.status_code] += 1
                where = f"{kw['method']} {case.path} -> {r.status_code}"
                if r.status_code >= 500:
                    failures.append(f"{where}: {r.text[:200]}")
                if r.status_code >= 400:
                    if "Traceback" in r.text or 'File "' in r.text:
                        failures.append(f"{where}: a stack trace in the body")
                    echoed = [s for s in sent_strings(kw.get("json")) if s in r.text]
                    if echoed:
                        failures.append(f"{where}: repeats a sent value {echoed[0][:40]!r}")
                try:
                    case.validate_response(r, checks=CONFORMANCE, headers=headers)
                except BaseExceptionGroup as exc:  # schemathesis' report of the failed checks
                    failures.append(f"{where}: {str(exc).strip()[:400]}")
            turns[key] += 1
    assert cases, "no operation was fuzzed"
    # The requests got past authentication to the routes themselves.
    assert sum(n for code, n in statuses.items() if code not in (401, 403)) > len(cases) // 2, (
        statuses
    )
    assert {401, 403} <= set(statuses), statuses
    assert not failures, "\n".join(sorted(set(failures))[:30])
