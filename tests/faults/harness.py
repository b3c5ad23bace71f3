"""Fault harness: cases through the whole pathway while processes, the broker and the
database fail at seeded random moments; then every record is reconciled.

    python -m tests.faults.harness --cases 1000 --seed 7              # every fault kind
    python -m tests.faults.harness --cases 12 --broker-restarts 0     # the short run

Every service (intake, investigation, recovery, reintegration, dashboard) runs as its own OS
process (``python -m homeward_<service>``) on a throwaway database and topics. The driver
uses only the public HTTP APIs and retries a call whose process died or whose database is
away (every call is idempotent: a retried submit carries the same idempotency key).

Faults, each at a moment drawn from the seed (a share of the cases done):
- ``kill:<service>``: SIGKILL, restarted after a seeded pause;
- ``term:<service>``: SIGTERM; the process must finish in-flight work and exit 0 within
  ``--stop-bound`` seconds, then it is restarted;
- ``broker``: the harness's own Kafka node stopped and started; meanwhile every service must
  say ``degraded`` on /health and people's work must still be accepted;
- ``postgres``: the harness's own PostgreSQL cluster stopped (crash or clean) and started;
  meanwhile HTTP must answer 503 with Retry-After;
- throughout: a redeliverer publishes copies of hand-off and stage events again, later, and
  on other partitions than their case's (duplicates, out of order across partitions).

Afterwards: every case at the stage its script expects, once in every service's tables;
each of its stage changes once on the feed (by event id) and in the dashboard; no admission,
kit, follow-up visit or alert twice; audit chains intact; nothing in a dead-letter topic; no
consumer lag. The report prints the counts and the process exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from homeward_shared import provision
from homeward_shared.contracts import Topics
from homeward_shared.testing.auth import as_user, service_env
from homeward_shared.testing.infra import InfraSettings, wait_until
from homeward_shared.testing.kafka import create_topics, delete_topics
from homeward_shared.uow import verify_audit_chain

from tests.faults.infra import LOCAL, OwnKafka, OwnPostgres

SERVICES = ("intake", "investigation", "recovery", "reintegration", "dashboard")
# The stages each script's case passes through, in order; its last is where it must end.
WALK_IN = ["reported", "rescued", "admitted", "ready_for_reintegration", "resettled"]
REPORTED = [
    "identified",
    "referred_to_legal",
    "rescued",
    "admitted",
    "ready_for_reintegration",
    "resettled",
]
INTAKE = as_user("u-faults", "intake")
INVESTIGATOR = as_user("u-faults-inv", "investigator")
LEGAL = as_user("u-faults-legal", "legal")
REINTEGRATION = as_user("u-faults", "reintegration")
MANAGER = as_user("u-faults-mgr", "manager")
CENTRES = ("TD", "KC", "SR")


def centre_staff(centre: str) -> dict[str, str]:
    return as_user("u-faults", "centre_staff", centres=[centre])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Proc:
    name: str
    env: dict[str, str]
    port: int
    log: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0
    # Set while the harness itself has stopped the process: the watchdog leaves it down.
    held: bool = False
    unplanned_exits: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                f"homeward_{self.name}",
                env=self.env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=out,
            )
        self.starts += 1
        self.held = False

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        self.held = True
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def terminate(self, bound: float) -> tuple[float, int | None]:
        """SIGTERM; returns how long it took to exit and its exit code (None: killed after
        the bound)."""
        self.held = True
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            rc = await asyncio.wait_for(self.process.wait(), bound)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            rc = None
        return time.monotonic() - started, rc

    async def stop(self) -> None:
        self.held = True
        if self.alive:
            assert self.process is not None
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@dataclass
class Run:
    cases: int
    seed: int
    concurrency: int
    stop_bound: float
    done_cases: int = 0
    retries: int = 0
    http_503: int = 0
    http_5xx: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    redeliveries: int = 0
    case_ids: dict[str, list[str]] = field(default_factory=dict)  # case -> expected stages
    problems: list[str] = field(default_factory=list)
    term_seconds: list[float] = field(default_factory=list)
    degraded_seen: int = 0
    accepted_while_broker_down: int = 0
    refused_503_retry_after: int = 0
    broker_down: bool = False
    # Cases a person submitted while the broker was down, beyond ``cases``.
    extra_cases: int = 0
    extra_tasks: list[asyncio.Task] = field(default_factory=list)


async def call(
    run: Run, c: httpx.AsyncClient, method: str, url: str, *, ok=(200, 201, 202), **kw: Any
) -> httpx.Response:
    """Retry, bounded, while the process is down or its database is away."""
    deadline = time.monotonic() + 180
    while True:
        try:
            r = await c.request(method, url, timeout=15, **kw)
            if r.status_code in ok:
                if run.broker_down and method == "POST":
                    run.accepted_while_broker_down += 1
                return r
            if r.status_code == 503:
                run.http_503 += 1
                raise httpx.TransportError("503")
            if r.status_code >= 500:
                # A 5xx other than 503 is a defect: recorded, then retried like a crash.
                run.http_5xx[r.status_code] += 1
                run.problems.append(f"{method} {url.split('/', 3)[-1]}: {r.status_code}")
                raise httpx.TransportError(str(r.status_code))
            raise AssertionError(f"{method} {url}: {r.status_code} {r.text[:300]}")
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            run.retries += 1
            # Backoff of a bounded retry while the process restarts (the deadline above).
            await asyncio.sleep(0.25)


async def poll(check, what: str, within: float = 180.0):
    """Wait, bounded, for ``check()``; a process that is down counts as 'not yet'."""

    async def tolerant():
        with contextlib.suppress(httpx.TransportError):
            return await check()
        return None

    return await wait_until(tolerant, within=within, interval=0.15, what=what)


async def walk_in(run: Run, c: httpx.AsyncClient, procs: dict[str, Proc], i: int, key: str) -> str:
    """A clinic walk-in who needs shelter now: intake -> recovery."""
    intake = procs["intake"].url
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
    run.case_ids[signal_["case_id"]] = WALK_IN
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
    return signal_["case_id"]


async def reported(run: Run, c: httpx.AsyncClient, procs: dict[str, Proc], i: int, key: str) -> str:
    """Identified in an investigative report, referred to legal workers, rescued in an
    operation: investigation -> recovery."""
    inv = procs["investigation"].url
    r = await call(
        run,
        c,
        "POST",
        f"{inv}/reports",
        headers=INVESTIGATOR,
        json={
            "idempotency_key": key,
            "establishment": {"kind": "karaoke_bar", "province": "KH-8", "district": "0811"},
            "visit_dates": ["2026-11-10"],
            "urgency": "high",
            "persons": [
                {
                    "sex": "female",
                    "nationality": "KH",
                    "language": "km",
                    "approximate_age": 20 + i % 10,
                    "indicators": ["debt_bondage"],
                    "name": f"Synthetic Person {i}",
                }
            ],
        },
    )
    report = r.json()
    case_id = report["persons"][0]["case_id"]
    run.case_ids[case_id] = REPORTED
    r = await call(run, c, "POST", f"{inv}/reports/{report['report_id']}/legal-referral",
                   headers=INVESTIGATOR)  # fmt: skip
    legal_case = f"{inv}/legal/referrals/{r.json()['referral_id']}"
    await call(run, c, "POST", f"{legal_case}/milestones", headers=LEGAL,
               json={"milestone": "police_engaged", "occurred_on": "2026-11-15"})  # fmt: skip
    await call(
        run,
        c,
        "POST",
        f"{legal_case}/operations",
        headers=LEGAL,
        json={
            "idempotency_key": f"{key}-operation",
            "carried_out_on": "2026-11-18",
            "outcomes": [{"case_id": case_id, "outcome": "rescued"}],
        },
    )
    return case_id


async def one_case(run: Run, c: httpx.AsyncClient, procs: dict[str, Proc], i: int) -> None:
    recovery, reint = procs["recovery"].url, procs["reintegration"].url
    key = f"faults-{run.seed}-{i}-{uuid.uuid4().hex[:6]}"
    script = reported if random.Random(run.seed * 7919 + i).random() < 0.25 else walk_in
    case_id = await script(run, c, procs, i, key)

    async def queued():
        # Staff see their own centre's queue; the request waits in the proposed centre's.
        for centre in CENTRES:
            r = await c.get(
                f"{recovery}/admission-requests", headers=centre_staff(centre), timeout=15
            )
            if r.status_code == 200:
                found = next((q for q in r.json() if q["case_id"] == case_id), None)
                if found:
                    return found
        return None

    request = await poll(queued, f"{case_id} reaches recovery")
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
        r = await c.get(f"{reint}/cases/{case_id}", headers=REINTEGRATION, timeout=15)
        return r.status_code == 200

    await poll(handed_on, f"{case_id} reaches reintegration")
    # Her family traced and assessed with her, her start-up kit; retries carry the same keys.
    for step, body, ok in (
        (
            "family-contacts",
            {"kind": "tracing_attempt", "happened_on": "2026-11-20", "result": "found"},
            (200, 201),
        ),
        (
            "assessments",
            {
                "assessed_on": "2026-11-21",
                "her_wish": "reunification",
                "market_opportunities": "good",
                "family_conditions": "good",
                "skills_fit": True,
                "wants_business": True,
                "business_kind": "weaving",
                "business_market": "good",
            },
            (200, 201),
        ),
        ("resettlement", {"plan": "reunification", "resettled_on": "2027-01-15"}, (201, 409)),
        (
            "support",
            {
                "kind": "startup_kit",
                "form": "in_kind",
                "items": ["loom", "thread_stock"],
                "value": "700.00",
                "currency": "USD",
                "disbursed_on": "2027-01-15",
                "approved_by": "u-faults-mgr",
            },
            (200, 201),
        ),
    ):
        if step != "resettlement":
            body = {"idempotency_key": f"{key}-{step}", **body}
        await call(
            run, c, "POST", f"{reint}/cases/{case_id}/{step}", headers=REINTEGRATION, json=body,
            ok=ok,
        )  # fmt: skip
    run.done_cases += 1


# --- faults -----------------------------------------------------------------------------


@dataclass
class Plan:
    kills_per_service: int
    terms_per_service: int
    broker_restarts: int
    postgres_restarts: int
    # Whose processes are killed and stopped (the short run spares some to stay short).
    victims: tuple[str, ...] = SERVICES

    def faults(self) -> list[str]:
        out = [f"kill:{s}" for s in self.victims for _ in range(self.kills_per_service)]
        out += [f"term:{s}" for s in self.victims for _ in range(self.terms_per_service)]
        out += ["broker"] * self.broker_restarts + ["postgres"] * self.postgres_restarts
        return out


async def check_degraded(run: Run, c: httpx.AsyncClient, procs: dict[str, Proc]) -> None:
    """The broker is down: every service must still be up and say so, and a person's new
    case is still accepted (its hand-off waits in the outbox, and completes later)."""
    index = run.cases + run.extra_cases
    run.extra_cases += 1
    before = len(run.case_ids)
    run.extra_tasks.append(asyncio.create_task(one_case(run, c, procs, index)))
    try:
        await wait_until(lambda: len(run.case_ids) > before, within=30, what="case accepted")
    except TimeoutError:
        run.problems.append("a new case was not accepted while the broker was down")

    async def says_degraded(p: Proc):
        r = await c.get(f"{p.url}/health", timeout=15)
        return r.status_code == 200 and r.json()["status"] == "degraded"

    for p in procs.values():
        try:
            await poll(lambda p=p: says_degraded(p), f"{p.name} degraded", within=30)
            run.degraded_seen += 1
        except TimeoutError:
            run.problems.append(f"{p.name}: /health never said degraded with the broker down")


async def check_unavailable(run: Run, c: httpx.AsyncClient, procs: dict[str, Proc]) -> None:
    """The database is down: HTTP must answer 503 with Retry-After, never 500."""
    rec = procs["recovery"]

    async def refused():
        r = await c.get(f"{rec.url}/admission-requests", headers=centre_staff("TD"), timeout=15)
        if r.status_code == 503 and "retry-after" in r.headers:
            return True
        if r.status_code >= 500 and r.status_code != 503:
            run.problems.append(f"recovery answered {r.status_code} with the database down")
            return True
        return False

    try:
        await poll(refused, "503 with Retry-After while the database is down", within=30)
        run.refused_503_retry_after += 1
    except TimeoutError:
        run.problems.append("no 503 with Retry-After while the database was down")

    async def says_unavailable():
        r = await c.get(f"{rec.url}/health", timeout=15)
        return r.status_code == 503 and r.json().get("status") == "unavailable"

    try:
        await poll(says_unavailable, "/health unavailable", within=30)
    except TimeoutError:
        run.problems.append("/health never said unavailable with the database down")


async def all_healthy(c: httpx.AsyncClient, procs: dict[str, Proc]) -> bool:
    for p in procs.values():
        r = await c.get(f"{p.url}/health", timeout=5)
        if r.status_code != 200 or r.json().get("status") != "ok":
            return False
    return True


async def chaos(
    run: Run,
    plan: Plan,
    procs: dict[str, Proc],
    c: httpx.AsyncClient,
    kafka: OwnKafka | None,
    pg: OwnPostgres | None,
) -> None:
    rng = random.Random(run.seed)
    faults = plan.faults()
    rng.shuffle(faults)
    # Each fault at a seeded share of the cases done: every fault lands inside the run.
    moments = sorted(rng.uniform(0.03, 0.85) * run.cases for _ in faults)
    for fault, moment in zip(faults, moments, strict=True):
        await wait_until(
            lambda m=moment: run.done_cases >= m, within=3600, interval=0.1, what="moment"
        )
        # One fault at a time, each striking a running system (a process restarted by the
        # last fault has finished starting).
        await poll(lambda: all_healthy(c, procs), "healthy before the next fault", within=120)
        kind, _, name = fault.partition(":")
        if kind == "kill":
            await procs[name].kill()
            # How long it stays dead is part of the seeded fault, not a wait for a condition.
            await asyncio.sleep(rng.uniform(0.0, 0.5))
            await procs[name].start()
        elif kind == "term":
            took, rc = await procs[name].terminate(run.stop_bound)
            run.term_seconds.append(round(took, 2))
            # uvicorn re-raises the signal once its graceful shutdown is done, so that a
            # supervisor sees "terminated by SIGTERM": -15 is a clean stop as 0 is.
            if rc not in (0, -signal.SIGTERM):
                run.problems.append(f"{name}: SIGTERM gave rc={rc} after {took:.1f}s")
            await procs[name].start()
        elif kind == "broker":
            assert kafka is not None
            await kafka.down()
            run.broker_down = True
            await check_degraded(run, c, procs)
            await asyncio.sleep(rng.uniform(0.5, 3.0))
            await kafka.up()
            run.broker_down = False
        elif kind == "postgres":
            assert pg is not None
            await pg.stop(crash=rng.random() < 0.5)
            await check_unavailable(run, c, procs)
            await asyncio.sleep(rng.uniform(0.5, 3.0))
            await pg.start()
        run.faults[kind] += 1


async def watchdog(procs: dict[str, Proc], done: asyncio.Event) -> None:
    """A supervisor's restart of a process that exited on its own (one started while the
    database or broker was away exits: its start-up needs both)."""
    while not done.is_set():
        for p in procs.values():
            if not p.held and p.process is not None and p.process.returncode is not None:
                p.unplanned_exits += 1
                await p.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 1.0)


async def redeliver(run: Run, bootstrap: str, topics: list[str], done: asyncio.Event) -> None:
    """Publish a seeded share of the events again, later, in reverse order and on another
    partition than their case's: duplicates and out-of-order delivery across partitions."""
    rng = random.Random(run.seed + 1)
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=10_000)
    await consumer.start()
    await producer.start()
    held: list[Any] = []
    try:
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=300)
            except Exception:  # the broker is restarting: the consumer reconnects
                await asyncio.sleep(1)
                continue
            for records in batches.values():
                held += [r for r in records if rng.random() < 0.12]
            if len(held) >= rng.randint(2, 6) or (done.is_set() and held):
                batch, held = held[::-1], []
                for r in batch:
                    parts = sorted(await producer.partitions_for(r.topic) or {r.partition})
                    others = [p for p in parts if p != r.partition] or parts
                    for _ in range(60):
                        try:
                            await producer.send_and_wait(
                                r.topic,
                                value=r.value,
                                key=r.key,
                                headers=list(r.headers),
                                partition=rng.choice(others),
                            )
                            run.redeliveries += 1
                            break
                        except Exception:
                            await asyncio.sleep(1)
            if done.is_set() and not held:
                return
    finally:
        await consumer.stop()
        await producer.stop()


