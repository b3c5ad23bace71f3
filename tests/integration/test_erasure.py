"""Erasure over the real broker and database: the two-admin workflow's refusals, an erasure
that reaches a service which was down when it was approved, the replay after a restore from
backup, and the operator's command line."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_shared import cli
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.plugin import running, settings_for
from typer.testing import CliRunner

from tests.integration.helpers import CENTRE, INTAKE, client, walk_in

pytestmark = pytest.mark.integration

ADMIN_A = as_user("u-admin-a", "admin")
ADMIN_B = as_user("u-admin-b", "admin")
AUDITOR = as_user("u-auditor-1", "auditor")
MANAGER = as_user("u-manager-1", "manager")


async def homeward(database, topics, *args: str) -> tuple[int, str]:
    """The operator's command against the test's database and topics. In a thread: the
    command runs its own event loop, as it does from a shell."""
    env = {
        "DATABASE_URL": database.admin_dsn,
        "KAFKA_BOOTSTRAP_SERVERS": database.infra.kafka_bootstrap_servers,
        "TOPIC_PREFIX": topics.prefix,
        "COLUMNS": "200",
    }
    result = await asyncio.to_thread(CliRunner().invoke, cli.app, list(args), env=env)
    return result.exit_code, result.output


async def key_state(conn: asyncpg.Connection, schema: str, case_id: str):
    return await conn.fetchrow(
        f"SELECT wrapped_key, master_key_id, destroyed_at FROM {schema}.case_keys"
        " WHERE case_id = $1",
        uuid.UUID(case_id),
    )


async def test_requests_are_refused_to_the_wrong_people_and_expire_or_are_rejected(
    database, topics
):
    # A request lives about a second here, so that expiry is observed, not simulated.
    intake = intake_app(
        settings_for(IntakeSettings, database, topics, erasure_request_ttl_hours=0.0003)
    )
    async with running(intake), client(intake) as c:
        case_id = str(uuid.uuid4())
        body = {"case_id": case_id, "reason": "entered_in_error"}
        for who in (CENTRE, MANAGER, AUDITOR):
            assert (await c.post("/erasures", headers=who, json=body)).status_code == 403
        r = await c.post("/erasures", headers=ADMIN_A, json={**body, "reason": "because"})
        assert r.status_code == 422 and "reason" in r.text
        r = await c.post("/erasures", headers=ADMIN_A, json=body)
        assert r.status_code == 201, r.text
        first = r.json()["erasure_id"]
        r = await c.post("/erasures", headers=ADMIN_B, json=body)
        assert r.status_code == 409 and "awaits approval" in r.text

        async def expired():
            r = await c.get(f"/erasures/{first}", headers=AUDITOR)
            return r.json()["status"] == "expired"

        await wait_until(expired, within=10, what="the request expires")
        r = await c.post(f"/erasures/{first}/approve", headers=ADMIN_B)
        assert r.status_code == 409 and r.json()["error"] == "erasure_request_expired"

        # Asked again; the requester withdraws it, and a rejected request stays rejected.
        r = await c.post("/erasures", headers=ADMIN_A, json=body)
        assert r.status_code == 201, r.text
        second = r.json()["erasure_id"]
        r = await c.post(
            f"/erasures/{second}/reject", headers=ADMIN_A, json={"reason": "withdrawn"}
        )
        assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
        r = await c.post(f"/erasures/{second}/approve", headers=ADMIN_B)
        assert r.status_code == 409

        r = await c.get("/erasures", headers=AUDITOR, params={"status": "expired"})
        assert first in [e["erasure_id"] for e in r.json()]
        r = await c.get("/erasures", headers=ADMIN_B, params={"status": "rejected"})
        [rejected] = [e for e in r.json() if e["erasure_id"] == second]
        assert rejected["decided_by"] == "u-admin-a" and rejected["decision_reason"] == "withdrawn"
        assert (await c.get("/erasures", headers=MANAGER)).status_code == 403

        conn = await asyncpg.connect(database.admin_dsn)
        try:
            actions = [
                r["action"]
                for r in await conn.fetch(
                    "SELECT action FROM intake.audit WHERE case_id = $1 ORDER BY seq",
                    uuid.UUID(case_id),
                )
            ]
            assert actions == ["erasure_requested", "erasure_requested", "erasure_rejected"]
        finally:
            await conn.close()


async def test_an_erasure_reaches_a_service_that_was_down_and_is_replayed_after_a_restore(
    database, topics
):
    intake = intake_app(settings_for(IntakeSettings, database, topics))
    recovery_settings = settings_for(RecoverySettings, database, topics)
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        async with running(intake), client(intake) as ic:
            signal = await walk_in(ic, name="Sophea", phone="+855 12 345 678")
            case_id = signal["case_id"]
            recovery = recovery_app(recovery_settings)
            async with running(recovery), client(recovery) as rc:

                async def queued():
                    r = await rc.get("/admission-requests", headers=CENTRE)
                    return any(q["case_id"] == case_id for q in r.json())

                await wait_until(queued, within=20, what="the placement reaches recovery")
                r = await rc.post(
                    "/admissions",
                    headers=CENTRE,
                    json={
                        "case_id": case_id,
                        "centre": "TD",
                        "informed_consent": True,
                        "house_rules_accepted": True,
                        "consent_given_on": "2026-11-24",
                        "identity": {"name": "Sophea", "village": "Prey Veng"},
                    },
                )
                assert r.status_code == 201, r.text
            backup = await key_state(conn, "recovery", case_id)
            assert backup["wrapped_key"] is not None

            # Recovery is down. Two admins erase her through the command line.
            code, out = await homeward(
                database, topics, "erase", "request", case_id,
                "--reason", "safety_threat", "--admin", "u-admin-a",
            )  # fmt: skip
            assert code == 0, out
            erasure_id = out.split()[1]
            code, out = await homeward(
                database, topics, "erase", "approve", erasure_id, "--admin", "u-admin-a"
            )
            assert code == 1 and "refused" in out and "different admin" in out
            code, out = await homeward(
                database, topics, "erase", "approve", erasure_id, "--admin", "u-admin-b"
            )
            assert code == 0 and "approved" in out, out

            async def shredded(schema: str):
                state = await key_state(conn, schema, case_id)
                return state is not None and state["destroyed_at"] is not None

            await wait_until(lambda: shredded("intake"), within=20, what="intake shreds her")
            r = await ic.get(
                f"/signals/{signal['signal_id']}/person", headers=INTAKE, params={"purpose": "care"}
            )
            assert r.status_code == 410
            assert not await shredded("recovery")

            recovery = recovery_app(recovery_settings)
            async with running(recovery), client(recovery) as rc:
                await wait_until(
                    lambda: shredded("recovery"), within=20, what="recovery, back up, shreds her"
                )
                identity = f"/residents/{case_id}/identity"
                r = await rc.get(identity, headers=CENTRE, params={"purpose": "care"})
                assert r.status_code == 410

                # Recovery's database is restored from a backup taken before the erasure.
                await conn.execute(
                    "UPDATE recovery.case_keys SET wrapped_key = $2, master_key_id = $3,"
                    " destroyed_at = NULL WHERE case_id = $1",
                    uuid.UUID(case_id),
                    backup["wrapped_key"],
                    backup["master_key_id"],
                )
                await conn.execute(
                    "DELETE FROM recovery.inbox WHERE event_type = 'case.erasure_approved'"
                )
                r = await rc.get(identity, headers=CENTRE, params={"purpose": "care"})
                assert r.status_code == 200 and r.json()["name"] == "Sophea"

                code, out = await homeward(database, topics, "erase", "replay", "recovery")
                assert code == 0 and "recovery" in out and "1 erasures applied" in out, out
                r = await rc.get(identity, headers=CENTRE, params={"purpose": "care"})
                assert r.status_code == 410
                code, out = await homeward(database, topics, "erase", "replay", "recovery")
                assert code == 0 and "0 erasures applied" in out, out
            destroyed = await conn.fetch(
                "SELECT actor, detail->>'erasure_id' AS erasure FROM recovery.audit"
                " WHERE case_id = $1 AND action = 'case_keys_destroyed' ORDER BY seq",
                uuid.UUID(case_id),
            )
            assert [(r["actor"], r["erasure"]) for r in destroyed] == [
                ("service:recovery", erasure_id),
                ("operator:erasure-replay", erasure_id),
            ]
    finally:
        await conn.close()


async def test_the_host_stops_serving_her_personal_fields_as_the_approval_is_answered(
    fresh_database, topics
):
    # The relay is off: nothing reaches Kafka, so intake's own consumer of the approval can
    # never be what shreds her. The approving transaction must. (Its own database: the
    # unpublished outbox rows must not reach the session's later relays.)
    intake = intake_app(settings_for(IntakeSettings, fresh_database, topics))
    await intake.start(relay=False)
    try:
        async with client(intake) as c:
            signal = await walk_in(c, name="Sophea", phone="+855 12 345 678")
            person = f"/signals/{signal['signal_id']}/person"
            r = await c.get(person, headers=INTAKE, params={"purpose": "care"})
            assert r.status_code == 200 and r.json()["name"] == "Sophea"
            r = await c.post(
                "/erasures",
                headers=ADMIN_A,
                json={"case_id": signal["case_id"], "reason": "survivor_request"},
            )
            assert r.status_code == 201, r.text
            r = await c.post(f"/erasures/{r.json()['erasure_id']}/approve", headers=ADMIN_B)
            assert r.status_code == 200, r.text
            r = await c.get(person, headers=INTAKE, params={"purpose": "care"})
            assert r.status_code == 410, r.text
            assert "Sophea" not in r.text
    finally:
        await intake.stop()
