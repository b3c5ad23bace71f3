from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, SignalSource, Urgency
from homeward_shared.contracts.stage import PlacementReason
from homeward_shared.personal import personal, register_personal

from homeward_intake.domain.model import ClosureReason, LeadReason, SignalStatus


@dataclass(frozen=True, kw_only=True)
class RegisterSignal:
    idempotency_key: str
    source: SignalSource
    urgency: Urgency
    needs_shelter: bool
    apparent_minor: bool = False
    children_with_her: int = 0
    language: str | None = None
    name: str | None = personal(default=None)
    aliases: str | None = personal(default=None)
    phone: str | None = personal(default=None)
    notes: str | None = personal(default=None)


@dataclass(frozen=True, kw_only=True)
class RequestPlacement:
    signal_id: uuid.UUID
    reason: PlacementReason


@dataclass(frozen=True, kw_only=True)
class RouteToInvestigation:
    """A signal that points at an establishment becomes (or joins) a lead."""

    signal_id: uuid.UUID
    reason: LeadReason
    kind: EstablishmentKind
    province: str
    district: str | None
    urgency: Urgency
    persons_reported: int = 0
    indicators: tuple[Indicator, ...] = ()
    establishment_name: str | None = personal(default=None)
    address: str | None = personal(default=None)


@dataclass(frozen=True, kw_only=True)
class CloseSignal:
    signal_id: uuid.UUID
    reason: ClosureReason


register_personal(RegisterSignal, RouteToInvestigation)


@dataclass(frozen=True, kw_only=True)
class RecordOutreach:
    idempotency_key: str
    on: date
    province: str
    district: str | None = None
    entertainment_areas_visited: int = 0
    clinic_consultations: int = 0
    educational_contacts: int = 0


@dataclass(frozen=True, kw_only=True)
class ListSignals:
    """A page of signals, newest first. ``before`` is the id of the last signal of the page
    before (a keyset cursor: the page holds the signals received before it, ties broken by
    id), so a page never shifts when new signals arrive."""

    mine: bool = True
    status: SignalStatus | None = None
    source: SignalSource | None = None
    before: uuid.UUID | None = None
    limit: int = 50
