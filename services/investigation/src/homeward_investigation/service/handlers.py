"""Investigation's handlers: one transaction each, ``(cmd, uow)``."""

from __future__ import annotations

import uuid
from typing import Protocol

from homeward_shared.domain import Conflict, DomainError, NotFound, utcnow
from homeward_shared.personal import ReadPurpose

from homeward_investigation.domain.commands import (
    AcknowledgeAssistanceRequest,
    AcknowledgeReferral,
    AssignAssistanceRequest,
    AssignReferral,
    CloseInvestigation,
    FileReport,
    IssueLegalReferral,
    OpenInvestigation,
    OpenInvestigationFromLead,
    OpenLegalAssistanceRequest,
    OutcomeSeen,
    RecordMilestone,
    RecordOutcomes,
    RecordRescueOperation,
    RecordVisit,
    SplitLead,
)
from homeward_investigation.domain.model import (
    Establishment,
    EstablishmentParticulars,
    IdentifiedPerson,
    Investigation,
    InvestigationOrigin,
    InvestigativeReport,
    LegalAssistanceRequest,
    LegalMilestone,
    LegalReferral,
    LinkedLead,
    Milestone,
    PersonIdentity,
    PersonOutcome,
    ReferralSummary,
    RescueOperation,
    UndercoverVisit,
    inbox_order,
)
from homeward_investigation.service.drafts import DraftsUoW, delete_filed_draft


class Reports(Protocol):
    async def next_case_number(self, year: int) -> str: ...
    async def add(self, report: InvestigativeReport, idempotency_key: str) -> bool: ...
    async def by_idempotency_key(self, key: str) -> InvestigativeReport | None: ...
    async def get(
        self, report_id: uuid.UUID, *, for_update: bool = False
    ) -> InvestigativeReport | None: ...
    async def save(self, report: InvestigativeReport) -> None: ...
    async def recent(self, *, filed_by: str | None, limit: int) -> list[InvestigativeReport]: ...
    async def open_identity(self, person: IdentifiedPerson) -> PersonIdentity: ...
    async def open_particulars(self, establishment: Establishment) -> EstablishmentParticulars: ...


class Referrals(Protocol):
    async def add(self, referral: LegalReferral) -> None: ...
    async def get(
        self, referral_id: uuid.UUID, *, for_update: bool = False
    ) -> LegalReferral | None: ...
    async def save(self, referral: LegalReferral) -> None: ...
    async def inbox(
        self, *, acknowledged: bool | None, limit: int, assigned_to: str | None = None
    ) -> list[ReferralSummary]: ...
    async def of_investigation(self, investigation_id: uuid.UUID) -> list[uuid.UUID]: ...


class AssistanceRequests(Protocol):
    async def add(self, request: LegalAssistanceRequest) -> bool: ...
    async def get(
        self, request_id: uuid.UUID, *, for_update: bool = False
    ) -> LegalAssistanceRequest | None: ...
    async def save(self, request: LegalAssistanceRequest) -> None: ...
    async def inbox(
        self, *, acknowledged: bool | None, limit: int, assigned_to: str | None = None
    ) -> list[LegalAssistanceRequest]: ...


class Operations(Protocol):
    async def add(self, operation: RescueOperation, idempotency_key: str) -> None: ...
    async def by_idempotency_key(self, key: str) -> RescueOperation | None: ...
    async def get(
        self, operation_id: uuid.UUID, *, for_update: bool = False
    ) -> RescueOperation | None: ...
    async def save(self, operation: RescueOperation) -> None: ...
    async def of_referral(self, referral_id: uuid.UUID) -> list[RescueOperation]: ...


class Investigations(Protocol):
    async def lock_area(self, kind: str, province: str, district: str | None) -> None: ...
    async def open_in_area(
        self, kind: str, province: str, district: str | None
    ) -> Investigation | None: ...
    async def by_idempotency_key(self, key: str) -> Investigation | None: ...
    async def by_lead(self, lead_id: uuid.UUID) -> Investigation | None: ...
    async def add(self, investigation: Investigation, idempotency_key: str) -> bool: ...
    async def save(self, investigation: Investigation) -> None: ...
    async def get(
        self, investigation_id: uuid.UUID, *, for_update: bool = False
    ) -> Investigation | None: ...
    async def visit_by_key(self, key: str) -> uuid.UUID | None: ...
    async def open_observations(
        self, investigation: Investigation, visit: UndercoverVisit
    ) -> str | None: ...
    async def open_ones(self, *, limit: int) -> list[Investigation]: ...
    async def move_lead(self, lead_id: uuid.UUID, to: uuid.UUID) -> None: ...


