import asyncio
import json
import uuid
from collections import defaultdict
from datetime import date, timedelta

import asyncpg
import httpx
import pytest
from homeward_investigation.bootstrap import bootstrap
from homeward_investigation.settings import InvestigationSettings
from homeward_shared.outbox import outbox_backlog
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.uow import verify_audit_chain

pytestmark = pytest.mark.integration
INVESTIGATOR = as_user("u-inv-1", "investigator")
LEGAL = as_user("u-legal-1", "legal")
CANARY = "Sreymom-canary-4f1c"


def report_body() -> dict:
    return {
        "idempotency_key": uuid.uuid4().hex,
        "establishment": {
            "kind": "karaoke_bar",
            "province": "KH-12",
            "district": "1209",
            "address": f"{CANARY} house 12, street 289",
            "operator_names": f"{CANARY} mama-san",
        },
        "visit_dates": [str(date.today() - timedelta(days=d)) for d in (9, 2)],
        "urgency": "immediate",
        "evidence": [{"content_hash": "0f" * 32, "location": "ev-vault-2:2025/0031"}],
        "persons": [
            {
                "sex": "female",
                "approximate_age": 15,
                "nationality": "KH",
                "language": "km",
                "indicators": ["apparent_minor", "confinement"],
                "name": CANARY,
            },
            {
                "sex": "female",
                "approximate_age": 20,
                "nationality": "VN",
                "language": "vi",
                "indicators": ["debt_bondage"],
                "description": f"{CANARY}, red dress, tattoo on left wrist",
            },
        ],
    }


async def test_report_identifies_two_persons_then_refers_them_to_legal(database, topics):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    async with (
        running(investigation),
        TopicReader(
            database.infra.kafka_bootstrap_servers,
            [topics.stage_changed, topics.legal_referral_issued],
        ) as reader,
    ):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(investigation.app), base_url="http://t"
        ) as c:
            body = report_body()
            r = await c.post("/reports", headers=INVESTIGATOR, json=body)
            assert r.status_code == 201, r.text
            report = r.json()
            report_id = report["report_id"]
            case_ids = [p["case_id"] for p in report["persons"]]
            assert len(set(case_ids)) == 2
            assert all(p["case_number"].startswith("IV-") for p in report["persons"])

            r = await c.post("/reports", headers=INVESTIGATOR, json=body)
            assert r.status_code == 200 and r.json()["report_id"] == report_id

            r = await c.post(f"/reports/{report_id}/legal-referral", headers=LEGAL)
            assert r.status_code == 403
            r = await c.post(f"/reports/{report_id}/legal-referral", headers=INVESTIGATOR)
            assert r.status_code == 201, r.text
            referral = r.json()
            assert referral["case_ids"] == case_ids
            r = await c.post(f"/reports/{report_id}/legal-referral", headers=INVESTIGATOR)
            assert r.status_code == 200 and r.json()["referral_id"] == referral["referral_id"]

            r = await c.get("/legal/referrals", headers=LEGAL, params={"acknowledged": False})
            assert r.status_code == 200, r.text
            # The test database is shared by the session: pick this report's line.
            [line] = [x for x in r.json() if x["report_id"] == report_id]
            assert line["referral_id"] == referral["referral_id"]
            assert line["province"] == "KH-12" and line["urgency"] == "immediate"
            assert line["indicators"] == ["apparent_minor", "confinement", "debt_bondage"]
            assert CANARY not in r.text

            ack = f"/legal/referrals/{referral['referral_id']}/acknowledge"
            r = await c.post(ack, headers=LEGAL)
            assert r.status_code == 200 and r.json()["acknowledged_by"] == "legal:u-legal-1"
            r = await c.post(ack, headers=as_user("u-legal-2", "legal"))
            assert r.json()["acknowledged_by"] == "legal:u-legal-1"

            r = await c.get("/reports", headers=INVESTIGATOR, params={"mine": True})
            assert report_id in [x["report_id"] for x in r.json()]
            assert CANARY not in r.text
            r = await c.get(f"/reports/{report_id}", headers=LEGAL)
            assert r.status_code == 200, r.text
            assert [p["stage"] for p in r.json()["persons"]] == ["referred_to_legal"] * 2
            assert CANARY not in r.text

            r = await c.get(
                f"/reports/{report_id}/persons/{case_ids[0]}/identity",
                headers=LEGAL,
                params={"purpose": "rescue_operation"},
            )
            assert r.status_code == 200 and r.json()["name"] == CANARY

            r = await c.get(
                f"/reports/{report_id}/establishment",
                headers=LEGAL,
                params={"purpose": "rescue_operation"},
            )
            assert r.status_code == 200 and r.json()["address"].startswith(CANARY)
            r = await c.get(
                f"/reports/{report_id}/establishment",
                headers=as_user("u-legal-1", "centre_staff", centres=["TD"]),
                params={"purpose": "care"},
            )
            assert r.status_code == 403

        async with investigation.pool.acquire() as conn:
            await wait_until(
                lambda: _drained(conn), what="investigation's outbox published to the broker"
            )
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM investigation.outbox"
                    " WHERE aggregate_id = ANY($1::uuid[])",
                    [uuid.UUID(c) for c in [*case_ids, report_id]],
                )
                == 6  # and the report filed, as a figure for the impact report
            )
        stages = await reader.wait_for(topics.stage_changed, 4)
        referrals = await reader.wait_for(topics.legal_referral_issued, 1)

    per_case: dict[str, list[str]] = defaultdict(list)
    for s in stages:
        env = json.loads(s.value)
        assert s.key == env["case_id"].encode()
        assert env["correlation_id"] == report_id and env["producer"] == "investigation"
        per_case[env["case_id"]].append(env["payload"]["stage"])
    assert dict(per_case) == {c: ["identified", "referred_to_legal"] for c in case_ids}

    [rec] = referrals
    env = json.loads(rec.value)
    assert rec.key == report_id.encode() and env["case_id"] == report_id
    assert env["schema_version"] == 2
    assert env["payload"]["referral_id"] == referral["referral_id"]
    assert env["payload"]["report_id"] == report_id
    assert env["payload"]["case_ids"] == case_ids

    for rec in [*stages, *referrals]:
        raw = rec.value + rec.key + b"".join(k.encode() + v for k, v in rec.headers)
        assert CANARY.encode() not in raw

    conn = await asyncpg.connect(database.dsn("investigation"))
    try:
        await _nothing_personal_in_clear(conn)
        audit = await conn.fetch("SELECT action, case_id FROM investigation.audit ORDER BY seq")
        assert await verify_audit_chain(conn, "investigation") == len(audit)
    finally:
        await conn.close()
    actions = [(a["action"], str(a["case_id"])) for a in audit]
    assert [("legal_referral_acknowledged", c) for c in case_ids] == [
        a for a in actions if a[0] == "legal_referral_acknowledged" and a[1] in case_ids
    ]
    assert ("personal_data_read", case_ids[0]) in actions


