"""``homeward``: the operator's command line for what every service shares.

    homeward dlq list TOPIC          dead letters of a topic: reason, where they came from
    homeward dlq redrive TOPIC       send dead letters back to the topic they came from
    homeward audit verify            recompute every service's audit hash chain
    homeward outbox backlog          unpublished outbox rows and the age of the oldest
    homeward token keygen            the local token-signing key pair, made once (.local/auth)
    homeward token mint --user U --role R [--centre TD ...] [--ttl 3600]
                                     a bearer token for local runs (make run), signed locally

Built with typer (click underneath) and rich for tables and progress.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import asyncpg
import typer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from rich.console import Console
from rich.progress import track
from rich.table import Table

from homeward_shared import auth
from homeward_shared import dead_letters as dl
from homeward_shared.contracts import Topics
from homeward_shared.outbox import outbox_backlog
from homeward_shared.policy import ROLES
from homeward_shared.provision import SERVICES
from homeward_shared.uow import verify_audit_chain

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
app.add_typer(token_app, name="token")
console = Console()


class AdminSettings(BaseSettings):
    """The operator's view: the admin login (it may read every schema), the broker."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: SecretStr = SecretStr("postgresql://homeward:homeward@127.0.0.1:5433/homeward")
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = ""


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
