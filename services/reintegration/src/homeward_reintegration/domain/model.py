"""Reintegration's domain: the case handed on by recovery, her resettlement and the years of
follow-up. Framework-free.

Invariants:
- A scheduled visit is recorded once; a closed case takes no visit.
- One overdue alert per (case, visit), ever: the alert is a row of its own, keyed so.
- The stage only moves forward: ready_for_reintegration -> resettled -> closed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from homeward_shared.domain import (
    Aggregate,
    Conflict,
    DomainError,
    NotFound,
    StageEntered,
    utcnow,
)
from homeward_shared.personal import personal, register_personal
from homeward_shared.stages import Stage

from homeward_reintegration.domain import events


class Plan(StrEnum):
    REUNIFICATION = "reunification"
    INDEPENDENT_RESETTLEMENT = "independent_resettlement"
    REPATRIATION = "repatriation"


class CaseStatus(StrEnum):
    PREPARING = "preparing"
    RESETTLED = "resettled"
    CLOSED = "closed"


class VisitorRole(StrEnum):
    """Who made a follow-up visit: a role, never a person's name."""

    SOCIAL_WORKER = "social_worker"
    MEDICAL_STAFF = "medical_staff"
    TRAINER = "trainer"
    LEGAL_EXPERT = "legal_expert"
    PSYCHOLOGIST = "psychologist"


class VisitOutcome(StrEnum):
    BUSINESS_RUNNING = "business_running"
    EMPLOYED = "employed"
    IN_SCHOOL = "in_school"
    HEALTH_CONCERNS = "health_concerns"
    SAFETY_CONCERNS = "safety_concerns"
    NOT_MET = "not_met"


class ClosureReason(StrEnum):
    FOLLOW_UP_COMPLETED = "follow_up_completed"
    MOVED_AWAY = "moved_away"
    LOST_CONTACT = "lost_contact"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    TRANSFERRED = "transferred"


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


@dataclass(kw_only=True)
class FollowUpVisit:
    visit_no: int
    due_on: date
    visited_on: date | None = None
    by_role: VisitorRole | None = None
    outcomes: tuple[VisitOutcome, ...] = ()
    recorded_by: str | None = None
    # Loaded only when someone opens it for a stated purpose; sealed under her case key.
    notes: str | None = personal(default=None)

    @property
    def done(self) -> bool:
        return self.visited_on is not None


register_personal(FollowUpVisit)


@dataclass(frozen=True, kw_only=True)
class OverdueCandidate:
    """A scheduled visit not yet recorded, as the sweep finds it."""

    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    visit_no: int
    due_on: date


@dataclass(frozen=True, kw_only=True)
class OpenAlert:
    """An alert whose visit is still not recorded: what the overdue list shows."""

    case_id: uuid.UUID
    case_number: str
    visit_no: int
    due_on: date
    raised_at: datetime


@dataclass(kw_only=True, eq=False)
class OverdueAlert(Aggregate):
    case_id: uuid.UUID
    visit_no: int
    due_on: date
    days_overdue: int
    raised_at: datetime

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @classmethod
    def raise_for(
        cls, visit: OverdueCandidate, today: date, grace_days: int, now: datetime
    ) -> OverdueAlert:
        days = (today - visit.due_on).days
        if days <= grace_days:
            raise DomainError(f"visit {visit.visit_no} of case {visit.case_id} is within grace")
        alert = cls(
            case_id=visit.case_id,
            visit_no=visit.visit_no,
            due_on=visit.due_on,
            days_overdue=days,
            raised_at=now,
        )
        alert.record(
            events.FollowUpVisitOverdue(
                case_id=visit.case_id,
                correlation_id=visit.correlation_id,
                case_number=visit.case_number,
                visit_no=visit.visit_no,
                due_on=visit.due_on,
                days_overdue=days,
                occurred_at=now,
            )
        )
        return alert


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
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    def resettle(self, plan: Plan, on: date, policy: FollowUpPolicy) -> None:
        """Reunified, resettled independently or repatriated: follow-up begins."""
        if self.status is not CaseStatus.PREPARING:
            raise Conflict(f"case {self.case_id} is already {self.status.value}")
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

    def visit(self, visit_no: int) -> FollowUpVisit:
        for v in self.visits:
            if v.visit_no == visit_no:
                return v
        raise NotFound(f"case {self.case_id} has no scheduled visit {visit_no}")

    def record_visit(
        self,
        visit_no: int,
        *,
        visited_on: date,
        by_role: VisitorRole,
        outcomes: tuple[VisitOutcome, ...],
        notes: str | None,
        recorded_by: str,
        today: date,
    ) -> FollowUpVisit:
        if self.status is CaseStatus.CLOSED:
            raise Conflict(f"case {self.case_id} is closed: no visit can be recorded")
        if self.status is not CaseStatus.RESETTLED or self.resettled_on is None:
            raise Conflict(f"case {self.case_id} is not resettled: no follow-up yet")
        visit = self.visit(visit_no)
        if visit.done:
            raise Conflict(f"visit {visit_no} of case {self.case_id} is already recorded")
        if not self.resettled_on <= visited_on <= today:
            raise DomainError("a visit happens between her resettlement and today")
        if not outcomes:
            raise DomainError("a visit records at least one outcome")
        visit.visited_on = visited_on
        visit.by_role = by_role
        visit.outcomes = tuple(dict.fromkeys(outcomes))
        visit.recorded_by = recorded_by
        visit.notes = notes
        self.record(
            events.FollowUpVisitRecorded(
                case_id=self.case_id,
                visit_no=visit_no,
                visited_on=visited_on,
                by_role=by_role.value,
                outcomes=tuple(o.value for o in visit.outcomes),
            )
        )
        return visit

    def close(self, reason: ClosureReason, on: date) -> None:
        """Closed after the follow-up, or early with a reason. Closing after follow-up needs
        the last scheduled visit recorded: a case is not closed on a missed visit."""
        if self.status is CaseStatus.CLOSED:
            raise Conflict(f"case {self.case_id} is already closed")
        if reason is ClosureReason.FOLLOW_UP_COMPLETED:
            if self.status is not CaseStatus.RESETTLED or not self.visits:
                raise Conflict(f"case {self.case_id} has no follow-up to complete")
            if not self.visits[-1].done:
                raise Conflict(
                    f"case {self.case_id}: the last follow-up visit "
                    f"({self.visits[-1].visit_no}) is not recorded"
                )
        if self.resettled_on is not None and on < self.resettled_on:
            raise DomainError("a case is not closed before her resettlement")
        self.status = CaseStatus.CLOSED
        self.closed_on = on
        self.closure_reason = reason
        previous, self.stage = self.stage, Stage.CLOSED
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.CLOSED,
                previous_stage=previous,
                reason=reason.value,
                occurred_at=utcnow(),
            )
        )
