"""The web service's added latency: a call through the BFF against the same call made to the
service directly.

The dashboard (built by its ``bootstrap``, on a throwaway database and topics) answers
``GET /live`` for a manager; the web service forwards ``GET /api/dashboard/live`` to it with
the manager's token after finding her session (one indexed read of the web schema, the
sealed tokens opened). Both are served by uvicorn on loopback ports in this one process, as
``bench.pathway`` does, and called one at a time by one client, direct and through the web
in turn, so drift on the shared machine weighs on both alike. The identity provider is the
web's in-test one (login happens once, before the timing). Added = through the web minus
direct, per percentile. Target: 5 ms or less at p50 (issue 18).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from homeward_dashboard.bootstrap import bootstrap as dashboard_app
from homeward_dashboard.settings import DashboardSettings
from homeward_shared import provision
from homeward_web.bootstrap import bootstrap as web_app
from homeward_web.settings import WebSettings

from bench.common import (
    admin_dsn,
    arguments,
    kafka,
    percentiles,
    throwaway_database,
    throwaway_topics,
    write_result,
)
from services.web.tests.oidc_provider import CLIENT_SECRET, ISSUER, Provider, User

NAME = "web_proxy"
MANAGER = User("bench-manager", "manager1", ("manager",))
TARGET_P50_MS = 5.0


@contextlib.asynccontextmanager
async def on_a_port(app: Any) -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()


async def login(web_url: str, op: httpx.AsyncClient, provider: Provider) -> str:
    """The session cookie's value after the whole code flow."""
    provider.next_user = MANAGER
    async with httpx.AsyncClient(base_url=web_url) as browser:
        started = await browser.get("/auth/login")
        binding = started.cookies.get("homeward_login") or _cookie(started, "homeward_login")
        back = await op.get(started.headers["location"])
        callback = urlsplit(back.headers["location"])
        done = await browser.get(
            f"{callback.path}?{callback.query}", headers={"cookie": f"homeward_login={binding}"}
        )
        return _cookie(done, "homeward_session")


def _cookie(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header.split(";", 1)[0].split("=", 1)[1]
    raise SystemExit(f"no {name} cookie in the answer ({response.status_code})")


async def measure(calls: int, warmup: int) -> dict[str, Any]:
    provider = Provider()
    key = Path(tempfile.mkdtemp(prefix="homeward-bench-web-")) / "provider.pub.pem"
    key.write_bytes(provider.public_pem)
    async with throwaway_database() as db, throwaway_topics() as topics:
        dashboard = dashboard_app(
            DashboardSettings(
                database_url=provision.service_dsn(admin_dsn(), "dashboard", db),
                kafka_bootstrap_servers=kafka(),
                topic_prefix=topics.prefix,
                auth_issuer=ISSUER,
                auth_public_key_file=key,
                auth_roles_claim="realm_access.roles",
                log_level="WARNING",
            )
        )
        await dashboard.start()
        try:
            async with on_a_port(dashboard.app) as dashboard_url:
                web = web_app(
                    WebSettings(
                        database_url=provision.service_dsn(admin_dsn(), "web", db),
                        web_oidc_issuer=ISSUER,
                        web_oidc_client_secret=CLIENT_SECRET,
                        web_service_urls={"dashboard": dashboard_url},
                        log_level="WARNING",
                    ),
                    provider_transport=httpx.ASGITransport(app=provider.app()),
                )
                await web.start()
                try:
                    async with (
                        on_a_port(web.app) as web_url,
                        httpx.AsyncClient(transport=httpx.ASGITransport(provider.app())) as op,
                    ):
                        session = await login(web_url, op, provider)
                        token = provider.issued_access_tokens[-1]
                        return await _timed(
                            dashboard_url, web_url, token, session, calls=calls, warmup=warmup
                        )
                finally:
                    await web.stop()
        finally:
            await dashboard.stop()


async def _timed(
    dashboard_url: str, web_url: str, token: str, session: str, *, calls: int, warmup: int
) -> dict[str, Any]:
    direct_headers = {"authorization": f"Bearer {token}"}
    web_headers = {"cookie": f"homeward_session={session}"}
    direct: list[float] = []
    through: list[float] = []
    async with httpx.AsyncClient() as client:
        for i in range(warmup + calls):
            pair = (
                (f"{dashboard_url}/live", direct_headers, direct),
                (f"{web_url}/api/dashboard/live", web_headers, through),
            )
            for url, headers, into in pair if i % 2 else reversed(pair):
                started = time.perf_counter()
                r = await client.get(url, headers=headers)
                took = time.perf_counter() - started
                if r.status_code != 200:
                    raise SystemExit(f"{url}: {r.status_code} {r.text[:200]}")
                if i >= warmup:
                    into.append(took)
    d, t = percentiles(direct), percentiles(through)
    added = {k: round(t[k] - d[k], 2) for k in ("p50", "p95", "p99")}
    return {
        "calls": calls,
        "direct_ms": d,
        "through_web_ms": t,
        "added_ms": added,
        "target_p50_ms": TARGET_P50_MS,
        "met": added["p50"] <= TARGET_P50_MS,
    }


def show(r: dict[str, Any]) -> None:
    d, t, a = r["direct_ms"], r["through_web_ms"], r["added_ms"]
    print(f"web proxy: {r['calls']} calls each, GET /live (dashboard) direct and through the web")
    print(f"  {'':<14}{'p50':>8}{'p95':>8}{'p99':>8}  (ms)")
    print(f"  {'direct':<14}{d['p50']:>8}{d['p95']:>8}{d['p99']:>8}")
    print(f"  {'through web':<14}{t['p50']:>8}{t['p95']:>8}{t['p99']:>8}")
    print(f"  {'added':<14}{a['p50']:>8}{a['p95']:>8}{a['p99']:>8}")
    verdict = "met" if r["met"] else "NOT met"
    print(f"  target: added p50 <= {r['target_p50_ms']} ms: {verdict}")


def main() -> None:
    a = arguments(__doc__.splitlines()[0], calls=2000, warmup=200)
    result = asyncio.run(measure(a.calls, a.warmup))
    written = write_result(NAME, result, a.json)
    show(result)
    print(f"  -> {written}")


if __name__ == "__main__":
    main()
