"""Driving the app's react-aria controls by their codes, in either language."""

from __future__ import annotations

from tests.web.conftest import route_fake
from tests.web.fake_api import FakeHomeward

LOCALES = {"en": "en-GB", "km": "km-KH"}


async def open_app(browser, fake: FakeHomeward, lang: str, **options):
    """A fresh context in the language's locale (the app starts in the browser's language)."""
    context = await browser.new_context(
        locale=LOCALES[lang], viewport={"width": 1280, "height": 900}, **options
    )
    await route_fake(context, fake)
    page = await context.new_page()
    lines: list[str] = []
    page.on("console", lambda m: lines.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: lines.append(f"pageerror: {e}"))
    return context, page, lines


async def choose(page, field: str, code: str, scope=None) -> None:
    root = (scope or page).locator(f'[data-field="{field}"]').first
    await root.locator("button").first.click()
    await page.locator(f'[role="option"][data-key="{code}"]').click()


async def fill(scope, field: str, value: str) -> None:
    await scope.locator(
        f'[data-field="{field}"] input, [data-field="{field}"] textarea'
    ).first.fill(value)


async def nav(page, href: str) -> None:
    """In-app navigation (a link), as a person moves: the app's memory stays."""
    await page.locator(f'header nav a[href="{href}"]').click()
    await page.wait_for_url(f"**{href}")


async def submit(scope) -> None:
    await scope.locator('button[type="submit"]').first.click()
