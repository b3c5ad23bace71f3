"""Recovery's HTTP API for centre staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

import pycountry
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from homeward_shared.codes import CodeField
from homeward_shared.contracts.handoffs import (
    CASE_NUMBER,
    CENTRE_CODE,
    LegalAssistanceKind,
    Skill,
    Urgency,
)
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.stages import Stage
from homeward_shared.strict import RequestModel
from homeward_shared.uow import Actor
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from homeward_recovery.domain.care import (
    Assessment,
    AssessmentKind,
    AssessorRole,
    CareArea,
    CareGoal,
    Child,
    GoalStatus,
    ReviewOutcome,
)
from homeward_recovery.domain.commands import (
    AdmitResident,
    CertifyTrainee,
    CompleteTraining,
    ConfigureCentre,
    EndClass,
    Enrol,
    HandToReintegration,
    ReceiveTransfer,
    RecordAssessment,
    RecordAttendance,
    RecordDeparture,
    RecordInternship,
    RecordStudyTour,
    RegisterChild,
    RequestLegalAssistance,
    RequestTransfer,
    ReviewCareGoal,
    SetCareGoal,
    StartClass,
    WithdrawTraining,
)
from homeward_recovery.domain.education import (
    EducationClass,
    EducationLevel,
    LevelSetAside,
    Subject,
)
from homeward_recovery.domain.legal import LegalAssistanceRequest
from homeward_recovery.domain.model import (
    AdmissionRequest,
    Centre,
    Identity,
    LeaveReason,
    RequestOrigin,
    RequestStatus,
    Resident,
    ResidentStatus,
    WaitingReason,
)
from homeward_recovery.domain.training import (
    PROGRAMMES,
    CertifyingBody,
    Enrolment,
    EnrolmentStatus,
    Trade,
    Venue,
)
from homeward_recovery.service import handlers

Staff = Annotated[Actor, require_role("centre_staff")]
Admin = Annotated[Actor, require_role("admin")]

# Every clear string of this API is a code (issue 16): these are the identifiers.
CentreCode = Annotated[str, CodeField("centre", pattern=CENTRE_CODE, max_length=32)]
CaseNumber = Annotated[str, CodeField("case_number", pattern=CASE_NUMBER, max_length=32)]
# Staff user ids as the identity provider issues them (a UUID, or a local id such as u-1).
USER_ID = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$"
UserId = Annotated[str, CodeField("user_id", pattern=USER_ID, max_length=64)]
# Who recorded something: the role that authorised the call and the user id (``Actor``).
ACTOR = r"^[a-z_]{1,32}:[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$"
ActorCode = Annotated[str, CodeField("actor", pattern=ACTOR, max_length=97)]
IDEMPOTENCY_KEY = r"^[A-Za-z0-9_.:-]{8,64}$"
# Until the kernel's ISO vocabularies land (ISO 639 languages, ISO 3166-2:KH provinces):
# shape here, membership checked against pycountry in ``_iso``.
LANGUAGE = r"^[a-z]{2,3}$"
PROVINCE = r"^KH-[0-9]{1,2}$"


def _iso639(code: str) -> str:
    if pycountry.languages.get(**{f"alpha_{len(code)}": code}) is None:
        raise ValueError("not an ISO 639 language code")
    return code


def _kh_province(code: str) -> str:
    if pycountry.subdivisions.get(code=code) is None:
        raise ValueError("not a province code of ISO 3166-2:KH")
    return code


Language = Annotated[
    str, CodeField("iso639", pattern=LANGUAGE, max_length=3), AfterValidator(_iso639)
]
Province = Annotated[
    str, CodeField("iso3166_2_kh", pattern=PROVINCE, max_length=5), AfterValidator(_kh_province)
]


@dataclass(frozen=True)
class CentreStaff:
    """A member of staff, the centres her token names, and the one she acts for in this
    call: the only one her token names, or the one she chose with ``acting_centre``."""

    actor: Actor
    chosen: str | None

    @property
    def centres(self) -> frozenset[str]:
        return self.actor.centres

    @property
    def centre(self) -> str:
        # Asked for only where the centre matters: listing the queue or the programmes does
        # not make staff of several centres choose one.
        if self.chosen is None:
            raise HTTPException(
                422, "the token names several centres: choose one with ?acting_centre="
            )
        return self.chosen


async def centre_staff(
    actor: Staff,
    acting_centre: Annotated[
        str | None,
        Query(
            pattern=CENTRE_CODE,
            description="for staff of several centres: the one of them this call is for",
        ),
    ] = None,
) -> CentreStaff:
    """The centre claim of her token (the kernel has refused centre staff whose token names
    no centre). Handlers only ever see ``CentreStaff.centre``."""
    if acting_centre is None:
        only = next(iter(actor.centres)) if len(actor.centres) == 1 else None
        return CentreStaff(actor, only)
    if acting_centre not in actor.centres:
        raise HTTPException(403, "the token does not name this centre")
    return CentreStaff(actor, acting_centre)


AtCentre = Annotated[CentreStaff, Depends(centre_staff)]

router = APIRouter()


class IdentityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = PersonalField(None, max_length=200)
    aliases: str | None = PersonalField(None, max_length=500)
    birth_date: str | None = PersonalField(None, max_length=20)
    family_contacts: str | None = PersonalField(None, max_length=2000)
    village: str | None = PersonalField(None, max_length=200)


class AdmissionIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    case_id: uuid.UUID
    centre: CentreCode
    informed_consent: bool
    house_rules_accepted: bool
    consent_given_on: date
    identity: IdentityIn = Field(default_factory=IdentityIn)


class TransferIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    to_centre: CentreCode
    urgency: Urgency = Urgency.ROUTINE


class TransferArrivalIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    consent_given: bool = Field(description="she agreed to move to this centre")


class DepartureIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: LeaveReason
    left_on: date


class HandoffIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    skills: list[Skill] = CodeField(
        "skill",
        default_factory=list,
        max_length=16,
        description="skills beyond the trades she completed here (added by themselves)",
    )
    wishes_to_return_home: bool | None = None


class CentreIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    name: str = PersonalField(
        min_length=1,
        max_length=100,
        description="typed text: sealed like any typed text, under the centre's own key",
    )
    province: Province
    capacity: int = Field(ge=0, le=10_000)
    childcare: bool = False
    for_youngest: bool = False
    languages: list[Language] = Field(default_factory=list, max_length=16)


class CentreOut(BaseModel):
    code: CentreCode
    name: str | None = PersonalField(description="none: the centre's key was destroyed")
    province: Province | None = Field(description="none: not a province an admin gave as code")
    capacity: int
    childcare: bool
    for_youngest: bool
    languages: list[Language]
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
    case_number: CaseNumber
    centre: CentreCode
    status: ResidentStatus
    stage: Stage
    left_on: date | None = None
    leave_reason: LeaveReason | None = None

    @classmethod
    def of(cls, r: Resident) -> ResidentOut:
        return cls(
            case_id=r.case_id,
            case_number=r.case_number,
            centre=r.centre,
            status=r.status,
            stage=r.stage,
            left_on=r.left_on,
            leave_reason=r.leave_reason,
        )


class RequestOut(BaseModel):
    case_id: uuid.UUID
    case_number: CaseNumber
    origin: RequestOrigin
    status: RequestStatus
    urgency: Urgency
    apparent_minor: bool
    children_with_her: int
    received_at: datetime
    from_centre: CentreCode | None
    requested_centre: CentreCode | None
    proposed_centre: CentreCode | None
    waiting_reason: WaitingReason | None

    @classmethod
    def of(cls, r: AdmissionRequest) -> RequestOut:
        return cls(
            case_id=r.case_id,
            case_number=r.case_number,
            origin=r.origin,
            status=r.status,
            urgency=r.urgency,
            apparent_minor=r.apparent_minor,
            children_with_her=r.children_with_her,
            received_at=r.received_at,
            from_centre=r.from_centre,
            requested_centre=r.requested_centre,
            proposed_centre=r.proposed_centre,
            waiting_reason=WaitingReason(r.waiting_reason) if r.waiting_reason else None,
        )


class IdentityOut(IdentityIn):
    pass


class AssessmentIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    kind: AssessmentKind
    assessed_on: date
    assessor_role: AssessorRole
    findings: str = PersonalField(min_length=1, max_length=20_000)


class AssessmentOut(BaseModel):
    assessment_id: uuid.UUID
    kind: AssessmentKind
    assessed_on: date
    assessor_role: AssessorRole
    recorded_by: ActorCode
    centre: CentreCode
    findings: str | None = PersonalField(None)

    @classmethod
    def of(cls, a: Assessment) -> AssessmentOut:
        return cls(
            assessment_id=a.assessment_id,
            kind=a.kind,
            assessed_on=a.assessed_on,
            assessor_role=a.assessor_role,
            recorded_by=a.recorded_by,
            centre=a.centre,
            findings=a.findings,
        )


class GoalIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    area: CareArea
    goal: str = PersonalField(min_length=1, max_length=2000)
    review_on: date


class GoalReviewIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reviewed_on: date
    outcome: ReviewOutcome
    next_review_on: date | None = None


class GoalOut(BaseModel):
    goal_id: uuid.UUID
    case_id: uuid.UUID
    area: CareArea
    set_on: date
    review_on: date
    status: GoalStatus
    last_reviewed_on: date | None
    goal: str | None = PersonalField(None)

    @classmethod
    def of(cls, g: CareGoal) -> GoalOut:
        return cls(
            goal_id=g.goal_id,
            case_id=g.case_id,
            area=g.area,
            set_on=g.set_on,
            review_on=g.review_on,
            status=g.status,
            last_reviewed_on=g.last_reviewed_on,
            goal=g.goal,
        )


class ProgrammeOut(BaseModel):
    trade: Trade
    min_months: int | None
    max_months: int | None
    certifiable: bool
    where: Venue


class EnrolIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    trade: Trade
    started_on: date
    planned_end_on: date | None = Field(
        None, description="defaults to the programme's longest length"
    )


class CompletionIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    completed_on: date


class CertificationIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    certified_on: date
    certifying_body: CertifyingBody = CodeField(
        "certifying_body", description="the certifying ministry or body"
    )


class WithdrawalIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    on: date


class InternshipIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    trade: Trade
    started_on: date
    ends_on: date
    business: str = PersonalField(
        min_length=1, max_length=500, description="where she interns: her whereabouts, sealed"
    )


class StudyTourIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    toured_on: date
    trades: list[Trade] = Field(min_length=1, max_length=8)


class EnrolmentOut(BaseModel):
    enrolment_id: uuid.UUID
    trade: Trade
    centre: CentreCode
    started_on: date
    planned_end_on: date | None
    status: EnrolmentStatus
    completed_on: date | None
    certified_on: date | None
    certifying_body: CertifyingBody | None

    @classmethod
    def of(cls, e: Enrolment) -> EnrolmentOut:
        return cls(
            enrolment_id=e.enrolment_id,
            trade=e.trade,
            centre=e.centre,
            started_on=e.started_on,
            planned_end_on=e.planned_end_on,
            status=e.status,
            completed_on=e.completed_on,
            certified_on=e.certified_on,
            certifying_body=e.certifying_body,
        )


class InternshipOut(BaseModel):
    internship_id: uuid.UUID
    trade: Trade
    started_on: date
    ends_on: date


class StudyTourOut(BaseModel):
    tour_id: uuid.UUID
    toured_on: date
    trades: list[Trade]


class TrainingOut(BaseModel):
    enrolments: list[EnrolmentOut]
    internships: list[InternshipOut]
    study_tours: list[StudyTourOut]


LEVEL = CodeField(
    "education_level",
    description="general levels for literacy, Khmer and computer; CEFR for English; a grade"
    " at a state school (422 level_outside_subject otherwise)",
)


class ClassIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    subject: Subject
    level: EducationLevel = LEVEL
    started_on: date


class AttendanceIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    month: date = Field(description="the first day of the month")
    attended: int = Field(ge=0, le=400)
    held: int = Field(ge=0, le=400)
    level: EducationLevel = LEVEL


class ClassEndIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    on: date


class MonthOut(BaseModel):
    month: date
    attended: int
    held: int
    level: EducationLevel | None
    level_set_aside: LevelSetAside | None = Field(
        None, description="no level: what was typed before levels were codes was set aside"
    )


class ClassOut(BaseModel):
    class_id: uuid.UUID
    subject: Subject
    centre: CentreCode
    level: EducationLevel | None
    level_set_aside: LevelSetAside | None = None
    started_on: date
    ended_on: date | None
    attendance_rate: float | None = Field(description="sessions attended over held, all months")
    months: list[MonthOut]

    @classmethod
    def of(cls, c: EducationClass) -> ClassOut:
        held = sum(m.held for m in c.months)
        return cls(
            class_id=c.class_id,
            subject=c.subject,
            centre=c.centre,
            level=c.level,
            level_set_aside=c.level_set_aside,
            started_on=c.started_on,
            ended_on=c.ended_on,
            attendance_rate=round(sum(m.attended for m in c.months) / held, 3) if held else None,
            months=[
                MonthOut(
                    month=m.month,
                    attended=m.attended,
                    held=m.held,
                    level=m.level,
                    level_set_aside=m.level_set_aside,
                )
                for m in sorted(c.months, key=lambda m: m.month)
            ],
        )


class ChildIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    in_childcare: bool
    name: str | None = PersonalField(None, max_length=200)
    birth_date: str | None = PersonalField(None, max_length=20)


class ChildOut(BaseModel):
    child_id: uuid.UUID
    centre: CentreCode
    registered_on: date
    in_childcare: bool
    name: str | None = PersonalField(None)
    birth_date: str | None = PersonalField(None)

    @classmethod
    def of(cls, c: Child) -> ChildOut:
        return cls(
            child_id=c.child_id,
            centre=c.centre,
            registered_on=c.registered_on,
            in_childcare=c.in_childcare,
            name=c.name,
            birth_date=c.birth_date,
        )


register_personal(ChildIn, ChildOut)
register_personal(IdentityIn, IdentityOut, AssessmentIn, AssessmentOut, GoalIn, GoalOut)
register_personal(InternshipIn, CentreIn, CentreOut)


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
    return CentreOut.of(centre).model_copy(update={"name": None})


@router.get("/admission-requests", tags=["admissions"])
async def admission_queue(
    service: ServiceDep,
    staff: AtCentre,
    centre: Annotated[str | None, Query(pattern=CENTRE_CODE, max_length=32)] = None,
) -> list[RequestOut]:
    """The visible queue: who waits, since when, for which centre, and why. No personal data:
    every centre's staff may see it, to find her a place."""
    reqs = await handlers.waiting_requests(service.uow(staff.actor), centre)
    return [RequestOut.of(r) for r in reqs]


