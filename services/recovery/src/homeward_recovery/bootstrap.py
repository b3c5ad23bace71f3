"""Wires recovery: settings, unit of work, translator, HTTP routes, Kafka subscribers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from homeward_shared.audit_trail import register_coded_detail
from homeward_shared.runtime import Service, build_service
from homeward_shared.set_aside import sealing_job

from homeward_recovery.adapters.messages import translate
from homeward_recovery.adapters.repository import seal_centre_names
from homeward_recovery.adapters.uow import RecoveryUnitOfWork
from homeward_recovery.domain.education import EducationLevel
from homeward_recovery.entrypoints import consumers
from homeward_recovery.entrypoints.http import router
from homeward_recovery.entrypoints.policy import POLICY
from homeward_recovery.entrypoints.set_aside import router as set_aside_router
from homeward_recovery.settings import RecoverySettings

MIGRATIONS = Path(__file__).parent / "migrations"

# Rows written while levels were free text are served with the level set aside (the value
# itself is sealed in recovery.set_aside by migration 007 and the sealing job).
register_coded_detail(
    ("class_started", "attendance_recorded"), "level", (lv.value for lv in EducationLevel)
)


def bootstrap(settings: RecoverySettings | None = None) -> Service[RecoveryUnitOfWork]:
    service = build_service(
        settings or RecoverySettings(),
        uow_class=RecoveryUnitOfWork,
        translate=translate,
        migrations=MIGRATIONS,
        routers=[router, set_aside_router],
        policy=POLICY,
        subscribers=consumers.register,
        title="Homeward recovery",
    )
    # Values set aside by migration 007 are sealed under each woman's key when it starts,
    # and centre names written in clear before it under each centre's key.
    service.background.append(sealing_job(service))
    service.background.append(_seal_centre_names(service))
    return service


def _seal_centre_names(service: Service[RecoveryUnitOfWork]) -> Any:
    async def run(stop: asyncio.Event) -> None:
        assert service.pool is not None
        await seal_centre_names(service.pool, service.master_key)

    return run
