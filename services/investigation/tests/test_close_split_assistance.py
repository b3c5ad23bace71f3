"""Unit tier: closing an investigation, splitting a wrongly linked lead, and residents'
requests for legal assistance in the legal workers' inbox."""

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from homeward_investigation.domain.commands import (
    AcknowledgeAssistanceRequest,
    AssignAssistanceRequest,
    CloseInvestigation,
    EstablishmentSeen,
    IssueLegalReferral,
    OpenInvestigation,
    OpenLegalAssistanceRequest,
    RecordMilestone,
    RecordOutcomes,
    RecordVisit,
    SplitLead,
)
from homeward_investigation.domain.model import (
    CloseReason,
    InvestigationOrigin,
    LegalAssistanceRequest,
    Milestone,
    ReferralSummary,
    RescueOutcome,
    SplitReason,
)
from homeward_investigation.service import handlers
from homeward_shared.contracts.handoffs import EstablishmentKind, LegalAssistanceKind, Urgency
from homeward_shared.domain import Conflict, DomainError, NotFound
from homeward_shared.uow import Actor, Delivery, Received

from .test_handlers import (
    CANARY,
    LEGAL,
    SERVICE,
    TODAY,
    FakeInvestigationUoW,
    karaoke_report,
    lead_cmd,
    operation,
)

INVESTIGATOR = Actor("u-inv-1", "investigator")
R, NF = RescueOutcome.RESCUED, RescueOutcome.NOT_FOUND


async def team_investigation(uow, key="inv-key-close"):
    opened, _ = await handlers.open_investigation(
        OpenInvestigation(
            idempotency_key=key,
            establishment=EstablishmentSeen(
                kind=EstablishmentKind.BROTHEL, province="Kandal", district="Ta Khmau"
            ),
            urgency=Urgency.HIGH,
        ),
        uow,
    )
    return opened


async def referred_under(uow, investigation, *, police: bool):
    report, _ = await handlers.file_report(
        dataclasses.replace(
            karaoke_report(uuid.uuid4().hex),
            establishment=None,
            investigation_id=investigation.investigation_id,
        ),
        uow.as_(INVESTIGATOR),
    )
    referral, _ = await handlers.issue_legal_referral(
        IssueLegalReferral(report_id=report.report_id), uow
    )
    if police:
        await handlers.record_milestone(
            RecordMilestone(
                referral_id=referral.referral_id,
                milestone=Milestone.POLICE_ENGAGED,
                occurred_on=TODAY - timedelta(days=5),
            ),
            uow.as_(LEGAL),
        )
    uow.as_(INVESTIGATOR)
    return report, referral


def close(investigation, reason=CloseReason.OPERATION_COMPLETED):
    return CloseInvestigation(investigation_id=investigation.investigation_id, reason=reason)


async def test_closing_is_refused_while_an_operation_is_in_progress_and_then_allowed():
    uow = FakeInvestigationUoW(INVESTIGATOR)
    investigation = await team_investigation(uow)
    report, referral = await referred_under(uow, investigation, police=True)

    # Police engaged, no operation yet: one is being prepared.
    with pytest.raises(Conflict, match="operation in progress"):
        await handlers.close_investigation(close(investigation), uow)
    # An operation with one outcome of two: the other is still being looked for.
    op, _ = await handlers.record_rescue_operation(
        operation(referral, (0, R), report=report), uow.as_(LEGAL)
    )
    with pytest.raises(Conflict, match=str(referral.referral_id)):
        await handlers.close_investigation(close(investigation), uow.as_(INVESTIGATOR))
    assert uow.investigations.rows[investigation.investigation_id].closed_at is None

    await handlers.record_outcomes(
        RecordOutcomes(
            operation_id=op.operation_id,
            outcomes=operation(referral, (1, NF), report=report).outcomes,
        ),
        uow.as_(LEGAL),
    )
    closed = await handlers.close_investigation(close(investigation), uow.as_(INVESTIGATOR))
    assert closed.close_reason is CloseReason.OPERATION_COMPLETED
    assert closed.closed_by == "investigator:u-inv-1" and closed.closed_at is not None
    assert uow.audit_trail[-1].action == "investigation_closed"
    assert uow.audit_trail[-1].detail["reason"] == "operation_completed"

    with pytest.raises(Conflict, match="closed already"):
        await handlers.close_investigation(close(investigation, CloseReason.OTHER), uow)
    assert uow.investigations.rows[investigation.investigation_id].close_reason == (
        CloseReason.OPERATION_COMPLETED
    )


async def test_a_later_operation_for_the_one_not_found_is_in_progress_until_her_outcome():
    uow = FakeInvestigationUoW(INVESTIGATOR)
    investigation = await team_investigation(uow)
    report, referral = await referred_under(uow, investigation, police=True)
    await handlers.record_rescue_operation(
        operation(referral, (0, R), (1, NF), report=report, key="op-first-1"), uow.as_(LEGAL)
    )
    second = dataclasses.replace(
        operation(referral, report=report, key="op-second-1"), carried_out_on=TODAY
    )
    await handlers.record_rescue_operation(second, uow)
    with pytest.raises(Conflict, match="operation in progress"):
        await handlers.close_investigation(close(investigation), uow.as_(INVESTIGATOR))


