"""The dashboard rebuild: ``homeward_dashboard.rebuild.rebuild`` replays N stage events from
the stage topic into an emptied read model: a worker per partition, each batch folded case by
case through the live view's domain and written in one transaction, each event claimed in the
inbox as the live consumer claims it. Events per second over the whole
replay (progress callbacks mark its start and end), against reading the same records with
a bare aiokafka consumer (Kafka alone: the ceiling for any rebuild from the topic).

Events: cases walk the pathway reported -> identified -> rescued -> admitted ->
ready_for_reintegration -> resettled (six events each), keyed by case as producers key them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from homeward_dashboard.rebuild import rebuild
from homeward_dashboard.settings import DashboardSettings
from homeward_shared import provision
from homeward_shared.contracts import CaseStageChanged
from homeward_shared.envelope import Envelope
from homeward_shared.stages import Stage

from bench.common import (
    PARTITIONS,
    admin_dsn,
    arguments,
    kafka,
    peak_rss_mb,
    prefill,
    throwaway_database,
    throwaway_topics,
    write_result,
)

NAME = "dashboard_rebuild"

PATHWAY = [
    Stage.REPORTED,
    Stage.IDENTIFIED,
    Stage.RESCUED,
    Stage.ADMITTED,
    Stage.READY_FOR_REINTEGRATION,
    Stage.RESETTLED,
]


def stage_events(count: int) -> list[Envelope[CaseStageChanged]]:
    out: list[Envelope[CaseStageChanged]] = []
    start = datetime.now(UTC) - timedelta(days=365)
    while len(out) < count:
        case_id, pathway = uuid.uuid4(), uuid.uuid4()
        previous = None
        for i, stage in enumerate(PATHWAY):
            payload = CaseStageChanged(
                stage=stage,
                previous_stage=previous,
                centre="TD" if stage is Stage.ADMITTED else None,
            )
            out.append(
                Envelope.wrap(
                    payload,
                    case_id=case_id,
                    producer="bench",
                    correlation_id=pathway,
                    occurred_at=start + timedelta(days=i),
                )
            )
            previous = stage
    return out[:count]


async def kafka_alone(topic: str, count: int) -> float:
    """Read the topic from the start with a bare consumer: records per second."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka(), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen = 0
        started = time.perf_counter()
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            seen += sum(len(r) for r in batches.values())
        return round(seen / (time.perf_counter() - started), 1)
    finally:
        await consumer.stop()


async def measure(count: int) -> dict[str, Any]:
    async with throwaway_database() as db, throwaway_topics() as topics:
        await prefill(topics.stage_changed, stage_events(count))
        raw = await kafka_alone(topics.stage_changed, count)
        settings = DashboardSettings(
            database_url=provision.service_dsn(admin_dsn(), "dashboard", db),
            kafka_bootstrap_servers=kafka(),
            topic_prefix=topics.prefix,
            log_level="WARNING",
        )
        marks: list[tuple[int, float]] = []
        report = await rebuild(
            settings, progress=lambda done, total: marks.append((done, time.perf_counter()))
        )
    (first, t0), (last, t1) = marks[0], marks[-1]
    return {
        "events": report.events,
        "applied": report.applied,
        "events_per_s": round((last - first) / (t1 - t0), 1) if t1 > t0 else None,
        "kafka_alone_per_s": raw,
        "by_stage": report.by_stage,
        "peak_rss_mb": peak_rss_mb(),
    }


def show(r: dict[str, Any]) -> None:
    print("Dashboard rebuild (stage topic -> emptied read model, the live handler, batched)")
    print(
        f"  rebuild     {r['events_per_s']:>9.0f} events/s ({r['events']} events,"
        f" {r['applied']} applied); Kafka alone reads them at {r['kafka_alone_per_s']:.0f}/s"
    )


def main() -> None:
    a = arguments(__doc__.splitlines()[0], count=20000)
    result = asyncio.run(measure(a.count))
    written = write_result(NAME, result, a.json)
    if a.json is None:
        show(result)
        print(f"  -> {written}")


if __name__ == "__main__":
    main()