class InvestigationUoW(DraftsUoW):
    investigations: Investigations
    reports: Reports
    referrals: Referrals
    operations: Operations
    assistance: AssistanceRequests


async def file_report(cmd: FileReport, uow: InvestigationUoW) -> tuple[InvestigativeReport, bool]:
    """File an investigative report: each person it identifies gets her own case at once
    (stage ``identified``). A retried submit with the same idempotency key returns the first
    report, whatever its body. Returns (report, created)."""
    async with uow:
        existing = await uow.reports.by_idempotency_key(cmd.idempotency_key)
        if existing is not None:
            return existing, False
        now = utcnow()
        persons = [
            IdentifiedPerson(
                case_id=uuid.uuid4(),
                case_number=await uow.reports.next_case_number(now.year),
                approximate_age=p.approximate_age,
                sex=p.sex,
                nationality=p.nationality,
                language=p.language,
                indicators=p.indicators,
                identity=PersonIdentity(name=p.name, description=p.description),
            )
            for p in cmd.persons
        ]
        report = InvestigativeReport.file(
            report_id=uuid.uuid4(),
            establishment=await _establishment_of(cmd, uow),
            investigation_id=cmd.investigation_id,
            visit_dates=cmd.visit_dates,
            urgency=cmd.urgency,
            evidence=cmd.evidence,
            persons=persons,
            filed_at=now,
            filed_by=str(uow.scope.actor),
        )
        if not await uow.reports.add(report, cmd.idempotency_key):
            # The same submit raced us and committed first: answer with its report.
            raced = await uow.reports.by_idempotency_key(cmd.idempotency_key)
            assert raced is not None
            return raced, False
        if cmd.draft_id is not None:
            await delete_filed_draft(cmd.draft_id, uow)
        uow.track(report)
        await uow.commit()
    return report, True


async def _establishment_of(cmd: FileReport, uow: InvestigationUoW) -> Establishment:
    """A report under an investigation is about its establishment, recorded once; any other
    report describes a new one."""
    if cmd.investigation_id is not None:
        if cmd.establishment is not None:
            raise DomainError(
                "establishment: a report under an investigation is about its establishment"
            )
        # Locked, so that a report and the investigation's closing never cross.
        investigation = await uow.investigations.get(cmd.investigation_id, for_update=True)
        if investigation is None:
            raise NotFound(f"investigation {cmd.investigation_id} does not exist")
        investigation.require_open("file a report")
        return investigation.establishment
    seen = cmd.establishment
    if seen is None:
        raise DomainError("establishment: a report names its establishment or its investigation")
    return Establishment(
        establishment_id=uuid.uuid4(),
        kind=seen.kind,
        province=seen.province,
        district=seen.district,
        particulars=EstablishmentParticulars(
            address=seen.address, operator_names=seen.operator_names
        ),
    )


async def issue_legal_referral(
    cmd: IssueLegalReferral, uow: InvestigationUoW
) -> tuple[LegalReferral, bool]:
    """Refer a report to legal workers: each person's case enters ``referred_to_legal`` and
    gets a ``LegalReferralIssued``. Idempotent: a report has one referral, and asking again
    returns it and emits nothing (the request carries nothing a second referral could add,
    so a retry after a lost response must not look like a failure). Returns (referral,
    created)."""
    async with uow:
        report = await uow.reports.get(cmd.report_id, for_update=True)
        if report is None:
            raise NotFound(f"report {cmd.report_id} does not exist")
        if report.referral_id is not None:
            existing = await uow.referrals.get(report.referral_id)
            assert existing is not None
            return existing, False
        referral = report.refer_to_legal(
            referral_id=uuid.uuid4(), referred_by=str(uow.scope.actor), at=utcnow()
        )
        await uow.referrals.add(referral)
        await uow.reports.save(report)
        uow.track(report)
        uow.track(referral)
        await uow.commit()
    return referral, True


