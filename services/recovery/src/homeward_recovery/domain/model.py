"""Recovery's domain: centres, the admission queue, residents.

Framework-free. A full centre never loses a request: it stays waiting, with the reason.
Residents are there of their own free will: admission requires her informed consent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.domain import Aggregate, Conflict, DomainError, StageEntered, utcnow
from homeward_shared.personal import personal, register_personal
from homeward_shared.stages import Stage

from homeward_recovery.domain import events


@dataclass(frozen=True, kw_only=True)
class Centre:
    code: str
    name: str
    province: str
    capacity: int
    childcare: bool
    for_youngest: bool
    languages: tuple[str, ...] = ()


class RequestStatus(StrEnum):
    WAITING = "waiting"
    ADMITTED = "admitted"


@dataclass(kw_only=True, eq=False)
class AdmissionRequest(Aggregate):
    """A survivor who needs shelter, waiting for staff to admit her."""

    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    source: SignalSource
    urgency: Urgency
    apparent_minor: bool
    children_with_her: int
    language: str | None
    received_at: datetime
    proposed_centre: str | None = None
    waiting_reason: str | None = None
    status: RequestStatus = RequestStatus.WAITING

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    def propose(self, centres: list[Centre], occupancy: dict[str, int]) -> None:
        """Propose a centre from her needs; staff confirm. Youngest residents go to the
        centre for the youngest; a mother with children to one with child care; then her
        language; then the most free places."""
        fitting = [c for c in centres if occupancy.get(c.code, 0) < c.capacity]
        if self.apparent_minor:
            fitting = [c for c in fitting if c.for_youngest]
        if self.children_with_her:
            fitting = [c for c in fitting if c.childcare]
        if not fitting:
            self.proposed_centre = None
            self.waiting_reason = "no_centre_with_free_place_fits_her_needs"
            return
        fitting.sort(
            key=lambda c: (
                self.language is not None and self.language not in c.languages,
                -(c.capacity - occupancy.get(c.code, 0)),
            )
        )
        self.proposed_centre = fitting[0].code
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
    READY_FOR_REINTEGRATION = "ready_for_reintegration"


class ConsentMissing(DomainError):
    code = "consent_missing"


class CentreFull(Conflict):
    code = "centre_full"


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
    skills: tuple[str, ...] = ()
    stage: Stage = Stage.ADMITTED

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
            raise Conflict(f"case {request.case_id} is already admitted")
        if not (consent.informed and consent.house_rules_accepted):
            raise ConsentMissing(
                "admission needs her informed consent to stay and her acceptance of the house rules"
            )
        if occupancy >= centre.capacity:
            raise CentreFull(f"centre {centre.code} is full ({centre.capacity} places)")
        request.status = RequestStatus.ADMITTED
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
            )
        )
        return resident

    def hand_to_reintegration(
        self, skills: tuple[str, ...], wishes_to_return_home: bool | None
    ) -> None:
        if self.status is not ResidentStatus.RESIDENT:
            raise Conflict(f"case {self.case_id} was already handed to reintegration")
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
