"""``homeward``: the operator's command line for what every service shares.

    homeward dlq list TOPIC          dead letters of a topic: reason, where they came from
    homeward dlq redrive TOPIC       send dead letters back to the topic they came from
    homeward audit verify            recompute every service's audit hash chain
    homeward outbox backlog          unpublished outbox rows and the age of the oldest
    homeward keys status             case keys per master key id, per service
    homeward keys rotate             re-wrap every case key under the current master key
    homeward erase request|approve|reject   the two-admin erasure of a person
    homeward erase replay            after a restore: re-apply every approved erasure
    homeward token keygen            the local token-signing key pair, made once (.local/auth)
    homeward token mint --user U --role R [--centre TD ...] [--ttl 3600]
                                     a bearer token for local runs (make run), signed locally
    homeward provision DATABASE      create the database, a login role and schema per service
    homeward migrate [SERVICE]       apply every service's schema migrations (or one's)
    homeward topics apply            create or correct every declared topic (topology.py)
    homeward consumers lag           each consumer group's unprocessed events per topic
    homeward consumers rewind GROUP --to TIME   a stopped group re-reads from a time (restores)
    homeward case trace CASE_ID      one case's path through every service: where it stopped
    homeward dashboard rebuild       rebuild the dashboard's live view from the stage feed

Built with typer (click underneath) and rich for tables and progress.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import typer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict
from rich.console import Console
from rich.progress import Progress, track
from rich.table import Table

from homeward_shared import auth, topology
from homeward_shared import dead_letters as dl
from homeward_shared.contracts import Topics
from homeward_shared.contracts.erasure import ErasureReason
from homeward_shared.crypto import Keyring, count_to_rotate, rotate_case_keys
from homeward_shared.db import create_pool, migrate
from homeward_shared.domain import DomainError, utcnow
from homeward_shared.erasure import handlers as erasure
from homeward_shared.erasure.model import ErasureRequest
from homeward_shared.erasure.replay import replay_erasures
from homeward_shared.outbox import outbox_backlog
from homeward_shared.policy import ROLES
from homeward_shared.provision import SCHEMAS, SERVICES, provision
from homeward_shared.settings import LOCAL_MASTER_KEY
from homeward_shared.transport import Transport, TransportSettings, transport
from homeward_shared.uow import Actor, PostgresUnitOfWork, Scope, verify_audit_chain

app = typer.Typer(help="Homeward operations.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead letters: events a consumer could never process.")
audit_app = typer.Typer(help="The audit trails.")
outbox_app = typer.Typer(help="The transactional outboxes.")
token_app = typer.Typer(
    help="Bearer tokens for local runs and tests (production's come from the identity provider)."
)
app.add_typer(dlq_app, name="dlq")
app.add_typer(audit_app, name="audit")
app.add_typer(outbox_app, name="outbox")
keys_app = typer.Typer(help="Master keys and the case keys they wrap.")
erase_app = typer.Typer(help="Erase a person: one admin requests, a different admin approves.")
app.add_typer(keys_app, name="keys")
app.add_typer(erase_app, name="erase")
app.add_typer(token_app, name="token")
topics_app = typer.Typer(help="Kafka topics, as declared in homeward_shared.topology.")
dashboard_app = typer.Typer(help="The dashboard's read model.")
case_app = typer.Typer(help="One case across the services (ids and times only).")
consumers_app = typer.Typer(help="The services' Kafka consumer groups.")
app.add_typer(topics_app, name="topics")
app.add_typer(dashboard_app, name="dashboard")
app.add_typer(case_app, name="case")
app.add_typer(consumers_app, name="consumers")
console = Console()


class AdminSettings(TransportSettings):
    """The operator's view: the admin login (member of every service role, so it may read
    every schema and act as each role), the broker, with the same transport-security
    settings as the services (KAFKA_SECURITY_PROTOCOL, DATABASE_SSLMODE, ...)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: SecretStr = SecretStr(
        "postgresql://homeward:homeward@127.0.0.1:5433/homeward?sslmode=disable"
    )
    topic_prefix: str = ""
    topic_partitions: int = Field(default=6, ge=1, le=1000)
    topic_replication_factor: int = Field(default=1, ge=1, le=7)
    role_passwords: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="ROLE_PASSWORDS, JSON: service name -> its login role's password",
    )

    @property
    def wire(self) -> Transport:
        return transport(self)

    @property
    def dsn(self) -> str:
        return self.wire.dsn


