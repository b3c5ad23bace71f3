"""``/api/live``: the dashboard's stage feed relayed to the browser with the person's own
token, screened to codes and times, ended when her session ends, the upstream closed when she
goes away, and the browser told to come back when the upstream drops."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import jwt
import pytest
from homeward_shared.testing.infra import wait_until
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from services.web.tests.harness import (
    INVESTIGATOR,
    LEGAL,
    MANAGER,
    Browser,
    on_a_port,
    web_running,
)
from services.web.tests.oidc_provider import User

pytestmark = pytest.mark.integration

CLERK = User("8c1d7d1e-0000-4000-8000-000000000009", "auditor1", ("auditor",))


class FakeDashboard:
    """The dashboard's /live/stream: refuses roles that follow nothing; otherwise ``ready``
    and then what the test feeds it (anything, to see what the relay lets through)."""

    def __init__(self) -> None:
        self.feeds: list[asyncio.Queue[str | None]] = []
        self.closed = 0
        self.tokens: list[str] = []

    async def stream(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        self.tokens.append(token)
        roles = jwt.decode(token, options={"verify_signature": False})["realm_access"]["roles"]
        if not {"manager", "legal", "investigator"} & set(roles):
            return Response('{"detail":"this role may not do this"}', status_code=403)
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.feeds.append(queue)

        async def body() -> Any:
            try:
                yield 'event: ready\ndata: {"listening": true}\n\n'
                while (item := await queue.get()) is not None:
                    yield item
            finally:
                self.closed += 1

        return StreamingResponse(body(), media_type="text/event-stream")

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/live/stream", self.stream)])

    def send(self, text: str) -> None:
        for q in self.feeds:
            q.put_nowait(text)


async def _read(response: httpx.Response, into: list[tuple[str, Any]]) -> None:
    name = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            into.append((name, json.loads(line.split(":", 1)[1])))
        elif line.startswith("retry:"):
            into.append(("retry", int(line.split(":", 1)[1])))


async def _logged_in(h, user: User) -> tuple[Browser, dict[str, str]]:
    b = h.browser()
    await b.login(user, h.provider)
    return b, {"cookie": f"homeward_session={b.cookies['homeward_session']}"}


async def test_a_legal_worker_hears_of_a_referral_in_codes_only(database):
    dashboard = FakeDashboard()
    async with (
        on_a_port(dashboard.app()) as upstream,
        web_running(database, web_service_urls={"dashboard": upstream}) as h,
    ):
        web = h.web
        # The relay's own client talks to a real socket; the rest stays in-process.
        web.client = httpx.AsyncClient()
        async with on_a_port(web.app) as base:
            _, cookie = await _logged_in(h, LEGAL)
            seen: list[tuple[str, Any]] = []
            async with (
                httpx.AsyncClient(base_url=base, timeout=30) as http,
                http.stream("GET", "/api/live", headers=cookie) as r,
            ):
                assert r.status_code == 200
                assert r.headers["content-type"].startswith("text/event-stream")
                assert r.headers["cache-control"] == "no-store"
                reading = asyncio.create_task(_read(r, seen))
                await wait_until(lambda: ("ready", {}) in seen, what="ready")
                assert seen[0] == ("retry", 3000)
                dashboard.send(
                    "event: stage\ndata: "
                    + json.dumps(
                        {
                            "stage": "referred_to_legal",
                            "moved": True,
                            "occurred_at": "2026-12-04T10:00:00+00:00",
                            "name": "Canary Sokha",
                        }
                    )
                    + "\n\n"
                )
                dashboard.send('event: stage\ndata: {"stage": "no_such_stage"}\n\n')
                dashboard.send('event: whisper\ndata: {"stage": "rescued"}\n\n')
                dashboard.send('event: stage\ndata: {"stage": "rescued"}\n\n')
                await wait_until(
                    lambda: len([e for e in seen if e[0] == "stage"]) == 2, what="relayed"
                )
                reading.cancel()
            stages = [d for n, d in seen if n == "stage"]
            assert stages == [
                {"stage": "referred_to_legal", "occurred_at": "2026-12-04T10:00:00+00:00"},
                {"stage": "rescued"},
            ]
            assert "Canary" not in json.dumps(seen)
            # Her own token went to the dashboard; none came to her.
            assert dashboard.tokens == [h.provider.issued_access_tokens[-1]]
            # She went away: the relay ended and closed its upstream connection.
            gauge = h.web.metrics.live_feeds
            await wait_until(lambda: gauge._value.get() == 0, what="the relay ends")
            await wait_until(lambda: dashboard.closed == 1, what="the upstream is closed")


async def test_a_role_that_follows_nothing_is_told_to_stop(database):
    dashboard = FakeDashboard()
    async with (
        on_a_port(dashboard.app()) as upstream,
        web_running(database, web_service_urls={"dashboard": upstream}) as h,
    ):
        h.web.client = httpx.AsyncClient()
        b, _ = await _logged_in(h, CLERK)
        r = await b.get("/api/live")
        assert r.status_code == 204  # EventSource does not reconnect after a 204
        assert (await h.browser().get("/api/live")).status_code == 401


async def test_when_the_dashboard_drops_the_feed_the_browser_is_told_to_come_back(database):
    dashboard = FakeDashboard()
    async with (
        on_a_port(dashboard.app()) as upstream,
        web_running(database, web_service_urls={"dashboard": upstream}) as h,
    ):
        h.web.client = httpx.AsyncClient()
        async with on_a_port(h.web.app) as base:
            _, cookie = await _logged_in(h, MANAGER)
            seen: list[tuple[str, Any]] = []
            async with (
                httpx.AsyncClient(base_url=base, timeout=30) as http,
                http.stream("GET", "/api/live", headers=cookie) as r,
            ):
                reading = asyncio.create_task(_read(r, seen))
                await wait_until(lambda: ("ready", {}) in seen, what="ready")
                dashboard.send(None)  # type: ignore[arg-type]  # the dashboard ends the feed
                await asyncio.wait_for(reading, 15)  # and so does the relay's answer
            assert seen[0] == ("retry", 3000)


async def test_with_the_dashboard_down_the_browser_comes_back_later(database):
    async with web_running(database, web_service_urls={"dashboard": "http://127.0.0.1:9"}) as h:
        h.web.client = httpx.AsyncClient()
        b, _ = await _logged_in(h, INVESTIGATOR)
        r = await b.get("/api/live")
        assert r.status_code == 200
        assert r.text == "retry: 3000\n\nevent: unavailable\ndata: {}\n\n"


async def test_an_open_feed_ends_with_the_session_and_does_not_keep_it_alive(database):
    dashboard = FakeDashboard()
    async with (
        on_a_port(dashboard.app()) as upstream,
        web_running(database, web_service_urls={"dashboard": upstream}, web_live_check_s=0.1) as h,
    ):
        h.web.client = httpx.AsyncClient()
        async with on_a_port(h.web.app) as base:
            _, cookie = await _logged_in(h, LEGAL)
            seen: list[tuple[str, Any]] = []
            async with (
                httpx.AsyncClient(base_url=base, timeout=30) as http,
                http.stream("GET", "/api/live", headers=cookie) as r,
            ):
                reading = asyncio.create_task(_read(r, seen))
                await wait_until(lambda: ("ready", {}) in seen, what="ready")
                h.clock.advance(901)  # idle for longer than the session may be
                await asyncio.wait_for(reading, 15)
            assert seen[-1] == ("end", {"reason": "session_ended"})
            await wait_until(lambda: dashboard.closed == 1, what="the upstream is closed")
