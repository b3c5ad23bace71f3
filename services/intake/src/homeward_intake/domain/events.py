from __future__ import annotations

import uuid
from dataclasses import dataclass

from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, SignalSource, Urgency
from homeward_shared.domain import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PlacementRequested(DomainEvent):
    case_number: str
    source: SignalSource
    urgency: Urgency
    apparent_minor: bool
    children_with_her: int
    language: str | None


@dataclass(frozen=True, kw_only=True)
class LeadReported(DomainEvent):
    """``case_id`` is the lead id: the lead is about a place, not yet a person."""

    lead_id: uuid.UUID
    establishment_kind: EstablishmentKind
    province: str
    district: str | None
    urgency: Urgency
    persons_reported: int
    indicators: tuple[Indicator, ...]