@router.post("/admissions", status_code=201, tags=["admissions"])
async def admit(body: AdmissionIn, service: ServiceDep, staff: AtCentre) -> ResidentOut:
    if body.centre not in staff.centres:
        raise HTTPException(403, "staff admit to their own centres only")
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


@router.post("/residents/{case_id}/assessments", status_code=201, tags=["care"])
async def record_assessment(
    case_id: uuid.UUID, body: AssessmentIn, service: ServiceDep, staff: AtCentre
) -> AssessmentOut:
    """A medical, psychological or education-and-social assessment: dated, by whom, the
    findings sealed under her case key."""
    a = await handlers.record_assessment(
        RecordAssessment(
            case_id=case_id,
            acting_centre=staff.centre,
            kind=body.kind,
            assessed_on=body.assessed_on,
            assessor_role=body.assessor_role,
            findings=body.findings,
        ),
        service.uow(staff.actor),
    )
    return AssessmentOut.of(a).model_copy(update={"findings": None})


@router.get("/residents/{case_id}/assessments", tags=["care"])
async def list_assessments(
    case_id: uuid.UUID,
    service: ServiceDep,
    staff: AtCentre,
    purpose: Annotated[
        ReadPurpose | None, Query(description="give one to read the findings (audited)")
    ] = None,
) -> list[AssessmentOut]:
    found = await handlers.assessments(case_id, staff.centre, purpose, service.uow(staff.actor))
    return [AssessmentOut.of(a) for a in found]


