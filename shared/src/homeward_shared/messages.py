"""From domain events to the messages the outbox holds.

The kernel knows how to publish ``StageEntered`` and ``FigureRecorded`` (every service emits
them); a service adds a translator for its own hand-off events. Deterministic event ids
(uuid5 of the domain event id and the topic) keep a message's id stable if the same domain
event is translated again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from homeward_shared.contracts import CaseErasureApproved, CaseStageChanged, FigureRecorded, Topics
from homeward_shared.domain import DomainEvent, StageEntered
from homeward_shared.domain import FigureRecorded as FigureFact
from homeward_shared.envelope import Envelope, Payload
from homeward_shared.erasure.model import ErasureApproved


@dataclass(frozen=True)
class Outgoing:
    topic: str
    payload: Payload


# A service's translator: its own domain events to (topic, payload) pairs; [] for events that
# stay inside the service.
Translator = Callable[[DomainEvent, Topics], Iterable[Outgoing]]


def stage_messages(event: DomainEvent, topics: Topics) -> list[Outgoing]:
    if isinstance(event, StageEntered):
        return [
            Outgoing(
                topics.stage_changed,
                CaseStageChanged(
                    stage=event.stage,
                    previous_stage=event.previous_stage,
                    centre=event.centre,
                    reason=event.reason,
                ),
            )
        ]
    if isinstance(event, FigureFact):
        return [
            Outgoing(
                topics.figure_recorded,
                FigureRecorded(
                    metric=event.metric,
                    on=event.on,
                    dimensions=dict(event.dimensions),
                    amount=event.amount,
                ),
            )
        ]
    return []


def erasure_messages(event: DomainEvent, topics: Topics) -> list[Outgoing]:
    if isinstance(event, ErasureApproved):
        return [
            Outgoing(
                topics.erasure_approved,
                CaseErasureApproved(erasure_id=event.erasure_id, reason=event.reason),
            )
        ]
    return []


def envelopes_for(
    event: DomainEvent,
    translate: Translator,
    topics: Topics,
    *,
    producer: str,
    correlation_id: uuid.UUID,
    causation_id: uuid.UUID | None,
) -> list[tuple[str, Envelope]]:
    out = []
    for msg in [
        *stage_messages(event, topics),
        *erasure_messages(event, topics),
        *translate(event, topics),
    ]:
        out.append(
            (
                msg.topic,
                Envelope.wrap(
                    msg.payload,
                    case_id=event.case_id,
                    producer=producer,
                    correlation_id=correlation_id,
                    causation_id=causation_id,
                    event_id=uuid.uuid5(event.event_id, msg.topic),
                    occurred_at=event.occurred_at,
                ),
            )
        )
    return out
