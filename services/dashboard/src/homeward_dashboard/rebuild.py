"""Rebuild the live view from the start of the stage topic.

``python -m homeward_dashboard.rebuild`` empties the read model, replays every stage event
from the beginning of every partition up to the end it finds at the start, through the same
handler as the live consumer (same inbox name, so the two never count an event twice while
both run), prints progress, and ends with the exact counts by stage. Events that can never
be processed are skipped and counted: the live consumer sent them to the dead-letter topic.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from homeward_shared.contracts import CaseStageChanged
from homeward_shared.db import create_pool, migrate
from homeward_shared.dead_letters import PERMANENT
from homeward_shared.envelope import parse_envelope
from homeward_shared.runtime import Service
from homeward_shared.transport import transport
from homeward_shared.uow import Delivery

from homeward_dashboard.adapters.uow import DashboardUnitOfWork
from homeward_dashboard.bootstrap import bootstrap
from homeward_dashboard.entrypoints.consumers import GROUP, command_of
from homeward_dashboard.service import handlers
from homeward_dashboard.settings import DashboardSettings

if TYPE_CHECKING:
    from rich.console import Console


@dataclass
class RebuildReport:
    events: int = 0
    applied: int = 0
    duplicates: int = 0
    skipped: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)


Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    pass


async def rebuild(
    settings: DashboardSettings, *, progress: Progress = _no_progress, every: int = 1000
) -> RebuildReport:
    service = bootstrap(settings)
    await migrate(settings.dsn, settings.db_schema, service.migrations)
    service.pool = await create_pool(settings.dsn, max_size=2)
    report = RebuildReport()
    topic = service.topics.stage_changed
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
            await uow.commit()
        await consumer.start()
        partitions = await _partitions(kafka, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        start = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        total = sum(end[tp] - start[tp] for tp in partitions)
        remaining = {tp for tp in partitions if end[tp] > start[tp]}
        progress(0, total)
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= end[tp]:
                        break
                    await _replay(service, record, report)
                    if report.events % every == 0:
                        progress(report.events, total)
                if await consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        progress(report.events, total)
        report.by_stage = await handlers.exact_counts(service.uow(service.system_actor))
    finally:
        await consumer.stop()
        await service.pool.close()
        service.pool = None
    return report


async def _partitions(kafka: dict[str, Any], topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**kafka)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if described["error_code"] or not described["partitions"]:
        raise SystemExit(f"rebuild: topic {topic} cannot be read (error {described['error_code']})")
    return sorted(TopicPartition(topic, p["partition"]) for p in described["partitions"])


async def _replay(
    service: Service[DashboardUnitOfWork], record: ConsumerRecord, report: RebuildReport
) -> None:
    report.events += 1
    try:
        env = parse_envelope(record.value or b"", CaseStageChanged)
    except PERMANENT:
        report.skipped += 1
        return
    delivery = Delivery(GROUP, record.topic, record.partition, record.offset)
    move = await handlers.when_stage_changed_update_live_view(
        command_of(env, delivery), service.uow(service.system_actor)
    )
    if move is None:
        report.duplicates += 1
    else:
        report.applied += 1


def rebuild_with_progress(settings: DashboardSettings, console: Console) -> RebuildReport:
    """The rebuild with a rich progress bar (``homeward dashboard rebuild`` and ``main``)."""
    from rich.progress import Progress as Bar

    with Bar(console=console, transient=False) as bar:
        task = bar.add_task("rebuilding the live view from the stage feed", total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        return asyncio.run(rebuild(settings, progress=show))


def main() -> None:
    """Command line: a progress bar on stderr (rich), the final counts as JSON on stdout."""
    from rich.console import Console

    report = rebuild_with_progress(DashboardSettings(), Console(stderr=True))
    sys.stdout.write(json.dumps(asdict(report), indent=2) + "\n")


if __name__ == "__main__":
    main()
