"""Reintegration's domain: the case handed on by recovery, her resettlement and the years of
follow-up. Framework-free."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from homeward_shared.domain import Aggregate, Conflict, DomainError, StageEntered, utcnow
from homeward_shared.stages import Stage


class Plan(StrEnum):
    REUNIFICATION = "reunification"
    INDEPENDENT_RESETTLEMENT = "independent_resettlement"
    REPATRIATION = "repatriation"


class CaseStatus(StrEnum):
    PREPARING = "preparing"
    RESETTLED = "resettled"


@dataclass(frozen=True, kw_only=True)
class FollowUpPolicy:
    """A visit about every three months for at least three years (DOMAIN.md)."""

    interval_months: int = 3
    years: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.interval_months <= 12 or not 1 <= self.years <= 10:
            raise DomainError("follow-up interval must be 1-12 months and length 1-10 years")

    def due_dates(self, start: date) -> list[date]:
        count = (self.years * 12) // self.interval_months
        return [add_months(start, self.interval_months * i) for i in range(1, count + 1)]


def add_months(d: date, months: int) -> date:
    """Same day of the month, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, min(d.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True, kw_only=True)
class FollowUpVisit:
    visit_no: int
    due_on: date


@dataclass(kw_only=True, eq=False)
class ReintegrationCase(Aggregate):
    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    from_centre: str
    skills: tuple[str, ...]
    wishes_to_return_home: bool | None
    received_at: datetime
    status: CaseStatus = CaseStatus.PREPARING
    plan: Plan | None = None
    resettled_on: date | None = None
    stage: Stage = Stage.READY_FOR_REINTEGRATION
    visits: list[FollowUpVisit] = field(default_factory=list)

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    def resettle(self, plan: Plan, on: date, policy: FollowUpPolicy) -> None:
        """Reunified, resettled independently or repatriated: follow-up begins."""
        if self.status is CaseStatus.RESETTLED:
            raise Conflict(f"case {self.case_id} is already resettled")
        if plan is Plan.REUNIFICATION and self.wishes_to_return_home is False:
            # Her own wishes decide (DOMAIN.md): no reunification she has said she does not want.
            raise Conflict(f"case {self.case_id}: she does not wish to return home")
        self.status = CaseStatus.RESETTLED
        self.plan = plan
        self.resettled_on = on
        self.visits = [
            FollowUpVisit(visit_no=i, due_on=d) for i, d in enumerate(policy.due_dates(on), 1)
        ]
        previous, self.stage = self.stage, Stage.RESETTLED
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.RESETTLED,
                previous_stage=previous,
                reason=plan.value,
                occurred_at=utcnow(),
            )
        )
