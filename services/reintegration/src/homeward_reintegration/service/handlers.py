"""Reintegration's handlers: one transaction each, ``(cmd, uow)``."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any, Protocol

from homeward_shared.domain import Conflict, NotFound, utcnow
from homeward_shared.personal import ReadPurpose
from homeward_shared.uow import AbstractUnitOfWork

from homeward_reintegration.domain.commands import (
    CloseCase,
    OpenReintegrationCase,
    RaiseOverdueAlerts,
    RecordAssessment,
    RecordDisbursement,
    RecordFamilyContact,
    RecordFollowUpVisit,
    RecordResettlement,
    ReopenCase,
)
from homeward_reintegration.domain.figures import YearFigures
from homeward_reintegration.domain.model import (
    Assessment,
    Disbursement,
    FamilyContact,
    FollowUpPolicy,
    FollowUpVisit,
    OpenAlert,
    OverdueAlert,
    OverdueCandidate,
    ReintegrationCase,
)
from homeward_reintegration.domain.partners import require_receiving_partner
from homeward_reintegration.service.partners import Partners


class Cases(Protocol):
    async def add(self, case: ReintegrationCase) -> bool: ...
    async def get(
        self, case_id: uuid.UUID, *, for_update: bool = False
    ) -> ReintegrationCase | None: ...
    async def save(self, case: ReintegrationCase) -> None: ...
    async def add_visit_record(
        self, case_id: uuid.UUID, visit: FollowUpVisit, idempotency_key: str
    ) -> None: ...
    async def visit_by_key(self, idempotency_key: str) -> tuple[uuid.UUID, int] | None: ...
    async def open_visit_notes(self, case_id: uuid.UUID, visit_no: int) -> str | None: ...
    async def add_contact(self, case_id: uuid.UUID, c: FamilyContact) -> None: ...
    async def add_assessment(self, case_id: uuid.UUID, a: Assessment) -> None: ...
    async def add_disbursement(self, case_id: uuid.UUID, d: Disbursement) -> None: ...
    async def open_contact_details(
        self, case_id: uuid.UUID, contact_id: uuid.UUID
    ) -> str | None: ...
    async def open_assessment_notes(
        self, case_id: uuid.UUID, assessment_id: uuid.UUID
    ) -> str | None: ...
    async def key_seen(self, idempotency_key: str) -> tuple[uuid.UUID, str] | None: ...
    async def remember_key(
        self, idempotency_key: str, case_id: uuid.UUID, action: str, record_id: uuid.UUID
    ) -> None: ...


class Alerts(Protocol):
    async def overdue_candidates(self, due_before: date, limit: int) -> list[OverdueCandidate]: ...
    async def add(self, alert: OverdueAlert) -> bool: ...
    async def open_alerts(self) -> list[OpenAlert]: ...
    async def count_open(self) -> int: ...


class Figures(Protocol):
    async def year(self, year: int) -> dict[str, Any]: ...


class ReintegrationUoW(AbstractUnitOfWork):
    cases: Cases
    alerts: Alerts
    figures: Figures
    partners: Partners


async def _locked_case(uow: ReintegrationUoW, case_id: uuid.UUID) -> ReintegrationCase:
    case = await uow.cases.get(case_id, for_update=True)
    if case is None:
        raise NotFound(f"case {case_id} was not handed to reintegration")
    uow.scope.correlation_id = case.correlation_id
    return case


async def when_resident_ready_open_reintegration_case(
    cmd: OpenReintegrationCase, uow: ReintegrationUoW
) -> None:
    """A resident handed on by recovery becomes a reintegration case. A redelivery changes
    nothing (inbox); a second hand-off of the same case is recorded and ignored."""
    async with uow:
        if not await uow.claim(cmd.received):
            return
        case = ReintegrationCase(
            case_id=cmd.case_id,
            case_number=cmd.case_number,
            correlation_id=cmd.correlation_id,
            from_centre=cmd.from_centre,
            skills=cmd.skills,
            wishes_to_return_home=cmd.wishes_to_return_home,
            received_at=utcnow(),
        )
        if await uow.cases.add(case):
            uow.audit("reintegration_case_opened", cmd.case_id, from_centre=cmd.from_centre)
        else:
            uow.audit("reintegration_handoff_duplicate_ignored", cmd.case_id)
        await uow.commit()


async def _replayed(uow: ReintegrationUoW, key: str, case_id: uuid.UUID, action: str) -> bool:
    """True if this submit was done already (a retry). Called with the case locked, so a
    retry racing its first submit waits for it and then finds its key."""
    seen = await uow.cases.key_seen(key)
    if seen is None:
        return False
    if seen != (case_id, action):
        raise Conflict("this idempotency key was used for another record")
    return True


async def record_family_contact(
    cmd: RecordFamilyContact, uow: ReintegrationUoW, *, today: date
) -> tuple[ReintegrationCase, bool]:
    """A tracing attempt (found, not found, unsafe) or a family visit, recorded once."""
    async with uow:
        case = await _locked_case(uow, cmd.case_id)
        if await _replayed(uow, cmd.idempotency_key, case.case_id, "family_contact"):
            return case, False
        contact = case.record_contact(
            contact_id=uuid.uuid4(),
            kind=cmd.kind,
            happened_on=cmd.happened_on,
            result=cmd.result,
            details=cmd.details,
            recorded_by=str(uow.scope.actor),
            today=today,
        )
        await uow.cases.add_contact(case.case_id, contact)
        await uow.cases.remember_key(
            cmd.idempotency_key, case.case_id, "family_contact", contact.contact_id
        )
        uow.track(case)
        await uow.commit()
    return case, True


async def record_assessment(
    cmd: RecordAssessment, uow: ReintegrationUoW, *, today: date
) -> tuple[ReintegrationCase, bool]:
    async with uow:
        case = await _locked_case(uow, cmd.case_id)
        if await _replayed(uow, cmd.idempotency_key, case.case_id, "assessment"):
            return case, False
        assessment = Assessment(
            assessment_id=uuid.uuid4(),
            assessed_on=cmd.assessed_on,
            her_wish=cmd.her_wish,
            market_opportunities=cmd.market_opportunities,
            family_conditions=cmd.family_conditions,
            skills_fit=cmd.skills_fit,
            wants_business=cmd.wants_business,
            safety_risks=tuple(dict.fromkeys(cmd.safety_risks)),
            business_kind=cmd.business_kind,
            business_market=cmd.business_market,
            recorded_by=str(uow.scope.actor),
            notes=cmd.notes,
        )
        case.assess(assessment, today=today)
        await uow.cases.add_assessment(case.case_id, assessment)
        await uow.cases.remember_key(
            cmd.idempotency_key, case.case_id, "assessment", assessment.assessment_id
        )
        uow.track(case)
        await uow.commit()
    return case, True


async def record_disbursement(
    cmd: RecordDisbursement, uow: ReintegrationUoW
) -> tuple[ReintegrationCase, bool]:
    """A start-up kit, grant, bicycle, supplies, job placement or tuition: recorded once."""
    async with uow:
        case = await _locked_case(uow, cmd.case_id)
        if await _replayed(uow, cmd.idempotency_key, case.case_id, "disbursement"):
            return case, False
        d = Disbursement(
            disbursement_id=uuid.uuid4(),
            kind=cmd.kind,
            form=cmd.form,
            items=cmd.items,
            value=cmd.value,
            currency=cmd.currency,
            disbursed_on=cmd.disbursed_on,
            approved_by=cmd.approved_by,
            second_kit_approved_by=cmd.second_kit_approved_by,
            recorded_by=str(uow.scope.actor),
        )
        case.disburse(d)
        await uow.cases.add_disbursement(case.case_id, d)
        await uow.cases.remember_key(
            cmd.idempotency_key, case.case_id, "disbursement", d.disbursement_id
        )
        uow.track(case)
        await uow.commit()
    return case, True


async def record_resettlement(
    cmd: RecordResettlement, uow: ReintegrationUoW, policy: FollowUpPolicy
) -> ReintegrationCase:
    async with uow:
        case = await _locked_case(uow, cmd.case_id)
        if cmd.receiving_partner is not None:
            require_receiving_partner(await uow.partners.get(cmd.receiving_partner))
        case.resettle(
            cmd.plan,
            cmd.resettled_on,
            policy,
            destination_country=cmd.destination_country,
            receiving_partner=cmd.receiving_partner,
        )
        await uow.cases.save(case)
        uow.track(case)
        await uow.commit()
    return case


async def record_follow_up_visit(
    cmd: RecordFollowUpVisit, uow: ReintegrationUoW, *, today: date
) -> tuple[ReintegrationCase, bool]:
    """Record a scheduled visit once. A retried submit (same idempotency key) answers with
    the case as it is and changes nothing. Returns (case, created)."""
    async with uow:
        # The case lock comes first: a retry racing the first submit waits here and then
        # finds its key.
        case = await _locked_case(uow, cmd.case_id)
        if await _replayed(uow, cmd.idempotency_key, case.case_id, "follow_up_visit"):
            if await uow.cases.visit_by_key(cmd.idempotency_key) != (cmd.case_id, cmd.visit_no):
                raise Conflict("this idempotency key was used for another visit")
            return case, False
        visit = case.record_visit(
            cmd.visit_no,
            visited_on=cmd.visited_on,
            by_role=cmd.by_role,
            outcomes=cmd.outcomes,
            notes=cmd.notes,
            recorded_by=str(uow.scope.actor),
            today=today,
        )
        await uow.cases.add_visit_record(case.case_id, visit, cmd.idempotency_key)
        # One key space for every write a person submits, so a key is never reused across
        # kinds of record; the visit row keeps its key for the visit number.
        await uow.cases.remember_key(
            cmd.idempotency_key,
            case.case_id,
            "follow_up_visit",
            uuid.uuid5(case.case_id, f"follow_up_visit:{visit.visit_no}"),
        )
        uow.track(case)
        await uow.commit()
    return case, True


async def raise_overdue_alerts(cmd: RaiseOverdueAlerts, uow: ReintegrationUoW) -> tuple[int, int]:
    """One batch of the overdue sweep, in one transaction: each alert row, its event in the
    outbox and its audit row commit together or not at all. Returns (examined, raised): a
    candidate can have been alerted by a concurrent sweep that committed after this one's
    snapshot; the alert's key refuses it, and it counts as examined, not raised."""
    today = cmd.now.date()
    raised = 0
    async with uow:
        due_before = today - timedelta(days=cmd.grace_days)
        candidates = await uow.alerts.overdue_candidates(due_before, cmd.batch)
        for candidate in candidates:
            alert = OverdueAlert.raise_for(candidate, today, cmd.grace_days, cmd.now)
            if await uow.alerts.add(alert):
                uow.track(alert)
                raised += 1
        await uow.commit()
    return len(candidates), raised


