from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from homeward_shared.stages import Stage
from homeward_shared.uow import Received


@dataclass(frozen=True, kw_only=True)
class RecordStageChange:
    received: Received
    case_id: uuid.UUID
    stage: Stage
    occurred_at: datetime
    centre: str | None
    previous_stage: Stage | None = None
