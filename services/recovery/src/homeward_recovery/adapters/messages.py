"""Recovery's hand-off events as contracts on their topics."""

from __future__ import annotations

from homeward_shared.contracts import (
    LegalAssistanceRequested,
    ResidentReadyForReintegration,
    Topics,
    TrainingRecorded,
)
from homeward_shared.contracts.handoffs import TrainingMilestone
from homeward_shared.domain import DomainEvent
from homeward_shared.messages import Outgoing

from homeward_recovery.domain import events


def translate(event: DomainEvent, topics: Topics) -> list[Outgoing]:
    if isinstance(event, events.ResidentReadyForReintegration):
        return [
            Outgoing(
                topics.resident_ready_for_reintegration,
                ResidentReadyForReintegration(
                    case_number=event.case_number,
                    centre=event.centre,
                    skills=list(event.skills),
                    wishes_to_return_home=event.wishes_to_return_home,
                ),
            )
        ]
    if isinstance(event, events.TrainingEvent):
        return [
            Outgoing(
                topics.training_recorded,
                TrainingRecorded(
                    centre=event.centre,
                    milestone=TrainingMilestone(event.milestone),
                    trade=event.trade,
                    on=event.on,
                ),
            )
        ]
    if isinstance(event, events.LegalAssistanceRequested):
        return [
            Outgoing(
                topics.legal_assistance_requested,
                LegalAssistanceRequested(
                    request_id=event.request_id,
                    kind=event.kind,
                    urgency=event.urgency,
                    centre=event.centre,
                ),
            )
        ]
    return []
