"""Recovery's handlers: one transaction each, ``(cmd, uow)``.

Lock order, everywhere, so that two commands on one case never deadlock: the admission
request, then the resident, then the centre.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, timedelta
from typing import Protocol

from homeward_shared.contracts.handoffs import Skill
from homeward_shared.domain import Conflict, DomainError, NotFound, utcnow
from homeward_shared.personal import ReadPurpose
from homeward_shared.uow import AbstractUnitOfWork

from homeward_recovery.domain.care import Assessment, CareGoal, Child
from homeward_recovery.domain.commands import (
    AdmitResident,
    CertifyTrainee,
    CompleteTraining,
    ConfigureCentre,
    EndClass,
    Enrol,
    HandToReintegration,
    OpenAdmissionRequest,
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
from homeward_recovery.domain.education import EducationClass, MonthAttended
from homeward_recovery.domain.legal import LegalAssistanceRequest, request_legal_assistance
from homeward_recovery.domain.model import (
    AdmissionRequest,
    Centre,
    Consent,
    Identity,
    RequestStatus,
    Resident,
    ResidentStatus,
    out_of_scope,
)
from homeward_recovery.domain.training import (
    Enrolment,
    EnrolmentStatus,
    Internship,
    StudyTour,
)

# Error reasons name the rule, never what the caller sent (a centre code she typed, an id).
NOT_WAITING = "no admission request waits for this case"
NO_SUCH_CENTRE = "no such centre"


class Centres(Protocol):
    async def all(self) -> list[Centre]: ...
    async def get(self, code: str, *, for_update: bool = False) -> Centre | None: ...
    async def upsert(self, centre: Centre) -> None: ...
    async def occupancy(self) -> dict[str, int]: ...
    async def with_occupancy(self) -> tuple[list[Centre], dict[str, int]]: ...
    async def names(self) -> dict[str, str | None]: ...


class Requests(Protocol):
    async def add(self, req: AdmissionRequest) -> bool: ...
    async def get(
        self, case_id: uuid.UUID, *, for_update: bool = False
    ) -> AdmissionRequest | None: ...
    async def waiting(self) -> list[AdmissionRequest]: ...
    async def save(self, req: AdmissionRequest) -> None: ...


class Residents(Protocol):
    async def add(self, res: Resident) -> None: ...
    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> Resident | None: ...
    async def save(self, res: Resident) -> None: ...
    async def save_readmission(self, res: Resident, identity: Identity) -> None: ...
    async def open_identity(self, res: Resident) -> Identity: ...


class Care(Protocol):
    async def add_assessment(self, a: Assessment) -> None: ...
    async def assessments(self, case_id: uuid.UUID, *, with_findings: bool) -> list[Assessment]: ...
    async def add_goal(self, g: CareGoal, set_by: str) -> None: ...
    async def goal(self, case_id: uuid.UUID, goal_id: uuid.UUID) -> CareGoal | None: ...
    async def goals(self, case_id: uuid.UUID) -> list[CareGoal]: ...
    async def save_goal(self, g: CareGoal) -> None: ...
    async def reviews_due(self, centre: str, by: date) -> list[CareGoal]: ...
    async def add_child(self, child: Child) -> None: ...
    async def children(self, case_id: uuid.UUID, *, with_identity: bool) -> list[Child]: ...


class Training(Protocol):
    async def add(self, e: Enrolment) -> None: ...
    async def get(self, case_id: uuid.UUID, enrolment_id: uuid.UUID) -> Enrolment | None: ...
    async def of_case(self, case_id: uuid.UUID) -> list[Enrolment]: ...
    async def save(self, e: Enrolment) -> None: ...
    async def add_internship(self, i: Internship, business: str) -> None: ...
    async def internships(self, case_id: uuid.UUID) -> list[Internship]: ...
    async def add_study_tour(self, t: StudyTour) -> None: ...
    async def study_tours(self, case_id: uuid.UUID) -> list[StudyTour]: ...


class Education(Protocol):
    async def add(self, c: EducationClass) -> None: ...
    async def of_case(self, case_id: uuid.UUID) -> list[EducationClass]: ...
    async def save(self, c: EducationClass, month: MonthAttended | None) -> None: ...


class LegalAssistance(Protocol):
    async def add(self, r: LegalAssistanceRequest, idempotency_key: str | None) -> None: ...
    async def by_idempotency_key(
        self, case_id: uuid.UUID, key: str
    ) -> LegalAssistanceRequest | None: ...
    async def of_case(
        self, case_id: uuid.UUID, *, with_notes: bool
    ) -> list[LegalAssistanceRequest]: ...


class RecoveryUoW(AbstractUnitOfWork):
    centres: Centres
    requests: Requests
    residents: Residents
    care: Care
    training: Training
    education: Education
    legal: LegalAssistance


async def _open_admission_request(cmd: OpenAdmissionRequest, uow: RecoveryUoW) -> None:
    async with uow:
        if not await uow.claim(cmd.received):
            return
        request = AdmissionRequest(
            case_id=cmd.case_id,
            case_number=cmd.case_number,
            correlation_id=cmd.correlation_id,
            origin=cmd.origin,
            source=cmd.source,
            urgency=cmd.urgency,
            apparent_minor=cmd.apparent_minor,
            children_with_her=cmd.children_with_her,
            language=cmd.language,
            operation_id=cmd.operation_id,
            received_at=utcnow(),
        )
        request.propose(*await uow.centres.with_occupancy())
        if await uow.requests.add(request):
            uow.audit(
                "admission_request_opened",
                cmd.case_id,
                origin=cmd.origin.value,
                proposed=request.proposed_centre,
                waiting_reason=request.waiting_reason,
            )
        elif await _reopen_if_she_left(cmd, uow):
            uow.audit("admission_request_reopened", cmd.case_id, origin=cmd.origin.value)
        else:
            uow.audit("admission_request_duplicate_ignored", cmd.case_id, origin=cmd.origin.value)
        await uow.commit()


async def _reopen_if_she_left(cmd: OpenAdmissionRequest, uow: RecoveryUoW) -> bool:
    """A second hand-off of a case is a duplicate, unless she left us since: then she waits
    again."""
    existing = await uow.requests.get(cmd.case_id, for_update=True)
    resident = await uow.residents.get(cmd.case_id, for_update=True)
    if existing is None or resident is None or resident.status is not ResidentStatus.LEFT_CENTRE:
        return False
    if existing.status is RequestStatus.WAITING:
        return False
    existing.reopen_for_return(
        origin=cmd.origin,
        source=cmd.source,
        urgency=cmd.urgency,
        apparent_minor=cmd.apparent_minor,
        children_with_her=cmd.children_with_her,
        language=cmd.language,
        operation_id=cmd.operation_id,
        at=utcnow(),
    )
    existing.propose(*await uow.centres.with_occupancy())
    await uow.requests.save(existing)
    return True


async def when_placement_requested_open_admission_request(
    cmd: OpenAdmissionRequest, uow: RecoveryUoW
) -> None:
    """A survivor handed on by intake waits in the admission queue with a proposed centre.
    A redelivered hand-off (same event) or a second one for the same case changes nothing."""
    await _open_admission_request(cmd, uow)


async def when_person_rescued_open_admission_request(
    cmd: OpenAdmissionRequest, uow: RecoveryUoW
) -> None:
    """A person rescued in an operation waits in the admission queue, as a placement does."""
    await _open_admission_request(cmd, uow)


async def admit_resident(cmd: AdmitResident, uow: RecoveryUoW) -> Resident:
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        before = await uow.residents.get(cmd.case_id, for_update=True)
        if request is None or (
            request.status is not RequestStatus.WAITING
            and (before is None or before.centre != cmd.centre)
        ):
            # Every centre sees the waiting queue, and nothing else of another centre: a case
            # that is not waiting and not hers answers as an unknown one does, so that staff
            # of one centre cannot learn that she lives (or lived) at another.
            raise NotFound(NOT_WAITING)
        centre = await uow.centres.get(cmd.centre, for_update=True)
        if centre is None:
            raise NotFound(NO_SUCH_CENTRE)
        occupancy = (await uow.centres.occupancy()).get(centre.code, 0)
        consent = Consent(
            informed=cmd.informed_consent,
            house_rules_accepted=cmd.house_rules_accepted,
            given_on=cmd.consent_given_on,
        )
        if before is not None:
            before.readmit(request, centre, occupancy, consent, str(uow.scope.actor))
            resident = before
            await uow.residents.save_readmission(resident, cmd.identity)
        else:
            resident = Resident.admit(
                request, centre, occupancy, consent, cmd.identity, str(uow.scope.actor)
            )
            await uow.residents.add(resident)
        await uow.requests.save(request)
        uow.track(resident)
        await uow.commit()
    return resident


async def _resident_in_scope(
    uow: RecoveryUoW, case_id: uuid.UUID, centre: str, *, for_update: bool = False
) -> Resident:
    resident = await uow.residents.get(case_id, for_update=for_update)
    if resident is None:
        raise out_of_scope(case_id, centre)
    resident.check_scope(centre)
    return resident


async def request_transfer(cmd: RequestTransfer, uow: RecoveryUoW) -> AdmissionRequest:
    """Her centre asks another to take her; she keeps her place until she is received, so a
    full target centre leaves her where she is, waiting visibly."""
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.require_resident()
        assert request is not None, "every resident was admitted from a request"
        if cmd.to_centre == resident.centre:
            raise Conflict("she is already at that centre")
        if await uow.centres.get(cmd.to_centre) is None:
            raise NotFound(NO_SUCH_CENTRE)
        request.reopen_for_transfer(resident.centre, cmd.to_centre, cmd.urgency, utcnow())
        request.propose(*await uow.centres.with_occupancy())
        await uow.requests.save(request)
        uow.audit(
            "transfer_requested",
            cmd.case_id,
            from_centre=resident.centre,
            to_centre=cmd.to_centre,
            waiting_reason=request.waiting_reason,
        )
        await uow.commit()
    return request


async def receive_transfer(cmd: ReceiveTransfer, uow: RecoveryUoW) -> Resident:
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        if request is None or request.requested_centre != cmd.acting_centre:
            raise NotFound("no transfer of this case to this centre waits")
        resident = await uow.residents.get(cmd.case_id, for_update=True)
        if resident is None:
            raise NotFound("no transfer of this case to this centre waits")
        centre = await uow.centres.get(cmd.acting_centre, for_update=True)
        assert centre is not None, "requested_centre references recovery.centres"
        occupancy = (await uow.centres.occupancy()).get(centre.code, 0)
        from_centre = resident.centre
        resident.receive_transfer(request, centre, occupancy, cmd.consent_given)
        await uow.requests.save(request)
        await uow.residents.save(resident)
        uow.audit("transfer_received", cmd.case_id, from_centre=from_centre, to_centre=centre.code)
        uow.track(resident)
        await uow.commit()
    return resident


async def record_departure(cmd: RecordDeparture, uow: RecoveryUoW) -> Resident:
    """She left of her own will: stage ``left_centre`` with the reason code, her place freed
    (occupancy counts residents only) and any transfer she was waiting for withdrawn."""
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.leave(cmd.reason, cmd.left_on)
        await _withdraw_pending(request, uow)
        await _end_open_training(uow, resident, cmd.left_on)
        await uow.residents.save(resident)
        uow.track(resident)
        await uow.commit()
    return resident


async def hand_to_reintegration(cmd: HandToReintegration, uow: RecoveryUoW) -> Resident:
    async with uow:
        request = await uow.requests.get(cmd.case_id, for_update=True)
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        # What reintegration needs to know she can do: every trade she completed here, then
        # whatever else staff name.
        completed = [
            Skill(e.trade.value)
            for e in await uow.training.of_case(cmd.case_id)
            if e.status is EnrolmentStatus.COMPLETED
        ]
        skills = tuple(dict.fromkeys([*completed, *cmd.skills]))
        resident.hand_to_reintegration(skills, cmd.wishes_to_return_home)
        await _withdraw_pending(request, uow)
        await _end_open_training(uow, resident, _today_somewhere())
        await uow.residents.save(resident)
        uow.track(resident)
        await uow.commit()
    return resident


async def _withdraw_pending(request: AdmissionRequest | None, uow: RecoveryUoW) -> None:
    if request is not None and request.status is RequestStatus.WAITING:
        request.withdraw()
        await uow.requests.save(request)
        uow.audit("transfer_withdrawn", request.case_id)


async def _end_open_training(uow: RecoveryUoW, resident: Resident, on: date) -> None:
    """Her stay is over: a programme still in progress ends as withdrawn and a class as
    ended, so that open enrolments and classes are always residents' ones."""
    # An enrolment has no pathway of its own: its withdrawal belongs to hers.
    uow.scope.correlation_id = uow.scope.correlation_id or resident.correlation_id
    for e in await uow.training.of_case(resident.case_id):
        if e.status is EnrolmentStatus.ENROLLED:
            e.withdraw(max(on, e.started_on))
            await uow.training.save(e)
            uow.track(e)
    for c in await uow.education.of_case(resident.case_id):
        if c.ended_on is None:
            c.end(max(on, c.started_on))
            await uow.education.save(c, None)
            uow.audit("class_ended", resident.case_id, class_id=str(c.class_id))


