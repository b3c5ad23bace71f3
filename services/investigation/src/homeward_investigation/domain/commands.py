from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from homeward_shared.contracts.handoffs import (
    EstablishmentKind,
    Indicator,
    LegalAssistanceKind,
    Urgency,
)
from homeward_shared.personal import personal, register_personal
from homeward_shared.uow import Received

from homeward_investigation.domain.model import (
    AccusedVerdict,
    CloseReason,
    EvidenceRef,
    Milestone,
    RescueOutcome,
    Sex,
    SplitReason,
)


@dataclass(frozen=True, kw_only=True)
class EstablishmentSeen:
    kind: EstablishmentKind
    province: str
    district: str
    address: str | None = personal(default=None)
    operator_names: str | None = personal(default=None)


@dataclass(frozen=True, kw_only=True)
class PersonSeen:
    sex: Sex
    approximate_age: int | None = None
    nationality: str | None = None
    language: str | None = None
    indicators: frozenset[Indicator] = frozenset()
    name: str | None = personal(default=None)
    description: str | None = personal(default=None)


@dataclass(frozen=True, kw_only=True)
class FileReport:
    """About a new establishment, or (``investigation_id``) about an investigation's."""

    idempotency_key: str
    visit_dates: tuple[date, ...]
    urgency: Urgency
    persons: tuple[PersonSeen, ...]
    establishment: EstablishmentSeen | None = None
    investigation_id: uuid.UUID | None = None
    evidence: tuple[EvidenceRef, ...] = ()
    draft_id: uuid.UUID | None = None
    """The caller's draft of this report: deleted (its key destroyed) when it is filed."""


@dataclass(frozen=True, kw_only=True)
class IssueLegalReferral:
    report_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class AcknowledgeReferral:
    referral_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class AssignReferral:
    referral_id: uuid.UUID
    assignee: str


@dataclass(frozen=True, kw_only=True)
class RecordMilestone:
    referral_id: uuid.UUID
    milestone: Milestone
    occurred_on: date
    accused_count: int | None = None
    verdicts: tuple[AccusedVerdict, ...] = ()


@dataclass(frozen=True, kw_only=True)
class OutcomeSeen:
    case_id: uuid.UUID
    outcome: RescueOutcome
    children_with_her: int = 0
    medical_urgency: bool = False


@dataclass(frozen=True, kw_only=True)
class RecordRescueOperation:
    referral_id: uuid.UUID
    idempotency_key: str
    carried_out_on: date
    outcomes: tuple[OutcomeSeen, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RecordOutcomes:
    operation_id: uuid.UUID
    outcomes: tuple[OutcomeSeen, ...]


@dataclass(frozen=True, kw_only=True)
class OpenInvestigationFromLead:
    received: Received
    correlation_id: uuid.UUID
    lead_id: uuid.UUID
    kind: EstablishmentKind
    province: str
    district: str | None
    urgency: Urgency
    persons_reported: int
    indicators: frozenset[Indicator]


@dataclass(frozen=True, kw_only=True)
class OpenInvestigation:
    idempotency_key: str
    establishment: EstablishmentSeen
    urgency: Urgency


@dataclass(frozen=True, kw_only=True)
class RecordVisit:
    investigation_id: uuid.UUID
    idempotency_key: str
    visited_on: date
    investigators: tuple[str, ...]
    observations: str | None = personal(default=None)


@dataclass(frozen=True, kw_only=True)
class CloseInvestigation:
    investigation_id: uuid.UUID
    reason: CloseReason


@dataclass(frozen=True, kw_only=True)
class SplitLead:
    """Take a wrongly linked lead off an investigation: into an open one
    (``into_investigation_id``), or into a new one on ``establishment`` (default: a new
    establishment of the same kind in the same area)."""

    investigation_id: uuid.UUID
    lead_id: uuid.UUID
    reason: SplitReason
    into_investigation_id: uuid.UUID | None = None
    establishment: EstablishmentSeen | None = None


@dataclass(frozen=True, kw_only=True)
class OpenLegalAssistanceRequest:
    received: Received
    request_id: uuid.UUID
    case_id: uuid.UUID
    kind: LegalAssistanceKind
    urgency: Urgency
    centre: str
    requested_at: datetime


@dataclass(frozen=True, kw_only=True)
class AcknowledgeAssistanceRequest:
    request_id: uuid.UUID


@dataclass(frozen=True, kw_only=True)
class AssignAssistanceRequest:
    request_id: uuid.UUID
    assignee: str


register_personal(EstablishmentSeen, PersonSeen, RecordVisit)


@dataclass(frozen=True, kw_only=True)
class SaveDraft:
    """Create or replace the caller's draft ``draft_id``; ``body`` is its JSON text."""

    draft_id: uuid.UUID
    body: str
    persons_count: int
