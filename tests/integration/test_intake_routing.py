"""Intake's routing over the real broker and database: a lead goes to investigation once per
place, and a signal that needs no action is closed with its reason."""

import json
import uuid

import asyncpg
import pytest
from homeward_intake.bootstrap import bootstrap
from homeward_intake.settings import IntakeSettings
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import INTAKE, client

pytestmark = pytest.mark.integration

CANARY = f"canary-{uuid.uuid4().hex}"


async def tip(c) -> dict:
    r = await c.post(
        "/signals",
        headers=INTAKE,
        json={
            "idempotency_key": uuid.uuid4().hex,
            "source": "hotline",
            "urgency": "high",
            "needs_shelter": False,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def lead(name: str, persons: int) -> dict:
    return {
        "reason": "establishment_named",
        "establishment": {
            "kind": "karaoke_bar",
            "province": "KH-12",
            "district": "1209",
            "name": name,
            "address": CANARY,
        },
        "urgency": "high",
        "persons_reported": persons,
        "indicators": ["apparent_minor"],
    }


async def test_a_lead_is_reported_once_per_place_and_a_closure_reaches_the_feed(database, topics):
    intake = bootstrap(settings_for(IntakeSettings, database, topics))
    async with (
        running(intake),
        TopicReader(
            database.infra.kafka_bootstrap_servers, [topics.lead_reported, topics.stage_changed]
        ) as feed,
        client(intake) as c,
    ):
        first, second, idle = await tip(c), await tip(c), await tip(c)
        r = await c.post(
            f"/signals/{first['signal_id']}/lead", headers=INTAKE, json=lead(CANARY, 2)
        )
        assert r.status_code == 202, r.text
        routed = r.json()
        assert routed["linked"] is False
        r = await c.post(
            f"/signals/{second['signal_id']}/lead",
            headers=INTAKE,
            json=lead(CANARY.upper() + " ", 4),
        )
        assert r.status_code == 202, r.text
        assert r.json()["linked"] is True and r.json()["lead_id"] == routed["lead_id"]
        r = await c.post(
            f"/signals/{idle['signal_id']}/closure", headers=INTAKE, json={"reason": "hoax!"}
        )
        assert r.status_code == 422
        r = await c.post(
            f"/signals/{idle['signal_id']}/closure",
            headers=INTAKE,
            json={"reason": "not_trafficking"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["stage"] == "closed"

        [reported] = await feed.wait_for(topics.lead_reported, 1)
        stages = await feed.wait_for(topics.stage_changed, 4)
        for record in feed.records:
            assert CANARY.encode() not in record.value
            assert CANARY.upper().encode() not in record.value

    assert reported.key == routed["lead_id"].encode()
    assert json.loads(reported.value)["payload"]["persons_reported"] == 2
    closed = [json.loads(s.value) for s in stages if s.key == idle["case_id"].encode()]
    assert [e["payload"]["stage"] for e in closed] == ["reported", "closed"]
    assert closed[-1]["payload"]["reason"] == "not_trafficking"

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        row = await conn.fetchrow(
            "SELECT signals, persons_reported, name_sealed, match_key FROM intake.leads"
            " WHERE lead_id = $1",
            uuid.UUID(routed["lead_id"]),
        )
    finally:
        await conn.close()
    assert row["signals"] == 2 and row["persons_reported"] == 4
    assert CANARY.encode() not in bytes(row["name_sealed"])
    assert CANARY not in row["match_key"]
