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

Built with typer (click underneath) and rich for tables and progress.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Annotated

import asyncpg
import typer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from rich.console import Console
from rich.progress import Progress, track
from rich.table import Table

from homeward_shared import auth
from homeward_shared import dead_letters as dl
from homeward_shared.contracts import Topics
from homeward_shared.contracts.erasure import ErasureReason
from homeward_shared.crypto import Keyring, count_to_rotate, rotate_case_keys
from homeward_shared.db import create_pool
from homeward_shared.domain import DomainError, utcnow
from homeward_shared.erasure import handlers as erasure
from homeward_shared.erasure.model import ErasureRequest
from homeward_shared.erasure.replay import replay_erasures
from homeward_shared.outbox import outbox_backlog
from homeward_shared.policy import ROLES
from homeward_shared.provision import SERVICES
from homeward_shared.settings import LOCAL_MASTER_KEY
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
console = Console()


class AdminSettings(BaseSettings):
    """The operator's view: the admin login (it may read every schema), the broker."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: SecretStr = SecretStr("postgresql://homeward:homeward@127.0.0.1:5433/homeward")
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = ""


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


async def _read_all(bootstrap: str, topic: str, *, within_s: float = 30.0) -> list:
    """Every record of a topic, from the beginning to its end as of now."""
    # A throwaway group that never commits; subscribing (not assigning) makes aiokafka fetch
    # the topic's partitions itself.
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
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


async def dead_letters_of(bootstrap: str, topic: str) -> list:
    return await _read_all(bootstrap, Topics.dead_letter(topic))


async def redrive(bootstrap: str, topic: str, offsets: set[int] | None) -> int:
    """Republish dead letters of ``topic`` (all, or those at the given DLQ offsets) to the
    topic they came from, with their original key and headers. Safe to repeat: consumers
    drop an event they processed already (inbox); one that fails again returns here."""
    letters = await dead_letters_of(bootstrap, topic)
    chosen = [r for r in letters if offsets is None or r.offset in offsets]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for r in track(chosen, description="redriving", console=console, disable=not chosen):
            headers = dict(r.headers)
            original = headers.get(dl.H_TOPIC, topic.encode()).decode()
            kept = [(k, v) for k, v in r.headers if not k.startswith("dlq.")]
            kept.append(("dlq.redriven_from_offset", str(r.offset).encode()))
            await producer.send_and_wait(original, r.value, key=r.key, headers=kept)
    finally:
        await producer.stop()
    return len(chosen)


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str, typer.Argument(help="the original topic, without .dlq")],
) -> None:
    s = AdminSettings()
    letters = asyncio.run(dead_letters_of(s.kafka_bootstrap_servers, s.topic_prefix + topic))
    table = Table("dlq offset", "failed at", "group", "from", "reason")
    for r in letters:
        h = {k: v.decode(errors="replace") for k, v in r.headers}
        table.add_row(
            str(r.offset),
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
    n = asyncio.run(
        redrive(s.kafka_bootstrap_servers, s.topic_prefix + topic, set(offset) if offset else None)
    )
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
    result = asyncio.run(_verify(AdminSettings().database_url.get_secret_value()))
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
    for schema, (n, age) in asyncio.run(
        _backlog(AdminSettings().database_url.get_secret_value())
    ).items():
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
    for schema, key_id, live, destroyed in asyncio.run(
        _key_status(s.database_url.get_secret_value(), _schemas(service))
    ):
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
    problems = asyncio.run(
        _rotate(s.database_url.get_secret_value(), _schemas(service), s.keyring, batch_size)
    )
    if problems:
        raise typer.Exit(1)


class EraseSettings(AdminSettings):
    """The service that hosts the erasure workflow, and how long a request waits."""

    erasure_host: str = "intake"
    erasure_request_ttl_hours: float = 72


async def _erasure(admin: str, run) -> ErasureRequest:
    s = EraseSettings()
    pool = await create_pool(s.database_url.get_secret_value(), max_size=2)
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
    records = await _read_all(s.kafka_bootstrap_servers, topics.erasure_approved)
    pool = await create_pool(s.database_url.get_secret_value(), max_size=2)
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


if __name__ == "__main__":
    app()
