"""Rebuild the live view and the impact report's facts from the start of their topics.

``python -m homeward_dashboard.rebuild`` empties the read model, replays every event of the
stage topic and of the figure topics (``figure.recorded``, training and legal milestones)
from the beginning of every partition up to the end it finds at the start, through the same
handlers as the live consumers (same inbox names, so the two never count an event twice
while both run), prints progress, and ends with the exact counts by stage and the exact
number of facts per year and metric. Events that can never be processed are skipped and
counted: the live consumer sent them to the dead-letter topic.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import uvloop
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from homeward_shared.contracts import CaseStageChanged
from homeward_shared.db import create_pool, migrate
from homeward_shared.dead_letters import PERMANENT
from homeward_shared.envelope import parse_envelope
from homeward_shared.heap import collector_tuned
from homeward_shared.logging import get_logger
from homeward_shared.runtime import Service
from homeward_shared.transport import transport
from homeward_shared.uow import Delivery

from homeward_dashboard.adapters.uow import DashboardUnitOfWork
from homeward_dashboard.bootstrap import bootstrap
from homeward_dashboard.entrypoints.consumers import (
    CONSUMERS,
    FIGURE_FEEDS,
    GROUP,
    FigureFeed,
    command_of,
)
from homeward_dashboard.service import handlers
from homeward_dashboard.settings import DashboardSettings

if TYPE_CHECKING:
    from rich.console import Console

# Stage records per transaction (the figure topics are replayed one event at a time).
BATCH = 1000
# Stage partitions written at once, a connection each.
PARTITIONS_AT_ONCE = 4
# Batches read ahead of the writer, per stage partition: bounded, so memory stays flat.
AHEAD = 2
# Records parsed between two yields to the event loop, so that a parse never holds up the
# round trips of another partition's transaction for long.
PARSE_SLICE = 50

log = get_logger(__name__)


@dataclass
class RebuildReport:
    events: int = 0
    applied: int = 0
    duplicates: int = 0
    skipped: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    # Facts per year and metric: what the impact report of each year is counted from.
    figures: dict[int, dict[str, int]] = field(default_factory=dict)


Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    pass


async def rebuild(
    settings: DashboardSettings, *, progress: Progress = _no_progress, every: int = 1000
) -> RebuildReport:
    with collector_tuned():
        return await _rebuild(settings, progress, every)


async def _rebuild(settings: DashboardSettings, progress: Progress, every: int) -> RebuildReport:
    service = bootstrap(settings)
    await migrate(settings.dsn, settings.db_schema, service.migrations)
    service.pool = await create_pool(settings.dsn, max_size=PARTITIONS_AT_ONCE)
    report = RebuildReport()
    replays: dict[str, Replay] = {service.topics.stage_changed: _stage_replay(service, settings)}
    for feed in FIGURE_FEEDS:
        replays[feed.topic(service.topics)] = _figure_replay(service, settings, feed)
    kafka = transport(settings).kafka
    consumer = AIOKafkaConsumer(
        **kafka,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        async with service.uow(service.system_actor) as uow:
            await uow.cases.reset(GROUP)
            await uow.figures.reset(CONSUMERS)
            await uow.commit()
        await consumer.start()
        partitions = await _partitions(kafka, list(replays))
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        start = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        total = sum(end[tp] - start[tp] for tp in partitions)
        remaining = {tp for tp in partitions if end[tp] > start[tp]}
        progress(0, total)
        stages = service.topics.stage_changed
        # A case's events are all in one partition (keyed by case), so different stage
        # partitions touch different cases: each has its own worker and connection, and
        # PostgreSQL writes one partition's batch while Python parses another's. Within a
        # partition, batches are written in offset order.
        queues: dict[TopicPartition, asyncio.Queue[list[ConsumerRecord] | None]] = {
            tp: asyncio.Queue(maxsize=AHEAD) for tp in remaining if tp.topic == stages
        }
        workers = [
            asyncio.create_task(_stage_partition(service, settings, q, report, replays[stages]))
            for q in queues.values()
        ]
        try:
            shown = 0
            while remaining:
                batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=BATCH)
                for tp, records in batches.items():
                    mine = [r for r in records if r.offset < end[tp]]
                    if tp in queues:
                        await queues[tp].put(mine)
                    else:
                        for record in mine:
                            _count(report, await replays[tp.topic](record))
                    if await consumer.position(tp) >= end[tp]:
                        remaining.discard(tp)
                if report.events - shown >= every:
                    shown = report.events
                    progress(report.events, total)
            for q in queues.values():
                await q.put(None)
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()
        progress(report.events, total)
        report.by_stage = await handlers.exact_counts(service.uow(service.system_actor))
        report.figures = await handlers.exact_figures(service.uow(service.system_actor))
    finally:
        await consumer.stop()
        await service.pool.close()
        service.pool = None
    return report


# One record replayed: True taken in, False taken in already, None can never be processed.
Replay = Callable[[ConsumerRecord], Awaitable[bool | None]]


async def _partitions(kafka: dict[str, Any], topics: list[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**kafka)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    out: list[TopicPartition] = []
    for d in described:
        if d["error_code"] or not d["partitions"]:
            raise SystemExit(
                f"rebuild: topic {d['topic']} cannot be read (error {d['error_code']})"
            )
        out.extend(TopicPartition(d["topic"], p["partition"]) for p in d["partitions"])
    return sorted(out)


def _stage_replay(service: Service[DashboardUnitOfWork], settings: DashboardSettings) -> Replay:
    async def replay(record: ConsumerRecord) -> bool | None:
        try:
            env = parse_envelope(record.value or b"", CaseStageChanged)
        except PERMANENT:
            return None
        delivery = Delivery(GROUP, record.topic, record.partition, record.offset)
        move = await handlers.when_stage_changed_update_live_view(
            command_of(env, delivery, settings.zone), service.uow(service.system_actor)
        )
        return move is not None

    return replay


async def _stage_partition(
    service: Service[DashboardUnitOfWork],
    settings: DashboardSettings,
    queue: asyncio.Queue[list[ConsumerRecord] | None],
    report: RebuildReport,
    one: Replay,
) -> None:
    """One stage partition's batches, in offset order, until the reader says it is done."""
    while (records := await queue.get()) is not None:
        if len(records) == 1:
            _count(report, await one(records[0]))
        elif records:
            await _stage_batch(service, settings, records, report, one)


