from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from homeward_shared.contracts.handoffs import LegalAssistanceKind, SignalSource, Skill, Urgency
from homeward_shared.personal import personal
from homeward_shared.uow import Received

from homeward_recovery.domain.care import AssessmentKind, AssessorRole, CareArea, ReviewOutcome
from homeward_recovery.domain.education import EducationLevel, Subject
from homeward_recovery.domain.model import Identity, LeaveReason, RequestOrigin
from homeward_recovery.domain.training import CertifyingBody, Trade


@dataclass(frozen=True, kw_only=True)
class OpenAdmissionRequest:
    """From intake's placement request or investigation's rescue hand-off."""

    received: Received
    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    origin: RequestOrigin
    source: SignalSource | None
    urgency: Urgency
    apparent_minor: bool
    children_with_her: int
    language: str | None
    operation_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class AdmitResident:
    case_id: uuid.UUID
    centre: str
    informed_consent: bool
    house_rules_accepted: bool
    consent_given_on: date
    identity: Identity


@dataclass(frozen=True, kw_only=True)
class RequestTransfer:
    case_id: uuid.UUID
    acting_centre: str
    to_centre: str
    urgency: Urgency


@dataclass(frozen=True, kw_only=True)
class ReceiveTransfer:
    case_id: uuid.UUID
    acting_centre: str
    consent_given: bool


@dataclass(frozen=True, kw_only=True)
class RecordDeparture:
    case_id: uuid.UUID
    acting_centre: str
    reason: LeaveReason
    left_on: date


@dataclass(frozen=True, kw_only=True)
class HandToReintegration:
    case_id: uuid.UUID
    acting_centre: str
    skills: tuple[Skill, ...]
    wishes_to_return_home: bool | None


@dataclass(frozen=True, kw_only=True)
class ConfigureCentre:
    code: str
    name: str
    province: str
    capacity: int
    childcare: bool
    for_youngest: bool
    languages: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RecordAssessment:
    case_id: uuid.UUID
    acting_centre: str
    kind: AssessmentKind
    assessed_on: date
    assessor_role: AssessorRole
    findings: str


@dataclass(frozen=True, kw_only=True)
class SetCareGoal:
    case_id: uuid.UUID
    acting_centre: str
    area: CareArea
    goal: str
    review_on: date


@dataclass(frozen=True, kw_only=True)
class ReviewCareGoal:
    case_id: uuid.UUID
    goal_id: uuid.UUID
    acting_centre: str
    reviewed_on: date
    outcome: ReviewOutcome
    next_review_on: date | None


@dataclass(frozen=True, kw_only=True)
class Enrol:
    case_id: uuid.UUID
    acting_centre: str
    trade: Trade
    started_on: date
    planned_end_on: date | None


@dataclass(frozen=True, kw_only=True)
class CompleteTraining:
    case_id: uuid.UUID
    enrolment_id: uuid.UUID
    acting_centre: str
    completed_on: date


@dataclass(frozen=True, kw_only=True)
class CertifyTrainee:
    case_id: uuid.UUID
    enrolment_id: uuid.UUID
    acting_centre: str
    certified_on: date
    certifying_body: CertifyingBody


@dataclass(frozen=True, kw_only=True)
class WithdrawTraining:
    case_id: uuid.UUID
    enrolment_id: uuid.UUID
    acting_centre: str
    on: date


@dataclass(frozen=True, kw_only=True)
class RecordInternship:
    case_id: uuid.UUID
    acting_centre: str
    trade: Trade
    started_on: date
    ends_on: date
    business: str


@dataclass(frozen=True, kw_only=True)
class RecordStudyTour:
    case_id: uuid.UUID
    acting_centre: str
    toured_on: date
    trades: tuple[Trade, ...]


@dataclass(frozen=True, kw_only=True)
class StartClass:
    case_id: uuid.UUID
    acting_centre: str
    subject: Subject
    level: EducationLevel
    started_on: date


@dataclass(frozen=True, kw_only=True)
class RecordAttendance:
    case_id: uuid.UUID
    class_id: uuid.UUID
    acting_centre: str
    month: date
    attended: int
    held: int
    level: EducationLevel


@dataclass(frozen=True, kw_only=True)
class EndClass:
    case_id: uuid.UUID
    class_id: uuid.UUID
    acting_centre: str
    on: date


@dataclass(frozen=True, kw_only=True)
class RegisterChild:
    case_id: uuid.UUID
    acting_centre: str
    in_childcare: bool
    name: str | None = personal(default=None)
    birth_date: str | None = personal(default=None)


@dataclass(frozen=True, kw_only=True)
class RequestLegalAssistance:
    case_id: uuid.UUID
    acting_centre: str
    kind: LegalAssistanceKind
    urgency: Urgency
    idempotency_key: str | None = None
    note: str | None = personal(default=None)
