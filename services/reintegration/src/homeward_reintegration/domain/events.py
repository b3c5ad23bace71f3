"""Reintegration's own domain events. Ids, codes and dates only: no personal data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from homeward_shared.domain import DomainEvent


@dataclass(frozen=True, kw_only=True)
class FollowUpVisitRecorded(DomainEvent):
    """Stays in the service (audit); the dashboard counts visits from its own feed later."""

    visit_no: int
    visited_on: date
    by_role: str
    outcomes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class FollowUpVisitOverdue(DomainEvent):
    """A scheduled visit not recorded within the grace period: somebody must act.
    ``correlation_id`` travels on the event because one sweep raises alerts for many cases."""

    correlation_id: uuid.UUID
    case_number: str
    visit_no: int
    due_on: date
    days_overdue: int


@dataclass(frozen=True, kw_only=True)
class FamilyContactRecorded(DomainEvent):
    contact_id: uuid.UUID
    kind: str
    result: str | None


@dataclass(frozen=True, kw_only=True)
class FamilyAssessed(DomainEvent):
    assessment_id: uuid.UUID
    her_wish: str
    safety_risks: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class SupportDisbursed(DomainEvent):
    disbursement_id: uuid.UUID
    kind: str
    value: str
    currency: str
    approved_by: str
