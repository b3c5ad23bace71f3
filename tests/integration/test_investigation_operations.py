"""Rescue operations and the legal track over the real broker and database: the hand-off
investigation -> recovery (``investigation.person_rescued``) as recovery will read it."""

import asyncio
import json
import uuid
from datetime import date, timedelta

import asyncpg
import httpx
import pytest
from homeward_investigation.bootstrap import bootstrap
from homeward_investigation.settings import InvestigationSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_shared.contracts import PersonRescued
from homeward_shared.envelope import parse_envelope
from homeward_shared.outbox import outbox_backlog
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.uow import verify_audit_chain

pytestmark = pytest.mark.integration
INVESTIGATOR = as_user("u-inv-1", "investigator")
LEGAL = as_user("u-legal-1", "legal")
CANARY = "Chanthou-canary-9b2e"
TODAY = date.today()


def three_persons() -> dict:
    person = {"sex": "female", "nationality": "KH", "language": "km"}
    return {
        "idempotency_key": uuid.uuid4().hex,
        "establishment": {
            "kind": "brothel",
            "province": "KH-8",
            "district": "0811",
            "address": f"{CANARY} behind the market",
            "operator_names": f"{CANARY} the owner",
        },
        "visit_dates": [str(TODAY - timedelta(days=12))],
        "urgency": "high",
        "persons": [
            {**person, "approximate_age": 14, "indicators": ["apparent_minor"], "name": CANARY},
            {**person, "approximate_age": 22, "indicators": ["debt_bondage"]},
            {**person, "approximate_age": 25, "description": f"{CANARY} green scarf"},
        ],
    }


async def referred(c: httpx.AsyncClient) -> tuple[dict, dict]:
    r = await c.post("/reports", headers=INVESTIGATOR, json=three_persons())
    assert r.status_code == 201, r.text
    report = r.json()
    r = await c.post(f"/reports/{report['report_id']}/legal-referral", headers=INVESTIGATOR)
    assert r.status_code == 201, r.text
    return report, r.json()


def milestone(name: str, days_ago: int, **extra) -> dict:
    return {"milestone": name, "occurred_on": str(TODAY - timedelta(days=days_ago)), **extra}


async def _drained(conn: asyncpg.Connection) -> bool:
    unpublished, _ = await outbox_backlog(conn, "investigation")
    return unpublished == 0


