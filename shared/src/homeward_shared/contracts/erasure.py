"""Erasure of a person: the one event that crosses every service to crypto-shred her."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import ClassVar

from homeward_shared.envelope import Payload


class ErasureReason(StrEnum):
    """Why a person is erased: a code, never free text (nothing personal in the trail)."""

    SURVIVOR_REQUEST = "survivor_request"  # her own right to erasure
    SAFETY_THREAT = "safety_threat"  # her data endangers her (a leak, a threat)
    ENTERED_IN_ERROR = "entered_in_error"  # a person recorded who is not a case
    RETENTION_EXPIRED = "retention_expired"  # the retention period after closure ended
    COURT_ORDER = "court_order"


class CaseErasureApproved(Payload):
    """Two admins agreed to erase one person: every service destroys her case's data key, so
    her sealed personal fields become unreadable everywhere, backups included. Keyed by her
    case id. Ids and a reason code only; the non-personal history and figures stay."""

    event_type: ClassVar[str] = "case.erasure_approved"

    erasure_id: uuid.UUID
    reason: ErasureReason