async def waiting_requests(uow: RecoveryUoW, centre: str | None = None) -> list[AdmissionRequest]:
    """The visible queue, proposals computed against the places free now: a place freed a
    minute ago shows at once. ``centre`` keeps the requests proposed or sent to it, and those
    no centre can take now: they need everyone's eyes."""
    async with uow:
        waiting = await uow.requests.waiting()
        centres, occupancy = await uow.centres.with_occupancy()
    for r in waiting:
        r.propose(centres, occupancy)
    if centre is not None:
        waiting = [
            r
            for r in waiting
            if centre in (r.proposed_centre, r.requested_centre)
            or (r.proposed_centre is None and r.requested_centre is None)
        ]
    return waiting


async def get_resident(case_id: uuid.UUID, centre: str, uow: RecoveryUoW) -> Resident:
    async with uow:
        return await _resident_in_scope(uow, case_id, centre)


async def read_identity(
    case_id: uuid.UUID, centre: str, purpose: ReadPurpose, uow: RecoveryUoW
) -> Identity:
    async with uow:
        resident = await _resident_in_scope(uow, case_id, centre)
        identity = await uow.residents.open_identity(resident)
        uow.audit("personal_data_read", case_id, purpose=purpose.value, record="resident")
        await uow.commit()
    return identity


