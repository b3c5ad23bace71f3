"""Canaries typed into every personal field of the app (each input the documents mark
x-personal carries data-personal), revealed again through a purpose, then looked for where a
browser keeps things: no URL requested or visited, no page title, no console line, no storage
area (localStorage, sessionStorage, IndexedDB, Cache Storage), and nothing in the browser's
profile on disk (history, HTTP cache, storage files) once the browser has closed."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import expect

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, NEEDS_BROWSER, route_fake
from tests.web.fake_api import FakeHomeward
from tests.web.helpers import choose, fill, nav, submit

pytestmark = NEEDS_BROWSER


def canary(n: int) -> str:
    return f"CANARY{n:03d}ZQX"


async def fill_personal(page, scope, start: int) -> int:
    """A canary in each personal input in scope; how many were typed."""
    inputs = scope.locator('[data-personal="true"]')
    await inputs.first.wait_for()
    count = await inputs.count()
    for i in range(count):
        await inputs.nth(i).fill(canary(start + i))
    return count


def found_on_disk(folder: Path, needles: list[str]) -> list[str]:
    hits = []
    encoded = [(n, n.encode(), n.encode("utf-16-le")) for n in needles]
    for f in folder.rglob("*"):
        if not f.is_file():
            continue
        data = f.read_bytes()
        for n, a, b in encoded:
            if a in data or b in data:
                hits.append(f"{f.relative_to(folder)}: {n}")
    return hits


async def test_canaries_stay_out_of_urls_titles_console_storage_and_disk(app_url, tmp_path):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        await walk_and_look(playwright, app_url, tmp_path / "profile")


async def walk_and_look(playwright, app_url: str, profile: Path) -> None:
    fake = FakeHomeward("all1", ["intake", "investigator"])
    context = await playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, locale="en-GB"
    )
    await route_fake(context, fake)
    page = context.pages[0] if context.pages else await context.new_page()
    urls: list[str] = []
    titles: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.on("framenavigated", lambda f: urls.append(f.url))
    page.on("console", lambda m: console.append(m.text))

    async def title():
        titles.append(await page.title())

    typed = 0
    await page.goto(app_url + "/")
    await nav(page, "/intake/signals/new")
    await choose(page, "source", "hotline")
    await choose(page, "urgency", "immediate")
    typed += await fill_personal(page, page.locator("form"), typed)
    await submit(page)
    await expect(page.locator('[data-testid="case-number"]')).to_be_visible()
    await title()
    route = page.locator("section", has=page.locator("#route-h"))
    typed += await fill_personal(page, route, typed)
    await choose(page, "kind", "brothel", scope=route)
    await choose(page, "province", "KH-12", scope=route)
    await choose(page, "routeReason", "establishment_named", scope=route)
    await choose(page, "urgency", "high", scope=route)
    await submit(route)
    await expect(page.locator("#route-h")).to_have_count(0)
    await choose(page, "purpose", "care")
    await page.locator(".personal .row > button.button").click()
    await expect(page.locator('dd[data-personal="true"]').first).to_contain_text("CANARY")
    await title()

    await nav(page, "/investigations")
    typed += await fill_personal(page, page.locator("form"), typed)
    await choose(page, "kind", "club")
    await choose(page, "province", "KH-2")
    await fill(page, "district", "0201")
    await choose(page, "urgency", "high")
    await submit(page)
    await page.wait_for_url("**/investigations/*")
    visit = page.locator("section", has=page.locator("#visit-h"))
    typed += await fill_personal(page, visit, typed)
    await submit(visit)
    await expect(page.locator("article.card")).to_have_count(1)
    await title()
    await page.locator("a.button.primary").click()
    await page.wait_for_url("**/report")
    await choose(page, "urgency", "high")
    await page.locator("ol.persons + button").click()
    for n in range(2):
        await choose(page, "sex", "female", scope=page.locator("li.person").nth(n))
    typed += await fill_personal(page, page.locator("form"), typed)
    await submit(page)
    await page.wait_for_url("**/reports/*")
    await choose(page, "purpose", "prosecution")
    await page.locator("li.person .personal .row > button.button").first.click()
    await expect(page.locator('dd[data-personal="true"]').first).to_contain_text("CANARY")
    await title()

    # Every personal field was typed into, and reached the fake service.
    canaries = [canary(i) for i in range(typed)]
    assert typed >= 12
    sent = "\n".join(fake.seen_bodies)
    assert [c for c in canaries if c not in sent] == [], "typed but never sent"

    # Hidden again on navigation.
    await nav(page, "/reports")
    await expect(page.locator("body")).not_to_contain_text("CANARY")
    await page.go_back()
    await expect(page.locator("ol.persons > li")).to_have_count(2)
    await expect(page.locator("body")).not_to_contain_text("CANARY")

    stored = await page.evaluate(
        """async () => ({
            local: JSON.stringify(Object.entries(localStorage)),
            session: JSON.stringify(Object.entries(sessionStorage)),
            idb: JSON.stringify(await indexedDB.databases()),
            caches: JSON.stringify(await caches.keys()),
            history: history.length,
        })"""
    )
    assert stored["local"] == "[]" and stored["session"] == "[]"
    assert stored["idb"] == "[]" and stored["caches"] == "[]"
    assert stored["history"] > 3
    await page.locator("header .who > button").click()  # log out
    await page.wait_for_url("**/auth/login?logged_out=1")
    await context.close()

    leaks = [u for u in urls if any(c in u for c in canaries)]
    leaks += [t for t in titles if any(c in t for c in canaries)]
    leaks += [line for line in console if any(c in line for c in canaries)]
    assert leaks == []
    assert (profile / "Default").is_dir()
    assert found_on_disk(profile, canaries) == []
