"""Report drafts (issue 18) over the real database: kept for their author alone, sealed at
rest (no typed name in any clear column nor the audit trail), opened with an audited
purpose, deleted with their key when the report is filed, and purged when stale."""

import uuid
from contextlib import asynccontextmanager
from datetime import date, timedelta

import asyncpg
import httpx
import pytest
from homeward_investigation.bootstrap import bootstrap
from homeward_investigation.domain.drafts import draft_key
from homeward_investigation.settings import InvestigationSettings
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.uow import verify_audit_chain

pytestmark = pytest.mark.integration
# Users of their own: the database is shared with other tests, which file drafts too.
AUTHOR_ID = f"u-inv-{uuid.uuid4().hex[:8]}"
AUTHOR = as_user(AUTHOR_ID, "investigator")
OTHER = as_user(f"u-inv-{uuid.uuid4().hex[:8]}", "investigator")
LEGAL = as_user("u-legal-1", "legal")
CANARY = "Sreypov-draftcanary-7e2a"


@asynccontextmanager
async def connected(database):
    conn = await asyncpg.connect(database.dsn("investigation"))
    try:
        yield conn
    finally:
        await conn.close()


def draft(n: int = 12) -> dict:
    return {
        "idempotency_key": uuid.uuid4().hex,
        "urgency": "high",
        "visit_dates": [str(date.today() - timedelta(days=3))],
        "establishment": {
            "kind": "karaoke_bar",
            "province": "KH-12",
            "district": "12",
            "address": f"{CANARY} street 63",
        },
        "evidence": [{"content_hash": "0f0f", "location": "ev-vault-2"}],
        "persons": [
            {
                "sex": "female",
                "name": f"{CANARY} {i}",
                "description": f"{CANARY} scar",
                "approximate_age": 16,
            }
            for i in range(n)
        ],
    }


def filed(body: dict, draft_id: str) -> dict:
    est = {**body["establishment"], "district": "1209"}
    return {
        "idempotency_key": body["idempotency_key"],
        "establishment": est,
        "visit_dates": body["visit_dates"],
        "urgency": body["urgency"],
        "persons": [{**p, "indicators": []} for p in body["persons"]],
        "draft_id": draft_id,
    }


async def _dump_without_canary(conn) -> None:
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'investigation'"
    )
    for t in tables:
        dump = await conn.fetchval(
            f"SELECT coalesce(string_agg(x::text, '|'), '') FROM investigation.{t['table_name']} x"
        )
        assert CANARY not in dump, t["table_name"]
        assert CANARY.encode().hex() not in dump, t["table_name"]