@router.post("/residents/{case_id}/care-plan/goals", status_code=201, tags=["care"])
async def set_care_goal(
    case_id: uuid.UUID, body: GoalIn, service: ServiceDep, staff: AtCentre
) -> GoalOut:
    goal = await handlers.set_care_goal(
        SetCareGoal(
            case_id=case_id,
            acting_centre=staff.centre,
            area=body.area,
            goal=body.goal,
            review_on=body.review_on,
        ),
        service.uow(staff.actor),
    )
    return GoalOut.of(goal).model_copy(update={"goal": None})


@router.post("/residents/{case_id}/care-plan/goals/{goal_id}/review", tags=["care"])
async def review_care_goal(
    case_id: uuid.UUID,
    goal_id: uuid.UUID,
    body: GoalReviewIn,
    service: ServiceDep,
    staff: AtCentre,
) -> GoalOut:
    goal = await handlers.review_care_goal(
        ReviewCareGoal(
            case_id=case_id,
            goal_id=goal_id,
            acting_centre=staff.centre,
            reviewed_on=body.reviewed_on,
            outcome=body.outcome,
            next_review_on=body.next_review_on,
        ),
        service.uow(staff.actor),
    )
    return GoalOut.of(goal)


@router.get("/residents/{case_id}/care-plan", tags=["care"])
async def care_plan(
    case_id: uuid.UUID,
    service: ServiceDep,
    staff: AtCentre,
    purpose: Annotated[ReadPurpose, Query()],
) -> list[GoalOut]:
    goals = await handlers.care_plan(case_id, staff.centre, purpose, service.uow(staff.actor))
    return [GoalOut.of(g) for g in goals]