async def list_centres(uow: RecoveryUoW) -> list[tuple[Centre, int]]:
    async with uow:
        centres, occupancy = await uow.centres.with_occupancy()
        names = await uow.centres.names()
    return [
        (dataclasses.replace(c, name=names.get(c.code)), occupancy.get(c.code, 0)) for c in centres
    ]


async def configure_centre(cmd: ConfigureCentre, uow: RecoveryUoW) -> Centre:
    """Centres are the organisation's configuration. Lowering a capacity below the residents
    present moves nobody: it only stops new admissions until places free."""
    centre = Centre(
        code=cmd.code,
        name=cmd.name,
        province=cmd.province,
        capacity=cmd.capacity,
        childcare=cmd.childcare,
        for_youngest=cmd.for_youngest,
        languages=cmd.languages,
    )
    async with uow:
        await uow.centres.upsert(centre)
        uow.audit("centre_configured", None, centre=cmd.code, capacity=cmd.capacity)
        await uow.commit()
    return centre


# The server keeps UTC; staff date their records in local time, up to 14 hours ahead of it
# (Phnom Penh is 7). A date is in the future only if it is so everywhere on earth.
_LATEST_TIMEZONE = timedelta(hours=14)


def _today_somewhere() -> date:
    return (utcnow() + _LATEST_TIMEZONE).date()