async def acknowledge_referral(cmd: AcknowledgeReferral, uow: InvestigationUoW) -> LegalReferral:
    """A legal worker takes a referral on. Who and when go on the referral and on each of
    its cases' audit trails. Idempotent: the first acknowledgement stands and a repeat
    writes nothing."""
    async with uow:
        referral = await uow.referrals.get(cmd.referral_id, for_update=True)
        if referral is None:
            raise NotFound(f"referral {cmd.referral_id} does not exist")
        if not referral.acknowledge(by=str(uow.scope.actor), at=utcnow()):
            return referral
        await uow.referrals.save(referral)
        for case_id in referral.case_ids:
            uow.audit(
                "legal_referral_acknowledged",
                case_id,
                referral_id=str(referral.referral_id),
                report_id=str(referral.report_id),
            )
        uow.track(referral)
        await uow.commit()
    return referral


async def when_lead_reported_open_investigation(
    cmd: OpenInvestigationFromLead, uow: InvestigationUoW
) -> None:
    """A lead from intake opens an investigation on its establishment, or is linked to the
    open one on a place of the same kind in the same area (intake keeps the exact address,
    so that is the finest match there is; the team reads the lead's address through intake
    and splits a wrong match). A redelivered lead changes nothing."""
    async with uow:
        if not await uow.claim(cmd.received):
            return
        lead = LinkedLead(
            lead_id=cmd.lead_id,
            urgency=cmd.urgency,
            persons_reported=cmd.persons_reported,
            indicators=cmd.indicators,
            received_at=utcnow(),
        )
        if await uow.investigations.by_lead(cmd.lead_id) is not None:
            # Another consumer group's delivery, or a replay with a new event id.
            uow.audit("lead_duplicate_ignored", None, lead_id=str(cmd.lead_id))
            await uow.commit()
            return
        await uow.investigations.lock_area(cmd.kind.value, cmd.province, cmd.district)
        investigation = await uow.investigations.open_in_area(
            cmd.kind.value, cmd.province, cmd.district
        )
        if investigation is not None:
            investigation.link(lead)
            await uow.investigations.save(investigation)
            action = "lead_linked"
        else:
            investigation = Investigation.open(
                investigation_id=uuid.uuid4(),
                establishment=Establishment(
                    establishment_id=uuid.uuid4(),
                    kind=cmd.kind,
                    province=cmd.province,
                    district=cmd.district,
                ),
                origin=InvestigationOrigin.LEAD,
                urgency=cmd.urgency,
                opened_at=lead.received_at,
                opened_by=str(uow.scope.actor),
            )
            investigation.link(lead)
            await uow.investigations.add(investigation, f"lead:{cmd.lead_id}")
            uow.track(investigation)
            action = "investigation_opened"
        uow.audit(
            action,
            None,
            investigation_id=str(investigation.investigation_id),
            lead_id=str(cmd.lead_id),
        )
        await uow.commit()


async def open_investigation(
    cmd: OpenInvestigation, uow: InvestigationUoW
) -> tuple[Investigation, bool]:
    """The team opens an investigation on a place it found itself. A retried submit (same
    idempotency key) returns the first. Returns (investigation, created)."""
    async with uow:
        existing = await uow.investigations.by_idempotency_key(cmd.idempotency_key)
        if existing is not None:
            return existing, False
        seen = cmd.establishment
        now = utcnow()
        investigation = Investigation.open(
            investigation_id=uuid.uuid4(),
            establishment=Establishment(
                establishment_id=uuid.uuid4(),
                kind=seen.kind,
                province=seen.province,
                district=seen.district,
                particulars=EstablishmentParticulars(
                    address=seen.address, operator_names=seen.operator_names
                ),
            ),
            origin=InvestigationOrigin.TEAM,
            urgency=cmd.urgency,
            opened_at=now,
            opened_by=str(uow.scope.actor),
        )
        if not await uow.investigations.add(investigation, cmd.idempotency_key):
            raced = await uow.investigations.by_idempotency_key(cmd.idempotency_key)
            assert raced is not None
            return raced, False
        uow.track(investigation)
        uow.audit(
            "investigation_opened", None, investigation_id=str(investigation.investigation_id)
        )
        await uow.commit()
    return investigation, True


