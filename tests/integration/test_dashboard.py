"""The dashboard over the real broker and database: it counts what the services did, keeps
a case at its furthest stage when an earlier one arrives late, dead-letters a malformed
stage event and keeps counting, shows a late hand-off, pushes stage changes to a browser
stream, and a rebuild from the topic gives the same numbers."""

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import ConsumerRecord
from homeward_dashboard import rebuild as rebuild_module
from homeward_dashboard.bootstrap import bootstrap as dashboard_app
from homeward_dashboard.entrypoints.consumers import GROUP, command_of
from homeward_dashboard.rebuild import RebuildReport, rebuild
from homeward_dashboard.service import handlers
from homeward_dashboard.settings import DashboardSettings
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_shared.contracts import CaseStageChanged, Topics
from homeward_shared.db import create_pool, migrate
from homeward_shared.envelope import Envelope
from homeward_shared.outbox import make_producer
from homeward_shared.stages import Stage
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.uow import Delivery

from tests.integration.dashboard import MANAGER, empty_read_model
from tests.integration.helpers import client, walk_in
from tests.integration.serving import serving

pytestmark = pytest.mark.integration


def stage_event(case_id, stage, at, centre=None) -> Envelope:
    return Envelope.wrap(
        CaseStageChanged(stage=stage, centre=centre),
        case_id=case_id,
        producer="test",
        correlation_id=case_id,
        occurred_at=at,
    )


@contextlib.asynccontextmanager
async def publisher(bootstrap: str):
    producer = make_producer(bootstrap)
    await producer.start()

    async def send(topic: str, key: uuid.UUID, value: bytes) -> None:
        await producer.send_and_wait(topic, value=value, key=str(key).encode())

    try:
        yield send
    finally:
        await producer.stop()


async def counts(service) -> dict[str, int]:
    exact = await handlers.exact_counts(service.uow(service.system_actor))
    return {k: v for k, v in exact.items() if v}


async def test_dashboard_counts_what_happened_and_a_rebuild_gives_the_same_numbers(
    database, topics: Topics
):
    settings = settings_for(DashboardSettings, database, topics, small_cell_threshold=2)
    dashboard = dashboard_app(settings)
    intake = intake_app(settings_for(IntakeSettings, database, topics))
    kafka = database.infra.kafka_bootstrap_servers
    now = datetime.now(UTC)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with (
        running(intake, dashboard),
        TopicReader(kafka, [Topics.dead_letter(topics.stage_changed)]) as dlq,
        publisher(kafka) as send,
        client(intake) as ic,
        client(dashboard) as dc,
    ):
        await empty_read_model(dashboard)
        walked_in = await walk_in(ic)  # reported, then rescued, by the real intake service
        admitted = stage_event(a, Stage.ADMITTED, now - timedelta(hours=1), centre="TD")
        for env in (
            stage_event(a, Stage.REPORTED, now - timedelta(hours=3)),
            admitted,
            admitted,  # delivered twice
            stage_event(a, Stage.RESCUED, now - timedelta(hours=2)),  # arrives late
            stage_event(b, Stage.RESCUED, now - timedelta(days=4)),  # never admitted
        ):
            await send(topics.stage_changed, env.case_id, env.model_dump_json().encode())
        await send(topics.stage_changed, c, b"{not json")
        bad = stage_event(c, Stage.REPORTED, now).model_dump(mode="json")
        bad["payload"]["stage"] = "teleported"
        await send(topics.stage_changed, c, json.dumps(bad).encode())
        after = stage_event(c, Stage.REPORTED, now)
        await send(topics.stage_changed, c, after.model_dump_json().encode())

        expected = {"rescued": 2, "admitted": 1, "reported": 1}
        await wait_until(
            lambda: _equal(counts(dashboard), expected), what="the dashboard counts it all"
        )
        dead = await dlq.wait_for(Topics.dead_letter(topics.stage_changed), 2)
        assert {r.key for r in dead} == {str(c).encode()}

        r = await dc.get("/live", headers=MANAGER)
        assert r.status_code == 200, r.text
        before = r.json()
        assert before["cases"] == 4
        assert before["by_stage"]["rescued"] == 2
        assert before["by_stage"]["admitted"] is before["by_stage"]["reported"] is None
        assert before["by_centre"]["TD"]["admitted"] is None
        hidden = {s["cell"]: s["reason"] for s in before["suppressed"]}
        assert hidden["by_centre.TD.admitted"] == hidden["by_stage.admitted"] == "below_threshold"

        r = await dc.get("/live/late-hand-offs", headers=MANAGER)
        [late] = r.json()
        assert late["case_id"] == str(b) and late["waiting_for"] == "admitted"
        assert late["case_age_days"] == pytest.approx(4, abs=0.1)
        assert walked_in["case_id"] not in r.text

        await wait_until(
            lambda: _has_figure(dashboard, "signal_received"), what="the walk-in's figure"
        )
        figures = await handlers.exact_figures(dashboard.uow(dashboard.system_actor))
        seen: list[tuple[int, int]] = []
        report = await rebuild(settings, progress=lambda done, total: seen.append((done, total)))
        assert (
            {k: v for k, v in report.by_stage.items() if v} == expected == await counts(dashboard)
        )
        assert report.figures == figures
        # 10 stage events and the walk-in's figure (signal received) on figure.recorded.
        assert report.skipped == 2 and report.events == 11
        assert report.applied == 8 and report.duplicates == 1  # "admitted" was sent twice
        assert seen[-1] == (11, 11)
        r = await dc.get("/live", headers=MANAGER)
        assert _without_time(r.json()) == _without_time(before)
        again = await dc.get("/live/late-hand-offs", headers=MANAGER)
        assert [x["case_id"] for x in again.json()] == [str(b)]