def _not_in_future(d: date, what: str) -> None:
    if d > _today_somewhere():
        raise DomainError(f"{what} cannot be in the future")


async def record_assessment(cmd: RecordAssessment, uow: RecoveryUoW) -> Assessment:
    async with uow:
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.require_resident()
        _not_in_future(cmd.assessed_on, "an assessment")
        assessment = Assessment(
            assessment_id=uuid.uuid4(),
            case_id=cmd.case_id,
            centre=resident.centre,
            kind=cmd.kind,
            assessed_on=cmd.assessed_on,
            assessor_role=cmd.assessor_role,
            recorded_by=str(uow.scope.actor),
            findings=cmd.findings,
        )
        await uow.care.add_assessment(assessment)
        uow.audit(
            "assessment_recorded",
            cmd.case_id,
            assessment_id=str(assessment.assessment_id),
            kind=cmd.kind.value,
        )
        await uow.commit()
    return assessment


async def assessments(
    case_id: uuid.UUID, centre: str, purpose: ReadPurpose | None, uow: RecoveryUoW
) -> list[Assessment]:
    """Kinds, dates and who, for any of her centre's staff; the findings only with a purpose,
    and that read is in the audit trail."""
    async with uow:
        await _resident_in_scope(uow, case_id, centre)
        found = await uow.care.assessments(case_id, with_findings=purpose is not None)
        if purpose is not None:
            uow.audit("personal_data_read", case_id, purpose=purpose.value, record="assessments")
            await uow.commit()
    return found


