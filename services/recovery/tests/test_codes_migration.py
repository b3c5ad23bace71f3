"""Integration tier: migration 007 turns recovery's free text into codes (issue 16).

Rows written before the change (a level, a certifying body, skills, a centre's province and
name, typed as words) are mapped to codes where they map and otherwise set aside, sealed
under her case key when the service starts; nothing typed stays in a clear column. The
audit trail keeps its rows (its hash chain still verifies) but the auditors' route serves a
non-code level as set aside, and her education record serves none, before and after her
erasure."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from homeward_recovery.bootstrap import MIGRATIONS
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.domain.education import EducationLevel
from homeward_recovery.settings import RecoverySettings
from homeward_shared.audit_trail import SET_ASIDE
from homeward_shared.contracts.handoffs import Skill
from homeward_shared.crypto import destroy_case_key
from homeward_shared.db import migrate
from homeward_shared.set_aside import open_set_aside, seal_set_aside
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.uow import AuditEntry, verify_audit_chain, write_audit

pytestmark = pytest.mark.integration


def client(service) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(service.app), base_url="http://t")


CANARY = "Srey Sokha reads at grade four"
TD = as_user("u-staff-td", "centre_staff", centres=["TD"])
AUDITOR = as_user("u-auditor", "auditor")


@pytest.fixture
def fresh(fresh_database):
    """A database of this test's own: the shared one is migrated to the end already."""
    return fresh_database


async def _written_before(conn: asyncpg.Connection, case: uuid.UUID) -> dict[str, uuid.UUID]:
    """Rows as the service wrote them before migration 007, free text included."""
    ids = {k: uuid.uuid4() for k in ("mapped", "typed", "certified", "certified_typed")}
    await conn.execute(
        "INSERT INTO recovery.admission_requests (case_id, case_number, correlation_id,"
        " source, urgency, apparent_minor, children_with_her, language, received_at, status,"
        " origin) VALUES ($1, 'IN-2026-000001', $1, 'hotline', 'routine', false, 0, $2, now(),"
        " 'admitted', 'placement')",
        case,
        CANARY,
    )
    await conn.execute(
        "INSERT INTO recovery.residents (case_id, case_number, correlation_id, centre,"
        " admitted_at, admitted_by, consent_informed, house_rules_accepted, consent_given_on,"
        " status, stage, skills) VALUES ($1, 'IN-2026-000001', $1, 'TD', now(), 'u-1', true,"
        " true, '2026-01-05', 'resident', 'admitted', $2)",
        case,
        ["Weaving", CANARY],
    )
    for key, subject, level in (("mapped", "state_school", "Grade 4"), ("typed", "khmer", CANARY)):
        await conn.execute(
            "INSERT INTO recovery.education_classes (class_id, case_id, centre, subject, level,"
            " started_on) VALUES ($1, $2, 'TD', $3, $4, '2026-01-10')",
            ids[key],
            case,
            subject,
            level,
        )
        await conn.execute(
            "INSERT INTO recovery.education_attendance (class_id, month, attended, held, level)"
            " VALUES ($1, '2026-02-01', 8, 10, $2)",
            ids[key],
            level,
        )
    for key, body in (("certified", "MoLVT"), ("certified_typed", CANARY)):
        await conn.execute(
            "INSERT INTO recovery.enrolments (enrolment_id, case_id, centre, trade, started_on,"
            " status, completed_on, certified_on, certifying_body) VALUES ($1, $2, 'TD',"
            " 'weaving', '2026-01-10', 'completed', '2026-08-01', '2026-08-10', $3)",
            ids[key],
            case,
            body,
        )
    await conn.execute("UPDATE recovery.centres SET province = 'Kampong Cham' WHERE code = 'KC'")
    await conn.execute("UPDATE recovery.centres SET province = $1 WHERE code = 'SR'", CANARY)
    await write_audit(
        conn,
        "recovery",
        [
            ("centre_staff:u-1", AuditEntry("class_started", case, {"level": "Grade 4"})),
            ("centre_staff:u-1", AuditEntry("class_started", case, {"level": CANARY})),
            ("centre_staff:u-1", AuditEntry("attendance_recorded", case, {"level": "a2"})),
        ],
    )
    return ids


async def _clear_holding(conn: asyncpg.Connection, text: str) -> list[str]:
    """Tables of the schema (but the audit trail) with a row whose clear text holds ``text``."""
    tables = [
        r["tablename"]
        for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'recovery'")
    ]
    return [
        t
        for t in tables
        if t != "audit"
        and await conn.fetchval(
            f"SELECT count(*) FROM recovery.{t} x WHERE x::text ILIKE '%' || $1 || '%'", text
        )
    ]


