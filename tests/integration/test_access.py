"""Who may see what, over the real database: centre staff of several centres act for one of
them per call, and auditors read a service's audit trail without a personal field."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_shared.contracts import PlacementRequested
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.envelope import Envelope
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import INTAKE, client, walk_in

pytestmark = pytest.mark.integration

AUDITOR = as_user("u-auditor-1", "auditor")
TWO_CENTRES = as_user("u-staff-2c", "centre_staff", centres=["TD", "SR"])


async def place(bootstrap: str, topic: str, case_id: uuid.UUID) -> None:
    env = Envelope.wrap(
        PlacementRequested(
            case_number=f"C-{uuid.uuid4().hex[:10]}",
            source=SignalSource.POLICE,
            urgency=Urgency.HIGH,
        ),
        case_id=case_id,
        producer="intake",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            env.model_dump_json().encode(),
            key=str(case_id).encode(),
            headers=[(k, v.encode()) for k, v in env.headers().items()],
        )
    finally:
        await producer.stop()


async def test_staff_of_several_centres_choose_the_one_they_act_for(database, topics):
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    case_id = uuid.uuid4()
    async with running(recovery), client(recovery) as c:
        await place(database.infra.kafka_bootstrap_servers, topics.placement_requested, case_id)

        async def queued():
            # Listing the queue needs no choice of centre.
            r = await c.get("/admission-requests", headers=TWO_CENTRES)
            assert r.status_code == 200, r.text
            return any(q["case_id"] == str(case_id) for q in r.json())

        await wait_until(queued, what="the placement reaches recovery")
        r = await c.post(
            "/admissions",
            headers=TWO_CENTRES,
            json={
                "case_id": str(case_id),
                "centre": "TD",
                "informed_consent": True,
                "house_rules_accepted": True,
                "consent_given_on": "2026-11-24",
            },
        )
        assert r.status_code == 201, r.text

        resident = f"/residents/{case_id}"
        unchosen = await c.get(resident, headers=TWO_CENTRES)
        assert unchosen.status_code == 422 and "acting_centre" in unchosen.json()["detail"]
        at = {
            centre: (
                await c.get(resident, headers=TWO_CENTRES, params={"acting_centre": centre})
            ).status_code
            for centre in ("TD", "SR", "KC")
        }
        # Hers at Tom Dy; not at Siem Reap (404: nothing learned); Kompong Cham is not hers.
        assert at == {"TD": 200, "SR": 404, "KC": 403}

        async with recovery.pool.acquire() as conn:
            actors = await conn.fetch(
                "SELECT DISTINCT actor FROM recovery.audit WHERE case_id = $1", case_id
            )
        assert "centre_staff:u-staff-2c" in {r["actor"] for r in actors}


async def test_auditors_read_the_trail_and_its_chain_and_no_personal_data(database, topics):
    intake = intake_app(settings_for(IntakeSettings, database, topics))
    canary = f"canary-{uuid.uuid4().hex}"
    async with running(intake), client(intake) as c:
        signal = await walk_in(c, name=canary, notes=f"{canary} notes")
        r = await c.get(
            f"/signals/{signal['signal_id']}/person", headers=INTAKE, params={"purpose": "care"}
        )
        assert r.status_code == 200 and r.json()["name"] == canary

        trail = await c.get("/audit", headers=AUDITOR, params={"case_id": signal["case_id"]})
        assert trail.status_code == 200, trail.text
        rows = trail.json()
        actions = [row["action"] for row in rows]
        assert "personal_data_read" in actions
        read = rows[actions.index("personal_data_read")]
        assert read["actor"] == "intake:u-intake-1" and read["detail"]["purpose"] == "care"
        assert canary not in trail.text

        after = await c.get(
            "/audit",
            headers=AUDITOR,
            params={"case_id": signal["case_id"], "after": rows[0]["seq"], "limit": 1},
        )
        assert [row["seq"] for row in after.json()] == [rows[1]["seq"]]

        chain = await c.get("/audit/chain", headers=AUDITOR)
        assert chain.status_code == 200
        assert chain.json()["intact"] is True and chain.json()["rows"] >= len(rows)

        for who in ("manager", "intake", "admin"):
            r = await c.get("/audit", headers=as_user(f"u-{who}", who))
            assert r.status_code == 403, (who, r.status_code)
        assert (await c.get("/audit")).status_code == 401
        # The auditor reads the trail, not the cases.
        r = await c.get(
            f"/signals/{signal['signal_id']}/person", headers=AUDITOR, params={"purpose": "care"}
        )
        assert r.status_code == 403
        assert canary not in json.dumps(rows)
