"""Reintegration's own gauge on /metrics: follow-up visits alerted as overdue and still not
recorded (a missed visit needs attention: DOMAIN.md), counted when /metrics is scraped."""

from __future__ import annotations

from homeward_shared.runtime import Service

from homeward_reintegration.adapters.uow import ReintegrationUnitOfWork
from homeward_reintegration.service import handlers


def register(service: Service[ReintegrationUnitOfWork]) -> None:
    overdue = service.metrics.gauge(
        "homeward_follow_up_visits_overdue",
        "Follow-up visits alerted as overdue and not yet recorded, on cases followed up",
    )

    async def refresh() -> None:
        if service.pool is not None:
            overdue.set(await handlers.count_overdue(service.uow(service.system_actor)))

    service.metrics.on_scrape(refresh)
