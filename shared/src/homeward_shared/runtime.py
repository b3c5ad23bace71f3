"""What every service process is made of: a Postgres pool on its own schema, a faststream
Kafka broker with the dead-letter middleware, the outbox relay, and a FastAPI app whose
lifespan starts and stops them. A service's ``bootstrap.py`` fills in its domain."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from pydantic import BaseModel

from homeward_shared import audit_trail, errors, openapi
from homeward_shared.auth import Authenticator, FailureLimiter
from homeward_shared.contracts import Topics
from homeward_shared.crypto import Keyring
from homeward_shared.db import DATABASE_UNAVAILABLE, create_pool, migrate
from homeward_shared.dead_letters import DeadLetters
from homeward_shared.domain import Conflict, DomainError, NotFound
from homeward_shared.erasure import consumer as erasure_consumer
from homeward_shared.http_limits import BodyLimit
from homeward_shared.logging import BROKER_LOGGER, configure_logging, get_logger
from homeward_shared.messages import Translator
from homeward_shared.metrics import ServiceMetrics, instrument_metrics
from homeward_shared.outbox import OutboxRelay, make_producer
from homeward_shared.policy import Guard, Policy, api_routes, authorise, uncovered
from homeward_shared.settings import ServiceSettings
from homeward_shared.strict import lax_bodies, strict_parameters
from homeward_shared.telemetry import Telemetry, instrument_tracing
from homeward_shared.transport import transport
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
    master_key: Keyring = field(init=False)
    telemetry: Telemetry = field(init=False)
    metrics: ServiceMetrics = field(init=False)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _relay_task: asyncio.Task[None] | None = None
    # Jobs a service runs beside its consumers (a scheduler, say): each gets the stop event,
    # starts after the broker and is awaited on stop before the pool closes.
    background: list[Callable[[asyncio.Event], Awaitable[None]]] = field(default_factory=list)
    _background_tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.master_key = self.settings.keyring

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
            max_event_bytes=self.settings.event_max_bytes,
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
    policy: Mapping[str, Iterable[str] | str],
    subscribers: Callable[[Service[U]], None] | None = None,
    title: str,
) -> Service[U]:
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    topics = Topics(settings.topic_prefix)
    dead_letters = DeadLetters(
        settings.service_name,
        retry_backoff_s=settings.consumer_retry_backoff_s,
        retry_backoff_max_s=settings.consumer_retry_backoff_max_s,
        max_event_bytes=settings.event_max_bytes,
    )
    wire = transport(settings)
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        security=wire.security,
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
        max_event_bytes=settings.event_max_bytes,
        producer_factory=lambda: make_producer(**wire.kafka),
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
    # Every service destroys an erased person's case keys: mounted here so none forgets it.
    erasure_consumer.register(service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    # Every route passes ``authorise`` (the service's policy table, then the bearer token)
    # before its own code; a body over the limit is refused with 413 (http_limits); bodies
    # and parameters are validated strictly (strict).
    docs = settings.http_docs
    app = FastAPI(
        title=title,
        lifespan=lifespan,
        # Parameters in their types' canonical text, checked once the caller is known.
        dependencies=[Depends(authorise), Depends(strict_parameters)],
        openapi_url="/openapi.json" if docs else None,
    )
    app.add_middleware(BodyLimit, max_body_size=settings.http_max_body_bytes)
    app.state.service = service
    app.state.guard = Guard(
        Policy(policy).with_kernel(),
        Authenticator(settings),
        FailureLimiter(settings.auth_failure_limit, settings.rate_limit_storage),
    )
    # Every route's error answers and the one error shape, in the document (openapi).
    openapi.install(app, app.state.guard.policy)

    @app.get(
        "/health",
        tags=["operations"],
        response_model=Health,
        responses={503: {"model": Health, "description": "PostgreSQL is unreachable"}},
    )
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

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, database_unavailable)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        code = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 422
        return JSONResponse({"error": exc.code, "detail": str(exc)}, status_code=code)

    errors.install(app)

    for router in [*routers, audit_trail.router]:
        app.include_router(router)
    if missing := uncovered(app, app.state.guard.policy):
        log.error("routes_without_policy_are_refused", routes=missing)
    if lax := lax_bodies(api_routes(app)):
        log.error("routes_with_a_body_not_a_request_model", routes=lax)
    service.app = app
    instrument_tracing(service)
    instrument_metrics(service)
    return service


class Health(BaseModel):
    """``status``: see ``Service.health``."""

    service: str
    postgres: Literal["connected", "unavailable"]
    kafka: Literal["connected", "unavailable"]
    outbox_relay: Literal["leading", "standby"]
    status: Literal["ok", "degraded", "unavailable"]


def get_service(request: Request) -> Service[Any]:
    return request.app.state.service


# Who is calling, authorised for the route by the service's policy (homeward_shared.policy).
current_actor = authorise


ServiceDep = Annotated[Service[Any], Depends(get_service)]
ActorDep = Annotated[Actor, Depends(current_actor)]


def require_role(*allowed: str) -> Any:
    """A dependency that lets only these roles through (403 otherwise). The service's policy
    table decides first; this narrows a route further, and the access test fails if the two
    disagree."""

    async def check(actor: ActorDep) -> Actor:
        if not actor.roles & set(allowed):
            raise HTTPException(403, "this role may not do this")
        return actor

    return Depends(check)
