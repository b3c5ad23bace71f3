"""The unit of work: one transaction for the change, its audit rows, its outbox rows and,
for a consumed event, the inbox row.

Invariants:
- Nothing is written unless ``commit()`` is called; leaving the block without it rolls back.
- Events recorded by tracked aggregates are written to the outbox and the audit trail in the
  same transaction as the change, never published directly.
- Repositories lock an aggregate's row before changing it, and the outbox rows are inserted
  after that, so two transactions on one case get outbox sequence numbers in commit order:
  the relay's per-case order is the order of the changes.
- Inside a ``ConsumedBatch`` (the kernel's consumer opens one per batch of Kafka records), the
  units of work of the batch's events share one transaction: each unit's ``commit()`` writes
  its outbox, audit and inbox rows into it, and the batch commits once. A unit of work that
  fails, or is left without ``commit()``, breaks the batch: it is rolled back whole and the
  consumer redoes its events one transaction each (the path outside a batch), so a failing
  event rolls back only itself there and is dead-lettered alone.
"""

from __future__ import annotations

import abc
import contextvars
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

import asyncpg

from homeward_shared.contracts import Topics
from homeward_shared.crypto import Keyring, MasterKey, Vault
from homeward_shared.db import json_rows
from homeward_shared.domain import (
    Aggregate,
    DomainEvent,
    EventTooLarge,
    FigureRecorded,
    StageEntered,
    utcnow,
)
from homeward_shared.envelope import Envelope
from homeward_shared.logging import bind_log_ids, get_logger
from homeward_shared.messages import Translator, envelopes_for
from homeward_shared.telemetry import stamp_outgoing

GENESIS = b"\x00" * 32

log = get_logger(__name__)


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


