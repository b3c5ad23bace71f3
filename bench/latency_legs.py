"""Where a hand-off's latency goes at a steady rate, leg by leg, on one monotonic clock:
upstream commit -> the relay handed the row to the producer -> the broker confirmed it ->
the relay marked it published -> recovery's subscriber parsed it -> recovery's transaction
committed. Intake's relay and recovery run in this process, built as in ``bench.handoff``.

Prints p50 / p95 / p99 of each leg and of the whole; writes ``bench/results/latency_legs.json``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from homeward_intake import bootstrap as intake_wiring
from homeward_shared import consumer as kernel_consumer
from homeward_shared import provision
from homeward_shared.db import migrate
from homeward_shared.outbox import OutboxRelay, make_producer

from bench.common import (
    admin_dsn,
    arguments,
    kafka,
    percentiles,
    throwaway_database,
    throwaway_topics,
    write_result,
)
from bench.handoff import TimedRecoveryUnitOfWork, recovery_service, until, upstream

NAME = "latency_legs"

# Consecutive legs (they add up to the whole); the relay marks its rows published while
# recovery consumes them, so "mark published" (confirmed -> marked) is shown beside them.
LEGS = ["to relay send", "broker confirm", "to consumer", "consumer commit"]


class _TimedProducer:
    """The relay's producer, noting when each row was handed to it and confirmed (by key)."""

    def __init__(self, inner: Any, sent: dict[bytes, float], acked: dict[bytes, float]) -> None:
        self._inner, self._sent, self._acked = inner, sent, acked

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def send(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> Any:
        self._sent[key] = time.perf_counter()
        future = await self._inner.send(topic, value=value, key=key, headers=headers)
        future.add_done_callback(lambda _: self._acked.__setitem__(key, time.perf_counter()))
        return future


async def measure(per_second: int, seconds: float) -> dict[str, Any]:
    sent: dict[bytes, float] = {}
    acked: dict[bytes, float] = {}
    marked: dict[bytes, float] = {}
    parsed: dict[uuid.UUID, float] = {}
    committed = TimedRecoveryUnitOfWork.committed
    original_parse = kernel_consumer.parse_envelope

    def timed_parse(raw: bytes, contract: Any) -> Any:
        envelope = original_parse(raw, contract)
        parsed.setdefault(envelope.event_id, time.perf_counter())
        return envelope

    kernel_consumer.parse_envelope = timed_parse
    async with throwaway_database() as db, throwaway_topics() as topics:
        intake_dsn = provision.service_dsn(admin_dsn(), "intake", db)
        await migrate(intake_dsn, "intake", intake_wiring.MIGRATIONS)
        recovery = recovery_service(db, topics.prefix)
        relay = OutboxRelay(
            intake_dsn,
            "intake",
            kafka(),
            producer_factory=lambda: _TimedProducer(make_producer(kafka()), sent, acked),
        )
        relay.on_published = lambda rows: marked.update({r.key: time.perf_counter() for r in rows})
        stop = asyncio.Event()
        await recovery.start()
        relay_task = asyncio.create_task(relay.run(stop))
        try:
            # Warm up: the group joined, the producer connected, the first statements prepared.
            warm = await upstream(intake_dsn, topics.placement_requested, 20, 1.0)
            await until(committed, len(warm), 30)
            ups = await upstream(intake_dsn, topics.placement_requested, per_second, seconds)
            await until(committed, len(warm) + len(ups), 30)
        finally:
            stop.set()
            await recovery.stop()
            await asyncio.wait_for(relay_task, 10)
    # upstream() keys its rows by the envelope's case id; the relay's key is that case id.
    legs: dict[str, list[float]] = {leg: [] for leg in [*LEGS, "mark published", "whole"]}
    for event_id, t0 in ups.items():
        key = _keys[event_id]
        t = [t0, sent[key], acked[key], parsed[event_id], committed[event_id]]
        for leg, a, b in zip(LEGS, t, t[1:], strict=False):
            legs[leg].append(b - a)
        legs["mark published"].append(marked[key] - acked[key])
        legs["whole"].append(t[-1] - t0)
    return {
        "rate": per_second,
        "seconds": seconds,
        "legs_ms": {leg: percentiles(v) for leg, v in legs.items()},
    }


_keys: dict[uuid.UUID, bytes] = {}


def show(r: dict[str, Any]) -> None:
    print(f"Hand-off latency by leg at {r['rate']}/s for {r['seconds']} s (ms)")
    for leg, p in r["legs_ms"].items():
        print(
            f"  {leg:<16} p50 {p['p50']:>8}  p95 {p['p95']:>8}  p99 {p['p99']:>8}  max {p['max']}"
        )


def main() -> None:
    import bench.handoff as handoff

    original = handoff.placement

    def keyed() -> Any:
        env = original()
        _keys[env.event_id] = str(env.case_id).encode()
        return env

    handoff.placement = keyed
    a = arguments(__doc__.splitlines()[0], rate=100, seconds=10.0)
    result = asyncio.run(measure(a.rate, a.seconds))
    written = write_result(NAME, result, a.json)
    show(result)
    print(f"  -> {written}")


if __name__ == "__main__":
    main()