class KeySettings(AdminSettings):
    """The master keys of the service(s) being rotated: the same variables the service reads
    (MASTER_KEY is the current key, PREVIOUS_MASTER_KEYS a JSON list of the others)."""

    master_key: SecretStr = SecretStr(LOCAL_MASTER_KEY)
    previous_master_keys: list[SecretStr] = []

    @property
    def keyring(self) -> Keyring:
        return Keyring.of(
            base64.b64decode(self.master_key.get_secret_value()),
            [base64.b64decode(k.get_secret_value()) for k in self.previous_master_keys],
        )


Kafka = str | Mapping[str, Any]


def _kafka(kafka: Kafka) -> dict[str, Any]:
    """aiokafka keyword arguments: a bare bootstrap string means plaintext (tests, local)."""
    return {"bootstrap_servers": kafka} if isinstance(kafka, str) else dict(kafka)


def acting_as(dsn: str, role: str) -> str:
    """The admin's URL, but every statement runs as ``role`` (libpq's ``options=-c role=``,
    which asyncpg and psql both honour): tables a migration creates belong to the service's
    role, never to the admin."""
    parts = urlsplit(dsn)
    query = dict(parse_qsl(parts.query))
    query["options"] = f"-c role={role}"
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _read_all(kafka: Kafka, topic: str, *, within_s: float = 30.0) -> list:
    """Every record of a topic, from the beginning to its end as of now."""
    # A throwaway group that never commits; subscribing (not assigning) makes aiokafka fetch
    # the topic's partitions itself.
    consumer = AIOKafkaConsumer(
        topic,
        **_kafka(kafka),
        group_id=f"homeward-cli-{uuid.uuid4().hex}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    records: list = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    try:
        ends = None
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for recs in batch.values():
                records.extend(recs)
            assigned = consumer.assignment()
            if not assigned:
                continue
            if ends is None:
                ends = await consumer.end_offsets(list(assigned))
            if all([await consumer.position(tp) >= end for tp, end in ends.items()]):
                return records
        raise TimeoutError(f"could not read {topic} to its end within {within_s}s")
    finally:
        await consumer.stop()


async def dead_letters_of(kafka: Kafka, topic: str) -> list:
    return await _read_all(kafka, Topics.dead_letter(topic))


async def redrive(kafka: Kafka, topic: str, offsets: set[int] | None) -> int:
    """Republish dead letters of ``topic`` (all, or those at the given DLQ offsets) to the
    topic they came from, with their original key and headers. Safe to repeat: consumers
    drop an event they processed already (inbox); one that fails again returns here."""
    letters = await dead_letters_of(kafka, topic)
    chosen = [r for r in letters if offsets is None or r.offset in offsets]
    producer = AIOKafkaProducer(**_kafka(kafka), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for r in track(chosen, description="redriving", console=console, disable=not chosen):
            headers = dict(r.headers)
            original = headers.get(dl.H_TOPIC, topic.encode()).decode()
            kept = [
                (k, v)
                for k, v in r.headers
                if not k.startswith("dlq.") and not (k == dl.H_CONTENT_TYPE and not v)
            ]
            kept.append((dl.H_REDRIVEN, str(r.offset).encode()))
            await producer.send_and_wait(original, r.value, key=r.key, headers=kept)
    finally:
        await producer.stop()
    return len(chosen)


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str, typer.Argument(help="the original topic, without .dlq")],
) -> None:
    s = AdminSettings()
    letters = asyncio.run(dead_letters_of(s.wire.kafka, s.topic_prefix + topic))
    table = Table("dlq offset", "case", "failed at", "group", "from", "reason")
    table.columns[1].no_wrap = True  # a case id is copied whole into `homeward case trace`
    for r in letters:
        h = {k: v.decode(errors="replace") for k, v in r.headers}
        table.add_row(
            str(r.offset),
            (r.key or b"").decode(errors="replace"),
            h.get(dl.H_FAILED_AT, ""),
            h.get(dl.H_GROUP, ""),
            f"{h.get(dl.H_TOPIC, '')}[{h.get(dl.H_PARTITION, '')}]@{h.get(dl.H_OFFSET, '')}",
            h.get(dl.H_REASON, ""),
        )
    console.print(table)
    console.print(f"{len(letters)} dead letters")


