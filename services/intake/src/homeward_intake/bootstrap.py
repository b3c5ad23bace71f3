"""Wires intake: settings, unit of work, translator, HTTP routes, and the erasure workflow
(hosted here for every service; docs/security.md says why)."""

from __future__ import annotations

from pathlib import Path

from homeward_shared.erasure.http import router as erasure_router
from homeward_shared.runtime import Service, build_service

from homeward_intake.adapters.messages import translate
from homeward_intake.adapters.uow import IntakeUnitOfWork
from homeward_intake.entrypoints.http import router
from homeward_intake.entrypoints.policy import POLICY
from homeward_intake.settings import IntakeSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: IntakeSettings | None = None) -> Service[IntakeUnitOfWork]:
    settings = settings or IntakeSettings()
    return build_service(
        settings,
        uow_class=IntakeUnitOfWork.configured(lead_match_secret=settings.lead_match_secret),
        translate=translate,
        migrations=MIGRATIONS,
        routers=[router, erasure_router],
        policy=POLICY,
        title="Homeward intake",
    )
