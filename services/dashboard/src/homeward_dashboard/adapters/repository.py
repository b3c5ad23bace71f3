"""The dashboard's SQL. Explicit, schema-qualified, $n parameters."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal

import asyncpg
from homeward_shared.db import json_rows
from homeward_shared.stages import Stage

from homeward_dashboard.domain.figures import INTERVAL_METRICS, LATER_METRICS, Fact
from homeward_dashboard.domain.model import CaseProgress, HandOffRule, LateCase


class CaseProgressRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> CaseProgress | None:
        lock = " FOR UPDATE" if for_update else ""
        r = await self._conn.fetchrow(
            "SELECT case_id, stage, stage_at, centre, first_seen_at"
            f" FROM dashboard.case_progress WHERE case_id = $1{lock}",
            case_id,
        )
        if r is None:
            return None
        return CaseProgress(
            case_id=r["case_id"],
            stage=Stage(r["stage"]),
            stage_at=r["stage_at"],
            centre=r["centre"],
            first_seen_at=r["first_seen_at"],
        )

    async def add(self, case: CaseProgress) -> bool:
        """False if another transaction added the case first."""
        result = await self._conn.execute(
            "INSERT INTO dashboard.case_progress (case_id, stage, stage_at, centre, first_seen_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_id) DO NOTHING",
            case.case_id,
            case.stage.value,
            case.stage_at,
            case.centre,
            case.first_seen_at,
        )
        return result.endswith(" 1")

    async def save(self, case: CaseProgress) -> None:
        await self._conn.execute(
            "UPDATE dashboard.case_progress SET stage = $2, stage_at = $3, centre = $4,"
            " first_seen_at = $5 WHERE case_id = $1",
            case.case_id,
            case.stage.value,
            case.stage_at,
            case.centre,
            case.first_seen_at,
        )

    async def entered(self, case_id: uuid.UUID, stage: Stage, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO dashboard.case_stage_entries (case_id, stage, entered_at)"
            " VALUES ($1, $2, $3) ON CONFLICT (case_id, stage) DO UPDATE"
            " SET entered_at = LEAST(dashboard.case_stage_entries.entered_at, EXCLUDED.entered_at)",
            case_id,
            stage.value,
            at,
        )

    async def get_many(
        self, case_ids: list[uuid.UUID], *, for_update: bool = False
    ) -> dict[uuid.UUID, CaseProgress]:
        lock = " FOR UPDATE" if for_update else ""
        rows = await self._conn.fetch(
            "SELECT case_id, stage, stage_at, centre, first_seen_at"
            f" FROM dashboard.case_progress WHERE case_id = ANY($1::uuid[]){lock}",
            case_ids,
        )
        return {
            r["case_id"]: CaseProgress(
                case_id=r["case_id"],
                stage=Stage(r["stage"]),
                stage_at=r["stage_at"],
                centre=r["centre"],
                first_seen_at=r["first_seen_at"],
            )
            for r in rows
        }

    async def add_many(self, cases: list[CaseProgress]) -> set[uuid.UUID]:
        """The cases added; a case another transaction added first is left out."""
        rows = await self._conn.fetch(
            "INSERT INTO dashboard.case_progress (case_id, stage, stage_at, centre, first_seen_at)"
            f" SELECT * FROM json_to_recordset($1::json) AS r ({_PROGRESS})"
            " ON CONFLICT (case_id) DO NOTHING RETURNING case_id",
            _progress_rows(cases),
        )
        return {r["case_id"] for r in rows}

    async def save_many(self, cases: list[CaseProgress]) -> None:
        await self._conn.execute(
            "UPDATE dashboard.case_progress p SET stage = u.stage, stage_at = u.stage_at,"
            " centre = u.centre, first_seen_at = u.first_seen_at"
            f" FROM json_to_recordset($1::json) AS u ({_PROGRESS})"
            " WHERE p.case_id = u.case_id",
            _progress_rows(cases),
        )

    async def entered_many(self, entries: dict[tuple[uuid.UUID, Stage], datetime]) -> None:
        """``entered`` for many (case, stage) pairs, each once."""
        await self._conn.execute(
            "INSERT INTO dashboard.case_stage_entries (case_id, stage, entered_at)"
            " SELECT * FROM json_to_recordset($1::json)"
            " AS r (case_id uuid, stage text, entered_at timestamptz)"
            " ON CONFLICT (case_id, stage) DO UPDATE"
            " SET entered_at = LEAST(dashboard.case_stage_entries.entered_at, EXCLUDED.entered_at)",
            json_rows(
                {"case_id": case_id, "stage": stage.value, "entered_at": at}
                for (case_id, stage), at in entries.items()
            ),
        )

    async def by_stage(self) -> dict[str, int]:
        rows = await self._conn.fetch(
            "SELECT stage, count(*) AS n FROM dashboard.case_progress GROUP BY stage"
        )
        return {r["stage"]: r["n"] for r in rows}

    async def by_centre_and_stage(self) -> dict[str, dict[str, int]]:
        rows = await self._conn.fetch(
            "SELECT centre, stage, count(*) AS n FROM dashboard.case_progress"
            " WHERE centre IS NOT NULL GROUP BY centre, stage"
        )
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            out.setdefault(r["centre"], {})[r["stage"]] = r["n"]
        return out

    async def entered_since(self, since: datetime) -> dict[str, int]:
        rows = await self._conn.fetch(
            "SELECT stage, count(*) AS n FROM dashboard.case_stage_entries"
            " WHERE entered_at >= $1 GROUP BY stage",
            since,
        )
        return {r["stage"]: r["n"] for r in rows}

    async def waiting(self, rule: HandOffRule, before: datetime, limit: int) -> list[LateCase]:
        rows = await self._conn.fetch(
            "SELECT case_id, stage_at, first_seen_at FROM dashboard.case_progress"
            " WHERE stage = $1 AND stage_at < $2 ORDER BY stage_at LIMIT $3",
            rule.stage.value,
            before,
            limit,
        )
        return [
            LateCase(
                case_id=r["case_id"],
                stage=rule.stage,
                waiting_for=rule.waiting_for,
                since=r["stage_at"],
                first_seen_at=r["first_seen_at"],
            )
            for r in rows
        ]

    async def reset(self, consumer: str) -> None:
        """Empty the read model and forget which events it took in, for a replay."""
        await self._conn.execute("TRUNCATE dashboard.case_progress, dashboard.case_stage_entries")
        await self._conn.execute("DELETE FROM dashboard.inbox WHERE consumer = $1", consumer)


class FigureRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, facts: list[Fact]) -> int:
        """Facts already taken in (same event, same metric) are left as they are."""
        if not facts:
            return 0
        added = await self._conn.execute(
            f"{_INSERT_FACTS} ON CONFLICT (event_id, metric) DO NOTHING", _fact_rows(facts)
        )
        return int(added.rsplit(" ", 1)[1])

    async def add_new(self, facts: list[Fact]) -> None:
        """Facts of events this transaction has just claimed in the inbox: none can exist, so
        no conflict check (PostgreSQL's speculative insertion cost the rebuild 8%, paired
        runs). Should one exist all the same, the primary key fails the transaction."""
        if facts:
            await self._conn.execute(_INSERT_FACTS, _fact_rows(facts))

    async def for_year(self, year: int) -> list[Fact]:
        """The year's facts, the stays and trainings begun or ended before it (a resident
        admitted last year was cared for this year too), and the reopenings after it."""
        rows = await self._conn.fetch(
            "SELECT event_id, metric, on_date, subject, dims, amount, occurred_at, producer"
            " FROM dashboard.figure_facts"
            " WHERE year = $1"
            " OR (metric = ANY($2::text[]) AND on_date < $3)"
            " OR (metric = ANY($4::text[]) AND year > $1)",
            year,
            list(INTERVAL_METRICS),
            date(year + 1, 1, 1),
            list(LATER_METRICS),
        )
        return [
            Fact(
                event_id=r["event_id"],
                metric=r["metric"],
                on=r["on_date"],
                subject=r["subject"],
                dims=json.loads(r["dims"]) if isinstance(r["dims"], str) else r["dims"],
                amount=Decimal(r["amount"]),
                occurred_at=r["occurred_at"],
                producer=r["producer"],
            )
            for r in rows
        ]

    async def years(self) -> list[int]:
        rows = await self._conn.fetch(
            "SELECT DISTINCT year FROM dashboard.figure_facts ORDER BY year"
        )
        return [r["year"] for r in rows]

    async def exact(self) -> dict[int, dict[str, int]]:
        """Facts per year and metric, for the operator who rebuilds: never for a page."""
        rows = await self._conn.fetch(
            "SELECT year, metric, count(*) AS n FROM dashboard.figure_facts"
            " GROUP BY year, metric ORDER BY year, metric"
        )
        out: dict[int, dict[str, int]] = {}
        for r in rows:
            out.setdefault(r["year"], {})[r["metric"]] = r["n"]
        return out

    async def reset(self, consumers: list[str]) -> None:
        await self._conn.execute("TRUNCATE dashboard.figure_facts")
        await self._conn.execute(
            "DELETE FROM dashboard.inbox WHERE consumer = ANY($1::text[])", consumers
        )


_INSERT_FACTS = (
    "INSERT INTO dashboard.figure_facts (event_id, metric, year, on_date, subject, dims,"
    " amount, occurred_at, producer)"
    " SELECT event_id, metric, extract(year FROM on_date)::int, on_date, subject, dims,"
    " amount, occurred_at, producer FROM json_to_recordset($1::json) AS r (event_id uuid,"
    " metric text, on_date date, subject uuid, dims jsonb, amount numeric,"
    " occurred_at timestamptz, producer text)"
)


def _fact_rows(facts: list[Fact]) -> str:
    return json_rows(
        {
            "event_id": f.event_id,
            "metric": f.metric,
            "on_date": f.on,
            "subject": f.subject,
            "dims": dict(f.dims),
            "amount": f.amount,
            "occurred_at": f.occurred_at,
            "producer": f.producer,
        }
        for f in facts
    )


_PROGRESS = "case_id uuid, stage text, stage_at timestamptz, centre text, first_seen_at timestamptz"


def _progress_rows(cases: list[CaseProgress]) -> str:
    return json_rows(
        {
            "case_id": c.case_id,
            "stage": c.stage.value,
            "stage_at": c.stage_at,
            "centre": c.centre,
            "first_seen_at": c.first_seen_at,
        }
        for c in cases
    )
