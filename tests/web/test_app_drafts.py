"""Issue 18: a report's draft is kept by the investigation service, not the browser. Typed,
it is saved (debounced); after a reload (the tab's memory gone) it is listed on the "New
report" page, continued with a purpose, and deleted as the report is filed. Nothing of it
in browser storage."""

from __future__ import annotations

import pytest
from homeward_shared.testing.infra import wait_until
from playwright.async_api import expect

from tests.web.conftest import NEEDS_BROWSER, check_page, csp_errors
from tests.web.fake_api import FakeHomeward
from tests.web.helpers import choose, fill, open_app, submit

pytestmark = NEEDS_BROWSER
NAME = "Draftcanary Sreyneang"


@pytest.mark.parametrize("lang", ["en", "km"])
async def test_a_draft_outlives_a_reload_and_goes_with_the_filing(chromium, app_url, lang):
    fake = FakeHomeward("inv1", ["investigator"])
    context, page, lines = await open_app(chromium, fake, lang)
    await page.goto(app_url + "/reports/new")
    await expect(page.locator('[data-field="urgency"]')).to_be_visible()
    await expect(page.locator('[data-testid="saved-draft"]')).to_have_count(0)
    assert fake.drafts == {}, "nothing is saved before she types"

    await choose(page, "urgency", "immediate")
    await choose(page, "kind", "karaoke_bar")
    await choose(page, "province", "KH-12")
    await fill(page, "district", "1201")
    await page.locator("#visit-dates > button").click()
    for n in range(3):
        if n:
            await page.locator("ol.persons + button").click()
        person = page.locator("li.person").nth(n)
        await fill(person, "name", f"{NAME} {n + 1}")
        await choose(page, "sex", "female", scope=person)

    # Saved two seconds after the last change: wait for that save, not for a fixed time.
    def saved_with_three():
        return [(i, d) for i, d in fake.drafts.items() if d["summary"]["persons_count"] == 3] and [
            d for d in fake.drafts.values() if d["draft"]["persons"][2].get("sex")
        ]

    await wait_until(saved_with_three, what="the draft saved with its three persons")
    [(draft_id, kept)] = fake.drafts.items()
    await expect(page.locator('[data-testid="save-state"]')).not_to_be_empty()
    assert kept["draft"]["persons"][2]["name"] == f"{NAME} 3"
    assert await page.evaluate("localStorage.length + sessionStorage.length") == 0

    await page.reload()
    await expect(page.locator('[data-testid="saved-draft"]')).to_have_count(1)
    await expect(page.locator("li.person")).to_have_count(1)
    await check_page(page, lang, "inv-drafts-saved-list")
    await choose(page, "purpose", "rescue_operation")
    await page.locator('[data-testid="saved-draft"] button').click()
    await expect(page.locator("li.person")).to_have_count(3)
    await expect(page.locator('li.person >> nth=2 >> [data-field="name"] input')).to_have_value(
        f"{NAME} 3"
    )
    await expect(page.locator('[data-testid="saved-draft"]')).to_have_count(0)

    await submit(page)
    await page.wait_for_url("**/reports/*")
    assert fake.drafts == {} and draft_id in fake.spent_drafts
    [report] = fake.reports.values()
    assert len(report["persons"]) == 3 and report["visit_dates"] == kept["draft"]["visit_dates"]
    assert not csp_errors(lines)
    await context.close()
