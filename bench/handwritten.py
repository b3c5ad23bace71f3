"""Raw baseline: the hand-off written by hand, the limit Homeward's design can approach.

Raw aiokafka consumer -> per event one asyncpg transaction (inbox row, state change, outbox
row) -> raw aiokafka producer for the outbox row, marked published once the broker confirmed
-> Kafka offset committed after the transactions and the sends. One connection, events one
at a time (as Homeward's subscriber takes them), the same envelopes, topics and partitions,
and the kernel's own outbox and inbox tables and indexes.

- saturation: N hand-offs waiting in the topic; events per second between the first and the
  last downstream commit;
- steady: upstream writes R hand-offs per second, each in a transaction with its outbox row
  and published straight after the commit; latency from the upstream commit to the
  downstream commit.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from homeward_shared.db import migrate

from bench.common import (
    NEAR_SATURATION,
    arguments,
    database_dsn,
    handed_off,
    kafka,
    peak_rss_mb,
    percentiles,
    placement,
    prefill,
    rate,
    rss_mb,
    throwaway_database,
    throwaway_topics,
    write_result,
)

NAME = "handwritten"
NO_SERVICE_SQL = Path(__file__).parent  # migrate() applies the kernel's tables only

STATE = """
CREATE TABLE IF NOT EXISTS handwritten.cases (
    case_id uuid PRIMARY KEY, case_number text NOT NULL, correlation_id uuid NOT NULL,
    urgency text NOT NULL, stage text NOT NULL, received_at timestamptz NOT NULL
)"""
INBOX = (
    "INSERT INTO handwritten.inbox"
    " (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)"
    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true"
)
CHANGE = (
    "INSERT INTO handwritten.cases (case_id, case_number, correlation_id, urgency, stage,"
    " received_at) VALUES ($1, $2, $3, $4, 'admission_requested', now())"
    " ON CONFLICT (case_id) DO NOTHING"
)
OUTBOX = (
    "INSERT INTO {schema}.outbox"
    " (event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING seq"
)


class HandWritten:
    def __init__(self, dsn: str, topic: str, out_topic: str, *, per_batch: bool = False) -> None:
        self.dsn, self.topic, self.out_topic = dsn, topic, out_topic
        self.per_batch = per_batch
        self.max_records = 100 if per_batch else 500
        self.committed: dict[uuid.UUID, float] = {}
        self.received: dict[uuid.UUID, float] = {}
        self.rss: list[float] = []

    async def start(self) -> None:
        self.conn = await asyncpg.connect(self.dsn)
        self.producer = AIOKafkaProducer(
            bootstrap_servers=kafka(), acks="all", enable_idempotence=True, linger_ms=0
        )
        await self.producer.start()
        self.consumer = AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=kafka(),
            group_id=f"{self.topic}.handwritten",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await self.consumer.start()
        self.marker = await asyncpg.connect(self.dsn)
        self._marks: asyncio.Queue[tuple[list[Any], list[int]]] = asyncio.Queue()
        self._task = asyncio.create_task(self._run())
        self._marking = asyncio.create_task(self._mark())

    async def _handle(self, r: Any) -> tuple[uuid.UUID, Any]:
        """The statements for one event (the caller holds the transaction). Returns the event
        id and, unless the inbox says it was seen, what to send."""
        env = json.loads(r.value)
        event_id = uuid.UUID(env["event_id"])
        case_id = uuid.UUID(env["case_id"])
        p = env["payload"]
        if not await self.conn.fetchval(
            INBOX, "handwritten", event_id, env["event_type"], r.topic, r.partition, r.offset
        ):
            return event_id, None
        await self.conn.execute(
            CHANGE, case_id, p["case_number"], uuid.UUID(env["correlation_id"]), p["urgency"]
        )
        out_id = uuid.uuid5(event_id, self.out_topic)
        out = json.dumps(
            {
                "event_id": str(out_id),
                "event_type": "bench.admission_requested",
                "schema_version": 1,
                "case_id": env["case_id"],
                "occurred_at": env["occurred_at"],
                "producer": "handwritten",
                "correlation_id": env["correlation_id"],
                "causation_id": env["event_id"],
                "payload": {"case_number": p["case_number"]},
            }
        )
        headers = {"event_id": str(out_id)}
        seq = await self.conn.fetchval(
            OUTBOX.format(schema="handwritten"),
            out_id,
            self.out_topic,
            case_id,
            "bench.admission_requested",
            self.out_topic,
            out,
            json.dumps(headers),
        )
        return event_id, (r.key, out.encode(), [(k, v.encode()) for k, v in headers.items()], seq)

    async def _run(self) -> None:
        while True:
            batch = await self.consumer.getmany(timeout_ms=100, max_records=self.max_records)
            got = time.perf_counter()
            records = [r for rs in batch.values() for r in rs]
            done: list[tuple[uuid.UUID, Any]] = []
            if self.per_batch:
                # One transaction for the whole fetched batch, one inbox row per event.
                async with self.conn.transaction():
                    for r in records:
                        done.append(await self._handle(r))
                now = time.perf_counter()
                for event_id, _ in done:
                    self.committed[event_id] = now
            else:
                for r in records:
                    async with self.conn.transaction():
                        done.append(await self._handle(r))
                    self.committed[done[-1][0]] = time.perf_counter()
            sends, seqs = [], []
            for event_id, out in done:
                self.received[event_id] = got
                if out is not None:
                    key, value, headers, seq = out
                    sends.append(
                        await self.producer.send(self.out_topic, value, key=key, headers=headers)
                    )
                    seqs.append(seq)
            if sends:
                # The outbox rows are durable: the offset need not wait for the broker's
                # confirmation; the rows are marked published when it arrives.
                self._marks.put_nowait((sends, seqs))
            if batch:
                await self.consumer.commit()
                self.rss.append(rss_mb())

    async def _mark(self) -> None:
        while True:
            sends, seqs = await self._marks.get()
            await asyncio.gather(*sends)
            await self.marker.execute(
                "UPDATE handwritten.outbox SET published_at = now() WHERE seq = ANY($1::bigint[])",
                seqs,
            )
            self._marks.task_done()

    async def until(self, count: int, within: float) -> None:
        deadline = time.perf_counter() + within
        while len(self.committed) < count:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{len(self.committed)} of {count} within {within}s")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.wait_for(self._marks.join(), 15)
        self._marking.cancel()
        await asyncio.gather(self._marking, return_exceptions=True)
        await self.consumer.stop()
        await self.producer.stop()
        await self.conn.close()
        await self.marker.close()


class Upstream:
    """Writes hand-offs at a steady rate: one transaction with the outbox row, then the send
    straight after the commit (the fastest an outbox can hand on)."""

    def __init__(self, dsn: str, topic: str) -> None:
        self.dsn, self.topic = dsn, topic
        self.committed: dict[uuid.UUID, float] = {}

    async def run(self, per_second: int, seconds: float) -> None:
        conn = await asyncpg.connect(self.dsn)
        producer = AIOKafkaProducer(
            bootstrap_servers=kafka(), acks="all", enable_idempotence=True, linger_ms=0
        )
        await producer.start()
        outbox = OUTBOX.format(schema="upstream")
        try:
            n = int(per_second * seconds)
            start = time.perf_counter()
            sends = []
            for i in range(n):
                await asyncio.sleep(max(0.0, start + i / per_second - time.perf_counter()))
                env = placement()
                body, headers = env.model_dump_json(), env.headers()
                async with conn.transaction():
                    await conn.fetchval(
                        outbox,
                        env.event_id,
                        self.topic,
                        env.case_id,
                        env.event_type,
                        self.topic,
                        body,
                        json.dumps(headers),
                    )
                self.committed[env.event_id] = time.perf_counter()
                sends.append(
                    await producer.send(
                        self.topic,
                        body.encode(),
                        key=str(env.case_id).encode(),
                        headers=[(k, v.encode()) for k, v in headers.items()],
                    )
                )
            await asyncio.gather(*sends)
        finally:
            await producer.stop()
            await conn.close()


def latencies(upstream: dict[uuid.UUID, float], downstream: dict[uuid.UUID, float]) -> list[float]:
    return [downstream[k] - t for k, t in upstream.items() if k in downstream]


async def measure(
    count: int = 400, per_second: int = 100, seconds: float = 5.0, drain_s: float = 8.0
) -> dict[str, Any]:
    async with throwaway_database() as db, throwaway_topics(extra=["handwritten.out"]) as topics:
        dsn = database_dsn(db)
        conn = await asyncpg.connect(dsn)
        try:
            for schema in ("handwritten", "upstream"):
                await conn.execute(f"CREATE SCHEMA {schema}")
                await migrate(dsn, schema, NO_SERVICE_SQL)
            await conn.execute(STATE)
        finally:
            await conn.close()
        topic = topics.placement_requested
        await prefill(topic, [placement() for _ in range(count)])
        hw = HandWritten(dsn, topic, f"{topics.prefix}handwritten.out")
        await hw.start()
        try:
            await hw.until(count, 90)
            saturated = rate(list(hw.committed.values()))
            up = Upstream(dsn, topic)
            await up.run(per_second, seconds)
            steady = await handed_off(up.committed, hw.committed, bound=drain_s)
            received = percentiles(latencies(up.committed, hw.received))
            near_rate = max(per_second, int(saturated * NEAR_SATURATION))
            up_near = Upstream(dsn, topic)
            await up_near.run(near_rate, seconds)
            near = {
                "rate": near_rate,
                "offered_per_s": rate(list(up_near.committed.values())),
                "latency_ms": await handed_off(up_near.committed, hw.committed, bound=drain_s),
            }
        finally:
            await hw.stop()
        rss_during = hw.rss
        # What per-batch transactions buy: the same work, one transaction per fetched batch.
        other = topics.person_rescued
        await prefill(other, [placement() for _ in range(count)])
        batched = HandWritten(dsn, other, f"{topics.prefix}handwritten.out", per_batch=True)
        await batched.start()
        try:
            await batched.until(count, 60)
            first = min(batched.received.values())
            per_batch = round(count / (max(batched.committed.values()) - first), 1)
        finally:
            await batched.stop()
    return {
        "saturation": {"events": count, "events_per_s": saturated},
        "saturation_per_batch_transaction": {"events": count, "events_per_s": per_batch},
        "steady": {
            "rate": per_second,
            "seconds": seconds,
            "latency_ms": steady,
            "to_consumer_ms": received,
        },
        "near_saturation": near,
        "rss_mb": {"first_batch": rss_during[0], "last_batch": rss_during[-1]},
        "peak_rss_mb": peak_rss_mb(),
    }


def show(r: dict[str, Any]) -> None:
    s, t, lat = r["saturation"], r["steady"], r["steady"]["latency_ms"]
    print("Hand-written hand-off (raw aiokafka -> asyncpg transaction per event -> aiokafka)")
    print(f"  saturation  {s['events_per_s']:>9.0f} events/s ({s['events']} events)")
    b = r["saturation_per_batch_transaction"]
    print(
        f"  saturation  {b['events_per_s']:>9.0f} events/s with one transaction per fetched batch"
    )
    print(
        f"  {t['rate']}/s       latency p50 {lat['p50']} ms  p95 {lat['p95']} ms"
        f"  p99 {lat['p99']} ms  (n={lat['n']}, upstream commit -> downstream commit)"
    )
    n, near = r["near_saturation"], r["near_saturation"]["latency_ms"]
    print(
        f"  {n['rate']}/s      latency p50 {near['p50']} ms  p95 {near['p95']} ms"
        f"  p99 {near['p99']} ms  (near saturation, offered {n['offered_per_s']}/s,"
        f" {near['censored']} not committed within the bound)"
    )
    print(
        f"  memory      peak {r['peak_rss_mb']} MB; RSS first batch {r['rss_mb']['first_batch']}"
        f" MB, last {r['rss_mb']['last_batch']} MB"
    )


def main() -> None:
    a = arguments(__doc__.splitlines()[0], count=400, rate=100, seconds=5.0)
    result = asyncio.run(measure(a.count, a.rate, a.seconds))
    written = write_result(NAME, result, a.json)
    if a.json is None:  # run alone, not as a part of bench.handoff
        show(result)
        print(f"  -> {written}")


if __name__ == "__main__":
    main()