async def close_case(cmd: CloseCase, uow: ReintegrationUoW) -> ReintegrationCase:
    async with uow:
        case = await _locked_case(uow, cmd.case_id)
        case.close(cmd.reason, cmd.closed_on)
        await uow.cases.save(case)
        uow.track(case)
        await uow.commit()
    return case


async def get_case(case_id: uuid.UUID, uow: ReintegrationUoW) -> ReintegrationCase:
    async with uow:
        case = await uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"case {case_id} was not handed to reintegration")
    return case


async def overdue_list(uow: ReintegrationUoW) -> list[OpenAlert]:
    async with uow:
        return await uow.alerts.open_alerts()


async def count_overdue(uow: ReintegrationUoW) -> int:
    """Visits alerted as overdue and still not recorded: what the overdue gauge shows."""
    async with uow:
        return await uow.alerts.count_open()


async def read_visit_notes(
    case_id: uuid.UUID, visit_no: int, purpose: ReadPurpose, uow: ReintegrationUoW
) -> str | None:
    """Open a visit's notes; the read itself goes into the audit trail."""
    async with uow:
        case = await uow.cases.get(case_id)
        if case is None:
            raise NotFound(f"case {case_id} was not handed to reintegration")
        case.visit(visit_no)
        notes = await uow.cases.open_visit_notes(case_id, visit_no)
        uow.audit(
            "personal_data_read",
            case_id,
            purpose=purpose.value,
            record="follow_up_visit",
            visit_no=visit_no,
        )
        await uow.commit()
    return notes


