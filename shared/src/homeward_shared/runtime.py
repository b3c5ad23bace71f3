"""What every service process is made of: a Postgres pool on its own schema, a faststream
Kafka broker with the dead-letter middleware, the outbox relay, and a FastAPI app whose
lifespan starts and stops them. A service's ``bootstrap.py`` fills in its domain."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker

from homeward_shared.contracts import Topics
from homeward_shared.crypto import MasterKey
from homeward_shared.db import DATABASE_UNAVAILABLE, create_pool, migrate
from homeward_shared.dead_letters import DeadLetters, field_path
from homeward_shared.domain import Conflict, DomainError, NotFound
from homeward_shared.logging import BROKER_LOGGER, configure_logging, get_logger
from homeward_shared.messages import Translator
from homeward_shared.outbox import OutboxRelay
from homeward_shared.settings import ServiceSettings
from homeward_shared.uow import Actor, PostgresUnitOfWork, Scope

U = TypeVar("U", bound=PostgresUnitOfWork)

log = get_logger(__name__)


@dataclass
class Service(Generic[U]):
    settings: ServiceSettings
    topics: Topics
    broker: KafkaBroker
    dead_letters: DeadLetters
    relay: OutboxRelay
    uow_class: type[U]
    translate: Translator
    migrations: Path
    app: FastAPI = field(init=False)
    pool: asyncpg.Pool | None = None
    master_key: MasterKey = field(init=False)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _relay_task: asyncio.Task[None] | None = None
    # Jobs a service runs beside its consumers (a scheduler, say): each gets the stop event,
    # starts after the broker and is awaited on stop before the pool closes.
    background: list[Callable[[asyncio.Event], Awaitable[None]]] = field(default_factory=list)
    _background_tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.master_key = MasterKey(self.settings.master_key_bytes)

    def uow(
        self,
        actor: Actor,
        *,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
    ) -> U:
        assert self.pool is not None, "the service is not started"
        return self.uow_class(
            self.pool,
            schema=self.settings.db_schema,
            producer=self.settings.service_name,
            topics=self.topics,
            translate=self.translate,
            master_key=self.master_key,
            scope=Scope(actor, correlation_id, causation_id),
        )

    def group(self, name: str) -> str:
        """A consumer group id in the topics' namespace. Groups of different namespaces
        (test sessions, benchmarks) on one broker must not share a group: a member joining
        any of them would rebalance them all."""
        return f"{self.settings.topic_prefix}{name}"

    @property
    def system_actor(self) -> Actor:
        return Actor(id=self.settings.service_name, role="service")

    async def start(self, *, relay: bool = True) -> None:
        s = self.settings
        await migrate(s.dsn, s.db_schema, self.migrations)
        self.pool = await create_pool(s.dsn, max_size=s.db_pool_max)
        self._stop.clear()
        if relay:
            self._relay_task = asyncio.create_task(self.relay.run(self._stop))
        await self.broker.start()
        self._background_tasks = [asyncio.create_task(job(self._stop)) for job in self.background]
        log.info("service_started", port=s.http_port)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._background_tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        self._background_tasks = []
        with contextlib.suppress(Exception):
            await self.broker.stop()
        if self._relay_task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._relay_task, 10)
            self._relay_task = None
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    async def health(self) -> dict[str, str]:
        """``status`` is ``ok``; ``degraded`` when only the broker is unreachable (people's
        work is still accepted: it waits in the outbox); ``unavailable`` without the
        database (nothing can be accepted)."""
        status = {"service": self.settings.service_name}
        try:
            assert self.pool is not None
            async with self.pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
            status["postgres"] = "connected"
        except Exception:
            status["postgres"] = "unavailable"
        try:
            ok = await self.broker.ping(timeout=2)
            status["kafka"] = "connected" if ok else "unavailable"
        except Exception:
            status["kafka"] = "unavailable"
        status["outbox_relay"] = "leading" if self.relay.is_leader else "standby"
        status["status"] = (
            "unavailable"
            if status["postgres"] != "connected"
            else "degraded"
            if status["kafka"] != "connected"
            else "ok"
        )
        return status


def build_service(
    settings: ServiceSettings,
    *,
    uow_class: type[U],
    translate: Translator,
    migrations: Path,
    routers: list[APIRouter],
    subscribers: Callable[[Service[U]], None] | None = None,
    title: str,
) -> Service[U]:
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    topics = Topics(settings.topic_prefix)
    dead_letters = DeadLetters(
        settings.service_name,
        retry_backoff_s=settings.consumer_retry_backoff_s,
        retry_backoff_max_s=settings.consumer_retry_backoff_max_s,
    )
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        middlewares=[dead_letters],
        client_id=settings.service_name,
        logger=logging.getLogger(BROKER_LOGGER),
        # On stop, events being handled finish (and commit their offsets) first.
        graceful_timeout=settings.shutdown_grace_s,
    )
    dead_letters.bind(broker)
    relay = OutboxRelay(
        settings.dsn,
        settings.db_schema,
        settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size,
        poll_interval_s=settings.relay_poll_interval_s,
    )
    service: Service[U] = Service(
        settings=settings,
        topics=topics,
        broker=broker,
        dead_letters=dead_letters,
        relay=relay,
        uow_class=uow_class,
        translate=translate,
        migrations=migrations,
    )
    if subscribers is not None:
        subscribers(service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(title=title, lifespan=lifespan)
    app.state.service = service

    @app.get("/health", tags=["operations"])
    async def health() -> JSONResponse:
        status = await service.health()
        return JSONResponse(status, status_code=503 if status["status"] == "unavailable" else 200)

    async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        # The exception's text can carry a host or a statement: only its class is logged.
        log.warning("http_database_unavailable", error=type(exc).__name__)
        return JSONResponse(
            {"error": "database_unavailable", "detail": "the database is unavailable; retry"},
            status_code=503,
            headers={"Retry-After": str(settings.http_retry_after_s)},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own 422 repeats each offending value ("input"), and a value may be her
        # name: the answer names the field and the rule only.
        detail = [
            {"loc": field_path(e["loc"], e["type"]), "type": e["type"], "msg": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse({"error": "invalid_request", "detail": detail}, status_code=422)

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, database_unavailable)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        code = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 422
        return JSONResponse({"error": exc.code, "detail": str(exc)}, status_code=code)

    for router in routers:
        app.include_router(router)
    service.app = app
    return service


def get_service(request: Request) -> Service[Any]:
    return request.app.state.service


async def current_actor(
    x_actor_id: Annotated[str | None, Header()] = None,
    x_actor_role: Annotated[str | None, Header()] = None,
) -> Actor:
    """Who is calling. A stand-in until bearer tokens (issue 8) replace it: it already refuses
    a call that names no user, so that every audit row has one."""
    if not x_actor_id or not x_actor_role:
        raise HTTPException(401, "an authenticated user with a role is required")
    return Actor(id=x_actor_id, role=x_actor_role)


ServiceDep = Annotated[Service[Any], Depends(get_service)]
ActorDep = Annotated[Actor, Depends(current_actor)]


def require_role(*allowed: str) -> Any:
    """A dependency that lets only these roles through (403 otherwise). Issue 8 replaces the
    header stand-in for the actor; the declared roles stay."""

    async def check(actor: ActorDep) -> Actor:
        if actor.role not in allowed:
            raise HTTPException(403, "this role may not do this")
        return actor

    return Depends(check)
