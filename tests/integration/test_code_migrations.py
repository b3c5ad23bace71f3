"""Existing rows are brought to the rule "personal and sealed, or a code" (issue 16).

Each service's schema is migrated up to the file before its codes migration, rows are
written as the old code allowed (names where codes belong, a placement reason typed as a
sentence), and then the codes migration runs. A known name becomes its code; any other
text is gone from the table, and a row in ``set_aside`` (ids and a reason code only) says
that a value was there."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import homeward_dashboard.bootstrap as dashboard
import homeward_intake.bootstrap as intake
import homeward_investigation.bootstrap as investigation
import pytest
from homeward_shared.db import migrate
from homeward_shared.logging import configure_logging

pytestmark = pytest.mark.integration

NAME = "Srey Zqcanary"


@pytest.fixture
def database(fresh_database):
    """A database of this test's own: the session's has every migration applied already,
    and this test must stop each schema before its codes migration."""
    # The migration runner logs; a service started by an earlier test may have left the
    # logger writing to a capture that is closed now.
    configure_logging("migration-test", "WARNING")
    return fresh_database


NOW = datetime.now(UTC)


def before(directory: Path, codes_migration: str, into: Path) -> Path:
    into.mkdir()
    for f in sorted(directory.glob("*.sql")):
        if f.name >= codes_migration:
            break
        shutil.copy(f, into / f.name)
    return into


async def leaks(conn: asyncpg.Connection, schema: str) -> list[str]:
    found = []
    for (table,) in await conn.fetch(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
        schema,
    ):
        hit = await conn.fetchval(
            f"SELECT count(*) FROM {schema}.{table} t WHERE strpos(t::text, $1) > 0", NAME
        )
        if hit:
            found.append(table)
    return found


async def set_aside(conn: asyncpg.Connection, schema: str) -> set[tuple[str, str, str, str]]:
    rows = await conn.fetch(
        f"SELECT table_name, row_key, column_name, reason FROM {schema}.set_aside"
    )
    return {tuple(r) for r in rows}


async def test_intake_rows_become_codes_or_are_set_aside(database, tmp_path):
    dsn = database.dsn("intake")
    await migrate(dsn, "intake", before(intake.MIGRATIONS, "004", tmp_path / "old"))
    conn = await asyncpg.connect(dsn)
    try:
        signals = [uuid.uuid4() for _ in range(3)]
        for n, (sid, language, reason) in enumerate(
            zip(
                signals,
                ("Khmer", f"{NAME}'s dialect", "vi"),
                (f"{NAME} needs a bed", "walk_in_needs_shelter", None),
                strict=True,
            )
        ):
            await conn.execute(
                "INSERT INTO intake.signals (signal_id, case_id, case_number, idempotency_key,"
                " source, urgency, needs_shelter, apparent_minor, children_with_her, language,"
                " received_at, recorded_by, status, stage, routing_reason)"
                " VALUES ($1, $2, $3, $4, 'hotline', 'high', true, false, 0, $5, $6, 'u-1',"
                " 'open', 'reported', $7)",
                sid,
                uuid.uuid4(),
                f"IN-2026-00000{n}",
                uuid.uuid4().hex,
                language,
                NOW,
                reason,
            )
        leads = [uuid.uuid4(), uuid.uuid4()]
        for lid, province, district in zip(
            leads, ("Phnom Penh", f"{NAME} village"), ("Tuol Kork", "0801"), strict=True
        ):
            await conn.execute(
                "INSERT INTO intake.leads (lead_id, match_key, establishment_kind, province,"
                " district, urgency, persons_reported, status, opened_at, opened_by,"
                " first_signal_id) VALUES ($1, $2, 'club', $3, $4, 'high', 1, 'open', $5,"
                " 'u-1', $6)",
                lid,
                uuid.uuid4().hex,
                province,
                district,
                NOW,
                signals[0],
            )
        outreach = [uuid.uuid4(), uuid.uuid4()]
        for aid, province, district in zip(
            outreach, ("Siem Reap", "KH-12"), (None, "1201"), strict=True
        ):
            await conn.execute(
                "INSERT INTO intake.outreach_activities (activity_id, idempotency_key, on_date,"
                " province, district, entertainment_areas_visited, clinic_consultations,"
                " educational_contacts, recorded_at, recorded_by)"
                " VALUES ($1, $2, $3, $4, $5, 1, 0, 0, $6, 'u-1')",
                aid,
                uuid.uuid4().hex,
                date(2026, 3, 1),
                province,
                district,
                NOW,
            )

        # 004 is the one under test; later ones (005: the list's indexes) follow it.
        applied = await migrate(dsn, "intake", intake.MIGRATIONS)
        assert applied[0] == "004_codes_not_free_text.sql"

        got = {
            r["signal_id"]: (r["language"], r["routing_reason"])
            for r in await conn.fetch("SELECT * FROM intake.signals")
        }
        assert got == {
            signals[0]: ("km", None),
            signals[1]: (None, "walk_in_needs_shelter"),
            signals[2]: ("vi", None),
        }
        got = {
            r["lead_id"]: (r["province"], r["district"])
            for r in await conn.fetch("SELECT * FROM intake.leads")
        }
        # "0801" is a district code (of Kandal): it stays, though the province beside it
        # was a name and is set aside.
        assert got == {leads[0]: ("KH-12", None), leads[1]: (None, "0801")}
        got = {
            r["activity_id"]: (r["province"], r["district"])
            for r in await conn.fetch("SELECT * FROM intake.outreach_activities")
        }
        assert got == {outreach[0]: ("KH-17", None), outreach[1]: ("KH-12", "1201")}
        aside = await set_aside(conn, "intake")
        assert {
            ("signals", str(signals[0]), "routing_reason", "not_a_code"),
            ("signals", str(signals[1]), "language", "not_a_code"),
            ("leads", str(leads[0]), "district", "not_a_code"),
            ("leads", str(leads[1]), "province", "not_a_code"),
        } <= aside
        assert await leaks(conn, "intake") == []
    finally:
        await conn.close()


async def test_investigation_rows_become_codes_or_are_set_aside(database, tmp_path):
    dsn = database.dsn("investigation")
    await migrate(dsn, "investigation", before(investigation.MIGRATIONS, "006", tmp_path / "old"))
    conn = await asyncpg.connect(dsn)
    try:
        places = {uuid.uuid4(): ("Kandal", "0801"), uuid.uuid4(): (f"{NAME} hamlet", "Sangkae")}
        for eid, (province, district) in places.items():
            await conn.execute(
                "INSERT INTO investigation.establishments (establishment_id, kind, province,"
                " district, recorded_at) VALUES ($1, 'brothel', $2, $3, $4)",
                eid,
                province,
                district,
                NOW,
            )
        first = next(iter(places))
        report = uuid.uuid4()
        await conn.execute(
            "INSERT INTO investigation.reports (report_id, idempotency_key, establishment_id,"
            " urgency, visit_dates, filed_at, filed_by) VALUES ($1, $2, $3, 'high', $4, $5,"
            " 'u-1')",
            report,
            uuid.uuid4().hex,
            first,
            [date(2026, 3, 1)],
            NOW,
        )
        persons = {uuid.uuid4(): "Vietnamese", uuid.uuid4(): f"{NAME}'s tongue"}
        for n, (case_id, language) in enumerate(persons.items()):
            await conn.execute(
                "INSERT INTO investigation.persons (case_id, case_number, report_id, ordinal,"
                " sex, language, stage) VALUES ($1, $2, $3, $4, 'female', $5, 'identified')",
                case_id,
                f"IV-2026-00000{n}",
                report,
                n,
                language,
            )

        applied = await migrate(dsn, "investigation", investigation.MIGRATIONS)
        assert "006_codes_not_free_text.sql" in applied

        got = {
            r["establishment_id"]: (r["province"], r["district"])
            for r in await conn.fetch("SELECT * FROM investigation.establishments")
        }
        second = list(places)[1]
        assert got == {first: ("KH-8", "0801"), second: (None, None)}
        got = {
            r["case_id"]: r["language"]
            for r in await conn.fetch("SELECT * FROM investigation.persons")
        }
        assert sorted(got.values(), key=str) == [None, "vi"]
        silenced = next(c for c, lang in persons.items() if lang.startswith(NAME))
        assert await set_aside(conn, "investigation") == {
            ("establishments", str(second), "province", "not_a_code"),
            ("establishments", str(second), "district", "not_a_code"),
            ("persons", str(silenced), "language", "not_a_code"),
        }
        assert await leaks(conn, "investigation") == []
    finally:
        await conn.close()


async def test_dashboard_facts_keep_counting_without_free_text(database, tmp_path):
    dsn = database.dsn("dashboard")
    await migrate(dsn, "dashboard", before(dashboard.MIGRATIONS, "003", tmp_path / "old"))
    conn = await asyncpg.connect(dsn)
    try:
        facts = {
            uuid.uuid4(): ("outreach_clinic_consultations", {"province": "Siem Reap"}),
            uuid.uuid4(): ("outreach_clinic_consultations", {"province": f"{NAME} district"}),
            uuid.uuid4(): ("stage_rescued", {"reason": f"{NAME} walked in", "centre": "TD"}),
            uuid.uuid4(): ("stage_rescued", {"reason": "walk_in_needs_shelter"}),
        }
        for event_id, (metric, dims) in facts.items():
            await conn.execute(
                "INSERT INTO dashboard.figure_facts (event_id, metric, year, on_date, subject,"
                " dims, occurred_at, producer) VALUES ($1, $2, 2026, $3, $4, $5::jsonb, $6,"
                " 'intake')",
                event_id,
                metric,
                date(2026, 3, 1),
                uuid.uuid4(),
                json.dumps(dims),
                NOW,
            )

        assert "003_codes_not_free_text.sql" in await migrate(
            dsn, "dashboard", dashboard.MIGRATIONS
        )

        got = {
            r["event_id"]: json.loads(r["dims"])
            for r in await conn.fetch("SELECT event_id, dims FROM dashboard.figure_facts")
        }
        ids = list(facts)
        assert got == {
            ids[0]: {"province": "KH-17"},
            ids[1]: {},
            ids[2]: {"centre": "TD"},
            ids[3]: {"reason": "walk_in_needs_shelter"},
        }
        assert await set_aside(conn, "dashboard") == {
            (
                "figure_facts",
                f"{ids[1]}/outreach_clinic_consultations",
                "dims.province",
                "not_a_code",
            ),
            ("figure_facts", f"{ids[2]}/stage_rescued", "dims.reason", "not_a_code"),
        }
        assert await leaks(conn, "dashboard") == []
    finally:
        await conn.close()
