"""Reintegration's HTTP API for the reintegration team."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as FastApiPath
from homeward_shared.codes import CodeField
from homeward_shared.contracts.handoffs import Skill
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.small_cells import SuppressedCell
from homeward_shared.stages import Stage
from homeward_shared.strict import RequestModel
from homeward_shared.uow import Actor
from pydantic import BaseModel, ConfigDict, Field

from homeward_reintegration.clock import Clock
from homeward_reintegration.domain.commands import (
    CloseCase,
    RecordAssessment,
    RecordDisbursement,
    RecordFamilyContact,
    RecordFollowUpVisit,
    RecordResettlement,
    ReopenCase,
)
from homeward_reintegration.domain.figures import YearFigures
from homeward_reintegration.domain.model import (
    BusinessKind,
    CaseStatus,
    ClosureReason,
    ContactKind,
    FollowUpPolicy,
    Plan,
    Rating,
    ReintegrationCase,
    ReopenReason,
    SafetyRisk,
    SupportForm,
    SupportKind,
    TracingResult,
    VisitorRole,
    VisitOutcome,
    Wish,
)
from homeward_reintegration.domain.partners import KitItem
from homeward_reintegration.entrypoints.codes import (
    CaseNumber,
    CentreCode,
    Country,
    Currency,
    IdempotencyKey,
    Money,
    PartnerCode,
    UserId,
)
from homeward_reintegration.service import handlers

Staff = Annotated[Actor, require_role("reintegration")]
# Managers see aggregates only (DESIGN.md): figures, never a case.
Figures = Annotated[Actor, require_role("reintegration", "manager")]

router = APIRouter(tags=["cases"])


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


ClockDep = Annotated[Clock, Depends(get_clock)]


class ResettlementIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    plan: Plan
    resettled_on: date
    destination_country: Country | None = Field(
        None, description="ISO 3166-1 alpha-2 code; repatriation only"
    )
    receiving_partner: PartnerCode | None = Field(
        None, description="a partner registered with PUT /partners/{code}; repatriation only"
    )


class FamilyContactIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    kind: ContactKind
    happened_on: date
    result: TracingResult | None = None
    details: str | None = PersonalField(
        None, max_length=10_000, description="family names, village, how to reach them"
    )


class AssessmentIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    assessed_on: date
    her_wish: Wish
    market_opportunities: Rating
    family_conditions: Rating
    skills_fit: bool
    wants_business: bool
    safety_risks: list[SafetyRisk] = Field(default_factory=list, max_length=len(SafetyRisk))
    business_kind: BusinessKind | None = Field(None, description="where she wants a business")
    business_market: Rating | None = Field(None, description="its local market")
    notes: str | None = PersonalField(None, max_length=10_000)


class DisbursementIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    kind: SupportKind
    form: SupportForm | None = None
    items: list[KitItem] = CodeField("kit_item", default_factory=list, max_length=50)
    value: Money
    currency: Currency
    disbursed_on: date
    approved_by: UserId = Field(description="approver's user id")
    second_kit_approved_by: UserId | None = None


class VisitIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    visited_on: date
    by_role: VisitorRole
    outcomes: list[VisitOutcome] = Field(min_length=1, max_length=len(VisitOutcome))
    notes: str | None = PersonalField(None, max_length=10_000)


class ClosureIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: ClosureReason
    closed_on: date


class ReopenIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: ReopenReason
    reopened_on: date


class VisitOut(BaseModel):
    """No notes here: they are opened one visit at a time, for a stated purpose."""

    visit_no: int
    due_on: date
    visited_on: date | None = None
    by_role: VisitorRole | None = None
    outcomes: list[VisitOutcome] = []


class ContactOut(BaseModel):
    contact_id: uuid.UUID
    kind: ContactKind
    happened_on: date
    result: TracingResult | None


class AssessmentOut(BaseModel):
    assessed_on: date
    her_wish: Wish
    market_opportunities: Rating
    family_conditions: Rating
    skills_fit: bool
    wants_business: bool
    business_kind: BusinessKind | None
    business_market: Rating | None
    safety_risks: list[SafetyRisk]


class DisbursementOut(BaseModel):
    kind: SupportKind
    form: SupportForm | None
    items: list[KitItem]
    value: Money
    currency: Currency
    disbursed_on: date
    approved_by: UserId | None = Field(description="none: set aside, not a user id (migration 005)")
    second_kit_approved_by: UserId | None


class CaseOut(BaseModel):
    """No personal field: family details and notes are opened one at a time, audited."""

    case_id: uuid.UUID
    case_number: CaseNumber
    from_centre: CentreCode
    skills: list[Skill]
    wishes_to_return_home: bool | None
    status: CaseStatus
    stage: Stage
    plan: Plan | None
    resettled_on: date | None
    destination_country: Country | None
    receiving_partner: PartnerCode | None
    closed_on: date | None
    closure_reason: ClosureReason | None
    family_contacts: list[ContactOut]
    assessment: AssessmentOut | None
    support: list[DisbursementOut]
    follow_up: list[VisitOut]

    @classmethod
    def of(cls, c: ReintegrationCase) -> CaseOut:
        return cls(
            case_id=c.case_id,
            case_number=c.case_number,
            from_centre=c.from_centre,
            skills=list(c.skills),
            wishes_to_return_home=c.wishes_to_return_home,
            status=c.status,
            stage=c.stage,
            plan=c.plan,
            resettled_on=c.resettled_on,
            destination_country=c.destination_country,
            receiving_partner=c.receiving_partner,
            closed_on=c.closed_on,
            closure_reason=c.closure_reason,
            family_contacts=[
                ContactOut(
                    contact_id=x.contact_id, kind=x.kind, happened_on=x.happened_on, result=x.result
                )
                for x in c.contacts
            ],
            assessment=(
                AssessmentOut(
                    assessed_on=c.assessment.assessed_on,
                    her_wish=c.assessment.her_wish,
                    market_opportunities=c.assessment.market_opportunities,
                    family_conditions=c.assessment.family_conditions,
                    skills_fit=c.assessment.skills_fit,
                    wants_business=c.assessment.wants_business,
                    business_kind=c.assessment.business_kind,
                    business_market=c.assessment.business_market,
                    safety_risks=list(c.assessment.safety_risks),
                )
                if c.assessment
                else None
            ),
            support=[
                DisbursementOut(
                    kind=d.kind,
                    form=d.form,
                    items=list(d.items),
                    value=d.value,
                    currency=d.currency,
                    disbursed_on=d.disbursed_on,
                    approved_by=d.approved_by,
                    second_kit_approved_by=d.second_kit_approved_by,
                )
                for d in c.disbursements
            ],
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
    case_number: CaseNumber
    visit_no: int
    due_on: date
    days_overdue: int
    alert_raised_at: datetime


class NotesOut(BaseModel):
    notes: str | None = PersonalField(None)


class FamilyDetailsOut(BaseModel):
    details: str | None = PersonalField(None)


register_personal(VisitIn, NotesOut, FamilyContactIn, AssessmentIn, FamilyDetailsOut)


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
        RecordResettlement(
            case_id=case_id,
            plan=body.plan,
            resettled_on=body.resettled_on,
            destination_country=body.destination_country,
            receiving_partner=body.receiving_partner,
        ),
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


@router.get("/cases/{case_id}/family-contacts/{contact_id}/details", tags=["family"])
async def read_family_details(
    case_id: uuid.UUID,
    contact_id: uuid.UUID,
    service: ServiceDep,
    actor: Staff,
    purpose: Annotated[ReadPurpose, Query()],
) -> FamilyDetailsOut:
    details = await handlers.read_family_details(case_id, contact_id, purpose, service.uow(actor))
    return FamilyDetailsOut(details=details)


@router.get("/cases/{case_id}/assessment/notes", tags=["family"])
async def read_assessment_notes(
    case_id: uuid.UUID,
    service: ServiceDep,
    actor: Staff,
    purpose: Annotated[ReadPurpose, Query()],
) -> NotesOut:
    notes = await handlers.read_assessment_notes(case_id, purpose, service.uow(actor))
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


@router.post("/cases/{case_id}/reopening", status_code=201)
async def reopen_case(
    case_id: uuid.UUID, body: ReopenIn, service: ServiceDep, actor: Staff
) -> CaseOut:
    case = await handlers.reopen_case(
        ReopenCase(case_id=case_id, reason=body.reason, reopened_on=body.reopened_on),
        service.uow(actor),
    )
    return CaseOut.of(case)


@router.post("/cases/{case_id}/family-contacts", status_code=201, tags=["family"])
async def record_family_contact(
    case_id: uuid.UUID,
    body: FamilyContactIn,
    service: ServiceDep,
    actor: Staff,
    clock: ClockDep,
    response: Response,
) -> CaseOut:
    """A tracing attempt (found, not found, unsafe) or a visit to her family."""
    case, created = await handlers.record_family_contact(
        RecordFamilyContact(case_id=case_id, **body.model_dump()),
        service.uow(actor),
        today=clock.now().date(),
    )
    if not created:
        response.status_code = 200
    return CaseOut.of(case)


@router.post("/cases/{case_id}/assessments", status_code=201, tags=["family"])
async def record_assessment(
    case_id: uuid.UUID,
    body: AssessmentIn,
    service: ServiceDep,
    actor: Staff,
    clock: ClockDep,
    response: Response,
) -> CaseOut:
    """The family assessment: market, family conditions, skills fit, safety risks, and her
    wish, which decides the plan."""
    values = body.model_dump()
    values["safety_risks"] = tuple(values["safety_risks"])
    case, created = await handlers.record_assessment(
        RecordAssessment(case_id=case_id, **values),
        service.uow(actor),
        today=clock.now().date(),
    )
    if not created:
        response.status_code = 200
    return CaseOut.of(case)


@router.post("/cases/{case_id}/support", status_code=201, tags=["support"])
async def record_disbursement(
    case_id: uuid.UUID,
    body: DisbursementIn,
    service: ServiceDep,
    actor: Staff,
    response: Response,
) -> CaseOut:
    """Support given to her (start-up kit, grant, bicycle, supplies, job placement, tuition),
    recorded once with who approved it."""
    values = body.model_dump()
    values["items"] = tuple(values["items"])
    case, created = await handlers.record_disbursement(
        RecordDisbursement(case_id=case_id, **values), service.uow(actor)
    )
    if not created:
        response.status_code = 200
    return CaseOut.of(case)


class KitTotalOut(BaseModel):
    currency: Currency
    kits: int | None
    total_value: Money | None


class FiguresOut(BaseModel):
    """Counts for one calendar year. A count from 1 to threshold - 1 is null, and so is a
    cell hidden so that a small one cannot be worked out (``complementary``) or a value
    hidden with its count (``with_its_count``); each is listed in ``suppressed``."""

    year: int
    threshold: int = Field(description="SMALL_CELL_THRESHOLD: the same for every service")
    reintegrated_by_plan: dict[str, int | None]
    startup_kits: list[KitTotalOut]
    follow_up_visits_done: int | None
    survivors_followed_up: int | None
    overdue_alerts_raised: int | None
    closures_by_reason: dict[str, int | None]
    suppressed: list[SuppressedCell]

    @classmethod
    def of(cls, f: YearFigures) -> FiguresOut:
        return cls(
            year=f.year,
            threshold=f.threshold,
            reintegrated_by_plan=f.reintegrated_by_plan,
            startup_kits=[KitTotalOut(**vars(k)) for k in f.startup_kits],
            follow_up_visits_done=f.follow_up_visits_done,
            survivors_followed_up=f.survivors_followed_up,
            overdue_alerts_raised=f.overdue_alerts_raised,
            closures_by_reason=f.closures_by_reason,
            suppressed=[SuppressedCell(cell=c, reason=r) for c, r in f.suppressed.items()],
        )


@router.get("/figures/{year}", tags=["figures"])
async def year_figures(
    # Bounded: a year out of the calendar's range overflowed the date arithmetic (a 500).
    year: Annotated[int, FastApiPath(ge=1990, le=2200)],
    service: ServiceDep,
    actor: Figures,
) -> FiguresOut:
    """Reintegrated by plan, start-up kits and their value, visits done, women followed up,
    overdue alerts and closures by reason, for one year."""
    s: Any = service.settings
    return FiguresOut.of(
        await handlers.year_figures(year, s.small_cell_threshold, service.uow(actor))
    )
