"""Recovery's HTTP API for centre staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query
from homeward_shared.contracts.handoffs import Urgency
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.stages import Stage
from homeward_shared.uow import Actor
from pydantic import BaseModel, ConfigDict, Field

from homeward_recovery.domain.commands import (
    AdmitResident,
    ConfigureCentre,
    HandToReintegration,
    ReceiveTransfer,
    RecordDeparture,
    RequestTransfer,
)
from homeward_recovery.domain.model import (
    AdmissionRequest,
    Centre,
    Identity,
    LeaveReason,
    Resident,
)
from homeward_recovery.service import handlers

Staff = Annotated[Actor, require_role("centre_staff")]
Admin = Annotated[Actor, require_role("admin")]

CENTRE_CODE = r"^[A-Z][A-Z0-9_]{0,31}$"


@dataclass(frozen=True)
class CentreStaff:
    """A member of staff and the one centre she works for."""

    actor: Actor
    centre: str


async def centre_staff(
    actor: Staff, x_actor_centre: Annotated[str | None, Header()] = None
) -> CentreStaff:
    """The centre claim. A stand-in, as the actor headers are: issue 8's bearer tokens carry
    the claim and replace this one function; handlers only ever see ``CentreStaff.centre``."""
    if not x_actor_centre:
        raise HTTPException(403, "centre staff act for a centre: the centre claim is missing")
    return CentreStaff(actor, x_actor_centre)


AtCentre = Annotated[CentreStaff, Depends(centre_staff)]

router = APIRouter()


class IdentityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = PersonalField(None, max_length=200)
    aliases: str | None = PersonalField(None, max_length=500)
    birth_date: str | None = PersonalField(None, max_length=20)
    family_contacts: str | None = PersonalField(None, max_length=2000)
    village: str | None = PersonalField(None, max_length=200)


class AdmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: uuid.UUID
    centre: str = Field(min_length=1, max_length=32)
    informed_consent: bool
    house_rules_accepted: bool
    consent_given_on: date
    identity: IdentityIn = Field(default_factory=IdentityIn)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_centre: str = Field(min_length=1, max_length=32)
    urgency: Urgency = Urgency.ROUTINE


class TransferArrivalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consent_given: bool = Field(description="she agreed to move to this centre")


class DepartureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: LeaveReason
    left_on: date


class HandoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[str] = Field(default_factory=list, max_length=16)
    wishes_to_return_home: bool | None = None


class CentreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    province: str = Field(min_length=1, max_length=64)
    capacity: int = Field(ge=0, le=10_000)
    childcare: bool = False
    for_youngest: bool = False
    languages: list[str] = Field(default_factory=list, max_length=16)


class CentreOut(BaseModel):
    code: str
    name: str
    province: str
    capacity: int
    childcare: bool
    for_youngest: bool
    languages: list[str]
    residents: int | None = None
    free_places: int | None = None

    @classmethod
    def of(cls, c: Centre, residents: int | None = None) -> CentreOut:
        return cls(
            code=c.code,
            name=c.name,
            province=c.province,
            capacity=c.capacity,
            childcare=c.childcare,
            for_youngest=c.for_youngest,
            languages=list(c.languages),
            residents=residents,
            free_places=None if residents is None else max(c.capacity - residents, 0),
        )


class ResidentOut(BaseModel):
    case_id: uuid.UUID
    case_number: str
    centre: str
    status: str
    stage: Stage
    left_on: date | None = None
    leave_reason: LeaveReason | None = None

    @classmethod
    def of(cls, r: Resident) -> ResidentOut:
        return cls(
            case_id=r.case_id,
            case_number=r.case_number,
            centre=r.centre,
            status=r.status.value,
            stage=r.stage,
            left_on=r.left_on,
            leave_reason=r.leave_reason,
        )


class RequestOut(BaseModel):
    case_id: uuid.UUID
    case_number: str
    origin: str
    status: str
    urgency: str
    apparent_minor: bool
    children_with_her: int
    received_at: datetime
    from_centre: str | None
    requested_centre: str | None
    proposed_centre: str | None
    waiting_reason: str | None

    @classmethod
    def of(cls, r: AdmissionRequest) -> RequestOut:
        return cls(
            case_id=r.case_id,
            case_number=r.case_number,
            origin=r.origin.value,
            status=r.status.value,
            urgency=r.urgency.value,
            apparent_minor=r.apparent_minor,
            children_with_her=r.children_with_her,
            received_at=r.received_at,
            from_centre=r.from_centre,
            requested_centre=r.requested_centre,
            proposed_centre=r.proposed_centre,
            waiting_reason=r.waiting_reason,
        )


class IdentityOut(IdentityIn):
    pass


register_personal(IdentityIn, IdentityOut)


@router.get("/centres", tags=["centres"])
async def centres(service: ServiceDep, staff: AtCentre) -> list[CentreOut]:
    """Every centre with its free places now: where a transfer or an admission could go."""
    return [CentreOut.of(c, n) for c, n in await handlers.list_centres(service.uow(staff.actor))]


@router.put("/centres/{code}", tags=["centres"])
async def configure_centre(
    code: Annotated[str, Path(pattern=CENTRE_CODE)],
    body: CentreIn,
    service: ServiceDep,
    actor: Admin,
) -> CentreOut:
    """Centres are the organisation's configuration: open one, change its capacity."""
    centre = await handlers.configure_centre(
        ConfigureCentre(
            code=code,
            name=body.name,
            province=body.province,
            capacity=body.capacity,
            childcare=body.childcare,
            for_youngest=body.for_youngest,
            languages=tuple(body.languages),
        ),
        service.uow(actor),
    )
    return CentreOut.of(centre)


