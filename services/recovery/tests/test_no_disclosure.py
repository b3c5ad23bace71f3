"""Unit tier: recovery's refusals tell the caller the rule and nothing she did not know.
No reason repeats what she sent (a centre code, an id); staff of one centre cannot tell a
woman resident at another from a case that does not exist."""

import uuid
from datetime import UTC, datetime

import pytest
from homeward_recovery.domain.commands import (
    CompleteTraining,
    ReceiveTransfer,
    RecordDeparture,
    RequestTransfer,
)
from homeward_recovery.domain.model import LeaveReason
from homeward_recovery.service import handlers
from homeward_shared.contracts.handoffs import Urgency
from homeward_shared.domain import DomainError, NotFound

from .fakes import FakeRecoveryUoW
from .test_admissions import admission, rescued, resident_at

CANARY = "CANARY" + uuid.uuid4().hex[:12].upper()


def today():
    return datetime.now(UTC).date()


def answer(exc: DomainError) -> tuple[type, str, str]:
    """What the HTTP error handler makes of it: the status follows the type, then the body."""
    return type(exc), exc.code, str(exc)


async def test_an_unknown_centre_in_a_transfer_or_admission_is_not_repeated():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "TD")
    with pytest.raises(NotFound) as transfer:
        await handlers.request_transfer(
            RequestTransfer(
                case_id=case_id, acting_centre="TD", to_centre=CANARY, urgency=Urgency.ROUTINE
            ),
            uow,
        )
    waiting = rescued()
    await handlers.when_person_rescued_open_admission_request(waiting, uow)
    with pytest.raises(NotFound) as admit:
        await handlers.admit_resident(admission(waiting.case_id, CANARY), uow)
    for refused in (transfer.value, admit.value):
        assert CANARY not in str(refused) and str(case_id) not in str(refused)


async def test_another_centres_resident_answers_as_an_unknown_case_does():
    uow = FakeRecoveryUoW()
    resident = await resident_at(uow, "TD")
    left = await resident_at(uow, "SR")
    await handlers.record_departure(
        RecordDeparture(
            case_id=left, acting_centre="SR", reason=LeaveReason.OTHER, left_on=today()
        ),
        uow,
    )
    answers = []
    for case_id in (uuid.uuid4(), resident, left):
        with pytest.raises(DomainError) as refused:
            await handlers.admit_resident(admission(case_id, "KC"), uow)
        answers.append(answer(refused.value))
        assert str(case_id) not in str(refused.value)
    unknown, elsewhere, left_elsewhere = answers
    assert unknown[0] is NotFound
    assert elsewhere == unknown and left_elsewhere == unknown
    # Her own centre still hears the truth: she is a resident already.
    with pytest.raises(DomainError) as own:
        await handlers.admit_resident(admission(resident, "TD"), uow)
    assert answer(own.value) != unknown and "already a resident" in str(own.value)


async def test_refusals_about_ids_the_caller_sent_do_not_repeat_them():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "TD")
    unknown = uuid.uuid4()
    attempts = [
        lambda: handlers.receive_transfer(
            ReceiveTransfer(case_id=unknown, acting_centre="SR", consent_given=True), uow
        ),
        lambda: handlers.get_resident(unknown, "TD", uow),
        lambda: handlers.complete_training(
            CompleteTraining(
                case_id=case_id, enrolment_id=unknown, acting_centre="TD", completed_on=today()
            ),
            uow,
        ),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound) as refused:
            await attempt()
        assert str(unknown) not in str(refused.value) and str(case_id) not in str(refused.value)
