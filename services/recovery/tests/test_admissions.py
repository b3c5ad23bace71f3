"""Unit tier: recovery's admission queue, transfers and departures against an in-memory
unit of work."""

import uuid
from datetime import UTC, date, datetime

import pytest
from homeward_recovery.domain.commands import (
    AdmitResident,
    Enrol,
    HandToReintegration,
    OpenAdmissionRequest,
    ReceiveTransfer,
    RecordDeparture,
    RequestTransfer,
)
from homeward_recovery.domain.model import (
    CentreFull,
    ConsentMissing,
    Identity,
    LeaveReason,
    NotResident,
    RequestOrigin,
)
from homeward_recovery.domain.training import Trade
from homeward_recovery.service import handlers
from homeward_shared.contracts import Topics
from homeward_shared.contracts.handoffs import Urgency
from homeward_shared.domain import Conflict, NotFound
from homeward_shared.uow import Delivery, Received

from .fakes import FakeRecoveryUoW

TOPICS = Topics()


def today() -> date:
    """The admission stamps the UTC day it happens: a fixed date here would fall behind it."""
    return datetime.now(UTC).date()


def rescued(case_id: uuid.UUID | None = None, event_id: uuid.UUID | None = None, **kw):
    return OpenAdmissionRequest(
        received=Received(
            event_id or uuid.uuid4(),
            "investigation.person_rescued",
            Delivery("recovery.person_rescued", "investigation.person_rescued", 0, 0),
        ),
        case_id=case_id or uuid.uuid4(),
        case_number="INV-1",
        correlation_id=uuid.uuid4(),
        origin=RequestOrigin.RESCUE,
        source=None,
        urgency=kw.pop("urgency", Urgency.HIGH),
        apparent_minor=kw.pop("apparent_minor", False),
        children_with_her=kw.pop("children_with_her", 0),
        language=kw.pop("language", None),
        operation_id=uuid.uuid4(),
    )


def admission(case_id: uuid.UUID, centre: str, consent: bool = True) -> AdmitResident:
    return AdmitResident(
        case_id=case_id,
        centre=centre,
        informed_consent=consent,
        house_rules_accepted=True,
        consent_given_on=today(),
        identity=Identity(name="Canary Name"),
    )


async def resident_at(uow: FakeRecoveryUoW, centre: str, **kw) -> uuid.UUID:
    cmd = rescued(**kw)
    await handlers.when_person_rescued_open_admission_request(cmd, uow)
    await handlers.admit_resident(admission(cmd.case_id, centre), uow)
    return cmd.case_id


async def proposal(uow: FakeRecoveryUoW, case_id: uuid.UUID):
    [req] = [r for r in await handlers.waiting_requests(uow) if r.case_id == case_id]
    return req.proposed_centre, req.waiting_reason


@pytest.mark.parametrize(
    ("needs", "expected"),
    [
        ({"apparent_minor": True}, "KC"),
        ({"children_with_her": 2}, "TD"),
        ({"language": "th"}, "SR"),
        ({}, "TD"),  # the most free places
    ],
)
async def test_the_proposal_follows_her_needs(needs, expected):
    uow = FakeRecoveryUoW()
    cmd = rescued(**needs)
    await handlers.when_person_rescued_open_admission_request(cmd, uow)
    assert await proposal(uow, cmd.case_id) == (expected, "awaiting_staff_confirmation")


async def test_a_minor_waits_with_the_reason_while_the_centre_for_the_youngest_is_full():
    uow = FakeRecoveryUoW()
    first = await resident_at(uow, "KC", apparent_minor=True)
    cmd = rescued(apparent_minor=True)
    await handlers.when_person_rescued_open_admission_request(cmd, uow)
    assert await proposal(uow, cmd.case_id) == (None, "centres_fitting_her_needs_full")
    with pytest.raises(CentreFull):
        await handlers.admit_resident(admission(cmd.case_id, "KC"), uow)

    await handlers.record_departure(
        RecordDeparture(
            case_id=first,
            acting_centre="KC",
            reason=LeaveReason.FAMILY_TOOK_HER_HOME,
            left_on=today(),
        ),
        uow,
    )
    assert await proposal(uow, cmd.case_id) == ("KC", "awaiting_staff_confirmation")
    await handlers.admit_resident(admission(cmd.case_id, "KC"), uow)


