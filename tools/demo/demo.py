"""``make demo``: a realistic year of synthetic cases through every service's HTTP API, then
the yearly impact report. See tools/demo/README.md.

Only public HTTP APIs, as the people who use Homeward would call them; every hand-off
between services is awaited by asking the receiving service, with a bounded wait.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx
from homeward_shared.testing.auth import as_user
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

T = TypeVar("T")
TODAY = date.today()
console = Console()


def credentials(user_id: str, role: str, *, centres: Iterable[str] = ()) -> dict[str, str]:
    """Every request's credentials, made in this one place: it follows the way the services
    authenticate callers (headers now, bearer tokens for the local stack later)."""
    return as_user(user_id, role, centres=centres)


INVESTIGATOR = ("u-demo-inv-1", "investigator")
INVESTIGATOR_2 = ("u-demo-inv-2", "investigator")
LEGAL = ("u-demo-legal-1", "legal")
LEGAL_2 = ("u-demo-legal-2", "legal")
INTAKE = ("u-demo-intake-1", "intake")
REINTEGRATION = ("u-demo-reint-1", "reintegration")
MANAGER = ("u-demo-manager-1", "manager")
ADMIN = ("u-demo-admin-1", "admin")
CENTRES = ("TD", "KC", "SR")


def staff(centre: str) -> tuple[str, str, str]:
    return (f"u-demo-staff-{centre.lower()}", "centre_staff", centre)


class DemoError(RuntimeError):
    pass


# Synthetic people: syllables that sound Khmer or Vietnamese, always labelled "Demo".
GIVEN = (
    "Sreyla Chanra Bophany Kunthea Sokhim Linda Vannak Thyda Mealea Rachana Sophal Nary Dalin"
    " Pisey Kanha Malis"
).split()
FAMILY = ["Kheang", "Sovann", "Rath", "Pheap", "Chey", "Mony", "Nguon", "Tran", "Pech", "Sam"]
PLACES = [
    # ISO 3166-2:KH provinces and district codes (the first two digits are the province's).
    ("KH-12", "1209"),
    ("KH-12", "1207"),
    ("KH-12", "1212"),
    ("KH-17", "1710"),
    ("KH-8", "0811"),
    ("KH-18", "1802"),
    ("KH-2", "0203"),
    ("KH-3", "0305"),
]
KINDS = ["brothel", "karaoke_bar", "massage_parlour", "beer_garden", "club"]
INDICATORS = ["debt_bondage", "confinement", "violence", "drugs", "document_withholding"]
TRAINING = [
    # (trade, months from start to completion, certifiable)
    ("sewing_garment_factory", 4, True),
    ("weaving", 7, True),
    ("hairdressing", 6, True),
    ("sewing_independent_seamstress", 12, True),
    ("life_skills_cooking", 3, False),
    ("life_skills_jewellery", 3, False),
]
BUSINESS = {
    "sewing_garment_factory": "sewing_shop",
    "sewing_independent_seamstress": "sewing_shop",
    "weaving": "weaving",
    "hairdressing": "salon",
    "life_skills_cooking": "food_stall",
    "life_skills_jewellery": "other",
}
ASSISTANCE = ["testify_in_court", "victim_compensation", "identity_documents", "immigration"]


def days_ago(n: int) -> str:
    return str(TODAY - timedelta(days=max(n, 0)))


@dataclass
class Person:
    """One synthetic woman, as the demo follows her (the services know her by case id)."""

    name: str
    age: int
    nationality: str
    language: str
    case_id: str | None = None
    children: int = 0
    rescued: bool = False
    centre: str | None = None
    trade: str | None = None
    left: bool = False
    resettled: bool = False


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] += n


class Api:
    """The five services' HTTP APIs; one client, a bounded wait for every hand-off."""

    def __init__(self, urls: dict[str, str], timeout: float) -> None:
        self.urls = urls
        self.http = httpx.AsyncClient(timeout=timeout)
        self.calls = 0

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        who: tuple[str, ...],
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        ok: tuple[int, ...] = (200, 201, 202),
    ) -> httpx.Response:
        user_id, role, *centres = who
        self.calls += 1
        r = await self.http.request(
            method,
            f"{self.urls[service]}{path}",
            headers=credentials(user_id, role, centres=centres),
            json=json,
            params=params,
        )
        if r.status_code not in ok:
            raise DemoError(f"{method} {service}{path} answered {r.status_code}: {r.text[:300]}")
        return r

    async def post(self, service: str, path: str, who: tuple[str, ...], body: Any = None) -> Any:
        return (await self.call(service, "POST", path, who, json=body)).json()

    async def get(self, service: str, path: str, who: tuple[str, ...], **params: Any) -> Any:
        return (await self.call(service, "GET", path, who, params=params or None)).json()


