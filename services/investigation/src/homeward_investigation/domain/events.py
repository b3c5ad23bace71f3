from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from homeward_shared.contracts.handoffs import Indicator, Urgency
from homeward_shared.domain import DomainEvent


@dataclass(frozen=True, kw_only=True)
class LegalReferralIssued(DomainEvent):
    """The report was referred to legal workers: one per report. ``case_id`` is the report's
    id (the event is about the legal case, which concerns every person of the report, and
    it keys it); ``case_ids`` names the persons' own cases."""

    referral_id: uuid.UUID
    report_id: uuid.UUID
    establishment_id: uuid.UUID
    case_ids: tuple[uuid.UUID, ...]
    urgency: Urgency
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True, kw_only=True)
class PersonRescued(DomainEvent):
    """She is out of exploitation after an operation: recovery places her."""

    case_number: str
    operation_id: uuid.UUID
    urgency: Urgency
    apparent_minor: bool
    children_with_her: int
    language: str | None


@dataclass(frozen=True, kw_only=True)
class LegalMilestoneRecorded(DomainEvent):
    """A step of a legal case's track. ``case_id`` is the referral's id: the event is about
    the legal case (many persons), and keys it so that its steps stay in order."""

    referral_id: uuid.UUID
    milestone: str
    occurred_on: date
    persons_concerned: int
    accused_count: int | None
    convicted: int
    acquitted: int
    dismissed: int
