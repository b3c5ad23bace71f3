"""Investigation's hand-off events as contracts on their topics."""

from __future__ import annotations

from homeward_shared.contracts import (
    LegalMilestoneRecorded,
    LegalReferralIssued,
    PersonRescued,
    Topics,
)
from homeward_shared.domain import DomainEvent
from homeward_shared.messages import Outgoing

from homeward_investigation.domain import events


def translate(event: DomainEvent, topics: Topics) -> list[Outgoing]:
    if isinstance(event, events.LegalReferralIssued):
        return [
            Outgoing(
                topics.legal_referral_issued,
                LegalReferralIssued(
                    referral_id=event.referral_id,
                    report_id=event.report_id,
                    establishment_id=event.establishment_id,
                    case_ids=list(event.case_ids),
                    urgency=event.urgency,
                    indicators=list(event.indicators),
                ),
            )
        ]
    if isinstance(event, events.PersonRescued):
        return [
            Outgoing(
                topics.person_rescued,
                PersonRescued(
                    case_number=event.case_number,
                    operation_id=event.operation_id,
                    urgency=event.urgency,
                    apparent_minor=event.apparent_minor,
                    children_with_her=event.children_with_her,
                    language=event.language,
                ),
            )
        ]
    if isinstance(event, events.LegalMilestoneRecorded):
        return [
            Outgoing(
                topics.legal_milestone_recorded,
                LegalMilestoneRecorded(
                    referral_id=event.referral_id,
                    milestone=event.milestone,
                    occurred_on=event.occurred_on,
                    persons_concerned=event.persons_concerned,
                    accused_count=event.accused_count,
                    convicted=event.convicted,
                    acquitted=event.acquitted,
                    dismissed=event.dismissed,
                ),
            )
        ]
    return []
