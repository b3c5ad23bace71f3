"""The whole pathway and the HTTP front, with intake, recovery and reintegration running in
this process as their bootstraps build them (real broker, real database, HTTP over loopback).

- pathway: N women walk in at intake and are walked on, by HTTP calls as staff make them,
  through the Kafka hand-offs to resettlement (walk-in, placement request -> admission
  request at recovery -> admitted -> handed to reintegration -> family traced and assessed
  -> resettled). C cases at a time. Cases per second over the run and the time per case
  (first call to the resettlement's 201), of which waiting for the two hand-offs.
- HTTP front: W load-generating clients file reports (a walk-in signal, then its placement
  request) as fast as the front answers, for S seconds, while recovery consumes the
  hand-offs they cause. Reports filed per second and the latency of each call. The baseline
  is the same clients against a bare FastAPI route that answers at once (the floor of
  uvicorn + HTTP on this machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared import provision
from homeward_shared.runtime import Service
from homeward_shared.testing import auth
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.journeys import reunite_with_family

from bench.common import (
    admin_dsn,
    arguments,
    database_dsn,
    kafka,
    peak_rss_mb,
    percentiles,
    throwaway_database,
    throwaway_topics,
    write_result,
)

NAME = "pathway"

INTAKE = as_user("u-bench-intake", "intake")
CENTRE = {c: as_user(f"u-bench-{c}", "centre_staff", centres=[c]) for c in ("TD", "KC", "SR")}
REINTEGRATION = as_user("u-bench-reint", "reintegration")


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                await task
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()


def services(database: str, prefix: str) -> list[Service[Any]]:
    def settings(cls: Any, name: str) -> Any:
        return cls(
            database_url=provision.service_dsn(admin_dsn(), name, database),
            kafka_bootstrap_servers=kafka(),
            topic_prefix=prefix,
            log_level="WARNING",
            # Accept the tokens ``as_user`` mints (the test tier's local issuer).
            **{k.lower(): v for k, v in auth.service_env().items()},
        )

    return [
        intake_app(settings(IntakeSettings, "intake")),
        recovery_app(settings(RecoverySettings, "recovery")),
        reintegration_app(settings(ReintegrationSettings, "reintegration")),
    ]


class Waits:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    async def __aenter__(self) -> Waits:
        self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=4)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.pool.close()

    async def until(self, sql: str, case_id: str, within: float = 60.0) -> None:
        """Poll the database (not the API: a list endpoint grows with the run) until the
        hand-off arrived; bounded."""
        deadline = time.perf_counter() + within
        while not await self.pool.fetchval(sql, uuid.UUID(case_id)):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"hand-off not arrived within {within}s")
            await asyncio.sleep(0.005)


async def file_report(c: httpx.AsyncClient, lat: list[float] | None = None) -> dict[str, Any]:
    t = time.perf_counter()
    r = await c.post(
        "/signals",
        headers=INTAKE,
        json={
            "idempotency_key": uuid.uuid4().hex,
            "source": "clinic_walk_in",
            "urgency": "high",
            "needs_shelter": True,
        },
    )
    if lat is not None:
        lat.append(time.perf_counter() - t)
    assert r.status_code == 201, r.text
    signal = r.json()
    t = time.perf_counter()
    r = await c.post(
        f"/signals/{signal['signal_id']}/placement-request",
        headers=INTAKE,
        json={"reason": "walk_in_needs_shelter"},
    )
    if lat is not None:
        lat.append(time.perf_counter() - t)
    assert r.status_code == 202, r.text
    return signal


async def one_case(urls: dict[str, str], waits: Waits) -> dict[str, float]:
    async with (
        httpx.AsyncClient(base_url=urls["intake"], timeout=60) as ic,
        httpx.AsyncClient(base_url=urls["recovery"], timeout=60) as rc,
        httpx.AsyncClient(base_url=urls["reintegration"], timeout=60) as gc,
    ):
        started = time.perf_counter()
        case_id = (await file_report(ic))["case_id"]
        t = time.perf_counter()
        await waits.until(
            "SELECT proposed_centre FROM recovery.admission_requests WHERE case_id = $1", case_id
        )
        to_recovery = time.perf_counter() - t
        centre = await waits.pool.fetchval(
            "SELECT proposed_centre FROM recovery.admission_requests WHERE case_id = $1",
            uuid.UUID(case_id),
        )
        r = await rc.post(
            "/admissions",
            headers=CENTRE[centre],
            json={
                "case_id": case_id,
                "centre": centre,
                "informed_consent": True,
                "house_rules_accepted": True,
                "consent_given_on": "2026-11-24",
                "identity": {"name": "bench", "village": "bench"},
            },
        )
        assert r.status_code == 201, r.text
        r = await rc.post(
            f"/residents/{case_id}/reintegration-handoff",
            headers=CENTRE[centre],
            json={"skills": ["sewing_garment_factory"], "wishes_to_return_home": True},
        )
        assert r.status_code == 202, r.text
        t = time.perf_counter()
        await waits.until("SELECT true FROM reintegration.cases WHERE case_id = $1", case_id)
        to_reintegration = time.perf_counter() - t
        await reunite_with_family(gc, case_id, REINTEGRATION)
        return {
            "total": time.perf_counter() - started,
            "to_recovery": to_recovery,
            "to_reintegration": to_reintegration,
        }


async def pathway(urls: dict[str, str], waits: Waits, cases: int, at_once: int) -> dict[str, Any]:
    gate = asyncio.Semaphore(at_once)

    async def gated() -> dict[str, float]:
        async with gate:
            return await one_case(urls, waits)

    started = time.perf_counter()
    done = await asyncio.gather(*(gated() for _ in range(cases)))
    elapsed = time.perf_counter() - started
    return {
        "cases": cases,
        "at_once": at_once,
        "cases_per_s": round(cases / elapsed, 2),
        "per_case_ms": percentiles([d["total"] for d in done]),
        "wait_intake_to_recovery_ms": percentiles([d["to_recovery"] for d in done]),
        "wait_recovery_to_reintegration_ms": percentiles([d["to_reintegration"] for d in done]),
    }


async def load(url: str, workers: int, seconds: float, *, bare: bool = False) -> dict[str, Any]:
    """``workers`` clients filing reports back to back for ``seconds``."""
    lat: list[float] = []
    filed = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal filed
        async with httpx.AsyncClient(base_url=url, timeout=60) as c:
            while time.perf_counter() < stop_at:
                if bare:
                    t = time.perf_counter()
                    r = await c.post("/signals", headers=INTAKE, json={"source": "x"})
                    lat.append(time.perf_counter() - t)
                    assert r.status_code == 201
                else:
                    await file_report(c, lat)
                filed += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    elapsed = time.perf_counter() - started
    return {
        "workers": workers,
        "seconds": round(elapsed, 2),
        "reports_per_s": round(filed / elapsed, 1),
        "calls_per_s": round(len(lat) / elapsed, 1),
        "latency_ms": percentiles(lat),
    }


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.post("/signals", status_code=201)
    async def signals(body: dict[str, Any]) -> dict[str, str]:
        return {"signal_id": str(uuid.uuid4())}

    return app


async def measure(cases: int, at_once: int, workers: int, seconds: float) -> dict[str, Any]:
    async with throwaway_database() as db, throwaway_topics() as topics:
        running = services(db, topics.prefix)
        for s in running:
            await s.start()
        try:
            async with contextlib.AsyncExitStack() as stack:
                urls = {
                    s.settings.service_name: await stack.enter_async_context(serving(s.app))
                    for s in running
                }
                waits = await stack.enter_async_context(Waits(database_dsn(db)))
                await one_case(urls, waits)  # groups joined, statements prepared
                walked = await pathway(urls, waits, cases, at_once)
                front = await load(urls["intake"], workers, seconds)
        finally:
            for s in reversed(running):
                await s.stop()
    async with serving(bare_app()) as url:
        bare = await load(url, workers, seconds / 2, bare=True)
    return {"pathway": walked, "http_front": front, "http_bare": bare, "peak_rss_mb": peak_rss_mb()}


def show(r: dict[str, Any]) -> None:
    p, f, b = r["pathway"], r["http_front"], r["http_bare"]
    print("Whole pathway (intake walk-in -> recovery -> reintegration -> resettled, over HTTP)")
    print(
        f"  pathway     {p['cases_per_s']:>9} cases/s ({p['cases']} cases, {p['at_once']} at once);"
        f" per case p50 {p['per_case_ms']['p50']} ms  p99 {p['per_case_ms']['p99']} ms"
    )
    print(
        f"              waiting for intake -> recovery p50 {p['wait_intake_to_recovery_ms']['p50']}"
        f" ms, recovery -> reintegration p50 {p['wait_recovery_to_reintegration_ms']['p50']} ms"
    )
    lat = f["latency_ms"]
    print(
        f"  HTTP front  {f['reports_per_s']:>9} reports/s ({f['workers']} clients,"
        f" {f['calls_per_s']} calls/s) latency p50 {lat['p50']} ms  p95 {lat['p95']} ms"
        f"  p99 {lat['p99']} ms; bare FastAPI route {b['calls_per_s']} calls/s,"
        f" p99 {b['latency_ms']['p99']} ms"
    )


def main() -> None:
    a = arguments(__doc__.splitlines()[0], cases=40, at_once=10, workers=8, seconds=10.0)
    result = asyncio.run(measure(a.cases, a.at_once, a.workers, a.seconds))
    written = write_result(NAME, result, a.json)
    if a.json is None:
        show(result)
        print(f"  -> {written}")


if __name__ == "__main__":
    main()
