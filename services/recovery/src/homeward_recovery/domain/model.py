"""Recovery's domain: centres, the admission queue, residents, their care and training.

Framework-free. Invariants:
- A full centre never loses a request: it stays waiting, with the reason.
- Residents are there of their own free will: admission requires her informed consent, and
  she may leave at any time (``left_centre``, with a reason code, never a narrative).
- A place is taken only by a resident whose status is ``resident``; leaving, a transfer out
  or the hand-off to reintegration frees it.
- Centre staff act on residents of their own centre only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from homeward_shared.contracts.handoffs import SignalSource, Skill, Urgency
from homeward_shared.domain import (
    Aggregate,
    Conflict,
    DomainError,
    FigureRecorded,
    NotFound,
    StageEntered,
    utcnow,
)
from homeward_shared.personal import personal, register_personal
from homeward_shared.stages import Stage

from homeward_recovery.domain import events
from homeward_recovery.domain.training import Internship, StudyTour, Trade


def centre_key(code: str) -> uuid.UUID:
    """The id a centre's typed name is sealed under (its "case key" in the vault's terms)."""
    return uuid.uuid5(_CENTRE_KEYS, f"recovery.centre:{code}")


_CENTRE_KEYS = uuid.UUID("0c6a3a57-8f0e-4a83-b9a5-5a4c3d9e61f2")


@dataclass(frozen=True, kw_only=True)
class Centre:
    """A recovery centre. Its name is typed text, so it is sealed like any (under
    ``centre_key``); only the list of centres opens it."""

    code: str
    name: str | None = None
    province: str | None
    capacity: int
    childcare: bool
    for_youngest: bool
    languages: tuple[str, ...] = ()


class RequestOrigin(StrEnum):
    PLACEMENT = "placement"  # intake: clinic walk-ins, police and partner referrals, ...
    RESCUE = "rescue"  # investigation: a rescue operation
    TRANSFER = "transfer"  # another centre of ours


class RequestStatus(StrEnum):
    WAITING = "waiting"
    ADMITTED = "admitted"
    WITHDRAWN = "withdrawn"


class WaitingReason(StrEnum):
    """Why a request is still in the queue. Codes, shown to staff."""

    AWAITING_STAFF_CONFIRMATION = "awaiting_staff_confirmation"
    CENTRES_FITTING_HER_NEEDS_FULL = "centres_fitting_her_needs_full"
    NO_CENTRE_FITS_HER_NEEDS = "no_centre_fits_her_needs"
    REQUESTED_CENTRE_FULL = "requested_centre_full"


@dataclass(kw_only=True, eq=False)
class AdmissionRequest(Aggregate):
    """A survivor who needs shelter (or a resident moving to another of our centres),
    waiting for staff of a centre to admit her."""

    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    origin: RequestOrigin
    source: SignalSource | None
    urgency: Urgency
    apparent_minor: bool
    children_with_her: int
    language: str | None
    received_at: datetime
    operation_id: uuid.UUID | None = None
    from_centre: str | None = None
    requested_centre: str | None = None
    proposed_centre: str | None = None
    waiting_reason: str | None = None
    status: RequestStatus = RequestStatus.WAITING

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    def propose(self, centres: list[Centre], occupancy: dict[str, int]) -> None:
        """Propose a centre from her needs; staff confirm. A transfer goes where it was asked
        to. Otherwise the youngest residents go to the centre for the youngest, a mother with
        children to one with child care; then her language; then the most free places."""
        if self.status is not RequestStatus.WAITING:
            return
        if self.origin is RequestOrigin.TRANSFER:
            target = next((c for c in centres if c.code == self.requested_centre), None)
            free = target is not None and occupancy.get(target.code, 0) < target.capacity
            self.proposed_centre = self.requested_centre if free else None
            self.waiting_reason = (
                WaitingReason.AWAITING_STAFF_CONFIRMATION
                if free
                else WaitingReason.REQUESTED_CENTRE_FULL
            ).value
            return
        suited = [c for c in centres if self.fits(c)]
        fitting = [c for c in suited if occupancy.get(c.code, 0) < c.capacity]
        if not fitting:
            self.proposed_centre = None
            self.waiting_reason = (
                WaitingReason.CENTRES_FITTING_HER_NEEDS_FULL
                if suited
                else WaitingReason.NO_CENTRE_FITS_HER_NEEDS
            ).value
            return
        fitting.sort(
            key=lambda c: (
                self.language is not None and self.language not in c.languages,
                -(c.capacity - occupancy.get(c.code, 0)),
                c.code,
            )
        )
        self.proposed_centre = fitting[0].code
        self.waiting_reason = WaitingReason.AWAITING_STAFF_CONFIRMATION.value

    def fits(self, centre: Centre) -> bool:
        if self.apparent_minor and not centre.for_youngest:
            return False
        return not (self.children_with_her and not centre.childcare)

    def reopen_for_transfer(
        self, from_centre: str, to_centre: str, urgency: Urgency, at: datetime
    ) -> None:
        """The same case's request row carries the transfer: one queue, one place to look."""
        if self.status is RequestStatus.WAITING:
            raise Conflict("she already waits in the admission queue")
        self.origin = RequestOrigin.TRANSFER
        self.from_centre = from_centre
        self.requested_centre = to_centre
        self.urgency = urgency
        self.received_at = at
        self.status = RequestStatus.WAITING

    def reopen_for_return(
        self,
        *,
        origin: RequestOrigin,
        source: SignalSource | None,
        urgency: Urgency,
        apparent_minor: bool,
        children_with_her: int,
        language: str | None,
        operation_id: uuid.UUID | None,
        at: datetime,
    ) -> None:
        """She left us, and is handed on for shelter again: the same case waits again, so a
        woman who comes back is never taken for a duplicate and lost."""
        if self.status is RequestStatus.WAITING:
            raise Conflict("she already waits in the admission queue")
        self.origin = origin
        self.source = source
        self.urgency = urgency
        self.apparent_minor = apparent_minor
        self.children_with_her = children_with_her
        self.language = language
        self.operation_id = operation_id
        self.from_centre = None
        self.requested_centre = None
        self.received_at = at
        self.status = RequestStatus.WAITING

    def withdraw(self) -> None:
        if self.status is RequestStatus.WAITING:
            self.status = RequestStatus.WITHDRAWN
            self.proposed_centre = None
            self.waiting_reason = None