# --- drain and reconcile ------------------------------------------------------------------


async def consumer_lag(bootstrap: str, prefix: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await probe.start()
    try:
        lag = 0
        groups = [g[0] for g in await admin.list_consumer_groups() if g[0].startswith(prefix)]
        for group in groups:
            committed = await admin.list_consumer_group_offsets(group)
            topics = {tp.topic for tp in committed}
            parts = [
                TopicPartition(t, p) for t in topics for p in probe.partitions_for_topic(t) or ()
            ]
            if not parts:
                await probe.topics()
                parts = [
                    TopicPartition(t, p)
                    for t in topics
                    for p in probe.partitions_for_topic(t) or ()
                ]
            ends = await probe.end_offsets(parts)
            for tp, end in ends.items():
                meta = committed.get(tp)
                lag += end - (meta.offset if meta is not None and meta.offset >= 0 else 0)
        return lag
    finally:
        await probe.stop()
        await admin.close()


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
            batch = await consumer.getmany(timeout_ms=2000)
            if not batch:
                break
            for recs in batch.values():
                records.extend(recs)
    finally:
        await consumer.stop()
    return records


async def reconcile(run: Run, admin_dsn: str, bootstrap: str, topics: Topics) -> dict:
    problems = run.problems
    cases = list(run.case_ids)
    reported_cases = [c for c, s in run.case_ids.items() if s is REPORTED]
    n, n_rep = len(cases), len(reported_cases)
    if n != run.cases + run.extra_cases:
        problems.append(f"{n} cases opened for {run.cases + run.extra_cases} submitted")
    conn = await asyncpg.connect(admin_dsn)
    try:
        ids = [uuid.UUID(c) for c in cases]

        async def per_case(table: str, where: str = "true") -> int:
            return await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE case_id = ANY($1::uuid[]) AND {where}", ids
            )

        counts = {
            "intake.signals": await per_case("intake.signals"),
            "investigation.persons": await per_case("investigation.persons"),
            "investigation.rescue_outcomes": await per_case(
                "investigation.rescue_outcomes", "outcome = 'rescued'"
            ),
            "recovery.admission_requests": await per_case("recovery.admission_requests"),
            "recovery.residents_handed_on": await per_case(
                "recovery.residents", "status = 'ready_for_reintegration'"
            ),
            "reintegration.cases_resettled": await per_case(
                "reintegration.cases", "status = 'resettled'"
            ),
            "reintegration.startup_kits": await per_case(
                "reintegration.disbursements", "kind = 'startup_kit'"
            ),
            "reintegration.follow_up_visits": await per_case("reintegration.follow_up_visits"),
            "reintegration.overdue_alerts": await per_case("reintegration.overdue_alerts"),
            "dashboard.cases_at_resettled": await per_case(
                "dashboard.case_progress", "stage = 'resettled'"
            ),
        }
        expected = {
            "intake.signals": n - n_rep,
            "investigation.persons": n_rep,
            "investigation.rescue_outcomes": n_rep,
            "reintegration.follow_up_visits": 12 * n,
            "reintegration.overdue_alerts": 0,
        }
        for k, v in counts.items():
            if v != expected.get(k, n):
                problems.append(f"{k}: {v}, expected {expected.get(k, n)}")
        entries = await conn.fetch(
            "SELECT case_id::text AS c, array_agg(stage ORDER BY stage) AS s"
            " FROM dashboard.case_stage_entries WHERE case_id = ANY($1::uuid[]) GROUP BY 1",
            ids,
        )
        seen = {r["c"]: sorted(r["s"]) for r in entries}
        for case, stages in run.case_ids.items():
            if seen.get(case) != sorted(stages):
                problems.append(f"dashboard {case}: {seen.get(case)} != {sorted(stages)}")
        opened = await conn.fetchval(
            "SELECT count(*) FROM recovery.audit WHERE action = 'admission_request_opened'"
        )
        if opened != n:
            problems.append(f"recovery opened {opened} admission requests for {n} cases")
        for schema in SERVICES:
            backlog = await conn.fetchval(
                f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL"
            )
            if backlog:
                problems.append(f"{schema}: {backlog} outbox rows unpublished")
            try:
                await verify_audit_chain(conn, schema)
            except Exception as exc:
                problems.append(f"{schema}: audit chain {type(exc).__name__}: {exc}")
        inbox = {s: await conn.fetchval(f"SELECT count(*) FROM {s}.inbox") for s in SERVICES}
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
    for case, stages in run.case_ids.items():
        on_feed = {s for (c, s) in stage_events if c == case}
        if on_feed != set(stages):
            problems.append(f"case {case}: feed has {sorted(on_feed)}, expected {stages}")
        for stage in stages:
            ids_ = stage_events.get((case, stage), set())
            if len(ids_) != 1:
                problems.append(f"case {case} stage {stage}: {len(ids_)} distinct events")
    event_ids = [dict(r.headers).get("event_id") for r in records if not r.topic.endswith(".dlq")]
    return {
        "counts": counts,
        "records_on_topics": {t.removeprefix(topics.prefix): v for t, v in by_topic.items()},
        "inbox_rows": inbox,
        "duplicate_deliveries_absorbed": len(event_ids) - len(set(event_ids)),
    }


