"""The hand-off rules of DESIGN.md, proven over the real broker and database: no loss, no
double, poison events set aside, one relay at a time."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_shared.contracts import PlacementRequested
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.envelope import Envelope
from homeward_shared.outbox import OutboxRelay, outbox_backlog
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import client, walk_in

pytestmark = pytest.mark.integration


def placement(case_id: uuid.UUID, **payload) -> Envelope[PlacementRequested]:
    return Envelope.wrap(
        PlacementRequested(
            case_number=f"IN-2026-{uuid.uuid4().int % 10**6:06d}",
            source=SignalSource.POLICE,
            urgency=Urgency.HIGH,
            **payload,
        ),
        case_id=case_id,
        producer="intake",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )


async def send(bootstrap: str, topic: str, key: uuid.UUID, value: bytes, headers=()) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=str(key).encode(), headers=list(headers))
    finally:
        await producer.stop()


async def audit_actions(dsn: str, schema: str, case_id: uuid.UUID) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            f"SELECT action FROM {schema}.audit WHERE case_id = $1 ORDER BY seq", case_id
        )
        return [r["action"] for r in rows]
    finally:
        await conn.close()


async def test_the_same_handoff_delivered_twice_has_one_effect(database, topics):
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    case_id = uuid.uuid4()
    env = placement(case_id)
    # A second, distinct hand-off of the same case goes last on the same partition: once it
    # is seen, both copies before it were consumed.
    sentinel = placement(case_id)
    async with running(recovery):
        for e in (env, env, sentinel):
            await send(bootstrap, topics.placement_requested, case_id, e.model_dump_json().encode())

        async def sentinel_seen():
            actions = await audit_actions(database.admin_dsn, "recovery", case_id)
            return "admission_request_duplicate_ignored" in actions

        await wait_until(sentinel_seen, what="the sentinel hand-off is consumed")

    actions = await audit_actions(database.admin_dsn, "recovery", case_id)
    assert actions == ["admission_request_opened", "admission_request_duplicate_ignored"]
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM recovery.admission_requests WHERE case_id = $1", case_id
            )
            == 1
        )
        inbox = await conn.fetch(
            "SELECT event_id FROM recovery.inbox WHERE event_id = ANY($1::uuid[])",
            [env.event_id, sentinel.event_id],
        )
        assert sorted(r["event_id"] for r in inbox) == sorted([env.event_id, sentinel.event_id])
    finally:
        await conn.close()


class RelayKilled(BaseException):
    """Not an Exception: the relay's retry loop must not catch it, as it cannot catch a
    SIGKILL."""


async def test_relay_dying_after_the_broker_confirmed_resends_and_the_consumer_ignores_it(
    database, topics
):
    intake = intake_app(settings_for(IntakeSettings, database, topics))
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    await intake.start(relay=False)
    stop = asyncio.Event()
    try:
        async with running(recovery), TopicReader(bootstrap, topics.all()) as feed:
            async with client(intake) as c:
                signal = await walk_in(c)
            case_id = uuid.UUID(signal["case_id"])

            doomed = OutboxRelay(intake.settings.dsn, "intake", bootstrap, poll_interval_s=0.2)

            async def die(rows):
                raise RelayKilled(f"killed after the broker confirmed {len(rows)} rows")

            doomed.before_mark = die
            with pytest.raises(RelayKilled):
                await asyncio.wait_for(doomed.run(stop), 20)
            # The broker has the events, the outbox still says unpublished.
            await feed.wait_for(topics.placement_requested, 1)
            async with intake.pool.acquire() as conn:
                # reported, rescued, the hand-off and the signal's figure for the report
                assert (await outbox_backlog(conn, "intake"))[0] == 4
            await doomed._close()

            survivor = OutboxRelay(intake.settings.dsn, "intake", bootstrap, poll_interval_s=0.2)
            task = asyncio.create_task(survivor.run(stop))

            async def drained():
                async with intake.pool.acquire() as conn:
                    return (await outbox_backlog(conn, "intake"))[0] == 0

            await wait_until(drained, what="the restarted relay publishes the rows again")
            sent_twice = await feed.wait_for(topics.placement_requested, 2)
            assert len({dict(r.headers)["event_id"] for r in sent_twice}) == 1

            async def second_copy_consumed():
                conn = await asyncpg.connect(database.admin_dsn)
                try:
                    return await conn.fetchval(
                        "SELECT count(*) FROM recovery.admission_requests WHERE case_id = $1",
                        case_id,
                    )
                finally:
                    await conn.close()

            await wait_until(second_copy_consumed, what="recovery consumed the hand-off")
            stop.set()
            await asyncio.wait_for(task, 10)
    finally:
        stop.set()
        await intake.stop()

    actions = await audit_actions(database.admin_dsn, "recovery", case_id)
    assert actions.count("admission_request_opened") == 1
    assert "admission_request_duplicate_ignored" not in actions  # the inbox absorbed it


async def test_a_malformed_event_goes_to_the_dead_letter_topic_and_the_next_is_processed(
    database, topics
):
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    case_id = uuid.uuid4()
    canary = f"canary-{uuid.uuid4().hex}"
    broken = placement(case_id).model_dump(mode="json")
    broken["payload"]["children_with_her"] = canary  # a personal value where a count belongs
    future = placement(case_id).model_dump(mode="json")
    future["schema_version"] = 2
    good = placement(case_id)
    dlq = topics.dead_letter(topics.placement_requested)
    async with running(recovery), TopicReader(bootstrap, [dlq]) as dead:
        await send(bootstrap, topics.placement_requested, case_id, b"\xff not json {")
        await send(bootstrap, topics.placement_requested, case_id, json.dumps(broken).encode())
        await send(bootstrap, topics.placement_requested, case_id, json.dumps(future).encode())
        await send(bootstrap, topics.placement_requested, case_id, good.model_dump_json().encode())

        async def admitted_to_queue():
            actions = await audit_actions(database.admin_dsn, "recovery", case_id)
            return "admission_request_opened" in actions

        await wait_until(admitted_to_queue, what="the good event after the bad ones")
        letters = await dead.wait_for(dlq, 3)

    assert letters[0].value == b"\xff not json {"
    reasons = [dict(r.headers)["dlq.reason"].decode() for r in letters]
    assert reasons[0].startswith("contract invalid")
    assert "payload.children_with_her" in reasons[1]
    assert "schema_version 2 is not supported" in reasons[2]
    for r in letters:
        h = dict(r.headers)
        assert h["dlq.original_topic"].decode() == topics.placement_requested
        assert h["dlq.consumer_group"].decode() == f"{topics.prefix}recovery"
        assert r.key == str(case_id).encode()
        assert canary.encode() not in h["dlq.reason"]
    assert [int(dict(r.headers)["dlq.original_offset"]) for r in letters] == sorted(
        int(dict(r.headers)["dlq.original_offset"]) for r in letters
    )


async def test_two_relays_for_one_service_exactly_one_publishes_and_per_case_order_holds(
    database, topics
):
    intake = intake_app(settings_for(IntakeSettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    cases = 25
    await intake.start(relay=False)
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    try:
        async with client(intake) as c:
            signals = [await walk_in(c) for _ in range(cases)]
        a = OutboxRelay(intake.settings.dsn, "intake", bootstrap, poll_interval_s=0.1)
        b = OutboxRelay(intake.settings.dsn, "intake", bootstrap, poll_interval_s=0.1)
        async with TopicReader(bootstrap, topics.all()) as feed:
            tasks = [asyncio.create_task(a.run(stop_a)), asyncio.create_task(b.run(stop_b))]
            await feed.wait_for(topics.stage_changed, 2 * cases)
            # Per walk-in: reported, rescued, the hand-off, the signal's figure.
            await wait_until(lambda: a.published + b.published == 4 * cases, what="all rows marked")
            assert sorted([a.published, b.published]) == [0, 4 * cases]
            assert a.is_leader != b.is_leader
            leader, standby = (a, b) if a.is_leader else (b, a)

            # The leader stops; the standby takes over and carries on.
            (stop_a if leader is a else stop_b).set()
            async with client(intake) as c:
                late = await walk_in(c)
            more = await feed.wait_for(topics.stage_changed, 2 * cases + 2)
            # Counted after the broker confirmed and the rows were marked, which may be a
            # moment after the reader sees them.
            await wait_until(lambda: standby.published == 4, what="the standby publishes")
            assert standby.is_leader and not leader.is_leader and leader.published == 4 * cases
            stop_a.set()
            stop_b.set()
            await asyncio.gather(*tasks)

    finally:
        await intake.stop()
    by_case: dict[bytes, list[str]] = {}
    ids = [dict(r.headers)["event_id"] for r in more]
    assert len(ids) == len(set(ids)), "an event was published twice"
    for r in sorted(more, key=lambda r: (r.partition, r.offset)):
        by_case.setdefault(r.key, []).append(json.loads(r.value)["payload"]["stage"])
    assert len(by_case) == cases + 1
    assert all(s == ["reported", "rescued"] for s in by_case.values())
    assert late["case_id"].encode() in by_case
    assert {s["case_id"].encode() for s in signals} <= set(by_case)
