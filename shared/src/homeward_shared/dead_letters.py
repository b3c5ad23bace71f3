"""One faststream middleware, for every service, that sends an event that can never be
processed to ``<topic>.dlq`` and moves on.

Kafka has no dead-letter queue of its own and faststream has none for Kafka. This middleware
sits inside faststream's acknowledgement middleware (broker middlewares run within it), so:
- a permanent failure (contract invalid, unsupported version, broken invariant) is published
  to the dead-letter topic with the original bytes, key and headers plus the reason and the
  original coordinates; only after the broker confirmed does the handler return, and the
  offset is committed;
- any other failure (a database that is down, say) is re-raised after a short pause, and the
  subscriber seeks back so that the same event is tried again.

The kernel's subscribers consume batches: ``consumer.subscribe`` sets a batch's poison
records aside itself, one by one (``send_record``), and only transient failures reach here.

Reasons name the contract's fields and the rule, never the values: pydantic's messages can
echo input, and input may be personal.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import asyncpg
from faststream import BaseMiddleware
from pydantic import ValidationError

from homeward_shared.contracts import Topics
from homeward_shared.contracts.topics import DLQ_SUFFIX
from homeward_shared.domain import DomainError, EventTooLarge, PermanentEventError
from homeward_shared.envelope import ContractInvalid, Payload, UnsupportedSchemaVersion
from homeward_shared.logging import get_logger

if TYPE_CHECKING:
    from aiokafka import ConsumerRecord
    from faststream.kafka import KafkaBroker
    from faststream.message import StreamMessage

log = get_logger(__name__)

PERMANENT: tuple[type[BaseException], ...] = (
    ValidationError,
    ContractInvalid,
    UnsupportedSchemaVersion,
    PermanentEventError,
    DomainError,
    # SQLSTATE class 22, "data exception" (a NUL in a text value, a number out of range):
    # PostgreSQL refusing these values, which no retry changes.
    asyncpg.exceptions.DataError,
)

H_REASON = "dlq.reason"
H_ERROR = "dlq.error"
H_TOPIC = "dlq.original_topic"
H_PARTITION = "dlq.original_partition"
H_OFFSET = "dlq.original_offset"
H_GROUP = "dlq.consumer_group"
H_SERVICE = "dlq.service"
H_FAILED_AT = "dlq.failed_at"
# On an event an operator republished from its dead-letter topic: the offset it had there.
H_REDRIVEN = "dlq.redriven_from_offset"
# faststream's own header on every record it publishes (empty for raw bytes): not the
# refused record's, so a redrive leaves it behind.
H_CONTENT_TYPE = "content-type"


def _location(loc: Sequence[int | str], kind: str) -> str:
    """A validation error's path. The name of a field the contract does not declare is
    input too: it is not repeated; nor is a map's key that its pattern refused (pydantic
    puts the key itself before ``[key]``)."""
    parts = [str(p) for p in loc]
    parts = [
        "<refused key>" if i + 1 < len(parts) and parts[i + 1] == "[key]" else p
        for i, p in enumerate(parts)
    ]
    if kind == "extra_forbidden" and parts:
        parts[-1] = "<undeclared field>"
    return ".".join(parts) or "<root>"


def describe(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        parts = [
            f"{_location(e['loc'], e['type'])}: {e['type']}"
            for e in exc.errors(include_input=False, include_url=False)
        ]
        return f"contract invalid ({exc.title}): " + "; ".join(parts[:10])
    if isinstance(exc, ContractInvalid):
        return str(exc)
    if isinstance(exc, asyncpg.PostgresError):
        # The server's message can quote the refused value ("invalid input syntax for type
        # ...: <value>"): the class and SQLSTATE say what kind of refusal it was.
        return f"{type(exc).__name__} (SQLSTATE {exc.sqlstate})"
    return f"{type(exc).__name__}: {exc}"[:1000]


class DeadLetters:
    """The middleware factory given to ``KafkaBroker(middlewares=[...])``."""

    def __init__(
        self,
        service: str,
        *,
        retry_backoff_s: float = 0.5,
        retry_backoff_max_s: float = 10.0,
        max_event_bytes: int | None = None,
    ) -> None:
        self.service = service
        self.retry_backoff_s = retry_backoff_s
        self.retry_backoff_max_s = max(retry_backoff_max_s, retry_backoff_s)
        # Transient failures in a row, across this service's subscribers: a database that is
        # down fails them all alike. Reset by the next event that is handled.
        self.failures_in_a_row = 0
        self.retries = 0
        self.max_event_bytes = max_event_bytes
        self.broker: KafkaBroker | None = None
        self.dead_lettered = 0
        self._group_of: dict[str, str] = {}
        # The contract each consumed topic is parsed with: what its AsyncAPI document says
        # the service receives (contracts.asyncapi).
        self.contracts: dict[str, type[Payload]] = {}
        # Called with the original topic of each event sent to its dead-letter topic
        # (metrics.py counts them).
        self.on_sent: Callable[[str], None] | None = None
        # Called by the kernel's subscribers for each record handled without error, once its
        # transaction committed (a batch's, or its own): where metrics close a hand-off.
        self.on_handled: Callable[[ConsumerRecord[Any, Any]], None] | None = None
        # Opens the tracing span of one record's reaction (telemetry.py), for the same reason.
        self.event_span: Callable[[ConsumerRecord[Any, Any]], Any] | None = None

    def bind(self, broker: KafkaBroker) -> None:
        self.broker = broker

    def __call__(self, msg: Any, /, **kwargs: Any) -> _DeadLetterMiddleware:
        return _DeadLetterMiddleware(msg, factory=self, **kwargs)

    async def send(self, msg: StreamMessage[Any], exc: BaseException) -> None:
        await self.send_record(msg.raw_message, exc)

    async def send_record(self, raw: ConsumerRecord[Any, Any], exc: BaseException) -> None:
        """Publish one consumed record to its dead-letter topic; returns once confirmed."""
        assert self.broker is not None, "DeadLetters.bind(broker) was not called"
        reason = describe(exc)
        headers = {
            k: v.decode(errors="replace")
            for k, v in (raw.headers or ())
            if not k.startswith("dlq.")
        }
        group = self._group_of.get(raw.topic, "")
        headers.update(
            {
                H_REASON: reason,
                H_ERROR: type(exc).__name__,
                H_TOPIC: raw.topic,
                H_PARTITION: str(raw.partition),
                H_OFFSET: str(raw.offset),
                H_GROUP: group,
                H_SERVICE: self.service,
                H_FAILED_AT: datetime.now(UTC).isoformat(),
            }
        )
        await self.broker.publish(
            raw.value or b"",
            topic=Topics.dead_letter(raw.topic),
            key=raw.key,
            headers=headers,
        )
        self.dead_lettered += 1
        if self.on_sent is not None:
            self.on_sent(raw.topic)
        log.warning(
            "event_dead_lettered",
            topic=raw.topic,
            partition=raw.partition,
            offset=raw.offset,
            event_id=headers.get("event_id"),
            reason=reason,
        )

    def check_size(self, raw: ConsumerRecord[Any, Any]) -> None:
        """Refuse a record over ``max_event_bytes`` before it is parsed: a producer cannot
        make a consumer swallow more. (A reader of dead letters takes them as they are: that
        is where they go.)"""
        limit = self.max_event_bytes
        size = len(raw.value or b"")
        if limit is not None and size > limit and not raw.topic.endswith(DLQ_SUFFIX):
            raise EventTooLarge(f"the event is {size} bytes; the limit is {limit}")

    def backoff(self) -> float:
        """The pause before the next retry: doubling per failure in a row up to the bound,
        with jitter so that many consumers do not come back at the same instant."""
        pause = min(self.retry_backoff_max_s, self.retry_backoff_s * 2**self.failures_in_a_row)
        return pause * random.uniform(0.5, 1.0)

    def consumer_group(self, topic: str, group: str, contract: type[Payload] | None = None) -> None:
        """Remember which group consumes a topic, for the dead letter's headers, and with
        which contract, for the service's AsyncAPI document."""
        self._group_of[topic] = group
        if contract is not None:
            self.contracts[topic] = contract


