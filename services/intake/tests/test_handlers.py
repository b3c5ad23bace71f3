"""Unit tier: intake's handlers against an in-memory unit of work."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from homeward_intake.adapters.messages import translate
from homeward_intake.adapters.repository import match_key
from homeward_intake.domain.commands import (
    CloseSignal,
    RecordOutreach,
    RegisterSignal,
    RequestPlacement,
    RouteToInvestigation,
)
from homeward_intake.domain.model import (
    ClosureReason,
    Establishment,
    Lead,
    LeadReason,
    OutreachActivity,
    PersonKnown,
    Signal,
)
from homeward_intake.service import handlers
from homeward_shared.contracts import Topics
from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, SignalSource, Urgency
from homeward_shared.contracts.stage import PlacementReason
from homeward_shared.domain import Conflict, DomainError, NotFound
from homeward_shared.personal import ReadPurpose
from homeward_shared.testing.fakes import FakeUnitOfWork

TOPICS = Topics()

WALK_IN = PlacementReason.WALK_IN_NEEDS_SHELTER


class FakeSignals:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Signal] = {}
        self.keys: dict[str, uuid.UUID] = {}
        self.persons: dict[uuid.UUID, PersonKnown] = {}
        self.n = 0

    async def next_case_number(self, year: int) -> str:
        self.n += 1
        return f"IN-{year}-{self.n:06d}"

    async def add(self, signal: Signal, idempotency_key: str) -> bool:
        if idempotency_key in self.keys:
            return False
        self.keys[idempotency_key] = signal.signal_id
        self.rows[signal.signal_id] = signal
        self.persons[signal.signal_id] = signal.person
        return True

    async def by_idempotency_key(self, key: str) -> Signal | None:
        return self.rows.get(self.keys.get(key))  # type: ignore[arg-type]

    async def get(self, signal_id: uuid.UUID, *, for_update: bool = False) -> Signal | None:
        return self.rows.get(signal_id)

    async def save(self, signal: Signal) -> None:
        self.rows[signal.signal_id] = signal

    async def open_person(self, signal: Signal) -> PersonKnown:
        return self.persons[signal.signal_id]


class FakeLeads:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Lead] = {}

    def match_key(self, establishment: Establishment) -> str:
        return match_key(b"test-secret", establishment)

    async def add(self, lead: Lead) -> bool:
        if await self.open_for(lead.match_key):
            return False
        self.rows[lead.lead_id] = lead
        return True

    async def open_for(self, key: str, *, for_update: bool = False) -> Lead | None:
        return next(
            (x for x in self.rows.values() if x.match_key == key and x.status == "open"), None
        )

    async def save(self, lead: Lead) -> None:
        self.rows[lead.lead_id] = lead


class FakeOutreach:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, OutreachActivity] = {}
        self.keys: dict[str, uuid.UUID] = {}

    async def add(self, activity: OutreachActivity, idempotency_key: str) -> bool:
        if idempotency_key in self.keys:
            return False
        self.keys[idempotency_key] = activity.activity_id
        self.rows[activity.activity_id] = activity
        return True

    async def by_idempotency_key(self, key: str) -> OutreachActivity | None:
        return self.rows.get(self.keys.get(key))  # type: ignore[arg-type]

    async def get(self, activity_id: uuid.UUID) -> OutreachActivity | None:
        return self.rows.get(activity_id)


class FakeIntakeUoW(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(translate, producer="intake")
        self.signals = FakeSignals()
        self.leads = FakeLeads()
        self.outreach = FakeOutreach()


def walk_in(key: str = "key-00000001", **kw) -> RegisterSignal:
    return RegisterSignal(
        idempotency_key=key,
        source=SignalSource.CLINIC_WALK_IN,
        urgency=Urgency.HIGH,
        needs_shelter=True,
        name="Canary Name",
        **kw,
    )


async def test_register_opens_a_case_reported_with_no_personal_data_in_events():
    uow = FakeIntakeUoW()
    signal, created = await handlers.register_signal(walk_in(), uow)
    assert created and uow.commits == 1
    [env] = uow.published(TOPICS.stage_changed)
    assert env.case_id == signal.case_id
    assert env.payload.stage == "reported"
    assert "Canary Name" not in env.model_dump_json()
    [figure] = uow.published(TOPICS.figure_recorded)
    assert figure.payload.metric == "signal_received"
    assert figure.payload.dimensions == {"source": "clinic_walk_in"}
    assert "Canary Name" not in figure.model_dump_json()
    assert [a.action for a in uow.audit_trail] == ["StageEntered", "FigureRecorded"]


async def test_a_retried_submit_returns_the_first_signal_and_emits_nothing_more():
    uow = FakeIntakeUoW()
    first, _ = await handlers.register_signal(walk_in(), uow)
    again, created = await handlers.register_signal(walk_in(), uow)
    assert not created and again.signal_id == first.signal_id
    assert len(uow.outbox) == 2 and uow.commits == 1


async def test_placement_request_rescues_and_hands_off_to_recovery():
    uow = FakeIntakeUoW()
    signal, _ = await handlers.register_signal(walk_in(apparent_minor=True), uow)
    await handlers.request_placement(
        RequestPlacement(signal_id=signal.signal_id, reason=WALK_IN), uow
    )
    stages = [e.payload.stage for e in uow.published(TOPICS.stage_changed)]
    assert stages == ["reported", "rescued"]
    [handoff] = uow.published(TOPICS.placement_requested)
    assert handoff.payload.apparent_minor is True
    assert handoff.correlation_id == signal.signal_id


async def test_placement_is_requested_once_only():
    uow = FakeIntakeUoW()
    signal, _ = await handlers.register_signal(walk_in(), uow)
    cmd = RequestPlacement(signal_id=signal.signal_id, reason=WALK_IN)
    await handlers.request_placement(cmd, uow)
    with pytest.raises(Conflict):
        await handlers.request_placement(cmd, uow)
    assert uow.rollbacks == 1
    assert len(uow.published(TOPICS.placement_requested)) == 1


async def test_placement_for_an_unknown_signal_is_refused():
    with pytest.raises(NotFound):
        await handlers.request_placement(
            RequestPlacement(signal_id=uuid.uuid4(), reason=WALK_IN), FakeIntakeUoW()
        )


async def test_reading_her_identity_is_audited():
    uow = FakeIntakeUoW()
    signal, _ = await handlers.register_signal(walk_in(), uow)
    person = await handlers.read_person(signal.signal_id, ReadPurpose.TRANSPORT, uow)
    assert person.name == "Canary Name"
    assert uow.audit_trail[-1].action == "personal_data_read"
    assert uow.audit_trail[-1].case_id == signal.case_id
    assert "Canary Name" not in str(uow.audit_trail[-1].detail)


def hotline_tip(key: str) -> RegisterSignal:
    return RegisterSignal(
        idempotency_key=key, source=SignalSource.HOTLINE, urgency=Urgency.HIGH, needs_shelter=False
    )


def lead_on(signal_id: uuid.UUID, name: str, **kw) -> RouteToInvestigation:
    values = {
        "reason": LeadReason.ESTABLISHMENT_NAMED,
        "kind": EstablishmentKind.KARAOKE_BAR,
        "province": "KH-12",
        "district": "1209",
        "urgency": Urgency.HIGH,
        "persons_reported": 3,
        "indicators": (Indicator.APPARENT_MINOR,),
        "establishment_name": name,
        "address": "Street-canary 12",
    }
    values.update(kw)
    return RouteToInvestigation(signal_id=signal_id, **values)


async def test_a_lead_goes_to_investigation_keyed_by_the_lead_without_the_place_name():
    uow = FakeIntakeUoW()
    signal, _ = await handlers.register_signal(hotline_tip("tip-00000001"), uow)
    routed, lead, linked = await handlers.route_to_investigation(
        lead_on(signal.signal_id, "Golden-canary KTV"), uow
    )
    assert not linked and routed.status == "routed_to_investigation"
    assert routed.lead_id == lead.lead_id and routed.stage == "reported"
    [env] = uow.published(TOPICS.lead_reported)
    assert env.case_id == lead.lead_id == env.payload.lead_id
    assert env.payload.persons_reported == 3 and env.payload.indicators == ["apparent_minor"]
    assert env.correlation_id == signal.signal_id
    assert "canary" not in env.model_dump_json()
    assert len(uow.published(TOPICS.stage_changed)) == 1  # only "reported"


async def test_a_second_signal_about_the_same_place_is_linked_not_duplicated():
    uow = FakeIntakeUoW()
    first, _ = await handlers.register_signal(hotline_tip("tip-00000001"), uow)
    second, _ = await handlers.register_signal(hotline_tip("tip-00000002"), uow)
    _, lead, _ = await handlers.route_to_investigation(lead_on(first.signal_id, "Golden KTV"), uow)
    # Spelling noise in the name still meets the same place.
    routed, again, linked = await handlers.route_to_investigation(
        lead_on(
            second.signal_id,
            "  golden   k.t.v ",
            persons_reported=5,
            indicators=(Indicator.DEBT_BONDAGE,),
        ),
        uow,
    )
    assert linked and again.lead_id == lead.lead_id and routed.status == "linked_to_lead"
    assert again.signals == 2 and again.persons_reported == 5
    assert set(again.indicators) == {Indicator.APPARENT_MINOR, Indicator.DEBT_BONDAGE}
    assert len(uow.published(TOPICS.lead_reported)) == 1
    assert uow.audit_trail[-1].action == "signal_linked_to_lead"


async def test_another_district_is_another_lead():
    uow = FakeIntakeUoW()
    a, _ = await handlers.register_signal(hotline_tip("tip-00000001"), uow)
    b, _ = await handlers.register_signal(hotline_tip("tip-00000002"), uow)
    await handlers.route_to_investigation(lead_on(a.signal_id, "Golden KTV"), uow)
    _, _, linked = await handlers.route_to_investigation(
        lead_on(b.signal_id, "Golden KTV", district="1202"), uow
    )
    assert not linked and len(uow.published(TOPICS.lead_reported)) == 2


async def test_a_signal_that_needs_no_action_is_closed_with_its_reason():
    uow = FakeIntakeUoW()
    signal, _ = await handlers.register_signal(hotline_tip("tip-00000001"), uow)
    closed = await handlers.close_signal(
        CloseSignal(signal_id=signal.signal_id, reason=ClosureReason.NOT_TRAFFICKING), uow
    )
    assert closed.status == "closed" and closed.routing_reason == "not_trafficking"
    last = uow.published(TOPICS.stage_changed)[-1]
    assert last.payload.stage == "closed" and last.payload.reason == "not_trafficking"
    with pytest.raises(Conflict):
        await handlers.route_to_investigation(lead_on(signal.signal_id, "X"), uow)
    with pytest.raises(Conflict):
        await handlers.request_placement(
            RequestPlacement(signal_id=signal.signal_id, reason=WALK_IN), uow
        )


async def test_a_walk_in_who_names_the_place_she_left_makes_a_lead_once():
    uow = FakeIntakeUoW()
    signal, _ = await handlers.register_signal(walk_in(), uow)
    await handlers.request_placement(
        RequestPlacement(signal_id=signal.signal_id, reason=WALK_IN), uow
    )
    routed, lead, _ = await handlers.route_to_investigation(
        lead_on(signal.signal_id, "Golden KTV"), uow
    )
    assert routed.status == "placement_requested" and routed.stage == "rescued"
    assert routed.lead_id == lead.lead_id
    with pytest.raises(Conflict):
        await handlers.route_to_investigation(lead_on(signal.signal_id, "Other KTV"), uow)
    assert len(uow.published(TOPICS.lead_reported)) == 1


async def test_an_outreach_day_becomes_one_figure_per_count_and_a_retry_adds_nothing():
    uow = FakeIntakeUoW()
    cmd = RecordOutreach(
        idempotency_key="outreach-0001",
        on=date(2026, 3, 4),
        province="KH-17",
        entertainment_areas_visited=3,
        educational_contacts=25,
    )
    activity, created = await handlers.record_outreach(cmd, uow)
    again, created_again = await handlers.record_outreach(cmd, uow)
    assert created and not created_again and again.activity_id == activity.activity_id
    figures = {e.payload.metric: e for e in uow.published(TOPICS.figure_recorded)}
    assert set(figures) == {
        "outreach_entertainment_areas_visited",
        "outreach_educational_contacts",
    }
    contacts = figures["outreach_educational_contacts"]
    assert contacts.payload.amount == Decimal(25) and contacts.payload.on == date(2026, 3, 4)
    assert contacts.payload.dimensions == {"province": "KH-17"}
    assert contacts.case_id == activity.activity_id


async def test_an_outreach_record_counts_something_and_is_not_in_the_future():
    uow = FakeIntakeUoW()
    with pytest.raises(DomainError, match="at least one"):
        await handlers.record_outreach(
            RecordOutreach(idempotency_key="outreach-0002", on=date(2026, 3, 4), province="KH-8"),
            uow,
        )
    with pytest.raises(DomainError, match="on:"):
        await handlers.record_outreach(
            RecordOutreach(
                idempotency_key="outreach-0003",
                on=date.today() + timedelta(days=5),
                province="KH-8",
                clinic_consultations=4,
            ),
            uow,
        )
    assert uow.outbox == []
