from __future__ import annotations

from homeward_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    db_schema: str = "intake"
    http_port: int = 8001
