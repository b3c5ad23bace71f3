"""The web app's figures (issue 18), printed, not asserted:

- first-load JS, gzipped: what index.html loads before the first page can render (its module
  script, the chunks it preloads, and its stylesheet), each gzipped at level 9; target 200 KB;
- time until the first page is usable with Chromium's CPU slowed 4x and a slow network
  (400 ms round trip, 400 kbit/s each way, through CDP): from navigation to the signed-in
  page's controls; target 3 s;
- a later navigation on the same throttling (a link to another kind of page; after she read
  the first page for a second and the network went quiet, so what the app fetches ahead is
  in): target 500 ms.

The app is the built one (`make app`; another with HOMEWARD_BENCH_DIST=<dir>), served by the
web service's own static route and headers on uvicorn (the build's brotli files, the CSP, the
caching: what a person gets), not by Vite's preview; `/auth` and `/api` are answered by the
browser tests' fake BFF over real HTTP from the same server, so they pay the throttled
network too.
Run: `python -m bench.web_app` (needs `make browser` and `make app`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import re
import shutil
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

from fastapi import FastAPI, Request, Response

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "services" / "web" / "app" / "dist"
RUNS = 5
# How long she looks at the first page before following a link (a person reads it first).
READING_S = 1.0


def first_load_assets(dist: Path) -> list[str]:
    html = (dist / "index.html").read_text()
    return re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', html)


def first_load_bytes(dist: Path) -> dict[str, dict[str, int]]:
    """Per first-load file: gzipped at level 9 (the issue's measure) and as sent to Chromium
    (the build's brotli form when it wrote one, which the BFF prefers)."""
    out = {}
    for ref in first_load_assets(dist):
        raw = (dist / ref.lstrip("/")).read_bytes()
        br = dist / (ref.lstrip("/") + ".br")
        sent = br.stat().st_size if br.is_file() else len(raw)
        out[ref] = {"gzip": len(gzip.compress(raw, 9)), "sent": sent}
    return out


def bff_app(fake, dist: Path):
    """The web service's own static route and security headers (what a person gets: the
    build's precompressed files, CSP, caching), with /auth and /api answered by the fake."""
    from homeward_web.entrypoints import static
    from homeward_web.entrypoints.headers import SecurityHeaders

    app = FastAPI()
    app.state.web = SimpleNamespace(settings=SimpleNamespace(web_app_dist=dist))

    async def answer(request: Request, rest: str) -> Response:
        body = (await request.body()).decode() or None
        got = fake.handle(request.method, str(request.url), body)
        return Response(got.text(), got.status, media_type=got.content_type)

    for prefix in ("/auth", "/api"):
        app.add_api_route(prefix + "/{rest:path}", answer, methods=["GET", "POST", "PUT"])
    app.include_router(static.router)
    app.add_middleware(SecurityHeaders, issuer_origin="http://127.0.0.1")
    return app


@contextlib.contextmanager
def serve(fake, dist: Path) -> Iterator[str]:
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(bff_app(fake, dist), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


async def quiet(page, inflight: set, *, for_s: float = 0.5, limit_s: float = 30.0) -> None:
    """Returns once no request of the page has been in flight for for_s (bounded)."""
    deadline = time.monotonic() + limit_s
    since = time.monotonic()
    while time.monotonic() < deadline:
        if inflight:
            since = time.monotonic()
        elif time.monotonic() - since >= for_s:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the page kept fetching")


async def timings(url: str) -> tuple[float, float, float]:
    from playwright.async_api import async_playwright

    from tests.web.conftest import CHROMIUM_ARGS

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(locale="en-GB")
            page = await context.new_page()
            inflight: set = set()
            page.on("request", lambda r: inflight.add(r))
            page.on("requestfinished", lambda r: inflight.discard(r))
            page.on("requestfailed", lambda r: inflight.discard(r))
            cdp = await context.new_cdp_session(page)
            await cdp.send("Network.enable")
            await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            await cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": 400,
                    "downloadThroughput": 400_000 / 8,
                    "uploadThroughput": 400_000 / 8,
                },
            )
            await cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            start = time.perf_counter()
            await page.goto(url + "/", wait_until="commit")
            await page.locator('header nav a[href="/investigations"]').wait_for()
            first = time.perf_counter() - start
            # She reads the first page before moving on (READING_S), and the app fetches her
            # pages meanwhile: the click waits until no request has been in flight for half a
            # second. (Playwright's "networkidle" is a one-off event: on a loaded machine it can
            # fire in the CPU-bound gap before the first render, i.e. before anything is
            # fetched ahead, and then a click at once measures a person who never read.)
            await asyncio.sleep(READING_S)
            await quiet(page, inflight)
            start = time.perf_counter()
            await page.locator('header nav a[href="/investigations"]').click()
            await page.locator("tbody tr").first.wait_for()
            later = time.perf_counter() - start
            # The page's form (drawn right after the list) too: the whole page.
            await page.locator('main form button[type="submit"]').wait_for()
            whole = time.perf_counter() - start
            await context.close()
            return first, later, whole
        finally:
            await browser.close()


def main() -> None:
    from tests.web.fake_api import FakeHomeward

    dist = Path(os.environ.get("HOMEWARD_BENCH_DIST", DIST))
    sizes = first_load_bytes(dist)
    total = sum(s["gzip"] for s in sizes.values())
    sent = sum(s["sent"] for s in sizes.values())
    fake = FakeHomeward("investigator1", ["investigator"])
    fake.seed_investigation()
    with serve(fake, dist) as url:
        runs = [asyncio.run(timings(url)) for _ in range(RUNS)]
    first = statistics.median(r[0] for r in runs)
    later = statistics.median(r[1] for r in runs)
    whole = statistics.median(r[2] for r in runs)
    print(
        json.dumps(
            {
                "first_load_gzip_bytes": sizes,
                "first_load_gzip_kb": round(total / 1024, 1),
                "first_load_sent_kb": round(sent / 1024, 1),
                "first_page_usable_s_median": round(first, 2),
                "first_page_usable_s_runs": [round(r[0], 2) for r in runs],
                "later_navigation_ms_median": round(later * 1000),
                "later_navigation_ms_runs": [round(r[1] * 1000) for r in runs],
                "later_navigation_whole_page_ms_median": round(whole * 1000),
                "later_navigation_whole_page_ms_runs": [round(r[2] * 1000) for r in runs],
                "throttling": "CPU 4x, 400 ms RTT, 400 kbit/s each way (CDP)",
            },
            indent=2,
        )
    )
    print(
        f"first-load JS+CSS gzipped: {total / 1024:.1f} KB (target 200; as sent: "
        f"{sent / 1024:.1f} KB); first page usable: "
        f"{first:.2f} s (target 3); later navigation: {later * 1000:.0f} ms (target 500; "
        f"the whole page with its form {whole * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