@dlq_app.command("redrive")
def dlq_redrive(
    topic: Annotated[str, typer.Argument(help="the original topic, without .dlq")],
    offset: Annotated[list[int] | None, typer.Option(help="only these dlq offsets")] = None,
) -> None:
    s = AdminSettings()
    n = asyncio.run(redrive(s.wire.kafka, s.topic_prefix + topic, set(offset) if offset else None))
    console.print(f"redrove {n} events to {s.topic_prefix + topic}")


async def _verify(dsn: str) -> dict[str, int | str]:
    conn = await asyncpg.connect(dsn)
    out: dict[str, int | str] = {}
    try:
        for schema in SERVICES:
            if not await conn.fetchval("SELECT to_regclass($1)", f"{schema}.audit"):
                continue
            try:
                out[schema] = await verify_audit_chain(conn, schema)
            except ValueError as exc:
                out[schema] = f"BROKEN: {exc}"
    finally:
        await conn.close()
    return out


@audit_app.command("verify")
def audit_verify() -> None:
    result = asyncio.run(_verify(AdminSettings().dsn))
    for schema, status in result.items():
        console.print(
            f"{schema:<14} {status if isinstance(status, str) else f'{status} rows, chain intact'}"
        )
    if any(isinstance(v, str) for v in result.values()):
        raise typer.Exit(1)


async def _backlog(dsn: str) -> dict[str, tuple[int, float | None]]:
    conn = await asyncpg.connect(dsn)
    try:
        return {
            schema: await outbox_backlog(conn, schema)
            for schema in SERVICES
            if await conn.fetchval("SELECT to_regclass($1)", f"{schema}.outbox")
        }
    finally:
        await conn.close()


@outbox_app.command("backlog")
def outbox_backlog_cmd() -> None:
    table = Table("service", "unpublished", "oldest (s)")
    for schema, (n, age) in asyncio.run(_backlog(AdminSettings().dsn)).items():
        table.add_row(schema, str(n), f"{age:.1f}" if age is not None else "-")
    console.print(table)


def _schemas(services: list[str] | None) -> list[str]:
    chosen = services or list(SERVICES)
    unknown = [s for s in chosen if s not in SERVICES]
    if unknown:
        raise typer.BadParameter(f"unknown services {unknown}; known: {list(SERVICES)}")
    return chosen


async def _key_status(dsn: str, schemas: list[str]) -> list[tuple[str, str, int, int]]:
    conn = await asyncpg.connect(dsn)
    try:
        out = []
        for schema in schemas:
            if not await conn.fetchval("SELECT to_regclass($1)", f"{schema}.case_keys"):
                continue
            for r in await conn.fetch(
                f"SELECT master_key_id, count(*) FILTER (WHERE destroyed_at IS NULL) AS live,"
                f" count(*) FILTER (WHERE destroyed_at IS NOT NULL) AS destroyed"
                f" FROM {schema}.case_keys GROUP BY 1 ORDER BY 1"
            ):
                out.append((schema, r["master_key_id"], r["live"], r["destroyed"]))
        return out
    finally:
        await conn.close()


@keys_app.command("status")
def keys_status(
    service: Annotated[list[str] | None, typer.Argument(help="services (default: all)")] = None,
) -> None:
    """How many case keys each master key wraps: an old key may be retired at zero."""
    s = KeySettings()
    ring = s.keyring
    table = Table("service", "master key id", "", "live case keys", "destroyed")
    for schema, key_id, live, destroyed in asyncio.run(_key_status(s.dsn, _schemas(service))):
        mark = "current" if key_id == ring.key_id else "known" if key_id in ring.key_ids else ""
        table.add_row(schema, key_id, mark, str(live), str(destroyed))
    console.print(table)


