"""Nothing personal leaves, and an erased person is gone everywhere.

All five services run in-process on topics of this test's own. A unique canary value is
planted in every personal field of every API that accepts one (found from the services'
OpenAPI documents, where ``PersonalField`` marks them: a new personal field fails this test
until it is planted here). The case is handed on through every service, some bad requests
echo input, and one survivor is erased by two admins. Then every byte of every topic of the
prefix (dead-letter topics included), every captured log line and every error response body
is searched for every canary, and every table column holds ciphertext only.

Every other string input is a code (docs/security.md: "personal and sealed, or a code"):
``test_canary_codes`` types a canary into each of them and finds it refused and nowhere, and
``tests/wiring/test_event_canaries.py`` does the same for every event field. Here, every
string input the documents show (parameters included) is checked to be one or the other:
a personal one not planted here fails, as before.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
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
from homeward_shared.outbox import outbox_backlog
from homeward_shared.personal import registered_personal_names
from homeward_shared.provision import SERVICES
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.uow import verify_audit_chain

from tests.integration.helpers import fresh_area
from tests.integration.inputs import string_inputs

pytestmark = pytest.mark.integration

INTAKE = as_user("u-intake-1", "intake")
INVESTIGATOR = as_user("u-inv-1", "investigator")
LEGAL = as_user("u-legal-1", "legal")
CENTRE = as_user("u-centre-1", "centre_staff", centres=["TD"])
REINTEGRATION = as_user("u-reint-1", "reintegration")
MANAGER = as_user("u-manager-1", "manager")
ADMIN_A = as_user("u-admin-a", "admin")
ADMIN_B = as_user("u-admin-b", "admin")
TODAY = date.today()

# Registered personal names that no API takes under that name (a command's own name for a
# field the API calls otherwise): intake's RouteToInvestigation.establishment_name is the
# lead API's establishment.name.
# Registered personal names no API takes as input: read-only answers (``typed_value``: what was
# typed before a field took codes only, opened from recovery's and reintegration's set_aside).
NOT_AN_API_NAME = {"establishment_name", "typed_value"}


def day(offset: int) -> str:
    return str(TODAY + timedelta(days=offset))


class Canaries:
    """One unique value per planted field, remembered with where it was planted."""

    def __init__(self) -> None:
        self.planted: dict[tuple[str, str, str, str], str] = {}

    def __call__(self, service: str, method: str, path: str, field: str) -> str:
        # 20 characters (birth_date's limit); "Zq" is not hex, so no id or hash contains it.
        value = f"Zq{uuid.uuid4().hex[:18]}"
        self.planted.setdefault((service, method, path, field), value)
        return self.planted[(service, method, path, field)]

    def extra(self) -> str:
        value = f"Zq{uuid.uuid4().hex[:18]}"
        self.planted[("-", "-", "-", value)] = value
        return value

    @property
    def values(self) -> set[str]:
        return set(self.planted.values())

    def found_in(self, blob: bytes | str) -> set[str]:
        text = blob if isinstance(blob, str) else blob.decode("utf-8", errors="replace")
        raw = blob if isinstance(blob, bytes) else blob.encode()
        return {
            v for v in self.values if v in text or v.encode().hex() in text or v.encode() in raw
        }


def _personal_paths(schema: dict, comps: dict, prefix: str = "") -> Iterator[str]:
    if "$ref" in schema:
        yield from _personal_paths(comps[schema["$ref"].rsplit("/", 1)[-1]], comps, prefix)
        return
    for key in ("anyOf", "allOf", "oneOf"):
        for sub in schema.get(key, []):
            yield from _personal_paths(sub, comps, prefix)
    if schema.get("x-personal"):
        yield prefix
    for name, sub in schema.get("properties", {}).items():
        yield from _personal_paths(sub, comps, f"{prefix}.{name}" if prefix else name)
    if "items" in schema:
        yield from _personal_paths(schema["items"], comps, f"{prefix}[]")


def personal_inputs(name: str, app: Any) -> set[tuple[str, str, str, str]]:
    """Every (service, method, path, field) whose request body takes a personal field."""
    spec = app.openapi()
    comps = spec.get("components", {}).get("schemas", {})
    out = set()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            for field in _personal_paths(body.get("schema", {}), comps):
                out.add((name, method.upper(), path, field))
    return out


def _field(loc: tuple) -> str:
    """A body place as this test names it: ``persons[].name``; a list's own items are the
    list (``aliases``)."""
    out = ""
    for part in loc:
        out += "[]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out.removesuffix("[]")


async def every_record(bootstrap: str, prefix: str, *, within: float = 30.0) -> list[Any]:
    """Every record of every topic whose name starts with the prefix, from offset 0 to the
    end as of now (dead-letter topics included: found by listing, not by name)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = sorted(t for t in await admin.list_topics() if t.startswith(prefix))
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    records: list[Any] = []
    try:
        parts = [
            TopicPartition(t, p)
            for t in names
            for p in (consumer.partitions_for_topic(t) or await _partitions(consumer, t))
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            if loop.time() > deadline:
                raise TimeoutError("could not read the topics to their end")
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return names, records


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # aiokafka has no public call for it
    return consumer.partitions_for_topic(topic) or set()


async def test_nothing_personal_leaves_and_an_erased_person_is_gone_everywhere(
    database, topics, capfd
):
    def settings(cls):
        return settings_for(cls, database, topics, log_level="DEBUG")

    apps = {
        "intake": intake_app(settings(IntakeSettings)),
        "investigation": investigation_app(settings(InvestigationSettings)),
        "recovery": recovery_app(settings(RecoverySettings)),
        "reintegration": reintegration_app(settings(ReintegrationSettings)),
        "dashboard": dashboard_app(settings(DashboardSettings)),
    }
    expected = set().union(*(personal_inputs(n, s.app) for n, s in apps.items()))
    # Every personal string input, parameters included, is one this test plants: a sealed
    # query or path parameter would need planting too (none exists; this keeps it so).
    personal_anywhere = {
        (n, i.method, i.route, _field(i.loc) if i.where == "body" else f"{i.where}:{i.loc[0]}")
        for n, s in apps.items()
        for i in string_inputs(s.app.openapi())
        if i.personal
    }
    assert personal_anywhere == {(s, m, p, f.removesuffix("[]")) for s, m, p, f in expected}
    canary = Canaries()
    errors: list[tuple[int, str, bytes]] = []

    async def keep_errors(response: httpx.Response) -> None:
        if response.status_code >= 400:
            await response.aread()
            errors.append((response.status_code, str(response.url), response.content))

    def client(name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(apps[name].app),
            base_url=f"http://{name}.test",
            event_hooks={"response": [keep_errors]},
        )

    async with (
        running(*apps.values()),
        client("intake") as ic,
        client("investigation") as vc,
        client("recovery") as rc,
        client("reintegration") as gc,
        client("dashboard") as dc,
    ):
        # Intake: a walk-in who needs shelter now, and a lead on the place she came from.
        p = "/signals"
        r = await ic.post(
            p,
            headers=INTAKE,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "source": "clinic_walk_in",
                "urgency": "high",
                "needs_shelter": True,
                "children_with_her": 1,
                **{
                    f: canary("intake", "POST", p, f) for f in ("name", "aliases", "phone", "notes")
                },
            },
        )
        assert r.status_code == 201, r.text
        signal = r.json()
        case_id = signal["case_id"]
        r = await ic.post(
            f"/signals/{signal['signal_id']}/placement-request",
            headers=INTAKE,
            json={"reason": "walk_in_needs_shelter"},
        )
        assert r.status_code == 202, r.text
        p = "/signals/{signal_id}/lead"
        r = await ic.post(
            p.format(signal_id=signal["signal_id"]),
            headers=INTAKE,
            json={
                "reason": "establishment_named",
                "establishment": {
                    "kind": "karaoke_bar",
                    "province": "KH-12",
                    "name": canary("intake", "POST", p, "establishment.name"),
                    "address": canary("intake", "POST", p, "establishment.address"),
                },
                "urgency": "high",
                "persons_reported": 2,
            },
        )
        assert r.status_code == 202, r.text
        # Two leads in one area: investigation links them; one is split off later.
        area = fresh_area()
        for _ in range(2):
            r = await ic.post(
                "/signals",
                headers=INTAKE,
                json={
                    "idempotency_key": uuid.uuid4().hex,
                    "source": "hotline",
                    "urgency": "routine",
                    "needs_shelter": False,
                },
            )
            assert r.status_code == 201, r.text
            r = await ic.post(
                f"/signals/{r.json()['signal_id']}/lead",
                headers=INTAKE,
                json={
                    "reason": "establishment_named",
                    "establishment": {
                        "kind": "massage_parlour",
                        "province": area[0],
                        "district": area[1],
                        "name": canary.extra(),
                        "address": canary.extra(),
                    },
                    "urgency": "routine",
                    "persons_reported": 1,
                },
            )
            assert r.status_code == 202, r.text

        # Investigation: an investigation with a visit, a report, a referral, an operation.
        p = "/investigations"
        r = await vc.post(
            p,
            headers=INVESTIGATOR,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "establishment": {
                    "kind": "brothel",
                    "province": "KH-8",
                    "district": "0811",
                    "address": canary("investigation", "POST", p, "establishment.address"),
                    "operator_names": canary(
                        "investigation", "POST", p, "establishment.operator_names"
                    ),
                },
                "urgency": "high",
            },
        )
        assert r.status_code == 201, r.text
        inv = r.json()["investigation_id"]
        p = "/investigations/{investigation_id}/visits"
        r = await vc.post(
            p.format(investigation_id=inv),
            headers=INVESTIGATOR,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "visited_on": day(-2),
                "investigators": ["u-inv-1"],
                "observations": canary("investigation", "POST", p, "observations"),
            },
        )
        assert r.status_code == 201, r.text

        async def linked_in_area():
            r = await vc.get("/investigations", headers=INVESTIGATOR, params={"limit": 200})
            found = [
                i
                for i in r.json()
                if (i["establishment"]["province"], i["establishment"]["district"]) == area
            ]
            return found[0] if found and len(found[0]["leads"]) == 2 else None

        linked = await wait_until(linked_in_area, what="two leads linked to one investigation")
        p = "/investigations/{investigation_id}/leads/{lead_id}/split"
        r = await vc.post(
            p.format(
                investigation_id=linked["investigation_id"],
                lead_id=linked["leads"][1]["lead_id"],
            ),
            headers=INVESTIGATOR,
            json={
                "reason": "different_establishment",
                "establishment": {
                    "kind": "karaoke_bar",
                    "province": area[0],
                    "district": area[1],
                    "address": canary("investigation", "POST", p, "establishment.address"),
                    "operator_names": canary(
                        "investigation", "POST", p, "establishment.operator_names"
                    ),
                },
            },
        )
        assert r.status_code == 201, r.text
        p = "/reports"
        r = await vc.post(
            p,
            headers=INVESTIGATOR,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "establishment": {
                    "kind": "brothel",
                    "province": "KH-8",
                    "district": "0811",
                    "address": canary("investigation", "POST", p, "establishment.address"),
                    "operator_names": canary(
                        "investigation", "POST", p, "establishment.operator_names"
                    ),
                },
                "visit_dates": [day(-2)],
                "urgency": "high",
                "persons": [
                    {
                        "sex": "female",
                        "approximate_age": 15,
                        "name": canary("investigation", "POST", p, "persons[].name"),
                        "description": canary("investigation", "POST", p, "persons[].description"),
                    }
                ],
            },
        )
        assert r.status_code == 201, r.text
        report = r.json()
        rescued_case = report["persons"][0]["case_id"]
        # A draft of the next report, kept (sealed) through the whole run and opened once.
        p = "/reports/drafts/{draft_id}"
        draft_url = f"/reports/drafts/{uuid.uuid4()}"
        r = await vc.put(
            draft_url,
            headers=INVESTIGATOR,
            json={
                "establishment": {
                    "address": canary("investigation", "PUT", p, "establishment.address"),
                    "operator_names": canary(
                        "investigation", "PUT", p, "establishment.operator_names"
                    ),
                },
                "persons": [
                    {
                        "name": canary("investigation", "PUT", p, "persons[].name"),
                        "description": canary("investigation", "PUT", p, "persons[].description"),
                    }
                ],
            },
        )
        assert r.status_code == 200 and not canary.found_in(r.text), r.text
        r = await vc.get(draft_url, headers=INVESTIGATOR, params={"purpose": "rescue_operation"})
        assert r.status_code == 200 and r.json()["draft"]["persons"][0]["name"] in canary.values
        r = await vc.post(f"/reports/{report['report_id']}/legal-referral", headers=INVESTIGATOR)
        assert r.status_code == 201, r.text
        legal_case = f"/legal/referrals/{r.json()['referral_id']}"
        r = await vc.post(
            f"{legal_case}/milestones",
            headers=LEGAL,
            json={"milestone": "police_engaged", "occurred_on": day(-1)},
        )
        assert r.status_code == 201, r.text
        r = await vc.post(
            f"{legal_case}/operations",
            headers=LEGAL,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "carried_out_on": day(0),
                "outcomes": [{"case_id": rescued_case, "outcome": "rescued"}],
            },
        )
        assert r.status_code == 201, r.text

        # Recovery: the walk-in admitted with her identity, cared for, trained, handed on.
        async def queued(case: str):
            r = await rc.get("/admission-requests", headers=CENTRE)
            return [q for q in r.json() if q["case_id"] == case]

        await wait_until(lambda: queued(case_id), within=30, what="the walk-in reaches recovery")
        await wait_until(lambda: queued(rescued_case), within=30, what="the rescued reaches it")
        p = "/admissions"
        r = await rc.post(
            p,
            headers=CENTRE,
            json={
                "case_id": case_id,
                "centre": "TD",
                "informed_consent": True,
                "house_rules_accepted": True,
                "consent_given_on": day(0),
                "identity": {
                    f: canary("recovery", "POST", p, f"identity.{f}")
                    for f in ("name", "aliases", "birth_date", "family_contacts", "village")
                },
            },
        )
        assert r.status_code == 201, r.text
        base = f"/residents/{case_id}"
        for p, body in (
            (
                "/residents/{case_id}/assessments",
                {"kind": "medical", "assessed_on": day(0), "assessor_role": "doctor"},
            ),
            (
                "/residents/{case_id}/care-plan/goals",
                {"area": "vocational", "review_on": day(30)},
            ),
            (
                "/residents/{case_id}/internships",
                {"trade": "sewing_garment_factory", "started_on": day(-20), "ends_on": day(-6)},
            ),
            ("/residents/{case_id}/children", {"in_childcare": True}),
            (
                "/residents/{case_id}/legal-assistance",
                {"kind": "identity_documents", "urgency": "high"},
            ),
        ):
            fields = sorted(f for (s, m, q, f) in expected if (s, m, q) == ("recovery", "POST", p))
            r = await rc.post(
                p.format(case_id=case_id),
                headers=CENTRE,
                json={**body, **{f: canary("recovery", "POST", p, f) for f in fields}},
            )
            assert r.status_code == 201, (p, r.text)
        r = await rc.post(
            f"{base}/reintegration-handoff",
            headers=CENTRE,
            json={"skills": ["sewing_garment_factory"], "wishes_to_return_home": True},
        )
        assert r.status_code == 202, r.text

        # Reintegration: traced, assessed, resettled, visited.
        async def handed_on():
            return (await gc.get(f"/cases/{case_id}", headers=REINTEGRATION)).status_code == 200

        await wait_until(handed_on, within=30, what="the hand-off reaches reintegration")
        p = "/cases/{case_id}/family-contacts"
        r = await gc.post(
            p.format(case_id=case_id),
            headers=REINTEGRATION,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "kind": "tracing_attempt",
                "happened_on": day(-12),
                "result": "found",
                "details": canary("reintegration", "POST", p, "details"),
            },
        )
        assert r.status_code == 201, r.text
        p = "/cases/{case_id}/assessments"
        r = await gc.post(
            p.format(case_id=case_id),
            headers=REINTEGRATION,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "assessed_on": day(-11),
                "her_wish": "reunification",
                "market_opportunities": "good",
                "family_conditions": "good",
                "skills_fit": True,
                "wants_business": True,
                "business_kind": "sewing_shop",
                "business_market": "good",
                "notes": canary("reintegration", "POST", p, "notes"),
            },
        )
        assert r.status_code == 201, r.text
        r = await gc.post(
            f"/cases/{case_id}/resettlement",
            headers=REINTEGRATION,
            json={"plan": "reunification", "resettled_on": day(-10)},
        )
        assert r.status_code == 201, r.text
        p = "/cases/{case_id}/visits/{visit_no}"
        r = await gc.post(
            p.format(case_id=case_id, visit_no=1),
            headers=REINTEGRATION,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "visited_on": day(0),
                "by_role": "social_worker",
                "outcomes": ["business_running"],
                "notes": canary("reintegration", "POST", p, "notes"),
            },
        )
        assert r.status_code == 201, r.text

        # Organisations' names are typed text too, so sealed (each under its own key).
        p = "/centres/{code}"
        r = await rc.put(
            "/centres/CNRY",
            headers=ADMIN_A,
            json={"name": canary("recovery", "PUT", p, "name"), "province": "KH-12", "capacity": 2},
        )
        assert r.status_code == 200, r.text
        p = "/partners/{code}"
        r = await gc.put(
            "/partners/VN_CNRY",
            headers=ADMIN_A,
            json={
                "kind": "ngo",
                "country": "VN",
                "name": canary("reintegration", "PUT", p, "name"),
            },
        )
        assert r.status_code == 201, r.text

        # Bad requests whose bodies or paths carry personal values: 4xx, echoing nothing.
        for c, method, path, headers, body in (
            (
                ic,
                "POST",
                "/signals",
                INTAKE,
                {"idempotency_key": "x" * 9, "name": canary.extra() * 11},
            ),
            (ic, "GET", f"/signals/{canary.extra()}/person?purpose=care", INTAKE, None),
            (
                rc,
                "POST",
                "/admissions",
                CENTRE,
                {"case_id": canary.extra(), "identity": {"birth_date": canary.extra() * 2}},
            ),
            (
                gc,
                "POST",
                f"/cases/{case_id}/visits/1",
                REINTEGRATION,
                {"visited_on": canary.extra(), canary.extra(): canary.extra()},
            ),
            (
                vc,
                "POST",
                "/reports",
                INVESTIGATOR,
                {"persons": [{"sex": canary.extra(), "name": canary.extra()}]},
            ),
            (ic, "POST", "/erasures", ADMIN_A, {"case_id": case_id, "reason": canary.extra()}),
        ):
            r = await c.request(method, path, headers=headers, json=body)
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text)

        # Before erasure her fields open, with a purpose; so do the rescued woman's.
        r = await rc.get(f"{base}/identity", headers=CENTRE, params={"purpose": "care"})
        assert r.status_code == 200 and r.json()["name"] in canary.values
        figures_before = (await gc.get(f"/figures/{TODAY.year}", headers=MANAGER)).json()

        # Erasure: admin A asks, A cannot approve, B approves.
        r = await ic.post(
            "/erasures", headers=ADMIN_A, json={"case_id": case_id, "reason": "survivor_request"}
        )
        assert r.status_code == 201, r.text
        erasure = r.json()
        assert erasure["status"] == "pending"
        for who, expected_status in ((CENTRE, 403), (ADMIN_A, 403)):
            r = await ic.post(f"/erasures/{erasure['erasure_id']}/approve", headers=who)
            assert r.status_code == expected_status, r.text
        r = await ic.post(f"/erasures/{erasure['erasure_id']}/approve", headers=ADMIN_B)
        assert r.status_code == 200 and r.json()["status"] == "approved", r.text

        admin = await asyncpg.connect(database.admin_dsn)
        try:

            async def shredded_everywhere():
                n = 0
                for schema in SERVICES:
                    n += await admin.fetchval(
                        f"SELECT count(*) FROM {schema}.case_keys"
                        " WHERE case_id = $1 AND destroyed_at IS NOT NULL AND wrapped_key IS NULL",
                        uuid.UUID(case_id),
                    )
                return n == len(SERVICES)

            await wait_until(shredded_everywhere, within=30, what="every service shreds her keys")

            # Her personal fields: 410 Gone in every service that held them.
            for c, path, headers, purpose in (
                (ic, f"/signals/{signal['signal_id']}/person", INTAKE, "care"),
                (rc, f"{base}/identity", CENTRE, "care"),
                (rc, f"{base}/assessments", CENTRE, "medical"),
                (rc, f"{base}/children", CENTRE, "care"),
                (gc, f"/cases/{case_id}/assessment/notes", REINTEGRATION, "family_tracing"),
                (gc, f"/cases/{case_id}/visits/1/notes", REINTEGRATION, "care"),
            ):
                r = await c.get(path, headers=headers, params={"purpose": purpose})
                assert r.status_code == 410 and r.json()["error"] == "erased", (path, r.text)
            # ... while the non-personal history and the figures stay.
            r = await gc.get(f"/cases/{case_id}", headers=REINTEGRATION)
            assert r.status_code == 200 and r.json()["stage"] == "resettled"
            r = await rc.get(base, headers=CENTRE)
            assert r.status_code == 200, r.text
            r = await gc.get(f"/figures/{TODAY.year}", headers=MANAGER)
            assert r.json() == figures_before
            assert (await dc.get("/live", headers=MANAGER)).status_code == 200
            # Nothing new can be sealed for her, and she is not erased twice.
            r = await gc.post(
                f"/cases/{case_id}/family-contacts",
                headers=REINTEGRATION,
                json={
                    "idempotency_key": uuid.uuid4().hex,
                    "kind": "family_visit",
                    "happened_on": day(0),
                    "details": "anything",
                },
            )
            assert r.status_code == 410, r.text
            r = await ic.post(
                "/erasures", headers=ADMIN_B, json={"case_id": case_id, "reason": "court_order"}
            )
            assert r.status_code == 409, r.text
            # The rescued woman was not erased.
            r = await vc.get(
                f"/reports/{report['report_id']}/persons/{rescued_case}/identity",
                headers=INVESTIGATOR,
                params={"purpose": "rescue_operation"},
            )
            assert r.status_code == 200 and r.json()["name"] in canary.values, r.text

            for schema in SERVICES:
                actions = [
                    row["action"]
                    for row in await admin.fetch(
                        f"SELECT action FROM {schema}.audit WHERE case_id = $1",
                        uuid.UUID(case_id),
                    )
                ]
                assert "case_keys_destroyed" in actions, schema
                assert await verify_audit_chain(admin, schema) > 0

            # Every table column: ciphertext only (plain text or its hex never appears).
            leaks = []
            for schema in SERVICES:
                for (table,) in await admin.fetch(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
                    schema,
                ):
                    for value in canary.values:
                        hit = await admin.fetchval(
                            f"SELECT count(*) FROM {schema}.{table} t WHERE strpos(t::text, $1) > 0"
                            " OR strpos(t::text, encode(convert_to($1, 'UTF8'), 'hex')) > 0",
                            value,
                        )
                        if hit:
                            leaks.append(f"{schema}.{table}")
            assert not leaks, f"plain personal values in {sorted(set(leaks))}"
        finally:
            await admin.close()

        # Every outbox published, so that the topics hold everything the services wrote.
        async def drained():
            conn = await asyncpg.connect(database.admin_dsn)
            try:
                return all([(await outbox_backlog(conn, schema))[0] == 0 for schema in SERVICES])
            finally:
                await conn.close()

        await wait_until(drained, within=30, what="every outbox published")
        names, records = await every_record(database.infra.kafka_bootstrap_servers, topics.prefix)

    # Every personal input of every API was planted (a new personal field must be added here).
    planted_inputs = {k for k in canary.planted if k[0] != "-"}
    assert planted_inputs == expected, (
        f"not planted: {sorted(expected - planted_inputs)};"
        f" unknown: {sorted(planted_inputs - expected)}"
    )
    leaf_names = {f.rsplit(".", 1)[-1].removesuffix("[]") for (_, _, _, f) in expected}
    assert registered_personal_names() - leaf_names <= NOT_AN_API_NAME, (
        registered_personal_names() - leaf_names
    )

    assert any(t.endswith(".dlq") for t in names) and topics.erasure_approved in names
    assert len(records) > 15
    erasure_events = [r for r in records if r.topic == topics.erasure_approved]
    assert [json.loads(r.value)["payload"]["erasure_id"] for r in erasure_events] == [
        erasure["erasure_id"]
    ]
    in_kafka = set()
    for r in records:
        for blob in (r.value or b"", r.key or b"", *(v for _, v in r.headers)):
            in_kafka |= canary.found_in(blob)
    assert not in_kafka, "personal values on Kafka"

    in_errors = {(code, url) for code, url, body in errors if canary.found_in(body)}
    assert not in_errors, f"personal values echoed in error responses: {in_errors}"
    assert len(errors) >= 6

    out, err = capfd.readouterr()
    logs = out + err
    assert logs.count("\n") > 50, "the services logged (at DEBUG) while planting"
    assert not canary.found_in(logs), "personal values in the logs"
