"""The live page in headless Chromium (Debian's package): a stage change made through a
service's API appears on the page without a reload, and the year's impact report shows what
the services counted."""

import shutil
from datetime import datetime

import pytest
from homeward_dashboard.bootstrap import bootstrap as dashboard_app
from homeward_dashboard.settings import DashboardSettings
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.dashboard import empty_read_model
from tests.integration.helpers import client, walk_in
from tests.integration.serving import serving

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: `make browser` installs Debian's")
async def test_a_walk_in_appears_on_the_live_page_without_a_reload(database, topics):
    from playwright.async_api import async_playwright, expect

    dashboard = dashboard_app(
        settings_for(DashboardSettings, database, topics, small_cell_threshold=2)
    )
    intake = intake_app(settings_for(IntakeSettings, database, topics))
    async with (
        running(intake, dashboard),
        serving(dashboard) as base_url,
        client(intake) as ic,
        async_playwright() as pw,
    ):
        await empty_read_model(dashboard)
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page()
            await page.goto(base_url + "/")
            token = as_user("u-manager-1", "manager")["Authorization"].removeprefix("Bearer ")
            await page.fill("#token", token)
            await page.click("#who button")
            await expect(page.locator("#status")).to_have_text("live", timeout=15_000)
            rescued = page.locator('#by-stage tr[data-stage="rescued"] td.n')
            await expect(rescued).to_have_text("0", timeout=15_000)

            await walk_in(ic)
            await walk_in(ic)

            await expect(rescued).to_have_text("2", timeout=15_000)
            await expect(page.locator("#cases")).to_have_text("2")

            # The impact report: two signals received, drawn as bars per source.
            year = datetime.now(dashboard.settings.zone).year

            async def counted():
                async with dashboard.uow(dashboard.system_actor) as uow:
                    return (await uow.figures.exact()).get(year, {}).get("signal_received") == 2

            await wait_until(counted, what="the signals reach the impact report")
            await page.fill("#impact-year", str(year))
            await page.click("#impact-form button")
            signals = page.locator('tr[data-figure="investigation.signals_received"] td')
            await expect(signals).to_have_text("2", timeout=15_000)
            bar = page.locator(
                'rect[data-cell="investigation.signals_received.by_source.clinic_walk_in"]'
            )
            await expect(bar).to_have_count(1)
            await page.fill("#impact-year", "1999")
            await page.click("#impact-form button")
            await expect(page.locator("#impact-status")).to_have_text(
                "no figures were recorded for 1999: nothing to report"
            )
        finally:
            await browser.close()
