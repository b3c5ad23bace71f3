"""Unit tier: intake's handlers against an in-memory unit of work."""

import uuid

import pytest
from homeward_intake.adapters.messages import translate
from homeward_intake.domain.commands import RegisterSignal, RequestPlacement
from homeward_intake.domain.model import PersonKnown, Signal
from homeward_intake.service import handlers
from homeward_shared.contracts import Topics
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.domain import Conflict, NotFound
from homeward_shared.personal import ReadPurpose
from homeward_shared.testing.fakes import FakeUnitOfWork

TOPICS = Topics()


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


class FakeIntakeUoW(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(translate, producer="intake")
        self.signals = FakeSignals()


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
    assert [a.action for a in uow.audit_trail] == ["StageEntered"]


async def test_a_retried_submit_returns_the_first_signal_and_emits_nothing_more():
    uow = FakeIntakeUoW()
    first, _ = await handlers.register_signal(walk_in(), uow)
    again, created = await handlers.register_signal(walk_in(), uow)
    assert not created and again.signal_id == first.signal_id
    assert len(uow.outbox) == 1 and uow.commits == 1


async def test_placement_request_rescues_and_hands_off_to_recovery():
    uow = FakeIntakeUoW()
    signal, _ = await handlers.register_signal(walk_in(apparent_minor=True), uow)
    await handlers.request_placement(
        RequestPlacement(signal_id=signal.signal_id, reason="walk_in"), uow
    )
    stages = [e.payload.stage for e in uow.published(TOPICS.stage_changed)]
    assert stages == ["reported", "rescued"]
    [handoff] = uow.published(TOPICS.placement_requested)
    assert handoff.payload.apparent_minor is True
    assert handoff.correlation_id == signal.signal_id


async def test_placement_is_requested_once_only():
    uow = FakeIntakeUoW()
    signal, _ = await handlers.register_signal(walk_in(), uow)
    cmd = RequestPlacement(signal_id=signal.signal_id, reason="walk_in")
    await handlers.request_placement(cmd, uow)
    with pytest.raises(Conflict):
        await handlers.request_placement(cmd, uow)
    assert uow.rollbacks == 1
    assert len(uow.published(TOPICS.placement_requested)) == 1


async def test_placement_for_an_unknown_signal_is_refused():
    with pytest.raises(NotFound):
        await handlers.request_placement(
            RequestPlacement(signal_id=uuid.uuid4(), reason="walk_in"), FakeIntakeUoW()
        )


async def test_reading_her_identity_is_audited():
    uow = FakeIntakeUoW()
    signal, _ = await handlers.register_signal(walk_in(), uow)
    person = await handlers.read_person(signal.signal_id, ReadPurpose.TRANSPORT, uow)
    assert person.name == "Canary Name"
    assert uow.audit_trail[-1].action == "personal_data_read"
    assert uow.audit_trail[-1].case_id == signal.case_id
    assert "Canary Name" not in str(uow.audit_trail[-1].detail)
