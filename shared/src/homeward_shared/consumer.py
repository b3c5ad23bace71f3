"""Thin Kafka subscribers: validate the contract, then call the service's reaction.

Every subscriber is in a consumer group, reads from the earliest offset when its group is
new (a hand-off published before the service first started is not skipped), and commits its
offset only after the reaction's transaction committed (``NACK_ON_ERROR``: success acks, an
error seeks back). Permanent failures are taken by the dead-letter middleware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from homeward_shared.dead_letters import DeadLetters
from homeward_shared.envelope import Envelope, Payload, parse_envelope
from homeward_shared.uow import Delivery

P = TypeVar("P", bound=Payload)

Reaction = Callable[[Envelope[P], Delivery], Awaitable[None]]


def subscribe(
    broker: KafkaBroker,
    dead_letters: DeadLetters,
    *,
    topic: str,
    group_id: str,
    contract: type[P],
    react: Reaction[P],
    name: str,
) -> None:
    dead_letters.consumer_group(topic, group_id)

    async def consume(message: KafkaMessage) -> None:
        raw = message.raw_message
        envelope = parse_envelope(message.body, contract)
        await react(envelope, Delivery(group_id, raw.topic, raw.partition, raw.offset))

    consume.__name__ = name
    broker.subscriber(
        topic,
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        title=name,
        description=contract.__doc__,
    )(consume)
