"""Reintegration's events as contracts on their topics; stage changes are the kernel's part."""

from __future__ import annotations

from homeward_shared.contracts import FollowUpVisitOverdue, Topics
from homeward_shared.domain import DomainEvent
from homeward_shared.messages import Outgoing

from homeward_reintegration.domain import events


def translate(event: DomainEvent, topics: Topics) -> list[Outgoing]:
    if isinstance(event, events.FollowUpVisitOverdue):
        return [
            Outgoing(
                topics.follow_up_overdue,
                FollowUpVisitOverdue(
                    case_number=event.case_number,
                    visit_no=event.visit_no,
                    due_on=event.due_on,
                    days_overdue=event.days_overdue,
                ),
            )
        ]
    return []
