"""Issue 18's "done when", in Chromium, in English and in Khmer: nothing faked. The five
services run over the real broker and database, the web service in front of them on
127.0.0.1:8000 serving the built app, and people log in through the real Keycloak's own
login form. `investigator1` opens an investigation, records a visit and files a report with
three persons; the legal referral is issued; `legal1`, in a browser of her own, sees it
appear in her inbox without a reload, acknowledges it, takes it on and records the legal
track (the refused step's reason in words first). Both log out, which ends Keycloak's session
too. Then the privacy check: canaries typed into every personal field are in no URL, history
entry, title, console line, storage area, cookie, nor anywhere in the browser's profile on
disk (the HTTP cache and history included); the session cookie is HttpOnly. axe on every page
(zero violations), Keycloak's login form included; screenshots in
.local/web-screenshots/e2e/<lang>/."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, NEEDS_BROWSER, axe_check, shoot
from tests.web.e2e_stack import ORIGIN, homeward
from tests.web.helpers import LOCALES, choose, fill, submit
from tests.web.test_app_privacy import found_on_disk

pytestmark = [NEEDS_BROWSER, pytest.mark.integration, pytest.mark.timeout(240)]

KHMER = re.compile("[\u1780-\u17ff]")
PERSONS = 3


@dataclass
class Person:
    """One person at one computer: a browser with a profile of its own, and what it showed."""

    username: str
    lang: str
    profile: Path
    context: object = None
    page: object = None
    urls: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def open(self, playwright) -> None:
        self.context = await playwright.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            locale=LOCALES[self.lang],
            viewport={"width": 1280, "height": 900},
        )
        self.page = self.context.pages[0] if self.context.pages else await self.context.new_page()
        self.page.on("request", lambda r: self.urls.append(r.url))
        self.page.on("framenavigated", lambda f: self.urls.append(f.url))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on(
            "response",
            lambda r: (
                self.refused.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )

    async def log_in(self, path: str) -> None:
        """What she does: opens a page, is sent to Keycloak's form, types her name and
        password, and comes back to the page she opened."""
        page = self.page
        await page.goto(ORIGIN + path)
        await page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:8080/realms/homeward/"))
        form = page.locator("#kc-form-login")
        await expect(form).to_be_visible()
        if self.lang == "km":  # Keycloak's own form speaks her language too
            await expect(page.locator("#kc-page-title")).to_have_text(KHMER)
        await axe_check(page)  # the first page she sees is Keycloak's: it passes too
        await shoot(page, f"e2e/{self.lang}", f"{self.username}-0-keycloak-login")
        await page.locator("#username").fill(self.username)
        await page.locator("#password").fill("homeward")
        await page.locator("#kc-login").click()
        await page.wait_for_url(ORIGIN + path)
        await expect(page.locator('[data-testid="user"]')).to_be_visible()
        assert await page.evaluate("document.documentElement.lang") == self.lang
        if self.lang == "km":
            await expect(page.locator("h1")).to_have_text(KHMER)

    async def check(self, name: str) -> None:
        """axe on the page as it is, its title kept for the privacy check, a screenshot."""
        await self.page.wait_for_load_state("networkidle")
        await axe_check(self.page)
        self.titles.append(await self.page.title())
        await shoot(self.page, f"e2e/{self.lang}", f"{self.username}-{name}")

    async def log_out(self) -> None:
        """The header's button: the web's session ends, then Keycloak's: the next visit
        asks for the password again."""
        page = self.page
        await page.locator("header .who > button").click()
        # Keycloak sends her back to the app, which finds no session and sends her to log in:
        # Keycloak's form again, not a silent new login.
        await page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:8080/realms/homeward/.*auth"))
        await expect(page.locator("#kc-form-login")).to_be_visible()
        me = await page.request.get(ORIGIN + "/auth/me")
        assert me.status == 401


def canaries(lang: str) -> list[str]:
    tag = uuid.uuid4().hex[:8].upper()
    return [f"CANARY{tag}{lang.upper()}{n:02d}Q" for n in range(2 + 1 + 2 * PERSONS)]


async def investigator_files_a_report(inv: Person, typed: list[str]) -> None:
    page = inv.page
    await inv.log_in("/investigations")
    await inv.check("1-investigations")

    # An investigation opened by the team, the establishment's particulars sealed.
    await choose(page, "kind", "karaoke_bar")
    await choose(page, "province", "KH-12")
    await fill(page, "district", "1201")
    await fill(page, "address", typed[0])
    await fill(page, "operator_names", typed[1])
    await choose(page, "urgency", "high")
    await submit(page)
    await page.wait_for_url(re.compile(r".*/investigations/[0-9a-f-]{36}$"))
    await expect(page.locator("#visit-h")).to_be_visible()
    await inv.check("2-investigation")

    visit = page.locator("section", has=page.locator("#visit-h"))
    await fill(visit, "observations", typed[2])
    await submit(visit)
    await expect(page.locator("article.card")).to_have_count(1)
    await inv.check("3-visit")

    # The report, with its persons; the visit's date comes with it.
    await page.locator("a.button.primary").click()
    await page.wait_for_url("**/report")
    await choose(page, "urgency", "immediate")
    for n in range(PERSONS):
        if n:
            await page.locator("ol.persons + button").click()
        person = page.locator("li.person").nth(n)
        await fill(person, "name", typed[3 + 2 * n])
        await choose(page, "sex", "female", scope=person)
        if n == 0:
            await choose(page, "nationality", "VN", scope=person)
        await fill(person, "age", str(17 + n))
        await fill(person, "description", typed[4 + 2 * n])
    await expect(page.locator("li.person")).to_have_count(PERSONS)
    await inv.check("4-new-report")
    await submit(page)
    await page.wait_for_url(re.compile(r".*/reports/[0-9a-f-]{36}$"))
    # The report's persons (li.card; the form's were li.person alone), numbered by the service.
    await expect(page.locator("ol.persons > li.card")).to_have_count(PERSONS)
    numbers = await page.locator("ol.persons > li.card > p:first-of-type").all_inner_texts()
    assert len({re.match(r"[A-Z]{2}-\d{4}-\d+ ", x).group() for x in numbers}) == PERSONS

    # Her names are hidden until a purpose is given; shown from the service; hidden again
    # when she leaves the page.
    await expect(page.locator('dd[data-personal="true"]')).to_have_count(0)
    await choose(page, "purpose", "prosecution")
    await page.locator("li.person .personal .row > button.button").first.click()
    await expect(page.locator('dd[data-personal="true"]').first).to_have_text(typed[3])
    await inv.check("5-report-revealed")


async def investigator_refers(inv: Person) -> None:
    page = inv.page
    await page.locator("#refer-h ~ button").click()
    referred = page.locator('[data-testid="referral"]')
    await expect(page.locator("#refer-h")).to_have_count(0)
    await expect(page.locator("#op-h")).to_be_visible()
    assert await referred.inner_text()
    await inv.check("6-referred")
    # Leaving the page hides what was shown.
    await page.locator('header nav a[href="/reports"]').click()
    await page.wait_for_url("**/reports")
    await expect(page.locator("tbody tr").first).to_be_visible()
    await inv.check("7-reports")
    await page.go_back()
    await expect(page.locator("ol.persons > li")).to_have_count(PERSONS)
    await expect(page.locator("body")).not_to_contain_text("CANARY")


async def legal_waits_for_it(legal: Person) -> list[str]:
    """Her inbox, open and listening; the referrals it holds before."""
    page = legal.page
    await legal.log_in("/legal")
    await expect(page.locator('[data-testid="live"]')).to_have_class(re.compile(r"\blive-live\b"))
    await page.wait_for_load_state("networkidle")
    await legal.check("1-inbox")
    await page.evaluate("window.__same_page = true")
    return await page.locator("tr[data-referral]").evaluate_all(
        "rs => rs.map(r => r.dataset.referral)"
    )


async def legal_takes_it_on(legal: Person, before: list[str]) -> None:
    page = legal.page
    # The referral appears without a reload: the live feed (dashboard -> web -> browser).
    rows = page.locator("tr[data-referral]")
    await expect(rows).to_have_count(len(before) + 1, timeout=20_000)
    assert await page.evaluate("window.__same_page === true"), "the page was reloaded"
    [new] = set(await rows.evaluate_all("rs => rs.map(r => r.dataset.referral)")) - set(before)
    row = page.locator(f'tr[data-referral="{new}"]')
    await expect(row.locator("td").nth(2)).to_have_text(re.compile(r"[3៣]\s*$"))  # its persons
    await legal.check("2-inbox-live")
    await row.locator("button").first.click()  # acknowledge
    await expect(row.locator("button")).to_have_count(1)
    await row.locator("button").click()  # take it on
    await expect(row.locator("button")).to_have_count(0)
    await legal.check("3-inbox-taken")

    await row.locator("a").click()
    await page.wait_for_url(f"**/legal/referrals/{new}")
    # Acknowledged and hers: neither is offered again, only handing it to a colleague.
    assign = page.locator("section", has=page.locator("#assign-h"))
    await expect(assign.locator("button")).to_have_count(1)
    ms = page.locator("section", has=page.locator("#ms-h"))
    # Charges before the police are engaged: refused, with the reason in words.
    await choose(page, "step", "charges_filed")
    await fill(page, "accused", "2")
    await submit(ms)
    alert = ms.locator('[role="alert"]')
    await expect(alert).to_be_visible()
    text = await alert.inner_text()
    assert text.strip() and "409" not in text and "needs" not in text and "_" not in text
    if legal.lang == "km":
        assert KHMER.search(text), text
    await legal.check("4-track-refused")

    await choose(page, "step", "police_engaged")
    await submit(ms)
    await expect(page.locator('[data-step="police_engaged"].done')).to_be_visible()
    await expect(ms.locator('[role="alert"]')).to_have_count(0)

    # The operation, each person's outcome; the track moves on by itself.
    op = page.locator("section", has=page.locator("#op-h"))
    for n in range(PERSONS):
        await choose(page, "outcome", "rescued", scope=op.locator("fieldset").nth(n))
    await submit(op)
    await expect(op.locator("ul > li")).to_have_count(PERSONS)
    await expect(page.locator('[data-step="operation_carried_out"].done')).to_be_visible()

    # The form starts again at the step that comes next.
    await expect(ms.locator('[data-field="step"] select')).to_have_value("charges_filed")
    await fill(page, "accused", "2")
    await submit(ms)
    await expect(page.locator('[data-step="charges_filed"].done')).to_be_visible()
    await expect(ms.locator('[data-field="step"] select')).to_have_value("trial_opened")
    await submit(ms)
    await expect(page.locator('[data-step="trial_opened"].done')).to_be_visible()

    # The verdict, one per accused: the first convicted (three years), the second acquitted.
    await choose(page, "step", "verdict")
    verdicts = ms.locator("fieldset")
    await choose(page, "verdictN", "convicted", scope=verdicts.locator(".row").nth(0))
    await fill(verdicts, "sentenceMonths", "36")
    await verdicts.locator("button.button:not([type=submit])").last.click()  # another accused
    await choose(page, "verdictN", "acquitted", scope=verdicts.locator(".row").nth(1))
    await submit(ms)
    verdict = page.locator('[data-step="verdict"].done')
    await expect(verdict).to_be_visible()
    await expect(verdict).to_contain_text(re.compile(r"36|៣៦"))
    # Every step recorded: the form is gone, the page says the track is complete.
    await expect(page.get_by_test_id("track-complete")).to_be_visible()
    await expect(ms).to_have_count(0)
    await legal.check("5-track")

    # Opened directly (a reload, a link), the page still names the cases by their numbers.
    await page.reload()
    number = r"[A-Z]{2}-\d{4}-\d+"
    cases = re.compile(rf"{number}, {number}, {number}")
    await expect(page.locator("dl.facts")).to_contain_text(cases)


async def kept_in_the_browser(person: Person, typed: list[str]) -> list[str]:
    """Where the open browser keeps things: storage areas, history entries, cookies."""
    page = person.page
    stored = await page.evaluate(
        """async () => ({
            local: JSON.stringify(Object.entries(localStorage)),
            session: JSON.stringify(Object.entries(sessionStorage)),
            idb: JSON.stringify(await indexedDB.databases()),
            caches: JSON.stringify(await caches.keys()),
        })"""
    )
    assert stored == {"local": "[]", "session": "[]", "idb": "[]", "caches": "[]"}
    cdp = await person.context.new_cdp_session(page)
    history = await cdp.send("Page.getNavigationHistory")
    await cdp.detach()
    entries = [f"{e['url']} {e['title']}" for e in history["entries"]]
    assert len(entries) > 2
    cookies = await person.context.cookies()
    [session] = [c for c in cookies if c["name"] == "homeward_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["secure"]
    found = [e for e in entries if any(t in e for t in typed)]
    found += [c["name"] for c in cookies if any(t in c["value"] for t in typed)]
    return found


def leaked(person: Person, typed: list[str]) -> list[str]:
    seen = person.urls + person.titles + person.console
    return [x for x in seen if any(t in x for t in typed)]


@pytest.mark.parametrize("lang", ["en", "km"])
async def test_an_investigator_files_a_report_and_legal_takes_it_on(
    lang, keycloak, fresh_database, topics, tmp_path
):
    # A database of its own: the inbox holds this test's referral alone.
    from playwright.async_api import async_playwright

    typed = canaries(lang)
    inv = Person("investigator1", lang, tmp_path / "investigator")
    legal = Person("legal1", lang, tmp_path / "legal")
    async with homeward(keycloak, fresh_database, topics), async_playwright() as pw:
        await inv.open(pw)
        await legal.open(pw)
        await investigator_files_a_report(inv, typed)
        before = await legal_waits_for_it(legal)
        await investigator_refers(inv)
        await legal_takes_it_on(legal, before)

        for person in (inv, legal):
            assert await kept_in_the_browser(person, typed) == []
            await person.log_out()
            await person.context.close()

    for person in (inv, legal):
        # Refused only where the test means it: not logged in yet or any more, and the step
        # out of order.
        expected = {f"401 GET {ORIGIN}/auth/me"}
        if person is legal:
            expected.add("409 POST")
        assert {re.sub(r" http\S*/milestones$", "", x) for x in person.refused} == expected
        assert leaked(person, typed) == [], person.username
        # No error on the console but the browser's note of those same refused answers (no
        # Content-Security-Policy violation, no failed script, no missing file).
        errors = [x for x in person.console if x.startswith(("error", "pageerror"))]
        noted = re.compile(r"^error: Failed to load resource: .* status of (401|409) ")
        assert [x for x in errors if not noted.match(x)] == [], person.username
        assert (person.profile / "Default").is_dir()
        assert found_on_disk(person.profile, typed) == [], person.username
