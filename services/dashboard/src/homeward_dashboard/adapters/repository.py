"""The dashboard's SQL. Explicit, schema-qualified, $n parameters."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from homeward_shared.stages import Stage

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
