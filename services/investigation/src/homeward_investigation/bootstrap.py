"""Wires investigation: settings, unit of work, translator, HTTP routes, Kafka subscribers."""

from __future__ import annotations

from pathlib import Path

from homeward_shared.runtime import Service, build_service

from homeward_investigation.adapters.messages import translate
from homeward_investigation.adapters.uow import InvestigationUnitOfWork
from homeward_investigation.entrypoints import consumers
from homeward_investigation.entrypoints.drafts import router as drafts_router
from homeward_investigation.entrypoints.http import router
from homeward_investigation.entrypoints.policy import POLICY
from homeward_investigation.settings import InvestigationSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(
    settings: InvestigationSettings | None = None,
) -> Service[InvestigationUnitOfWork]:
    return build_service(
        settings or InvestigationSettings(),
        uow_class=InvestigationUnitOfWork,
        translate=translate,
        migrations=MIGRATIONS,
        # Drafts first: /reports/drafts must not be taken for a report id.
        routers=[drafts_router, router],
        policy=POLICY,
        subscribers=consumers.register,
        title="Homeward investigation",
    )
