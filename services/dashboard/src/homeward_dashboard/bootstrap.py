"""Wires the dashboard: settings, unit of work, HTTP routes, the stage-feed subscriber and
the live fan-out to browsers."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from homeward_shared.runtime import Service, build_service

from homeward_dashboard.adapters.live import Broadcaster
from homeward_dashboard.adapters.messages import translate
from homeward_dashboard.adapters.uow import DashboardUnitOfWork
from homeward_dashboard.entrypoints import consumers
from homeward_dashboard.entrypoints.http import router
from homeward_dashboard.entrypoints.policy import POLICY
from homeward_dashboard.settings import DashboardSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: DashboardSettings | None = None) -> Service[DashboardUnitOfWork]:
    live = Broadcaster()
    service = build_service(
        settings or DashboardSettings(),
        uow_class=DashboardUnitOfWork,
        translate=translate,
        migrations=MIGRATIONS,
        routers=[router],
        policy=POLICY,
        subscribers=partial(consumers.register, live=live),
        title="Homeward dashboard",
    )
    service.app.state.live = live
    return service
