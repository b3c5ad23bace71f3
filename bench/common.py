"""What every benchmark shares: infrastructure, throwaway databases and topics, the events,
percentiles, memory figures, JSON results and child processes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop
from homeward_shared import provision
from homeward_shared.contracts import PlacementRequested, Topics
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.envelope import Envelope
from homeward_shared.heap import tune_collector
from homeward_shared.testing.infra import InfraSettings
from homeward_shared.testing.kafka import create_topics

RESULTS = Path(__file__).parent / "results"
PARTITIONS = 3  # as the test fixtures and the local broker's default


def kafka() -> str:
    return InfraSettings().kafka_bootstrap_servers


def admin_dsn() -> str:
    return InfraSettings().database_url


def database_dsn(database: str) -> str:
    """The admin login on the throwaway database."""
    admin = admin_dsn()
    return provision.dsn_with(
        admin, user=provision._user(admin), password=provision._pw(admin), database=database
    )


@contextlib.asynccontextmanager
async def throwaway_database() -> AsyncIterator[str]:
    """A fresh database with a role and a schema per service; dropped afterwards."""
    name = f"homeward_bench_{uuid.uuid4().hex[:10]}"
    await provision.provision(admin_dsn(), name)
    try:
        yield name
    finally:
        await provision.drop(admin_dsn(), name)


@contextlib.asynccontextmanager
async def throwaway_topics(extra: list[str] = ()) -> AsyncIterator[Topics]:  # type: ignore[assignment]
    """Topics of this run's own (every service topic and its dead-letter topic, plus
    ``extra`` names under the same prefix); deleted afterwards."""
    topics = Topics(prefix=f"bench{uuid.uuid4().hex[:10]}.")
    names = topics.all() + [Topics.dead_letter(t) for t in topics.all()]
    names += [f"{topics.prefix}{x}" for x in extra]
    await create_topics(kafka(), names, partitions=PARTITIONS)
    try:
        yield topics
    finally:
        await delete_topics(names, groups_prefix=topics.prefix)


async def delete_topics(names: list[str], *, groups_prefix: str | None = None) -> None:
    """Delete the topics and (when ``groups_prefix`` is given) the consumer groups whose name
    starts with it; the benchmarks name every group of theirs after their topics' prefix."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.protocol.admin import DeleteGroupsRequest

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka())
    await admin.start()
    try:
        with contextlib.suppress(Exception):
            await admin.delete_topics(names)
        if groups_prefix:
            for group, _ in await admin.list_consumer_groups():
                if group.startswith(groups_prefix):
                    with contextlib.suppress(Exception):
                        node = await admin.find_coordinator(group)
                        # aiokafka's admin client has no delete_consumer_groups of its own.
                        await admin._send_request_to_node(node, DeleteGroupsRequest([group]))
    finally:
        await admin.close()


def placement(case_id: uuid.UUID | None = None) -> Envelope[PlacementRequested]:
    """A real intake -> recovery hand-off, as intake's outbox holds it."""
    case_id = case_id or uuid.uuid4()
    return Envelope.wrap(
        PlacementRequested(
            case_number=f"IN-2026-{uuid.uuid4().int % 10**6:06d}",
            source=SignalSource.CLINIC_WALK_IN,
            urgency=Urgency.HIGH,
            language="km",
        ),
        case_id=case_id,
        producer="intake",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )


def envelope_size() -> int:
    return len(placement().model_dump_json().encode())


def percentiles(values_s: list[float]) -> dict[str, float | int]:
    """p50 / p95 / p99 / max in milliseconds (nearest rank)."""
    if not values_s:
        return {"n": 0}
    v = sorted(values_s)

    def rank(p: float) -> float:
        return round(v[min(len(v) - 1, max(0, round(p * len(v)) - 1))] * 1000, 2)

    return {
        "n": len(v),
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": round(v[-1] * 1000, 2),
    }


def peak_rss_mb() -> float:
    """The process's peak resident set (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "load_1m": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
    }


def write_result(name: str, data: dict[str, Any], path: str | None = None) -> Path:
    RESULTS.mkdir(exist_ok=True)
    out = Path(path) if path else RESULTS / f"{name}.json"
    data = {"benchmark": name, "at": datetime.now(UTC).isoformat(), **machine(), **data}
    out.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return out


def child(module: str, *args: str, timeout: float = 120) -> dict[str, Any]:
    """Run ``python -m module`` in its own process (so that its peak memory is its own) and
    return the JSON it wrote. Its logs go to ``bench/results/<name>.log``."""
    RESULTS.mkdir(exist_ok=True)
    name = module.rsplit(".", 1)[-1]
    out = RESULTS / f".{name}.{uuid.uuid4().hex[:8]}.json"
    log = RESULTS / f"{name}.log"
    try:
        with log.open("w") as err:
            done = subprocess.run(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", module, "--json", str(out), *args],
                stdout=err,
                stderr=err,
                timeout=timeout,
                check=False,
            )
        if done.returncode != 0:
            print(log.read_text()[-3000:], file=sys.stderr)
            raise SystemExit(f"{module} failed ({done.returncode}); its log: {log}")
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def arguments(description: str, **defaults: Any) -> argparse.Namespace:
    # Every part runs in a process of its own, with the collector and the event loop a
    # service's own process has (``homeward_shared.serve``): the baselines too, so the ratios
    # compare the code and not the interpreter's settings.
    tune_collector()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", default=None, help="write the result here (default bench/results/)")
    for name, value in defaults.items():
        p.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return p.parse_args()


async def prefill(topic: str, envelopes: list[Envelope[Any]]) -> None:
    """Publish hand-offs as intake's relay would (key = case id, the envelope's headers)."""
    from aiokafka import AIOKafkaProducer

    p = AIOKafkaProducer(bootstrap_servers=kafka(), acks="all", enable_idempotence=True)
    await p.start()
    try:
        futures = [
            await p.send(
                topic,
                e.model_dump_json().encode(),
                key=str(e.case_id).encode(),
                headers=[(k, v.encode()) for k, v in e.headers().items()],
            )
            for e in envelopes
        ]
        await asyncio.gather(*futures)
    finally:
        await p.stop()


# The steady rate of the "near saturation" phase, as a share of the saturation rate the same
# path reached in the same run (at saturation itself a queue grows without bound, and its
# latency is only how long the run lasted).
NEAR_SATURATION = 0.8


def rate(times: list[float]) -> float:
    """Events per second between the first and the last of these moments."""
    if len(times) < 2:
        return 0.0
    return round((len(times) - 1) / (max(times) - min(times)), 1)


async def handed_off(
    sent: dict[uuid.UUID, float], committed: dict[uuid.UUID, float], *, bound: float
) -> dict[str, Any]:
    """Latency percentiles of these hand-offs, waiting at most ``bound`` seconds for the last
    of them. One still missing then counts with the time it has waited so far (a lower bound,
    so the percentiles are too): ``censored`` says how many."""
    deadline = time.perf_counter() + bound
    while True:
        if all(k in committed for k in sent) or time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.02)
    now = time.perf_counter()
    waits = [committed.get(k, now) - t for k, t in sent.items()]
    return {**percentiles(waits), "censored": sum(1 for k in sent if k not in committed)}