async def set_care_goal(cmd: SetCareGoal, uow: RecoveryUoW) -> CareGoal:
    async with uow:
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.require_resident()
        goal = CareGoal.set(cmd.case_id, cmd.area, cmd.goal, _today_somewhere(), cmd.review_on)
        await uow.care.add_goal(goal, str(uow.scope.actor))
        uow.audit("care_goal_set", cmd.case_id, goal_id=str(goal.goal_id), area=cmd.area.value)
        await uow.commit()
    return goal


async def review_care_goal(cmd: ReviewCareGoal, uow: RecoveryUoW) -> CareGoal:
    async with uow:
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.require_resident()
        goal = await uow.care.goal(cmd.case_id, cmd.goal_id)
        if goal is None:
            raise NotFound("the care plan of this case has no such goal")
        _not_in_future(cmd.reviewed_on, "a review")
        goal.review(cmd.reviewed_on, cmd.outcome, cmd.next_review_on)
        await uow.care.save_goal(goal)
        uow.audit(
            "care_goal_reviewed", cmd.case_id, goal_id=str(goal.goal_id), outcome=cmd.outcome.value
        )
        await uow.commit()
    return goal


async def care_plan(
    case_id: uuid.UUID, centre: str, purpose: ReadPurpose, uow: RecoveryUoW
) -> list[CareGoal]:
    async with uow:
        await _resident_in_scope(uow, case_id, centre)
        goals = await uow.care.goals(case_id)
        uow.audit("personal_data_read", case_id, purpose=purpose.value, record="care_plan")
        await uow.commit()
    return goals


async def reviews_due(centre: str, by: date, uow: RecoveryUoW) -> list[CareGoal]:
    async with uow:
        return await uow.care.reviews_due(centre, by)


async def _enrolment_in_scope(
    uow: RecoveryUoW, case_id: uuid.UUID, enrolment_id: uuid.UUID, centre: str
) -> tuple[Resident, Enrolment]:
    resident = await _resident_in_scope(uow, case_id, centre, for_update=True)
    enrolment = await uow.training.get(case_id, enrolment_id)
    if enrolment is None:
        raise NotFound("this case has no such enrolment")
    return resident, enrolment


async def enrol(cmd: Enrol, uow: RecoveryUoW) -> Enrolment:
    async with uow:
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.require_resident()
        open_trades = {
            e.trade
            for e in await uow.training.of_case(cmd.case_id)
            if e.status is EnrolmentStatus.ENROLLED
        }
        enrolment = Enrolment.start(
            case_id=cmd.case_id,
            centre=resident.centre,
            trade=cmd.trade,
            started_on=cmd.started_on,
            planned_end_on=cmd.planned_end_on,
            open_trades=open_trades,
        )
        await uow.training.add(enrolment)
        uow.scope.correlation_id = resident.correlation_id
        uow.track(enrolment)
        await uow.commit()
    return enrolment


