from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from homeward_shared.personal import personal, register_personal
from homeward_shared.uow import Received

from homeward_reintegration.domain.model import ClosureReason, Plan, VisitorRole, VisitOutcome


@dataclass(frozen=True, kw_only=True)
class OpenReintegrationCase:
    received: Received
    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    from_centre: str
    skills: tuple[str, ...]
    wishes_to_return_home: bool | None


@dataclass(frozen=True, kw_only=True)
class RecordResettlement:
    case_id: uuid.UUID
    plan: Plan
    resettled_on: date


@dataclass(frozen=True, kw_only=True)
class RecordFollowUpVisit:
    idempotency_key: str
    case_id: uuid.UUID
    visit_no: int
    visited_on: date
    by_role: VisitorRole
    outcomes: tuple[VisitOutcome, ...]
    notes: str | None = personal(default=None)


register_personal(RecordFollowUpVisit)


@dataclass(frozen=True, kw_only=True)
class RaiseOverdueAlerts:
    """One sweep of the schedule: alerts for visits overdue past the grace period."""

    now: datetime
    grace_days: int
    batch: int = 200


@dataclass(frozen=True, kw_only=True)
class CloseCase:
    case_id: uuid.UUID
    reason: ClosureReason
    closed_on: date
