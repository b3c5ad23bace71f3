"""Reintegration's HTTP API for the reintegration team."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.stages import Stage
from homeward_shared.uow import Actor
from pydantic import BaseModel, ConfigDict

from homeward_reintegration.domain.commands import RecordResettlement
from homeward_reintegration.domain.model import FollowUpPolicy, Plan, ReintegrationCase
from homeward_reintegration.service import handlers

Staff = Annotated[Actor, require_role("reintegration")]

router = APIRouter(tags=["cases"])


class ResettlementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Plan
    resettled_on: date


class VisitOut(BaseModel):
    visit_no: int
    due_on: date


class CaseOut(BaseModel):
    case_id: uuid.UUID
    case_number: str
    from_centre: str
    status: str
    stage: Stage
    plan: Plan | None
    resettled_on: date | None
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
            follow_up=[VisitOut(visit_no=v.visit_no, due_on=v.due_on) for v in c.visits],
        )


@router.get("/cases/{case_id}")
async def get_case(case_id: uuid.UUID, service: ServiceDep, actor: Staff) -> CaseOut:
    return CaseOut.of(await handlers.get_case(case_id, service.uow(actor)))


@router.post("/cases/{case_id}/resettlement", status_code=201)
async def record_resettlement(
    case_id: uuid.UUID, body: ResettlementIn, service: ServiceDep, actor: Staff
) -> CaseOut:
    s = service.settings
    policy = FollowUpPolicy(interval_months=s.follow_up_interval_months, years=s.follow_up_years)
    case = await handlers.record_resettlement(
        RecordResettlement(case_id=case_id, plan=body.plan, resettled_on=body.resettled_on),
        service.uow(actor),
        policy,
    )
    return CaseOut.of(case)
