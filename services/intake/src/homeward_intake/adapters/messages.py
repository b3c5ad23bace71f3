"""Intake's hand-off events as contracts on their topics."""

from __future__ import annotations

from homeward_shared.contracts import PlacementRequested, Topics
from homeward_shared.domain import DomainEvent
from homeward_shared.messages import Outgoing

from homeward_intake.domain import events


def translate(event: DomainEvent, topics: Topics) -> list[Outgoing]:
    if isinstance(event, events.PlacementRequested):
        return [
            Outgoing(
                topics.placement_requested,
                PlacementRequested(
                    case_number=event.case_number,
                    source=event.source,
                    urgency=event.urgency,
                    apparent_minor=event.apparent_minor,
                    children_with_her=event.children_with_her,
                    language=event.language,
                ),
            )
        ]
    return []
