"""Run one service process: ``python -m homeward_<service>``."""

from __future__ import annotations

from typing import Any

import uvicorn

from homeward_shared.heap import tune_collector
from homeward_shared.runtime import Service


def serve(service: Service[Any]) -> None:
    s = service.settings
    tune_collector()
    # SIGTERM: requests in flight get the grace period, then the lifespan stops the consumers
    # (events in flight finish and commit), the relay and the pool.
    uvicorn.run(
        service.app,
        host=s.http_host,
        port=s.http_port,
        log_level="warning",
        loop="uvloop",
        timeout_graceful_shutdown=int(s.shutdown_grace_s),
    )