async def record_visit(
    cmd: RecordVisit, uow: InvestigationUoW
) -> tuple[Investigation, UndercoverVisit, bool]:
    """An undercover visit: when, which investigators, and what they saw (sealed). A retried
    submit returns the first visit. Returns (investigation, visit, created)."""
    async with uow:
        investigation = await uow.investigations.get(cmd.investigation_id, for_update=True)
        if investigation is None:
            raise NotFound(f"investigation {cmd.investigation_id} does not exist")
        known = await uow.investigations.visit_by_key(cmd.idempotency_key)
        if known is not None:
            visit = investigation.visit(known)
            if visit is None:
                raise Conflict("idempotency_key: used already for a visit of another investigation")
            return investigation, visit, False
        visit = UndercoverVisit(
            visit_id=uuid.uuid4(),
            idempotency_key=cmd.idempotency_key,
            visited_on=cmd.visited_on,
            investigators=tuple(dict.fromkeys(cmd.investigators)),
            recorded_at=utcnow(),
            recorded_by=str(uow.scope.actor),
            observations=cmd.observations,
        )
        investigation.record_visit(visit)
        await uow.investigations.save(investigation)
        uow.audit(
            "undercover_visit_recorded",
            None,
            investigation_id=str(investigation.investigation_id),
            visit_id=str(visit.visit_id),
        )
        await uow.commit()
    return investigation, visit, True


async def get_investigation(investigation_id: uuid.UUID, uow: InvestigationUoW) -> Investigation:
    async with uow:
        investigation = await uow.investigations.get(investigation_id)
    if investigation is None:
        raise NotFound(f"investigation {investigation_id} does not exist")
    return investigation


async def open_investigations(uow: InvestigationUoW, *, limit: int = 50) -> list[Investigation]:
    """Open investigations, most urgent first, then newest."""
    async with uow:
        return await uow.investigations.open_ones(limit=limit)


async def read_observations(
    investigation_id: uuid.UUID, visit_id: uuid.UUID, purpose: ReadPurpose, uow: InvestigationUoW
) -> str | None:
    """Open a visit's sealed observations; the read is written to the audit trail."""
    async with uow:
        investigation = await uow.investigations.get(investigation_id)
        visit = investigation.visit(visit_id) if investigation is not None else None
        if investigation is None or visit is None:
            raise NotFound(f"investigation {investigation_id} has no visit {visit_id}")
        observations = await uow.investigations.open_observations(investigation, visit)
        uow.audit(
            "personal_data_read",
            None,
            purpose=purpose.value,
            record="undercover_visit",
            investigation_id=str(investigation_id),
            visit_id=str(visit_id),
        )
        await uow.commit()
    return observations


async def assign_referral(cmd: AssignReferral, uow: InvestigationUoW) -> LegalReferral:
    """A legal worker hands a referral to a colleague. Who, to whom and when go on the
    referral and on each of its cases' audit trails; assigning it to its holder is a no-op."""
    async with uow:
        referral = await uow.referrals.get(cmd.referral_id, for_update=True)
        if referral is None:
            raise NotFound(f"referral {cmd.referral_id} does not exist")
        previous = referral.assigned_to
        was_acknowledged = referral.acknowledged
        if not referral.assign(cmd.assignee, by=str(uow.scope.actor), at=utcnow()):
            return referral
        await uow.referrals.save(referral)
        for case_id in referral.case_ids:
            if not was_acknowledged:
                uow.audit(
                    "legal_referral_acknowledged",
                    case_id,
                    referral_id=str(referral.referral_id),
                    report_id=str(referral.report_id),
                )
            uow.audit(
                "legal_referral_assigned",
                case_id,
                referral_id=str(referral.referral_id),
                assignee=cmd.assignee,
                previous_assignee=previous,
            )
        await uow.commit()
    return referral


