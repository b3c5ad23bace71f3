"""Unit tier: the in-memory unit of work keeps the real one's contract."""

import uuid

import pytest
from homeward_shared.contracts import Topics
from homeward_shared.domain import Aggregate, StageEntered
from homeward_shared.stages import Stage
from homeward_shared.testing.fakes import FakeUnitOfWork
from homeward_shared.uow import Delivery, Received


class Case(Aggregate):
    def __init__(self, case_id: uuid.UUID) -> None:
        super().__init__()
        self.case_id = case_id

    def enter(self, stage: Stage) -> None:
        self.record(StageEntered(case_id=self.case_id, stage=stage, previous_stage=None))


def no_messages(event, topics):
    return []


async def test_nothing_is_written_unless_committed():
    uow = FakeUnitOfWork(no_messages)
    case = Case(uuid.uuid4())
    with pytest.raises(RuntimeError):
        async with uow:
            uow.scope.correlation_id = uuid.uuid4()
            case.enter(Stage.REPORTED)
            uow.track(case)
            raise RuntimeError("handler failed")
    assert uow.outbox == [] and uow.audit_trail == [] and uow.rollbacks == 1

    async with uow:
        case.enter(Stage.ADMITTED)
        uow.track(case)
    assert uow.outbox == [] and uow.rollbacks == 2


async def test_a_claimed_event_is_refused_the_second_time_only_after_commit():
    uow = FakeUnitOfWork(no_messages)
    received = Received(uuid.uuid4(), "x", Delivery("g", "t", 0, 1))
    async with uow:
        assert await uow.claim(received)
    async with uow:  # rolled back: not yet processed
        assert await uow.claim(received)
        await uow.commit()
    async with uow:
        assert not await uow.claim(received)


async def test_commit_publishes_stage_changes_with_the_scope_ids():
    uow = FakeUnitOfWork(no_messages, topics=Topics())
    case = Case(uuid.uuid4())
    cause = uuid.uuid4()
    async with uow:
        uow.scope.correlation_id = corr = uuid.uuid4()
        uow.scope.causation_id = cause
        case.enter(Stage.ADMITTED)
        uow.track(case)
        await uow.commit()
    [env] = uow.published(Topics().stage_changed)
    assert (env.correlation_id, env.causation_id, env.case_id) == (corr, cause, case.case_id)
    assert [a.action for a in uow.audit_trail] == ["StageEntered"]