async def test_free_text_is_mapped_or_set_aside_and_sealed_and_never_served(
    fresh, topics, tmp_path: Path
):
    before = tmp_path / "before"
    before.mkdir()
    for f in sorted(MIGRATIONS.glob("*.sql")):
        if f.name < "007":
            shutil.copy(f, before / f.name)
    # Built first: it configures logging for this process (migrate logs each file).
    service = recovery_app(settings_for(RecoverySettings, fresh, topics))
    dsn = fresh.dsn("recovery")
    await migrate(dsn, "recovery", before)
    case = uuid.uuid4()
    conn = await asyncpg.connect(dsn)
    try:
        ids = await _written_before(conn, case)
        await migrate(dsn, "recovery", MIGRATIONS)

        # What maps becomes its code; the rest leaves the clear columns.
        levels = dict(await conn.fetch("SELECT class_id, level FROM recovery.education_classes"))
        assert levels == {ids["mapped"]: "grade_4", ids["typed"]: None}
        assert await conn.fetchval(
            "SELECT level_set_aside FROM recovery.education_attendance WHERE class_id = $1",
            ids["typed"],
        ) == ("not_a_level_code")
        bodies = dict(
            await conn.fetch("SELECT enrolment_id, certifying_body FROM recovery.enrolments")
        )
        assert bodies == {ids["certified"]: "mlvt", ids["certified_typed"]: None}
        assert await conn.fetchval(
            "SELECT skills FROM recovery.residents WHERE case_id = $1", case
        ) == ["weaving"]
        provinces = dict(await conn.fetch("SELECT code, province FROM recovery.centres"))
        assert provinces == {"TD": "KH-12", "KC": "KH-3", "SR": None}
        reasons = sorted(
            (r["record"], r["field"], r["reason"])
            for r in await conn.fetch("SELECT * FROM recovery.set_aside")
        )
        assert reasons == [
            ("admission_request", "language", "not_a_language_code"),
            # Both audit rows: a row cannot be rewritten to "grade_4" in place.
            ("audit", "level", "not_a_level_code"),
            ("audit", "level", "not_a_level_code"),
            ("education_class", "level", "not_a_level_code"),
            ("education_month", "level", "not_a_level_code"),
            ("enrolment", "certifying_body", "not_a_certifying_body"),
            ("handoff", "skills", "not_a_skill"),
        ]
        # The schema's lists are the code's vocabularies, value for value.
        assert await conn.fetchval("SELECT recovery.education_levels()") == [
            lv.value for lv in EducationLevel
        ]
        assert await conn.fetchval("SELECT recovery.skills()") == [sk.value for sk in Skill]
        # A new free-text value cannot be written past the schema either.

        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "UPDATE recovery.education_classes SET level = $1 WHERE class_id = $2",
                CANARY,
                ids["mapped"],
            )

        async with running(service):
            assert service.pool is not None
            await seal_set_aside(service.pool, "recovery", service.master_key)
            # Sealed: nothing typed is left in clear outside the audit trail, and the
            # set-aside values open under her key.
            assert await _clear_holding(conn, "Srey Sokha") == []
            rows = await conn.fetch("SELECT * FROM recovery.set_aside ORDER BY id")
            assert all(r["value_clear"] is None and r["value_sealed"] for r in rows)
            opened = [await open_set_aside(conn, "recovery", service.master_key, r) for r in rows]
            assert opened.count(CANARY) == 6
            # The audit rows were not touched: the chain still verifies.
            assert await verify_audit_chain(conn, "recovery") >= 3

            async with client(service) as c:

                async def served() -> str:
                    education = await c.get(f"/residents/{case}/education", headers=TD)
                    assert education.status_code == 200, education.text
                    by_class = {x["class_id"]: x for x in education.json()}
                    assert by_class[str(ids["mapped"])]["level"] == "grade_4"
                    assert by_class[str(ids["typed"])]["level"] is None
                    assert by_class[str(ids["typed"])]["level_set_aside"] == "not_a_level_code"
                    audit = await c.get("/audit", params={"case_id": str(case)}, headers=AUDITOR)
                    assert audit.status_code == 200, audit.text
                    levels = [r["detail"]["level"] for r in audit.json() if "level" in r["detail"]]
                    assert levels == [SET_ASIDE, SET_ASIDE, "a2"]
                    return education.text + audit.text

                assert "Srey" not in await served()
                # Nothing is lost: her centre's staff open what was typed, for a purpose.
                aside = await c.get(
                    f"/residents/{case}/set-aside", headers=TD, params={"purpose": "care"}
                )
                assert aside.status_code == 200, aside.text
                assert [v["typed_value"] for v in aside.json()].count(CANARY) == 6
                other = as_user("u-staff-sr", "centre_staff", centres=["SR"])
                r = await c.get(
                    f"/residents/{case}/set-aside", headers=other, params={"purpose": "care"}
                )
                assert r.status_code == 404 and "Srey" not in r.text
                await destroy_case_key(conn, "recovery", case)
                # Erased: her set-aside values no longer open, and nothing typed is served.
                assert "Srey" not in await served()
                r = await c.get(
                    f"/residents/{case}/set-aside", headers=TD, params={"purpose": "care"}
                )
                assert r.status_code == 410 and "Srey" not in r.text
                assert [
                    await open_set_aside(conn, "recovery", service.master_key, r) for r in rows
                ] == [None] * len(rows)
    finally:
        await conn.close()


async def test_a_centre_name_is_sealed_at_start_and_read_back(fresh, topics):
    service = recovery_app(settings_for(RecoverySettings, fresh, topics))
    async with running(service):
        admin = as_user("u-admin", "admin")
        async with client(service) as c:
            r = await c.put(
                "/centres/BB",
                headers=admin,
                json={"name": "Battambang house", "province": "KH-2", "capacity": 4},
            )
            # Written, it is not sent back: sealed fields are opened by reads only.
            assert r.status_code == 200 and r.json()["name"] is None, r.text
            listed = {x["code"]: x for x in (await c.get("/centres", headers=TD)).json()}
        assert listed["BB"]["name"] == "Battambang house"
        assert listed["TD"]["name"] == "Tom Dy"
        conn = await asyncpg.connect(fresh.dsn("recovery"))
        try:
            assert await _clear_holding(conn, "Battambang house") == []
        finally:
            await conn.close()
