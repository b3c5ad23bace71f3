from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from homeward_shared.contracts.handoffs import Skill
from homeward_shared.personal import personal, register_personal
from homeward_shared.uow import Received

from homeward_reintegration.domain.model import (
    BusinessKind,
    ClosureReason,
    ContactKind,
    Plan,
    Rating,
    ReopenReason,
    SafetyRisk,
    SupportForm,
    SupportKind,
    TracingResult,
    VisitorRole,
    VisitOutcome,
    Wish,
)
from homeward_reintegration.domain.partners import KitItem


@dataclass(frozen=True, kw_only=True)
class OpenReintegrationCase:
    received: Received
    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    from_centre: str
    skills: tuple[Skill, ...]
    wishes_to_return_home: bool | None


@dataclass(frozen=True, kw_only=True)
class RecordResettlement:
    case_id: uuid.UUID
    plan: Plan
    resettled_on: date
    destination_country: str | None = None
    receiving_partner: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordFamilyContact:
    idempotency_key: str
    case_id: uuid.UUID
    kind: ContactKind
    happened_on: date
    result: TracingResult | None = None
    details: str | None = personal(default=None)


@dataclass(frozen=True, kw_only=True)
class RecordAssessment:
    idempotency_key: str
    case_id: uuid.UUID
    assessed_on: date
    her_wish: Wish
    market_opportunities: Rating
    family_conditions: Rating
    skills_fit: bool
    wants_business: bool
    safety_risks: tuple[SafetyRisk, ...] = ()
    business_kind: BusinessKind | None = None
    business_market: Rating | None = None
    notes: str | None = personal(default=None)


@dataclass(frozen=True, kw_only=True)
class RecordDisbursement:
    idempotency_key: str
    case_id: uuid.UUID
    kind: SupportKind
    form: SupportForm | None
    items: tuple[KitItem, ...]
    value: Decimal
    currency: str
    disbursed_on: date
    approved_by: str
    second_kit_approved_by: str | None = None


@dataclass(frozen=True, kw_only=True)
class RecordFollowUpVisit:
    idempotency_key: str
    case_id: uuid.UUID
    visit_no: int
    visited_on: date
    by_role: VisitorRole
    outcomes: tuple[VisitOutcome, ...]
    notes: str | None = personal(default=None)


register_personal(RecordFollowUpVisit, RecordFamilyContact, RecordAssessment)


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


@dataclass(frozen=True, kw_only=True)
class ReopenCase:
    case_id: uuid.UUID
    reason: ReopenReason
    reopened_on: date