async def test_a_draft_is_hers_alone_sealed_and_gone_once_filed(database, topics):
    service = bootstrap(settings_for(InvestigationSettings, database, topics))
    draft_id = str(uuid.uuid4())
    body = draft()
    async with (
        running(service),
        httpx.AsyncClient(transport=httpx.ASGITransport(service.app), base_url="http://t") as c,
    ):
        r = await c.put(f"/reports/drafts/{draft_id}", headers=AUTHOR, json=body)
        assert r.status_code == 200, r.text
        assert r.json()["persons_count"] == 12 and CANARY not in r.text
        body["urgency"] = "immediate"
        r = await c.put(f"/reports/drafts/{draft_id}", headers=AUTHOR, json=body)
        assert r.status_code == 200, r.text

        r = await c.get("/reports/drafts", headers=AUTHOR)
        assert r.status_code == 200 and CANARY not in r.text
        assert [d["draft_id"] for d in r.json()] == [draft_id]
        assert (await c.get("/reports/drafts", headers=OTHER)).json() == []
        assert (await c.get("/reports/drafts", headers=LEGAL)).status_code == 403

        r = await c.get(f"/reports/drafts/{draft_id}", headers=AUTHOR)
        assert r.status_code == 422, "a purpose is required"
        r = await c.get(f"/reports/drafts/{draft_id}?purpose=rescue_operation", headers=AUTHOR)
        assert r.status_code == 200, r.text
        got = r.json()["draft"]
        assert got["urgency"] == "immediate" and got["persons"][11]["name"] == f"{CANARY} 11"
        assert got["idempotency_key"] == body["idempotency_key"]

        # Another investigator: as if it did not exist, and she cannot overwrite it.
        url = f"/reports/drafts/{draft_id}"
        for method, extra in (("GET", "?purpose=rescue_operation"), ("DELETE", "")):
            r = await c.request(method, url + extra, headers=OTHER)
            assert r.status_code == 404 and CANARY not in r.text
        r = await c.put(url, headers=OTHER, json=draft(1))
        assert r.status_code == 404

        async with connected(database) as conn:
            row = await conn.fetchrow(
                "SELECT author, persons_count, body_sealed FROM investigation.report_drafts"
                " WHERE draft_id = $1",
                uuid.UUID(draft_id),
            )
            assert row["author"] == AUTHOR_ID and row["persons_count"] == 12
            assert CANARY.encode() not in bytes(row["body_sealed"])
            await _dump_without_canary(conn)
            reads = await conn.fetch(
                "SELECT detail FROM investigation.audit WHERE action = 'personal_data_read'"
                " AND detail->>'draft_id' = $1",
                draft_id,
            )
            assert len(reads) == 1 and "rescue_operation" in reads[0]["detail"]

        r = await c.post("/reports", headers=AUTHOR, json=filed(body, draft_id))
        assert r.status_code == 201, r.text
        assert (await c.get("/reports/drafts", headers=AUTHOR)).json() == []
        r = await c.get(f"{url}?purpose=rescue_operation", headers=AUTHOR)
        assert r.status_code == 404
        # A late autosave cannot bring the filed draft back.
        r = await c.put(url, headers=AUTHOR, json=body)
        assert r.status_code == 409 and CANARY not in r.text

    async with connected(database) as conn:
        key = await conn.fetchrow(
            "SELECT wrapped_key, destroyed_at FROM investigation.case_keys WHERE case_id = $1",
            draft_key(uuid.UUID(draft_id)),
        )
        assert key["wrapped_key"] is None and key["destroyed_at"] is not None
        assert not await conn.fetchval(
            "SELECT count(*) FROM investigation.report_drafts WHERE author = $1", AUTHOR_ID
        )
        audit = await conn.fetch("SELECT action, detail::text AS d FROM investigation.audit")
        assert "report_draft_filed" in {a["action"] for a in audit}
        assert all(CANARY not in a["d"] for a in audit)
        assert await verify_audit_chain(conn, "investigation") == len(audit)


async def test_delete_destroys_and_stale_drafts_are_purged(database, topics):
    service = bootstrap(settings_for(InvestigationSettings, database, topics))
    kept, stale, deleted = (str(uuid.uuid4()) for _ in range(3))
    async with (
        running(service),
        httpx.AsyncClient(transport=httpx.ASGITransport(service.app), base_url="http://t") as c,
    ):
        for d in (kept, stale, deleted):
            r = await c.put(f"/reports/drafts/{d}", headers=AUTHOR, json=draft(2))
            assert r.status_code == 200, r.text
        assert (await c.delete(f"/reports/drafts/{deleted}", headers=AUTHOR)).status_code == 204
        assert (await c.delete(f"/reports/drafts/{deleted}", headers=AUTHOR)).status_code == 404
        async with connected(database) as conn:
            await conn.execute(
                "UPDATE investigation.report_drafts SET updated_at = now() - interval '31 days'"
                " WHERE draft_id = $1",
                uuid.UUID(stale),
            )
        r = await c.get("/reports/drafts", headers=AUTHOR)
        assert [d["draft_id"] for d in r.json()] == [kept]
    async with connected(database) as conn:
        keys = [draft_key(uuid.UUID(d)) for d in (kept, stale, deleted)]
        destroyed = await conn.fetch(
            "SELECT case_id FROM investigation.case_keys"
            " WHERE destroyed_at IS NOT NULL AND case_id = ANY($1::uuid[])",
            keys,
        )
        assert {r["case_id"] for r in destroyed} == {
            draft_key(uuid.UUID(stale)),
            draft_key(uuid.UUID(deleted)),
        }
        await _dump_without_canary(conn)