async def _stage_batch(
    service: Service[DashboardUnitOfWork],
    settings: DashboardSettings,
    records: list[ConsumerRecord],
    report: RebuildReport,
    one: Replay,
) -> None:
    """A batch of stage records in one transaction, folded case by case and written set-wise
    (``handlers.replay_stage_changes``); if that fails, or races the live consumer on a new
    case, they are replayed one transaction each (``one``)."""
    cmds, skipped = [], 0
    for i, record in enumerate(records):
        if i and i % PARSE_SLICE == 0:
            await asyncio.sleep(0)
        try:
            env = parse_envelope(record.value or b"", CaseStageChanged)
        except PERMANENT:
            skipped += 1
            continue
        delivery = Delivery(GROUP, record.topic, record.partition, record.offset)
        cmds.append(command_of(env, delivery, settings.zone))
    try:
        done = await handlers.replay_stage_changes(cmds, service.uow(service.system_actor))
    except Exception as exc:  # replayed one by one below, where a failure is its own
        log.info("rebuild_batch_redone_one_by_one", error=type(exc).__name__)
        for record in records:
            _count(report, await one(record))
        return
    report.events += len(records)
    report.skipped += skipped
    report.applied += done.applied
    report.duplicates += done.duplicates


def _count(report: RebuildReport, outcome: bool | None) -> None:
    report.events += 1
    if outcome is None:
        report.skipped += 1
    elif outcome:
        report.applied += 1
    else:
        report.duplicates += 1


def _figure_replay(
    service: Service[DashboardUnitOfWork], settings: DashboardSettings, feed: FigureFeed
) -> Replay:
    async def replay(record: ConsumerRecord) -> bool | None:
        try:
            env = parse_envelope(record.value or b"", feed.contract)
        except PERMANENT:
            return None
        delivery = Delivery(feed.group, record.topic, record.partition, record.offset)
        return await handlers.when_figure_recorded_count_it(
            feed.command(env, delivery, settings.zone), service.uow(service.system_actor)
        )

    return replay


def rebuild_with_progress(settings: DashboardSettings, console: Console) -> RebuildReport:
    """The rebuild with a rich progress bar (``homeward dashboard rebuild`` and ``main``)."""
    from rich.progress import Progress as Bar

    with Bar(console=console, transient=False) as bar:
        task = bar.add_task("rebuilding the live view and the yearly figures", total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        return uvloop.run(rebuild(settings, progress=show))


def main() -> None:
    """Command line: a progress bar on stderr (rich), the final counts as JSON on stdout."""
    from rich.console import Console

    report = rebuild_with_progress(DashboardSettings(), Console(stderr=True))
    sys.stdout.write(json.dumps(asdict(report), indent=2) + "\n")


if __name__ == "__main__":
    main()