def audit_body(at: datetime, actor: str, entry: AuditEntry) -> bytes:
    """The canonical bytes a row's hash covers (with the previous row's hash before them)."""
    return json.dumps(
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


def audit_hash(prev: bytes, at: datetime, actor: str, entry: AuditEntry) -> bytes:
    return hashlib.sha256(prev + audit_body(at, actor, entry)).digest()


def audit_of(event: DomainEvent) -> AuditEntry:
    detail: dict[str, Any] = {"event_id": str(event.event_id)}
    if isinstance(event, StageEntered):
        detail["stage"] = event.stage.value
    elif isinstance(event, FigureRecorded):
        detail["metric"] = event.metric
    return AuditEntry(type(event).__name__, event.case_id, detail)


class BatchBroken(RuntimeError):
    """A unit of work in a batch failed or was left without commit: the batch must be rolled
    back and its events redone one transaction each."""


@dataclass(eq=False)
class ConsumedBatch:
    """One transaction for the units of work of a batch of consumed events.

    Opened by the consumer around the reactions to one batch; a ``PostgresUnitOfWork``
    entered while it is current (a context variable) joins its transaction instead of
    opening one. The first unit of work takes a connection from its pool and begins. The
    audit rows of the whole batch are written at its commit (one lock, one read of the
    chain's head, one insert), then one NOTIFY per outbox channel; the consumer commits
    the Kafka offsets after ``commit()`` returned.
    """

    conn: asyncpg.Connection | None = None
    broken: bool = False
    _pool: asyncpg.Pool | None = None
    _tx: Any = None
    audit: list[tuple[str, str, list[AuditEntry]]] = field(default_factory=list)
    notify: set[str] = field(default_factory=set)
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    _token: contextvars.Token[ConsumedBatch | None] | None = None

    async def connection(self, pool: asyncpg.Pool) -> asyncpg.Connection:
        if self.broken:
            raise BatchBroken("a unit of work of this batch already failed")
        if self.conn is None:
            self.conn = await pool.acquire()
            self._pool = pool
            self._tx = self.conn.transaction()
            await self._tx.start()
        elif pool is not self._pool:
            # Units of work of one batch must share one database: anything else is redone
            # event by event.
            raise BatchBroken("units of work of one batch use different pools")
        return self.conn

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after_commit.append(fn)

    def __enter__(self) -> Self:
        self._token = _current_batch.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._token is not None
        _current_batch.reset(self._token)
        self._token = None

    async def commit(self) -> None:
        if self.broken:
            raise BatchBroken("a unit of work of this batch failed")
        if self.conn is None:
            return
        by_schema: dict[str, list[tuple[str, AuditEntry]]] = {}
        for schema, actor, entries in self.audit:
            by_schema.setdefault(schema, []).extend((actor, e) for e in entries)
        # A schema's outbox notice goes in its audit append's round trip (sent on commit
        # either way); the others on their own.
        joined = {f"{schema}_outbox" for schema in by_schema}
        for channel in sorted(self.notify):
            if channel not in joined:
                await self.conn.execute("SELECT pg_notify($1, '')", channel)
        for schema in sorted(by_schema):
            channel = f"{schema}_outbox"
            await write_audit(
                self.conn,
                schema,
                by_schema[schema],
                notify=channel if channel in self.notify else None,
            )
        await self._tx.commit()
        await self._release()
        for fn in self._after_commit:
            # Committed already: a failing callback must not make the batch look undone.
            try:
                fn()
            except Exception:
                log.exception("after_commit_failed")

    async def rollback(self) -> None:
        if self.conn is None:
            return
        try:
            if not self.conn.is_closed():
                await self._tx.rollback()
        finally:
            await self._release()

    async def _release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and self._pool is not None:
            await self._pool.release(conn)


_current_batch: contextvars.ContextVar[ConsumedBatch | None] = contextvars.ContextVar(
    "homeward_consumed_batch", default=None
)


def when_committed(fn: Callable[[], None]) -> None:
    """Call ``fn`` once the work done so far is durable: at once outside a consumed batch
    (the caller's unit of work has committed), at the batch's commit inside one (never, if the
    batch is rolled back and redone: the redo calls it again). For effects outside the
    database that follow a handler, such as a live feed."""
    batch = _current_batch.get()
    if batch is None:
        fn()
    else:
        batch.after_commit(fn)


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

    async def claim_many(self, received: list[Received]) -> set[uuid.UUID]:
        """``claim`` for many consumed events at once: the event ids not processed before
        (each event once, however often it is in the list)."""
        fresh: set[uuid.UUID] = set()
        for r in received:
            if r.event_id not in fresh and await self.claim(r):
                fresh.add(r.event_id)
        return fresh

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
        self._batch: ConsumedBatch | None = None
        self._after: list[Callable[[], None]] = []

    def open_repositories(self) -> None:  # pragma: no cover - overridden by services
        pass

    async def __aenter__(self) -> Self:
        self._finished = False
        self._batch = _current_batch.get()
        if self._batch is not None:
            self.conn = await self._batch.connection(self._pool)
        else:
            self.conn = await self._pool.acquire()
            self._tx = self.conn.transaction()
            await self._tx.start()
        self.vault = Vault(self.conn, self.schema, self._master)
        self.open_repositories()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._batch is not None:
            if not self.committed:
                # Its statements cannot be undone apart from the batch's.
                self._batch.broken = True
            return
        try:
            if not self.committed:
                await self.rollback()
        finally:
            await self._pool.release(self.conn)

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` once this unit's work is durable: at once after ``commit()`` outside a
        batch, after the batch's commit inside one. Register it before ``commit()``."""
        self._after.append(fn)

    async def rollback(self) -> None:
        if not self._finished:
            self._finished = True
            if self._batch is not None:
                self._batch.broken = True
                return
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

    async def claim_many(self, received: list[Received]) -> set[uuid.UUID]:
        if not received:
            return set()
        rows = await self.conn.fetch(
            f"INSERT INTO {self.schema}.inbox"
            " (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)"
            " SELECT * FROM json_to_recordset($1::json) AS r (consumer text, event_id uuid,"
            " event_type text, topic text, kafka_partition int, kafka_offset bigint)"
            " ON CONFLICT DO NOTHING RETURNING event_id",
            json_rows(
                {
                    "consumer": r.delivery.consumer,
                    "event_id": r.event_id,
                    "event_type": r.event_type,
                    "topic": r.delivery.topic,
                    "kafka_partition": r.delivery.partition,
                    "kafka_offset": r.delivery.offset,
                }
                for r in received
            ),
        )
        return {r["event_id"] for r in rows}

    async def commit(self) -> None:
        events = self._collect()
        bind_log_ids((e.case_id for e, _ in events), (c for _, c in events))
        await self._write_outbox(events)
        entries = [*(audit_of(e) for e, _ in events), *self._audit]
        # Sent on commit only, so a rollback wakes nobody; queued in the audit append's round
        # trip (the chain's lock is held from there to the commit either way).
        notify = f"{self.schema}_outbox" if self._batch is None and events else None
        if notify is not None and not entries:
            await self.conn.execute("SELECT pg_notify($1, '')", notify)
            notify = None
        await self._write_audit(entries, notify=notify)
        self._finished = True
        if self._batch is not None:
            if events:
                self._batch.notify.add(f"{self.schema}_outbox")
            for fn in self._after:
                self._batch.after_commit(fn)
            self.committed = True
            return
        await self._tx.commit()
        self.committed = True
        for fn in self._after:
            fn()

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

    async def _write_audit(self, entries: list[AuditEntry], *, notify: str | None = None) -> None:
        if not entries:
            return
        actor = str(self.scope.actor)
        if self._batch is not None:
            # Written when the batch commits, after every row lock of the batch was taken:
            # the audit lock is always the last lock a transaction takes, in a batch as
            # outside one, so a batch and an HTTP request never wait for each other in turn.
            self._batch.audit.append((self.schema, actor, entries))
            return
        await write_audit(self.conn, self.schema, [(actor, e) for e in entries], notify=notify)


async def write_audit(
    conn: asyncpg.Connection,
    schema: str,
    entries: list[tuple[str, AuditEntry]],
    *,
    notify: str | None = None,
) -> None:
    """Extend ``schema``'s audit chain with ``(actor, entry)`` rows, in this transaction, in
    one round trip: the chain's lock is held from here to the commit, so the less the
    transaction does after this, the more transactions per second the schema takes (every
    writing transaction of a service queues on this lock). ``notify``: a channel to notify
    on commit, in the same round trip."""
    ats, actors, actions, cases, details, bodies = [], [], [], [], [], []
    for actor, entry in entries:
        at = utcnow()
        ats.append(at)
        actors.append(actor)
        actions.append(entry.action)
        cases.append(entry.case_id)
        details.append(json.dumps(entry.detail))
        bodies.append(audit_body(at, actor, entry))
    args: list[object] = [ats, actors, actions, cases, details, bodies]
    notice = ""
    if notify is not None:
        notice = "pg_notify($7, ''), "
        args.append(notify)
    await conn.execute(
        f"SELECT {notice}{schema}.audit_append($1, $2, $3, $4, $5::jsonb[], $6)", *args
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