async def test_an_operation_hands_two_rescued_to_recovery_and_leaves_one_not_found(
    database, topics
):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    async with (
        running(investigation, recovery),
        TopicReader(
            database.infra.kafka_bootstrap_servers, [topics.person_rescued, topics.stage_changed]
        ) as reader,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(investigation.app), base_url="http://t"
        ) as c,
    ):
        report, referral = await referred(c)
        cases = [p["case_id"] for p in report["persons"]]
        legal_case = f"/legal/referrals/{referral['referral_id']}"

        r = await c.post(f"{legal_case}/milestones", headers=LEGAL, json=milestone("verdict", 0))
        assert r.status_code == 409, r.text
        assert "trial_opened first" in r.json()["detail"]
        body = {
            "idempotency_key": uuid.uuid4().hex,
            "carried_out_on": str(TODAY - timedelta(days=1)),
            "outcomes": [
                {"case_id": cases[0], "outcome": "rescued", "children_with_her": 1},
                {"case_id": cases[1], "outcome": "rescued", "medical_urgency": True},
                {"case_id": cases[2], "outcome": "not_found"},
            ],
        }
        r = await c.post(f"{legal_case}/operations", headers=LEGAL, json=body)
        assert r.status_code == 409 and "police_engaged" in r.json()["detail"], r.text

        r = await c.post(
            f"{legal_case}/milestones", headers=LEGAL, json=milestone("police_engaged", 4)
        )
        assert r.status_code == 201, r.text
        retries = await asyncio.gather(
            *(c.post(f"{legal_case}/operations", headers=LEGAL, json=body) for _ in range(3))
        )
        assert sorted(r.status_code for r in retries) == [200, 200, 201], [r.text for r in retries]
        [operation_id] = {r.json()["operation_id"] for r in retries}

        # The same outcome again, as a client that lost the response would send it.
        r = await c.post(
            f"/legal/operations/{operation_id}/outcomes",
            headers=LEGAL,
            json={
                "outcomes": [{"case_id": cases[0], "outcome": "rescued", "children_with_her": 1}]
            },
        )
        assert r.status_code == 200, r.text
        r = await c.post(
            f"/legal/operations/{operation_id}/outcomes",
            headers=LEGAL,
            json={"outcomes": [{"case_id": cases[2], "outcome": "rescued"}]},
        )
        assert r.status_code == 409, r.text

        r = await c.get(legal_case, headers=LEGAL)
        assert r.status_code == 200, r.text
        track = r.json()
        assert [(m["milestone"], m["recorded_by"]) for m in track["milestones"]] == [
            ("police_engaged", "legal:u-legal-1"),
            ("operation_carried_out", "legal:u-legal-1"),
        ]
        assert [o["outcome"] for o in track["operations"][0]["outcomes"]] == [
            "rescued",
            "rescued",
            "not_found",
        ]
        r = await c.get(f"/reports/{report['report_id']}", headers=LEGAL)
        assert [p["stage"] for p in r.json()["persons"]] == ["rescued", "rescued", "not_found"]

        # A later operation finds her.
        r = await c.post(
            f"{legal_case}/operations",
            headers=LEGAL,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "carried_out_on": str(TODAY),
                "outcomes": [{"case_id": cases[2], "outcome": "rescued"}],
            },
        )
        assert r.status_code == 201, r.text
        later = r.json()["operation_id"]

        async with investigation.pool.acquire() as conn:
            await wait_until(lambda: _drained(conn), what="the outbox published")
        handoffs = await reader.wait_for(topics.person_rescued, 3)
        stages = await reader.wait_for(topics.stage_changed, 3 * 2 + 4)

        # Recovery receives each rescued woman once: her admission request waits for staff.
        async def received():
            async with recovery.pool.acquire() as rconn:
                rows = await rconn.fetch(
                    "SELECT case_id, proposed_centre FROM recovery.admission_requests"
                    " WHERE case_id = ANY($1::uuid[])",
                    [uuid.UUID(c) for c in cases],
                )
            return rows if len(rows) == 3 else None

        queued = {str(r["case_id"]): r["proposed_centre"] for r in await wait_until(received)}
        assert set(queued) == set(cases)
        # An apparent minor with a child: no centre has both, and the queue says so.
        assert queued[cases[0]] is None and queued[cases[1]] is not None

    by_case = {}
    for rec in handoffs:
        env = parse_envelope(rec.value, PersonRescued)
        assert rec.key == str(env.case_id).encode(), "keyed by her case id"
        assert env.producer == "investigation"
        assert env.correlation_id == uuid.UUID(report["report_id"])
        by_case[str(env.case_id)] = env.payload
        raw = rec.value + rec.key + b"".join(k.encode() + v for k, v in rec.headers)
        assert CANARY.encode() not in raw
    assert len(handoffs) == 3, "one hand-off per rescued person, none for a repeat"
    assert by_case[cases[0]].apparent_minor and by_case[cases[0]].children_with_her == 1
    assert by_case[cases[0]].operation_id == uuid.UUID(operation_id)
    assert by_case[cases[1]].urgency == "immediate" and not by_case[cases[1]].apparent_minor
    assert by_case[cases[2]].operation_id == uuid.UUID(later)
    assert [p["case_number"] for p in report["persons"]] == [by_case[c].case_number for c in cases]

    third = [json.loads(s.value)["payload"] for s in stages if s.key == cases[2].encode()]
    assert [s["stage"] for s in third] == [
        "identified",
        "referred_to_legal",
        "not_found",
        "rescued",
    ]
    for s in stages:
        assert CANARY.encode() not in s.value

    conn = await asyncpg.connect(database.dsn("investigation"))
    try:
        assert await verify_audit_chain(conn, "investigation") > 0
        outcomes = await conn.fetch(
            "SELECT case_id, outcome FROM investigation.rescue_outcomes"
            " WHERE case_id = ANY($1::uuid[]) ORDER BY recorded_at",
            [uuid.UUID(c) for c in cases],
        )
    finally:
        await conn.close()
    assert sorted((str(o["case_id"]), o["outcome"]) for o in outcomes) == sorted(
        [
            (cases[0], "rescued"),
            (cases[1], "rescued"),
            (cases[2], "not_found"),
            (cases[2], "rescued"),
        ]
    )