async def _has_figure(service, metric: str) -> bool:
    exact = await handlers.exact_figures(service.uow(service.system_actor))
    return any(metric in per_year for per_year in exact.values())


async def _equal(current, expected) -> bool:
    return await current == expected


def _without_time(view: dict) -> dict:
    return {k: v for k, v in view.items() if k != "as_of"}


async def test_a_browser_stream_gets_each_stage_change_as_it_happens(database, topics):
    dashboard = dashboard_app(settings_for(DashboardSettings, database, topics))
    events: list[tuple[str, dict]] = []

    async def follow(base_url: str) -> None:
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=30) as http,
            http.stream("GET", "/live/stream", headers=MANAGER) as r,
        ):
            name = None
            async for line in r.aiter_lines():
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    events.append((name, json.loads(line.split(":", 1)[1])))

    async with (
        running(dashboard),
        serving(dashboard) as base_url,
        publisher(database.infra.kafka_bootstrap_servers) as send,
    ):
        following = asyncio.create_task(follow(base_url))
        try:
            await wait_until(lambda: events, what="the stream says it listens")
            case = uuid.uuid4()
            env = stage_event(case, Stage.ADMITTED, datetime.now(UTC), centre="SR")
            await send(topics.stage_changed, case, env.model_dump_json().encode())
            await wait_until(
                lambda: [e for n, e in events if n == "stage"], what="the change is pushed"
            )
        finally:
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)
    assert events[0] == ("ready", {"listening": True})
    [(_, pushed)] = [e for e in events if e[0] == "stage"]
    assert pushed["stage"] == "admitted" and pushed["moved"] is True
    assert str(case) not in json.dumps(events)


async def test_a_rebuild_batch_that_fails_is_redone_event_by_event_and_counts_each_once(
    database, topics
):
    # The batch writes the facts of the events it has just claimed without a conflict check.
    # A fact already there (written by hand here, with no inbox row) fails that transaction;
    # the batch is then replayed one event at a time, and every event still counts once.
    settings = settings_for(DashboardSettings, database, topics)
    service = dashboard_app(settings)
    await migrate(settings.dsn, settings.db_schema, service.migrations)
    service.pool = await create_pool(settings.dsn, max_size=2)
    try:
        await empty_read_model(service)
        a, b = uuid.uuid4(), uuid.uuid4()
        at = datetime.now(UTC) - timedelta(days=3)
        events = [
            stage_event(a, Stage.REPORTED, at),
            stage_event(b, Stage.REPORTED, at),
            stage_event(a, Stage.RESCUED, at + timedelta(days=1)),
        ]
        records = [
            ConsumerRecord(
                topic=topics.stage_changed,
                partition=0,
                offset=i,
                timestamp=0,
                timestamp_type=0,
                key=str(e.case_id).encode(),
                value=e.model_dump_json().encode(),
                checksum=None,
                serialized_key_size=36,
                serialized_value_size=0,
                headers=(),
            )
            for i, e in enumerate(events)
        ]
        first = command_of(events[0], Delivery(GROUP, topics.stage_changed, 0, 0), settings.zone)
        async with service.uow(service.system_actor) as uow:
            await uow.figures.add(list(first.facts))
            await uow.commit()

        report = RebuildReport()
        await rebuild_module._stage_batch(
            service, settings, records, report, rebuild_module._stage_replay(service, settings)
        )
        assert (report.events, report.applied, report.duplicates) == (3, 3, 0)
        assert await counts(service) == {"reported": 1, "rescued": 1}
        figures = await handlers.exact_figures(service.uow(service.system_actor))
        assert sum(n for per_year in figures.values() for n in per_year.values()) == 3
    finally:
        await service.pool.close()