async def complete_training(cmd: CompleteTraining, uow: RecoveryUoW) -> Enrolment:
    async with uow:
        resident, enrolment = await _enrolment_in_scope(
            uow, cmd.case_id, cmd.enrolment_id, cmd.acting_centre
        )
        resident.require_resident()
        _not_in_future(cmd.completed_on, "a completion")
        enrolment.complete(cmd.completed_on)
        await uow.training.save(enrolment)
        uow.scope.correlation_id = resident.correlation_id
        uow.track(enrolment)
        await uow.commit()
    return enrolment


async def certify_trainee(cmd: CertifyTrainee, uow: RecoveryUoW) -> Enrolment:
    """A government certificate can arrive after she has moved on: recorded whatever her
    status, by the centre where she trained."""
    async with uow:
        resident, enrolment = await _enrolment_in_scope(
            uow, cmd.case_id, cmd.enrolment_id, cmd.acting_centre
        )
        _not_in_future(cmd.certified_on, "a certification")
        enrolment.certify(cmd.certified_on, cmd.certifying_body)
        await uow.training.save(enrolment)
        uow.scope.correlation_id = resident.correlation_id
        uow.track(enrolment)
        await uow.commit()
    return enrolment


async def withdraw_training(cmd: WithdrawTraining, uow: RecoveryUoW) -> Enrolment:
    async with uow:
        resident, enrolment = await _enrolment_in_scope(
            uow, cmd.case_id, cmd.enrolment_id, cmd.acting_centre
        )
        enrolment.withdraw(cmd.on)
        await uow.training.save(enrolment)
        uow.scope.correlation_id = resident.correlation_id
        uow.track(enrolment)
        await uow.commit()
    return enrolment


async def record_internship(cmd: RecordInternship, uow: RecoveryUoW) -> Internship:
    async with uow:
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        internship = resident.start_internship(cmd.trade, cmd.started_on, cmd.ends_on)
        await uow.training.add_internship(internship, cmd.business)
        uow.track(resident)
        await uow.commit()
    return internship


async def record_study_tour(cmd: RecordStudyTour, uow: RecoveryUoW) -> StudyTour:
    async with uow:
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        _not_in_future(cmd.toured_on, "a study tour")
        tour = resident.make_study_tour(cmd.toured_on, cmd.trades)
        await uow.training.add_study_tour(tour)
        uow.track(resident)
        await uow.commit()
    return tour


async def training_record(
    case_id: uuid.UUID, centre: str, uow: RecoveryUoW
) -> tuple[list[Enrolment], list[Internship], list[StudyTour]]:
    async with uow:
        await _resident_in_scope(uow, case_id, centre)
        return (
            await uow.training.of_case(case_id),
            await uow.training.internships(case_id),
            await uow.training.study_tours(case_id),
        )


async def start_class(cmd: StartClass, uow: RecoveryUoW) -> EducationClass:
    async with uow:
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.require_resident()
        open_subjects = {
            c.subject for c in await uow.education.of_case(cmd.case_id) if c.ended_on is None
        }
        cls = EducationClass.start(
            case_id=cmd.case_id,
            centre=resident.centre,
            subject=cmd.subject,
            level=cmd.level,
            started_on=cmd.started_on,
            open_subjects=open_subjects,
        )
        await uow.education.add(cls)
        uow.audit("class_started", cmd.case_id, subject=cmd.subject.value, level=cmd.level.value)
        await uow.commit()
    return cls


async def _class_in_scope(
    uow: RecoveryUoW, case_id: uuid.UUID, class_id: uuid.UUID, centre: str
) -> EducationClass:
    await _resident_in_scope(uow, case_id, centre, for_update=True)
    found = [c for c in await uow.education.of_case(case_id) if c.class_id == class_id]
    if not found:
        raise NotFound("this case has no such class")
    return found[0]


