"""Wiring tier: the dead-letter middleware inside faststream's in-memory broker."""

import uuid

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from homeward_shared.consumer import subscribe
from homeward_shared.contracts import CaseStageChanged, Topics
from homeward_shared.dead_letters import DeadLetters
from homeward_shared.envelope import Envelope
from homeward_shared.stages import Stage
from homeward_shared.testing.fakes import utc_now_envelope


def make(react):
    dead = DeadLetters("test", retry_backoff_s=0)
    broker = KafkaBroker(middlewares=[dead])
    dead.bind(broker)
    topics = Topics("w.")
    subscribe(
        broker,
        dead,
        topic=topics.stage_changed,
        group_id="g",
        contract=CaseStageChanged,
        react=react,
        name="react",
    )
    letters: list = []

    @broker.subscriber(Topics.dead_letter(topics.stage_changed), group_id="dlq-reader")
    async def read_dlq(message: KafkaMessage) -> None:
        letters.append(message)

    return broker, topics, letters, dead


async def test_a_poison_event_is_set_aside_with_its_reason_and_the_next_is_handled():
    handled: list[Envelope] = []

    async def react(env, delivery):
        handled.append(env)

    broker, topics, letters, dead = make(react)
    good = utc_now_envelope(CaseStageChanged(stage=Stage.ADMITTED))
    async with TestKafkaBroker(broker) as br:
        await br.publish(b"{not json", topic=topics.stage_changed, key=b"k")
        await br.publish(good.model_dump_json().encode(), topic=topics.stage_changed, key=b"k")
    assert [e.event_id for e in handled] == [good.event_id]
    assert dead.dead_lettered == 1
    [letter] = letters
    assert letter.headers["dlq.reason"].startswith("contract invalid")
    assert letter.headers["dlq.consumer_group"] == "g"
    assert letter.body == b"{not json"


async def test_a_transient_failure_is_not_dead_lettered():
    async def react(env, delivery):
        raise ConnectionError("database is down")

    broker, topics, letters, dead = make(react)
    env = utc_now_envelope(CaseStageChanged(stage=Stage.ADMITTED))
    async with TestKafkaBroker(broker) as br:
        with pytest.raises(ConnectionError):
            await br.publish(env.model_dump_json().encode(), topic=topics.stage_changed)
    assert letters == [] and dead.dead_lettered == 0


def test_unique_case_ids_per_call():
    a = utc_now_envelope(CaseStageChanged(stage=Stage.ADMITTED))
    b = utc_now_envelope(CaseStageChanged(stage=Stage.ADMITTED))
    assert a.case_id != b.case_id and isinstance(a.case_id, uuid.UUID)


async def test_transient_failures_in_a_row_back_off_doubling_to_a_bound_and_reset_on_success():
    dead = DeadLetters("test", retry_backoff_s=0.5, retry_backoff_max_s=4)
    pauses = []
    for failures in range(6):
        dead.failures_in_a_row = failures
        pauses.append(dead.backoff())
    bounds = [0.5, 1, 2, 4, 4, 4]
    assert all(b / 2 <= p <= b for p, b in zip(pauses, bounds, strict=True)), pauses

    calls = 0

    async def react(env, delivery):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database is down")

    broker, topics, _, dead = make(react)
    env = utc_now_envelope(CaseStageChanged(stage=Stage.ADMITTED))
    async with TestKafkaBroker(broker) as br:
        with pytest.raises(ConnectionError):
            await br.publish(env.model_dump_json().encode(), topic=topics.stage_changed)
        assert dead.failures_in_a_row == 1 and dead.retries == 1
        await br.publish(env.model_dump_json().encode(), topic=topics.stage_changed)
    assert dead.failures_in_a_row == 0 and calls == 2


async def test_an_event_over_the_size_limit_is_dead_lettered_before_it_is_parsed():
    handled: list[Envelope] = []

    async def react(env, delivery):
        handled.append(env)

    broker, topics, letters, dead = make(react)
    dead.max_event_bytes = 2_000
    small = utc_now_envelope(CaseStageChanged(stage=Stage.ADMITTED))
    big = small.model_dump_json().encode() + b" " * 2_000
    async with TestKafkaBroker(broker) as br:
        await br.publish(big, topic=topics.stage_changed, key=b"k")
        await br.publish(small.model_dump_json().encode(), topic=topics.stage_changed, key=b"k")
    assert [e.event_id for e in handled] == [small.event_id]
    [letter] = letters
    assert letter.headers["dlq.error"] == "EventTooLarge"
    assert "limit is 2000" in letter.headers["dlq.reason"]
    assert letter.body == big
