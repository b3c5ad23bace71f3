"""The unit of work: one transaction for the change, its audit rows, its outbox rows and,
for a consumed event, the inbox row.

Invariants:
- Nothing is written unless ``commit()`` is called; leaving the block without it rolls back.
- Events recorded by tracked aggregates are written to the outbox and the audit trail in the
  same transaction as the change, never published directly.
- Repositories lock an aggregate's row before changing it, and the outbox rows are inserted
  after that, so two transactions on one case get outbox sequence numbers in commit order:
  the relay's per-case order is the order of the changes.
"""

from __future__ import annotations

import abc
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

import asyncpg

from homeward_shared.contracts import Topics
from homeward_shared.crypto import Keyring, MasterKey, Vault
from homeward_shared.domain import (
    Aggregate,
    DomainEvent,
    EventTooLarge,
    FigureRecorded,
    StageEntered,
    utcnow,
)
from homeward_shared.envelope import Envelope
from homeward_shared.logging import bind_log_ids
from homeward_shared.messages import Translator, envelopes_for
from homeward_shared.telemetry import stamp_outgoing

GENESIS = b"\x00" * 32


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person's user id and role, or a service reacting to an event.
    ``role`` is the one that authorised this call (the audit trail records it); ``roles``
    and ``centres`` are all that her token grants."""

    id: str
    role: str
    roles: frozenset[str] = field(default=frozenset(), compare=False)
    centres: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        if not self.roles:
            object.__setattr__(self, "roles", frozenset({self.role}))

    def __str__(self) -> str:
        return f"{self.role}:{self.id}"


@dataclass(frozen=True)
class Delivery:
    """Where a consumed event came from."""

    consumer: str
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Received:
    """The consumed event a command comes from: what the inbox records."""

    event_id: uuid.UUID
    event_type: str
    delivery: Delivery

    @classmethod
    def of(cls, envelope: Envelope[Any], delivery: Delivery) -> Received:
        return cls(envelope.event_id, envelope.event_type, delivery)


@dataclass
class Scope:
    actor: Actor
    correlation_id: uuid.UUID | None = None
    causation_id: uuid.UUID | None = None


@dataclass
class AuditEntry:
    action: str
    case_id: uuid.UUID | None
    detail: dict[str, Any] = field(default_factory=dict)


def audit_hash(prev: bytes, at: datetime, actor: str, entry: AuditEntry) -> bytes:
    body = json.dumps(
        {
            "at": at.isoformat(),
            "actor": actor,
            "action": entry.action,
            "case_id": str(entry.case_id) if entry.case_id else None,
            "detail": entry.detail,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    return hashlib.sha256(prev + body).digest()


def audit_of(event: DomainEvent) -> AuditEntry:
    detail: dict[str, Any] = {"event_id": str(event.event_id)}
    if isinstance(event, StageEntered):
        detail["stage"] = event.stage.value
    elif isinstance(event, FigureRecorded):
        detail["metric"] = event.metric
    return AuditEntry(type(event).__name__, event.case_id, detail)


class AbstractUnitOfWork(abc.ABC):
    """What handlers see. ``scope`` says who acts and which pathway the work belongs to."""

    scope: Scope

    def __init__(self) -> None:
        self._seen: list[Aggregate] = []
        self._audit: list[AuditEntry] = []
        self.committed = False

    def track(self, aggregate: Aggregate) -> None:
        if aggregate not in self._seen:
            self._seen.append(aggregate)

    def audit(self, action: str, case_id: uuid.UUID | None, **detail: Any) -> None:
        """Record an action that is not a domain event (a read of personal data, say)."""
        self._audit.append(AuditEntry(action, case_id, detail))

    def _collect(self) -> list[tuple[DomainEvent, uuid.UUID]]:
        """The recorded events, each with its pathway (correlation id): the event's own where
        it names one, else its aggregate's, else the scope's (a consumed event's)."""
        events: list[tuple[DomainEvent, uuid.UUID]] = []
        for agg in self._seen:
            pathway = getattr(agg, "correlation_id", None) or self.scope.correlation_id
            for event in agg.take_events():
                correlation = getattr(event, "correlation_id", None) or pathway
                if correlation is None:
                    raise ValueError("an event needs a correlation id (the case's pathway)")
                events.append((event, correlation))
        return events

    @abc.abstractmethod
    async def claim(self, received: Received) -> bool:
        """Record the consumed event in the inbox, in this transaction. False: it was
        processed already, and the handler must have no effect."""

    @abc.abstractmethod
    async def commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None: ...

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self.committed:
            await self.rollback()


class PostgresUnitOfWork(AbstractUnitOfWork):
    """A service subclasses this and opens its repositories in ``open_repositories``."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        schema: str,
        producer: str,
        topics: Topics,
        translate: Translator,
        master_key: MasterKey | Keyring,
        scope: Scope,
        max_event_bytes: int | None = None,
    ) -> None:
        super().__init__()
        self._max_event_bytes = max_event_bytes
        self._pool = pool
        self.schema = schema
        self._producer = producer
        self._topics = topics
        self._translate = translate
        self._master = master_key
        self.scope = scope
        self.conn: asyncpg.Connection
        self.vault: Vault

    def open_repositories(self) -> None:  # pragma: no cover - overridden by services
        pass

    async def __aenter__(self) -> Self:
        self.conn = await self._pool.acquire()
        self._tx = self.conn.transaction()
        self._finished = False
        await self._tx.start()
        self.vault = Vault(self.conn, self.schema, self._master)
        self.open_repositories()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if not self.committed:
                await self.rollback()
        finally:
            await self._pool.release(self.conn)

    async def rollback(self) -> None:
        if not self._finished:
            self._finished = True
            await self._tx.rollback()

    async def claim(self, received: Received) -> bool:
        d = received.delivery
        inserted = await self.conn.fetchval(
            f"INSERT INTO {self.schema}.inbox"
            " (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
            d.consumer,
            received.event_id,
            received.event_type,
            d.topic,
            d.partition,
            d.offset,
        )
        return bool(inserted)

    async def commit(self) -> None:
        events = self._collect()
        bind_log_ids((e.case_id for e, _ in events), (c for _, c in events))
        await self._write_outbox(events)
        await self._write_audit([*(audit_of(e) for e, _ in events), *self._audit])
        if events:
            # Sent on commit only, so a rollback wakes nobody.
            await self.conn.execute("SELECT pg_notify($1, '')", f"{self.schema}_outbox")
        self._finished = True
        await self._tx.commit()
        self.committed = True

    async def _write_outbox(self, events: list[tuple[DomainEvent, uuid.UUID]]) -> None:
        rows = []
        for event, correlation in events:
            for topic, env in envelopes_for(
                event,
                self._translate,
                self._topics,
                producer=self._producer,
                correlation_id=correlation,
                causation_id=self.scope.causation_id,
            ):
                payload = env.model_dump_json()
                size = len(payload.encode())
                if self._max_event_bytes is not None and size > self._max_event_bytes:
                    # Refused here, with the change, rather than found unpublishable later.
                    raise EventTooLarge(
                        f"{env.event_type} would be {size} bytes; the limit is"
                        f" {self._max_event_bytes}"
                    )
                rows.append(
                    (
                        env.event_id,
                        topic,
                        env.case_id,
                        env.event_type,
                        topic,
                        payload,
                        # The trace context goes with the row, so the trace survives the hop.
                        json.dumps(stamp_outgoing(env.headers())),
                    )
                )
        if rows:
            await self.conn.executemany(
                f"INSERT INTO {self.schema}.outbox"
                " (event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
                rows,
            )

    async def _write_audit(self, entries: list[AuditEntry]) -> None:
        if not entries:
            return
        # The chain is one sequence per schema: hold its lock until commit so that two
        # transactions never both extend the same last row.
        await self.conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))", f"homeward.audit.{self.schema}"
        )
        # A statement of its own after the lock: under READ COMMITTED it takes a fresh
        # snapshot, so it sees the row of the transaction that held the lock before us.
        # (Read in the same statement as the lock, it would see the snapshot from before the
        # wait and fork the chain.)
        prev = await self.conn.fetchval(
            f"SELECT hash FROM {self.schema}.audit ORDER BY seq DESC LIMIT 1"
        )
        prev = bytes(prev) if prev is not None else GENESIS
        actor = str(self.scope.actor)
        rows = []
        for entry in entries:
            at = utcnow()
            digest = audit_hash(prev, at, actor, entry)
            rows.append(
                (at, actor, entry.action, entry.case_id, json.dumps(entry.detail), prev, digest)
            )
            prev = digest
        await self.conn.executemany(
            f"INSERT INTO {self.schema}.audit"
            " (at, actor, action, case_id, detail, prev_hash, hash)"
            " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)",
            rows,
        )


async def verify_audit_chain(conn: asyncpg.Connection, schema: str) -> int:
    """Recompute the chain; returns the number of rows, raises on the first broken link."""
    prev = GENESIS
    count = 0
    async with conn.transaction():
        async for row in conn.cursor(
            f"SELECT seq, at, actor, action, case_id, detail, prev_hash, hash"
            f" FROM {schema}.audit ORDER BY seq"
        ):
            detail = row["detail"]
            detail = json.loads(detail) if isinstance(detail, str) else detail
            entry = AuditEntry(row["action"], row["case_id"], detail)
            expected = audit_hash(prev, row["at"], row["actor"], entry)
            if bytes(row["prev_hash"]) != prev or bytes(row["hash"]) != expected:
                raise ValueError(f"{schema}.audit is broken at seq {row['seq']}")
            prev = expected
            count += 1
    return count