@dataclass(kw_only=True)
class Identity:
    """Recorded on admission. All personal: sealed under her case key."""

    name: str | None = personal(default=None)
    aliases: str | None = personal(default=None)
    birth_date: str | None = personal(default=None)
    family_contacts: str | None = personal(default=None)
    village: str | None = personal(default=None)


register_personal(Identity)


@dataclass(frozen=True, kw_only=True)
class Consent:
    informed: bool
    house_rules_accepted: bool
    given_on: date


class ResidentStatus(StrEnum):
    RESIDENT = "resident"
    LEFT_CENTRE = "left_centre"
    READY_FOR_REINTEGRATION = "ready_for_reintegration"


class LeaveReason(StrEnum):
    """Why she left before the programme ended. Codes only: the story stays with her."""

    WISHED_TO_RETURN_HOME = "wished_to_return_home"
    WISHED_TO_WORK = "wished_to_work"
    FAMILY_TOOK_HER_HOME = "family_took_her_home"
    DID_NOT_ACCEPT_HOUSE_RULES = "did_not_accept_house_rules"
    LEFT_WITHOUT_NOTICE = "left_without_notice"
    OTHER = "other"


class ConsentMissing(DomainError):
    code = "consent_missing"


class CentreFull(Conflict):
    code = "centre_full"


class NotResident(Conflict):
    code = "not_resident"


def out_of_scope(case_id: uuid.UUID, centre: str) -> NotFound:
    """Staff of another centre learn nothing, not even that she is resident elsewhere."""
    return NotFound("this case is not a resident of this centre")


