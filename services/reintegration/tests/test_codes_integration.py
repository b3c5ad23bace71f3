"""Integration tier: reintegration's codes over the real broker and database (issue 16).

- A hand-off whose skills are free text is refused at consume (dead-lettered, its reason not
  repeating the text); one with skill codes opens her case.
- A receiving partner is a code an admin registered; its name is sealed, never in clear.
- Migration 005 maps what it can to codes and sets the rest aside, sealed at start.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from homeward_reintegration.bootstrap import MIGRATIONS
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.domain.partners import KitItem
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.contracts import ResidentReadyForReintegration, Topics
from homeward_shared.contracts.handoffs import Skill
from homeward_shared.crypto import destroy_case_key
from homeward_shared.db import migrate
from homeward_shared.envelope import Envelope
from homeward_shared.set_aside import open_set_aside, seal_set_aside
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for

pytestmark = pytest.mark.integration

CANARY = "Srey Sokha's aunt in Kampot"
TEAM = as_user("u-reint-1", "reintegration")
ADMIN = as_user("u-admin-1", "admin")
TODAY = datetime.now(UTC).date()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def client(service) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(service.app), base_url="http://t")


def handoff(case_id: uuid.UUID, skills: list[str]) -> Envelope:
    payload = ResidentReadyForReintegration.model_construct(
        case_number=f"IN-2026-{uuid.uuid4().int % 10**6:06d}",
        centre="TD",
        skills=skills,
        wishes_to_return_home=False,
    )
    return Envelope.wrap(
        payload,
        case_id=case_id,
        producer="recovery",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )


async def publish(bootstrap: str, topic: str, env: Envelope) -> None:
    body = json.dumps(
        {**json.loads(env.model_dump_json(warnings=False)), "payload": dict(env.payload)}
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, body.encode(), key=str(env.case_id).encode())
    finally:
        await producer.stop()


async def test_skills_are_codes_at_consume_and_a_partner_is_a_registered_code(database, topics):
    bootstrap = database.infra.kafka_bootstrap_servers
    topic = topics.resident_ready_for_reintegration
    service = reintegration_app(settings_for(ReintegrationSettings, database, topics))
    refused, her = uuid.uuid4(), uuid.uuid4()
    async with (
        running(service),
        TopicReader(bootstrap, [Topics.dead_letter(topic)]) as dlq,
        client(service) as c,
    ):
        await publish(bootstrap, topic, handoff(refused, ["weaving", CANARY]))
        await publish(bootstrap, topic, handoff(her, ["weaving", "english"]))
        [letter] = await dlq.wait_for(Topics.dead_letter(topic), 1, within=60)
        reason = dict(letter.headers)["dlq.reason"].decode()
        assert "Srey" not in reason and "Kampot" not in reason

        async def opened():
            return (await c.get(f"/cases/{her}", headers=TEAM)).status_code == 200

        await wait_until(opened, within=30, what="the hand-off with codes opens her case")
        assert (await c.get(f"/cases/{refused}", headers=TEAM)).status_code == 404
        case = (await c.get(f"/cases/{her}", headers=TEAM)).json()
        assert case["skills"] == ["weaving", "english"]

        r = await c.post(
            f"/cases/{her}/assessments",
            headers=TEAM,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "assessed_on": day(-3),
                "her_wish": "repatriation",
                "market_opportunities": "good",
                "family_conditions": "limited",
                "skills_fit": True,
                "wants_business": False,
            },
        )
        assert r.status_code == 201, r.text
        # The session's database is shared with other tests: a code of this test's own.
        code = f"VN_WU_{uuid.uuid4().hex[:8].upper()}"
        repatriate = {
            "plan": "repatriation",
            "resettled_on": day(-1),
            "destination_country": "VN",
            "receiving_partner": code,
        }
        r = await c.post(f"/cases/{her}/resettlement", headers=TEAM, json=repatriate)
        assert r.status_code == 422 and r.json()["error"] == "unknown_partner", r.text

        r = await c.put(
            f"/partners/{code}",
            headers=ADMIN,
            json={"kind": "ngo", "country": "VN", "name": CANARY},
        )
        assert r.status_code == 201 and r.json()["name"] is None, r.text
        r = await c.put(f"/partners/{code}", headers=ADMIN, json={"kind": "ngo", "country": "VN"})
        assert r.status_code == 200, r.text
        listed = [p for p in (await c.get("/partners", headers=TEAM)).json() if p["code"] == code]
        assert listed == [
            {"code": code, "kind": "ngo", "country": "VN", "active": True, "name": None}
        ]
        one = (await c.get(f"/partners/{code}", headers=TEAM)).json()
        assert one["name"] == CANARY  # a change without a name keeps it
        assert (await c.get("/partners/VN_XX", headers=TEAM)).status_code == 404

        r = await c.post(f"/cases/{her}/resettlement", headers=TEAM, json=repatriate)
        assert r.status_code == 201, r.text
        assert r.json()["receiving_partner"] == code
        audit, after = [], 0
        while page := (
            await c.get(
                "/audit",
                headers=as_user("u-aud", "auditor"),
                params={"after": after, "limit": 1000},
            )
        ).json():
            audit += page
            after = page[-1]["seq"]
        registered = [a for a in audit if a["detail"].get("partner") == code]
        assert [a["action"] for a in registered] == ["partner_registered", "partner_changed"]
        assert "Srey" not in json.dumps(audit)

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        hits = await conn.fetchval(
            "SELECT count(*) FROM reintegration.partners p WHERE p::text LIKE '%Srey%'"
        )
        assert hits == 0
    finally:
        await conn.close()


@pytest.fixture
def fresh(fresh_database):
    """A database of this test's own: the shared one is migrated to the end already."""
    return fresh_database