async def test_a_minor_with_children_fits_no_centre_and_says_so():
    uow = FakeRecoveryUoW()
    cmd = rescued(apparent_minor=True, children_with_her=1)
    await handlers.when_person_rescued_open_admission_request(cmd, uow)
    assert await proposal(uow, cmd.case_id) == (None, "no_centre_fits_her_needs")


async def test_a_redelivered_or_repeated_rescue_opens_one_request():
    uow = FakeRecoveryUoW()
    cmd = rescued()
    await handlers.when_person_rescued_open_admission_request(cmd, uow)
    await handlers.when_person_rescued_open_admission_request(cmd, uow)
    await handlers.when_person_rescued_open_admission_request(rescued(case_id=cmd.case_id), uow)
    assert len(uow.requests.rows) == 1
    actions = [a.action for a in uow.audit_trail]
    assert actions == ["admission_request_opened", "admission_request_duplicate_ignored"]


async def test_admission_needs_her_consent_and_happens_once():
    uow = FakeRecoveryUoW()
    cmd = rescued()
    await handlers.when_person_rescued_open_admission_request(cmd, uow)
    with pytest.raises(ConsentMissing):
        await handlers.admit_resident(admission(cmd.case_id, "TD", consent=False), uow)
    resident = await handlers.admit_resident(admission(cmd.case_id, "TD"), uow)
    [env] = uow.published(TOPICS.stage_changed)
    assert (env.payload.stage, env.payload.centre, env.payload.reason) == (
        "admitted",
        "TD",
        "rescue",
    )
    assert "Canary Name" not in env.model_dump_json()
    assert resident.identity.name == "Canary Name"
    with pytest.raises(Conflict):
        await handlers.admit_resident(admission(cmd.case_id, "TD"), uow)


async def test_leaving_frees_her_place_and_ends_her_stay():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "SR")
    leave = RecordDeparture(
        case_id=case_id, acting_centre="SR", reason=LeaveReason.WISHED_TO_WORK, left_on=today()
    )
    with pytest.raises(NotFound):  # another centre's staff
        await handlers.record_departure(
            RecordDeparture(
                case_id=case_id,
                acting_centre="TD",
                reason=LeaveReason.WISHED_TO_WORK,
                left_on=today(),
            ),
            uow,
        )
    resident = await handlers.record_departure(leave, uow)
    assert resident.stage == "left_centre"
    assert (await uow.centres.occupancy()).get("SR", 0) == 0
    env = uow.published(TOPICS.stage_changed)[-1]
    assert (env.payload.stage, env.payload.previous_stage, env.payload.reason) == (
        "left_centre",
        "admitted",
        "wished_to_work",
    )
    with pytest.raises(NotResident):
        await handlers.record_departure(leave, uow)
    with pytest.raises(NotResident):
        await handlers.hand_to_reintegration(
            HandToReintegration(
                case_id=case_id, acting_centre="SR", skills=(), wishes_to_return_home=None
            ),
            uow,
        )


async def test_a_transfer_keeps_her_place_until_she_is_received_and_leaving_withdraws_it():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "TD")
    with pytest.raises(Conflict):
        await handlers.request_transfer(
            RequestTransfer(
                case_id=case_id, acting_centre="TD", to_centre="TD", urgency=Urgency.ROUTINE
            ),
            uow,
        )
    req = await handlers.request_transfer(
        RequestTransfer(
            case_id=case_id, acting_centre="TD", to_centre="SR", urgency=Urgency.ROUTINE
        ),
        uow,
    )
    assert (req.origin, req.proposed_centre) == ("transfer", "SR")
    assert (await uow.centres.occupancy()) == {"TD": 1}
    with pytest.raises(ConsentMissing):
        await handlers.receive_transfer(
            ReceiveTransfer(case_id=case_id, acting_centre="SR", consent_given=False), uow
        )
    with pytest.raises(NotFound):  # only the centre asked may receive her
        await handlers.receive_transfer(
            ReceiveTransfer(case_id=case_id, acting_centre="KC", consent_given=True), uow
        )
    await handlers.record_departure(
        RecordDeparture(
            case_id=case_id, acting_centre="TD", reason=LeaveReason.OTHER, left_on=today()
        ),
        uow,
    )
    assert await handlers.waiting_requests(uow) == []
    with pytest.raises(Conflict):
        await handlers.receive_transfer(
            ReceiveTransfer(case_id=case_id, acting_centre="SR", consent_given=True), uow
        )