async def test_a_closed_investigation_refuses_visits_and_reports_saying_why():
    uow = FakeInvestigationUoW(INVESTIGATOR)
    investigation = await team_investigation(uow)
    await handlers.close_investigation(close(investigation, CloseReason.ESTABLISHMENT_CLOSED), uow)
    with pytest.raises(Conflict, match=r"closed \(establishment_closed\): cannot record a visit"):
        await handlers.record_visit(
            RecordVisit(
                investigation_id=investigation.investigation_id,
                idempotency_key="visit-after-close",
                visited_on=TODAY,
                investigators=("u-inv-1",),
            ),
            uow,
        )
    with pytest.raises(Conflict, match="cannot file a report"):
        await handlers.file_report(
            dataclasses.replace(
                karaoke_report("key-after-close"),
                establishment=None,
                investigation_id=investigation.investigation_id,
            ),
            uow,
        )
    assert not uow.reports.rows
    with pytest.raises(NotFound):
        await handlers.close_investigation(
            CloseInvestigation(investigation_id=uuid.uuid4(), reason=CloseReason.OTHER), uow
        )


async def two_leads_in_one_area(uow):
    first, second = lead_cmd(), lead_cmd(urgency=Urgency.IMMEDIATE)
    await handlers.when_lead_reported_open_investigation(first, uow.as_(SERVICE))
    await handlers.when_lead_reported_open_investigation(second, uow)
    [investigation] = uow.investigations.rows.values()
    assert len(investigation.leads) == 2
    uow.as_(INVESTIGATOR)
    return investigation, first.lead_id, second.lead_id


async def test_a_wrongly_linked_lead_is_split_into_an_investigation_of_its_own():
    uow = FakeInvestigationUoW()
    source, _, wrong = await two_leads_in_one_area(uow)
    cmd = SplitLead(
        investigation_id=source.investigation_id,
        lead_id=wrong,
        reason=SplitReason.DIFFERENT_ESTABLISHMENT,
        establishment=EstablishmentSeen(
            kind=EstablishmentKind.KARAOKE_BAR,
            province="Kandal",
            district="Ta Khmau",
            address=f"{CANARY} market road",
        ),
    )
    new, moved = await handlers.split_lead(cmd, uow)
    assert moved and new.investigation_id != source.investigation_id
    assert new.origin is InvestigationOrigin.SPLIT and new.urgency is Urgency.IMMEDIATE
    assert [x.lead_id for x in new.leads] == [wrong]
    assert new.establishment.establishment_id != source.establishment.establishment_id
    kept = uow.investigations.rows[source.investigation_id]
    assert wrong not in [x.lead_id for x in kept.leads] and len(kept.leads) == 1
    [split] = [a for a in uow.audit_trail if a.action == "lead_split"]
    assert split.detail == {
        "lead_id": str(wrong),
        "from_investigation_id": str(source.investigation_id),
        "to_investigation_id": str(new.investigation_id),
        "reason": "different_establishment",
    }
    assert CANARY not in str([a.detail for a in uow.audit_trail])

    # A retry after a lost answer finds the lead where it went and changes nothing.
    again, moved = await handlers.split_lead(cmd, uow)
    assert not moved and again.investigation_id == new.investigation_id
    assert len(uow.investigations.rows) == 2
    assert len([a for a in uow.audit_trail if a.action == "lead_split"]) == 1


async def test_a_lead_can_join_the_right_open_investigation_but_not_a_closed_one():
    uow = FakeInvestigationUoW()
    source, _, wrong = await two_leads_in_one_area(uow)
    right = await team_investigation(uow, key="inv-key-right")
    closed = await team_investigation(uow, key="inv-key-closed")
    closed_one = dataclasses.replace(
        close(closed, CloseReason.DUPLICATE), investigation_id=closed.investigation_id
    )
    await handlers.close_investigation(closed_one, uow)

    def split(into):
        return SplitLead(
            investigation_id=source.investigation_id,
            lead_id=wrong,
            reason=SplitReason.WRONG_AREA,
            into_investigation_id=into,
        )

    with pytest.raises(Conflict, match="closed"):
        await handlers.split_lead(split(closed.investigation_id), uow)
    with pytest.raises(DomainError, match="into_investigation_id"):
        await handlers.split_lead(split(source.investigation_id), uow)
    with pytest.raises(NotFound):
        await handlers.split_lead(split(uuid.uuid4()), uow)
    joined, moved = await handlers.split_lead(split(right.investigation_id), uow)
    assert moved and joined.investigation_id == right.investigation_id
    assert [x.lead_id for x in joined.leads] == [wrong]
    assert joined.urgency is Urgency.IMMEDIATE, "the lead's urgency comes with it"
    _, moved = await handlers.split_lead(split(right.investigation_id), uow)
    assert not moved


