"""The overdue-visit scheduler: a background job of the service process.

Every instance of the service runs one. They need no leader: each sweep locks the cases it
works on with SKIP LOCKED, and the alert's primary key (case, visit) lets exactly one
transaction raise it, so two instances or a restart never lose or double an alert. A sweep
that fails is logged and tried again at the next tick; nothing is marked done before its
transaction commits.
"""

from __future__ import annotations

import asyncio
import contextlib

from homeward_shared.logging import get_logger
from homeward_shared.runtime import Service

from homeward_reintegration.adapters.uow import ReintegrationUnitOfWork
from homeward_reintegration.clock import Clock
from homeward_reintegration.domain.commands import RaiseOverdueAlerts
from homeward_reintegration.service import handlers

log = get_logger(__name__)


class OverdueScheduler:
    def __init__(
        self,
        service: Service[ReintegrationUnitOfWork],
        clock: Clock,
        *,
        grace_days: int,
        interval_s: float,
        batch: int = 200,
    ) -> None:
        self._service = service
        self._clock = clock
        self._grace_days = grace_days
        self._interval_s = interval_s
        self._batch = batch

    async def sweep(self) -> int:
        """Raise every alert that is due now; returns how many this instance raised."""
        total = 0
        while True:
            cmd = RaiseOverdueAlerts(
                now=self._clock.now(), grace_days=self._grace_days, batch=self._batch
            )
            uow = self._service.uow(self._service.system_actor)
            examined, raised = await handlers.raise_overdue_alerts(cmd, uow)
            total += raised
            # A short batch means nothing unlocked was left; locked rows belong to another
            # instance's sweep in flight, which raises them.
            if examined < self._batch:
                break
        if total:
            log.info("overdue_alerts_raised", count=total)
        return total

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("overdue_sweep_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval_s)
