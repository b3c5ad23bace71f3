"""Intake's HTTP API for intake officers, the hotline, outreach workers and the clinic."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, SignalSource, Urgency
from homeward_shared.contracts.stage import PlacementReason
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.stages import Stage
from homeward_shared.strict import RequestModel
from homeward_shared.uow import Actor
from homeward_shared.vocabulary import District, IdempotencyKey, Language, Province
from pydantic import BaseModel, ConfigDict, Field, model_validator

from homeward_intake.domain.commands import (
    CloseSignal,
    ListSignals,
    RecordOutreach,
    RegisterSignal,
    RequestPlacement,
    RouteToInvestigation,
)
from homeward_intake.domain.model import (
    OUTREACH_MAX,
    ClosureReason,
    LeadReason,
    OutreachActivity,
    Signal,
    SignalStatus,
    area_is_consistent,
)
from homeward_intake.service import handlers

Staff = Annotated[Actor, require_role("intake")]

router = APIRouter(tags=["signals"])


class SignalIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    source: SignalSource
    urgency: Urgency
    needs_shelter: bool
    apparent_minor: bool = False
    children_with_her: int = Field(default=0, ge=0, le=20)
    language: Language | None = None
    name: str | None = PersonalField(None, max_length=200)
    aliases: str | None = PersonalField(None, max_length=500)
    phone: str | None = PersonalField(None, max_length=40)
    notes: str | None = PersonalField(None, max_length=10_000)


class PlacementIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: PlacementReason


class _Area(RequestModel):
    """A province code and, optionally, a district code that lies in it."""

    @model_validator(mode="after")
    def _district_in_province(self):  # type: ignore[no-untyped-def]
        if not area_is_consistent(self.province, self.district):  # type: ignore[attr-defined]
            raise ValueError("the district code does not lie in the province")
        return self


class EstablishmentIn(_Area):
    model_config = ConfigDict(extra="forbid")

    kind: EstablishmentKind
    province: Province
    district: District | None = None
    name: str | None = PersonalField(None, max_length=200)
    address: str | None = PersonalField(None, max_length=500)


class LeadIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: LeadReason
    establishment: EstablishmentIn
    urgency: Urgency
    persons_reported: int = Field(default=0, ge=0, le=500)
    indicators: list[Indicator] = Field(default_factory=list, max_length=16)


class ClosureIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: ClosureReason


class SignalOut(BaseModel):
    """No personal field: what any intake screen may show."""

    signal_id: uuid.UUID
    case_id: uuid.UUID
    case_number: str
    source: SignalSource
    urgency: Urgency
    needs_shelter: bool
    status: SignalStatus
    stage: Stage
    lead_id: uuid.UUID | None = None

    @classmethod
    def of(cls, s: Signal) -> SignalOut:
        return cls(
            signal_id=s.signal_id,
            case_id=s.case_id,
            case_number=s.case_number,
            source=s.source,
            urgency=s.urgency,
            needs_shelter=s.needs_shelter,
            status=s.status,
            stage=s.stage,
            lead_id=s.lead_id,
        )


class RoutedOut(BaseModel):
    signal: SignalOut
    lead_id: uuid.UUID
    linked: bool = Field(description="joined an open lead on the same place")


class PersonOut(BaseModel):
    name: str | None = PersonalField(None)
    aliases: str | None = PersonalField(None)
    phone: str | None = PersonalField(None)
    notes: str | None = PersonalField(None)


register_personal(SignalIn, PersonOut, EstablishmentIn)


class SignalItemOut(BaseModel):
    """A signal as a list or a reloaded page shows it: ids, codes, dates and counts; her
    name and the rest stay behind ``GET /signals/{signal_id}/person?purpose=``."""

    signal_id: uuid.UUID
    case_id: uuid.UUID
    case_number: str
    source: SignalSource
    urgency: Urgency
    needs_shelter: bool
    apparent_minor: bool
    children_with_her: int
    language: str | None = Field(description="ISO 639-1 code")
    received_at: datetime
    status: SignalStatus = Field(description="where the signal was routed")
    stage: Stage
    routing_reason: str | None = Field(
        description="a placement, lead or closure reason code, as the status says"
    )
    lead_id: uuid.UUID | None = None

    @classmethod
    def of(cls, s: Signal) -> SignalItemOut:
        return cls(
            signal_id=s.signal_id,
            case_id=s.case_id,
            case_number=s.case_number,
            source=s.source,
            urgency=s.urgency,
            needs_shelter=s.needs_shelter,
            apparent_minor=s.apparent_minor,
            children_with_her=s.children_with_her,
            language=s.language,
            received_at=s.received_at,
            status=s.status,
            stage=s.stage,
            routing_reason=s.routing_reason,
            lead_id=s.lead_id,
        )


class SignalPageOut(BaseModel):
    signals: list[SignalItemOut]
    next_before: uuid.UUID | None = Field(
        description="pass as ``before`` for the next (older) page; null on the last page"
    )


@router.post("/signals", status_code=201)
async def register_signal(
    body: SignalIn, service: ServiceDep, actor: Staff, response: Response
) -> SignalOut:
    signal, created = await handlers.register_signal(
        RegisterSignal(**body.model_dump()), service.uow(actor)
    )
    if not created:
        response.status_code = 200
    return SignalOut.of(signal)


@router.get("/signals")
async def list_signals(
    service: ServiceDep,
    actor: Staff,
    mine: Annotated[bool, Query(description="only the signals you recorded")] = True,
    status: Annotated[SignalStatus | None, Query()] = None,
    source: Annotated[SignalSource | None, Query()] = None,
    before: Annotated[
        uuid.UUID | None, Query(description="the ``next_before`` of the page before")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> SignalPageOut:
    """Signals, newest first, without personal fields: by default those you recorded.
    Paged by a keyset cursor (``before``), so a page never shifts as new signals arrive."""
    found, more = await handlers.list_signals(
        ListSignals(mine=mine, status=status, source=source, before=before, limit=limit),
        service.uow(actor),
    )
    return SignalPageOut(
        signals=[SignalItemOut.of(s) for s in found],
        next_before=found[-1].signal_id if more else None,
    )


@router.get("/signals/{signal_id}")
async def get_signal(signal_id: uuid.UUID, service: ServiceDep, actor: Staff) -> SignalItemOut:
    """One signal without personal fields (a page opened from the list, or reloaded)."""
    return SignalItemOut.of(await handlers.get_signal(signal_id, service.uow(actor)))


@router.post("/signals/{signal_id}/placement-request", status_code=202)
async def request_placement(
    signal_id: uuid.UUID, body: PlacementIn, service: ServiceDep, actor: Staff
) -> SignalOut:
    signal = await handlers.request_placement(
        RequestPlacement(signal_id=signal_id, reason=body.reason), service.uow(actor)
    )
    return SignalOut.of(signal)


@router.post("/signals/{signal_id}/lead", status_code=202)
async def route_to_investigation(
    signal_id: uuid.UUID, body: LeadIn, service: ServiceDep, actor: Staff
) -> RoutedOut:
    place = body.establishment
    signal, lead, linked = await handlers.route_to_investigation(
        RouteToInvestigation(
            signal_id=signal_id,
            reason=body.reason,
            kind=place.kind,
            province=place.province,
            district=place.district,
            urgency=body.urgency,
            persons_reported=body.persons_reported,
            indicators=tuple(body.indicators),
            establishment_name=place.name,
            address=place.address,
        ),
        service.uow(actor),
    )
    return RoutedOut(signal=SignalOut.of(signal), lead_id=lead.lead_id, linked=linked)


@router.post("/signals/{signal_id}/closure")
async def close_signal(
    signal_id: uuid.UUID, body: ClosureIn, service: ServiceDep, actor: Staff
) -> SignalOut:
    signal = await handlers.close_signal(
        CloseSignal(signal_id=signal_id, reason=body.reason), service.uow(actor)
    )
    return SignalOut.of(signal)


@router.get("/signals/{signal_id}/person")
async def read_person(
    signal_id: uuid.UUID,
    service: ServiceDep,
    actor: Staff,
    purpose: Annotated[ReadPurpose, Query()],
) -> PersonOut:
    person = await handlers.read_person(signal_id, purpose, service.uow(actor))
    return PersonOut(**vars(person))


class OutreachIn(_Area):
    """A day (or session) of outreach in one area, counted for the impact report. Counts and
    the area only: never who was met."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    on: date = Field(description="the local day of the outreach")
    province: Province
    district: District | None = None
    entertainment_areas_visited: int = Field(default=0, ge=0, le=OUTREACH_MAX)
    clinic_consultations: int = Field(default=0, ge=0, le=OUTREACH_MAX)
    educational_contacts: int = Field(
        default=0, ge=0, le=OUTREACH_MAX, description="people reached by educational sessions"
    )