class _DeadLetterMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, factory: DeadLetters, **kwargs: Any) -> None:
        super().__init__(msg, **kwargs)
        self._factory = factory

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        raw = msg.raw_message
        if not isinstance(raw, tuple | list):  # a batch's records are checked one by one
            try:
                self._factory.check_size(raw)
            except EventTooLarge as exc:
                await self._factory.send(msg, exc)
                return None
        try:
            result = await call_next(msg)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A batch subscriber sets its poison records aside one by one (consumer.py); a
            # permanent error escaping a whole batch names no record, so it is retried.
            if isinstance(exc, PERMANENT) and not isinstance(msg.raw_message, tuple | list):
                await self._factory.send(msg, exc)
                self._factory.failures_in_a_row = 0
                return None
            raw = msg.raw_message
            if isinstance(raw, tuple | list):
                raw = raw[0] if raw else None
            log.warning(
                "event_retry",
                topic=getattr(raw, "topic", None),
                offset=getattr(raw, "offset", None),
                error=type(exc).__name__,
                failures_in_a_row=self._factory.failures_in_a_row + 1,
            )
            pause = self._factory.backoff()
            self._factory.failures_in_a_row += 1
            self._factory.retries += 1
            await asyncio.sleep(pause)
            raise
        self._factory.failures_in_a_row = 0
        return result
