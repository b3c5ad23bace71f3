"""``GET /api/live``: live events for the browser, relayed from the dashboard's stage feed
(``/live/stream``) opened with the person's own token, so the dashboard decides which moves
she may follow (managers all, a team the moves that bring it work). What passes is rebuilt
from known fields: a stage code and a time, never more; the app refetches on an event.

- Opening: the feed refused her token (401/403): 204, which tells an EventSource to stop;
  the dashboard down: one ``unavailable`` event, then the answer ends and the browser comes
  back after ``retry``.
- While open: ``ready`` once the upstream listens (the app refetches then, so nothing missed
  while reconnecting is lost); ``stage`` per move; a comment every ``web_live_check_s`` so
  that idle connections are not cut by a proxy. Her session is checked at that pace too (an
  open feed does not keep a session alive): once it has ended, an ``end`` event closes it.
- The dashboard drops the feed: the answer ends; the browser reconnects after ``retry``.
- The browser goes away: the answer is cancelled and the upstream connection closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime

import anyio
import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from homeward_shared.logging import get_logger
from homeward_shared.stages import Stage

from homeward_web.adapters.oidc import ProviderUnavailable
from homeward_web.entrypoints.guard import error, not_logged_in, session_secret, web_of
from homeward_web.service.sessions import NotLoggedIn

log = get_logger(__name__)

router = APIRouter(include_in_schema=False)

STREAM_HEADERS = {
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # a buffering reverse proxy would hold events back
}
STAGES = frozenset(s.value for s in Stage)


def sse(event: str, data: dict[str, object]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def screened(event: str, data: str) -> str | None:
    """The browser's copy of one upstream event, or None to drop it."""
    if event == "ready":
        return sse("ready", {})
    if event != "stage":
        return None
    try:
        body = json.loads(data)
    except ValueError:
        return None
    stage = body.get("stage") if isinstance(body, dict) else None
    if stage not in STAGES:
        return None
    out: dict[str, object] = {"stage": stage}
    at = body.get("occurred_at")
    if isinstance(at, str):
        with contextlib.suppress(ValueError):
            out["occurred_at"] = datetime.fromisoformat(at).isoformat()
    return sse("stage", out)


async def events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, str]]:
    """(event, data) per Server-Sent Event (the WHATWG parsing rules this feed needs)."""
    event, data = "message", []
    async for line in lines:
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)


@router.get("/api/live")
async def live(request: Request) -> Response:
    web = web_of(request)
    secret = session_secret(request)
    try:
        session = await web.sessions.current(secret, touch=False, fresh=True)
    except NotLoggedIn:
        return not_logged_in()
    except ProviderUnavailable:
        return error(503, "identity_provider_unavailable", "the login service is unavailable")
    assert secret is not None
    retry = f"retry: {web.settings.web_live_retry_ms}\n\n"
    base = web.settings.service_url("dashboard")
    upstream_request = web.client.build_request(
        "GET",
        f"{base}/live/stream",
        headers={
            "accept": "text/event-stream",
            "authorization": f"Bearer {session.tokens.access_token}",
        },
        timeout=httpx.Timeout(web.settings.web_upstream_timeout_s, read=None),
    )
    try:
        upstream = await web.client.send(upstream_request, stream=True)
    except httpx.TransportError as exc:
        log.warning("web_live_upstream_unavailable", error=type(exc).__name__)
        upstream = None
    if upstream is not None and upstream.status_code in (401, 403):
        await upstream.aclose()
        return Response(status_code=204, headers=STREAM_HEADERS)
    if upstream is None or upstream.status_code != 200:
        if upstream is not None:
            await upstream.aclose()

        async def unavailable() -> AsyncIterator[str]:
            yield retry + sse("unavailable", {})

        return StreamingResponse(
            unavailable(), media_type="text/event-stream", headers=STREAM_HEADERS
        )

    check_s = web.settings.web_live_check_s
    web.metrics.live_feeds.inc()

    async def relay() -> AsyncIterator[str]:
        queue: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue(maxsize=100)

        async def watch() -> None:
            # Nothing is written while the feed is quiet, so a browser that went away would
            # be noticed only at the next keep-alive: listen for the disconnect instead.
            while (await request.receive())["type"] != "http.disconnect":
                pass
            await queue.put(None)

        async def read() -> None:
            try:
                async for ev in events(upstream.aiter_lines()):
                    await queue.put(ev)
            except (httpx.TransportError, httpx.StreamError):
                log.info("web_live_upstream_dropped")
            finally:
                await queue.put(None)

        reader = asyncio.create_task(read())
        watcher = asyncio.create_task(watch())
        checked = time.monotonic()
        try:
            yield retry
            while True:
                ev = None
                try:
                    ev = await asyncio.wait_for(queue.get(), timeout=check_s)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                else:
                    if ev is None:
                        # The dashboard ended the feed (the browser comes back after
                        # ``retry``), or the browser went away.
                        return
                if time.monotonic() - checked >= check_s:
                    checked = time.monotonic()
                    if not await web.sessions.still_live(session.key, secret):
                        yield sse("end", {"reason": "session_ended"})
                        return
                if ev is not None and (out := screened(*ev)) is not None:
                    yield out
        finally:
            # Starlette cancels this answer's scope when the browser goes away, and a
            # cancelled scope cancels every later await too: shielded, or the upstream
            # connection would be left open.
            with anyio.CancelScope(shield=True):
                for task in (reader, watcher):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                await upstream.aclose()
            web.metrics.live_feeds.dec()

    return StreamingResponse(relay(), media_type="text/event-stream", headers=STREAM_HEADERS)
