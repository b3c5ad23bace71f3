from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from homeward_shared.settings import ServiceSettings
from homeward_shared.stages import Stage
from pydantic import BaseModel, Field

from homeward_dashboard.domain.model import HandOffRule


class HandOffSetting(BaseModel):
    stage: Stage
    waiting_for: Stage
    within_hours: float = Field(gt=0)


# A hand-off between two teams, and how long the next team may take to record its stage:
# investigation to legal workers, a rescued woman to a centre, a resident to reintegration.
DEFAULT_HAND_OFFS = (
    HandOffSetting(
        stage=Stage.IDENTIFIED, waiting_for=Stage.REFERRED_TO_LEGAL, within_hours=14 * 24
    ),
    HandOffSetting(stage=Stage.RESCUED, waiting_for=Stage.ADMITTED, within_hours=72),
    HandOffSetting(
        stage=Stage.READY_FOR_REINTEGRATION, waiting_for=Stage.RESETTLED, within_hours=90 * 24
    ),
)


class DashboardSettings(ServiceSettings):
    service_name: str = "dashboard"
    db_schema: str = "dashboard"
    http_port: int = 8005
    # small_cell_threshold: the kernel's one setting (ServiceSettings), as every service's.
    timezone: str = Field(default="Asia/Phnom_Penh", description="where 'today' is")
    # LATE_HAND_OFFS='[{"stage":"rescued","waiting_for":"admitted","within_hours":48}]'
    late_hand_offs: tuple[HandOffSetting, ...] = DEFAULT_HAND_OFFS
    late_list_limit: int = Field(default=500, ge=1)

    @property
    def hand_off_rules(self) -> tuple[HandOffRule, ...]:
        return tuple(
            HandOffRule(r.stage, r.waiting_for, timedelta(hours=r.within_hours))
            for r in self.late_hand_offs
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
