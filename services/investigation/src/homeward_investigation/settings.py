from __future__ import annotations

from homeward_shared.settings import ServiceSettings


class InvestigationSettings(ServiceSettings):
    service_name: str = "investigation"
    db_schema: str = "investigation"
    http_port: int = 8002
