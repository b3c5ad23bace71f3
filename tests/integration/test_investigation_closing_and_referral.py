"""Issue 4 over the real broker and database: a report with three persons makes three
cases and exactly one referral event; investigations are closed with a reason and refuse
new work; a wrongly linked lead is split off into an investigation of its own."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from homeward_investigation.bootstrap import bootstrap
from homeward_investigation.settings import InvestigationSettings
from homeward_shared.contracts import LeadReported
from homeward_shared.contracts.handoffs import EstablishmentKind, Urgency
from homeward_shared.envelope import Envelope
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import fresh_area

pytestmark = pytest.mark.integration
INVESTIGATOR = as_user("u-inv-1", "investigator")
LEGAL = as_user("u-legal-1", "legal")
CANARY = "Sokha-canary-31ae"
TODAY = date.today()


def client(service) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(service.app), base_url="http://t")


def three_persons(**where) -> dict:
    person = {"sex": "female", "nationality": "KH", "language": "km"}
    return {
        "idempotency_key": uuid.uuid4().hex,
        **where,
        "visit_dates": [str(TODAY - timedelta(days=4))],
        "urgency": "high",
        "persons": [
            {**person, "approximate_age": 15, "indicators": ["apparent_minor"], "name": CANARY},
            {**person, "approximate_age": 21, "indicators": ["debt_bondage", "confinement"]},
            {**person, "approximate_age": 24, "description": f"{CANARY} blue shirt"},
        ],
    }


async def test_a_report_with_three_persons_makes_three_cases_and_one_referral_event(
    database, topics
):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    async with (
        running(investigation),
        TopicReader(
            database.infra.kafka_bootstrap_servers,
            [topics.stage_changed, topics.legal_referral_issued],
        ) as reader,
        client(investigation) as c,
    ):
        body = three_persons(
            establishment={
                "kind": "brothel",
                "province": "KH-12",
                "district": "1207",
                "address": f"{CANARY} lane 3",
            }
        )
        r = await c.post("/reports", headers=INVESTIGATOR, json=body)
        assert r.status_code == 201, r.text
        report = r.json()
        case_ids = [p["case_id"] for p in report["persons"]]
        assert len(set(case_ids)) == 3
        for expected in (201, 200):
            r = await c.post(f"/reports/{report['report_id']}/legal-referral", headers=INVESTIGATOR)
            assert r.status_code == expected, r.text
        referral = r.json()

        def referred(records):
            mine = [json.loads(x.value) for x in records]
            return [e for e in mine if e["payload"].get("stage") == "referred_to_legal"]

        await wait_until(
            lambda: len(referred(reader.on(topics.stage_changed))) >= 3,
            what="three referred_to_legal stage events",
        )
        await reader.wait_for(topics.legal_referral_issued, 1)

        # The outbox is the only way onto the topic (idempotent producer): one row there
        # means one event on the topic, however long we waited. The relay marks a row after
        # the broker confirms it, so a reader may see the event before the mark.
        async def marked():
            async with investigation.pool.acquire() as conn:
                rows = await conn.fetch(
                    "SELECT aggregate_id, published_at IS NOT NULL AS published"
                    " FROM investigation.outbox WHERE topic = $1",
                    topics.legal_referral_issued,
                )
            return rows if rows and all(x["published"] for x in rows) else None

        outbox = await wait_until(marked, what="the referral's outbox row marked published")
        assert [(str(x["aggregate_id"]), x["published"]) for x in outbox] == [
            (report["report_id"], True)
        ]
        stages = referred(reader.on(topics.stage_changed))
        [event] = reader.on(topics.legal_referral_issued)

    assert sorted(e["case_id"] for e in stages) == sorted(case_ids)
    assert all(e["payload"]["previous_stage"] == "identified" for e in stages)
    env = json.loads(event.value)
    assert event.key == report["report_id"].encode()
    assert env["case_id"] == report["report_id"] and env["schema_version"] == 2
    assert env["correlation_id"] == report["report_id"]
    assert env["payload"] == {
        "referral_id": referral["referral_id"],
        "report_id": report["report_id"],
        "establishment_id": report["establishment"]["establishment_id"],
        "case_ids": case_ids,
        "urgency": "high",
        "indicators": ["apparent_minor", "confinement", "debt_bondage"],
    }
    for rec in [event, *reader.on(topics.stage_changed)]:
        raw = rec.value + rec.key + b"".join(k.encode() + v for k, v in rec.headers)
        assert CANARY.encode() not in raw


async def test_closing_an_investigation_answers_409_while_an_operation_is_in_progress(
    database, topics
):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    async with running(investigation), client(investigation) as c:
        r = await c.post(
            "/investigations",
            headers=INVESTIGATOR,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "establishment": {"kind": "club", "province": "KH-7", "district": "0701"},
                "urgency": "high",
            },
        )
        assert r.status_code == 201, r.text
        inv = r.json()["investigation_id"]
        r = await c.post("/reports", headers=INVESTIGATOR, json=three_persons(investigation_id=inv))
        assert r.status_code == 201, r.text
        report = r.json()
        r = await c.post(f"/reports/{report['report_id']}/legal-referral", headers=INVESTIGATOR)
        referral = r.json()["referral_id"]
        r = await c.post(
            f"/legal/referrals/{referral}/milestones",
            headers=LEGAL,
            json={"milestone": "police_engaged", "occurred_on": str(TODAY - timedelta(days=2))},
        )
        assert r.status_code == 201, r.text

        close = f"/investigations/{inv}/close"
        r = await c.post(close, headers=INVESTIGATOR, json={"reason": "not_a_reason"})
        assert r.status_code == 422 and "reason" in r.text
        r = await c.post(close, headers=LEGAL, json={"reason": "operation_completed"})
        assert r.status_code == 403
        r = await c.post(close, headers=INVESTIGATOR, json={"reason": "operation_completed"})
        assert r.status_code == 409 and "operation in progress" in r.text, r.text

        r = await c.post(
            f"/legal/referrals/{referral}/operations",
            headers=LEGAL,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "carried_out_on": str(TODAY - timedelta(days=1)),
                "outcomes": [
                    {"case_id": p["case_id"], "outcome": "rescued"} for p in report["persons"]
                ],
            },
        )
        assert r.status_code == 201, r.text
        r = await c.post(close, headers=INVESTIGATOR, json={"reason": "operation_completed"})
        assert r.status_code == 200, r.text
        assert r.json()["close_reason"] == "operation_completed"
        assert r.json()["closed_by"] == "investigator:u-inv-1"
        r = await c.post(close, headers=INVESTIGATOR, json={"reason": "other"})
        assert r.status_code == 409 and "closed already" in r.text

        r = await c.post(
            f"/investigations/{inv}/visits",
            headers=INVESTIGATOR,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "visited_on": str(TODAY),
                "investigators": ["u-inv-1"],
            },
        )
        assert r.status_code == 409 and "operation_completed" in r.text, r.text
        r = await c.post("/reports", headers=INVESTIGATOR, json=three_persons(investigation_id=inv))
        assert r.status_code == 409 and "cannot file a report" in r.text
        r = await c.get("/investigations", headers=INVESTIGATOR, params={"limit": 200})
        assert inv not in [i["investigation_id"] for i in r.json()]
        r = await c.post(
            f"/investigations/{uuid.uuid4()}/close", headers=INVESTIGATOR, json={"reason": "other"}
        )
        assert r.status_code == 404

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        closed = await conn.fetch(
            "SELECT actor, detail FROM investigation.audit WHERE action = 'investigation_closed'"
            " AND detail->>'investigation_id' = $1",
            inv,
        )
    finally:
        await conn.close()
    assert [(x["actor"], json.loads(x["detail"])["reason"]) for x in closed] == [
        ("investigator:u-inv-1", "operation_completed")
    ]


def lead(area: tuple[str, str], urgency: Urgency) -> Envelope[LeadReported]:
    province, district = area
    lead_id = uuid.uuid4()
    return Envelope.wrap(
        LeadReported(
            lead_id=lead_id,
            establishment_kind=EstablishmentKind.KARAOKE_BAR,
            province=province,
            district=district,
            urgency=urgency,
            persons_reported=2,
        ),
        case_id=lead_id,
        producer="intake",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )


async def test_a_wrongly_linked_lead_is_split_off_into_its_own_investigation(database, topics):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    here = fresh_area()
    first, wrong = lead(here, Urgency.ROUTINE), lead(here, Urgency.HIGH)
    producer = AIOKafkaProducer(
        bootstrap_servers=database.infra.kafka_bootstrap_servers, acks="all"
    )
    await producer.start()
    try:
        for env in (first, wrong):
            # One key: the same partition, consumed in order.
            await producer.send_and_wait(
                topics.lead_reported,
                env.model_dump_json().encode(),
                key=str(first.payload.lead_id).encode(),
            )
    finally:
        await producer.stop()

    async with running(investigation), client(investigation) as c:

        async def both_linked():
            r = await c.get("/investigations", headers=INVESTIGATOR, params={"limit": 200})
            found = [
                i
                for i in r.json()
                if (i["establishment"]["province"], i["establishment"]["district"]) == here
            ]
            return found[0] if found and len(found[0]["leads"]) == 2 else None

        source = await wait_until(both_linked, what="two leads linked to one investigation")
        split = f"/investigations/{source['investigation_id']}/leads/{wrong.payload.lead_id}/split"
        body = {
            "reason": "different_establishment",
            "establishment": {
                "kind": "karaoke_bar",
                "province": here[0],
                "district": here[1],
                "address": f"{CANARY} corner of 1986 street",
            },
        }
        r = await c.post(split, headers=LEGAL, json=body)
        assert r.status_code == 403
        r = await c.post(split, headers=INVESTIGATOR, json={"reason": "because"})
        assert r.status_code == 422
        r = await c.post(split, headers=INVESTIGATOR, json=body)
        assert r.status_code == 201, r.text
        new = r.json()
        assert new["origin"] == "split" and new["urgency"] == "high"
        assert [x["lead_id"] for x in new["leads"]] == [str(wrong.payload.lead_id)]
        assert CANARY not in r.text
        r = await c.post(split, headers=INVESTIGATOR, json=body)
        assert r.status_code == 200 and r.json()["investigation_id"] == new["investigation_id"]

        r = await c.get(f"/investigations/{source['investigation_id']}", headers=INVESTIGATOR)
        assert [x["lead_id"] for x in r.json()["leads"]] == [str(first.payload.lead_id)]
        only = f"/investigations/{new['investigation_id']}/leads/{wrong.payload.lead_id}/split"
        r = await c.post(only, headers=INVESTIGATOR, json={"reason": "other"})
        assert r.status_code == 409 and "only lead" in r.text
        # Joining the right one: back where it came from, which is open.
        r = await c.post(
            only,
            headers=INVESTIGATOR,
            json={"reason": "other", "into_investigation_id": source["investigation_id"]},
        )
        assert r.status_code == 201 and len(r.json()["leads"]) == 2

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        splits = await conn.fetch(
            "SELECT actor, detail FROM investigation.audit WHERE action = 'lead_split'"
            " AND detail->>'lead_id' = $1 ORDER BY seq",
            str(wrong.payload.lead_id),
        )
        audit_dump = await conn.fetchval(
            "SELECT string_agg(detail::text, '') FROM investigation.audit"
        )
    finally:
        await conn.close()
    moves = [json.loads(x["detail"]) for x in splits]
    assert [(d["from_investigation_id"], d["to_investigation_id"], d["reason"]) for d in moves] == [
        (source["investigation_id"], new["investigation_id"], "different_establishment"),
        (new["investigation_id"], source["investigation_id"], "other"),
    ]
    assert {x["actor"] for x in splits} == {"investigator:u-inv-1"}
    assert CANARY not in audit_dump
