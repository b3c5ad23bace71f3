"""Issue 5's legal-assistance requests over the real broker and database: centre staff ask
in recovery, and the request appears once in the legal workers' inbox in investigation,
even when the event is delivered twice."""

import json
import uuid
from datetime import UTC, date, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from homeward_investigation.bootstrap import bootstrap as investigation_app
from homeward_investigation.settings import InvestigationSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_shared.contracts import PersonRescued
from homeward_shared.contracts.handoffs import Urgency
from homeward_shared.envelope import Envelope
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import client

pytestmark = pytest.mark.integration
STAFF = as_user("u-staff-td", "centre_staff", centres=["TD"])
LEGAL = as_user("u-legal-1", "legal")
CANARY = f"Leakena-canary-{uuid.uuid4().hex[:8]}"


async def send(bootstrap: str, topic: str, records: list[tuple[bytes, bytes, list]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value, key, headers in records:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def test_a_request_made_in_recovery_appears_once_in_the_legal_inbox(database, topics):
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    investigation = investigation_app(settings_for(InvestigationSettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    case_id = uuid.uuid4()
    rescued = Envelope.wrap(
        PersonRescued(
            case_number=f"C-{uuid.uuid4().hex[:10]}",
            operation_id=uuid.uuid4(),
            urgency=Urgency.HIGH,
        ),
        case_id=case_id,
        producer="investigation",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )
    async with (
        running(recovery, investigation),
        TopicReader(bootstrap, [topics.legal_assistance_requested]) as reader,
        client(recovery) as rc,
        client(investigation) as ic,
    ):
        await send(
            bootstrap,
            topics.person_rescued,
            [(rescued.model_dump_json().encode(), str(case_id).encode(), [])],
        )

        async def admitted():
            r = await rc.post(
                "/admissions",
                headers=STAFF,
                json={
                    "case_id": str(case_id),
                    "centre": "TD",
                    "informed_consent": True,
                    "house_rules_accepted": True,
                    "consent_given_on": str(date.today()),
                },
            )
            return r.status_code == 201

        await wait_until(admitted, what="the rescued woman is admitted at Tom Dy")

        ask = f"/residents/{case_id}/legal-assistance"
        body = {
            "kind": "testify_in_court",
            "urgency": "immediate",
            "idempotency_key": uuid.uuid4().hex,
            "note": f"{CANARY}: the trial of the owner is in March; she is afraid",
        }
        r = await rc.post(ask, headers=STAFF, json={**body, "kind": "bribe_the_judge"})
        assert r.status_code == 422 and "kind" in r.text
        r = await rc.post(ask, headers=as_user("u-staff-sr", "centre_staff", centres=["SR"]))
        assert r.status_code == 422  # no body
        r = await rc.post(
            ask, headers=as_user("u-staff-sr", "centre_staff", centres=["SR"]), json=body
        )
        assert r.status_code == 404, "another centre learns nothing of her"
        r = await rc.post(ask, headers=STAFF, json=body)
        assert r.status_code == 201, r.text
        request = r.json()
        assert request["note"] is None and CANARY not in r.text
        r = await rc.post(ask, headers=STAFF, json=body)
        assert r.status_code == 200 and r.json()["request_id"] == request["request_id"]

        async def in_inbox(request_id: str):
            r = await ic.get("/legal/inbox", headers=LEGAL, params={"limit": 200})
            assert r.status_code == 200, r.text
            found = [x for x in r.json() if x.get("request_id") == request_id]
            return found or None

        [line] = await wait_until(
            lambda: in_inbox(request["request_id"]), what="the request in the legal inbox"
        )
        assert line["item"] == "legal_assistance" and line["case_id"] == str(case_id)
        assert (line["kind"], line["urgency"], line["centre"]) == (
            "testify_in_court",
            "immediate",
            "TD",
        )

        # Deliver the same event again, byte for byte, then a second request of hers: it is
        # on the same partition (her case is the key), so once it is in, the copy was read.
        [original] = await reader.wait_for(topics.legal_assistance_requested, 1)
        await send(
            bootstrap,
            topics.legal_assistance_requested,
            [(original.value, original.key, list(original.headers))],
        )
        r = await rc.post(ask, headers=STAFF, json={"kind": "victim_compensation"})
        assert r.status_code == 201, r.text
        second = r.json()
        await wait_until(lambda: in_inbox(second["request_id"]), what="the second request")
        assert len(await in_inbox(request["request_id"])) == 1

        r = await ic.post(
            f"/legal/assistance-requests/{request['request_id']}/assign",
            headers=LEGAL,
            json={"assignee": "u-legal-5"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["assigned_to"] == "u-legal-5"
        assert r.json()["acknowledged_by"] == "legal:u-legal-1"
        r = await ic.get(
            "/legal/inbox", headers=LEGAL, params={"assigned_to": "u-legal-5", "limit": 200}
        )
        assert [x["request_id"] for x in r.json()] == [request["request_id"]]
        r = await ic.post(f"/legal/assistance-requests/{uuid.uuid4()}/acknowledge", headers=LEGAL)
        assert r.status_code == 404
        r = await ic.get("/legal/inbox", headers=STAFF)
        assert r.status_code == 403

        r = await rc.get(ask, headers=STAFF, params={"purpose": "legal_assistance"})
        assert r.json()[0]["note"].startswith(CANARY)
        records = reader.on(topics.legal_assistance_requested)

    env = json.loads(original.value)
    assert original.key == str(case_id).encode() and env["case_id"] == str(case_id)
    assert env["payload"] == {
        "request_id": request["request_id"],
        "kind": "testify_in_court",
        "urgency": "immediate",
        "centre": "TD",
    }
    for rec in records:
        assert CANARY.encode() not in rec.value + b"".join(v for _, v in rec.headers)

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        rows = await conn.fetchval(
            "SELECT count(*) FROM investigation.legal_assistance_requests WHERE request_id = $1",
            uuid.UUID(request["request_id"]),
        )
        claims = await conn.fetchval(
            "SELECT count(*) FROM investigation.inbox WHERE event_id = $1",
            uuid.UUID(env["event_id"]),
        )
        for schema in ("recovery", "investigation"):
            for table in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
                schema,
            ):
                dump = await conn.fetchval(
                    "SELECT coalesce(string_agg(x::text, ''), '')"
                    f" FROM {schema}.{table['table_name']} x"
                )
                assert CANARY not in dump, (schema, table["table_name"])
    finally:
        await conn.close()
    assert rows == 1 and claims == 1