async def year_figures(year: int, threshold: int, uow: ReintegrationUoW) -> YearFigures:
    async with uow:
        counts = await uow.figures.year(year)
    return YearFigures.of(year=year, threshold=threshold, **counts)


async def reopen_case(cmd: ReopenCase, uow: ReintegrationUoW) -> ReintegrationCase:
    async with uow:
        case = await _locked_case(uow, cmd.case_id)
        case.reopen(cmd.reason, cmd.reopened_on)
        await uow.cases.save(case)
        uow.audit("case_reopened", case.case_id, reason=cmd.reason.value)
        uow.track(case)
        await uow.commit()
    return case


async def read_family_details(
    case_id: uuid.UUID, contact_id: uuid.UUID, purpose: ReadPurpose, uow: ReintegrationUoW
) -> str | None:
    """Open what a tracing attempt or family visit found (names, village); audited."""
    async with uow:
        case = await uow.cases.get(case_id)
        if case is None or contact_id not in {c.contact_id for c in case.contacts}:
            raise NotFound(f"case {case_id} has no family contact {contact_id}")
        details = await uow.cases.open_contact_details(case_id, contact_id)
        uow.audit(
            "personal_data_read",
            case_id,
            purpose=purpose.value,
            record="family_contact",
            contact_id=str(contact_id),
        )
        await uow.commit()
    return details


async def read_assessment_notes(
    case_id: uuid.UUID, purpose: ReadPurpose, uow: ReintegrationUoW
) -> str | None:
    """Open the notes of her latest assessment; audited."""
    async with uow:
        case = await uow.cases.get(case_id)
        if case is None or case.assessment is None:
            raise NotFound(f"case {case_id} has no assessment")
        notes = await uow.cases.open_assessment_notes(case_id, case.assessment.assessment_id)
        uow.audit(
            "personal_data_read",
            case_id,
            purpose=purpose.value,
            record="assessment",
            assessment_id=str(case.assessment.assessment_id),
        )
        await uow.commit()
    return notes
