from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from homeward_shared.uow import Received

from homeward_reintegration.domain.model import Plan


@dataclass(frozen=True, kw_only=True)
class OpenReintegrationCase:
    received: Received
    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    from_centre: str
    skills: tuple[str, ...]
    wishes_to_return_home: bool | None


@dataclass(frozen=True, kw_only=True)
class RecordResettlement:
    case_id: uuid.UUID
    plan: Plan
    resettled_on: date