def admission_figure(case_id: uuid.UUID, centre: str, origin: str) -> FigureRecorded:
    """A stay begins at a centre (admitted now: the moment dates it). With the exits, the
    dashboard counts residents cared for in a year: every stay that overlaps it."""
    return FigureRecorded(
        case_id=case_id, metric="admission", dimensions={"centre": centre, "origin": origin}
    )


def exit_figure(
    case_id: uuid.UUID, centre: str, kind: str, reason: str | None = None, on: date | None = None
) -> FigureRecorded:
    """A stay ends at a centre: she left, was handed to reintegration, or moved centre."""
    dims = {"centre": centre, "kind": kind} | ({"reason": reason} if reason else {})
    return FigureRecorded(case_id=case_id, metric="exit", on=on, dimensions=dims)


@dataclass(kw_only=True, eq=False)
class Resident(Aggregate):
    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    centre: str
    admitted_at: datetime
    admitted_by: str
    consent: Consent
    identity: Identity = field(default_factory=Identity)
    status: ResidentStatus = ResidentStatus.RESIDENT
    skills: tuple[Skill, ...] = ()
    stage: Stage = Stage.ADMITTED
    left_on: date | None = None
    leave_reason: LeaveReason | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @classmethod
    def admit(
        cls,
        request: AdmissionRequest,
        centre: Centre,
        occupancy: int,
        consent: Consent,
        identity: Identity,
        admitted_by: str,
    ) -> Resident:
        if request.status is not RequestStatus.WAITING:
            raise Conflict("she is not waiting for admission")
        if request.origin is RequestOrigin.TRANSFER:
            raise Conflict("she is waiting for a transfer: receive her as one")
        if not (consent.informed and consent.house_rules_accepted):
            raise ConsentMissing(
                "admission needs her informed consent to stay and her acceptance of the house rules"
            )
        if occupancy >= centre.capacity:
            raise CentreFull(f"centre {centre.code} is full ({centre.capacity} places)")
        request.status = RequestStatus.ADMITTED
        request.proposed_centre = centre.code
        request.waiting_reason = None
        resident = cls(
            case_id=request.case_id,
            case_number=request.case_number,
            correlation_id=request.correlation_id,
            centre=centre.code,
            admitted_at=utcnow(),
            admitted_by=admitted_by,
            consent=consent,
            identity=identity,
        )
        resident.record(
            StageEntered(
                case_id=resident.case_id,
                stage=Stage.ADMITTED,
                previous_stage=Stage.RESCUED,
                centre=centre.code,
                reason=request.origin.value,
            )
        )
        resident.record(admission_figure(resident.case_id, centre.code, request.origin.value))
        return resident

    def readmit(
        self,
        request: AdmissionRequest,
        centre: Centre,
        occupancy: int,
        consent: Consent,
        admitted_by: str,
    ) -> None:
        """She left and comes back: a new stay under the same case, with consent given anew."""
        if self.status is not ResidentStatus.LEFT_CENTRE:
            raise Conflict("she is already a resident here or was handed on")
        if request.status is not RequestStatus.WAITING or request.origin is (
            RequestOrigin.TRANSFER
        ):
            raise Conflict("she is not waiting for admission")
        if not (consent.informed and consent.house_rules_accepted):
            raise ConsentMissing(
                "admission needs her informed consent to stay and her acceptance of the house rules"
            )
        if occupancy >= centre.capacity:
            raise CentreFull(f"centre {centre.code} is full ({centre.capacity} places)")
        request.status = RequestStatus.ADMITTED
        request.proposed_centre = centre.code
        request.waiting_reason = None
        self.centre = centre.code
        self.admitted_at = utcnow()
        self.admitted_by = admitted_by
        self.consent = consent
        self.status = ResidentStatus.RESIDENT
        self.left_on = None
        self.leave_reason = None
        previous, self.stage = self.stage, Stage.ADMITTED
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.ADMITTED,
                previous_stage=previous,
                centre=centre.code,
                reason="readmission",
            )
        )
        self.record(admission_figure(self.case_id, centre.code, "readmission"))

    def check_scope(self, centre: str) -> None:
        if self.centre != centre:
            raise out_of_scope(self.case_id, centre)

    def require_resident(self) -> None:
        if self.status is not ResidentStatus.RESIDENT:
            raise NotResident(f"she is no longer resident ({self.status.value})")

    def receive_transfer(
        self, request: AdmissionRequest, centre: Centre, occupancy: int, consent_given: bool
    ) -> None:
        """She moves to another of our centres, with her consent: her place at the first is
        freed in the same transaction as she takes one at the second."""
        if request.status is not RequestStatus.WAITING or request.origin is not (
            RequestOrigin.TRANSFER
        ):
            raise Conflict("no transfer of this case waits")
        if request.requested_centre != centre.code:
            raise Conflict("she is waiting for another centre")
        self.require_resident()
        if not consent_given:
            raise ConsentMissing("a transfer needs her consent to move")
        if occupancy >= centre.capacity:
            raise CentreFull(f"centre {centre.code} is full ({centre.capacity} places)")
        request.status = RequestStatus.ADMITTED
        request.proposed_centre = centre.code
        request.waiting_reason = None
        self.record(exit_figure(self.case_id, self.centre, "transferred_out"))
        self.centre = centre.code
        # Same stage, new centre: the feed carries it so that occupancy per centre is right.
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.ADMITTED,
                previous_stage=self.stage,
                centre=centre.code,
                reason=RequestOrigin.TRANSFER.value,
            )
        )
        self.record(admission_figure(self.case_id, centre.code, RequestOrigin.TRANSFER.value))

    def start_internship(self, trade: Trade, started_on: date, ends_on: date) -> Internship:
        self.require_resident()
        if ends_on < started_on:
            raise DomainError("an internship ends after it starts")
        self.record(
            events.InternshipStarted(
                case_id=self.case_id, centre=self.centre, trade=trade.value, on=started_on
            )
        )
        return Internship(
            internship_id=uuid.uuid4(),
            case_id=self.case_id,
            centre=self.centre,
            trade=trade,
            started_on=started_on,
            ends_on=ends_on,
        )

    def make_study_tour(self, toured_on: date, trades: tuple[Trade, ...]) -> StudyTour:
        self.require_resident()
        if not trades:
            raise DomainError("a study tour shows at least one trade")
        self.record(
            events.StudyTourMade(case_id=self.case_id, centre=self.centre, trade=None, on=toured_on)
        )
        return StudyTour(
            tour_id=uuid.uuid4(),
            case_id=self.case_id,
            centre=self.centre,
            toured_on=toured_on,
            trades=trades,
        )

    def leave(self, reason: LeaveReason, left_on: date) -> None:
        """She leaves of her own will before the programme ended; her place is freed."""
        self.require_resident()
        if left_on < self.admitted_at.date():
            raise DomainError("she cannot leave before she was admitted")
        self.status = ResidentStatus.LEFT_CENTRE
        self.left_on = left_on
        self.leave_reason = reason
        previous, self.stage = self.stage, Stage.LEFT_CENTRE
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.LEFT_CENTRE,
                previous_stage=previous,
                centre=self.centre,
                reason=reason.value,
            )
        )
        self.record(exit_figure(self.case_id, self.centre, "left_centre", reason.value, left_on))

    def hand_to_reintegration(
        self, skills: tuple[Skill, ...], wishes_to_return_home: bool | None
    ) -> None:
        if self.status is ResidentStatus.READY_FOR_REINTEGRATION:
            raise Conflict("she was already handed to reintegration")
        self.require_resident()
        self.status = ResidentStatus.READY_FOR_REINTEGRATION
        self.skills = skills
        previous, self.stage = self.stage, Stage.READY_FOR_REINTEGRATION
        now = utcnow()
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.READY_FOR_REINTEGRATION,
                previous_stage=previous,
                centre=self.centre,
                occurred_at=now,
            )
        )
        self.record(exit_figure(self.case_id, self.centre, "ready_for_reintegration"))
        self.record(
            events.ResidentReadyForReintegration(
                case_id=self.case_id,
                case_number=self.case_number,
                centre=self.centre,
                skills=skills,
                wishes_to_return_home=wishes_to_return_home,
                occurred_at=now,
            )
        )