async def _drained(conn: asyncpg.Connection) -> bool:
    unpublished, _ = await outbox_backlog(conn, "investigation")
    return unpublished == 0


async def _nothing_personal_in_clear(conn: asyncpg.Connection) -> None:
    """The canary is sealed at rest: no column of any investigation table holds it."""
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'investigation'"
    )
    for t in tables:
        dump = await conn.fetchval(
            f"SELECT coalesce(string_agg(x::text, ''), '') FROM investigation.{t['table_name']} x"
        )
        assert CANARY not in dump, t["table_name"]
        assert CANARY.encode().hex() not in dump, t["table_name"]


ORPHANS = (
    "SELECT count(*) FROM investigation.establishments e WHERE NOT EXISTS"
    " (SELECT 1 FROM investigation.reports r WHERE r.establishment_id = e.establishment_id)"
    " AND NOT EXISTS (SELECT 1 FROM investigation.investigations i"
    " WHERE i.establishment_id = e.establishment_id)"
)


async def test_concurrent_retries_make_one_report_and_one_referral(database, topics):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    async with (
        running(investigation),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(investigation.app), base_url="http://t"
        ) as c,
    ):
        # The session's database is shared with other tests: compare with what was there.
        async with investigation.pool.acquire() as conn:
            orphans_before = await conn.fetchval(ORPHANS)
        body = report_body()
        submits = await asyncio.gather(
            *(c.post("/reports", headers=INVESTIGATOR, json=body) for _ in range(4))
        )
        assert sorted(r.status_code for r in submits) == [200, 200, 200, 201]
        [report_id] = {r.json()["report_id"] for r in submits}

        referrals = await asyncio.gather(
            *(
                c.post(f"/reports/{report_id}/legal-referral", headers=INVESTIGATOR)
                for _ in range(4)
            )
        )
        assert sorted(r.status_code for r in referrals) == [200, 200, 200, 201]
        assert len({r.json()["referral_id"] for r in referrals}) == 1

        async with investigation.pool.acquire() as conn:
            rows = await conn.fetchrow(
                "SELECT"
                " (SELECT count(*) FROM investigation.reports WHERE idempotency_key = $2)"
                "   AS reports,"
                " (SELECT count(*) FROM investigation.establishments e WHERE NOT EXISTS"
                "   (SELECT 1 FROM investigation.reports r"
                "    WHERE r.establishment_id = e.establishment_id)"
                "   AND NOT EXISTS (SELECT 1 FROM investigation.investigations i"
                "    WHERE i.establishment_id = e.establishment_id)) AS orphans,"
                " (SELECT count(*) FROM investigation.persons WHERE report_id = $1) AS persons,"
                " (SELECT count(*) FROM investigation.legal_referrals WHERE report_id = $1)"
                "   AS referrals",
                uuid.UUID(report_id),
                body["idempotency_key"],
            )
    assert dict(rows) == {"reports": 1, "orphans": orphans_before, "persons": 2, "referrals": 1}
