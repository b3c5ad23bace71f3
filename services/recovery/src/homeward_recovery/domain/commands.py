from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.uow import Received

from homeward_recovery.domain.model import Identity, LeaveReason, RequestOrigin


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
    skills: tuple[str, ...]
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