async def eventually(
    check: Callable[[], Awaitable[T | None]], what: str, *, within: float = 60.0
) -> T:
    """Ask until ``check`` answers something truthy; bounded, so a lost hand-off is reported
    rather than waited for forever."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        found = await check()
        if found:
            return found
        if loop.time() > deadline:
            raise DemoError(f"not within {within:.0f}s: {what}")
        await asyncio.sleep(0.25)


def key() -> str:
    """Idempotency keys are new on every run: the same seed must make new records."""
    return uuid.uuid4().hex


class Demo:
    def __init__(self, api: Api, seed: int, cases: int, progress: Progress) -> None:
        self.api = api
        self.seed = seed
        self.cases = cases
        self.progress = progress
        self.tally = Tally()
        self.people: list[Person] = []
        self.assistance: list[str] = []
        self.limit = asyncio.Semaphore(8)

    def person(self, rng: random.Random) -> Person:
        nationality, language = rng.choices(
            [("KH", "km"), ("VN", "vi"), ("TH", "th")], weights=[8, 2, 1]
        )[0]
        p = Person(
            name=f"Demo {rng.choice(GIVEN)} {rng.choice(FAMILY)}",
            age=rng.choice([14, 15, 16, 17, 19, 20, 22, 24, 26, 29]),
            nationality=nationality,
            language=language,
        )
        self.people.append(p)
        return p

    async def each(
        self,
        items: Iterable[T],
        step: Callable[[random.Random, T], Awaitable[Any]],
        label: str,
    ) -> list[Any]:
        items = list(items)
        task = self.progress.add_task(label, total=len(items))

        # Steps run concurrently: each item draws from a generator of its own, so that the
        # same seed makes the same people whatever order the answers come back in.
        async def one(n: int, item: T) -> Any:
            async with self.limit:
                out = await step(random.Random(f"{self.seed}:{label}:{n}"), item)
            self.progress.advance(task)
            return out

        return await asyncio.gather(*(one(n, i) for n, i in enumerate(items)))

    # 1. Leads and investigations -------------------------------------------------------

    async def lead_from_intake(self, rng: random.Random, n: int) -> dict:
        province, district = PLACES[n % len(PLACES)]
        signal = await self.api.post(
            "intake",
            "/signals",
            INTAKE,
            {
                "idempotency_key": key(),
                "source": rng.choice(["hotline", "outreach", "partner_ngo"]),
                "urgency": rng.choice(["high", "routine"]),
                "needs_shelter": False,
                "notes": "Demo caller: synthetic tip about girls held at a bar",
            },
        )
        kind = rng.choice(KINDS)
        # A place of its own per run, so that this run's lead opens this run's investigation:
        # a district code of the province, chosen at random.
        where = f"{district[:2]}{random.randint(20, 99)}"
        routed = await self.api.post(
            "intake",
            f"/signals/{signal['signal_id']}/lead",
            INTAKE,
            {
                "reason": "establishment_reported",
                "establishment": {"kind": kind, "province": province, "district": where},
                "urgency": rng.choice(["immediate", "high"]),
                "persons_reported": rng.randint(2, 6),
                "indicators": rng.sample(INDICATORS, 2),
            },
        )
        self.tally.add("leads routed by intake")
        lead_id = routed["lead_id"]

        async def opened() -> dict | None:
            found = await self.api.get("investigation", "/investigations", INVESTIGATOR, limit=200)
            return next((i for i in found if lead_id in [x["lead_id"] for x in i["leads"]]), None)

        return await eventually(opened, f"lead {lead_id} opens an investigation")

    async def team_investigation(self, rng: random.Random, n: int) -> dict:
        province, district = PLACES[(n + 3) % len(PLACES)]
        inv = await self.api.post(
            "investigation",
            "/investigations",
            INVESTIGATOR,
            {
                "idempotency_key": key(),
                "establishment": {
                    "kind": rng.choice(KINDS),
                    "province": province,
                    "district": district,
                    "address": f"Demo street {rng.randint(1, 400)}, synthetic",
                    "operator_names": "Demo operator (synthetic)",
                },
                "urgency": "high",
            },
        )
        self.tally.add("investigations opened by the team")
        return inv

    async def visits(self, rng: random.Random, inv: dict) -> None:
        for ago in sorted(rng.sample(range(340, 360), 2), reverse=True):
            await self.api.post(
                "investigation",
                f"/investigations/{inv['investigation_id']}/visits",
                INVESTIGATOR,
                {
                    "idempotency_key": key(),
                    "visited_on": days_ago(ago),
                    "investigators": [INVESTIGATOR[0], INVESTIGATOR_2[0]],
                    "observations": "Demo observation: several young women, a guard at the door",
                },
            )
            self.tally.add("undercover visits")

    # 2. Reports, referral, the legal track and the operations ----------------------------

    async def report_and_rescue(self, rng: random.Random, item: tuple[int, dict]) -> None:
        n, inv = item
        persons = [self.person(rng) for _ in range(rng.choice([2, 3, 3, 4, 5]))]
        report = await self.api.post(
            "investigation",
            "/reports",
            INVESTIGATOR,
            {
                "idempotency_key": key(),
                "investigation_id": inv["investigation_id"],
                "visit_dates": [days_ago(330), days_ago(310)],
                "urgency": rng.choice(["immediate", "high"]),
                "persons": [
                    {
                        "sex": "female",
                        "approximate_age": p.age,
                        "nationality": p.nationality,
                        "language": p.language,
                        "indicators": (["apparent_minor"] if p.age < 18 else [])
                        + rng.sample(INDICATORS, rng.randint(1, 2)),
                        "name": p.name,
                        "description": f"{p.name}: synthetic description",
                    }
                    for p in persons
                ],
            },
        )
        for p, seen in zip(persons, report["persons"], strict=True):
            p.case_id = seen["case_id"]
        self.tally.add("reports filed")
        self.tally.add("persons identified", len(persons))

        referral = await self.api.post(
            "investigation", f"/reports/{report['report_id']}/legal-referral", INVESTIGATOR
        )
        rid = referral["referral_id"]
        self.tally.add("legal referrals")
        if n % 2:
            await self.api.post("investigation", f"/legal/referrals/{rid}/acknowledge", LEGAL)
        else:
            await self.api.post(
                "investigation",
                f"/legal/referrals/{rid}/assign",
                LEGAL,
                {"assignee": LEGAL_2[0]},
            )
        await self.milestone(rid, "police_engaged", 300)

        # Most are found on the day; a second operation weeks later finds most of the others.
        found = [p for p in persons if rng.random() < 0.8] or persons[:1]
        missed = [p for p in persons if p not in found]
        await self.operation(rng, rid, 290, found, missed)
        if missed:
            later = [p for p in missed if rng.random() < 0.7]
            await self.operation(rng, rid, 240, later, [p for p in missed if p not in later])
        if n % 3 != 2:
            await self.milestone(rid, "charges_filed", 200, accused_count=2)
            await self.milestone(rid, "trial_opened", 120)
            if n % 3 == 0:
                verdicts = [{"verdict": "convicted", "sentence_months": 180}] * 2
                await self.milestone(rid, "verdict", 30, verdicts=verdicts)
                self.tally.add("convictions (accused)", 2)
        await self.api.post(
            "investigation",
            f"/investigations/{inv['investigation_id']}/close",
            INVESTIGATOR,
            {"reason": "operation_completed"},
        )
        self.tally.add("investigations closed")

    async def milestone(self, referral_id: str, name: str, ago: int, **facts: Any) -> None:
        await self.api.post(
            "investigation",
            f"/legal/referrals/{referral_id}/milestones",
            LEGAL,
            {"milestone": name, "occurred_on": days_ago(ago), **facts},
        )
        self.tally.add(f"legal track: {name}")

    async def operation(
        self, rng: random.Random, referral_id: str, ago: int, rescued: list, missed: list
    ) -> None:
        outcomes = []
        for p in rescued:
            p.rescued = True
            p.children = 1 if p.age >= 20 and rng.random() < 0.2 else 0
            outcomes.append(
                {
                    "case_id": p.case_id,
                    "outcome": "rescued",
                    "children_with_her": p.children,
                    "medical_urgency": rng.random() < 0.1,
                }
            )
        outcomes += [{"case_id": p.case_id, "outcome": "not_found"} for p in missed]
        await self.api.post(
            "investigation",
            f"/legal/referrals/{referral_id}/operations",
            LEGAL,
            {"idempotency_key": key(), "carried_out_on": days_ago(ago), "outcomes": outcomes},
        )
        self.tally.add("rescue operations")
        self.tally.add("rescued in operations", len(rescued))
        if missed:
            self.tally.add("not found in an operation", len(missed))

    # 3. Walk-ins ---------------------------------------------------------------------------

    async def walk_in(self, rng: random.Random, n: int) -> None:
        p = self.person(rng)
        p.rescued = True
        p.children = 1 if n % 5 == 0 else 0
        source = ["clinic_walk_in", "police", "partner_ngo", "repatriation"][n % 4]
        signal = await self.api.post(
            "intake",
            "/signals",
            INTAKE,
            {
                "idempotency_key": key(),
                "source": source,
                "urgency": rng.choice(["immediate", "high"]),
                "needs_shelter": True,
                "apparent_minor": p.age < 18,
                "children_with_her": p.children,
                "language": p.language,
                "name": p.name,
                "phone": "+855 00 000 000 (synthetic)",
            },
        )
        p.case_id = signal["case_id"]
        await self.api.post(
            "intake",
            f"/signals/{signal['signal_id']}/placement-request",
            INTAKE,
            {"reason": "needs_shelter_now"},
        )
        self.tally.add(f"walk-ins ({source})")

    # 4. Recovery ---------------------------------------------------------------------------

    async def queue(self) -> dict[str, dict]:
        expected = {p.case_id for p in self.people if p.rescued}

        async def all_there() -> dict[str, dict] | None:
            found = await self.api.get("recovery", "/admission-requests", staff("TD"))
            mine = {q["case_id"]: q for q in found if q["case_id"] in expected}
            return mine if len(mine) == len(expected) else None

        return await eventually(all_there, f"{len(expected)} admission requests in recovery")

    async def care(self, rng: random.Random, item: tuple[Person, dict]) -> None:
        p, request = item
        centre = request["proposed_centre"] or "TD"
        # Siem Reap takes some of the women Tom Dy would: the three centres share the work.
        if centre == "TD" and not p.children and rng.random() < 0.35:
            centre = "SR"
        p.centre = centre
        who = staff(centre)
        await self.api.post(
            "recovery",
            "/admissions",
            who,
            {
                "case_id": p.case_id,
                "centre": centre,
                "informed_consent": True,
                "house_rules_accepted": True,
                "consent_given_on": str(TODAY),
                "identity": {"name": p.name, "village": "Demo village (synthetic)"},
            },
        )
        self.tally.add(f"admitted at {centre}")
        base = f"/residents/{p.case_id}"
        await self.api.post(
            "recovery",
            f"{base}/assessments",
            who,
            {
                "kind": "medical",
                "assessed_on": str(TODAY),
                "assessor_role": "doctor",
                "findings": "Demo findings (synthetic)",
            },
        )
        if rng.random() < 0.3:
            asked = await self.api.post(
                "recovery",
                f"{base}/legal-assistance",
                who,
                {
                    "kind": rng.choice(ASSISTANCE),
                    "urgency": rng.choice(["high", "routine"]),
                    "idempotency_key": key(),
                    "note": "Demo note (synthetic)",
                },
            )
            self.assistance.append(asked["request_id"])
            self.tally.add("legal assistance requested")
        if rng.random() < 0.3:
            await self.api.post(
                "recovery",
                f"{base}/study-tours",
                who,
                {"toured_on": days_ago(330), "trades": ["weaving", "hairdressing"]},
            )
            self.tally.add("study tours")
        if rng.random() < 0.08:
            await self.api.post(
                "recovery",
                f"{base}/departure",
                who,
                {"reason": "wished_to_return_home", "left_on": str(TODAY)},
            )
            p.left = True
            self.tally.add("left the centre of her own will")
            return

        trade, months, certifiable = rng.choice(TRAINING)
        p.trade = trade
        started = 320 if months <= 7 else 380
        enrolment = await self.api.post(
            "recovery",
            f"{base}/enrolments",
            who,
            {"trade": trade, "started_on": days_ago(started)},
        )
        self.tally.add("trainees")
        eid = enrolment["enrolment_id"]
        completed = started - months * 31 - 5
        await self.api.post(
            "recovery",
            f"{base}/enrolments/{eid}/completion",
            who,
            {"completed_on": days_ago(completed)},
        )
        if certifiable and rng.random() < 0.5:
            await self.api.post(
                "recovery",
                f"{base}/enrolments/{eid}/certification",
                who,
                {"certified_on": days_ago(completed - 10), "certifying_body": "mlvt"},
            )
            self.tally.add("certified")
        if rng.random() < 0.2:
            await self.api.post(
                "recovery",
                f"{base}/internships",
                who,
                {
                    "trade": trade,
                    "started_on": days_ago(completed - 15),
                    "ends_on": days_ago(completed - 45),
                    "business": "Demo business (synthetic)",
                },
            )
            self.tally.add("internships")
        await self.api.post(
            "recovery",
            f"{base}/reintegration-handoff",
            who,
            {"skills": [trade], "wishes_to_return_home": rng.random() < 0.6},
        )
        self.tally.add("handed to reintegration")

    async def take_on(self, rng: random.Random, request_id: str) -> None:
        """A resident's request for legal assistance reaches the legal workers' inbox; one of
        them takes it on or hands it to a colleague."""
        path = f"/legal/assistance-requests/{request_id}"

        async def arrived() -> bool:
            r = await self.api.call("investigation", "GET", path, LEGAL, ok=(200, 404))
            return r.status_code == 200

        await eventually(arrived, f"legal assistance request {request_id} in the legal inbox")
        if rng.random() < 0.5:
            await self.api.post("investigation", f"{path}/acknowledge", LEGAL)
        else:
            await self.api.post("investigation", f"{path}/assign", LEGAL, {"assignee": LEGAL_2[0]})
        self.tally.add("legal assistance taken on by legal workers")

    # 5. Reintegration ----------------------------------------------------------------------

    async def reintegrate(self, rng: random.Random, p: Person) -> None:
        path = f"/cases/{p.case_id}"

        async def arrived() -> dict | None:
            r = await self.api.call("reintegration", "GET", path, REINTEGRATION, ok=(200, 404))
            return r.json() if r.status_code == 200 else None

        case = await eventually(arrived, f"case {p.case_id} reaches reintegration")
        family_found = rng.random() < 0.8
        # Laid out over the year: tracing, assessment, resettlement, then follow-up.
        resettled = rng.randint(20, 330)
        await self.api.post(
            "reintegration",
            f"{path}/family-contacts",
            REINTEGRATION,
            {
                "idempotency_key": key(),
                "kind": "tracing_attempt",
                "happened_on": days_ago(resettled + 30),
                "result": "found" if family_found else "not_found",
                "details": "Demo family details (synthetic)",
            },
        )
        if p.nationality != "KH" and rng.random() < 0.7:
            wish = "repatriation"
        elif family_found and case["wishes_to_return_home"]:
            wish = "reunification"
        else:
            wish = "independent_resettlement"
        business = BUSINESS.get(p.trade or "", "other")
        await self.api.post(
            "reintegration",
            f"{path}/assessments",
            REINTEGRATION,
            {
                "idempotency_key": key(),
                "assessed_on": days_ago(resettled + 20),
                "her_wish": wish,
                "market_opportunities": rng.choice(["good", "limited"]),
                "family_conditions": rng.choice(["good", "limited", "poor"]),
                "skills_fit": True,
                "wants_business": True,
                "business_kind": business,
                "business_market": rng.choice(["good", "limited"]),
                "notes": "Demo assessment notes (synthetic)",
            },
        )
        plan: dict[str, Any] = {"plan": wish, "resettled_on": days_ago(resettled)}
        if wish == "repatriation":
            # A receiving partner is a code an admin registered (PUT is idempotent).
            partner = f"{p.nationality}_DEMO_PARTNER"
            await self.api.call(
                "reintegration",
                "PUT",
                f"/partners/{partner}",
                ADMIN,
                json={"kind": "ngo", "country": p.nationality, "name": "Demo partner (synthetic)"},
                ok=(200, 201),
            )
            plan |= {"destination_country": p.nationality, "receiving_partner": partner}
        case = await self.api.post("reintegration", f"{path}/resettlement", REINTEGRATION, plan)
        p.resettled = True
        self.tally.add(f"resettled: {wish}")
        in_kind = rng.random() < 0.6
        await self.api.post(
            "reintegration",
            f"{path}/support",
            REINTEGRATION,
            {
                "idempotency_key": key(),
                "kind": "startup_kit",
                "form": "in_kind" if in_kind else "cash",
                "items": ["sewing_machine", "fabric_stock", "thread_stock"] if in_kind else [],
                "value": "700.00",
                "currency": "USD",
                "disbursed_on": days_ago(resettled),
                "approved_by": MANAGER[0],
            },
        )
        self.tally.add(f"start-up kits ({'in kind' if in_kind else 'cash'})")
        if rng.random() < 0.3:
            await self.api.post(
                "reintegration",
                f"{path}/support",
                REINTEGRATION,
                {
                    "idempotency_key": key(),
                    "kind": "bicycle",
                    "value": "80.00",
                    "currency": "USD",
                    "disbursed_on": days_ago(resettled),
                    "approved_by": MANAGER[0],
                },
            )
            self.tally.add("bicycles")
        for visit in case["follow_up"]:
            due = date.fromisoformat(visit["due_on"])
            if due > TODAY - timedelta(days=3):
                break
            if rng.random() < 0.1:
                self.tally.add("follow-up visits missed (overdue)")
                continue
            visited = min(due + timedelta(days=rng.randint(0, 6)), TODAY)
            await self.api.post(
                "reintegration",
                f"{path}/visits/{visit['visit_no']}",
                REINTEGRATION,
                {
                    "idempotency_key": key(),
                    "visited_on": str(visited),
                    "by_role": rng.choice(["social_worker", "medical_staff", "psychologist"]),
                    "outcomes": rng.choice(
                        [["business_running"], ["employed"], ["business_running", "in_school"]]
                    ),
                    "notes": "Demo visit notes (synthetic)",
                },
            )
            self.tally.add("follow-up visits")

    # The whole year --------------------------------------------------------------------------

    async def run(self) -> None:
        reports = max(2, round(self.cases * 0.6 / 3.5))
        leads = reports // 2
        walk_ins = max(1, self.cases - reports * 3)
        console.print(
            f"[bold]A year of synthetic cases:[/] {reports} reports with several persons"
            f" each, {walk_ins} walk-ins"
        )
        investigations = await self.each(
            range(leads), self.lead_from_intake, "leads -> investigation"
        )
        investigations += await self.each(
            range(reports - leads), self.team_investigation, "the team's own investigations"
        )
        await self.each(investigations, self.visits, "undercover visits")
        await self.each(
            list(enumerate(investigations)), self.report_and_rescue, "reports and operations"
        )
        await self.each(range(walk_ins), self.walk_in, "walk-ins placed by intake")
        queue = await self.queue()
        rescued = [p for p in self.people if p.rescued]
        await self.each([(p, queue[p.case_id]) for p in rescued], self.care, "recovery")
        await self.each(self.assistance, self.take_on, "legal assistance -> legal inbox")
        moving_on = [p for p in rescued if not p.left]
        await self.each(moving_on, self.reintegrate, "reintegration and follow-up")


async def dashboard(api: Api, year: int, resettled: int) -> None:
    """The yearly impact report; the live figures where the dashboard has none yet."""

    async def caught_up() -> dict | None:
        live = await api.get("dashboard", "/live", MANAGER)
        have = live["by_stage"].get("resettled", 0)
        return live if isinstance(have, int) and have >= resettled else None

    try:
        live = await eventually(caught_up, "the dashboard takes in the resettlements", within=30)
    except DemoError as exc:
        console.print(f"[yellow]{exc}; showing what it has[/]")
        live = await api.get("dashboard", "/live", MANAGER)
    r = await api.call("dashboard", "GET", f"/impact/{year}", MANAGER, ok=(200, 404))
    if r.status_code == 200:
        show_impact(r.json())
        return
    console.print("[yellow]The impact report is not available on this dashboard yet[/]")
    show("Live figures (dashboard /live)", live)


def show(title: str, figures: Any) -> None:
    table = Table(title=title, show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in flatten(figures):
        table.add_row(name, str(value))
    console.print(table)


def show_impact(report: dict[str, Any]) -> None:
    """The report as a person reads it: a table per section, a figure per row, its total and
    its breakdown; a suppressed cell reads "<N" (N the threshold), as published."""
    hidden = f"<{report['threshold']}"
    labels = report.get("labels", {})
    names = labels.get("figures", {})

    def cell(value: Any) -> str:
        return hidden if value is None else str(value)

    for section, figures in report["figures"].items():
        table = Table(
            title=f"{labels.get('sections', {}).get(section, section)} ({report['year']})",
            show_header=True,
        )
        table.add_column("figure")
        table.add_column("total", justify="right")
        table.add_column("by")
        for name, rows in flatten(figures):
            *path, last = name.split(".")
            if last != "total":
                continue
            figure = ".".join(path)
            breakdown = [
                f"{key}: {cell(v)}"
                for key, v in flatten(figures)
                if key.startswith(f"{figure}.") and not key.endswith(".total")
            ]
            label = names.get(path[-1], path[-1]) if path else figure
            if len(path) > 1:
                label = f"{path[0]} · {label}"
            table.add_row(
                label, cell(rows), ", ".join(b.removeprefix(f"{figure}.") for b in breakdown)
            )
        console.print(table)
    console.print(f"{len(report.get('suppressed', []))} cells suppressed ({hidden}).")


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [row for k, v in value.items() for row in flatten(v, f"{prefix}{k}.")]
    if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
        return [row for i, v in enumerate(value) for row in flatten(v, f"{prefix}{i}.")]
    return [(prefix.rstrip("."), value)]


async def wait_for_services(api: Api) -> None:
    async def all_healthy() -> bool:
        try:
            for url in api.urls.values():
                r = await api.http.get(f"{url}/health")
                if r.status_code != 200:
                    return False
        except httpx.TransportError:
            return False
        return True

    await eventually(all_healthy, "every service answers /health (is `make run` up?)", within=60)


async def amain(args: argparse.Namespace) -> None:
    names = ["intake", "investigation", "recovery", "reintegration", "dashboard"]
    urls = {n: f"http://{args.host}:{args.port_base + i}" for i, n in enumerate(names)}
    api = Api(urls, timeout=30)
    try:
        await wait_for_services(api)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with Progress(
            TextColumn("{task.description:<32}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            demo = Demo(api, args.seed, args.cases, progress)
            await demo.run()
        summary = Table(title="What the demo did", show_header=True)
        summary.add_column("step")
        summary.add_column("count", justify="right")
        for what, n in sorted(demo.tally.counts.items()):
            summary.add_row(what, str(n))
        console.print(summary)
        console.print(
            f"{len(demo.people)} synthetic women, {api.calls} HTTP calls in"
            f" {loop.time() - started:.0f}s"
        )
        resettled = sum(p.resettled for p in demo.people)
        await dashboard(api, TODAY.year, resettled)
    finally:
        await api.http.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40, help="about how many women")
    parser.add_argument("--seed", type=int, default=7, help="the synthetic people's seed")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port-base", type=int, default=8001, help="intake's port; the others follow it"
    )
    args = parser.parse_args()
    try:
        asyncio.run(amain(args))
    except DemoError as exc:
        console.print(f"[red]demo stopped:[/] {exc}")
        raise SystemExit(1) from None
