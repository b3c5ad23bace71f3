"""Each metric on /metrics moves when its cause happens, over the real broker and database:
events published and consumed per topic and the hand-off's latency; the outbox backlog and
its oldest row's age; consumer lag; dead letters; overdue follow-up visits. (HTTP latency:
tests/wiring/test_metrics_route.py.)"""

import uuid
from datetime import date, timedelta

import asyncpg
import pytest
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.clock import MovableClock
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.metrics import metric, scrape
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import client, walk_in
from tests.integration.test_handoff_guarantees import send
from tests.integration.test_reintegration_follow_up import at, handoff, resettled_by_handlers

pytestmark = pytest.mark.integration

# Every scrape recomputes the gauges that need the database or the broker.
NOW = {"metrics_min_refresh_s": 0}


async def test_a_handoff_moves_events_published_and_consumed_and_the_handoff_latency(
    database, topics
):
    intake = intake_app(settings_for(IntakeSettings, database, topics, **NOW))
    recovery = recovery_app(settings_for(RecoverySettings, database, topics, **NOW))
    handed = topics.placement_requested
    published = "homeward_events_published_total"
    acked = "faststream_received_processed_messages_total"
    latency = "homeward_handoff_latency_seconds"
    async with running(intake, recovery), client(intake) as ic, client(recovery) as rc:
        sent_before, got_before = await scrape(ic), await scrape(rc)
        await walk_in(ic)

        # The three counters move at different moments (the relay counts after the broker
        # confirmed and the row is marked; the consumer, once its transaction committed):
        # wait for all, then check each moved by exactly what happened.
        async def moved():
            sent, got = await scrape(ic), await scrape(rc)
            done = sent.value(published, topic=handed) > sent_before.value(
                published, topic=handed
            ) and got.value(acked, handler=handed, status="acked") > got_before.value(
                acked, handler=handed, status="acked"
            )
            return (sent, got) if done else None

        sent, got = await wait_until(moved, what="the hand-off is sent, handled and counted")

    assert sent.value(published, topic=handed) == sent_before.value(published, topic=handed) + 1
    # A walk-in enters two stages at intake, reported then rescued, written before the
    # placement request: the relay sends rows in order, so they are out too.
    assert sent.value(published, topic=topics.stage_changed) == (
        sent_before.value(published, topic=topics.stage_changed) + 2
    )
    assert got.value("faststream_received_messages_total", handler=handed) == (
        got_before.value("faststream_received_messages_total", handler=handed) + 1
    )
    assert got.value(acked, handler=handed, status="acked") == (
        got_before.value(acked, handler=handed, status="acked") + 1
    )
    assert got.value(f"{latency}_count", topic=handed) == 1
    assert 0 < got.value(f"{latency}_sum", topic=handed) < 30


async def test_the_outbox_backlog_and_its_oldest_age_rise_while_no_relay_runs_and_fall_after(
    database, topics
):
    writer = intake_app(settings_for(IntakeSettings, database, topics, **NOW))
    await writer.start(relay=False)  # rows are written and wait: no relay publishes them
    try:
        async with client(writer) as c:
            await walk_in(c)  # two stage changes and the placement request: three rows
            waiting = await scrape(c)
            assert waiting.value("homeward_outbox_backlog") >= 3
            assert waiting.value("homeward_outbox_oldest_unpublished_age_seconds") > 0

            # A second instance leads the relay and publishes them.
            relay = intake_app(settings_for(IntakeSettings, database, topics, **NOW))
            async with running(relay):

                async def drained():
                    return await metric(c, "homeward_outbox_backlog") == 0

                await wait_until(drained, what="the relay publishes the backlog")
                assert await metric(c, "homeward_outbox_oldest_unpublished_age_seconds") == 0
    finally:
        await writer.stop()


async def test_consumer_lag_rises_while_the_consumer_is_stalled_and_falls_once_it_catches_up(
    database, topics
):
    service = reintegration_app(settings_for(ReintegrationSettings, database, topics, **NOW))
    bootstrap = database.infra.kafka_bootstrap_servers
    handed = topics.resident_ready_for_reintegration
    lag = "homeward_consumer_lag"
    async with running(service), client(service) as c:

        async def assigned():
            return any(n == lag and ("topic", handed) in labels for n, labels in await scrape(c))

        await wait_until(assigned, what="the consumer is assigned its partitions")
        assert await metric(c, lag, topic=handed) == 0
        # The consumer stalls on its first event: its inbox insert waits for this lock, so
        # no offset is committed while three hand-offs arrive.
        admin = await asyncpg.connect(database.admin_dsn)
        try:
            stall = admin.transaction()
            await stall.start()
            await admin.execute("LOCK TABLE reintegration.inbox IN SHARE MODE")
            for _ in range(3):
                env = handoff(uuid.uuid4())
                await send(bootstrap, handed, env.case_id, env.model_dump_json().encode())

            async def behind():
                return await metric(c, lag, topic=handed) == 3

            await wait_until(behind, what="the lag shows three events not yet committed")
            await stall.rollback()
        finally:
            await admin.close()

        async def caught_up():
            return await metric(c, lag, topic=handed) == 0

        await wait_until(caught_up, what="the consumer commits and the lag falls")


async def test_a_poison_event_counts_as_one_dead_letter(database, topics):
    service = reintegration_app(settings_for(ReintegrationSettings, database, topics, **NOW))
    bootstrap = database.infra.kafka_bootstrap_servers
    handed = topics.resident_ready_for_reintegration
    async with running(service), client(service) as c:
        assert await metric(c, "homeward_dead_letters_total", topic=handed) == 0
        await send(bootstrap, handed, uuid.uuid4(), b"not an envelope")

        async def dead_lettered():
            return await metric(c, "homeward_dead_letters_total", topic=handed) == 1

        await wait_until(dead_lettered, what="the poison event is counted as a dead letter")
        samples = await scrape(c)
    # Received, but not a hand-off: no latency is observed for it.
    assert samples.value("faststream_received_messages_total", handler=handed) == 1
    assert samples.value("homeward_handoff_latency_seconds_count", topic=handed) == 0


async def test_a_missed_follow_up_visit_moves_the_overdue_gauge(database, topics):
    resettled_on = date(2026, 1, 5)
    clock = MovableClock(at(resettled_on))
    service = reintegration_app(
        settings_for(
            ReintegrationSettings,
            database,
            topics,
            follow_up_grace_days=14,
            overdue_scan_interval_s=3600,  # swept below, when the test says
            **NOW,
        ),
        clock=clock,
    )
    overdue = "homeward_follow_up_visits_overdue"
    async with running(service), client(service) as c:
        await resettled_by_handlers(service, uuid.uuid4(), resettled_on)
        before = await metric(c, overdue)
        # Her first visit was due three months on; fifteen days past it is past the grace.
        clock.set(at(date(2026, 4, 5) + timedelta(days=15)))
        assert await service.app.state.overdue_scheduler.sweep() >= 1
        assert await metric(c, overdue) >= before + 1
