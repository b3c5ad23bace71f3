"""Reintegration's HTTP API for the reintegration team."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.stages import Stage
from homeward_shared.uow import Actor
from pydantic import BaseModel, ConfigDict, Field

from homeward_reintegration.clock import Clock
from homeward_reintegration.domain.commands import (
    CloseCase,
    RecordFollowUpVisit,
    RecordResettlement,
)
from homeward_reintegration.domain.model import (
    ClosureReason,
    FollowUpPolicy,
    Plan,
    ReintegrationCase,
    VisitorRole,
    VisitOutcome,
)
from homeward_reintegration.service import handlers

Staff = Annotated[Actor, require_role("reintegration")]

router = APIRouter(tags=["cases"])


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


class ResettlementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Plan
    resettled_on: date


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: str = Field(min_length=8, max_length=128)
    visited_on: date
    by_role: VisitorRole
    outcomes: list[VisitOutcome] = Field(min_length=1, max_length=len(VisitOutcome))
    notes: str | None = PersonalField(None, max_length=10_000)


class ClosureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ClosureReason
    closed_on: date


class VisitOut(BaseModel):
    """No notes here: they are opened one visit at a time, for a stated purpose."""

    visit_no: int
    due_on: date
    visited_on: date | None = None
    by_role: VisitorRole | None = None
    outcomes: list[VisitOutcome] = []


class CaseOut(BaseModel):
    case_id: uuid.UUID
    case_number: str
    from_centre: str
    status: str
    stage: Stage
    plan: Plan | None
    resettled_on: date | None
    closed_on: date | None
    closure_reason: ClosureReason | None
    follow_up: list[VisitOut]

    @classmethod
    def of(cls, c: ReintegrationCase) -> CaseOut:
        return cls(
            case_id=c.case_id,
            case_number=c.case_number,
            from_centre=c.from_centre,
            status=c.status.value,
            stage=c.stage,
            plan=c.plan,
            resettled_on=c.resettled_on,
            closed_on=c.closed_on,
            closure_reason=c.closure_reason,
            follow_up=[
                VisitOut(
                    visit_no=v.visit_no,
                    due_on=v.due_on,
                    visited_on=v.visited_on,
                    by_role=v.by_role,
                    outcomes=list(v.outcomes),
                )
                for v in c.visits
            ],
        )


class OverdueOut(BaseModel):
    case_id: uuid.UUID
    case_number: str
    visit_no: int
    due_on: date
    days_overdue: int
    alert_raised_at: datetime


class NotesOut(BaseModel):
    notes: str | None = PersonalField(None)


register_personal(VisitIn, NotesOut)


@router.get("/cases/{case_id}")
async def get_case(case_id: uuid.UUID, service: ServiceDep, actor: Staff) -> CaseOut:
    return CaseOut.of(await handlers.get_case(case_id, service.uow(actor)))


@router.post("/cases/{case_id}/resettlement", status_code=201)
async def record_resettlement(
    case_id: uuid.UUID, body: ResettlementIn, service: ServiceDep, actor: Staff
) -> CaseOut:
    s: Any = service.settings
    policy = FollowUpPolicy(interval_months=s.follow_up_interval_months, years=s.follow_up_years)
    case = await handlers.record_resettlement(
        RecordResettlement(case_id=case_id, plan=body.plan, resettled_on=body.resettled_on),
        service.uow(actor),
        policy,
    )
    return CaseOut.of(case)


@router.post("/cases/{case_id}/visits/{visit_no}", status_code=201, tags=["follow-up"])
async def record_visit(
    case_id: uuid.UUID,
    visit_no: int,
    body: VisitIn,
    service: ServiceDep,
    actor: Staff,
    clock: ClockDep,
    response: Response,
) -> CaseOut:
    """Record a scheduled follow-up visit. A retry with the same idempotency key answers 200
    with the case and records nothing."""
    case, created = await handlers.record_follow_up_visit(
        RecordFollowUpVisit(
            idempotency_key=body.idempotency_key,
            case_id=case_id,
            visit_no=visit_no,
            visited_on=body.visited_on,
            by_role=body.by_role,
            outcomes=tuple(body.outcomes),
            notes=body.notes,
        ),
        service.uow(actor),
        today=clock.now().date(),
    )
    if not created:
        response.status_code = 200
    return CaseOut.of(case)


@router.get("/cases/{case_id}/visits/{visit_no}/notes", tags=["follow-up"])
async def read_visit_notes(
    case_id: uuid.UUID,
    visit_no: int,
    service: ServiceDep,
    actor: Staff,
    purpose: Annotated[ReadPurpose, Query()],
) -> NotesOut:
    notes = await handlers.read_visit_notes(case_id, visit_no, purpose, service.uow(actor))
    return NotesOut(notes=notes)


@router.get("/follow-up/overdue", tags=["follow-up"])
async def overdue_visits(service: ServiceDep, actor: Staff, clock: ClockDep) -> list[OverdueOut]:
    """Visits alerted as overdue and still not recorded, the longest overdue first."""
    today = clock.now().date()
    return [
        OverdueOut(
            case_id=a.case_id,
            case_number=a.case_number,
            visit_no=a.visit_no,
            due_on=a.due_on,
            days_overdue=(today - a.due_on).days,
            alert_raised_at=a.raised_at,
        )
        for a in await handlers.overdue_list(service.uow(actor))
    ]


@router.post("/cases/{case_id}/closure", status_code=201)
async def close_case(
    case_id: uuid.UUID, body: ClosureIn, service: ServiceDep, actor: Staff
) -> CaseOut:
    case = await handlers.close_case(
        CloseCase(case_id=case_id, reason=body.reason, closed_on=body.closed_on),
        service.uow(actor),
    )
    return CaseOut.of(case)