@router.get("/care-reviews-due", tags=["care"])
async def care_reviews_due(
    service: ServiceDep, staff: AtCentre, by: Annotated[date, Query()]
) -> list[GoalOut]:
    """Her centre's open goals due for review by a date: what the team meets about."""
    goals = await handlers.reviews_due(staff.centre, by, service.uow(staff.actor))
    return [GoalOut.of(g) for g in goals]


@router.get("/programmes", tags=["training"])
async def programmes(staff: AtCentre) -> list[ProgrammeOut]:
    """The vocational programmes and their lengths in months."""
    return [
        ProgrammeOut(
            trade=p.trade,
            min_months=p.min_months,
            max_months=p.max_months,
            certifiable=p.certifiable,
            where=p.where,
        )
        for p in PROGRAMMES.values()
    ]


@router.post("/residents/{case_id}/enrolments", status_code=201, tags=["training"])
async def enrol(
    case_id: uuid.UUID, body: EnrolIn, service: ServiceDep, staff: AtCentre
) -> EnrolmentOut:
    e = await handlers.enrol(
        Enrol(
            case_id=case_id,
            acting_centre=staff.centre,
            trade=body.trade,
            started_on=body.started_on,
            planned_end_on=body.planned_end_on,
        ),
        service.uow(staff.actor),
    )
    return EnrolmentOut.of(e)