async def test_the_only_lead_is_not_split_into_a_new_investigation_and_unknown_leads_are_404():
    uow = FakeInvestigationUoW(SERVICE)
    only = lead_cmd()
    await handlers.when_lead_reported_open_investigation(only, uow)
    [investigation] = uow.investigations.rows.values()
    uow.as_(INVESTIGATOR)
    cmd = SplitLead(
        investigation_id=investigation.investigation_id,
        lead_id=only.lead_id,
        reason=SplitReason.OTHER,
    )
    with pytest.raises(Conflict, match="only lead"):
        await handlers.split_lead(cmd, uow)
    with pytest.raises(NotFound):
        await handlers.split_lead(dataclasses.replace(cmd, lead_id=uuid.uuid4()), uow)


def assistance(urgency=Urgency.HIGH, *, request_id=None, event_id=None, case_id=None):
    return OpenLegalAssistanceRequest(
        received=Received(
            event_id or uuid.uuid4(),
            "recovery.legal_assistance_requested",
            Delivery("investigation.legal_assistance_requested", "t", 0, 0),
        ),
        request_id=request_id or uuid.uuid4(),
        case_id=case_id or uuid.uuid4(),
        kind=LegalAssistanceKind.TESTIFY_IN_COURT,
        urgency=urgency,
        centre="TD",
        requested_at=datetime.now(UTC),
    )


async def test_a_request_for_legal_assistance_is_opened_once_however_often_it_arrives():
    uow = FakeInvestigationUoW(SERVICE)
    cmd = assistance()
    await handlers.when_legal_assistance_requested_open_request(cmd, uow)
    await handlers.when_legal_assistance_requested_open_request(cmd, uow)  # redelivered
    replay = dataclasses.replace(cmd, received=assistance().received)  # another event id
    await handlers.when_legal_assistance_requested_open_request(replay, uow)
    assert list(uow.assistance.rows) == [cmd.request_id]
    assert [a.action for a in uow.audit_trail] == [
        "legal_assistance_request_opened",
        "legal_assistance_request_duplicate_ignored",
    ]
    assert uow.audit_trail[0].case_id == cmd.case_id
    assert not uow.outbox


async def test_the_legal_inbox_puts_requests_beside_referrals_most_urgent_then_newest():
    uow = FakeInvestigationUoW()
    report, _ = await handlers.file_report(karaoke_report(urgency=Urgency.HIGH), uow)
    referral, _ = await handlers.issue_legal_referral(
        IssueLegalReferral(report_id=report.report_id), uow
    )
    uow.as_(SERVICE)
    routine, immediate, high = (
        assistance(Urgency.ROUTINE),
        assistance(Urgency.IMMEDIATE),
        assistance(Urgency.HIGH),
    )
    for cmd in (routine, immediate, high):
        await handlers.when_legal_assistance_requested_open_request(cmd, uow)
    uow.as_(LEGAL)
    inbox = await handlers.legal_inbox(uow)

    def ident(x):
        return x.referral.referral_id if isinstance(x, ReferralSummary) else x.request_id

    # The referral came first, so the high request is newer than it.
    assert [ident(x) for x in inbox] == [
        immediate.request_id,
        high.request_id,
        referral.referral_id,
        routine.request_id,
    ]
    assert len(await handlers.legal_inbox(uow, limit=2)) == 2

    ack = await handlers.acknowledge_assistance_request(
        AcknowledgeAssistanceRequest(request_id=immediate.request_id), uow
    )
    assert ack.acknowledged_by == "legal:u-legal-1"
    again = await handlers.acknowledge_assistance_request(
        AcknowledgeAssistanceRequest(request_id=immediate.request_id),
        uow.as_(Actor("u-legal-2", "legal")),
    )
    assert again.acknowledged_by == "legal:u-legal-1"
    assigned = await handlers.assign_assistance_request(
        AssignAssistanceRequest(request_id=high.request_id, assignee="u-legal-7"), uow
    )
    assert assigned.assigned_to == "u-legal-7" and assigned.acknowledged_by == "legal:u-legal-2"
    mine = await handlers.legal_inbox(uow, assigned_to="u-legal-7")
    assert [ident(x) for x in mine] == [high.request_id]
    pending = await handlers.legal_inbox(uow, acknowledged=False)
    assert [ident(x) for x in pending] == [referral.referral_id, routine.request_id]
    actions = [(a.action, a.case_id) for a in uow.audit_trail if "assistance" in a.action]
    assert ("legal_assistance_request_acknowledged", immediate.case_id) in actions
    assert ("legal_assistance_request_assigned", high.case_id) in actions
    with pytest.raises(NotFound):
        await handlers.acknowledge_assistance_request(
            AcknowledgeAssistanceRequest(request_id=uuid.uuid4()), uow
        )
    assert isinstance(
        await handlers.get_assistance_request(high.request_id, uow), LegalAssistanceRequest
    )
