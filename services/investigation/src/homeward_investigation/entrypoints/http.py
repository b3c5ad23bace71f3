"""Investigation's HTTP API for investigators and legal workers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from homeward_shared.codes import CodeField
from homeward_shared.contracts.handoffs import (
    EstablishmentKind,
    Indicator,
    LegalAssistanceKind,
    Urgency,
)
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.stages import Stage
from homeward_shared.strict import RequestModel
from homeward_shared.uow import Actor
from homeward_shared.vocabulary import (
    District,
    IdempotencyKey,
    Language,
    Province,
    UserId,
    district_in_province,
)
from pydantic import BaseModel, ConfigDict, Field, model_validator

from homeward_investigation.domain.commands import (
    AcknowledgeAssistanceRequest,
    AcknowledgeReferral,
    AssignAssistanceRequest,
    AssignReferral,
    CloseInvestigation,
    EstablishmentSeen,
    FileReport,
    IssueLegalReferral,
    OpenInvestigation,
    OutcomeSeen,
    PersonSeen,
    RecordMilestone,
    RecordOutcomes,
    RecordRescueOperation,
    RecordVisit,
    SplitLead,
)
from homeward_investigation.domain.model import (
    AccusedVerdict,
    CloseReason,
    EvidenceRef,
    IdentifiedPerson,
    Investigation,
    InvestigationOrigin,
    InvestigativeReport,
    LegalAssistanceRequest,
    LegalMilestone,
    LegalReferral,
    Milestone,
    ReferralSummary,
    RescueOperation,
    RescueOutcome,
    Sex,
    SplitReason,
    Verdict,
)
from homeward_investigation.service import handlers

router = APIRouter(tags=["investigation"])


# Investigators file and refer; legal workers take referrals on; a manager or an admin sees
# aggregates elsewhere, never a report.
Investigator = Annotated[Actor, require_role("investigator")]
LegalWorker = Annotated[Actor, require_role("legal")]
CaseWorker = Annotated[Actor, require_role("investigator", "legal")]


class EstablishmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EstablishmentKind
    province: Province
    district: District

    @model_validator(mode="after")
    def _district_in_province(self) -> EstablishmentIn:
        if not district_in_province(self.district, self.province):
            raise ValueError("the district code does not lie in the province")
        return self

    address: str | None = PersonalField(None, max_length=500)
    operator_names: str | None = PersonalField(None, max_length=1_000)


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lower-case hex")
    location: str = CodeField(
        "evidence-location",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$",
        description="storage location code in the evidence store",
    )


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sex: Sex
    approximate_age: int | None = Field(default=None, ge=0, le=100)
    nationality: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166")
    language: Language | None = None
    indicators: list[Indicator] = Field(default_factory=list, max_length=len(Indicator))
    name: str | None = PersonalField(None, max_length=200)
    description: str | None = PersonalField(None, max_length=2_000)


class ReportIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    establishment: EstablishmentIn | None = Field(
        default=None, description="a new establishment; omitted under an investigation"
    )
    investigation_id: uuid.UUID | None = Field(
        default=None, description="file under this investigation, about its establishment"
    )
    visit_dates: list[date] = Field(min_length=1, max_length=100)
    urgency: Urgency
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=200)
    persons: list[PersonIn] = Field(min_length=1, max_length=500)
    draft_id: uuid.UUID | None = Field(
        default=None, description="your draft of this report: deleted as it is filed"
    )

    def command(self) -> FileReport:
        return FileReport(
            idempotency_key=self.idempotency_key,
            establishment=(
                EstablishmentSeen(**self.establishment.model_dump())
                if self.establishment is not None
                else None
            ),
            investigation_id=self.investigation_id,
            visit_dates=tuple(self.visit_dates),
            urgency=self.urgency,
            evidence=tuple(EvidenceRef(**e.model_dump()) for e in self.evidence),
            persons=tuple(
                PersonSeen(
                    **p.model_dump(exclude={"indicators"}), indicators=frozenset(p.indicators)
                )
                for p in self.persons
            ),
            draft_id=self.draft_id,
        )


class EstablishmentOut(BaseModel):
    establishment_id: uuid.UUID
    kind: EstablishmentKind
    province: str | None = Field(description="ISO 3166-2:KH code; null if set aside")
    district: str | None


class EvidenceOut(BaseModel):
    content_hash: str
    location: str


class PersonOut(BaseModel):
    """What any investigator or legal worker may see of her: no personal field."""

    case_id: uuid.UUID
    case_number: str
    approximate_age: int | None
    sex: Sex
    nationality: str | None
    language: str | None
    indicators: list[Indicator]
    stage: Stage

    @classmethod
    def of(cls, p: IdentifiedPerson) -> PersonOut:
        return cls(
            case_id=p.case_id,
            case_number=p.case_number,
            approximate_age=p.approximate_age,
            sex=p.sex,
            nationality=p.nationality,
            language=p.language,
            indicators=sorted(p.indicators),
            stage=p.stage,
        )


class ReportOut(BaseModel):
    report_id: uuid.UUID
    establishment: EstablishmentOut
    visit_dates: list[date]
    urgency: Urgency
    evidence: list[EvidenceOut]
    persons: list[PersonOut]
    filed_at: datetime
    filed_by: str
    referral_id: uuid.UUID | None
    investigation_id: uuid.UUID | None

    @classmethod
    def of(cls, r: InvestigativeReport) -> ReportOut:
        e = r.establishment
        return cls(
            report_id=r.report_id,
            establishment=EstablishmentOut(
                establishment_id=e.establishment_id,
                kind=e.kind,
                province=e.province,
                district=e.district,
            ),
            visit_dates=list(r.visit_dates),
            urgency=r.urgency,
            evidence=[
                EvidenceOut(content_hash=x.content_hash, location=x.location) for x in r.evidence
            ],
            persons=[PersonOut.of(p) for p in r.persons],
            filed_at=r.filed_at,
            filed_by=r.filed_by,
            referral_id=r.referral_id,
            investigation_id=r.investigation_id,
        )


class ReferralOut(BaseModel):
    referral_id: uuid.UUID
    report_id: uuid.UUID
    establishment_id: uuid.UUID
    urgency: Urgency
    case_ids: list[uuid.UUID]
    referred_at: datetime
    referred_by: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    assigned_to: str | None
    assigned_at: datetime | None
    assigned_by: str | None

    @classmethod
    def of(cls, r: LegalReferral) -> ReferralOut:
        return cls(
            referral_id=r.referral_id,
            report_id=r.report_id,
            establishment_id=r.establishment_id,
            urgency=r.urgency,
            case_ids=list(r.case_ids),
            referred_at=r.referred_at,
            referred_by=r.referred_by,
            acknowledged_at=r.acknowledged_at,
            acknowledged_by=r.acknowledged_by,
            assigned_to=r.assigned_to,
            assigned_at=r.assigned_at,
            assigned_by=r.assigned_by,
        )


class InboxItemOut(ReferralOut):
    """A line of the legal workers' inbox: where (province, district), what kind of place,
    whose cases and what was seen. No personal data."""

    item: Literal["referral"] = "referral"
    establishment_kind: EstablishmentKind
    province: str | None = Field(description="ISO 3166-2:KH code; null if set aside")
    district: str | None
    case_numbers: list[str]
    indicators: list[Indicator]

    @classmethod
    def of_summary(cls, s: ReferralSummary) -> InboxItemOut:
        return cls(
            **ReferralOut.of(s.referral).model_dump(),
            establishment_kind=s.establishment_kind,
            province=s.province,
            district=s.district,
            case_numbers=list(s.case_numbers),
            indicators=sorted(s.indicators),
        )


class AssistanceRequestOut(BaseModel):
    """A resident's request for legal assistance, as the legal workers see it: her case,
    what kind of help, how urgent, which centre asked. No personal data."""

    item: Literal["legal_assistance"] = "legal_assistance"
    request_id: uuid.UUID
    case_id: uuid.UUID
    kind: LegalAssistanceKind
    urgency: Urgency
    centre: str
    requested_at: datetime
    received_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    assigned_to: str | None
    assigned_at: datetime | None
    assigned_by: str | None

    @classmethod
    def of(cls, r: LegalAssistanceRequest) -> AssistanceRequestOut:
        return cls(
            request_id=r.request_id,
            case_id=r.case_id,
            kind=r.kind,
            urgency=r.urgency,
            centre=r.centre,
            requested_at=r.requested_at,
            received_at=r.received_at,
            acknowledged_at=r.acknowledged_at,
            acknowledged_by=r.acknowledged_by,
            assigned_to=r.assigned_to,
            assigned_at=r.assigned_at,
            assigned_by=r.assigned_by,
        )


LegalInboxItem = Annotated[InboxItemOut | AssistanceRequestOut, Field(discriminator="item")]


class AssignIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    assignee: UserId


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    sentence_months: int | None = Field(default=None, ge=0, le=1_200)


class MilestoneIn(RequestModel):
    """A step of the legal track. ``operation_carried_out`` is not posted here: recording
    the rescue operation records it."""

    model_config = ConfigDict(extra="forbid")

    milestone: Literal[
        Milestone.POLICE_ENGAGED,
        Milestone.CHARGES_FILED,
        Milestone.TRIAL_OPENED,
        Milestone.VERDICT,
    ]
    occurred_on: date
    accused_count: int | None = Field(
        default=None, ge=1, le=500, description="charges_filed only: how many are accused"
    )
    verdicts: list[VerdictIn] = Field(
        default_factory=list, max_length=500, description="verdict only: one per accused"
    )

    def command(self, referral_id: uuid.UUID) -> RecordMilestone:
        return RecordMilestone(
            referral_id=referral_id,
            milestone=Milestone(self.milestone),
            occurred_on=self.occurred_on,
            accused_count=self.accused_count,
            verdicts=tuple(AccusedVerdict(**v.model_dump()) for v in self.verdicts),
        )


class MilestoneOut(BaseModel):
    milestone: Milestone
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    accused_count: int | None
    verdicts: list[VerdictIn]

    @classmethod
    def of(cls, m: LegalMilestone) -> MilestoneOut:
        return cls(
            milestone=m.milestone,
            occurred_on=m.occurred_on,
            recorded_at=m.recorded_at,
            recorded_by=m.recorded_by,
            accused_count=m.accused_count,
            verdicts=[VerdictIn(**vars(v)) for v in m.verdicts],
        )


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: uuid.UUID
    outcome: RescueOutcome
    children_with_her: int = Field(default=0, ge=0, le=20)
    medical_urgency: bool = Field(
        default=False, description="she needs medical care at once: recovery places her first"
    )

    def seen(self) -> OutcomeSeen:
        return OutcomeSeen(**self.model_dump())


class OperationIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    carried_out_on: date
    outcomes: list[OutcomeIn] = Field(default_factory=list, max_length=500)


class OutcomesIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    outcomes: list[OutcomeIn] = Field(min_length=1, max_length=500)


class OutcomeOut(BaseModel):
    case_id: uuid.UUID
    outcome: RescueOutcome
    children_with_her: int
    medical_urgency: bool
    recorded_at: datetime
    recorded_by: str


class OperationOut(BaseModel):
    operation_id: uuid.UUID
    referral_id: uuid.UUID
    report_id: uuid.UUID
    establishment_id: uuid.UUID
    carried_out_on: date
    recorded_at: datetime
    recorded_by: str
    outcomes: list[OutcomeOut]

    @classmethod
    def of(cls, o: RescueOperation) -> OperationOut:
        return cls(
            operation_id=o.operation_id,
            referral_id=o.referral_id,
            report_id=o.report_id,
            establishment_id=o.establishment_id,
            carried_out_on=o.carried_out_on,
            recorded_at=o.recorded_at,
            recorded_by=o.recorded_by,
            outcomes=[OutcomeOut(**vars(x)) for x in o.outcomes.values()],
        )


class LegalCaseOut(ReferralOut):
    """A referral as a legal case: its track so far and its operations. No personal data."""

    milestones: list[MilestoneOut]
    operations: list[OperationOut]


class InvestigationIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    establishment: EstablishmentIn
    urgency: Urgency


class VisitIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    visited_on: date
    investigators: list[UserId] = Field(
        min_length=1, max_length=20, description="the investigators' user ids"
    )
    observations: str | None = PersonalField(None, max_length=10_000)


class CloseIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: CloseReason


class SplitIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: SplitReason
    into_investigation_id: uuid.UUID | None = Field(
        default=None, description="join this open investigation; omitted: open a new one"
    )
    establishment: EstablishmentIn | None = Field(
        default=None,
        description="the new investigation's establishment (default: same kind and area)",
    )


class LeadOut(BaseModel):
    lead_id: uuid.UUID
    urgency: Urgency
    persons_reported: int
    indicators: list[Indicator]
    received_at: datetime


class VisitOut(BaseModel):
    """A visit without its observations (sealed; read them through the audited route)."""

    visit_id: uuid.UUID
    visited_on: date
    investigators: list[str]
    recorded_at: datetime
    recorded_by: str


class InvestigationOut(BaseModel):
    investigation_id: uuid.UUID
    establishment: EstablishmentOut
    origin: InvestigationOrigin
    urgency: Urgency
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    close_reason: CloseReason | None
    leads: list[LeadOut]
    visits: list[VisitOut]

    @classmethod
    def of(cls, i: Investigation) -> InvestigationOut:
        e = i.establishment
        return cls(
            investigation_id=i.investigation_id,
            establishment=EstablishmentOut(
                establishment_id=e.establishment_id,
                kind=e.kind,
                province=e.province,
                district=e.district,
            ),
            origin=i.origin,
            urgency=i.urgency,
            opened_at=i.opened_at,
            opened_by=i.opened_by,
            closed_at=i.closed_at,
            closed_by=i.closed_by,
            close_reason=i.close_reason,
            leads=[
                LeadOut(
                    lead_id=x.lead_id,
                    urgency=x.urgency,
                    persons_reported=x.persons_reported,
                    indicators=sorted(x.indicators),
                    received_at=x.received_at,
                )
                for x in i.leads
            ],
            visits=[
                VisitOut(
                    visit_id=v.visit_id,
                    visited_on=v.visited_on,
                    investigators=list(v.investigators),
                    recorded_at=v.recorded_at,
                    recorded_by=v.recorded_by,
                )
                for v in i.visits
            ],
        )


class ObservationsOut(BaseModel):
    observations: str | None = PersonalField(None)


class ParticularsOut(BaseModel):
    address: str | None = PersonalField(None)
    operator_names: str | None = PersonalField(None)


class IdentityOut(BaseModel):
    name: str | None = PersonalField(None)
    description: str | None = PersonalField(None)


register_personal(EstablishmentIn, PersonIn, IdentityOut, VisitIn, ObservationsOut, ParticularsOut)


@router.post("/reports", status_code=201)
async def file_report(
    body: ReportIn, service: ServiceDep, actor: Investigator, response: Response
) -> ReportOut:
    report, created = await handlers.file_report(body.command(), service.uow(actor))
    if not created:
        response.status_code = 200
    return ReportOut.of(report)


@router.get("/reports")
async def recent_reports(
    service: ServiceDep,
    actor: CaseWorker,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ReportOut]:
    """Reports, newest first, without personal fields; ``mine=true``: those you filed."""
    found = await handlers.recent_reports(service.uow(actor), mine=mine, limit=limit)
    return [ReportOut.of(r) for r in found]


@router.get("/reports/{report_id}")
async def get_report(report_id: uuid.UUID, service: ServiceDep, actor: CaseWorker) -> ReportOut:
    return ReportOut.of(await handlers.get_report(report_id, service.uow(actor)))


@router.post("/reports/{report_id}/legal-referral", status_code=201)
async def issue_legal_referral(
    report_id: uuid.UUID, service: ServiceDep, actor: Investigator, response: Response
) -> ReferralOut:
    """201 with the new referral; 200 with the report's existing one if it was referred
    already (nothing is emitted again)."""
    referral, created = await handlers.issue_legal_referral(
        IssueLegalReferral(report_id=report_id), service.uow(actor)
    )
    if not created:
        response.status_code = 200
    return ReferralOut.of(referral)


@router.get("/reports/{report_id}/persons/{case_id}/identity")
async def read_identity(
    report_id: uuid.UUID,
    case_id: uuid.UUID,
    service: ServiceDep,
    actor: CaseWorker,
    purpose: Annotated[ReadPurpose, Query()],
) -> IdentityOut:
    identity = await handlers.read_identity(report_id, case_id, purpose, service.uow(actor))
    return IdentityOut(**vars(identity))


@router.get("/reports/{report_id}/establishment")
async def read_establishment(
    report_id: uuid.UUID,
    service: ServiceDep,
    actor: CaseWorker,
    purpose: Annotated[ReadPurpose, Query()],
) -> ParticularsOut:
    """The establishment's exact address and operators; audited as ``personal_data_read``
    on each of the report's cases."""
    particulars = await handlers.read_establishment(report_id, purpose, service.uow(actor))
    return ParticularsOut(**vars(particulars))


