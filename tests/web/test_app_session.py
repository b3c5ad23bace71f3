"""The session in the browser: login when there is none, logout, and the idle lock that hides
everything and ends the server's session."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.web.conftest import NEEDS_BROWSER, check_page
from tests.web.fake_api import FakeHomeward
from tests.web.helpers import fill, nav, open_app

pytestmark = NEEDS_BROWSER


async def test_without_a_session_the_app_goes_to_login_and_back_to_the_path(chromium, app_url):
    fake = FakeHomeward("investigator1", ["investigator"], logged_in=False)
    context, page, _ = await open_app(chromium, fake, "en")
    await page.goto(app_url + "/reports/new?leak=1")
    await page.wait_for_url("**/auth/login?next=%2Freports%2Fnew")
    await context.close()


async def test_logout_ends_the_session_and_goes_to_the_identity_providers_logout(chromium, app_url):
    fake = FakeHomeward("legal1", ["legal"])
    context, page, _ = await open_app(chromium, fake, "en")
    await page.goto(app_url + "/")
    await page.locator("header .who > button").click()
    await page.wait_for_url("**/auth/login?logged_out=1")
    assert fake.logged_in is False
    await context.close()


@pytest.mark.parametrize("lang", ["en", "km"])
async def test_idle_lock_hides_everything_and_ends_the_session(chromium, app_url, lang):
    fake = FakeHomeward("investigator1", ["investigator"], idle_timeout_s=120)
    fake.seed_investigation()
    context, page, _ = await open_app(chromium, fake, lang)
    await page.clock.install()
    await page.goto(app_url + "/")
    await nav(page, "/reports/new")
    await fill(page.locator("li.person").first, "name", "Typed Before The Lock")

    await page.clock.fast_forward(60_000)
    await page.keyboard.press("Tab")  # activity: the lock moves back
    await page.clock.fast_forward(60_000)
    await expect(page.locator('[data-testid="lock-screen"]')).to_have_count(0)
    await page.clock.fast_forward(60_000)

    await expect(page.locator('[data-testid="lock-screen"]')).to_be_visible()
    body = await page.locator("body").inner_text()
    assert "investigator1" not in body
    assert await page.locator("input").count() == 0
    assert fake.logged_in is False  # a reload cannot reopen it
    await check_page(page, lang, "lock-screen")
    await page.locator('[data-testid="lock-screen"] > button').click()
    await page.wait_for_url("**/auth/login?logged_out=1")
    await context.close()


async def test_a_session_lost_mid_way_locks_the_screen(chromium, app_url):
    fake = FakeHomeward("investigator1", ["investigator"])
    context, page, _ = await open_app(chromium, fake, "en")
    # The app fetches her lists ahead right after the first page: the session goes after that
    # (a prefetch refused with 401 locks the screen too, only sooner).
    async with page.expect_response(lambda r: "/api/investigation/investigations" in r.url):
        await page.goto(app_url + "/")
    await expect(page.locator('[data-testid="user"]')).to_be_visible()
    fake.logged_in = False  # the BFF forgot the session (its idle time passed)
    # The list fetched ahead shows at once; it is asked for again behind it, and refused.
    await nav(page, "/investigations")
    await expect(page.locator('[data-testid="lock-screen"]')).to_be_visible()
    await context.close()


async def test_the_language_switch_turns_every_word_to_khmer_and_back(chromium, app_url):
    fake = FakeHomeward("intake1", ["intake"])
    context, page, _ = await open_app(chromium, fake, "en")
    await page.goto(app_url + "/intake/signals/new")
    heading = page.locator("h1")
    await expect(heading).to_have_text("Record a signal")
    await page.locator('.lang-switch button[lang="km"]').click()
    await expect(heading).to_have_text("កត់ត្រាការជូនដំណឹង")
    assert await page.evaluate("document.documentElement.lang") == "km"
    assert await page.title() == "កត់ត្រាការជូនដំណឹង · Homeward"
    await page.locator('.lang-switch button[lang="en"]').click()
    await expect(heading).to_have_text("Record a signal")
    await context.close()


@pytest.mark.parametrize("lang", ["en", "km"])
async def test_a_failing_service_is_shown_in_words_not_as_a_status_or_trace(
    chromium, app_url, lang
):
    fake = FakeHomeward("investigator1", ["investigator"])
    fake.failures["/api/investigation/investigations"] = (
        500,
        "<html><pre>Traceback (most recent call last): KeyError</pre></html>",
        "text/html",
    )
    context, page, _ = await open_app(chromium, fake, lang)
    await page.goto(app_url + "/")
    await nav(page, "/investigations")
    alert = page.locator('[role="alert"]').first
    await expect(alert).to_be_visible(timeout=10_000)
    text = await page.locator("main").inner_text()
    assert "Traceback" not in text and "500" not in text and "KeyError" not in text
    await check_page(page, lang, "error-service-failed")
    await context.close()