@router.post("/residents/{case_id}/enrolments/{enrolment_id}/completion", tags=["training"])
async def complete_training(
    case_id: uuid.UUID,
    enrolment_id: uuid.UUID,
    body: CompletionIn,
    service: ServiceDep,
    staff: AtCentre,
) -> EnrolmentOut:
    e = await handlers.complete_training(
        CompleteTraining(
            case_id=case_id,
            enrolment_id=enrolment_id,
            acting_centre=staff.centre,
            completed_on=body.completed_on,
        ),
        service.uow(staff.actor),
    )
    return EnrolmentOut.of(e)


@router.post("/residents/{case_id}/enrolments/{enrolment_id}/certification", tags=["training"])
async def certify_trainee(
    case_id: uuid.UUID,
    enrolment_id: uuid.UUID,
    body: CertificationIn,
    service: ServiceDep,
    staff: AtCentre,
) -> EnrolmentOut:
    e = await handlers.certify_trainee(
        CertifyTrainee(
            case_id=case_id,
            enrolment_id=enrolment_id,
            acting_centre=staff.centre,
            certified_on=body.certified_on,
            certifying_body=body.certifying_body,
        ),
        service.uow(staff.actor),
    )
    return EnrolmentOut.of(e)


@router.post("/residents/{case_id}/enrolments/{enrolment_id}/withdrawal", tags=["training"])
async def withdraw_training(
    case_id: uuid.UUID,
    enrolment_id: uuid.UUID,
    body: WithdrawalIn,
    service: ServiceDep,
    staff: AtCentre,
) -> EnrolmentOut:
    e = await handlers.withdraw_training(
        WithdrawTraining(
            case_id=case_id, enrolment_id=enrolment_id, acting_centre=staff.centre, on=body.on
        ),
        service.uow(staff.actor),
    )
    return EnrolmentOut.of(e)


