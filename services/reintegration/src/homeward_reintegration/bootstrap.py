"""Wires reintegration: settings, clock, unit of work, HTTP routes, Kafka subscribers, the
overdue-visit scheduler and its gauge."""

from __future__ import annotations

from pathlib import Path

from homeward_shared.runtime import Service, build_service
from homeward_shared.set_aside import sealing_job

from homeward_reintegration.adapters.messages import translate
from homeward_reintegration.adapters.uow import ReintegrationUnitOfWork
from homeward_reintegration.clock import Clock, SystemClock
from homeward_reintegration.entrypoints import consumers
from homeward_reintegration.entrypoints import metrics as gauges
from homeward_reintegration.entrypoints.http import router
from homeward_reintegration.entrypoints.partners import router as partners_router
from homeward_reintegration.entrypoints.policy import POLICY
from homeward_reintegration.entrypoints.scheduler import OverdueScheduler
from homeward_reintegration.entrypoints.set_aside import router as set_aside_router
from homeward_reintegration.settings import ReintegrationSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(
    settings: ReintegrationSettings | None = None, *, clock: Clock | None = None
) -> Service[ReintegrationUnitOfWork]:
    settings = settings or ReintegrationSettings()
    clock = clock or SystemClock()
    service = build_service(
        settings,
        uow_class=ReintegrationUnitOfWork,
        translate=translate,
        migrations=MIGRATIONS,
        routers=[router, partners_router, set_aside_router],
        policy=POLICY,
        subscribers=consumers.register,
        title="Homeward reintegration",
    )
    service.app.state.clock = clock
    scheduler = OverdueScheduler(
        service,
        clock,
        grace_days=settings.follow_up_grace_days,
        interval_s=settings.overdue_scan_interval_s,
    )
    service.app.state.overdue_scheduler = scheduler
    service.background.append(scheduler.run)
    # Values set aside by migration 005 are sealed under each woman's key when it starts.
    service.background.append(sealing_job(service))
    gauges.register(service)
    return service
