from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from homeward_shared.stages import Stage
from homeward_shared.uow import Received

from homeward_dashboard.domain.figures import Fact


@dataclass(frozen=True, kw_only=True)
class RecordStageChange:
    received: Received
    case_id: uuid.UUID
    stage: Stage
    occurred_at: datetime
    centre: str | None
    previous_stage: Stage | None = None
    # The same event as a fact for the yearly figures (persons identified, rescued, ...).
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RecordFigures:
    """A figure event (or a training or legal milestone) taken in as facts."""

    received: Received
    facts: tuple[Fact, ...]
