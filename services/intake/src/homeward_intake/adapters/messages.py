"""Intake's hand-off events as contracts on their topics."""

from __future__ import annotations

from homeward_shared.contracts import LeadReported, PlacementRequested, Topics
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
    if isinstance(event, events.LeadReported):
        return [
            Outgoing(
                topics.lead_reported,
                LeadReported(
                    lead_id=event.lead_id,
                    establishment_kind=event.establishment_kind,
                    province=event.province,
                    district=event.district,
                    urgency=event.urgency,
                    persons_reported=event.persons_reported,
                    indicators=list(event.indicators),
                ),
            )
        ]
    return []
