"""Homeward's hand-off path: intake's outbox -> intake's outbox relay -> Kafka -> recovery's
subscriber -> recovery's unit of work (inbox row, admission request, audit rows) committed.

The services run in this process, built as ``homeward_recovery.bootstrap`` builds them and
with the settings' defaults; the only addition is a unit of work that notes the moment its
commit returned (a subclass, for measuring: the kernel is unchanged).

- saturation: N PlacementRequested hand-offs waiting in the topic when recovery starts;
  events per second between the first and the last downstream commit, and the process's
  resident memory sampled along the way (flat, or growing with the events?);
- steady: R hand-offs per second written into intake's outbox as intake's unit of work
  writes them (the row and the NOTIFY in one transaction), published by the kernel's relay;
  latency from the upstream commit to the downstream commit. Then the same near saturation:
  at 80% of the saturation rate just measured (the upstream writer and the relay then share
  the process with recovery, so this is the hardest of the phases). Cross-checked with the
  database's own clock: recovery's ``inbox.received_at`` minus intake's ``outbox.created_at``.

Run alone, it measures the hand-written baseline and Kafka alone first, each in a process of
its own, and prints the ratios.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any, ClassVar

import asyncpg
from homeward_intake import bootstrap as intake_wiring
from homeward_recovery import bootstrap as recovery_wiring
from homeward_recovery.adapters.uow import RecoveryUnitOfWork
from homeward_recovery.settings import RecoverySettings
from homeward_shared import provision
from homeward_shared.db import migrate
from homeward_shared.outbox import OutboxRelay
from homeward_shared.runtime import Service, build_service

from bench.common import (
    NEAR_SATURATION,
    admin_dsn,
    arguments,
    child,
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

NAME = "handoff"


class TimedRecoveryUnitOfWork(RecoveryUnitOfWork):
    """Recovery's unit of work, noting when each consumed event's transaction committed (the
    batch's, when the consumer took it in a batch)."""

    committed: ClassVar[dict[uuid.UUID, float]] = {}

    async def commit(self) -> None:
        event = self.scope.causation_id
        if event is not None:
            self.after_commit(lambda: _note(event))
        await super().commit()


def _note(event: uuid.UUID) -> None:
    TimedRecoveryUnitOfWork.committed[event] = time.perf_counter()


def recovery_service(database: str, prefix: str) -> Service[TimedRecoveryUnitOfWork]:
    # Recovery's consumer group is a fixed name, and Kafka rebalances a group whenever any
    # member joins or leaves, whatever its topics: another test session on the same broker
    # would stall this run (and this run would stall it). The bench uses a group of its own.
    recovery_wiring.consumers.GROUP = f"{prefix}recovery"
    settings = RecoverySettings(
        database_url=provision.service_dsn(admin_dsn(), "recovery", database),
        kafka_bootstrap_servers=kafka(),
        topic_prefix=prefix,
    )
    return build_service(
        settings,
        uow_class=TimedRecoveryUnitOfWork,
        translate=recovery_wiring.translate,
        migrations=recovery_wiring.MIGRATIONS,
        routers=[recovery_wiring.router],
        policy=recovery_wiring.POLICY,
        subscribers=recovery_wiring.consumers.register,
        title="Homeward recovery (bench)",
    )


async def until(seen: dict[Any, float], count: int, within: float) -> None:
    deadline = time.perf_counter() + within
    while len(seen) < count:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{len(seen)} of {count} hand-offs within {within}s")
        await asyncio.sleep(0.02)


async def sample_rss(into: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        into.append(rss_mb())
        await asyncio.sleep(0.25)


# The row and the NOTIFY in one statement, so one round trip and one transaction: the writer
# keeps up with the near-saturation rate (four round trips a hand-off held it at ~340/s).
OUTBOX_INSERT = (
    "WITH written AS (INSERT INTO intake.outbox"
    " (event_id, aggregate_type, aggregate_id, event_type, topic, payload, headers)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING 1)"
    " SELECT pg_notify('intake_outbox', '') FROM written"
)


async def upstream(dsn: str, topic: str, per_second: int, seconds: float) -> dict[uuid.UUID, float]:
    """Intake's side of the hand-off at a steady rate: outbox row and NOTIFY in one
    transaction, as ``PostgresUnitOfWork.commit`` writes them."""
    committed: dict[uuid.UUID, float] = {}
    conn = await asyncpg.connect(dsn)
    try:
        start = time.perf_counter()
        for i in range(int(per_second * seconds)):
            await asyncio.sleep(max(0.0, start + i / per_second - time.perf_counter()))
            env = placement()
            await conn.execute(
                OUTBOX_INSERT,
                env.event_id,
                topic,
                env.case_id,
                env.event_type,
                topic,
                env.model_dump_json(),
                json.dumps(env.headers()),
            )
            committed[env.event_id] = time.perf_counter()
    finally:
        await conn.close()
    return committed


async def measure(
    count: int = 400,
    per_second: int = 100,
    seconds: float = 5.0,
    low_rate: int = 20,
    drain_s: float = 8.0,
) -> dict[str, Any]:
    committed = TimedRecoveryUnitOfWork.committed
    async with throwaway_database() as db, throwaway_topics() as topics:
        intake_dsn = provision.service_dsn(admin_dsn(), "intake", db)
        await migrate(intake_dsn, "intake", intake_wiring.MIGRATIONS)
        await prefill(topics.placement_requested, [placement() for _ in range(count)])
        recovery = recovery_service(db, topics.prefix)
        rss: list[float] = []
        stop = asyncio.Event()
        relay_stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(rss, stop))
        started = time.perf_counter()
        await recovery.start()
        try:
            rss_started = rss_mb()
            await until(committed, count, 120)
            saturated = rate(list(committed.values()))
            drained_in = time.perf_counter() - started
            stop.set()
            await sampler

            relay = OutboxRelay(intake_dsn, "intake", kafka())  # intake's defaults
            relay_task = asyncio.create_task(relay.run(relay_stop))
            steady = {}
            for phase_rate in (low_rate, per_second):
                sent = await upstream(intake_dsn, topics.placement_requested, phase_rate, seconds)
                steady[phase_rate] = await handed_off(sent, committed, bound=drain_s)
            near_rate = max(per_second, int(saturated * NEAR_SATURATION))
            sent = await upstream(intake_dsn, topics.placement_requested, near_rate, seconds)
            near = {
                "rate": near_rate,
                "offered_per_s": rate(list(sent.values())),
                "latency_ms": await handed_off(sent, committed, bound=drain_s),
            }
        finally:
            relay_stop.set()
            stop.set()
            await recovery.stop()
        if "relay_task" in locals():
            await asyncio.wait_for(relay_task, 10)
        conn = await asyncpg.connect(database_dsn(db))
        try:
            rows = await conn.fetch(
                "SELECT extract(epoch FROM i.received_at - o.created_at) AS handoff,"
                " extract(epoch FROM o.published_at - o.created_at) AS relay"
                " FROM intake.outbox o JOIN recovery.inbox i ON i.event_id = o.event_id"
            )
        finally:
            await conn.close()
    third = max(1, len(rss) // 3)
    return {
        "saturation": {
            "events": count,
            "events_per_s": saturated,
            "drained_in_s": round(drained_in, 2),
        },
        "steady": {
            "rate": per_second,
            "seconds": seconds,
            "latency_ms": steady[per_second],
            "low_rate": low_rate,
            "low_rate_latency_ms": steady[low_rate],
            "db_clock_latency_ms": percentiles([float(r["handoff"]) for r in rows]),
            "outbox_to_broker_ms": percentiles([float(r["relay"]) for r in rows]),
        },
        "near_saturation": near,
        "rss_mb": {
            "started": rss_started,
            "first_third_max": max(rss[:third]),
            "last_third_max": max(rss[-third:]),
        },
        "peak_rss_mb": peak_rss_mb(),
    }


def show(r: dict[str, Any]) -> None:
    s, t, lat = r["saturation"], r["steady"], r["steady"]["latency_ms"]
    print("Homeward hand-off (intake outbox -> relay -> Kafka -> recovery unit of work)")
    print(f"  saturation  {s['events_per_s']:>9.0f} events/s ({s['events']} events)")
    print(
        f"  {t['rate']}/s       latency p50 {lat['p50']} ms  p95 {lat['p95']} ms"
        f"  p99 {lat['p99']} ms  (n={lat['n']}, upstream commit -> downstream commit)"
    )
    low = t["low_rate_latency_ms"]
    print(
        f"  {t['low_rate']}/s        latency p50 {low['p50']} ms  p95 {low['p95']} ms"
        f"  p99 {low['p99']} ms  (n={low['n']})"
    )
    if lat["censored"]:
        print(
            f"              {lat['censored']} hand-offs at {t['rate']}/s not committed within"
            " the bound: counted with their wait so far"
        )
    show_near(r["near_saturation"])
    db, relay = t["db_clock_latency_ms"], t["outbox_to_broker_ms"]
    print(
        f"              by the database's clock p50 {db['p50']} ms  p99 {db['p99']} ms;"
        f" outbox -> broker confirmed p50 {relay['p50']} ms  p99 {relay['p99']} ms"
    )
    m = r["rss_mb"]
    print(
        f"  memory      peak {r['peak_rss_mb']} MB; RSS started {m['started']} MB,"
        f" first third of the run {m['first_third_max']} MB, last third {m['last_third_max']} MB"
    )


def show_near(n: dict[str, Any]) -> None:
    lat = n["latency_ms"]
    print(
        f"  {n['rate']}/s      latency p50 {lat['p50']} ms  p95 {lat['p95']} ms"
        f"  p99 {lat['p99']} ms  (near saturation: {NEAR_SATURATION:.0%} of the saturation"
        f" rate; offered {n['offered_per_s']}/s, {lat['censored']} not committed within the bound)"
    )


def table(
    home: dict[str, Any],
    hand: dict[str, Any],
    raw: dict[str, Any],
    rebuild: dict[str, Any] | None = None,
    path: dict[str, Any] | None = None,
) -> list[list[Any]]:
    """Rows of figure, Homeward, raw baseline (which), ratio Homeward / baseline."""
    hs, ws, ks = home["saturation"], hand["saturation"], raw["saturation"]
    hl, wl, kl = (
        home["steady"]["latency_ms"],
        hand["steady"]["latency_ms"],
        raw["steady"]["latency_ms"],
    )
    rate_ = home["steady"]["rate"]
    rows = [
        ["hand-off events/s, saturation", hs["events_per_s"], ws["events_per_s"], "hand-written"],
        ["hand-off events/s vs Kafka alone", hs["events_per_s"], ks["msgs_per_s"], "Kafka alone"],
    ]
    for p in ("p50", "p95", "p99"):
        rows.append([f"hand-off latency {p} ms @ {rate_}/s", hl[p], wl[p], "hand-written"])
    rows.append([f"hand-off latency p99 ms @ {rate_}/s", hl["p99"], kl["p99"], "Kafka alone"])
    hn, wn = home["near_saturation"]["latency_ms"], hand["near_saturation"]["latency_ms"]
    for p in ("p50", "p99"):
        rows.append([f"hand-off latency {p} ms near saturation", hn[p], wn[p], "hand-written"])
    rows.append(
        [
            "hand-off events/s vs batched tx",
            hs["events_per_s"],
            hand["saturation_per_batch_transaction"]["events_per_s"],
            "hand-w. batch",
        ]
    )
    rows.append(["peak RSS MB (process)", home["peak_rss_mb"], hand["peak_rss_mb"], "hand-written"])
    if rebuild is not None:
        rows.append(
            [
                "dashboard rebuild events/s",
                rebuild["events_per_s"],
                rebuild["kafka_alone_per_s"],
                "Kafka alone",
            ]
        )
    if path is not None:
        p, f, b = path["pathway"], path["http_front"], path["http_bare"]
        rows.append(["pathway cases/s (walk-in -> resettled)", p["cases_per_s"], "-", "-"])
        rows.append(["pathway ms per case p50", p["per_case_ms"]["p50"], "-", "-"])
        rows.append(
            [
                "HTTP front calls/s, pipeline running",
                f["calls_per_s"],
                b["calls_per_s"],
                "bare FastAPI",
            ]
        )
        rows.append(["HTTP front reports filed/s", f["reports_per_s"], "-", "-"])
        for q in ("p50", "p99"):
            rows.append(
                [
                    f"HTTP front latency {q} ms",
                    f["latency_ms"][q],
                    b["latency_ms"][q],
                    "bare FastAPI",
                ]
            )
    for row in rows:
        ok = isinstance(row[2], int | float) and row[2]
        row.append(round(row[1] / row[2], 3) if ok else None)
    return rows


def print_table(rows: list[list[Any]], cores: int | None) -> None:
    print()
    print(f"Homeward against raw baselines, measured in this run ({cores} cores)")
    head = f"{'figure':<38} {'Homeward':>10} {'baseline':>10}  {'(which)':<13} {'ratio':>7}"
    print(head)
    print("-" * len(head))
    for figure, home, base, which, ratio in rows:
        shown = "-" if ratio is None else ratio
        print(f"{figure:<38} {home:>10} {base:>10}  {which:<13} {shown:>7}")


def run_all(count: int, per_second: int, seconds: float) -> dict[str, Any]:
    """Every figure in one run, each part in a process of its own (its own peak memory)."""
    common = ["--rate", str(per_second), "--seconds", str(seconds)]
    raw = child("bench.kafka_raw", "--count", "10000", *common)
    hand = child("bench.handwritten", "--count", str(count), *common)
    home = child("bench.handoff", "--alone", "1", "--count", str(count), *common)
    rebuild = child("bench.dashboard_rebuild", timeout=600)
    path = child("bench.pathway", timeout=600)
    from bench import dashboard_rebuild, handwritten, kafka_raw, pathway

    kafka_raw.show(raw)
    handwritten.show(hand)
    show(home)
    dashboard_rebuild.show(rebuild)
    pathway.show(path)
    rows = table(home, hand, raw, rebuild, path)
    print_table(rows, home.get("cores"))
    result = {
        "rows": [
            dict(zip(["figure", "homeward", "baseline", "which", "ratio"], r, strict=True))
            for r in rows
        ],
        "kafka_raw": raw,
        "handwritten": hand,
        "homeward": home,
        "dashboard_rebuild": rebuild,
        "pathway": path,
    }
    print(f"  -> {write_result('summary', result)}")
    return result


def main() -> None:
    a = arguments(__doc__.splitlines()[0], count=2000, rate=100, seconds=5.0, low_rate=20, alone=0)
    if a.alone:
        result = asyncio.run(measure(a.count, a.rate, a.seconds, a.low_rate))
        written = write_result(NAME, result, a.json)
        if a.json is None:
            show(result)
            print(f"  -> {written}")
    else:
        run_all(a.count, a.rate, a.seconds)


if __name__ == "__main__":
    main()
