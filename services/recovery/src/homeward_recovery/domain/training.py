"""Vocational training: programmes with their real lengths, enrolment, completion,
government certification, internships and study tours (DOMAIN.md, stage 3).

Invariants:
- Only a resident enrols; one open enrolment per trade.
- A programme is completed only if it was started, and not before its minimum length.
- Only a completed programme of a certifiable trade is certified, once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from homeward_shared.contracts.handoffs import Trade
from homeward_shared.domain import Aggregate, Conflict, DomainError, add_months

from homeward_recovery.domain import events


class Venue(StrEnum):
    CENTRE_WORKSHOP = "centre_workshop"
    TRAINING_SALON = "training_salon"


@dataclass(frozen=True)
class Programme:
    trade: Trade
    min_months: int | None
    max_months: int | None
    certifiable: bool
    where: Venue = Venue.CENTRE_WORKSHOP


# The organisation's programmes. Hairdressing and the life-skills courses have no fixed
# length in the public documents: the centre plans each one.
PROGRAMMES: dict[Trade, Programme] = {
    p.trade: p
    for p in (
        Programme(Trade.SEWING_GARMENT_FACTORY, 3, 6, certifiable=True),
        Programme(Trade.SEWING_INDEPENDENT_SEAMSTRESS, 12, 18, certifiable=True),
        Programme(Trade.HAIRDRESSING, None, None, certifiable=True, where=Venue.TRAINING_SALON),
        Programme(Trade.WEAVING, 6, 10, certifiable=True),
        Programme(Trade.LIFE_SKILLS_COOKING, None, None, certifiable=False),
        Programme(Trade.LIFE_SKILLS_DOMESTIC_VIOLENCE, None, None, certifiable=False),
        Programme(Trade.LIFE_SKILLS_CRAFTS, None, None, certifiable=False),
        Programme(Trade.LIFE_SKILLS_JEWELLERY, None, None, certifiable=False),
    )
}


class CertifyingBody(StrEnum):
    """Who certifies a trainee (a declared list; a new body is a code added here)."""

    MLVT = "mlvt"  # Ministry of Labour and Vocational Training (Cambodia)
    MOEYS = "moeys"  # Ministry of Education, Youth and Sport
    MOSVY = "mosvy"  # Ministry of Social Affairs, Veterans and Youth Rehabilitation
    NTB = "ntb"  # National Training Board


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class ProgrammeLength(DomainError):
    code = "programme_length"


class NotCompleted(DomainError):
    code = "programme_not_completed"


@dataclass(kw_only=True, eq=False)
class Enrolment(Aggregate):
    enrolment_id: uuid.UUID
    case_id: uuid.UUID
    centre: str
    trade: Trade
    started_on: date
    planned_end_on: date | None
    status: EnrolmentStatus = EnrolmentStatus.ENROLLED
    completed_on: date | None = None
    certified_on: date | None = None
    certifying_body: CertifyingBody | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def programme(self) -> Programme:
        return PROGRAMMES[self.trade]

    @classmethod
    def start(
        cls,
        *,
        case_id: uuid.UUID,
        centre: str,
        trade: Trade,
        started_on: date,
        planned_end_on: date | None,
        open_trades: set[Trade],
    ) -> Enrolment:
        if trade in open_trades:
            raise Conflict(f"she is already enrolled in {trade.value}")
        p = PROGRAMMES[trade]
        if planned_end_on is None and p.max_months is not None:
            planned_end_on = add_months(started_on, p.max_months)
        if planned_end_on is not None:
            if planned_end_on <= started_on:
                raise ProgrammeLength("a programme ends after it starts")
            if p.min_months is not None and planned_end_on < add_months(started_on, p.min_months):
                raise ProgrammeLength(f"{trade.value} lasts at least {p.min_months} months")
            if p.max_months is not None and planned_end_on > add_months(started_on, p.max_months):
                raise ProgrammeLength(f"{trade.value} lasts at most {p.max_months} months")
        e = cls(
            enrolment_id=uuid.uuid4(),
            case_id=case_id,
            centre=centre,
            trade=trade,
            started_on=started_on,
            planned_end_on=planned_end_on,
        )
        e.record(
            events.TraineeEnrolled(case_id=case_id, trade=trade.value, centre=centre, on=started_on)
        )
        return e

    def complete(self, completed_on: date) -> None:
        if self.status is not EnrolmentStatus.ENROLLED:
            raise Conflict(f"the enrolment is {self.status.value}, not in progress")
        if completed_on < self.started_on:
            raise ProgrammeLength("a programme is completed after it started")
        p = self.programme
        if p.min_months is not None and completed_on < add_months(self.started_on, p.min_months):
            raise ProgrammeLength(f"{self.trade.value} lasts at least {p.min_months} months")
        self.status = EnrolmentStatus.COMPLETED
        self.completed_on = completed_on
        self.record(
            events.TrainingCompleted(
                case_id=self.case_id, trade=self.trade.value, centre=self.centre, on=completed_on
            )
        )

    def certify(self, certified_on: date, body: CertifyingBody) -> None:
        if not self.programme.certifiable:
            raise DomainError(f"{self.trade.value} has no government certification")
        if self.status is not EnrolmentStatus.COMPLETED:
            raise NotCompleted("the enrolment is not completed")
        if self.certified_on is not None:
            raise Conflict("the enrolment is already certified")
        assert self.completed_on is not None
        if certified_on < self.completed_on:
            raise DomainError("a certification follows the completion of the programme")
        self.certified_on = certified_on
        self.certifying_body = body
        self.record(
            events.TraineeCertified(
                case_id=self.case_id, trade=self.trade.value, centre=self.centre, on=certified_on
            )
        )

    def withdraw(self, on: date) -> None:
        if self.status is not EnrolmentStatus.ENROLLED:
            raise Conflict(f"the enrolment is {self.status.value}, not in progress")
        if on < self.started_on:
            raise DomainError("a withdrawal follows the start of the programme")
        self.status = EnrolmentStatus.WITHDRAWN
        self.completed_on = on
        self.record(
            events.TrainingWithdrawn(
                case_id=self.case_id, trade=self.trade.value, centre=self.centre, on=on
            )
        )


@dataclass(frozen=True, kw_only=True)
class Internship:
    """In a private business, before certification or to try a trade. Where she works is
    her whereabouts: the business is sealed."""

    internship_id: uuid.UUID
    case_id: uuid.UUID
    centre: str
    trade: Trade
    started_on: date
    ends_on: date


@dataclass(frozen=True, kw_only=True)
class StudyTour:
    """A visit to see trades at work, to choose one."""

    tour_id: uuid.UUID
    case_id: uuid.UUID
    centre: str
    toured_on: date
    trades: tuple[Trade, ...]