async def record_milestone(
    cmd: RecordMilestone, uow: InvestigationUoW
) -> tuple[LegalReferral, bool]:
    """Record a step of the referral's legal track, in order, once. The operation step is
    recorded by recording the rescue operation itself (one fact, one place). Returns
    (referral, created); a resubmission of the same step with the same facts is not an
    error and writes nothing."""
    async with uow:
        referral = await uow.referrals.get(cmd.referral_id, for_update=True)
        if referral is None:
            raise NotFound(f"referral {cmd.referral_id} does not exist")
        now = utcnow()
        milestone = LegalMilestone(
            milestone=cmd.milestone,
            occurred_on=cmd.occurred_on,
            recorded_at=now,
            recorded_by=str(uow.scope.actor),
            accused_count=cmd.accused_count,
            verdicts=cmd.verdicts,
        )
        if not referral.record_milestone(milestone, today=now.date()):
            return referral, False
        await uow.referrals.save(referral)
        _audit_milestone(uow, referral, milestone)
        uow.track(referral)
        await uow.commit()
    return referral, True


def _audit_milestone(
    uow: InvestigationUoW, referral: LegalReferral, milestone: LegalMilestone
) -> None:
    for case_id in referral.case_ids:
        uow.audit(
            "legal_milestone_recorded",
            case_id,
            referral_id=str(referral.referral_id),
            milestone=milestone.milestone.value,
            occurred_on=milestone.occurred_on.isoformat(),
        )


async def record_rescue_operation(
    cmd: RecordRescueOperation, uow: InvestigationUoW
) -> tuple[RescueOperation, bool]:
    """Record an operation on a referral's establishment and the outcomes known so far. The
    first operation is the legal track's operation step, so the police must be engaged
    first. A retried submit (same idempotency key) returns the first operation and writes
    nothing. Returns (operation, created)."""
    async with uow:
        # Lock order everywhere: referral, then report, then operation.
        referral = await uow.referrals.get(cmd.referral_id, for_update=True)
        if referral is None:
            raise NotFound(f"referral {cmd.referral_id} does not exist")
        existing = await uow.operations.by_idempotency_key(cmd.idempotency_key)
        if existing is not None:
            if existing.referral_id != referral.referral_id:
                raise Conflict("idempotency_key: used already for an operation on another referral")
            return existing, False
        report = await uow.reports.get(referral.report_id, for_update=True)
        assert report is not None, "a referral's report is never deleted"
        now = utcnow()
        by = str(uow.scope.actor)
        operation = RescueOperation.carry_out(
            operation_id=uuid.uuid4(),
            referral=referral,
            carried_out_on=cmd.carried_out_on,
            recorded_at=now,
            recorded_by=by,
        )
        if referral.operation_carried_out(cmd.carried_out_on, by=by, at=now, today=now.date()):
            await uow.referrals.save(referral)
            _audit_milestone(uow, referral, referral.milestones[Milestone.OPERATION_CARRIED_OUT])
        _apply_outcomes(uow, operation, report, cmd.outcomes)
        await uow.operations.add(operation, cmd.idempotency_key)
        await uow.reports.save(report)
        uow.scope.correlation_id = report.correlation_id
        uow.track(referral)
        uow.track(report)
        uow.track(operation)
        await uow.commit()
    return operation, True


async def record_outcomes(cmd: RecordOutcomes, uow: InvestigationUoW) -> RescueOperation:
    """Outcomes that came in after the operation was recorded (a person found later that
    day). Each person's outcome is recorded once; the same one again changes nothing, and
    all of a submission is refused if any of it is (nothing half-written)."""
    async with uow:
        known = await uow.operations.get(cmd.operation_id)
        if known is None:
            raise NotFound(f"operation {cmd.operation_id} does not exist")
        report = await uow.reports.get(known.report_id, for_update=True)
        operation = await uow.operations.get(cmd.operation_id, for_update=True)
        assert report is not None and operation is not None
        if not _apply_outcomes(uow, operation, report, cmd.outcomes):
            return operation
        await uow.operations.save(operation)
        await uow.reports.save(report)
        uow.track(report)
        await uow.commit()
    return operation


