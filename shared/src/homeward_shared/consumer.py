"""Thin Kafka subscribers: validate the contract, then call the service's reaction.

Every subscriber is in a consumer group, reads from the earliest offset when its group is
new (a hand-off published before the service first started is not skipped), and commits its
offsets only after the reactions' transaction committed; an error seeks back to the start of
the batch. The offset commit (a broker round trip, about a third of a hand-off's time when
awaited per message) is not awaited before the next poll: the offsets of each batch (its own
records', never the consumer's position) are committed in the background, in order, by one
task per subscriber. A crash before it lands redelivers events whose inbox rows exist: they
have no effect.

Records come in batches (up to ``max_records`` of one poll, in offset order per partition).
The reactions to a batch run one after the other inside one ``ConsumedBatch``: every unit of
work they open joins one transaction, committed once, then one offset commit. The handlers
are the same ``(cmd, uow)`` functions; each still writes its own inbox row, so a redelivered
event is still a no-op. If any reaction fails (or leaves its unit of work uncommitted), the
batch is rolled back and its events are redone one transaction each, in order, as they would
be without batching: a permanent failure sends that one event to ``<topic>.dlq`` with its
reason and the next is processed; any other failure propagates, and the dead-letter
middleware pauses and the subscriber seeks back to the batch's first record (events already
committed are then skipped by their inbox rows).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import types
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from aiokafka import ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.message import FakeConsumer
from opentelemetry import trace

from homeward_shared.dead_letters import PERMANENT, DeadLetters
from homeward_shared.envelope import (
    H_CORRELATION_ID,
    H_EVENT_ID,
    H_EVENT_TYPE,
    Envelope,
    Payload,
    parse_envelope,
)
from homeward_shared.logging import get_logger, log_scope
from homeward_shared.uow import ConsumedBatch, Delivery

P = TypeVar("P", bound=Payload)

Reaction = Callable[[Envelope[P], Delivery], Awaitable[None]]

log = get_logger(__name__)

# Up to this many records per transaction. The poll returns at once when records are waiting,
# so a batch is only as large as the backlog: at a trickle each batch is one event.
MAX_RECORDS = 100
# How long an empty poll waits for a record. The poll returns as soon as one arrives, so this
# adds no latency; faststream's own batch poll then sleeps as long again, during which an
# arriving event waited (10 ms at worst), so ``_poll`` replaces it.
POLL_TIMEOUT_MS = 100


async def _poll(self: Any, consumer: Any) -> tuple[ConsumerRecord[Any, Any], ...]:
    """faststream's ``BatchSubscriber.get_msg`` without the sleep after an empty poll. An
    empty poll that returned early (no partitions assigned yet) still waits out the timeout,
    so the loop never spins."""
    started = time.monotonic()
    messages = await consumer.getmany(
        timeout_ms=self.batch_timeout_ms, max_records=self.max_records
    )
    if not messages:
        rest = self.batch_timeout_ms / 1000 - (time.monotonic() - started)
        if rest > 0:
            await asyncio.sleep(rest)
        return ()
    return tuple(itertools.chain(*messages.values()))


class _Offsets:
    """Commits consumed offsets in the background, one commit at a time, newest wins."""

    def __init__(self, group_id: str) -> None:
        self._group = group_id
        self._pending: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None

    def done(self, consumer: Any, records: tuple[ConsumerRecord[Any, Any], ...]) -> None:
        if isinstance(consumer, FakeConsumer):  # faststream's in-memory test broker
            return
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            self._pending[tp] = max(self._pending.get(tp, 0), r.offset + 1)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._commit(consumer))

    async def _commit(self, consumer: Any) -> None:
        while self._pending:
            offsets, self._pending = self._pending, {}
            try:
                await consumer.commit(offsets)
            except Exception as exc:  # a rebalance took the partition: redelivered, inbox-deduped
                log.warning("offset_commit_failed", group=self._group, error=type(exc).__name__)


@contextlib.contextmanager
def event_scope(record: ConsumerRecord[Any, Any], span: Any = None) -> Iterator[None]:
    """While one record is handled: its tracing span is the current one (when the service
    traces) and every log line carries its ids (a batch's middlewares see the batch)."""
    headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
    with contextlib.ExitStack() as stack:
        if span is not None:
            stack.enter_context(trace.use_span(span, end_on_exit=False))
        stack.enter_context(
            log_scope(
                topic=record.topic,
                case_id=record.key.decode(errors="replace") if record.key else None,
                correlation_id=headers.get(H_CORRELATION_ID),
                event_id=headers.get(H_EVENT_ID),
                event_type=headers.get(H_EVENT_TYPE),
            )
        )
        yield


def subscribe(
    broker: KafkaBroker,
    dead_letters: DeadLetters,
    *,
    topic: str,
    group_id: str,
    contract: type[P],
    react: Reaction[P],
    name: str,
    max_records: int = MAX_RECORDS,
) -> None:
    dead_letters.consumer_group(topic, group_id, contract)

    def delivery(record: ConsumerRecord[Any, Any]) -> Delivery:
        return Delivery(group_id, record.topic, record.partition, record.offset)

    def start_span(record: ConsumerRecord[Any, Any]) -> Any:
        return dead_letters.event_span(record) if dead_letters.event_span else None

    def handled(record: ConsumerRecord[Any, Any]) -> None:
        if dead_letters.on_handled is not None:
            dead_letters.on_handled(record)

    async def one_by_one(records: tuple[ConsumerRecord[Any, Any], ...]) -> None:
        for record in records:
            span = start_span(record)
            try:
                with event_scope(record, span):
                    try:
                        dead_letters.check_size(record)
                        envelope = parse_envelope(record.value or b"", contract)
                        await react(envelope, delivery(record))
                    except PERMANENT as exc:
                        await dead_letters.send_record(record, exc)
                        continue
                    handled(record)
            finally:
                if span is not None:
                    span.end()

    async def in_one_transaction(records: tuple[ConsumerRecord[Any, Any], ...]) -> bool:
        """True if the whole batch committed; False if it must be redone one by one."""
        try:
            parsed = []
            for r in records:
                dead_letters.check_size(r)
                parsed.append((r, parse_envelope(r.value or b"", contract)))
        except PERMANENT:
            return False  # the one-by-one path sets it aside in its place
        batch = ConsumedBatch()
        spans = [start_span(r) for r in records]
        try:
            with batch:
                for (record, envelope), span in zip(parsed, spans, strict=True):
                    with event_scope(record, span):
                        await react(envelope, delivery(record))
                    if batch.broken:
                        break
            if not batch.broken:
                await batch.commit()
                for record, span in zip(records, spans, strict=True):
                    with event_scope(record, span):
                        handled(record)
                return True
        except asyncio.CancelledError:
            await asyncio.shield(batch.rollback())
            raise
        except Exception as exc:
            log.info("batch_redone_one_by_one", topic=topic, error=type(exc).__name__)
        finally:
            for span in spans:
                if span is not None:
                    span.end()
        await batch.rollback()
        return False

    offsets = _Offsets(group_id)

    async def consume(message: KafkaMessage) -> None:
        records: tuple[ConsumerRecord[Any, Any], ...] = message.raw_message  # type: ignore[assignment]
        try:
            if not (len(records) > 1 and await in_one_transaction(records)):
                await one_by_one(records)
        except BaseException:
            if not isinstance(message.consumer, FakeConsumer):
                await message.nack()  # seek back to the batch's first record on each partition
            raise
        offsets.done(message.consumer, records)

    consume.__name__ = name
    subscriber = broker.subscriber(
        topic,
        group_id=group_id,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=POLL_TIMEOUT_MS,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        title=name,
        description=contract.__doc__,
    )
    subscriber(consume)
    subscriber.get_msg = types.MethodType(_poll, subscriber)  # type: ignore[method-assign]
