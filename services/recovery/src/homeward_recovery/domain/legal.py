"""Legal assistance for a resident: to testify in court, to claim victim compensation, to get
identity documents, for immigration. Centre staff ask; legal workers (investigation) answer.

What staff write about it is free text about her: personal, sealed under her case key. The
hand-off carries codes only (kind, urgency, centre).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from homeward_shared.contracts.handoffs import LegalAssistanceKind, Urgency
from homeward_shared.personal import personal, register_personal

from homeward_recovery.domain import events
from homeward_recovery.domain.model import Resident


@dataclass(kw_only=True)
class LegalAssistanceRequest:
    request_id: uuid.UUID
    case_id: uuid.UUID
    centre: str
    kind: LegalAssistanceKind
    urgency: Urgency
    requested_at: datetime
    requested_by: str
    note: str | None = personal(default=None)


register_personal(LegalAssistanceRequest)


def request_legal_assistance(
    resident: Resident,
    *,
    kind: LegalAssistanceKind,
    urgency: Urgency,
    note: str | None,
    by: str,
    at: datetime,
) -> LegalAssistanceRequest:
    """Invariant: only a resident (of the caller's centre, checked before) is asked for; her
    request goes to legal workers as ``recovery.legal_assistance_requested``."""
    resident.require_resident()
    request = LegalAssistanceRequest(
        request_id=uuid.uuid4(),
        case_id=resident.case_id,
        centre=resident.centre,
        kind=kind,
        urgency=urgency,
        requested_at=at,
        requested_by=by,
        note=note,
    )
    resident.record(
        events.LegalAssistanceRequested(
            case_id=resident.case_id,
            request_id=request.request_id,
            kind=kind,
            urgency=urgency,
            centre=resident.centre,
            occurred_at=at,
        )
    )
    return request
