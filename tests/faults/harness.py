"""Fault harness: cases through intake -> recovery -> reintegration while service processes
are SIGKILLed and restarted at seeded random moments; then every record is reconciled.

    python -m tests.faults.harness --cases 1000 --kills 20 --seed 7

Each service runs as its own OS process (``python -m homeward_<service>``) on a throwaway
database and topics of its own, against the real broker and PostgreSQL. The driver uses only
the public HTTP APIs and retries a call whose process died (every call is idempotent: a
retried submit carries the same idempotency key, a repeated transition answers 409).

Broker and database restarts are part of issue 9 still to come; they stop infrastructure
that other test runs on this machine share, so they will run only under their own flag.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from homeward_shared import provision
from homeward_shared.contracts import Topics
from homeward_shared.testing.auth import as_user, service_env
from homeward_shared.testing.infra import InfraSettings, wait_until
from homeward_shared.testing.kafka import create_topics, delete_topics

SERVICES = ("intake", "recovery", "reintegration")
EXPECTED_STAGES = ["reported", "rescued", "admitted", "ready_for_reintegration", "resettled"]
INTAKE = as_user("u-faults", "intake")
CENTRES = ("TD", "KC", "SR")


def centre_staff(centre: str) -> dict[str, str]:
    return as_user("u-faults", "centre_staff", centres=[centre])


REINTEGRATION = as_user("u-faults", "reintegration")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Proc:
    name: str
    env: dict[str, str]
    port: int
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            f"homeward_{self.name}",
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self.starts += 1

    def kill(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@dataclass
class Run:
    cases: int
    kills_planned: int
    seed: int
    concurrency: int = 8
    kills: int = 0
    retries: int = 0
    case_ids: list[str] = field(default_factory=list)


async def call(
    run: Run, client: httpx.AsyncClient, method: str, url: str, *, ok=(200, 201, 202), **kw
) -> httpx.Response:
    """Retry while the process is down or restarting; bounded."""
    deadline = time.monotonic() + 120
    while True:
        try:
            r = await client.request(method, url, timeout=10, **kw)
            if r.status_code in ok:
                return r
            if r.status_code >= 500 or r.status_code == 503:
                raise httpx.TransportError(f"{r.status_code}")
            raise AssertionError(f"{method} {url}: {r.status_code} {r.text[:200]}")
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            run.retries += 1
            # Backoff of a bounded retry while the process restarts (the deadline above).
            await asyncio.sleep(0.2)


async def poll(run: Run, check, what: str, within: float = 120.0):
    """Wait, bounded, for ``check()``; a process that is down counts as 'not yet'."""

    async def tolerant():
        with contextlib.suppress(httpx.TransportError):
            return await check()
        return None

    return await wait_until(tolerant, within=within, interval=0.1, what=what)


async def one_case(run: Run, c: httpx.AsyncClient, procs: dict[str, Proc], i: int) -> None:
    intake, recovery, reint = (procs[s].url for s in SERVICES)
    key = f"faults-{run.seed}-{i}-{uuid.uuid4().hex[:6]}"
    r = await call(
        run,
        c,
        "POST",
        f"{intake}/signals",
        headers=INTAKE,
        json={
            "idempotency_key": key,
            "source": "clinic_walk_in",
            "urgency": "high",
            "needs_shelter": True,
            "name": f"Synthetic Person {i}",
        },
    )
    signal_ = r.json()
    case_id = signal_["case_id"]
    run.case_ids.append(case_id)
    # 409: the first attempt succeeded but its answer was lost with the process.
    await call(
        run,
        c,
        "POST",
        f"{intake}/signals/{signal_['signal_id']}/placement-request",
        headers=INTAKE,
        json={"reason": "walk_in_needs_shelter"},
        ok=(202, 409),
    )

    async def queued():
        # Staff see their own centre's queue; the request waits in the proposed centre's.
        for centre in CENTRES:
            r = await c.get(
                f"{recovery}/admission-requests", headers=centre_staff(centre), timeout=10
            )
            if r.status_code == 200:
                found = next((q for q in r.json() if q["case_id"] == case_id), None)
                if found:
                    return found
        return None

    request = await poll(run, queued, f"{case_id} reaches recovery")
    centre = request["proposed_centre"] or "TD"
    staff = centre_staff(centre)
    await call(
        run,
        c,
        "POST",
        f"{recovery}/admissions",
        headers=staff,
        json={
            "case_id": case_id,
            "centre": centre,
            "informed_consent": True,
            "house_rules_accepted": True,
            "consent_given_on": "2026-11-24",
            "identity": {"name": f"Synthetic Person {i}"},
        },
        ok=(201, 409),
    )
    await call(
        run,
        c,
        "POST",
        f"{recovery}/residents/{case_id}/reintegration-handoff",
        headers=staff,
        json={"skills": ["weaving"], "wishes_to_return_home": True},
        ok=(202, 409),
    )

    async def handed_on():
        r = await c.get(f"{reint}/cases/{case_id}", headers=REINTEGRATION, timeout=10)
        return r.status_code == 200

    await poll(run, handed_on, f"{case_id} reaches reintegration")
    # Her family traced and assessed with her; retries carry the same idempotency keys.
    for step, body in (
        (
            "family-contacts",
            {"kind": "tracing_attempt", "happened_on": "2026-11-20", "result": "found"},
        ),
        (
            "assessments",
            {
                "assessed_on": "2026-11-21",
                "her_wish": "reunification",
                "market_opportunities": "good",
                "family_conditions": "good",
                "skills_fit": True,
                "wants_business": False,
            },
        ),
    ):
        await call(
            run,
            c,
            "POST",
            f"{reint}/cases/{case_id}/{step}",
            headers=REINTEGRATION,
            json={"idempotency_key": f"{key}-{step}", **body},
            ok=(200, 201, 409),
        )
    await call(
        run,
        c,
        "POST",
        f"{reint}/cases/{case_id}/resettlement",
        headers=REINTEGRATION,
        json={"plan": "reunification", "resettled_on": "2027-01-15"},
        ok=(201, 409),
    )


async def chaos(run: Run, procs: dict[str, Proc], done: asyncio.Event) -> None:
    rng = random.Random(run.seed)
    while run.kills < run.kills_planned and not done.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), rng.uniform(0.3, 1.5))
        if done.is_set():
            return
        victim = procs[rng.choice(SERVICES)]
        victim.kill()
        run.kills += 1
        await victim.process.wait()
        # How long it stays dead is part of the seeded fault, not a wait for a condition.
        await asyncio.sleep(rng.uniform(0.0, 0.5))
        await victim.start()


async def read_topics(bootstrap: str, topics: list[str]) -> list:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records = []
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=1500)
            if not batch:
                break
            for recs in batch.values():
                records.extend(recs)
    finally:
        await consumer.stop()
    return records


async def reconcile(run: Run, admin_dsn: str, bootstrap: str, topics: Topics) -> dict:
    problems: list[str] = []
    conn = await asyncpg.connect(admin_dsn)
    try:
        q = conn.fetchval
        n = run.cases
        counts = {
            "signals": await q("SELECT count(*) FROM intake.signals"),
            "placement_requested": await q(
                "SELECT count(*) FROM intake.signals WHERE status = 'placement_requested'"
            ),
            "admission_requests": await q("SELECT count(*) FROM recovery.admission_requests"),
            "residents_handed_on": await q(
                "SELECT count(*) FROM recovery.residents WHERE status = 'ready_for_reintegration'"
            ),
            "reintegration_cases_resettled": await q(
                "SELECT count(*) FROM reintegration.cases WHERE status = 'resettled'"
            ),
            "follow_up_visits": await q("SELECT count(*) FROM reintegration.follow_up_visits"),
        }
        expected = {k: n for k in counts} | {"follow_up_visits": 12 * n}
        for k, v in counts.items():
            if v != expected[k]:
                problems.append(f"{k}: {v}, expected {expected[k]}")
        for schema in SERVICES:
            backlog = await q(f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL")
            if backlog:
                problems.append(f"{schema}: {backlog} outbox rows unpublished")
        opened = await q(
            "SELECT count(*) FROM recovery.audit WHERE action = 'admission_request_opened'"
        )
        if opened != n:
            problems.append(f"recovery opened {opened} admission requests for {n} cases")
    finally:
        await conn.close()

    records = await read_topics(
        bootstrap, topics.all() + [Topics.dead_letter(t) for t in topics.all()]
    )
    by_topic = Counter(r.topic for r in records)
    dead = sum(v for t, v in by_topic.items() if t.endswith(".dlq"))
    if dead:
        problems.append(f"{dead} events in dead-letter topics")
    stage_events: dict[tuple[str, str], set[str]] = {}
    for r in records:
        if r.topic == topics.stage_changed:
            body = json.loads(r.value)
            stage_events.setdefault((body["case_id"], body["payload"]["stage"]), set()).add(
                body["event_id"]
            )
    for case in run.case_ids:
        for stage in EXPECTED_STAGES:
            ids = stage_events.get((case, stage), set())
            if len(ids) != 1:
                problems.append(f"case {case} stage {stage}: {len(ids)} distinct events")
    event_ids = [dict(r.headers).get("event_id") for r in records if not r.topic.endswith(".dlq")]
    redelivered = len(event_ids) - len(set(event_ids))
    return {
        "counts": counts,
        "records_on_topics": dict(by_topic),
        "duplicates_on_topics_absorbed": redelivered,
        "problems": problems,
    }


async def main(cases: int, kills: int, seed: int, concurrency: int = 8) -> dict:
    infra = InfraSettings()
    db = f"homeward_faults_{uuid.uuid4().hex[:10]}"
    topics = Topics(prefix=f"f{uuid.uuid4().hex[:8]}.")
    await provision.provision(infra.database_url, db)
    await create_topics(
        infra.kafka_bootstrap_servers, topics.all() + [Topics.dead_letter(t) for t in topics.all()]
    )
    admin_dsn = provision.dsn_with(
        infra.database_url,
        user=provision._user(infra.database_url),
        password=provision._pw(infra.database_url),
        database=db,
    )
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HTTP_PORT")}
    base_env |= service_env()  # the services accept the tokens as_user mints
    procs = {
        s: Proc(
            s,
            base_env
            | {
                "DATABASE_URL": provision.service_dsn(infra.database_url, s, db),
                "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
                "TOPIC_PREFIX": topics.prefix,
                "HTTP_PORT": str(port),
                "RELAY_POLL_INTERVAL_S": "0.2",
                "CONSUMER_RETRY_BACKOFF_S": "0.2",
                "LOG_LEVEL": "WARNING",
            },
            port,
        )
        for s in SERVICES
        for port in [free_port()]
    }
    run = Run(cases=cases, kills_planned=kills, seed=seed, concurrency=concurrency)
    started = time.monotonic()
    try:
        for p in procs.values():
            await p.start()
        async with httpx.AsyncClient() as c:

            async def healthy(p=None):
                for p in procs.values():
                    r = await c.get(f"{p.url}/health", timeout=3)
                    if r.status_code != 200:
                        return False
                return True

            await poll(run, healthy, "services healthy", within=60)
            done = asyncio.Event()
            chaos_task = asyncio.create_task(chaos(run, procs, done))
            sem = asyncio.Semaphore(concurrency)

            async def bounded(i):
                async with sem:
                    await one_case(run, c, procs, i)

            await asyncio.gather(*(bounded(i) for i in range(cases)))
            done.set()
            await chaos_task
            pathway_s = time.monotonic() - started
            # Drain: let the relays publish what is left, then reconcile.
            await poll(run, healthy, "services healthy after the last kill", within=60)
            drain_started = time.monotonic()

            async def drained():
                conn = await asyncpg.connect(admin_dsn)
                try:
                    for s in SERVICES:
                        if await conn.fetchval(
                            f"SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL"
                        ):
                            return False
                    return True
                finally:
                    await conn.close()

            await poll(run, drained, "outboxes drained", within=60)
            drain_s = time.monotonic() - drain_started
    finally:
        for p in procs.values():
            await p.stop()
    report = await reconcile(run, admin_dsn, infra.kafka_bootstrap_servers, topics)
    await provision.drop(infra.database_url, db)
    await delete_topics(
        infra.kafka_bootstrap_servers, topics.all() + [Topics.dead_letter(t) for t in topics.all()]
    )
    report |= {
        "cases": cases,
        "seed": seed,
        "kills": run.kills,
        "process_starts": {p.name: p.starts for p in procs.values()},
        "http_retries": run.retries,
        "pathway_seconds": round(pathway_s, 2),
        "drain_seconds": round(drain_s, 3),
    }
    return report


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    report = asyncio.run(main(args.cases, args.kills, args.seed, args.concurrency))
    print(json.dumps(report, indent=2))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(cli())
