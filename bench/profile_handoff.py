"""Where the hand-off path's time goes: recovery drains N waiting PlacementRequested
hand-offs under pyinstrument (wall-clock sampling of the whole thread, so that time spent
waiting for PostgreSQL or Kafka shows as the event loop's ``select``).

Writes ``bench/results/profile_handoff.txt`` and ``.html`` and prints the top of the tree.
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import Any

from homeward_intake import bootstrap as intake_wiring  # noqa: F401 - same imports as handoff
from homeward_shared.uow import ConsumedBatch
from pyinstrument import Profiler

from bench.common import (
    RESULTS,
    arguments,
    peak_rss_mb,
    placement,
    prefill,
    rate,
    throwaway_database,
    throwaway_topics,
    write_result,
)
from bench.handoff import TimedRecoveryUnitOfWork, recovery_service, until

NAME = "profile_handoff"

# Where a frame's own time is counted: the first of these found in its file's path.
PACKAGES = [
    ("waiting for I/O (epoll)", "epoll.poll"),
    ("asyncpg", "asyncpg"),
    ("aiokafka", "aiokafka"),
    ("faststream / fast_depends", "faststream"),
    ("faststream / fast_depends", "fast_depends"),
    ("logging / structlog", "structlog"),
    ("logging / structlog", "logging"),
    ("pydantic", "pydantic"),
    ("homeward (kernel + recovery)", "homeward_"),
    ("asyncio", "asyncio"),
]


def self_time_by_package(root: Any, duration: float) -> dict[str, float]:
    """Share of the wall-clock time each package spent in its own frames."""
    totals: dict[str, float] = {}
    stack = [root] if root is not None else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        own = frame.time - sum(c.time for c in frame.children)
        # A frame's own time is a synthetic ``[self]`` child: name it after the parent.
        real = frame.parent if frame.is_synthetic_leaf and frame.parent else frame
        where = f"{real.file_path or ''}:{real.function}"
        name = next((n for n, key in PACKAGES if key in where), "other")
        totals[name] = totals.get(name, 0.0) + own
    return {k: round(v / duration, 3) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


def timed(owner: Any, method: str, label: str, spent: dict[str, list[float]]) -> None:
    """Wrap an async method to add up the wall-clock time its awaits take (measuring only:
    the behaviour is unchanged)."""
    original = getattr(owner, method)

    @functools.wraps(original)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            spent.setdefault(label, []).append(time.perf_counter() - started)

    setattr(owner, method, wrapper)


def await_times() -> dict[str, list[float]]:
    """Where the hand-off awaits: each PostgreSQL statement, the pool, Kafka's offset commit."""
    import asyncpg
    from aiokafka import AIOKafkaConsumer

    spent: dict[str, list[float]] = {}
    for name in ("execute", "executemany", "fetch", "fetchval", "fetchrow"):
        timed(asyncpg.Connection, name, "postgres statements", spent)
    timed(asyncpg.transaction.Transaction, "start", "postgres BEGIN", spent)
    timed(asyncpg.transaction.Transaction, "commit", "postgres COMMIT", spent)
    timed(asyncpg.pool.Pool, "_acquire", "pool acquire", spent)
    timed(asyncpg.pool.Pool, "release", "pool release (connection reset)", spent)
    timed(AIOKafkaConsumer, "commit", "Kafka offset commit", spent)
    timed(AIOKafkaConsumer, "getmany", "Kafka poll (getmany)", spent)
    timed(TimedRecoveryUnitOfWork, "commit", "unit of work commit (into the batch)", spent)
    timed(ConsumedBatch, "commit", "batch commit (audit, NOTIFY, COMMIT)", spent)
    return spent


async def measure(count: int) -> dict[str, Any]:
    committed = TimedRecoveryUnitOfWork.committed
    async with throwaway_database() as db, throwaway_topics() as topics:
        await prefill(topics.placement_requested, [placement() for _ in range(count)])
        recovery = recovery_service(db, topics.prefix)
        spent = await_times()
        profiler = Profiler(interval=0.0005, async_mode="disabled")
        await recovery.start()
        try:
            await until(committed, 1, 30)  # joined the group and took the first hand-off
            profiler.start()
            spent.clear()
            started = time.perf_counter()
            await until(committed, count, 120)
            elapsed = time.perf_counter() - started
            profiler.stop()
            done = len(committed)
        finally:
            await recovery.stop()
    RESULTS.mkdir(exist_ok=True)
    session = profiler.last_session
    assert session is not None
    session.save(str(RESULTS / f"{NAME}.pyisession"))
    by_package = self_time_by_package(session.root_frame(), session.duration)
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    (RESULTS / f"{NAME}.txt").write_text(text)
    (RESULTS / f"{NAME}.html").write_text(profiler.output_html())
    return {
        "events": count,
        "events_per_s": rate(list(committed.values())),
        "profiled_s": round(elapsed, 2),
        "peak_rss_mb": peak_rss_mb(),
        "per_event_ms": {
            "wall": round(elapsed * 1000 / done, 2),
            **{k: round(sum(v) * 1000 / done, 2) for k, v in spent.items()},
        },
        "calls_per_event": {k: round(len(v) / done, 2) for k, v in spent.items()},
        "cpu_s": round(session.cpu_time, 2),
        "self_time_share": by_package,
        "text": str(RESULTS / f"{NAME}.txt"),
    }


def main() -> None:
    a = arguments(__doc__.splitlines()[0], count=2000)
    result = asyncio.run(measure(a.count))
    print(open(result["text"]).read()[:6000])
    print("wall-clock milliseconds per hand-off, by what it awaited (calls per hand-off):")
    for name, ms in result["per_event_ms"].items():
        calls = result["calls_per_event"].get(name)
        print(f"  {ms:>8.2f} ms  {name}" + (f" ({calls})" if calls is not None else ""))
    print("share of wall-clock time, by where it was spent (own frames):")
    for name, share in result["self_time_share"].items():
        print(f"  {share:>6.1%}  {name}")
    print(f"{result['events_per_s']} events/s under the profiler ({result['events']} events)")
    print(f"  -> {write_result(NAME, result, a.json)}")


if __name__ == "__main__":
    main()
