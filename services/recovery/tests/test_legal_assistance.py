"""Unit tier: centre staff ask legal assistance for a resident; the note stays sealed and the
hand-off to legal workers carries codes only."""

import uuid
from datetime import date

import pytest
from homeward_recovery.domain.commands import RecordDeparture, RequestLegalAssistance
from homeward_recovery.domain.model import LeaveReason
from homeward_recovery.service import handlers
from homeward_shared.contracts import Topics
from homeward_shared.contracts.handoffs import LegalAssistanceKind, Urgency
from homeward_shared.domain import Conflict, NotFound
from homeward_shared.personal import ReadPurpose

from .fakes import FakeRecoveryUoW
from .test_admissions import resident_at

CANARY = "Canary-Leakena"


def ask(case_id, centre="TD", **kw) -> RequestLegalAssistance:
    return RequestLegalAssistance(
        case_id=case_id,
        acting_centre=centre,
        kind=LegalAssistanceKind.TESTIFY_IN_COURT,
        urgency=Urgency.HIGH,
        note=f"{CANARY} is afraid to see the owner in court",
        **kw,
    )


async def test_a_request_is_recorded_audited_and_handed_to_legal_workers_without_the_note():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "TD")
    request, created = await handlers.request_legal_assistance_for(
        ask(case_id, idempotency_key="legal-key-1"), uow
    )
    assert created and request.centre == "TD"
    [handoff] = uow.published(Topics().legal_assistance_requested)
    assert handoff.case_id == case_id
    assert handoff.payload.request_id == request.request_id
    assert handoff.payload.kind is LegalAssistanceKind.TESTIFY_IN_COURT
    assert handoff.payload.urgency is Urgency.HIGH and handoff.payload.centre == "TD"
    assert CANARY not in "".join(env.model_dump_json() for _, env in uow.outbox)
    assert uow.audit_trail[-1].action == "legal_assistance_requested"
    assert CANARY not in str([a.detail for a in uow.audit_trail])

    again, created = await handlers.request_legal_assistance_for(
        ask(case_id, idempotency_key="legal-key-1"), uow
    )
    assert not created and again.request_id == request.request_id
    assert len(uow.published(Topics().legal_assistance_requested)) == 1

    [listed] = await handlers.legal_assistance_requests(case_id, "TD", None, uow)
    assert listed.note is None
    [read] = await handlers.legal_assistance_requests(
        case_id, "TD", ReadPurpose.LEGAL_ASSISTANCE, uow
    )
    assert read.note.startswith(CANARY)
    assert uow.audit_trail[-1].action == "personal_data_read"


async def test_only_her_centre_asks_and_only_while_she_is_resident():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "TD")
    with pytest.raises(NotFound):
        await handlers.request_legal_assistance_for(ask(case_id, centre="SR"), uow)
    await handlers.record_departure(
        RecordDeparture(
            case_id=case_id,
            acting_centre="TD",
            reason=LeaveReason.WISHED_TO_WORK,
            left_on=date.today(),
        ),
        uow,
    )
    with pytest.raises(Conflict):
        await handlers.request_legal_assistance_for(ask(case_id), uow)
    with pytest.raises(NotFound):
        await handlers.request_legal_assistance_for(ask(uuid.uuid4()), uow)
    assert not uow.published(Topics().legal_assistance_requested)