@router.post("/residents/{case_id}/internships", status_code=201, tags=["training"])
async def record_internship(
    case_id: uuid.UUID, body: InternshipIn, service: ServiceDep, staff: AtCentre
) -> InternshipOut:
    i = await handlers.record_internship(
        RecordInternship(
            case_id=case_id,
            acting_centre=staff.centre,
            trade=body.trade,
            started_on=body.started_on,
            ends_on=body.ends_on,
            business=body.business,
        ),
        service.uow(staff.actor),
    )
    return InternshipOut(
        internship_id=i.internship_id, trade=i.trade, started_on=i.started_on, ends_on=i.ends_on
    )


@router.post("/residents/{case_id}/study-tours", status_code=201, tags=["training"])
async def record_study_tour(
    case_id: uuid.UUID, body: StudyTourIn, service: ServiceDep, staff: AtCentre
) -> StudyTourOut:
    t = await handlers.record_study_tour(
        RecordStudyTour(
            case_id=case_id,
            acting_centre=staff.centre,
            toured_on=body.toured_on,
            trades=tuple(body.trades),
        ),
        service.uow(staff.actor),
    )
    return StudyTourOut(tour_id=t.tour_id, toured_on=t.toured_on, trades=list(t.trades))


@router.get("/residents/{case_id}/training", tags=["training"])
async def training_record(case_id: uuid.UUID, service: ServiceDep, staff: AtCentre) -> TrainingOut:
    enrolments, internships, tours = await handlers.training_record(
        case_id, staff.centre, service.uow(staff.actor)
    )
    return TrainingOut(
        enrolments=[EnrolmentOut.of(e) for e in enrolments],
        internships=[
            InternshipOut(
                internship_id=i.internship_id,
                trade=i.trade,
                started_on=i.started_on,
                ends_on=i.ends_on,
            )
            for i in internships
        ],
        study_tours=[
            StudyTourOut(tour_id=t.tour_id, toured_on=t.toured_on, trades=list(t.trades))
            for t in tours
        ],
    )


@router.post("/residents/{case_id}/education", status_code=201, tags=["education"])
async def start_class(
    case_id: uuid.UUID, body: ClassIn, service: ServiceDep, staff: AtCentre
) -> ClassOut:
    """Basic literacy and maths, Khmer, English, computer classes, or a nearby state school."""
    c = await handlers.start_class(
        StartClass(
            case_id=case_id,
            acting_centre=staff.centre,
            subject=body.subject,
            level=body.level,
            started_on=body.started_on,
        ),
        service.uow(staff.actor),
    )
    return ClassOut.of(c)


@router.post("/residents/{case_id}/education/{class_id}/attendance", tags=["education"])
async def record_attendance(
    case_id: uuid.UUID,
    class_id: uuid.UUID,
    body: AttendanceIn,
    service: ServiceDep,
    staff: AtCentre,
) -> ClassOut:
    """A month's attendance and the level reached; recording a month again corrects it."""
    c = await handlers.record_attendance(
        RecordAttendance(
            case_id=case_id,
            class_id=class_id,
            acting_centre=staff.centre,
            month=body.month,
            attended=body.attended,
            held=body.held,
            level=body.level,
        ),
        service.uow(staff.actor),
    )
    return ClassOut.of(c)


@router.post("/residents/{case_id}/education/{class_id}/end", tags=["education"])
async def end_class(
    case_id: uuid.UUID,
    class_id: uuid.UUID,
    body: ClassEndIn,
    service: ServiceDep,
    staff: AtCentre,
) -> ClassOut:
    c = await handlers.end_class(
        EndClass(case_id=case_id, class_id=class_id, acting_centre=staff.centre, on=body.on),
        service.uow(staff.actor),
    )
    return ClassOut.of(c)


