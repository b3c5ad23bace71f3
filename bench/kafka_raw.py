"""Raw baseline: Kafka alone. An aiokafka producer (``acks=all``, idempotent, linger 0:
the relay's settings) and an aiokafka consumer on the same broker, with messages of the size
of a real hand-off envelope.

- saturation: N messages sent as fast as the producer takes them; messages per second from
  the first send to the last receipt;
- steady: R messages per second for D seconds; end-to-end latency (send to receipt).
"""

from __future__ import annotations

import asyncio
import struct
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.common import (
    arguments,
    envelope_size,
    kafka,
    peak_rss_mb,
    percentiles,
    placement,
    throwaway_topics,
    write_result,
)

NAME = "kafka_raw"


def producer() -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=kafka(), acks="all", enable_idempotence=True, linger_ms=0
    )


class Receiver:
    """Consumes a topic and notes, per message, the send time it carries and the receipt."""

    def __init__(self, topic: str, group: str) -> None:
        self.consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka(),
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self.latencies: list[float] = []
        self.last_at = 0.0
        self.count = 0

    async def start(self) -> None:
        await self.consumer.start()
        self._task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        while True:
            batch = await self.consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    (sent,) = struct.unpack(">d", dict(r.headers)["t"])
                    self.latencies.append(now - sent)
                    self.count += 1
            if batch:
                self.last_at = now
                await self.consumer.commit()

    async def until(self, count: int, within: float) -> None:
        deadline = time.perf_counter() + within
        while self.count < count:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.count} of {count} messages within {within}s")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.consumer.stop()


def stamp() -> list[tuple[str, bytes]]:
    return [("t", struct.pack(">d", time.perf_counter()))]


async def measure(count: int = 20_000, rate: int = 100, seconds: float = 5.0) -> dict[str, Any]:
    payloads = [placement().model_dump_json().encode() for _ in range(200)]
    async with throwaway_topics(extra=["raw"]) as topics:
        topic = f"{topics.prefix}raw"
        p = producer()
        await p.start()
        receiver = Receiver(topic, f"{topics.prefix}raw")
        await receiver.start()
        try:
            # Warm up: metadata, partition assignment, the idempotent producer's id.
            await p.send_and_wait(topic, payloads[0], key=b"warm", headers=stamp())
            await receiver.until(1, 30)
            receiver.latencies.clear()

            # Steady rate first (the broker is quiet), then saturation.
            n = int(rate * seconds)
            start = time.perf_counter()
            futures = []
            for i in range(n):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                key = str(uuid.uuid4()).encode()
                futures.append(await p.send(topic, payloads[i % 200], key=key, headers=stamp()))
            await asyncio.gather(*futures)
            await receiver.until(1 + n, 30)
            steady = percentiles(receiver.latencies)

            receiver.latencies.clear()
            before = receiver.count
            first_send = time.perf_counter()
            futures = []
            for i in range(count):
                key = str(uuid.uuid4()).encode()
                futures.append(await p.send(topic, payloads[i % 200], key=key, headers=stamp()))
            await asyncio.gather(*futures)
            sent_at = time.perf_counter()
            await receiver.until(before + count, 60)
            elapsed = receiver.last_at - first_send
            saturated = percentiles(receiver.latencies)
        finally:
            await receiver.stop()
            await p.stop()
    return {
        "message_bytes": envelope_size(),
        "partitions": 3,
        "saturation": {
            "messages": count,
            "msgs_per_s": round(count / elapsed, 1),
            "produce_msgs_per_s": round(count / (sent_at - first_send), 1),
            "latency_ms": saturated,
        },
        "steady": {"rate": rate, "seconds": seconds, "latency_ms": steady},
        "peak_rss_mb": peak_rss_mb(),
    }


def show(r: dict[str, Any]) -> None:
    s, t = r["saturation"], r["steady"]
    print(f"Kafka alone ({r['message_bytes']} B messages, acks=all, {r['partitions']} partitions)")
    print(
        f"  saturation  {s['msgs_per_s']:>9.0f} msgs/s end to end"
        f" (producer alone {s['produce_msgs_per_s']:.0f}/s, {s['messages']} messages)"
    )
    lat = t["latency_ms"]
    print(
        f"  {t['rate']}/s       latency p50 {lat['p50']} ms  p95 {lat['p95']} ms"
        f"  p99 {lat['p99']} ms  (n={lat['n']})"
    )


def main() -> None:
    a = arguments(__doc__.splitlines()[0], count=10_000, rate=100, seconds=5.0)
    result = asyncio.run(measure(a.count, a.rate, a.seconds))
    written = write_result(NAME, result, a.json)
    if a.json is None:  # run alone, not as a part of bench.handoff
        show(result)
        print(f"  -> {written}")


if __name__ == "__main__":
    main()
