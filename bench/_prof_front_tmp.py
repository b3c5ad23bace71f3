import asyncio, contextlib, functools, time
import asyncpg
from pyinstrument import Profiler
from bench import pathway as pw
from bench.common import throwaway_database, throwaway_topics, database_dsn
spent = {}
for name in ("execute", "executemany", "fetch", "fetchval", "fetchrow"):
    orig = getattr(asyncpg.Connection, name)
    def wrap(orig=orig):
        @functools.wraps(orig)
        async def w(self, q, *a, **k):
            t = time.perf_counter()
            try:
                return await orig(self, q, *a, **k)
            finally:
                key = " ".join(q.split())[:70]
                s = spent.setdefault(key, [0, 0.0]); s[0] += 1; s[1] += time.perf_counter() - t
        return w
    setattr(asyncpg.Connection, name, wrap())
for cls, m in ((asyncpg.transaction.Transaction, "start"), (asyncpg.transaction.Transaction, "commit")):
    orig = getattr(cls, m)
    def wrap2(orig=orig, m=m):
        @functools.wraps(orig)
        async def w(self, *a, **k):
            t = time.perf_counter()
            try:
                return await orig(self, *a, **k)
            finally:
                s = spent.setdefault(m.upper(), [0, 0.0]); s[0] += 1; s[1] += time.perf_counter() - t
        return w
    setattr(cls, m, wrap2())
async def main():
    async with throwaway_database() as db, throwaway_topics() as topics:
        running = pw.services(db, topics.prefix)
        for s in running: await s.start()
        try:
            async with contextlib.AsyncExitStack() as stack:
                urls = {s.settings.service_name: await stack.enter_async_context(pw.serving(s.app)) for s in running}
                waits = await stack.enter_async_context(pw.Waits(database_dsn(db)))
                await pw.one_case(urls, waits)
                spent.clear()
                p = Profiler(interval=0.001, async_mode="disabled"); p.start()
                r = await pw.load(urls["intake"], 8, 8)
                p.stop()
        finally:
            for s in reversed(running): await s.stop()
    print(r)
    calls = r["calls_per_s"] * r["seconds"]
    for k, (n, t) in sorted(spent.items(), key=lambda kv: -kv[1][1])[:16]:
        print(f"{n/calls:>5.2f}/call {t*1000/calls:>7.2f} ms/call  {k}")
    open("bench/results/profile_http_front.txt","w").write(p.output_text(unicode=True, color=False))
asyncio.run(main())
