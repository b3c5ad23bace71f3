"""Every page of the first three kinds of user, in English and Khmer, against the fake BFF:
each flow driven through, axe (WCAG 2.1 AA) on each page with zero violations, a screenshot
of each in .local/web-screenshots/<lang>/, no Content-Security-Policy violation."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.web.conftest import NEEDS_BROWSER, check_page, csp_errors
from tests.web.fake_api import FakeHomeward
from tests.web.helpers import choose, fill, nav, open_app, submit

pytestmark = NEEDS_BROWSER

LANGS = ["en", "km"]
KHMER = "\u1780-\u17ff"


async def started(page, app_url: str, path: str, lang: str) -> None:
    await page.goto(app_url + path)
    await expect(page.locator('[data-testid="user"]')).to_be_visible()
    assert await page.evaluate("document.documentElement.lang") == lang
    if lang == "km":
        await expect(page.locator("h1")).to_have_text(__import__("re").compile(f"[{KHMER}]"))


@pytest.mark.parametrize("lang", LANGS)
async def test_intake_officer_pages(chromium, app_url, lang):
    fake = FakeHomeward("intake1", ["intake"])
    context, page, lines = await open_app(chromium, fake, lang)
    await started(page, app_url, "/", lang)
    await check_page(page, lang, "intake-1-home")

    await nav(page, "/intake/signals/new")
    await check_page(page, lang, "intake-2-new-signal")
    await choose(page, "source", "clinic_walk_in")
    await choose(page, "urgency", "high")
    await choose(page, "language", "vi")
    await page.locator("label.check").first.click()  # she needs shelter
    await fill(page, "name", "Test Person One")
    await fill(page, "notes", "met at the clinic")
    await submit(page)
    await expect(page.locator('[data-testid="case-number"]')).to_have_text("HW-2026-00001")
    await check_page(page, lang, "intake-3-signal")

    # Her name is hidden until a purpose is chosen; then shown, and hidden again on leaving.
    await expect(page.locator('dd[data-personal="true"]')).to_have_count(0)
    await choose(page, "purpose", "care")
    await page.locator(".personal .row > button.button").click()
    await expect(page.locator('dd[data-personal="true"]').first).to_have_text("Test Person One")
    await check_page(page, lang, "intake-4-signal-revealed")

    route = page.locator("section", has=page.locator("#route-h"))
    await choose(page, "kind", "karaoke_bar", scope=route)
    await choose(page, "province", "KH-12", scope=route)
    await fill(route, "district", "1201")
    await route.locator('[data-field="indicators"] label.check').first.click()
    await choose(page, "routeReason", "persons_still_held", scope=route)
    await choose(page, "urgency", "high", scope=route)
    await submit(route)
    await expect(page.locator("#route-h")).to_have_count(0)
    await expect(page.locator('[data-testid="routing"]')).not_to_have_text("")
    assert next(iter(fake.signals.values()))["status"] == "routed_to_investigation"

    placement = page.locator("section", has=page.locator("#placement-h"))
    await choose(page, "placementReason", "needs_shelter_now", scope=placement)
    await submit(placement)
    await expect(page.locator("#placement-h")).to_have_count(0)
    assert any("needs_shelter_now" in b for b in fake.seen_bodies)
    await check_page(page, lang, "intake-5-signal-routed")

    # Every other route a signal comes by: hotline, outreach, police or partner NGO referral,
    # repatriation.
    others = ["hotline", "outreach", "police", "partner_ngo", "repatriation"]
    for source in others:
        await nav(page, "/intake/signals/new")
        await choose(page, "source", source)
        await choose(page, "urgency", "routine")
        await submit(page)
        await page.wait_for_url("**/intake/signals/*-*")
    assert sorted(s["source"] for s in fake.signals.values()) == sorted([*others, "clinic_walk_in"])

    await nav(page, "/intake/signals")
    await expect(page.locator("tbody tr")).to_have_count(6)
    await check_page(page, lang, "intake-6-recent-signals")

    await nav(page, "/intake/outreach")
    await choose(page, "province", "KH-17")
    await fill(page, "areas", "4")
    await fill(page, "contacts", "25")
    await submit(page)
    await expect(page.locator('[role="status"]')).to_be_visible()
    await check_page(page, lang, "intake-7-outreach")
    assert csp_errors(lines) == []
    await context.close()


def seed_signal(fake: FakeHomeward, n: int, *, by: str, status: str = "open") -> str:
    """A signal recorded before this session (or by a colleague): only the service knows it."""
    sid = f"00000000-0000-4000-8000-{n:012d}"
    fake.signals[sid] = {
        "signal_id": sid,
        "case_id": f"10000000-0000-4000-8000-{n:012d}",
        "case_number": f"IN-2026-{n:06d}",
        "source": "hotline",
        "urgency": "high",
        "needs_shelter": True,
        "apparent_minor": False,
        "children_with_her": 0,
        "language": None,
        "received_at": f"2026-11-{1 + n % 28:02d}T08:00:00+00:00",
        "stage": "closed" if status == "closed" else "reported",
        "status": status,
        "routing_reason": "duplicate" if status == "closed" else None,
        "lead_id": None,
    }
    fake.recorded_by[sid] = by
    fake.persons[sid] = {"name": "Seeded Canary", "aliases": None, "phone": None, "notes": None}
    return sid


async def test_her_signals_come_from_the_service_and_open_after_a_reload(chromium, app_url):
    """Issue 18: the list is hers from the service (not this session's memory), paged, with
    where each went; a signal opened from it survives a reload."""
    fake = FakeHomeward("intake1", ["intake"])
    for n in range(1, 31):  # 30 of hers: two pages of 25
        seed_signal(fake, n, by=fake.user, status="closed" if n == 30 else "open")
    seed_signal(fake, 99, by="someone-else")
    context, page, lines = await open_app(chromium, fake, "en")
    await started(page, app_url, "/", "en")
    await nav(page, "/intake/signals")
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(25)
    await expect(rows.first.locator("a")).to_have_text("IN-2026-000030")  # newest first
    await expect(rows.first.locator('[data-testid="routing"]')).to_have_text("Closed")
    await page.get_by_role("button", name="Show older signals").click()
    await expect(rows).to_have_count(30)
    await expect(page.get_by_role("button", name="Show older signals")).to_have_count(0)
    await expect(page.get_by_text("IN-2026-000099")).to_have_count(0)  # a colleague's
    assert "Seeded Canary" not in await page.content()

    await rows.first.locator("a").click()
    await page.wait_for_url("**/intake/signals/00000000-0000-4000-8000-000000000030")
    await expect(page.locator('[data-testid="case-number"]')).to_have_text("IN-2026-000030")
    await page.reload()
    await expect(page.locator('[data-testid="case-number"]')).to_have_text("IN-2026-000030")
    await expect(page.locator('[data-testid="routing-reason"]')).to_have_text("Duplicate")
    await expect(page.locator("#close-h")).to_have_count(0)  # closed: nothing left to route
    assert csp_errors(lines) == []
    await context.close()


@pytest.mark.parametrize("lang", LANGS)
async def test_investigator_pages(chromium, app_url, lang):
    fake = FakeHomeward("investigator1", ["investigator"])
    fake.seed_investigation()
    context, page, lines = await open_app(chromium, fake, lang)
    await started(page, app_url, "/", lang)
    await nav(page, "/investigations")
    await expect(page.locator("tbody tr")).to_have_count(1)
    await check_page(page, lang, "inv-1-investigations")

    await choose(page, "kind", "massage_parlour")
    await choose(page, "province", "KH-18")
    await fill(page, "district", "1801")
    await fill(page, "address", "Street 1")
    await choose(page, "urgency", "routine")
    await submit(page)
    await page.wait_for_url("**/investigations/*")
    await expect(page.locator("#visit-h")).to_be_visible()
    await check_page(page, lang, "inv-2-investigation")

    visit = page.locator("section", has=page.locator("#visit-h"))
    await fill(visit, "observations", "three women at the back")
    await submit(visit)
    await expect(page.locator("article.card")).to_have_count(1)
    await choose(page, "purpose", "prosecution")
    await page.locator(".personal .row > button.button").click()
    await expect(page.locator('dd[data-personal="true"]')).to_have_text("three women at the back")
    await check_page(page, lang, "inv-3-visit-revealed")

    # Twelve persons typed; the draft survives a visit to another page.
    await page.locator("a.button.primary").click()
    await page.wait_for_url("**/report")
    await choose(page, "urgency", "immediate")
    for n in range(12):
        if n:
            await page.locator("ol.persons + button").click()
        person = page.locator("li.person").nth(n)
        await expect(person.locator('[data-field="name"] input')).to_be_focused() if n else None
        await fill(person, "name", f"Person {n + 1}")
        if n == 0:
            await choose(page, "sex", "female", scope=person)
            await choose(page, "nationality", "VN", scope=person)
        await fill(person, "age", str(16 + n))
    await expect(page.locator("li.person")).to_have_count(12)
    evidence = page.locator("fieldset", has=page.locator('input[type="file"]'))
    await page.locator("fieldset .hint + button").first.click()  # add evidence
    await page.locator('input[type="file"]').set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": b"abc"}]
    )
    await expect(evidence.locator('[data-testid="evidence-hash"]')).to_contain_text("ba7816bf")
    await fill(evidence, "location", "vault:2026/11/0001.jpg")
    await check_page(page, lang, "inv-4-new-report-12-persons")
    await nav(page, "/investigations")
    await page.go_back()
    await expect(page.locator("li.person")).to_have_count(12)
    await expect(page.locator('li.person >> nth=11 >> [data-field="name"] input')).to_have_value(
        "Person 12"
    )
    await submit(page)
    await page.wait_for_url("**/reports/*")
    await expect(page.locator("ol.persons > li")).to_have_count(12)
    report = next(iter(fake.reports.values()))
    assert [p["nationality"] for p in report["persons"]] == ["VN"] * 12  # copied row to row
    sha256_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert report["evidence"] == [
        {"content_hash": sha256_abc, "location": "vault:2026/11/0001.jpg"}
    ]
    assert not any("IMG_0001" in b for b in fake.seen_bodies)  # the file's name is not sent
    await check_page(page, lang, "inv-5-report")

    await page.locator("#refer-h ~ button").click()
    await expect(page.locator('[data-testid="referral"]')).not_to_have_text("")
    await expect(page.locator("#op-h")).to_be_visible()
    op = page.locator("section", has=page.locator("#op-h"))
    await choose(page, "outcome", "rescued", scope=op.locator("fieldset").nth(0))
    await choose(page, "outcome", "not_found", scope=op.locator("fieldset").nth(1))
    await submit(op)
    # The police are not engaged yet: the refusal in words, with the step that must come first.
    alert = op.locator('[role="alert"]')
    await expect(alert).to_be_visible()
    text = await alert.inner_text()
    assert "409" not in text and "needs" not in text
    await check_page(page, lang, "inv-6-operation-refused")
    ref = report["referral_id"]
    fake.milestone(ref, query={}, data={"milestone": "police_engaged", "occurred_on": "2026-11-30"})
    await submit(op)
    await expect(op.locator("ul > li")).to_have_count(2)
    await check_page(page, lang, "inv-7-operation")

    await nav(page, "/reports")
    await expect(page.locator("tbody tr")).to_have_count(1)
    await check_page(page, lang, "inv-8-reports")
    assert csp_errors(lines) == []
    await context.close()


@pytest.mark.parametrize("lang", LANGS)
async def test_legal_worker_pages(chromium, app_url, lang):
    fake = FakeHomeward("legal1", ["legal"])
    fake.seed_referral(persons=2, urgency="high")
    assistance = fake.seed_assistance()
    context, page, lines = await open_app(chromium, fake, lang)
    await started(page, app_url, "/legal", lang)
    await expect(page.locator('[data-testid="inbox"] tbody tr')).to_have_count(2)
    await check_page(page, lang, "legal-1-inbox")

    # A referral issued elsewhere appears without a reload.
    await page.evaluate("window.__same_page = true")
    new = fake.seed_referral(persons=3, urgency="immediate")
    await expect(page.locator('[data-testid="inbox"] tbody tr')).to_have_count(3, timeout=10_000)
    assert await page.evaluate("window.__same_page === true")
    row = page.locator(f'tr[data-referral="{new}"]')
    await row.locator("button").first.click()  # acknowledge
    await expect(row.locator("button")).to_have_count(1)
    await row.locator("button").click()  # take it on
    await expect(row.locator("button")).to_have_count(0)
    assert fake.referrals[new]["assigned_to"] == fake.user
    await check_page(page, lang, "legal-2-inbox-live")

    await row.locator("a").click()
    await page.wait_for_url(f"**/legal/referrals/{new}")
    await choose(page, "step", "charges_filed")
    await fill(page, "accused", "2")
    ms = page.locator("section", has=page.locator("#ms-h"))
    await submit(ms)
    await expect(ms.locator('[role="alert"]')).to_be_visible()
    await check_page(page, lang, "legal-3-track-refused")
    await choose(page, "step", "police_engaged")
    await submit(ms)
    await expect(page.locator('[data-step="police_engaged"].done')).to_be_visible()
    await expect(ms.locator('[role="alert"]')).to_have_count(0)
    await check_page(page, lang, "legal-4-track")

    await page.goto(app_url + f"/legal/assistance/{assistance}")
    await expect(page.locator("dl.facts")).to_be_visible()
    await page.locator("form button").first.click()
    await expect(page.locator("dl.facts")).to_contain_text(":")
    assert fake.assistance[assistance]["acknowledged_at"] is not None
    await check_page(page, lang, "legal-5-assistance")
    assert csp_errors(lines) == []
    await context.close()
