from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.uow import Received

from homeward_recovery.domain.model import Identity


@dataclass(frozen=True, kw_only=True)
class OpenAdmissionRequest:
    """From intake's placement request (and, later, investigation's rescue hand-off)."""

    received: Received
    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    source: SignalSource
    urgency: Urgency
    apparent_minor: bool
    children_with_her: int
    language: str | None


@dataclass(frozen=True, kw_only=True)
class AdmitResident:
    case_id: uuid.UUID
    centre: str
    informed_consent: bool
    house_rules_accepted: bool
    consent_given_on: date
    identity: Identity


@dataclass(frozen=True, kw_only=True)
class HandToReintegration:
    case_id: uuid.UUID
    skills: tuple[str, ...]
    wishes_to_return_home: bool | None
