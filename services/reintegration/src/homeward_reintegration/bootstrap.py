"""Wires reintegration: settings, unit of work, HTTP routes, Kafka subscribers."""

from __future__ import annotations

from pathlib import Path

from homeward_shared.runtime import Service, build_service

from homeward_reintegration.adapters.messages import translate
from homeward_reintegration.adapters.uow import ReintegrationUnitOfWork
from homeward_reintegration.entrypoints import consumers
from homeward_reintegration.entrypoints.http import router
from homeward_reintegration.settings import ReintegrationSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: ReintegrationSettings | None = None) -> Service[ReintegrationUnitOfWork]:
    return build_service(
        settings or ReintegrationSettings(),
        uow_class=ReintegrationUnitOfWork,
        translate=translate,
        migrations=MIGRATIONS,
        routers=[router],
        subscribers=consumers.register,
        title="Homeward reintegration",
    )
