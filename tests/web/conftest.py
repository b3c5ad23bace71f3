"""The built app (services/web/app/dist, `make app`) in Debian's Chromium, its `/auth` and
`/api` answered by tests.web.fake_api through Playwright's request routing. The static server
sends the BFF's Content-Security-Policy, so a page that needs inline script or style fails
here first. Screenshots go to .local/web-screenshots/<lang>/ (not committed)."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.web.fake_api import FakeHomeward

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "services" / "web" / "app" / "dist"
AXE = ROOT / "services" / "web" / "app" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / ".local" / "web-screenshots"
CHROMIUM = shutil.which("chromium")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

NEEDS_BROWSER = pytest.mark.skipif(
    CHROMIUM is None or not (DIST / "index.html").exists() or not AXE.exists(),
    reason="needs `make browser` (chromium) and `make app` (the built app and axe-core)",
)


class _Static(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        path = self.path.split("?")[0]
        if not (DIST / path.lstrip("/")).is_file():
            self.path = "/index.html"  # client-side routes load the app, as the BFF does
        return super().send_head()

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def app_url() -> str:
    handler = functools.partial(_Static, directory=str(DIST))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
async def chromium() -> AsyncIterator:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def route_fake(context, fake: FakeHomeward) -> None:
    """Every `/auth/*` and `/api/*` request answered by the fake, never by the network."""

    async def answer(route):
        req = route.request
        got = fake.handle(req.method, req.url, req.post_data)
        await route.fulfill(
            status=got.status,
            body=got.text(),
            content_type=got.content_type,
            headers={"Cache-Control": "no-store"},
        )

    await context.route(re.compile(r"^http://127\.0\.0\.1:\d+/(auth|api)/"), answer)


async def axe_check(page) -> None:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is: zero violations."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text() + "\n;0")
    result = await page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(
                    n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
    assert result == [], f"axe violations on {page.url}: {result}"


async def shoot(page, lang: str, name: str) -> None:
    folder = SHOTS / lang
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def check_page(page, lang: str, name: str) -> None:
    await page.wait_for_load_state("networkidle")
    await axe_check(page)
    await shoot(page, lang, name)


def csp_errors(lines: list[str]) -> list[str]:
    return [x for x in lines if "Content Security Policy" in x]
