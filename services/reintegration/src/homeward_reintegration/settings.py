from __future__ import annotations

from homeward_shared.settings import ServiceSettings
from pydantic import Field


class ReintegrationSettings(ServiceSettings):
    service_name: str = "reintegration"
    db_schema: str = "reintegration"
    http_port: int = 8004
    follow_up_interval_months: int = Field(default=3, ge=1, le=12)
    follow_up_years: int = Field(default=3, ge=1, le=10)
    follow_up_grace_days: int = Field(
        default=14, ge=0, le=180, description="days past due before a visit raises an alert"
    )
    overdue_scan_interval_s: float = Field(default=300.0, gt=0)
    # The yearly figures hide small cells with the kernel's SMALL_CELL_THRESHOLD (11), the
    # dashboard's: one threshold for every figure that leaves a service.