def _apply_outcomes(
    uow: InvestigationUoW,
    operation: RescueOperation,
    report: InvestigativeReport,
    outcomes: tuple[OutcomeSeen, ...],
) -> bool:
    """Returns whether any outcome was new."""
    now, by = utcnow(), str(uow.scope.actor)
    changed = False
    for seen in outcomes:
        if report.person(seen.case_id) is None:
            raise DomainError(
                f"case_id: {seen.case_id} is not a person of referral {operation.referral_id}"
            )
        outcome = PersonOutcome(
            case_id=seen.case_id,
            outcome=seen.outcome,
            recorded_at=now,
            recorded_by=by,
            children_with_her=seen.children_with_her,
            medical_urgency=seen.medical_urgency,
        )
        if not operation.record(outcome):
            continue
        report.record_rescue_outcome(outcome, operation_id=operation.operation_id)
        uow.audit(
            "rescue_outcome_recorded",
            seen.case_id,
            operation_id=str(operation.operation_id),
            outcome=seen.outcome.value,
        )
        changed = True
    return changed


async def get_legal_case(
    referral_id: uuid.UUID, uow: InvestigationUoW
) -> tuple[LegalReferral, list[RescueOperation]]:
    """A referral with its legal track and its operations: ids, dates and codes only."""
    async with uow:
        referral = await uow.referrals.get(referral_id)
        if referral is None:
            raise NotFound(f"referral {referral_id} does not exist")
        return referral, await uow.operations.of_referral(referral_id)


async def get_operation(operation_id: uuid.UUID, uow: InvestigationUoW) -> RescueOperation:
    async with uow:
        operation = await uow.operations.get(operation_id)
    if operation is None:
        raise NotFound(f"operation {operation_id} does not exist")
    return operation


async def get_report(report_id: uuid.UUID, uow: InvestigationUoW) -> InvestigativeReport:
    """The report as any investigator or legal worker may see it: personal fields stay
    sealed (they are not even loaded)."""
    async with uow:
        report = await uow.reports.get(report_id)
    if report is None:
        raise NotFound(f"report {report_id} does not exist")
    return report


async def recent_reports(
    uow: InvestigationUoW, *, mine: bool = False, limit: int = 50
) -> list[InvestigativeReport]:
    """Reports, newest first, without personal fields; ``mine``: those the caller filed."""
    async with uow:
        filed_by = str(uow.scope.actor) if mine else None
        return await uow.reports.recent(filed_by=filed_by, limit=limit)


async def referral_inbox(
    uow: InvestigationUoW,
    *,
    acknowledged: bool | None = None,
    limit: int = 50,
    assigned_to: str | None = None,
) -> list[ReferralSummary]:
    """Legal workers' inbox: most urgent first, then newest; ``assigned_to`` narrows it to
    one legal worker's referrals."""
    async with uow:
        return await uow.referrals.inbox(
            acknowledged=acknowledged, limit=limit, assigned_to=assigned_to
        )


async def read_identity(
    report_id: uuid.UUID, case_id: uuid.UUID, purpose: ReadPurpose, uow: InvestigationUoW
) -> PersonIdentity:
    """Open her personal fields; the read itself is written to the audit trail."""
    async with uow:
        report = await uow.reports.get(report_id)
        person = report.person(case_id) if report is not None else None
        if person is None:
            raise NotFound(f"report {report_id} identifies no case {case_id}")
        identity = await uow.reports.open_identity(person)
        uow.audit(
            "personal_data_read",
            case_id,
            purpose=purpose.value,
            record="identified_person",
            report_id=str(report_id),
        )
        await uow.commit()
    return identity


async def read_establishment(
    report_id: uuid.UUID, purpose: ReadPurpose, uow: InvestigationUoW
) -> EstablishmentParticulars:
    """Open the exact address and operators of a report's establishment (to plan the
    operation, to prosecute); the read is written to the audit trail of each of the
    report's cases, since it tells where they were held."""
    async with uow:
        report = await uow.reports.get(report_id)
        if report is None:
            raise NotFound(f"report {report_id} does not exist")
        particulars = await uow.reports.open_particulars(report.establishment)
        for p in report.persons:
            uow.audit(
                "personal_data_read",
                p.case_id,
                purpose=purpose.value,
                record="establishment",
                report_id=str(report_id),
                establishment_id=str(report.establishment.establishment_id),
            )
        await uow.commit()
    return particulars


