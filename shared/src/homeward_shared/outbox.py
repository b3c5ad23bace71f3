"""The outbox relay: publishes a service's outbox rows to Kafka, in order per case.

Invariants:
- One active relay per service schema: a session advisory lock, held on the relay's own
  connection. A standby polls for the lock and takes over when the holder's session ends.
- Rows go out in ``seq`` order with ``acks=all`` and the idempotent producer; a batch is sent
  and awaited once (not row by row).
- A row is marked published only after the broker confirmed it. If the relay dies between
  the two, the row is sent again after restart; consumers drop it by event id (inbox).
- If a send fails, only the rows before the first failure are marked; the failed row and
  everything after it are retried in order, so a case's events never overtake each other.
- A row over ``max_event_bytes`` (the unit of work refuses to write one; this catches rows
  written before the limit was lowered) goes to ``<topic>.dlq`` with the reason, in its
  place in the order, so that it neither blocks the relay nor is silently dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import trace

from homeward_shared.contracts import Topics
from homeward_shared.db import checked_identifier
from homeward_shared.logging import get_logger
from homeward_shared.telemetry import end_relay_spans, start_relay_span

log = get_logger(__name__)


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def make_producer(bootstrap_servers: str, **overrides: object) -> AIOKafkaProducer:
    options: dict[str, object] = {
        "bootstrap_servers": bootstrap_servers,
        "acks": "all",
        "enable_idempotence": True,
        # No linger: the relay hands every row of a batch to the producer before it yields to
        # the event loop, so they share a request anyway; lingering only delayed each batch
        # (5 ms of a hand-off's latency).
        "linger_ms": 0,
        "request_timeout_ms": 15_000,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


class OutboxRelay:
    def __init__(
        self,
        dsn: str,
        schema: str,
        bootstrap_servers: str,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
        producer_factory: Callable[[], AIOKafkaProducer] | None = None,
        max_event_bytes: int | None = None,
    ) -> None:
        self.schema = checked_identifier(schema)
        self._max_event_bytes = max_event_bytes
        self._dsn = dsn
        self._batch_size = batch_size
        self._poll = poll_interval_s
        self._producer_factory = producer_factory or (lambda: make_producer(bootstrap_servers))
        self._conn: asyncpg.Connection | None = None
        self._producer: AIOKafkaProducer | None = None
        self._wake = asyncio.Event()
        self.is_leader = False
        self.published = 0
        # Called after the broker confirmed a batch and before it is marked: the one place a
        # crash makes the relay send the same rows again. Tests put a fault here.
        self.before_mark: Callable[[list[OutboxRow]], Awaitable[None]] | None = None
        # Observability, set by telemetry.py and metrics.py: the tracer of the relay's
        # producer spans; called with the rows the broker confirmed, and with a row it
        # refused.
        self.tracer: trace.Tracer = trace.NoOpTracer()
        self.on_published: Callable[[list[OutboxRow]], None] | None = None
        self.on_failed: Callable[[OutboxRow], None] | None = None

    @property
    def _lock_key(self) -> str:
        return f"homeward.outbox.{self.schema}"

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set: wait to lead, then publish as rows arrive."""
        while not stop.is_set():
            try:
                await self._run_once(stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a broker or database that is down: retry, never exit
                log.warning("outbox_relay_error", schema=self.schema, error=type(exc).__name__)
                await self._close()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._poll)
        await self._close()

    async def _run_once(self, stop: asyncio.Event) -> None:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._dsn)
            self.is_leader = False
        if not self.is_leader:
            self.is_leader = await self._conn.fetchval(
                "SELECT pg_try_advisory_lock(hashtext($1))", self._lock_key
            )
            if not self.is_leader:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._poll)
                return
            await self._conn.add_listener(f"{self.schema}_outbox", self._on_notify)
            log.info("outbox_relay_leading", schema=self.schema)
        if self._producer is None:
            producer = self._producer_factory()
            await producer.start()
            self._producer = producer
        while not stop.is_set():
            self._wake.clear()
            sent = await self.publish_pending()
            if sent < self._batch_size:
                # Woken by NOTIFY on commit; the timeout is the fallback for a lost notice.
                waiter = asyncio.ensure_future(self._wake.wait())
                stopper = asyncio.ensure_future(stop.wait())
                try:
                    await asyncio.wait(
                        {waiter, stopper}, timeout=self._poll, return_when="FIRST_COMPLETED"
                    )
                finally:
                    waiter.cancel()
                    stopper.cancel()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows. Returns how many were confirmed."""
        assert self._conn is not None and self._producer is not None
        records = await self._conn.fetch(
            f"SELECT seq, topic, aggregate_id, payload, headers FROM {self.schema}.outbox"
            " WHERE published_at IS NULL ORDER BY seq LIMIT $1",
            self._batch_size,
        )
        if not records:
            return 0
        rows = [
            OutboxRow(
                seq=r["seq"],
                topic=r["topic"],
                key=str(r["aggregate_id"]).encode(),
                value=r["payload"].encode(),
                headers=[(k, str(v).encode()) for k, v in json.loads(r["headers"]).items()],
            )
            for r in records
        ]
        futures = []
        spans = []
        try:
            for row in rows:
                span, headers = start_relay_span(self.tracer, row.topic, row.key, row.headers)
                spans.append(span)
                topic = row.topic
                if self._max_event_bytes is not None and len(row.value) > self._max_event_bytes:
                    topic = Topics.dead_letter(row.topic)
                    reason = (
                        f"the event is {len(row.value)} bytes; the limit is {self._max_event_bytes}"
                    )
                    headers = [
                        *headers,
                        ("dlq.reason", reason.encode()),
                        ("dlq.error", b"EventTooLarge"),
                        ("dlq.original_topic", row.topic.encode()),
                        ("dlq.service", self.schema.encode()),
                    ]
                    log.error("outbox_event_too_large", schema=self.schema, seq=row.seq)
                futures.append(
                    await self._producer.send(topic, value=row.value, key=row.key, headers=headers)
                )
        except BaseException as exc:
            end_relay_spans(spans, exc)
            raise
        results = await asyncio.gather(*futures, return_exceptions=True)
        for span, result in zip(spans, results, strict=True):
            end_relay_spans([span], result if isinstance(result, BaseException) else None)
        confirmed: list[OutboxRow] = []
        failure: BaseException | None = None
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                failure = result
                break
            confirmed.append(row)
        if self.before_mark is not None and confirmed:
            await self.before_mark(confirmed)
        if confirmed:
            await self._conn.execute(
                f"UPDATE {self.schema}.outbox SET published_at = now()"
                " WHERE seq = ANY($1::bigint[])",
                [r.seq for r in confirmed],
            )
            self.published += len(confirmed)
            if self.on_published is not None:
                self.on_published(confirmed)
        if failure is not None:
            failed = rows[len(confirmed)]
            await self._conn.execute(
                f"UPDATE {self.schema}.outbox SET attempts = attempts + 1, last_error = $2"
                " WHERE seq = $1",
                failed.seq,
                f"{type(failure).__name__}: {failure}"[:500],
            )
            if self.on_failed is not None:
                self.on_failed(failed)
            raise failure
        return len(confirmed)

    async def _close(self) -> None:
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await self._producer.stop()
            self._producer = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()  # ends the session: the lock passes to a standby
            self._conn = None
        self.is_leader = False


async def outbox_backlog(conn: asyncpg.Connection, schema: str) -> tuple[int, float | None]:
    """Unpublished rows and the age in seconds of the oldest one."""
    schema = checked_identifier(schema)
    row = await conn.fetchrow(
        f"SELECT count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age"
        f" FROM {schema}.outbox WHERE published_at IS NULL"
    )
    return row["n"], (float(row["age"]) if row["age"] is not None else None)