class OutreachOut(BaseModel):
    activity_id: uuid.UUID
    on: date
    province: str | None = Field(description="ISO 3166-2:KH code; null if set aside (004)")
    district: str | None
    entertainment_areas_visited: int
    clinic_consultations: int
    educational_contacts: int
    recorded_at: datetime

    @classmethod
    def of(cls, a: OutreachActivity) -> OutreachOut:
        return cls(
            activity_id=a.activity_id,
            on=a.on,
            province=a.province,
            district=a.district,
            entertainment_areas_visited=a.entertainment_areas_visited,
            clinic_consultations=a.clinic_consultations,
            educational_contacts=a.educational_contacts,
            recorded_at=a.recorded_at,
        )


@router.post("/outreach", status_code=201, tags=["outreach"])
async def record_outreach(
    body: OutreachIn, service: ServiceDep, actor: Staff, response: Response
) -> OutreachOut:
    """Record an outreach day's counts; they reach the impact report as figure events. The
    same idempotency key again answers 200 with the first record."""
    activity, created = await handlers.record_outreach(
        RecordOutreach(**body.model_dump()), service.uow(actor)
    )
    if not created:
        response.status_code = 200
    return OutreachOut.of(activity)


@router.get("/outreach/{activity_id}", tags=["outreach"])
async def get_outreach(activity_id: uuid.UUID, service: ServiceDep, actor: Staff) -> OutreachOut:
    return OutreachOut.of(await handlers.get_outreach(activity_id, service.uow(actor)))