# --- the run ------------------------------------------------------------------------------


async def main(
    cases: int,
    seed: int,
    plan: Plan,
    *,
    concurrency: int = 8,
    own_kafka: bool = True,
    own_postgres: bool = True,
    stop_bound: float = 20.0,
) -> dict:
    shared = InfraSettings()
    kafka = OwnKafka() if own_kafka else None
    pg = OwnPostgres() if own_postgres else None
    if plan.broker_restarts and kafka is None:
        raise ValueError("broker restarts need the harness's own broker (--own-kafka)")
    if plan.postgres_restarts and pg is None:
        raise ValueError("database restarts need the harness's own cluster (--own-postgres)")
    started = time.monotonic()
    await asyncio.gather(*(x.up() for x in (kafka, pg) if x is not None))
    infra_s = time.monotonic() - started
    bootstrap = kafka.bootstrap if kafka else shared.kafka_bootstrap_servers
    admin = pg.admin_dsn if pg else shared.database_url
    db = f"homeward_faults_{uuid.uuid4().hex[:10]}"
    topics = Topics(prefix=f"f{uuid.uuid4().hex[:8]}.")
    every_topic = topics.all() + [Topics.dead_letter(t) for t in topics.all()]
    await provision.provision(admin, db)
    await create_topics(bootstrap, every_topic)
    admin_dsn = provision.dsn_with(
        admin, user=provision._user(admin), password=provision._pw(admin), database=db
    )
    logs = LOCAL / "faults-logs" / db
    logs.mkdir(parents=True, exist_ok=True)
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HTTP_PORT")}
    base_env |= service_env()  # the services accept the tokens as_user mints
    procs = {
        s: Proc(
            s,
            base_env
            | {
                "DATABASE_URL": provision.service_dsn(admin, s, db),
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "TOPIC_PREFIX": topics.prefix,
                "HTTP_PORT": str(port),
                "RELAY_POLL_INTERVAL_S": "0.2",
                "CONSUMER_RETRY_BACKOFF_S": "0.1",
                "CONSUMER_RETRY_BACKOFF_MAX_S": "2",
                "SHUTDOWN_GRACE_S": "5",
                "LOG_LEVEL": "WARNING",
            },
            port,
            logs / f"{s}.log",
        )
        for s in SERVICES
        for port in [free_port()]
    }
    run = Run(cases=cases, seed=seed, concurrency=concurrency, stop_bound=stop_bound)
    done = asyncio.Event()
    tasks: list[asyncio.Task] = []
    try:
        for p in procs.values():
            await p.start()
        async with httpx.AsyncClient() as c:

            async def healthy():
                return await all_healthy(c, procs)

            await poll(healthy, "services healthy", within=90)
            tasks = [
                asyncio.create_task(watchdog(procs, done)),
                asyncio.create_task(
                    redeliver(
                        run,
                        bootstrap,
                        [
                            topics.placement_requested,
                            topics.person_rescued,
                            topics.resident_ready_for_reintegration,
                            topics.stage_changed,
                        ],
                        done,
                    )
                ),
            ]
            chaos_task = asyncio.create_task(chaos(run, plan, procs, c, kafka, pg))
            sem = asyncio.Semaphore(concurrency)

            async def bounded(i):
                async with sem:
                    await one_case(run, c, procs, i)

            pathway_started = time.monotonic()
            await asyncio.gather(chaos_task, *(bounded(i) for i in range(cases)))
            await asyncio.gather(*run.extra_tasks)
            pathway_s = time.monotonic() - pathway_started
            drain_started = time.monotonic()
            done.set()
            await asyncio.gather(*tasks)
            await poll(healthy, "services healthy after the last fault", within=90)

            async def drained():
                conn = await asyncpg.connect(admin_dsn)
                try:
                    for s in SERVICES:
                        if await conn.fetchval(
                            f"SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL"
                        ):
                            return False
                finally:
                    await conn.close()
                return await consumer_lag(bootstrap, topics.prefix) == 0

            await poll(drained, "outboxes published and every consumer caught up", within=180)
            drain_s = time.monotonic() - drain_started
    finally:
        done.set()
        for t in tasks:
            t.cancel()
        for p in procs.values():
            await p.stop()
    report = await reconcile(run, admin_dsn, bootstrap, topics)
    await provision.drop(admin, db)
    await delete_topics(bootstrap, every_topic)
    await asyncio.gather(*(x.down() for x in (kafka, pg) if x is not None))
    return {
        "cases": cases + run.extra_cases,
        "cases_submitted_while_broker_down": run.extra_cases,
        "by_script": dict(
            Counter("reported" if s is REPORTED else "walk_in" for s in run.case_ids.values())
        ),
        "seed": seed,
        "faults_injected": dict(run.faults),
        "process_starts": {p.name: p.starts for p in procs.values()},
        "unplanned_exits": {p.name: p.unplanned_exits for p in procs.values()},
        "sigterm_exit_seconds": run.term_seconds,
        "redeliveries_injected": run.redeliveries,
        **report,
        "degraded_health_seen": run.degraded_seen,
        "accepted_while_broker_down": run.accepted_while_broker_down,
        "refused_503_with_retry_after": run.refused_503_retry_after,
        "http_503_retried": run.http_503,
        "http_retries": run.retries,
        "infra_start_seconds": round(infra_s, 1),
        "pathway_seconds": round(pathway_s, 1),
        "drain_seconds": round(drain_s, 2),
        "problems": run.problems,
    }


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--kills-per-service", type=int, default=3)
    parser.add_argument("--terms-per-service", type=int, default=1)
    parser.add_argument("--broker-restarts", type=int, default=3)
    parser.add_argument("--postgres-restarts", type=int, default=3)
    parser.add_argument("--stop-bound", type=float, default=20.0)
    parser.add_argument(
        "--shared-kafka", action="store_true", help="use the shared broker (no broker restarts)"
    )
    parser.add_argument(
        "--shared-postgres", action="store_true", help="use the shared cluster (no restarts)"
    )
    args = parser.parse_args()
    # The redeliverer's client reports every refused connection while the broker restarts.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    plan = Plan(
        args.kills_per_service, args.terms_per_service, args.broker_restarts,
        args.postgres_restarts,
    )  # fmt: skip
    report = asyncio.run(
        main(
            args.cases,
            args.seed,
            plan,
            concurrency=args.concurrency,
            own_kafka=not args.shared_kafka,
            own_postgres=not args.shared_postgres,
            stop_bound=args.stop_bound,
        )
    )
    print(json.dumps(report, indent=2))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(cli())
