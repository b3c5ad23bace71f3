"""Where the HTTP front's time goes: 8 clients file reports at intake for 8 s (as
``bench.pathway``'s load phase) under pyinstrument, with the wall-clock time of every awaited
PostgreSQL statement, per HTTP call. Writes ``bench/results/profile_http_front.txt``."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from typing import Any

import asyncpg
from pyinstrument import Profiler

from bench import pathway
from bench.common import RESULTS, database_dsn, throwaway_database, throwaway_topics

SPENT: dict[str, list[float]] = {}


def timed(owner: Any, method: str, label: Any) -> None:
    original = getattr(owner, method)

    @functools.wraps(original)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            name = label(args) if callable(label) else label
            spent = SPENT.setdefault(name, [0, 0.0])
            spent[0] += 1
            spent[1] += time.perf_counter() - started

    setattr(owner, method, wrapper)


def statement(args: tuple[Any, ...]) -> str:
    return " ".join(str(args[0]).split())[:70] if args else "?"


async def main() -> None:
    for name in ("execute", "executemany", "fetch", "fetchval", "fetchrow"):
        timed(asyncpg.Connection, name, statement)
    timed(asyncpg.transaction.Transaction, "start", "BEGIN")
    timed(asyncpg.transaction.Transaction, "commit", "COMMIT")
    async with throwaway_database() as db, throwaway_topics() as topics:
        running = pathway.services(db, topics.prefix)
        for s in running:
            await s.start()
        try:
            async with contextlib.AsyncExitStack() as stack:
                urls = {
                    s.settings.service_name: await stack.enter_async_context(pathway.serving(s.app))
                    for s in running
                }
                waits = await stack.enter_async_context(pathway.Waits(database_dsn(db)))
                await pathway.one_case(urls, waits)
                SPENT.clear()
                profiler = Profiler(interval=0.001, async_mode="disabled")
                profiler.start()
                result = await pathway.load(urls["intake"], 8, 8)
                profiler.stop()
        finally:
            for s in reversed(running):
                await s.stop()
    print(result)
    calls = result["calls_per_s"] * result["seconds"]
    print("per HTTP call: statements (all services in the process) and their wall-clock time")
    for k, (n, t) in sorted(SPENT.items(), key=lambda kv: -kv[1][1])[:16]:
        print(f"{n / calls:>5.2f}/call {t * 1000 / calls:>7.2f} ms/call  {k}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "profile_http_front.txt").write_text(profiler.output_text(unicode=True))


if __name__ == "__main__":
    asyncio.run(main())