@router.get("/residents/{case_id}/education", tags=["education"])
async def education_record(
    case_id: uuid.UUID, service: ServiceDep, staff: AtCentre
) -> list[ClassOut]:
    classes = await handlers.education_record(case_id, staff.centre, service.uow(staff.actor))
    return [ClassOut.of(c) for c in classes]


@router.post("/residents/{case_id}/children", status_code=201, tags=["care"])
async def register_child(
    case_id: uuid.UUID, body: ChildIn, service: ServiceDep, staff: AtCentre
) -> ChildOut:
    """A child staying with her; in child care only where the centre has it (422)."""
    child = await handlers.register_child(
        RegisterChild(
            case_id=case_id,
            acting_centre=staff.centre,
            in_childcare=body.in_childcare,
            name=body.name,
            birth_date=body.birth_date,
        ),
        service.uow(staff.actor),
    )
    return ChildOut.of(child).model_copy(update={"name": None, "birth_date": None})


@router.get("/residents/{case_id}/children", tags=["care"])
async def children(
    case_id: uuid.UUID,
    service: ServiceDep,
    staff: AtCentre,
    purpose: Annotated[
        ReadPurpose | None, Query(description="give one to read who they are (audited)")
    ] = None,
) -> list[ChildOut]:
    found = await handlers.children(case_id, staff.centre, purpose, service.uow(staff.actor))
    return [ChildOut.of(c) for c in found]


class LegalAssistanceIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    kind: LegalAssistanceKind
    urgency: Urgency = Urgency.ROUTINE
    idempotency_key: str | None = CodeField(
        "idempotency_key",
        default=None,
        pattern=IDEMPOTENCY_KEY,
        max_length=64,
        description="a retry returns the first",
    )
    note: str | None = PersonalField(None, max_length=5_000)


class LegalAssistanceOut(BaseModel):
    request_id: uuid.UUID
    case_id: uuid.UUID
    centre: CentreCode
    kind: LegalAssistanceKind
    urgency: Urgency
    requested_at: datetime
    requested_by: ActorCode
    note: str | None = PersonalField(None)

    @classmethod
    def of(cls, r: LegalAssistanceRequest) -> LegalAssistanceOut:
        return cls(
            request_id=r.request_id,
            case_id=r.case_id,
            centre=r.centre,
            kind=r.kind,
            urgency=r.urgency,
            requested_at=r.requested_at,
            requested_by=r.requested_by,
            note=r.note,
        )


register_personal(LegalAssistanceIn, LegalAssistanceOut)


@router.post("/residents/{case_id}/legal-assistance", status_code=201, tags=["care"])
async def request_legal_assistance(
    case_id: uuid.UUID,
    body: LegalAssistanceIn,
    service: ServiceDep,
    staff: AtCentre,
    response: Response,
) -> LegalAssistanceOut:
    """Ask legal workers to help her (testify in court, victim compensation, identity
    documents, immigration, other). The note is sealed; legal workers get the kind, urgency
    and centre (``recovery.legal_assistance_requested``). 409 if she is no longer resident;
    201 new, 200 for a retried ``idempotency_key``."""
    request, created = await handlers.request_legal_assistance_for(
        RequestLegalAssistance(
            case_id=case_id,
            acting_centre=staff.centre,
            kind=body.kind,
            urgency=body.urgency,
            idempotency_key=body.idempotency_key,
            note=body.note,
        ),
        service.uow(staff.actor),
    )
    if not created:
        response.status_code = 200
    return LegalAssistanceOut.of(request).model_copy(update={"note": None})


@router.get("/residents/{case_id}/legal-assistance", tags=["care"])
async def legal_assistance_requests(
    case_id: uuid.UUID,
    service: ServiceDep,
    staff: AtCentre,
    purpose: Annotated[
        ReadPurpose | None, Query(description="give one to read the notes (audited)")
    ] = None,
) -> list[LegalAssistanceOut]:
    found = await handlers.legal_assistance_requests(
        case_id, staff.centre, purpose, service.uow(staff.actor)
    )
    return [LegalAssistanceOut.of(r) for r in found]
