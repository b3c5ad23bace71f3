from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from homeward_shared.envelope import Payload
from homeward_shared.stages import Stage


class CaseStageChanged(Payload):
    """A case entered a stage. No personal data: ids, codes and the stage only. Producers
    differ, so a consumer accepts a stage that arrives late or twice and never moves a case
    backwards because of it (compare ``Stage.rank``)."""

    event_type: ClassVar[str] = "case.stage_changed"
    schema_version: ClassVar[int] = 1

    stage: Stage
    previous_stage: Stage | None = None
    centre: str | None = Field(default=None, max_length=32, description="centre code")
    reason: str | None = Field(default=None, max_length=64, description="reason code")
