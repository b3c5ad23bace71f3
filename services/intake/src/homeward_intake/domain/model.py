"""Intake's domain: a signal that a person may be in exploitation, and its routing.

Framework-free. Personal fields are marked where they are declared; the repository seals
them under the case's key before they reach the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.domain import Aggregate, Conflict, StageEntered, utcnow
from homeward_shared.personal import personal, register_personal
from homeward_shared.stages import Stage

from homeward_intake.domain import events


class SignalStatus(StrEnum):
    OPEN = "open"
    PLACEMENT_REQUESTED = "placement_requested"


@dataclass(kw_only=True)
class PersonKnown:
    """What the signal says about her. All personal: sealed at rest, never in an event."""

    name: str | None = personal(default=None)
    aliases: str | None = personal(default=None)
    phone: str | None = personal(default=None)
    notes: str | None = personal(default=None)


register_personal(PersonKnown)


@dataclass(kw_only=True, eq=False)
class Signal(Aggregate):
    signal_id: uuid.UUID
    case_id: uuid.UUID
    case_number: str
    source: SignalSource
    urgency: Urgency
    needs_shelter: bool
    apparent_minor: bool
    children_with_her: int
    language: str | None
    received_at: datetime
    recorded_by: str
    person: PersonKnown = field(default_factory=PersonKnown)
    status: SignalStatus = SignalStatus.OPEN
    stage: Stage = Stage.REPORTED
    routing_reason: str | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def correlation_id(self) -> uuid.UUID:
        """The pathway this signal starts: every later event of her case carries it."""
        return self.signal_id

    @classmethod
    def register(cls, **kwargs: object) -> Signal:
        signal = cls(**kwargs)  # type: ignore[arg-type]
        signal.record(
            StageEntered(case_id=signal.case_id, stage=Stage.REPORTED, previous_stage=None)
        )
        return signal

    def request_placement(self, reason: str) -> None:
        """She is out of exploitation and needs shelter now: recovery is asked to admit her.
        A clinic walk-in who decides to leave is rescued by walking in."""
        if self.status is SignalStatus.PLACEMENT_REQUESTED:
            raise Conflict(f"signal {self.signal_id} already requested a placement")
        if not self.needs_shelter:
            raise Conflict(f"signal {self.signal_id} does not say she needs shelter")
        previous, self.stage = self.stage, Stage.RESCUED
        self.status = SignalStatus.PLACEMENT_REQUESTED
        self.routing_reason = reason
        now = utcnow()
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.RESCUED,
                previous_stage=previous,
                reason=reason,
                occurred_at=now,
            )
        )
        self.record(
            events.PlacementRequested(
                case_id=self.case_id,
                case_number=self.case_number,
                source=self.source,
                urgency=self.urgency,
                apparent_minor=self.apparent_minor,
                children_with_her=self.children_with_her,
                language=self.language,
                occurred_at=now,
            )
        )
