"""A case walks from intake to reintegration through HTTP calls and Kafka hand-offs, over
the real broker and database."""

import json
import uuid

import asyncpg
import pytest
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.journeys import reunite_with_family
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.uow import verify_audit_chain

from tests.integration.helpers import CENTRE, REINTEGRATION, client, walk_in

pytestmark = pytest.mark.integration

CANARY = f"canary-{uuid.uuid4().hex}"


async def test_a_walk_in_reaches_resettlement_and_each_stage_is_on_the_feed_once_in_order(
    database, topics
):
    intake = intake_app(settings_for(IntakeSettings, database, topics))
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    reintegration = reintegration_app(settings_for(ReintegrationSettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    async with (
        running(intake, recovery, reintegration),
        TopicReader(bootstrap, topics.all()) as feed,
        client(intake) as ic,
        client(recovery) as rc,
        client(reintegration) as gc,
    ):
        signal = await walk_in(ic, name=CANARY, children_with_her=1)
        case_id = signal["case_id"]

        async def queued():
            r = await rc.get("/admission-requests", headers=CENTRE)
            return [q for q in r.json() if q["case_id"] == case_id]

        [request] = await wait_until(queued, what="the placement request reaches recovery")
        assert request["proposed_centre"] == "TD"  # the centre with child care

        r = await rc.post(
            "/admissions",
            headers=CENTRE,
            json={
                "case_id": case_id,
                "centre": request["proposed_centre"],
                "informed_consent": True,
                "house_rules_accepted": True,
                "consent_given_on": "2026-11-24",
                "identity": {"name": CANARY, "village": CANARY},
            },
        )
        assert r.status_code == 201, r.text
        r = await rc.post(
            f"/residents/{case_id}/reintegration-handoff",
            headers=CENTRE,
            json={"skills": ["sewing_garment_factory"], "wishes_to_return_home": True},
        )
        assert r.status_code == 202, r.text

        async def handed_on():
            r = await gc.get(f"/cases/{case_id}", headers=REINTEGRATION)
            return r.status_code == 200

        await wait_until(handed_on, what="the hand-off reaches reintegration")
        # Her family traced and assessed with her: the plan follows her wish.
        case = await reunite_with_family(gc, case_id, REINTEGRATION)
        assert len(case["follow_up"]) == 12
        assert case["follow_up"][0]["due_on"] == "2027-09-01"
        assert case["follow_up"][-1]["due_on"] == "2030-06-01"

        stages = await feed.wait_for(topics.stage_changed, 5)
        for topic in topics.all():
            for record in feed.on(topic):
                assert CANARY.encode() not in record.value
                assert all(CANARY.encode() not in v for _, v in record.headers)

    mine = [json.loads(r.value) for r in stages if r.key == case_id.encode()]
    assert [e["payload"]["stage"] for e in mine] == [
        "reported",
        "rescued",
        "admitted",
        "ready_for_reintegration",
        "resettled",
    ]
    assert [e["producer"] for e in mine] == [
        "intake",
        "intake",
        "recovery",
        "recovery",
        "reintegration",
    ]
    assert len({e["event_id"] for e in mine}) == 5
    assert {e["correlation_id"] for e in mine} == {signal["signal_id"]}

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        for schema in ("intake", "recovery", "reintegration"):
            assert await verify_audit_chain(conn, schema) > 0
        sealed = await conn.fetchval(
            "SELECT name_sealed FROM recovery.residents WHERE case_id = $1", uuid.UUID(case_id)
        )
        assert CANARY.encode() not in bytes(sealed)
    finally:
        await conn.close()
