"""Investigation's handlers: one transaction each, ``(cmd, uow)``."""

from __future__ import annotations

import uuid
from typing import Protocol

from homeward_shared.domain import NotFound, utcnow
from homeward_shared.personal import ReadPurpose
from homeward_shared.uow import AbstractUnitOfWork

from homeward_investigation.domain.commands import (
    AcknowledgeReferral,
    FileReport,
    IssueLegalReferral,
)
from homeward_investigation.domain.model import (
    Establishment,
    EstablishmentParticulars,
    IdentifiedPerson,
    InvestigativeReport,
    LegalReferral,
    PersonIdentity,
    ReferralSummary,
)


class Reports(Protocol):
    async def next_case_number(self, year: int) -> str: ...
    async def add(self, report: InvestigativeReport, idempotency_key: str) -> bool: ...
    async def by_idempotency_key(self, key: str) -> InvestigativeReport | None: ...
    async def get(
        self, report_id: uuid.UUID, *, for_update: bool = False
    ) -> InvestigativeReport | None: ...
    async def save(self, report: InvestigativeReport) -> None: ...
    async def open_identity(self, person: IdentifiedPerson) -> PersonIdentity: ...


class Referrals(Protocol):
    async def add(self, referral: LegalReferral) -> None: ...
    async def get(
        self, referral_id: uuid.UUID, *, for_update: bool = False
    ) -> LegalReferral | None: ...
    async def save(self, referral: LegalReferral) -> None: ...
    async def inbox(self, *, acknowledged: bool | None, limit: int) -> list[ReferralSummary]: ...


class InvestigationUoW(AbstractUnitOfWork):
    reports: Reports
    referrals: Referrals


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
        seen = cmd.establishment
        report = InvestigativeReport.file(
            report_id=uuid.uuid4(),
            establishment=Establishment(
                establishment_id=uuid.uuid4(),
                kind=seen.kind,
                province=seen.province,
                district=seen.district,
                particulars=EstablishmentParticulars(
                    address=seen.address, operator_names=seen.operator_names
                ),
            ),
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
        uow.scope.correlation_id = report.correlation_id
        uow.track(report)
        await uow.commit()
    return report, True


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
        uow.scope.correlation_id = report.correlation_id
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
        uow.scope.correlation_id = referral.report_id
        uow.track(referral)
        await uow.commit()
    return referral


async def get_report(report_id: uuid.UUID, uow: InvestigationUoW) -> InvestigativeReport:
    """The report as any investigator or legal worker may see it: personal fields stay
    sealed (they are not even loaded)."""
    async with uow:
        report = await uow.reports.get(report_id)
    if report is None:
        raise NotFound(f"report {report_id} does not exist")
    return report


async def referral_inbox(
    uow: InvestigationUoW, *, acknowledged: bool | None = None, limit: int = 50
) -> list[ReferralSummary]:
    """Legal workers' inbox: most urgent first, then newest."""
    async with uow:
        return await uow.referrals.inbox(acknowledged=acknowledged, limit=limit)


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
