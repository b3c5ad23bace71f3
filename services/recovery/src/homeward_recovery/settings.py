from __future__ import annotations

from homeward_shared.settings import ServiceSettings


class RecoverySettings(ServiceSettings):
    service_name: str = "recovery"
    db_schema: str = "recovery"
    http_port: int = 8003
