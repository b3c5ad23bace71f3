"""Recovery's HTTP API for centre staff."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.stages import Stage
from homeward_shared.uow import Actor
from pydantic import BaseModel, ConfigDict, Field

from homeward_recovery.domain.commands import AdmitResident, HandToReintegration
from homeward_recovery.domain.model import Identity, Resident
from homeward_recovery.service import handlers

Staff = Annotated[Actor, require_role("centre_staff")]

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


class HandoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[str] = Field(default_factory=list, max_length=16)
    wishes_to_return_home: bool | None = None


class ResidentOut(BaseModel):
    case_id: uuid.UUID
    case_number: str
    centre: str
    status: str
    stage: Stage

    @classmethod
    def of(cls, r: Resident) -> ResidentOut:
        return cls(
            case_id=r.case_id,
            case_number=r.case_number,
            centre=r.centre,
            status=r.status.value,
            stage=r.stage,
        )


class RequestOut(BaseModel):
    case_id: uuid.UUID
    case_number: str
    urgency: str
    apparent_minor: bool
    children_with_her: int
    received_at: datetime
    proposed_centre: str | None
    waiting_reason: str | None


class IdentityOut(IdentityIn):
    pass


register_personal(IdentityIn, IdentityOut)


@router.get("/admission-requests", tags=["admissions"])
async def admission_queue(service: ServiceDep, actor: Staff) -> list[RequestOut]:
    """The visible queue: who waits, since when, for which centre, and why."""
    reqs = await handlers.waiting_requests(service.uow(actor))
    return [
        RequestOut(
            case_id=r.case_id,
            case_number=r.case_number,
            urgency=r.urgency.value,
            apparent_minor=r.apparent_minor,
            children_with_her=r.children_with_her,
            received_at=r.received_at,
            proposed_centre=r.proposed_centre,
            waiting_reason=r.waiting_reason,
        )
        for r in reqs
    ]


@router.post("/admissions", status_code=201, tags=["admissions"])
async def admit(body: AdmissionIn, service: ServiceDep, actor: Staff) -> ResidentOut:
    resident = await handlers.admit_resident(
        AdmitResident(
            case_id=body.case_id,
            centre=body.centre,
            informed_consent=body.informed_consent,
            house_rules_accepted=body.house_rules_accepted,
            consent_given_on=body.consent_given_on,
            identity=Identity(**body.identity.model_dump()),
        ),
        service.uow(actor),
    )
    return ResidentOut.of(resident)


@router.post("/residents/{case_id}/reintegration-handoff", status_code=202, tags=["residents"])
async def hand_to_reintegration(
    case_id: uuid.UUID, body: HandoffIn, service: ServiceDep, actor: Staff
) -> ResidentOut:
    resident = await handlers.hand_to_reintegration(
        HandToReintegration(
            case_id=case_id,
            skills=tuple(body.skills),
            wishes_to_return_home=body.wishes_to_return_home,
        ),
        service.uow(actor),
    )
    return ResidentOut.of(resident)


@router.get("/residents/{case_id}/identity", tags=["residents"])
async def read_identity(
    case_id: uuid.UUID,
    service: ServiceDep,
    actor: Staff,
    purpose: Annotated[ReadPurpose, Query()],
) -> IdentityOut:
    identity = await handlers.read_identity(case_id, purpose, service.uow(actor))
    return IdentityOut(**vars(identity))