@router.get("/admission-requests", tags=["admissions"])
async def admission_queue(
    service: ServiceDep,
    staff: AtCentre,
    centre: Annotated[str | None, Query(max_length=32)] = None,
) -> list[RequestOut]:
    """The visible queue: who waits, since when, for which centre, and why. No personal data:
    every centre's staff may see it, to find her a place."""
    reqs = await handlers.waiting_requests(service.uow(staff.actor), centre)
    return [RequestOut.of(r) for r in reqs]


@router.post("/admissions", status_code=201, tags=["admissions"])
async def admit(body: AdmissionIn, service: ServiceDep, staff: AtCentre) -> ResidentOut:
    if body.centre != staff.centre:
        raise HTTPException(403, "staff admit to their own centre only")
    resident = await handlers.admit_resident(
        AdmitResident(
            case_id=body.case_id,
            centre=body.centre,
            informed_consent=body.informed_consent,
            house_rules_accepted=body.house_rules_accepted,
            consent_given_on=body.consent_given_on,
            identity=Identity(**body.identity.model_dump()),
        ),
        service.uow(staff.actor),
    )
    return ResidentOut.of(resident)


@router.get("/residents/{case_id}", tags=["residents"])
async def resident(case_id: uuid.UUID, service: ServiceDep, staff: AtCentre) -> ResidentOut:
    r = await handlers.get_resident(case_id, staff.centre, service.uow(staff.actor))
    return ResidentOut.of(r)


@router.post("/residents/{case_id}/transfer-request", status_code=202, tags=["transfers"])
async def request_transfer(
    case_id: uuid.UUID, body: TransferIn, service: ServiceDep, staff: AtCentre
) -> RequestOut:
    """Her centre asks another to take her. She keeps her place here until she is received."""
    req = await handlers.request_transfer(
        RequestTransfer(
            case_id=case_id,
            acting_centre=staff.centre,
            to_centre=body.to_centre,
            urgency=body.urgency,
        ),
        service.uow(staff.actor),
    )
    return RequestOut.of(req)


@router.post("/admission-requests/{case_id}/transfer-arrival", status_code=201, tags=["transfers"])
async def receive_transfer(
    case_id: uuid.UUID, body: TransferArrivalIn, service: ServiceDep, staff: AtCentre
) -> ResidentOut:
    """The receiving centre takes her in; her place at the first centre is freed."""
    resident = await handlers.receive_transfer(
        ReceiveTransfer(
            case_id=case_id, acting_centre=staff.centre, consent_given=body.consent_given
        ),
        service.uow(staff.actor),
    )
    return ResidentOut.of(resident)


@router.post("/residents/{case_id}/departure", status_code=201, tags=["exits"])
async def record_departure(
    case_id: uuid.UUID, body: DepartureIn, service: ServiceDep, staff: AtCentre
) -> ResidentOut:
    """She left of her own will before the programme ended. Her place is freed."""
    resident = await handlers.record_departure(
        RecordDeparture(
            case_id=case_id, acting_centre=staff.centre, reason=body.reason, left_on=body.left_on
        ),
        service.uow(staff.actor),
    )
    return ResidentOut.of(resident)


@router.post("/residents/{case_id}/reintegration-handoff", status_code=202, tags=["exits"])
async def hand_to_reintegration(
    case_id: uuid.UUID, body: HandoffIn, service: ServiceDep, staff: AtCentre
) -> ResidentOut:
    resident = await handlers.hand_to_reintegration(
        HandToReintegration(
            case_id=case_id,
            acting_centre=staff.centre,
            skills=tuple(body.skills),
            wishes_to_return_home=body.wishes_to_return_home,
        ),
        service.uow(staff.actor),
    )
    return ResidentOut.of(resident)


@router.get("/residents/{case_id}/identity", tags=["residents"])
async def read_identity(
    case_id: uuid.UUID,
    service: ServiceDep,
    staff: AtCentre,
    purpose: Annotated[ReadPurpose, Query()],
) -> IdentityOut:
    identity = await handlers.read_identity(
        case_id, staff.centre, purpose, service.uow(staff.actor)
    )
    return IdentityOut(**vars(identity))
