"""Run one service process: ``python -m homeward_<service>``."""

from __future__ import annotations

from typing import Any

import uvicorn

from homeward_shared.heap import tune_collector
from homeward_shared.runtime import Service
from homeward_shared.settings import ServiceSettings


def uvicorn_options(s: ServiceSettings) -> dict[str, Any]:
    """How uvicorn serves a service. Forwarded headers are believed only from the proxies
    named in ``FORWARDED_ALLOW_IPS``: uvicorn's own default trusts them from loopback, so any
    process on the host (or a proxy that passes the header on unchanged) could name any
    client, and spread its failed authentications over forged addresses."""
    proxies = [p.strip() for p in s.forwarded_allow_ips.split(",") if p.strip()]
    return {
        "host": s.http_host,
        "port": s.http_port,
        "log_level": "warning",
        "loop": "uvloop",
        # SIGTERM: requests in flight get the grace period, then the lifespan stops the
        # consumers (events in flight finish and commit), the relay and the pool.
        "timeout_graceful_shutdown": int(s.shutdown_grace_s),
        "proxy_headers": bool(proxies),
        # Given explicitly even when empty, so that uvicorn never falls back to its own
        # FORWARDED_ALLOW_IPS reading and loopback default.
        "forwarded_allow_ips": proxies,
    }


def serve(service: Service[Any]) -> None:
    tune_collector()
    uvicorn.run(service.app, **uvicorn_options(service.settings))
