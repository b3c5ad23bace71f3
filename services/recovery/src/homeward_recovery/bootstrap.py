"""Wires recovery: settings, unit of work, translator, HTTP routes, Kafka subscribers."""

from __future__ import annotations

from pathlib import Path

from homeward_shared.runtime import Service, build_service

from homeward_recovery.adapters.messages import translate
from homeward_recovery.adapters.uow import RecoveryUnitOfWork
from homeward_recovery.entrypoints import consumers
from homeward_recovery.entrypoints.http import router
from homeward_recovery.entrypoints.policy import POLICY
from homeward_recovery.settings import RecoverySettings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: RecoverySettings | None = None) -> Service[RecoveryUnitOfWork]:
    return build_service(
        settings or RecoverySettings(),
        uow_class=RecoveryUnitOfWork,
        translate=translate,
        migrations=MIGRATIONS,
        routers=[router],
        policy=POLICY,
        subscribers=consumers.register,
        title="Homeward recovery",
    )