async def test_migration_maps_codes_and_sets_the_rest_aside_sealed(fresh, topics, tmp_path: Path):
    before = tmp_path / "before"
    before.mkdir()
    for f in sorted(MIGRATIONS.glob("*.sql")):
        if f.name < "005":
            shutil.copy(f, before / f.name)
    # Built first: it configures logging for this process (migrate logs each file).
    service = reintegration_app(settings_for(ReintegrationSettings, fresh, topics))
    dsn = fresh.dsn("reintegration")
    await migrate(dsn, "reintegration", before)
    typed, coded = uuid.uuid4(), uuid.uuid4()
    kits = {typed: uuid.uuid4(), coded: uuid.uuid4()}
    conn = await asyncpg.connect(dsn)
    try:
        for case, skills, partner, approver in (
            (typed, ["Weaving", CANARY], CANARY, CANARY),
            (coded, ["english"], "KH_PARTNER", "u-manager-1"),
        ):
            await conn.execute(
                "INSERT INTO reintegration.cases (case_id, case_number, correlation_id,"
                " from_centre, skills, received_at, status, stage, plan, resettled_on,"
                " destination_country, receiving_partner) VALUES ($1, 'IN-2026-000001', $1,"
                " 'TD', $2, now(), 'resettled', 'resettled', 'repatriation', '2026-06-01',"
                " 'VN', $3)",
                case,
                skills,
                partner,
            )
            await conn.execute(
                "INSERT INTO reintegration.disbursements (disbursement_id, case_id, kind, form,"
                " items, value, currency, disbursed_on, approved_by, recorded_by) VALUES"
                " ($1, $2, 'startup_kit', 'in_kind', $3, 700, 'USD', '2026-06-02', $4, 'x')",
                kits[case],
                case,
                ["sewing machine", "Fabric", CANARY],
                approver,
            )
        await migrate(dsn, "reintegration", MIGRATIONS)

        rows = {r["case_id"]: r for r in await conn.fetch("SELECT * FROM reintegration.cases")}
        assert rows[typed]["skills"] == ["weaving"] and rows[typed]["receiving_partner"] is None
        assert rows[coded]["skills"] == ["english"]
        assert rows[coded]["receiving_partner"] == "KH_PARTNER"  # registered for an admin
        assert await conn.fetchval(
            "SELECT registered_by FROM reintegration.partners WHERE code = 'KH_PARTNER'"
        ) == ("migration_005")
        kit = {
            r["disbursement_id"]: r
            for r in await conn.fetch("SELECT * FROM reintegration.disbursements")
        }
        assert sorted(kit[kits[typed]]["items"]) == ["fabric_stock", "sewing_machine"]
        assert kit[kits[typed]]["approved_by"] is None
        assert kit[kits[coded]]["approved_by"] == "u-manager-1"
        reasons = sorted(
            (r["record"], r["field"], r["reason"])
            for r in await conn.fetch("SELECT * FROM reintegration.set_aside")
        )
        assert reasons == [
            ("case", "receiving_partner", "not_a_partner_code"),
            ("case", "skills", "not_a_skill"),
            ("disbursement", "approved_by", "not_a_user_id"),
            ("disbursement", "items", "not_a_kit_item"),
            ("disbursement", "items", "not_a_kit_item"),
        ]
        # The schema's lists are the code's vocabularies, value for value.
        assert await conn.fetchval("SELECT reintegration.kit_items()") == [i.value for i in KitItem]
        assert await conn.fetchval("SELECT reintegration.skills()") == [k.value for k in Skill]
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "UPDATE reintegration.disbursements SET items = $1", ["Srey Sokha's loom"]
            )

        async with running(service):
            assert service.pool is not None
            await seal_set_aside(service.pool, "reintegration", service.master_key)
            aside = await conn.fetch("SELECT * FROM reintegration.set_aside ORDER BY id")
            opened = [
                await open_set_aside(conn, "reintegration", service.master_key, r) for r in aside
            ]
            # Skills, partner, approver, and an item of each kit: everything typed, and only it.
            assert opened == [CANARY] * 5
            for (table,) in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'reintegration'"
            ):
                assert not await conn.fetchval(
                    f"SELECT count(*) FROM reintegration.{table} t WHERE t::text LIKE '%Srey%'"
                ), table
            async with client(service) as c:
                r = await c.get(f"/cases/{typed}", headers=TEAM)
                assert r.status_code == 200 and "Srey" not in r.text, r.text
                assert r.json()["support"][0]["approved_by"] is None
                # Nothing is lost: the team opens what was typed, for a purpose (audited).
                r = await c.get(
                    f"/cases/{typed}/set-aside", headers=TEAM, params={"purpose": "care"}
                )
                assert r.status_code == 200, r.text
                assert [v["typed_value"] for v in r.json()] == [CANARY] * 4
                await destroy_case_key(conn, "reintegration", typed)
                r = await c.get(
                    f"/cases/{typed}/set-aside", headers=TEAM, params={"purpose": "care"}
                )
                assert r.status_code == 410 and "Srey" not in r.text
            reads = await conn.fetch(
                "SELECT detail FROM reintegration.audit WHERE action = 'personal_data_read'"
                " AND case_id = $1",
                typed,
            )
            assert [json.loads(d["detail"])["record"] for d in reads] == ["set_aside"]
    finally:
        await conn.close()