async def test_the_legal_track_to_a_verdict_in_order_once_each(database, topics):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    async with (
        running(investigation),
        TopicReader(
            database.infra.kafka_bootstrap_servers, [topics.legal_milestone_recorded]
        ) as reader,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(investigation.app), base_url="http://t"
        ) as c,
    ):
        report, referral = await referred(c)
        legal_case = f"/legal/referrals/{referral['referral_id']}"
        post = f"{legal_case}/milestones"

        r = await c.post(post, headers=LEGAL, json=milestone("operation_carried_out", 1))
        assert r.status_code == 422, "the operation step is the operation itself"
        r = await c.post(post, headers=LEGAL, json=milestone("police_engaged", -5))
        assert r.status_code == 422 and "occurred_on" in r.text
        r = await c.post(post, headers=INVESTIGATOR, json=milestone("police_engaged", 30))
        assert r.status_code == 403
        r = await c.post(post, headers=LEGAL, json=milestone("police_engaged", 30))
        assert r.status_code == 201, r.text
        r = await c.post(
            f"{legal_case}/operations",
            headers=INVESTIGATOR,
            json={"idempotency_key": uuid.uuid4().hex, "carried_out_on": str(TODAY)},
        )
        assert r.status_code == 201, r.text
        charges = milestone("charges_filed", 0, accused_count=2)
        concurrent = await asyncio.gather(
            *(c.post(post, headers=LEGAL, json=charges) for _ in range(3))
        )
        assert sorted(r.status_code for r in concurrent) == [200, 200, 201]
        r = await c.post(post, headers=LEGAL, json={**charges, "accused_count": 3})
        assert r.status_code == 409
        r = await c.post(post, headers=LEGAL, json=milestone("trial_opened", 0))
        assert r.status_code == 201, r.text
        r = await c.post(
            post,
            headers=as_user("u-legal-2", "legal"),
            json=milestone(
                "verdict",
                0,
                verdicts=[
                    {"verdict": "convicted", "sentence_months": 180},
                    {"verdict": "acquitted"},
                ],
            ),
        )
        assert r.status_code == 201, r.text
        track = r.json()["milestones"]
        assert [m["milestone"] for m in track] == [
            "police_engaged",
            "operation_carried_out",
            "charges_filed",
            "trial_opened",
            "verdict",
        ]
        assert track[-1]["recorded_by"] == "legal:u-legal-2"
        assert track[-1]["verdicts"][0] == {"verdict": "convicted", "sentence_months": 180}

        r = await c.post(f"{legal_case}/assign", headers=LEGAL, json={"assignee": "u-legal-9"})
        assert r.status_code == 200 and r.json()["assigned_to"] == "u-legal-9"
        assert r.json()["acknowledged_by"] == "legal:u-legal-1"
        r = await c.get("/legal/referrals", headers=LEGAL, params={"assigned_to": "u-legal-9"})
        assert [x["referral_id"] for x in r.json()] == [referral["referral_id"]]

        r = await c.post(
            f"/legal/referrals/{uuid.uuid4()}/operations",
            headers=LEGAL,
            json={"idempotency_key": uuid.uuid4().hex, "carried_out_on": str(TODAY)},
        )
        assert r.status_code == 404

        async with investigation.pool.acquire() as conn:
            rows = await conn.fetchval(
                "SELECT count(*) FROM investigation.legal_milestones WHERE referral_id = $1",
                uuid.UUID(referral["referral_id"]),
            )
            audited = await conn.fetchval(
                "SELECT count(*) FROM investigation.audit"
                " WHERE action = 'legal_milestone_recorded' AND case_id = ANY($1::uuid[])",
                [uuid.UUID(p["case_id"]) for p in report["persons"]],
            )
            await wait_until(lambda: _drained(conn), what="the outbox published")
        feed = await reader.wait_for(topics.legal_milestone_recorded, 5)
    steps = [json.loads(r.value) for r in feed]
    assert {r.key for r in feed} == {referral["referral_id"].encode()}
    assert [s["payload"]["milestone"] for s in steps] == [m["milestone"] for m in track]
    assert steps[-1]["payload"] | {"occurred_on": None} == {
        "referral_id": referral["referral_id"],
        "milestone": "verdict",
        "occurred_on": None,
        "persons_concerned": 3,
        "accused_count": None,
        "convicted": 1,
        "acquitted": 1,
        "dismissed": 0,
    }
    assert rows == 5 and audited == 5 * 3


