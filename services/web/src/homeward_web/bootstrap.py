"""Wires the web service: settings, its schema (sessions only), the identity provider, the
pooled client to the five services, and the routes (auth, live feed, proxy, the app)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from homeward_shared import errors
from homeward_shared.db import DATABASE_UNAVAILABLE, create_pool, migrate
from homeward_shared.domain import utcnow
from homeward_shared.http_limits import BodyLimit
from homeward_shared.logging import configure_logging, get_logger
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.exposition import generate_latest
from prometheus_fastapi_instrumentator import Instrumentator

from homeward_web.adapters.metrics import WebMetrics
from homeward_web.adapters.oidc import Provider
from homeward_web.adapters.store import SessionStore
from homeward_web.entrypoints import auth, live, proxy, static
from homeward_web.entrypoints.headers import SecurityHeaders
from homeward_web.service.sessions import Sessions
from homeward_web.settings import WebSettings

MIGRATIONS = Path(__file__).parent / "migrations"
PURGE_EVERY_S = 60.0

log = get_logger(__name__)


@dataclass
class Web:
    settings: WebSettings
    provider: Provider
    client: httpx.AsyncClient
    clock: Callable[[], datetime]
    metrics: WebMetrics = field(default_factory=WebMetrics)
    pool: asyncpg.Pool | None = None
    _sessions: Sessions | None = None
    app: FastAPI = field(init=False)
    _purger: asyncio.Task[None] | None = None

    @property
    def sessions(self) -> Sessions:
        assert self._sessions is not None, "the web service is not started"
        return self._sessions

    async def start(self) -> None:
        s = self.settings
        await migrate(s.dsn, s.db_schema, MIGRATIONS, kernel=False)
        self.pool = await create_pool(s.dsn, max_size=s.db_pool_max)
        self._sessions = Sessions(
            s,
            SessionStore(self.pool, s.db_schema, s.keyring),
            self.provider,
            self.clock,
            on_ended=lambda why: self.metrics.sessions_ended.labels(why.value).inc(),
            on_refresh=lambda outcome: self.metrics.refreshes.labels(outcome).inc(),
        )
        self._purger = asyncio.create_task(self._purge())
        log.info("service_started", port=s.http_port)

    async def _purge(self) -> None:
        while True:
            await asyncio.sleep(PURGE_EVERY_S)
            try:
                if n := await self.sessions.purge():
                    self.metrics.sessions_ended.labels("purged").inc(n)
            except Exception as exc:  # the database is away: try again next round
                log.warning("web_purge_failed", error=type(exc).__name__)

    async def stop(self) -> None:
        if self._purger is not None:
            self._purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._purger
        await self.client.aclose()
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    async def health(self) -> dict[str, str]:
        """``ok``; ``degraded`` when only the identity provider is unreachable (no one can
        log in, sessions still work until their tokens expire); ``unavailable`` without the
        database (no session can be found)."""
        status = {"service": self.settings.service_name}
        try:
            assert self.pool is not None
            async with self.pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
            status["postgres"] = "connected"
        except Exception:
            status["postgres"] = "unavailable"
        try:
            await asyncio.wait_for(self.provider.metadata(), 3)
            status["identity_provider"] = "reachable"
        except Exception:
            status["identity_provider"] = "unavailable"
        status["status"] = (
            "unavailable"
            if status["postgres"] != "connected"
            else "degraded"
            if status["identity_provider"] != "reachable"
            else "ok"
        )
        return status


def bootstrap(
    settings: WebSettings | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
    provider_transport: httpx.AsyncBaseTransport | None = None,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
) -> Web:
    s = settings or WebSettings()
    configure_logging(s.service_name, s.log_level, s.log_json)
    client = httpx.AsyncClient(
        transport=upstream_transport,
        timeout=s.web_upstream_timeout_s,
        limits=httpx.Limits(
            max_connections=s.web_upstream_connections,
            max_keepalive_connections=s.web_upstream_connections,
        ),
        follow_redirects=False,
    )
    web = Web(s, Provider(s, transport=provider_transport), client, clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await web.start()
        try:
            yield
        finally:
            await web.stop()

    app = FastAPI(
        title="Homeward web",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = web
    # Validation errors that never echo the input (the kernel's), and a database that is
    # away is a 503 with Retry-After, as in every service.
    errors.install(app)

    async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("http_database_unavailable", error=type(exc).__name__)
        return JSONResponse(
            {"error": "database_unavailable", "detail": "the database is unavailable; retry"},
            status_code=503,
            headers={"Retry-After": str(s.http_retry_after_s), "Cache-Control": "no-store"},
        )

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, database_unavailable)
    app.add_middleware(BodyLimit, max_body_size=s.http_max_body_bytes)
    app.add_middleware(SecurityHeaders, issuer_origin=s.issuer_origin)

    @app.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        status = await web.health()
        return JSONResponse(status, status_code=503 if status["status"] == "unavailable" else 200)

    Instrumentator(
        registry=web.metrics.registry,
        excluded_handlers=["/health", "/metrics"],
        should_exclude_streaming_duration=True,  # the live feed stays open
    ).instrument(app)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(web.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # Order matters: the live feed before the proxy's /api/{service}/..., the app last.
    for router in (auth.router, live.router, proxy.router, static.router):
        app.include_router(router)
    web.app = app
    return web
