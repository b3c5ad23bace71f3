"""The web service under test: its database (the session's test database, schema ``web``),
the in-test identity provider, the services it forwards to, a clock the test moves, and a
browser that keeps cookies the way one does (Secure ones included, over the test's http)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from homeward_shared.testing.infra import wait_until
from homeward_web.bootstrap import Web, bootstrap
from homeward_web.settings import WebSettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.web.tests.oidc_provider import CLIENT_SECRET, ISSUER, Provider, User

ORIGIN = "http://127.0.0.1:8000"
LEGAL = User("8c1d7d1e-0000-4000-8000-000000000001", "legal1", ("legal",))
INVESTIGATOR = User("8c1d7d1e-0000-4000-8000-000000000002", "investigator1", ("investigator",))
MANAGER = User("8c1d7d1e-0000-4000-8000-000000000003", "manager1", ("manager",))


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class Echo:
    """Stands for the five services: answers what it was sent (the Authorization header
    only as a digest, so no token travels back in a body), with the status the test asks
    for in ``x-echo-status``."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        auth = request.headers.get("authorization")
        seen = {
            "host": request.headers.get("host"),
            "method": request.method,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.scope["query_string"].decode(),
            "body": body.decode("latin-1"),
            "authorization_sha256": sha(auth) if auth else None,
            "headers": sorted(k for k in request.headers if k != "authorization"),
            "content_type": request.headers.get("content-type"),
        }
        self.calls.append(seen)
        status = int(request.headers.get("x-echo-status", "200"))
        return Response(
            json.dumps(seen),
            status_code=status,
            media_type="application/json",
            headers={
                "x-upstream": "yes",
                "set-cookie": "upstream=1",
                "cache-control": "public, max-age=60",
            },
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/{path:path}",
                    self.handle,
                    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                )
            ]
        )


class Browser:
    """Keeps cookies by name, sends them on every request to the web service, and records
    every answer it got (for the test that no token ever reached it)."""

    def __init__(self, web: httpx.AsyncClient, op: httpx.AsyncClient) -> None:
        self.web = web
        self.op = op
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []
        self.answers: list[httpx.Response] = []

    def _keep(self, response: httpx.Response) -> None:
        self.answers.append(response)
        for header in response.headers.get_list("set-cookie"):
            self.set_cookies.append(header)
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await self.web.request(method, url, headers=headers, **kw)
        self._keep(response)
        return response

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.request("GET", url, **kw)

    async def begin_login(self, next_path: str = "/") -> httpx.Response:
        """/auth/login, then the provider (who logs the person in at once): its redirect
        back to the callback."""
        started = await self.get("/auth/login", params={"next": next_path})
        assert started.status_code == 302, started.text
        return await self.op.get(started.headers["location"])

    async def login(self, user: User, provider: Provider, next_path: str = "/") -> httpx.Response:
        provider.next_user = user
        back = await self.begin_login(next_path)
        assert back.status_code == 302, back.text
        return await self.get(_local(back.headers["location"]))


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Harness:
    web: Web
    provider: Provider
    clock: Clock
    echo: Echo
    browser: Callable[[], Browser]


def web_settings(database: Any, **overrides: Any) -> WebSettings:
    values: dict[str, Any] = {
        "database_url": database.dsn("web"),
        "web_oidc_issuer": ISSUER,
        "web_oidc_client_secret": CLIENT_SECRET,
        "log_json": True,
        **overrides,
    }
    return WebSettings(**values)


@contextlib.asynccontextmanager
async def web_running(
    database: Any,
    *,
    upstream: httpx.AsyncBaseTransport | None = None,
    provider: Provider | None = None,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    provider = provider or Provider()
    echo = Echo()
    clock = Clock()
    web = bootstrap(
        web_settings(database, **overrides),
        clock=clock,
        provider_transport=httpx.ASGITransport(app=provider.app()),
        upstream_transport=upstream or httpx.ASGITransport(app=echo.app()),
    )
    await web.start()
    assert web.pool is not None
    # The test session shares one database: each test starts with no sessions in it.
    await web.pool.execute("DELETE FROM web.sessions; DELETE FROM web.logins")
    clients: list[httpx.AsyncClient] = []

    def browser() -> Browser:
        w = httpx.AsyncClient(transport=httpx.ASGITransport(app=web.app), base_url=ORIGIN)
        o = httpx.AsyncClient(transport=httpx.ASGITransport(app=provider.app()))
        clients.extend([w, o])
        return Browser(w, o)

    try:
        yield Harness(web, provider, clock, echo, browser)
    finally:
        for c in clients:
            await c.aclose()
        await web.stop()


@contextlib.asynccontextmanager
async def on_a_port(app: Any) -> AsyncIterator[str]:
    """An ASGI app served on a loopback port (streams need a real socket: httpx's ASGI
    transport hands an answer over only once it is complete)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await wait_until(lambda: server.started or task.done(), what="the HTTP server listens")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()