async def test_two_operations_racing_to_rescue_her_rescue_her_once(database, topics):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    async with (
        running(investigation),
        TopicReader(database.infra.kafka_bootstrap_servers, [topics.person_rescued]) as reader,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(investigation.app), base_url="http://t"
        ) as c,
    ):
        report, referral = await referred(c)
        her = report["persons"][0]["case_id"]
        legal_case = f"/legal/referrals/{referral['referral_id']}"
        r = await c.post(
            f"{legal_case}/milestones", headers=LEGAL, json=milestone("police_engaged", 2)
        )
        assert r.status_code == 201, r.text
        r = await c.post(
            f"{legal_case}/operations",
            headers=LEGAL,
            json={"idempotency_key": uuid.uuid4().hex, "carried_out_on": str(TODAY)},
        )
        empty = r.json()["operation_id"]
        rescued = {"case_id": her, "outcome": "rescued"}
        racing = await asyncio.gather(
            *(
                c.post(
                    f"{legal_case}/operations",
                    headers=LEGAL,
                    json={
                        "idempotency_key": uuid.uuid4().hex,
                        "carried_out_on": str(TODAY),
                        "outcomes": [rescued],
                    },
                )
                for _ in range(3)
            ),
            *(
                c.post(
                    f"/legal/operations/{empty}/outcomes",
                    headers=LEGAL,
                    json={"outcomes": [rescued]},
                )
                for _ in range(3)
            ),
        )
        codes = [r.status_code for r in racing]
        # One wins. A new operation that lost is refused; the same outcome again on the
        # operation that won is a no-op (200), on one that lost it is refused.
        assert set(codes) <= {200, 201, 409} and codes[:3].count(201) <= 1, codes
        assert codes.count(409) >= 3, codes

        async with investigation.pool.acquire() as conn:
            await wait_until(lambda: _drained(conn), what="the outbox published")
            rescues = await conn.fetchval(
                "SELECT count(*) FROM investigation.rescue_outcomes"
                " WHERE case_id = $1 AND outcome = 'rescued'",
                uuid.UUID(her),
            )
            published = await conn.fetchval(
                "SELECT count(*) FROM investigation.outbox WHERE topic = $1",
                topics.person_rescued,
            )
        handoffs = await reader.wait_for(topics.person_rescued, 1)
    assert rescues == 1 and published == 1
    assert [h.key for h in handoffs] == [her.encode()]


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(database, topics):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    async with (
        running(investigation),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(investigation.app), base_url="http://t"
        ) as c,
    ):
        good = three_persons()
        person = good["persons"][1]
        bad = {
            "persons": {**good, "persons": []},
            "approximate_age": {**good, "persons": [{**person, "approximate_age": 101}]},
            "indicators": {**good, "persons": [{**person, "indicators": ["tattoo"]}]},
            "visit_dates": {**good, "visit_dates": [str(TODAY + timedelta(days=5))]},
        }
        for field, body in bad.items():
            r = await c.post("/reports", headers=INVESTIGATOR, json=body)
            assert r.status_code == 422, (field, r.text)
            assert field in r.text, (field, r.text)
            assert CANARY not in r.text
        async with investigation.pool.acquire() as conn:
            written = await conn.fetchval(
                "SELECT count(*) FROM investigation.reports WHERE idempotency_key = $1",
                good["idempotency_key"],
            )
    assert written == 0