async def test_leaving_withdraws_training_in_progress_and_the_dashboards_hear_of_it():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "TD")
    enrolment = await handlers.enrol(
        Enrol(
            case_id=case_id,
            acting_centre="TD",
            trade=Trade.WEAVING,
            started_on=today(),
            planned_end_on=None,
        ),
        uow,
    )
    await handlers.record_departure(
        RecordDeparture(
            case_id=case_id, acting_centre="TD", reason=LeaveReason.WISHED_TO_WORK, left_on=today()
        ),
        uow,
    )
    assert uow.training.rows[enrolment.enrolment_id].status == "withdrawn"
    milestones = [
        (e.payload.milestone, e.payload.trade) for e in uow.published(TOPICS.training_recorded)
    ]
    assert milestones == [("enrolled", "weaving"), ("withdrawn", "weaving")]
    with pytest.raises(NotResident):
        await handlers.enrol(
            Enrol(
                case_id=case_id,
                acting_centre="TD",
                trade=Trade.HAIRDRESSING,
                started_on=today(),
                planned_end_on=None,
            ),
            uow,
        )


async def test_a_woman_who_left_and_is_handed_on_again_waits_again_and_is_readmitted():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "SR")
    await handlers.record_departure(
        RecordDeparture(
            case_id=case_id,
            acting_centre="SR",
            reason=LeaveReason.LEFT_WITHOUT_NOTICE,
            left_on=today(),
        ),
        uow,
    )
    await handlers.when_person_rescued_open_admission_request(rescued(case_id=case_id), uow)
    assert uow.audit_trail[-1].action == "admission_request_reopened"
    assert await proposal(uow, case_id) == ("TD", "awaiting_staff_confirmation")
    resident = await handlers.admit_resident(admission(case_id, "TD"), uow)
    assert (resident.status, resident.centre, resident.left_on) == ("resident", "TD", None)
    env = uow.published(TOPICS.stage_changed)[-1]
    assert (env.payload.stage, env.payload.previous_stage, env.payload.reason) == (
        "admitted",
        "left_centre",
        "readmission",
    )
    # While she is resident, another hand-off of her case is a duplicate.
    await handlers.when_person_rescued_open_admission_request(rescued(case_id=case_id), uow)
    assert uow.audit_trail[-1].action == "admission_request_duplicate_ignored"


def figures(uow: FakeRecoveryUoW) -> list[tuple[str, dict[str, str]]]:
    return [(e.payload.metric, e.payload.dimensions) for e in uow.published(TOPICS.figure_recorded)]


async def test_each_stay_begins_and_ends_as_a_figure_for_the_impact_report():
    uow = FakeRecoveryUoW()
    case_id = await resident_at(uow, "TD")
    await handlers.request_transfer(
        RequestTransfer(
            case_id=case_id, acting_centre="TD", to_centre="SR", urgency=Urgency.ROUTINE
        ),
        uow,
    )
    await handlers.receive_transfer(
        ReceiveTransfer(case_id=case_id, acting_centre="SR", consent_given=True), uow
    )
    await handlers.hand_to_reintegration(
        HandToReintegration(
            case_id=case_id, acting_centre="SR", skills=(), wishes_to_return_home=None
        ),
        uow,
    )
    assert figures(uow) == [
        ("admission", {"centre": "TD", "origin": "rescue"}),
        ("exit", {"centre": "TD", "kind": "transferred_out"}),
        ("admission", {"centre": "SR", "origin": "transfer"}),
        ("exit", {"centre": "SR", "kind": "ready_for_reintegration"}),
    ]
    assert {e.case_id for e in uow.published(TOPICS.figure_recorded)} == {case_id}