async def record_attendance(cmd: RecordAttendance, uow: RecoveryUoW) -> EducationClass:
    async with uow:
        cls = await _class_in_scope(uow, cmd.case_id, cmd.class_id, cmd.acting_centre)
        _not_in_future(cmd.month, "attendance")
        month = cls.record_month(cmd.month, cmd.attended, cmd.held, cmd.level)
        await uow.education.save(cls, month)
        uow.audit(
            "attendance_recorded",
            cmd.case_id,
            class_id=str(cmd.class_id),
            month=cmd.month.isoformat(),
            attended=cmd.attended,
            held=cmd.held,
            level=cmd.level.value,
        )
        await uow.commit()
    return cls


async def end_class(cmd: EndClass, uow: RecoveryUoW) -> EducationClass:
    async with uow:
        cls = await _class_in_scope(uow, cmd.case_id, cmd.class_id, cmd.acting_centre)
        cls.end(cmd.on)
        await uow.education.save(cls, None)
        uow.audit("class_ended", cmd.case_id, class_id=str(cmd.class_id))
        await uow.commit()
    return cls


async def education_record(
    case_id: uuid.UUID, centre: str, uow: RecoveryUoW
) -> list[EducationClass]:
    async with uow:
        await _resident_in_scope(uow, case_id, centre)
        return await uow.education.of_case(case_id)


async def register_child(cmd: RegisterChild, uow: RecoveryUoW) -> Child:
    """A child staying with her; child care only where the centre has it."""
    async with uow:
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        resident.require_resident()
        centre = await uow.centres.get(resident.centre)
        assert centre is not None, "residents.centre references recovery.centres"
        if cmd.in_childcare and not centre.childcare:
            raise DomainError(f"centre {centre.code} has no child care")
        child = Child(
            child_id=uuid.uuid4(),
            case_id=cmd.case_id,
            centre=resident.centre,
            registered_on=_today_somewhere(),
            in_childcare=cmd.in_childcare,
            name=cmd.name,
            birth_date=cmd.birth_date,
        )
        await uow.care.add_child(child)
        uow.audit(
            "child_registered",
            cmd.case_id,
            child_id=str(child.child_id),
            in_childcare=cmd.in_childcare,
        )
        await uow.commit()
    return child


async def children(
    case_id: uuid.UUID, centre: str, purpose: ReadPurpose | None, uow: RecoveryUoW
) -> list[Child]:
    async with uow:
        await _resident_in_scope(uow, case_id, centre)
        found = await uow.care.children(case_id, with_identity=purpose is not None)
        if purpose is not None:
            uow.audit("personal_data_read", case_id, purpose=purpose.value, record="children")
            await uow.commit()
    return found


async def request_legal_assistance_for(
    cmd: RequestLegalAssistance, uow: RecoveryUoW
) -> tuple[LegalAssistanceRequest, bool]:
    """Centre staff ask legal assistance for a resident of their centre: recorded with the
    note sealed, audited, and handed to legal workers through the outbox. A retried submit
    (same idempotency key) returns the first request and sends nothing. Returns (request,
    created)."""
    async with uow:
        resident = await _resident_in_scope(uow, cmd.case_id, cmd.acting_centre, for_update=True)
        if cmd.idempotency_key is not None:
            known = await uow.legal.by_idempotency_key(cmd.case_id, cmd.idempotency_key)
            if known is not None:
                return known, False
        request = request_legal_assistance(
            resident,
            kind=cmd.kind,
            urgency=cmd.urgency,
            note=cmd.note,
            by=str(uow.scope.actor),
            at=utcnow(),
        )
        await uow.legal.add(request, cmd.idempotency_key)
        uow.audit(
            "legal_assistance_requested",
            cmd.case_id,
            request_id=str(request.request_id),
            kind=cmd.kind.value,
        )
        uow.track(resident)
        await uow.commit()
    return request, True


async def legal_assistance_requests(
    case_id: uuid.UUID, centre: str, purpose: ReadPurpose | None, uow: RecoveryUoW
) -> list[LegalAssistanceRequest]:
    """Her requests; the notes only with a purpose, and that read is in the audit trail."""
    async with uow:
        await _resident_in_scope(uow, case_id, centre)
        found = await uow.legal.of_case(case_id, with_notes=purpose is not None)
        if purpose is not None:
            uow.audit(
                "personal_data_read", case_id, purpose=purpose.value, record="legal_assistance"
            )
            await uow.commit()
    return found