async def close_investigation(cmd: CloseInvestigation, uow: InvestigationUoW) -> Investigation:
    """Close an investigation with a reason code. Refused (409) while one of its referrals
    has an operation in progress, or if it was closed already. Its referrals' legal track
    goes on. Lock order: the investigation, then its referrals (by id), then their reports;
    nothing locks a referral before an investigation."""
    async with uow:
        investigation = await uow.investigations.get(cmd.investigation_id, for_update=True)
        if investigation is None:
            raise NotFound(f"investigation {cmd.investigation_id} does not exist")
        in_operation = []
        if investigation.is_open:
            for referral_id in sorted(await uow.referrals.of_investigation(cmd.investigation_id)):
                referral = await uow.referrals.get(referral_id, for_update=True)
                report = await uow.reports.get(referral.report_id) if referral else None
                assert referral is not None and report is not None
                operations = await uow.operations.of_referral(referral_id)
                if referral.operation_in_progress(operations, report):
                    in_operation.append(referral_id)
        investigation.close(
            cmd.reason,
            by=str(uow.scope.actor),
            at=utcnow(),
            referrals_in_operation=tuple(in_operation),
        )
        await uow.investigations.save(investigation)
        uow.audit(
            "investigation_closed",
            None,
            investigation_id=str(investigation.investigation_id),
            reason=cmd.reason.value,
        )
        await uow.commit()
    return investigation


def _split_key(lead_id: uuid.UUID, source_id: uuid.UUID) -> str:
    return f"split:{lead_id}:{source_id}"


async def split_lead(cmd: SplitLead, uow: InvestigationUoW) -> tuple[Investigation, bool]:
    """An investigator takes a wrongly linked lead off an investigation: it joins the open
    investigation named, or opens its own (on the establishment given, else a new one of the
    same kind in the same area). Audited on both. A retry after success returns where the
    lead went and changes nothing. Returns (the lead's investigation now, changed)."""
    async with uow:
        current = await uow.investigations.by_lead(cmd.lead_id)
        if current is None:
            raise NotFound(f"lead {cmd.lead_id} is linked to no investigation")
        if current.investigation_id != cmd.investigation_id:
            opened = await uow.investigations.by_idempotency_key(
                _split_key(cmd.lead_id, cmd.investigation_id)
            )
            wanted = cmd.into_investigation_id or (opened.investigation_id if opened else None)
            if wanted == current.investigation_id:
                return current, False
            raise NotFound(f"investigation {cmd.investigation_id} has no lead {cmd.lead_id}")
        # Two investigations locked in id order: two opposite splits never deadlock.
        ids = sorted({cmd.investigation_id, cmd.into_investigation_id} - {None})
        locked = {i: await uow.investigations.get(i, for_update=True) for i in ids}
        source = locked[cmd.investigation_id]
        if source is None:
            raise NotFound(f"investigation {cmd.investigation_id} does not exist")
        into = None
        if cmd.into_investigation_id is not None:
            into = locked[cmd.into_investigation_id]
            if into is None:
                raise NotFound(f"investigation {cmd.into_investigation_id} does not exist")
        lead = source.split_off(cmd.lead_id, into=into)
        now, by = utcnow(), str(uow.scope.actor)
        await uow.investigations.save(source)
        if into is not None:
            into.link(lead)
            await uow.investigations.save(into)
        else:
            seen = cmd.establishment
            into = Investigation.open(
                investigation_id=uuid.uuid4(),
                establishment=Establishment(
                    establishment_id=uuid.uuid4(),
                    kind=seen.kind if seen else source.establishment.kind,
                    province=seen.province if seen else source.establishment.province,
                    district=seen.district if seen else source.establishment.district,
                    particulars=EstablishmentParticulars(
                        address=seen.address if seen else None,
                        operator_names=seen.operator_names if seen else None,
                    ),
                ),
                origin=InvestigationOrigin.SPLIT,
                urgency=lead.urgency,
                opened_at=now,
                opened_by=by,
            )
            into.link(lead)
            added = await uow.investigations.add(
                into, _split_key(cmd.lead_id, cmd.investigation_id)
            )
            assert added, "the source's lock serialises splits of its leads"
            uow.track(into)
            uow.audit(
                "investigation_opened",
                None,
                investigation_id=str(into.investigation_id),
                origin=InvestigationOrigin.SPLIT.value,
            )
        await uow.investigations.move_lead(cmd.lead_id, into.investigation_id)
        uow.audit(
            "lead_split",
            None,
            lead_id=str(cmd.lead_id),
            from_investigation_id=str(source.investigation_id),
            to_investigation_id=str(into.investigation_id),
            reason=cmd.reason.value,
        )
        await uow.commit()
    return into, True


