from __future__ import annotations

from dataclasses import dataclass

from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.domain import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PlacementRequested(DomainEvent):
    case_number: str
    source: SignalSource
    urgency: Urgency
    apparent_minor: bool
    children_with_her: int
    language: str | None