@router.get("/legal/referrals")
async def referral_inbox(
    service: ServiceDep,
    actor: LegalWorker,
    acknowledged: bool | None = None,
    assigned_to: Annotated[UserId | None, Query(description="a legal worker's user id")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[InboxItemOut]:
    items = await handlers.referral_inbox(
        service.uow(actor), acknowledged=acknowledged, limit=limit, assigned_to=assigned_to
    )
    return [InboxItemOut.of_summary(s) for s in items]


@router.post("/legal/referrals/{referral_id}/acknowledge")
async def acknowledge_referral(
    referral_id: uuid.UUID, service: ServiceDep, actor: LegalWorker
) -> ReferralOut:
    """Idempotent: the first acknowledgement (who and when) stands."""
    referral = await handlers.acknowledge_referral(
        AcknowledgeReferral(referral_id=referral_id), service.uow(actor)
    )
    return ReferralOut.of(referral)


@router.post("/legal/referrals/{referral_id}/assign")
async def assign_referral(
    referral_id: uuid.UUID, body: AssignIn, service: ServiceDep, actor: LegalWorker
) -> ReferralOut:
    """Hand the referral to a colleague; an unacknowledged referral is acknowledged by the
    one who assigns it. Assigning it to its holder again changes nothing."""
    referral = await handlers.assign_referral(
        AssignReferral(referral_id=referral_id, assignee=body.assignee), service.uow(actor)
    )
    return ReferralOut.of(referral)


@router.get("/legal/referrals/{referral_id}")
async def get_legal_case(
    referral_id: uuid.UUID, service: ServiceDep, actor: LegalWorker
) -> LegalCaseOut:
    referral, operations = await handlers.get_legal_case(referral_id, service.uow(actor))
    return _legal_case(referral, operations)


def _legal_case(referral: LegalReferral, operations: list[RescueOperation]) -> LegalCaseOut:
    return LegalCaseOut(
        **ReferralOut.of(referral).model_dump(),
        milestones=[
            MilestoneOut.of(referral.milestones[m]) for m in Milestone if m in referral.milestones
        ],
        operations=[OperationOut.of(o) for o in operations],
    )


@router.post(
    "/legal/referrals/{referral_id}/milestones",
    status_code=201,
    responses={409: {"description": "out of order, or recorded already with other facts"}},
)
async def record_milestone(
    referral_id: uuid.UUID,
    body: MilestoneIn,
    service: ServiceDep,
    actor: LegalWorker,
    response: Response,
) -> LegalCaseOut:
    """Record a step of the legal track, in order (police engaged, operation carried out,
    charges filed, trial opened, verdict), once. 201 new; 200 if the same step with the same
    facts was recorded already; 409 out of order or with other facts."""
    referral, created = await handlers.record_milestone(
        body.command(referral_id), service.uow(actor)
    )
    if not created:
        response.status_code = 200
    return _legal_case(referral, [])


@router.post(
    "/legal/referrals/{referral_id}/operations",
    status_code=201,
    responses={
        404: {"description": "no such referral"},
        409: {"description": "police not engaged yet, or a person rescued already"},
    },
)
async def record_rescue_operation(
    referral_id: uuid.UUID,
    body: OperationIn,
    service: ServiceDep,
    actor: CaseWorker,
    response: Response,
) -> OperationOut:
    """Record an operation on the referral's establishment with the outcomes known so far.
    Each rescued person enters ``rescued`` and is handed to recovery
    (``investigation.person_rescued``); each not found enters ``not_found`` and her case
    stays open. 201 new; 200 with the first operation for a retried ``idempotency_key``."""
    operation, created = await handlers.record_rescue_operation(
        RecordRescueOperation(
            referral_id=referral_id,
            idempotency_key=body.idempotency_key,
            carried_out_on=body.carried_out_on,
            outcomes=tuple(o.seen() for o in body.outcomes),
        ),
        service.uow(actor),
    )
    if not created:
        response.status_code = 200
    return OperationOut.of(operation)


@router.post(
    "/legal/operations/{operation_id}/outcomes",
    responses={409: {"description": "another outcome recorded already for a person"}},
)
async def record_outcomes(
    operation_id: uuid.UUID, body: OutcomesIn, service: ServiceDep, actor: CaseWorker
) -> OperationOut:
    """Outcomes known after the operation was recorded. Each person's outcome is recorded
    once: the same one again changes nothing; another one is refused (409), and then nothing
    of the submission is recorded."""
    operation = await handlers.record_outcomes(
        RecordOutcomes(operation_id=operation_id, outcomes=tuple(o.seen() for o in body.outcomes)),
        service.uow(actor),
    )
    return OperationOut.of(operation)


@router.get("/legal/operations/{operation_id}")
async def get_operation(
    operation_id: uuid.UUID, service: ServiceDep, actor: CaseWorker
) -> OperationOut:
    return OperationOut.of(await handlers.get_operation(operation_id, service.uow(actor)))


@router.post("/investigations", status_code=201)
async def open_investigation(
    body: InvestigationIn, service: ServiceDep, actor: Investigator, response: Response
) -> InvestigationOut:
    """The team opens an investigation on a place it found itself (leads from intake open
    theirs on their own). 201 new; 200 with the first for a retried ``idempotency_key``."""
    investigation, created = await handlers.open_investigation(
        OpenInvestigation(
            idempotency_key=body.idempotency_key,
            establishment=EstablishmentSeen(**body.establishment.model_dump()),
            urgency=body.urgency,
        ),
        service.uow(actor),
    )
    if not created:
        response.status_code = 200
    return InvestigationOut.of(investigation)


@router.get("/investigations")
async def open_investigations(
    service: ServiceDep,
    actor: Investigator,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[InvestigationOut]:
    """Open investigations, most urgent first, then newest."""
    found = await handlers.open_investigations(service.uow(actor), limit=limit)
    return [InvestigationOut.of(i) for i in found]


@router.get("/investigations/{investigation_id}")
async def get_investigation(
    investigation_id: uuid.UUID, service: ServiceDep, actor: Investigator
) -> InvestigationOut:
    return InvestigationOut.of(
        await handlers.get_investigation(investigation_id, service.uow(actor))
    )


@router.post("/investigations/{investigation_id}/visits", status_code=201)
async def record_visit(
    investigation_id: uuid.UUID,
    body: VisitIn,
    service: ServiceDep,
    actor: Investigator,
    response: Response,
) -> InvestigationOut:
    """An undercover visit; its observations are sealed. 422 for a visit in the future;
    201 new; 200 for a retried ``idempotency_key``."""
    investigation, _, created = await handlers.record_visit(
        RecordVisit(
            investigation_id=investigation_id,
            idempotency_key=body.idempotency_key,
            visited_on=body.visited_on,
            investigators=tuple(body.investigators),
            observations=body.observations,
        ),
        service.uow(actor),
    )
    if not created:
        response.status_code = 200
    return InvestigationOut.of(investigation)


@router.get("/investigations/{investigation_id}/visits/{visit_id}/observations")
async def read_observations(
    investigation_id: uuid.UUID,
    visit_id: uuid.UUID,
    service: ServiceDep,
    actor: Investigator,
    purpose: Annotated[ReadPurpose, Query()],
) -> ObservationsOut:
    """Open a visit's observations; audited as ``personal_data_read``."""
    observations = await handlers.read_observations(
        investigation_id, visit_id, purpose, service.uow(actor)
    )
    return ObservationsOut(observations=observations)


@router.post(
    "/investigations/{investigation_id}/close",
    responses={409: {"description": "closed already, or an operation is in progress"}},
)
async def close_investigation(
    investigation_id: uuid.UUID, body: CloseIn, service: ServiceDep, actor: Investigator
) -> InvestigationOut:
    """Close an investigation with a reason code. 409 while one of its referrals has an
    operation in progress (police engaged and no operation yet, or outcomes still to come),
    or if it was closed already. A closed investigation takes no new visit or report (409
    with the reason); its referrals' legal track goes on."""
    investigation = await handlers.close_investigation(
        CloseInvestigation(investigation_id=investigation_id, reason=body.reason),
        service.uow(actor),
    )
    return InvestigationOut.of(investigation)


@router.post(
    "/investigations/{investigation_id}/leads/{lead_id}/split",
    status_code=201,
    responses={
        404: {"description": "no such lead on this investigation"},
        409: {"description": "the target is closed, or it is the only lead"},
    },
)
async def split_lead(
    investigation_id: uuid.UUID,
    lead_id: uuid.UUID,
    body: SplitIn,
    service: ServiceDep,
    actor: Investigator,
    response: Response,
) -> InvestigationOut:
    """A lead linked to the wrong investigation (two places of one kind in one district) is
    split off: it joins ``into_investigation_id``, or opens an investigation of its own.
    Answers with the investigation it is linked to now: 201 moved; 200 for a retry (it was
    moved already). Audited on both investigations."""
    investigation, moved = await handlers.split_lead(
        SplitLead(
            investigation_id=investigation_id,
            lead_id=lead_id,
            reason=body.reason,
            into_investigation_id=body.into_investigation_id,
            establishment=(
                EstablishmentSeen(**body.establishment.model_dump())
                if body.establishment is not None
                else None
            ),
        ),
        service.uow(actor),
    )
    if not moved:
        response.status_code = 200
    return InvestigationOut.of(investigation)


@router.get("/legal/inbox")
async def legal_inbox(
    service: ServiceDep,
    actor: LegalWorker,
    acknowledged: bool | None = None,
    assigned_to: Annotated[UserId | None, Query(description="a legal worker's user id")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[LegalInboxItem]:
    """Everything waiting for legal workers: referrals (``item: referral``) and residents'
    requests for legal assistance (``item: legal_assistance``), most urgent first, then
    newest. No personal data."""
    items = await handlers.legal_inbox(
        service.uow(actor), acknowledged=acknowledged, limit=limit, assigned_to=assigned_to
    )
    return [
        AssistanceRequestOut.of(i)
        if isinstance(i, LegalAssistanceRequest)
        else InboxItemOut.of_summary(i)
        for i in items
    ]


@router.get("/legal/assistance-requests/{request_id}")
async def get_assistance_request(
    request_id: uuid.UUID, service: ServiceDep, actor: LegalWorker
) -> AssistanceRequestOut:
    return AssistanceRequestOut.of(
        await handlers.get_assistance_request(request_id, service.uow(actor))
    )


@router.post("/legal/assistance-requests/{request_id}/acknowledge")
async def acknowledge_assistance_request(
    request_id: uuid.UUID, service: ServiceDep, actor: LegalWorker
) -> AssistanceRequestOut:
    """Idempotent: the first acknowledgement (who and when) stands."""
    request = await handlers.acknowledge_assistance_request(
        AcknowledgeAssistanceRequest(request_id=request_id), service.uow(actor)
    )
    return AssistanceRequestOut.of(request)


@router.post("/legal/assistance-requests/{request_id}/assign")
async def assign_assistance_request(
    request_id: uuid.UUID, body: AssignIn, service: ServiceDep, actor: LegalWorker
) -> AssistanceRequestOut:
    """Hand the request to a colleague; acknowledges it if nobody had. The same assignee
    again changes nothing."""
    request = await handlers.assign_assistance_request(
        AssignAssistanceRequest(request_id=request_id, assignee=body.assignee),
        service.uow(actor),
    )
    return AssistanceRequestOut.of(request)