async def when_legal_assistance_requested_open_request(
    cmd: OpenLegalAssistanceRequest, uow: InvestigationUoW
) -> None:
    """Centre staff asked legal assistance for a resident: the request waits in the legal
    workers' inbox. A redelivery (the inbox) or a replay under another event id (the
    request id) changes nothing."""
    async with uow:
        if not await uow.claim(cmd.received):
            return
        request = LegalAssistanceRequest(
            request_id=cmd.request_id,
            case_id=cmd.case_id,
            kind=cmd.kind,
            urgency=cmd.urgency,
            centre=cmd.centre,
            requested_at=cmd.requested_at,
            received_at=utcnow(),
        )
        if await uow.assistance.add(request):
            action = "legal_assistance_request_opened"
        else:
            action = "legal_assistance_request_duplicate_ignored"
        uow.audit(action, cmd.case_id, request_id=str(cmd.request_id), kind=cmd.kind.value)
        await uow.commit()


async def _assistance_request(
    uow: InvestigationUoW, request_id: uuid.UUID, *, for_update: bool = False
) -> LegalAssistanceRequest:
    request = await uow.assistance.get(request_id, for_update=for_update)
    if request is None:
        raise NotFound(f"legal assistance request {request_id} does not exist")
    return request


async def get_assistance_request(
    request_id: uuid.UUID, uow: InvestigationUoW
) -> LegalAssistanceRequest:
    async with uow:
        return await _assistance_request(uow, request_id)


async def acknowledge_assistance_request(
    cmd: AcknowledgeAssistanceRequest, uow: InvestigationUoW
) -> LegalAssistanceRequest:
    """A legal worker takes the request on, as she takes a referral on: the first
    acknowledgement stands; audited on her case."""
    async with uow:
        request = await _assistance_request(uow, cmd.request_id, for_update=True)
        if not request.acknowledge(by=str(uow.scope.actor), at=utcnow()):
            return request
        await uow.assistance.save(request)
        _audit_taken_on(uow, request)
        await uow.commit()
    return request


async def assign_assistance_request(
    cmd: AssignAssistanceRequest, uow: InvestigationUoW
) -> LegalAssistanceRequest:
    """Hand the request to a colleague; acknowledges it if nobody had. Audited on her case;
    assigning it to its holder again changes nothing."""
    async with uow:
        request = await _assistance_request(uow, cmd.request_id, for_update=True)
        previous, was_acknowledged = request.assigned_to, request.acknowledged
        if not request.assign(cmd.assignee, by=str(uow.scope.actor), at=utcnow()):
            return request
        await uow.assistance.save(request)
        if not was_acknowledged:
            _audit_taken_on(uow, request)
        uow.audit(
            "legal_assistance_request_assigned",
            request.case_id,
            request_id=str(request.request_id),
            assignee=cmd.assignee,
            previous_assignee=previous,
        )
        await uow.commit()
    return request


def _audit_taken_on(uow: InvestigationUoW, request: LegalAssistanceRequest) -> None:
    uow.audit(
        "legal_assistance_request_acknowledged",
        request.case_id,
        request_id=str(request.request_id),
    )


async def legal_inbox(
    uow: InvestigationUoW,
    *,
    acknowledged: bool | None = None,
    limit: int = 50,
    assigned_to: str | None = None,
) -> list[ReferralSummary | LegalAssistanceRequest]:
    """The legal workers' whole inbox: referrals and requests for legal assistance
    together, most urgent first, then newest."""
    async with uow:
        referrals = await uow.referrals.inbox(
            acknowledged=acknowledged, limit=limit, assigned_to=assigned_to
        )
        requests = await uow.assistance.inbox(
            acknowledged=acknowledged, limit=limit, assigned_to=assigned_to
        )
    items: list[ReferralSummary | LegalAssistanceRequest] = [*referrals, *requests]
    return sorted(items, key=inbox_order)[:limit]
