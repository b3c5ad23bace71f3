"""The web app's figures (issue 18), printed, not asserted:

- first-load JS, gzipped: what index.html loads before the first page can render (its module
  script, the chunks it preloads, and its stylesheet), each gzipped at level 9; target 200 KB;
- time until the first page is usable with Chromium's CPU slowed 4x and a slow network
  (400 ms round trip, 400 kbit/s each way, through CDP): from navigation to the signed-in
  page's controls; target 3 s;
- a later navigation on the same throttling (a link to another kind of page, its code
  loaded on first use, and its data): target 500 ms.

The app is the built one (`make app`), served gzipped (as the BFF should serve it); `/auth`
and `/api` are answered by the browser tests' fake BFF over real HTTP from the same server, so
they pay the throttled network too.
Run: `python -m bench.web_app` (needs `make browser` and `make app`).
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import http.server
import json
import re
import shutil
import statistics
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "services" / "web" / "app" / "dist"
RUNS = 5


def first_load_bytes() -> dict[str, int]:
    html = (DIST / "index.html").read_text()
    refs = re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', html)
    return {r: len(gzip.compress((DIST / r.lstrip("/")).read_bytes(), 9)) for r in refs}


def serve(fake) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn serves the BFF

        def _fake(self, method: str) -> bool:
            if not self.path.startswith(("/auth/", "/api/")):
                return False
            size = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(size).decode() if size else None
            got = fake.handle(method, f"http://x{self.path}", body)
            data = got.text().encode()
            self.send_response(got.status)
            self.send_header("Content-Type", got.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)
            return True

        def do_GET(self):
            if self._fake("GET"):
                return
            # Compressed, as a production front serves them (the BFF should: gzip or brotli).
            path = DIST / self.path.split("?")[0].lstrip("/")
            if not path.is_file():
                path = DIST / "index.html"
            data = gzip.compress(path.read_bytes(), 6)
            types = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
            self.send_response(200)
            self.send_header("Content-Type", types.get(path.suffix, "application/octet-stream"))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            self._fake("POST")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(DIST))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


async def timings(url: str) -> tuple[float, float]:
    from playwright.async_api import async_playwright

    from tests.web.conftest import CHROMIUM_ARGS

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(locale="en-GB")
            page = await context.new_page()
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
            # She reads the first page before moving on: the app fetches her pages meanwhile.
            await page.wait_for_load_state("networkidle")
            start = time.perf_counter()
            await page.locator('header nav a[href="/investigations"]').click()
            await page.locator("tbody tr").first.wait_for()
            later = time.perf_counter() - start
            await context.close()
            return first, later
        finally:
            await browser.close()


def main() -> None:
    from tests.web.fake_api import FakeHomeward

    sizes = first_load_bytes()
    total = sum(sizes.values())
    fake = FakeHomeward("investigator1", ["investigator"])
    fake.seed_investigation()
    server = serve(fake)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    runs = [asyncio.run(timings(url)) for _ in range(RUNS)]
    server.shutdown()
    first = statistics.median(r[0] for r in runs)
    later = statistics.median(r[1] for r in runs)
    print(
        json.dumps(
            {
                "first_load_gzip_bytes": sizes,
                "first_load_gzip_kb": round(total / 1024, 1),
                "first_page_usable_s_median": round(first, 2),
                "first_page_usable_s_runs": [round(r[0], 2) for r in runs],
                "later_navigation_ms_median": round(later * 1000),
                "later_navigation_ms_runs": [round(r[1] * 1000) for r in runs],
                "throttling": "CPU 4x, 400 ms RTT, 400 kbit/s each way (CDP)",
            },
            indent=2,
        )
    )
    print(
        f"first-load JS+CSS gzipped: {total / 1024:.1f} KB (target 200); first page usable: "
        f"{first:.2f} s (target 3); later navigation: {later * 1000:.0f} ms (target 500)"
    )


if __name__ == "__main__":
    main()
