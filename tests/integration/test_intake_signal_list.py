"""Issue 18 over the real database: an intake officer lists her own recent signals, newest
first, page by page through the keyset cursor, with no personal field in the answer; the
status filter and the index the query is planned on are checked too."""

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from homeward_intake.bootstrap import bootstrap
from homeward_intake.settings import IntakeSettings
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import client

pytestmark = pytest.mark.integration

CANARY = f"Srey Zq{uuid.uuid4().hex[:10]}"


async def record(c, officer: dict, **extra) -> dict:
    r = await c.post(
        "/signals",
        headers=officer,
        json={
            "idempotency_key": uuid.uuid4().hex,
            "source": "hotline",
            "urgency": "high",
            "needs_shelter": False,
            "name": CANARY,
            "phone": "+855 12 345 678",
            "notes": f"{CANARY} seen at the market",
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_she_pages_through_her_own_signals_newest_first(database, topics):
    # Officers of this test's own: the session's database holds other tests' signals.
    her = as_user(f"u-intake-{uuid.uuid4().hex[:8]}", "intake")
    colleague = as_user(f"u-intake-{uuid.uuid4().hex[:8]}", "intake")
    intake = bootstrap(settings_for(IntakeSettings, database, topics))
    async with running(intake), client(intake) as c:
        mine = []
        for i in range(5):
            mine.append(await record(c, her))
            if i % 2 == 0:
                await record(c, colleague)
        r = await c.post(
            f"/signals/{mine[1]['signal_id']}/closure",
            headers=her,
            json={"reason": "not_trafficking"},
        )
        assert r.status_code == 200, r.text

        pages, before = [], None
        while True:
            params = {"limit": 2} | ({"before": before} if before else {})
            r = await c.get("/signals", headers=her, params=params)
            assert r.status_code == 200, r.text
            for value in (CANARY, "345 678", "market"):
                assert value not in r.text
            body = r.json()
            pages.append([s["signal_id"] for s in body["signals"]])
            before = body["next_before"]
            if before is None:
                break

        # Only hers, newest first, each once, in pages of two (the last one short).
        newest_first = [s["signal_id"] for s in reversed(mine)]
        assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]

        r = await c.get("/signals", headers=her, params={"status": "closed"})
        assert r.status_code == 200, r.text
        [closed] = r.json()["signals"]
        assert closed["signal_id"] == mine[1]["signal_id"]
        assert closed["routing_reason"] == "not_trafficking" and closed["stage"] == "closed"

        r = await c.get("/signals", headers=her, params={"source": "clinic_walk_in"})
        assert r.status_code == 200 and r.json()["signals"] == []

        # The team's list (mine=false) holds the colleague's signals too.
        r = await c.get("/signals", headers=her, params={"mine": "false", "limit": 100})
        team = {s["signal_id"] for s in r.json()["signals"]}
        assert set(newest_first) <= team and len(team) >= 8

        # A page opened from the list loads by itself (a reload): codes only.
        r = await c.get(f"/signals/{mine[1]['signal_id']}", headers=her)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "closed" and CANARY not in r.text
        r = await c.get(f"/signals/{uuid.uuid4()}", headers=her)
        assert r.status_code == 404

        # A cursor that names no signal: refused, without repeating it.
        unknown = str(uuid.uuid4())
        r = await c.get("/signals", headers=her, params={"before": unknown})
        assert r.status_code == 422 and unknown not in r.text


async def test_her_list_is_planned_on_the_recorder_index(database, topics):
    intake = bootstrap(settings_for(IntakeSettings, database, topics))
    async with running(intake):
        pass  # migrations applied
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        async with conn.transaction():
            # Few rows: the planner would rightly scan. Forbidding that shows that an index
            # matches the query's filter and order (no sort step over her rows).
            await conn.execute("SET LOCAL enable_seqscan = off")
            plan = "\n".join(
                r[0]
                for r in await conn.fetch(
                    "EXPLAIN SELECT signal_id FROM intake.signals WHERE recorded_by = $1"
                    " AND (received_at, signal_id) < ($2, $3)"
                    " ORDER BY received_at DESC, signal_id DESC LIMIT 26",
                    "intake:u-x",
                    datetime.now(UTC),
                    uuid.uuid4(),
                )
            )
    finally:
        await conn.close()
    assert "signals_by_recorder" in plan, plan
    assert "Sort" not in plan, plan
