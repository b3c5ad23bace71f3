from __future__ import annotations

from homeward_shared.settings import ServiceSettings


class InvestigationSettings(ServiceSettings):
    service_name: str = "investigation"
    db_schema: str = "investigation"
    http_port: int = 8002
    # A report draft not saved for this many days is purged (its key destroyed with it).
    report_draft_keep_days: int = 30
