"""Framework-free building blocks every service's domain uses."""

from __future__ import annotations

import calendar
import dataclasses
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

from homeward_shared.stages import Stage


def utcnow() -> datetime:
    return datetime.now(UTC)


def add_months(d: date, months: int) -> date:
    """Same day of the month, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb):
    programme lengths and follow-up schedules are counted in months."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Something that happened to an aggregate. ``case_id`` keys it everywhere."""

    case_id: uuid.UUID
    event_id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)
    occurred_at: datetime = dataclasses.field(default_factory=utcnow)


@dataclasses.dataclass(frozen=True, kw_only=True)
class StageEntered(DomainEvent):
    """A case entered a stage this service owns; becomes ``case.stage_changed``."""

    stage: Stage
    previous_stage: Stage | None
    reason: str | None = None
    centre: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class FigureRecorded(DomainEvent):
    """A fact for the yearly figures; becomes ``figure.recorded``. ``case_id`` is what it is
    about (her case, or an activity's own id); ``on`` the day as the team recorded it, None
    for a fact that is a moment (then ``occurred_at`` dates it). Codes only in
    ``dimensions``. ``correlation_id`` is for a fact whose aggregate has no pathway."""

    metric: str
    on: date | None = None
    dimensions: Mapping[str, str] = dataclasses.field(default_factory=dict)
    amount: Decimal = Decimal(1)
    correlation_id: uuid.UUID | None = None


class Aggregate:
    """Records the events that its changes caused; the unit of work takes them on commit."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self.events.append(event)

    def take_events(self) -> list[DomainEvent]:
        taken, self.events = self.events, []
        return taken


class DomainError(Exception):
    """A command that the domain refuses. Its message is shown to the caller, so it never
    contains personal data: ids and codes only."""

    code = "domain_error"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class EventTooLarge(DomainError):
    """An event over ``EVENT_MAX_BYTES``: refused when written (the change is refused with
    it) and dead-lettered when consumed."""

    code = "event_too_large"


class PermanentEventError(Exception):
    """An event that can never be processed (bad contract, broken invariant). The consumer
    sends it to the dead-letter topic with this reason and moves on."""