async def _rotate(dsn: str, schemas: list[str], ring: Keyring, batch_size: int) -> int:
    pool = await create_pool(dsn, max_size=2)
    problems = 0
    try:
        with Progress(console=console) as progress:
            for schema in schemas:
                async with pool.acquire() as conn:
                    if not await conn.fetchval("SELECT to_regclass($1)", f"{schema}.case_keys"):
                        continue
                    total = await count_to_rotate(conn, schema, ring)
                task = progress.add_task(f"{schema}: re-wrapping", total=total or 1)
                result = await rotate_case_keys(
                    pool,
                    schema,
                    ring,
                    batch_size=batch_size,
                    progress=lambda n, task=task: progress.advance(task, n),
                )
                progress.update(task, completed=total or 1)
                progress.console.print(
                    f"{schema:<14} {result.rewrapped} re-wrapped under {ring.key_id}"
                    + (
                        f", {result.unknown} under a key not in the keyring"
                        if result.unknown
                        else ""
                    )
                    + (f", {result.busy} busy (run again)" if result.busy else "")
                )
                problems += result.unknown + result.busy
    finally:
        await pool.close()
    return problems


@keys_app.command("rotate")
def keys_rotate(
    service: Annotated[list[str] | None, typer.Argument(help="services (default: all)")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """Re-wrap every live case key under MASTER_KEY, in small transactions. Safe while the
    services run (they unwrap with any key of their keyring) and safe to repeat."""
    s = KeySettings()
    problems = asyncio.run(_rotate(s.dsn, _schemas(service), s.keyring, batch_size))
    if problems:
        raise typer.Exit(1)


class EraseSettings(AdminSettings):
    """The service that hosts the erasure workflow, and how long a request waits."""

    erasure_host: str = "intake"
    erasure_request_ttl_hours: float = 72


async def _erasure(admin: str, run) -> ErasureRequest:
    s = EraseSettings()
    pool = await create_pool(s.dsn, max_size=2)
    try:
        uow = PostgresUnitOfWork(
            pool,
            schema=s.erasure_host,
            producer=s.erasure_host,
            topics=Topics(s.topic_prefix),
            translate=lambda e, t: [],
            master_key=Keyring.of(b"\0" * 32),  # erasure seals nothing
            scope=Scope(Actor(admin, "admin")),
        )
        return await run(uow)
    finally:
        await pool.close()


def _show(r: ErasureRequest) -> None:
    console.print(
        f"erasure {r.erasure_id}  case {r.case_id}  {r.status_at(utcnow()).value}"
        f"  reason {r.reason.value}  requested by {r.requested_by}"
        + (f"  decided by {r.decided_by}" if r.decided_by else "")
    )


AdminOpt = Annotated[str, typer.Option("--admin", help="your admin user id (recorded)")]


@erase_app.command("request")
def erase_request(
    case_id: uuid.UUID, reason: Annotated[ErasureReason, typer.Option()], admin: AdminOpt
) -> None:
    """Ask to erase one person (by case id). A different admin must approve."""
    ttl = timedelta(hours=EraseSettings().erasure_request_ttl_hours)
    _show(
        asyncio.run(
            _erasure(
                admin,
                partial(erasure.request_erasure, erasure.RequestErasure(case_id, reason, ttl)),
            )
        )
    )


@erase_app.command("approve")
def erase_approve(erasure_id: uuid.UUID, admin: AdminOpt) -> None:
    """Approve another admin's request: every service destroys her case keys."""
    try:
        _show(
            asyncio.run(
                _erasure(
                    admin, partial(erasure.approve_erasure, erasure.ApproveErasure(erasure_id))
                )
            )
        )
    except DomainError as exc:
        console.print(f"refused: {exc}")
        raise typer.Exit(1) from None


@erase_app.command("reject")
def erase_reject(
    erasure_id: uuid.UUID, reason: Annotated[str, typer.Option(help="reason code")], admin: AdminOpt
) -> None:
    try:
        _show(
            asyncio.run(
                _erasure(
                    admin,
                    partial(erasure.reject_erasure, erasure.RejectErasure(erasure_id, reason)),
                )
            )
        )
    except DomainError as exc:
        console.print(f"refused: {exc}")
        raise typer.Exit(1) from None


async def _replay(s: AdminSettings, schemas: list[str]) -> dict[str, int]:
    topics = Topics(s.topic_prefix)
    records = await _read_all(s.wire.kafka, topics.erasure_approved)
    pool = await create_pool(s.dsn, max_size=2)
    try:
        return {
            schema: await replay_erasures(pool, schema, schema, topics, records)
            for schema in schemas
        }
    finally:
        await pool.close()


@erase_app.command("replay")
def erase_replay(
    service: Annotated[list[str] | None, typer.Argument(help="services (default: all)")] = None,
) -> None:
    """Re-apply every approved erasure to restored schemas, before they take traffic. Safe to
    repeat: an erasure a schema knows already is skipped."""
    s = AdminSettings()
    for schema, n in asyncio.run(_replay(s, _schemas(service))).items():
        console.print(f"{schema:<14} {n} erasures applied (new to this schema)")


@token_app.command("keygen")
def token_keygen(
    directory: Annotated[Path, typer.Option(help="where the key pair lives")] = auth.LOCAL_AUTH_DIR,
) -> None:
    """Make the local ES256 key pair once; services of `make run` verify with its public half."""
    private, public = auth.keygen(directory)
    console.print(f"private key {private}\npublic key  {public}")


@token_app.command("mint")
def token_mint(
    user: Annotated[str, typer.Option(help="the user id (the token's sub)")],
    role: Annotated[list[str], typer.Option(help=f"a role, repeatable: {', '.join(ROLES)}")],
    centre: Annotated[list[str] | None, typer.Option(help="a centre code, repeatable")] = None,
    ttl: Annotated[int, typer.Option(help="seconds the token is valid", min=1)] = 3600,
    directory: Annotated[Path, typer.Option(help="where the key pair lives")] = auth.LOCAL_AUTH_DIR,
    issuer: str = auth.LOCAL_ISSUER,
    audience: str = auth.LOCAL_AUDIENCE,
) -> None:
    """Print a bearer token signed with the local key (made first if missing)."""
    if unknown := set(role) - set(ROLES):
        raise typer.BadParameter(f"unknown roles {sorted(unknown)}", param_hint="--role")
    signer = auth.Signer.local(directory, issuer=issuer, audience=audience)
    typer.echo(signer.mint(user, role, centres=centre or (), ttl=timedelta(seconds=ttl)))


@app.command("provision")
def provision_cmd(
    database: Annotated[str, typer.Argument(help="the database to create (homeward)")],
) -> None:
    """Create the database, one login role and one schema per service; idempotent. Sets the
    passwords given in ROLE_PASSWORDS (a rerun with new ones rotates them)."""
    s = AdminSettings()
    unknown = set(s.role_passwords) - set(SCHEMAS)
    if unknown:
        raise typer.BadParameter(f"ROLE_PASSWORDS names no such service: {sorted(unknown)}")
    passwords = {k: v.get_secret_value() for k, v in s.role_passwords.items()}
    asyncio.run(provision(s.dsn, database, passwords))
    for service, role in SCHEMAS.items():
        how = "password set" if service in passwords else "local password"
        console.print(f"{service:<14} role {role}, schema {service} ({how})")


@dataclass(frozen=True)
class Step:
    at: datetime
    service: str
    what: str
    detail: str = ""
    kind: str = "audit"  # audit | outbox | inbox


@dataclass
class Trace:
    steps: list[Step] = field(default_factory=list)
    # Hand-off events the case's services published that no service has recorded receiving:
    # (schema, topic, event id, published or not).
    unreceived: list[tuple[str, str, uuid.UUID, bool]] = field(default_factory=list)
    dead_letters: list[tuple[str, str]] = field(default_factory=list)  # (topic, reason)


async def trace_case(
    dsn: str,
    case_id: uuid.UUID,
    *,
    consumed: set[str],
    kafka: Kafka | None = None,
    prefix: str = "",
) -> Trace:
    """Everything the services recorded about one case, in time order: audit rows (who did
    what), outbox rows (what was handed on, published or not, with the last send error),
    inbox rows (who received each event). An event on a ``consumed`` topic that no inbox
    holds is where she stopped. With ``kafka``, also her dead letters. Ids, codes and times
    only: no personal field is read."""
    trace = Trace()
    conn = await asyncpg.connect(dsn)
    try:
        schemas = [
            s for s in SERVICES if await conn.fetchval("SELECT to_regclass($1)", f"{s}.outbox")
        ]
        sent: dict[uuid.UUID, tuple[str, str, bool]] = {}
        for schema in schemas:
            for r in await conn.fetch(
                f"SELECT at, actor, action FROM {schema}.audit WHERE case_id = $1 ORDER BY seq",
                case_id,
            ):
                trace.steps.append(Step(r["at"], schema, r["action"], f"by {r['actor']}"))
            for r in await conn.fetch(
                f"SELECT event_id, topic, created_at, published_at, attempts, last_error"
                f" FROM {schema}.outbox WHERE aggregate_id = $1 ORDER BY seq",
                case_id,
            ):
                published = r["published_at"] is not None
                state = (
                    f"published {r['published_at']:%Y-%m-%d %H:%M:%S}"
                    if published
                    else f"NOT PUBLISHED, {r['attempts']} attempts"
                    + (f", last error {r['last_error'][:120]}" if r["last_error"] else "")
                )
                trace.steps.append(
                    Step(r["created_at"], schema, f"-> {r['topic']}", state, kind="outbox")
                )
                sent[r["event_id"]] = (schema, r["topic"], published)
        received: set[uuid.UUID] = set()
        for schema in schemas:
            for r in await conn.fetch(
                f"SELECT consumer, event_id, topic, received_at FROM {schema}.inbox"
                " WHERE event_id = ANY($1::uuid[])",
                list(sent),
            ):
                received.add(r["event_id"])
                trace.steps.append(
                    Step(
                        r["received_at"],
                        schema,
                        f"<- {r['topic']}",
                        f"by {r['consumer']}",
                        kind="inbox",
                    )
                )
    finally:
        await conn.close()
    # A change, its outbox rows and its audit rows share one transaction's time: show what
    # was done before what it handed on.
    order = {"audit": 0, "outbox": 1, "inbox": 2}
    trace.steps.sort(key=lambda step: (step.at, order[step.kind]))
    stage_feed = Topics(prefix).stage_changed
    trace.unreceived = [
        (schema, topic, event_id, published)
        for event_id, (schema, topic, published) in sent.items()
        if event_id not in received and topic != stage_feed and topic in consumed
    ]
    if kafka is not None:
        key = str(case_id).encode()
        for topic in Topics(prefix).all():
            for r in await dead_letters_of(kafka, topic):
                if r.key == key:
                    reason = dict(r.headers).get(dl.H_REASON, b"").decode(errors="replace")
                    trace.dead_letters.append((topic, reason))
    return trace


# Never connected to: wiring a service to read its subscribers needs no database.
NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/none"


def service_wiring(service: str, **settings: Any) -> Any:
    """A service built as its process builds it, never started: its routes, subscribers and
    documents can be read. Imported by name (the kernel does not depend on the services)."""
    from importlib import import_module

    module = import_module(f"homeward_{service}.settings")
    [settings_cls] = [v for k, v in vars(module).items() if k.lower() == f"{service}settings"]
    bootstrap = import_module(f"homeward_{service}.bootstrap").bootstrap
    quiet = {"database_url": NOWHERE, "log_level": "WARNING"}  # building it logs nothing
    return bootstrap(settings_cls(**{**quiet, **settings}))


def consumed_topics(prefix: str = "") -> set[str]:
    """Topics some Homeward service subscribes to, read from the services' own wiring: an
    event on one of them must show up in some service's inbox."""
    topics: set[str] = set()
    for name in SERVICES:
        for subscriber in service_wiring(name, topic_prefix=prefix).broker.subscribers:
            topics.update(subscriber.topic_names)
    return topics


def consumer_groups(prefix: str = "") -> dict[str, set[str]]:
    """Every consumer group of the services and the topics it reads, from their wiring."""
    groups: dict[str, set[str]] = {}
    for name in SERVICES:
        for subscriber in service_wiring(name, topic_prefix=prefix).broker.subscribers:
            if subscriber.group_id:
                groups.setdefault(subscriber.group_id, set()).update(subscriber.topic_names)
    return groups


@dataclass(frozen=True)
class Lag:
    group: str
    topic: str
    lag: int | None  # None: the group has committed nothing on this topic yet
    end: int


async def consumer_lag(kafka: Kafka, groups: dict[str, set[str]]) -> list[Lag]:
    """Events each group has not yet committed, per topic (the end offsets minus the
    committed ones, summed over partitions)."""
    from aiokafka import TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**_kafka(kafka))
    probe = AIOKafkaConsumer(**_kafka(kafka), enable_auto_commit=False)
    await admin.start()
    await probe.start()
    try:
        out = []
        for group, topics in sorted(groups.items()):
            committed = await admin.list_consumer_group_offsets(group)
            for topic in sorted(topics):
                partitions = probe.partitions_for_topic(topic) or await _partitions_of(probe, topic)
                tps = [TopicPartition(topic, p) for p in sorted(partitions)]
                ends = await probe.end_offsets(tps) if tps else {}
                done = [committed[tp].offset for tp in tps if tp in committed]
                lag = (
                    sum(ends[tp] - committed[tp].offset for tp in tps if tp in committed)
                    + sum(ends[tp] for tp in tps if tp not in committed)
                    if done
                    else None
                )
                out.append(Lag(group, topic, lag, sum(ends.values())))
        return out
    finally:
        await probe.stop()
        await admin.close()


async def _partitions_of(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


@consumers_app.command("lag")
def consumers_lag() -> None:
    """Unprocessed events per consumer group and topic: a growing number is a consumer that
    is down or failing (its log says why; a poison event would be in the dead letters)."""
    s = AdminSettings()
    table = Table("group", "topic", "behind", "events in topic")
    for row in asyncio.run(consumer_lag(s.wire.kafka, consumer_groups(s.topic_prefix))):
        behind = str(row.lag) if row.lag is not None else f"{row.end} (never consumed)"
        table.add_row(row.group, row.topic, behind, str(row.end))
    console.print(table)


async def rewind(kafka: Kafka, group: str, topics: set[str], to: datetime) -> dict[str, int]:
    """Move a consumer group's committed offsets back to the first event at or after ``to``
    on every partition of ``topics`` (the end, where nothing is that recent). The group must
    have no running member: the broker refuses a commit from outside a live generation. The
    service's inbox drops every event it had processed already."""
    from aiokafka import TopicPartition
    from aiokafka.structs import OffsetAndMetadata

    consumer = AIOKafkaConsumer(**_kafka(kafka), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = []
        for topic in sorted(topics):
            partitions = consumer.partitions_for_topic(topic) or await _partitions_of(
                consumer, topic
            )
            tps += [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        at = await consumer.offsets_for_times({tp: int(to.timestamp() * 1000) for tp in tps})
        ends = await consumer.end_offsets(tps)
        offsets = {tp: (at[tp].offset if at[tp] is not None else ends[tp]) for tp in tps}
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
        per_topic: dict[str, int] = {}
        for tp, offset in offsets.items():
            per_topic[tp.topic] = per_topic.get(tp.topic, 0) + ends[tp] - offset
        return per_topic
    finally:
        await consumer.stop()


@consumers_app.command("rewind")
def consumers_rewind(
    group: Annotated[str, typer.Argument(help="a group from `homeward consumers lag`")],
    to: Annotated[
        datetime, typer.Option(help="re-read from this time, e.g. the backup's (UTC if no zone)")
    ],
) -> None:
    """After restoring a service's schema: its groups re-read what arrived since the backup.
    Stop every instance of the service first."""
    s = AdminSettings()
    groups = consumer_groups(s.topic_prefix)
    if group not in groups:
        raise typer.BadParameter(f"not a Homeward consumer group; one of {', '.join(groups)}")
    when = to if to.tzinfo else to.replace(tzinfo=UTC)
    for topic, n in asyncio.run(rewind(s.wire.kafka, group, groups[group], when)).items():
        console.print(f"{group}: {topic} rewound, {n} events to re-read")


@case_app.command("trace")
def case_trace(
    case_id: Annotated[uuid.UUID, typer.Argument(help="the case id (a UUID)")],
    dead_letters: Annotated[
        bool, typer.Option("--dead-letters", help="also search every dead-letter topic")
    ] = False,
) -> None:
    """One case's path through every service, in time order, and where it stopped."""
    s = AdminSettings()
    trace = asyncio.run(
        trace_case(
            s.dsn,
            case_id,
            consumed=consumed_topics(s.topic_prefix),
            kafka=s.wire.kafka if dead_letters else None,
            prefix=s.topic_prefix,
        )
    )
    if not trace.steps:
        console.print(f"no service has recorded case {case_id}")
        raise typer.Exit(1)
    table = Table("at (UTC)", "service", "what", "detail")
    for step in trace.steps:
        table.add_row(f"{step.at:%Y-%m-%d %H:%M:%S}", step.service, step.what, step.detail)
    console.print(table)
    for schema, topic, event_id, published in trace.unreceived:
        where = (
            "published, not yet received: is the consumer running?"
            " (runbook: consumer down or behind; `homeward consumers lag`)"
            if published
            else "still in the outbox: is the relay up? (runbook: outbox backlog growing)"
        )
        console.print(f"[bold]stopped[/]: {schema} -> {topic} (event {event_id}): {where}")
    for topic, reason in trace.dead_letters:
        named = topic.removeprefix(s.topic_prefix)  # the commands add TOPIC_PREFIX themselves
        console.print(
            f"[bold]dead letter[/] on {topic}: {reason}"
            f" (runbook: dead letters; `homeward dlq list {named}`)"
        )


def service_migrations(service: str) -> Path:
    """A service's migration files, from its installed package (as the service reads them)."""
    return Path(str(resources.files(f"homeward_{service}").joinpath("migrations")))


async def migrate_services(admin_dsn: str, services: list[str]) -> dict[str, list[str]]:
    """Each service's kernel tables and own files, applied as the service's role (so the
    service owns what is created). Safe beside running services: the same advisory lock."""
    done: dict[str, list[str]] = {}
    for service in track(services, description="migrating", console=console):
        done[service] = await migrate(
            acting_as(admin_dsn, SERVICES[service]), service, service_migrations(service)
        )
    return done


@app.command("migrate")
def migrate_cmd(
    service: Annotated[
        str | None, typer.Argument(help=f"one of {', '.join(SERVICES)}; all when omitted")
    ] = None,
) -> None:
    """Apply schema migrations ahead of a deployment (services also migrate on start)."""
    if service is not None and service not in SERVICES:
        raise typer.BadParameter(f"unknown service; one of {', '.join(SERVICES)}")
    result = asyncio.run(
        migrate_services(AdminSettings().dsn, [service] if service else list(SERVICES))
    )
    for name, applied in result.items():
        console.print(
            f"{name:<14} {len(applied)} applied" + (f": {', '.join(applied)}" if applied else "")
        )


@topics_app.command("apply")
def topics_apply(
    partitions: Annotated[
        int | None, typer.Option(help="per topic (TOPIC_PARTITIONS, default 6)")
    ] = None,
    replication_factor: Annotated[
        int | None, typer.Option(help="per topic (TOPIC_REPLICATION_FACTOR; 3 in production)")
    ] = None,
) -> None:
    """Create missing topics and set declared configs; report what it may not change."""
    s = AdminSettings()
    specs = topology.declared(
        s.topic_prefix,
        partitions=partitions or s.topic_partitions,
        replication_factor=replication_factor or s.topic_replication_factor,
    )
    outcomes = asyncio.run(topology.apply(s.wire.kafka, specs))
    table = Table("topic", "action", "detail")
    for o in outcomes:
        table.add_row(o.topic, o.action, o.detail)
    console.print(table)
    drifted = [o for o in outcomes if o.action == "drift"]
    if drifted:
        console.print(
            f"{len(drifted)} topics differ in partitions or replication, which apply never"
            " changes on its own: see docs/runbook.md, 'Topics that drifted'"
        )
        raise typer.Exit(1)


@dashboard_app.command("rebuild")
def dashboard_rebuild() -> None:
    """Empty the live view and replay the stage feed from the beginning (progress bar)."""
    import json
    from dataclasses import asdict

    from homeward_dashboard.rebuild import rebuild_with_progress
    from homeward_dashboard.settings import DashboardSettings

    s = AdminSettings()
    settings = DashboardSettings(
        database_url=acting_as(s.database_url.get_secret_value(), SERVICES["dashboard"]),
        topic_prefix=s.topic_prefix,
        **s.model_dump(include=set(TransportSettings.model_fields)),
    )
    report = rebuild_with_progress(settings, console)
    console.print_json(json.dumps(asdict(report)))


if __name__ == "__main__":
    app()
