"""Reintegration's SQL. Explicit, schema-qualified, $n parameters."""

from __future__ import annotations

import uuid

import asyncpg
from homeward_shared.stages import Stage

from homeward_reintegration.domain.model import (
    CaseStatus,
    FollowUpVisit,
    Plan,
    ReintegrationCase,
)


class CaseRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, case: ReintegrationCase) -> bool:
        """False if her case was handed on already."""
        result = await self._conn.execute(
            "INSERT INTO reintegration.cases (case_id, case_number, correlation_id, from_centre,"
            " skills, wishes_to_return_home, received_at, status, stage)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (case_id) DO NOTHING",
            case.case_id,
            case.case_number,
            case.correlation_id,
            case.from_centre,
            list(case.skills),
            case.wishes_to_return_home,
            case.received_at,
            case.status.value,
            case.stage.value,
        )
        return result.endswith(" 1")

    async def get(
        self, case_id: uuid.UUID, *, for_update: bool = False
    ) -> ReintegrationCase | None:
        lock = " FOR UPDATE" if for_update else ""
        r = await self._conn.fetchrow(
            f"SELECT * FROM reintegration.cases WHERE case_id = $1{lock}", case_id
        )
        if r is None:
            return None
        visits = await self._conn.fetch(
            "SELECT visit_no, due_on FROM reintegration.follow_up_visits"
            " WHERE case_id = $1 ORDER BY visit_no",
            case_id,
        )
        return ReintegrationCase(
            case_id=r["case_id"],
            case_number=r["case_number"],
            correlation_id=r["correlation_id"],
            from_centre=r["from_centre"],
            skills=tuple(r["skills"]),
            wishes_to_return_home=r["wishes_to_return_home"],
            received_at=r["received_at"],
            status=CaseStatus(r["status"]),
            plan=Plan(r["plan"]) if r["plan"] else None,
            resettled_on=r["resettled_on"],
            stage=Stage(r["stage"]),
            visits=[FollowUpVisit(visit_no=v["visit_no"], due_on=v["due_on"]) for v in visits],
        )

    async def save(self, case: ReintegrationCase) -> None:
        await self._conn.execute(
            "UPDATE reintegration.cases SET status = $2, plan = $3, resettled_on = $4, stage = $5"
            " WHERE case_id = $1",
            case.case_id,
            case.status.value,
            case.plan.value if case.plan else None,
            case.resettled_on,
            case.stage.value,
        )
        await self._conn.executemany(
            "INSERT INTO reintegration.follow_up_visits (case_id, visit_no, due_on)"
            " VALUES ($1, $2, $3) ON CONFLICT (case_id, visit_no) DO NOTHING",
            [(case.case_id, v.visit_no, v.due_on) for v in case.visits],
        )
