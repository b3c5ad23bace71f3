"""The yearly impact report over the real broker and database: figures made through the
services' APIs (intake's signals and outreach, recovery's admissions and training,
reintegration's resettlement, kit, visit and closure; investigation's reports, referral,
operation and verdict) reach the dashboard as events, the report counts them once each,
hides a small cell, and a rebuild from the topics gives the same report."""

import uuid
from datetime import UTC, datetime

import pytest
from homeward_dashboard.bootstrap import bootstrap as dashboard_app
from homeward_dashboard.domain.figures import count_year
from homeward_dashboard.rebuild import rebuild
from homeward_dashboard.settings import DashboardSettings
from homeward_intake.bootstrap import bootstrap as intake_app
from homeward_intake.settings import IntakeSettings
from homeward_investigation.bootstrap import bootstrap as investigation_app
from homeward_investigation.settings import InvestigationSettings
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.service import handlers as reintegration_handlers
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.dashboard import MANAGER, empty_read_model
from tests.integration.helpers import CENTRE, INTAKE, REINTEGRATION, client, walk_in

pytestmark = pytest.mark.integration

THRESHOLD = 3


async def exact(dashboard, year: int) -> dict[tuple[str, ...], int]:
    """What the dashboard counted, before suppression (the operator's view, for checking)."""
    async with dashboard.uow(dashboard.system_actor) as uow:
        facts = await uow.figures.for_year(year)
    return {p: int(v) for p, v in count_year(year, facts).cells.items()}


async def exact_own(reintegration, year: int) -> dict:
    """Reintegration's own yearly figures, exact (threshold 1 hides nothing): what its
    /figures route publishes before suppression, to compare with the dashboard's count."""
    figures = await reintegration_handlers.year_figures(
        year, 1, reintegration.uow(reintegration.system_actor)
    )
    return vars(figures)


def without_time(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "generated_at"}


async def test_the_impact_report_counts_what_the_services_did_hides_a_small_cell_and_rebuilds(
    database, topics
):
    settings = settings_for(DashboardSettings, database, topics, small_cell_threshold=THRESHOLD)
    dashboard = dashboard_app(settings)
    intake = intake_app(settings_for(IntakeSettings, database, topics))
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    reintegration = reintegration_app(settings_for(ReintegrationSettings, database, topics))
    today = datetime.now(UTC).date()
    year, day = today.year, today.isoformat()
    async with (
        running(intake, recovery, reintegration, dashboard),
        client(intake) as ic,
        client(recovery) as rc,
        client(reintegration) as gc,
        client(dashboard) as dc,
    ):
        await empty_read_model(dashboard)
        # intake: three clinic walk-ins who need shelter, one hotline tip; two outreach days.
        walk_ins = [await walk_in(ic) for _ in range(3)]
        r = await ic.post(
            "/signals",
            headers=INTAKE,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "source": "hotline",
                "urgency": "routine",
                "needs_shelter": False,
            },
        )
        assert r.status_code == 201, r.text
        for province, areas, contacts in (("KH-17", 5, 40), ("KH-8", 2, 0)):
            body = {
                "idempotency_key": uuid.uuid4().hex,
                "on": day,
                "province": province,
                "entertainment_areas_visited": areas,
                "educational_contacts": contacts,
            }
            for expected in (201, 200):  # a retried submit is the same record
                r = await ic.post("/outreach", headers=INTAKE, json=body)
                assert r.status_code == expected, r.text

        # recovery: all three admitted at Tom Dy; one trains in weaving and is handed on.
        for signal in walk_ins:
            case_id = signal["case_id"]

            async def queued(case_id=case_id):
                r = await rc.get("/admission-requests", headers=CENTRE)
                return [q for q in r.json() if q["case_id"] == case_id]

            await wait_until(queued, what="the placement request reaches recovery")
            r = await rc.post(
                "/admissions",
                headers=CENTRE,
                json={
                    "case_id": case_id,
                    "centre": "TD",
                    "informed_consent": True,
                    "house_rules_accepted": True,
                    "consent_given_on": day,
                },
            )
            assert r.status_code == 201, r.text
        handed = walk_ins[0]["case_id"]
        r = await rc.post(
            f"/residents/{handed}/enrolments",
            headers=CENTRE,
            json={"trade": "weaving", "started_on": day},
        )
        assert r.status_code == 201, r.text
        r = await rc.post(
            f"/residents/{handed}/reintegration-handoff",
            headers=CENTRE,
            json={"skills": ["weaving"], "wishes_to_return_home": False},
        )
        assert r.status_code == 202, r.text

        # reintegration: resettled on her own, a start-up kit, a visit, closed (moved away).
        async def handed_on():
            return (await gc.get(f"/cases/{handed}", headers=REINTEGRATION)).status_code == 200

        await wait_until(handed_on, what="the hand-off reaches reintegration")
        # Reintegration's own yearly figures, before: the session's database is shared.
        own_before = await exact_own(reintegration, year)
        for path, body in (
            (
                "assessments",
                {
                    "assessed_on": day,
                    "her_wish": "independent_resettlement",
                    "market_opportunities": "good",
                    "family_conditions": "poor",
                    "skills_fit": True,
                    "wants_business": False,
                },
            ),
            (
                "support",
                {
                    "kind": "startup_kit",
                    "form": "cash",
                    "value": "700.00",
                    "currency": "USD",
                    "disbursed_on": day,
                    "approved_by": "u-manager-1",
                },
            ),
            (
                "visits/1",
                {"visited_on": day, "by_role": "social_worker", "outcomes": ["employed"]},
            ),
        ):
            if path == "support":
                r = await gc.post(
                    f"/cases/{handed}/resettlement",
                    headers=REINTEGRATION,
                    json={"plan": "independent_resettlement", "resettled_on": day},
                )
                assert r.status_code == 201, r.text
            r = await gc.post(
                f"/cases/{handed}/{path}",
                headers=REINTEGRATION,
                json={"idempotency_key": uuid.uuid4().hex, **body},
            )
            assert r.status_code == 201, r.text
        r = await gc.post(
            f"/cases/{handed}/closure",
            headers=REINTEGRATION,
            json={"reason": "moved_away", "closed_on": day},
        )
        assert r.status_code == 201, r.text

        expected = {
            ("investigation", "signals_received", "total"): 4,
            ("investigation", "signals_received", "by_source", "clinic_walk_in"): 3,
            ("investigation", "signals_received", "by_source", "hotline"): 1,
            ("investigation", "persons_rescued", "total"): 3,
            ("outreach", "entertainment_areas_visited", "total"): 7,
            ("outreach", "educational_contacts", "total"): 40,
            ("recovery", "admissions", "total"): 3,
            ("recovery", "residents_cared_for", "total"): 3,
            ("centres", "TD", "residents_cared_for", "total"): 3,
            ("recovery", "trainees", "by_trade", "weaving"): 1,
            ("recovery", "exits", "by_kind", "ready_for_reintegration"): 1,
            ("reintegration", "reintegrated", "by_plan", "independent_resettlement"): 1,
            ("reintegration", "startup_kits", "value", "USD"): 700,
            ("reintegration", "follow_up_visits", "total"): 1,
            ("reintegration", "survivors_followed_up", "total"): 1,
            ("reintegration", "closures", "by_reason", "moved_away"): 1,
        }

        async def counted():
            got = await exact(dashboard, year)
            return all(got.get(p) == n for p, n in expected.items())

        await wait_until(counted, what="every figure reaches the dashboard", within=30)

        # The dashboard agrees with what reintegration itself counted meanwhile.
        own = await exact_own(reintegration, year)
        got = await exact(dashboard, year)

        def grew(key: str, code: str) -> int:
            return own[key].get(code, 0) - (own_before[key].get(code) or 0)

        assert (
            grew("reintegrated_by_plan", "independent_resettlement")
            == got[("reintegration", "reintegrated", "by_plan", "independent_resettlement")]
        )
        assert (
            grew("closures_by_reason", "moved_away")
            == got[("reintegration", "closures", "by_reason", "moved_away")]
        )
        assert (own["follow_up_visits_done"] or 0) - (own_before["follow_up_visits_done"] or 0) == (
            got[("reintegration", "follow_up_visits", "total")]
        )

        r = await dc.get(f"/impact/{year}", headers=MANAGER)
        assert r.status_code == 200, r.text
        report = r.json()
        f = report["figures"]
        assert report["threshold"] == THRESHOLD
        assert f["investigation"]["signals_received"]["total"] == 4
        assert f["investigation"]["persons_rescued"]["total"] == 3
        assert f["recovery"]["admissions"]["total"] == 3
        assert f["centres"]["TD"]["residents_cared_for"]["total"] == 3
        assert f["outreach"]["educational_contacts"]["total"] == 40
        # One hotline tip is a small cell: hidden, and the walk-ins with it (4 - 3 = 1).
        assert f["investigation"]["signals_received"]["by_source"] == {
            "clinic_walk_in": None,
            "hotline": None,
        }
        hidden = {s["cell"]: s["reason"] for s in report["suppressed"]}
        assert hidden["investigation.signals_received.by_source.hotline"] == "below_threshold"
        assert hidden["investigation.signals_received.by_source.clinic_walk_in"] == (
            "complementary"
        )
        # One kit: its count and its value are hidden, never the exact 700.
        assert f["reintegration"]["startup_kits"]["total"] is None
        assert hidden["reintegration.startup_kits.value.USD"] == "with_its_count"
        assert "700" not in r.text

        csv = await dc.get(f"/impact/{year}.csv", headers=MANAGER)
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "suppressed: fewer than 3" in csv.text
        assert (await dc.get(f"/impact/{year}?format=csv", headers=MANAGER)).text == csv.text
        page = await dc.get(f"/impact/{year}/print", headers=MANAGER)
        assert page.status_code == 200 and f"Impact report {year}" in page.text
        assert str(year) in (await dc.get("/impact/years", headers=MANAGER)).text

        # Bad input and the wrong role: clear answers.
        r = await dc.get("/impact/1999", headers=MANAGER)
        assert r.status_code == 404 and "no figures were recorded for 1999" in r.json()["detail"]
        assert (await dc.get("/impact/20x6", headers=MANAGER)).status_code == 422
        r = await dc.get(f"/impact/{year}", headers=as_user("u-centre-1", "centre_staff"))
        assert r.status_code == 403

        # A rebuild from the start of the topics gives the same report.
        before = without_time(report)
        result = await rebuild(settings)
        assert result.figures[year]["signal_received"] == 4
        after = (await dc.get(f"/impact/{year}", headers=MANAGER)).json()
        assert without_time(after) == before


async def test_reports_referrals_operations_and_verdicts_reach_the_report_over_the_broker(
    database, topics
):
    settings = settings_for(
        DashboardSettings, database, topics, small_cell_threshold=2, timezone="UTC"
    )
    dashboard = dashboard_app(settings)
    investigation = investigation_app(settings_for(InvestigationSettings, database, topics))
    today = datetime.now(UTC).date()
    year, day = today.year, today.isoformat()
    investigator, legal = as_user("u-inv-1", "investigator"), as_user("u-legal-1", "legal")
    async with (
        running(investigation, dashboard),
        client(investigation) as c,
        client(dashboard) as dc,
    ):
        await empty_read_model(dashboard)
        r = await c.post(
            "/investigations",
            headers=investigator,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "establishment": {"kind": "club", "province": "KH-8", "district": "0811"},
                "urgency": "routine",
            },
        )
        assert r.status_code == 201, r.text
        person = {"sex": "female", "nationality": "KH", "language": "km"}
        r = await c.post(
            "/reports",
            headers=investigator,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "establishment": {"kind": "brothel", "province": "KH-8", "district": "0811"},
                "visit_dates": [day],
                "urgency": "high",
                "persons": [{**person, "approximate_age": 20 + i} for i in range(3)],
            },
        )
        assert r.status_code == 201, r.text
        report = r.json()
        cases = [p["case_id"] for p in report["persons"]]
        r = await c.post(f"/reports/{report['report_id']}/legal-referral", headers=investigator)
        assert r.status_code == 201, r.text
        legal_case = f"/legal/referrals/{r.json()['referral_id']}"

        def step(name: str, **extra) -> dict:
            return {"milestone": name, "occurred_on": day, **extra}

        r = await c.post(f"{legal_case}/milestones", headers=legal, json=step("police_engaged"))
        assert r.status_code == 201, r.text
        r = await c.post(
            f"{legal_case}/operations",
            headers=legal,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "carried_out_on": day,
                "outcomes": [
                    {"case_id": cases[0], "outcome": "rescued"},
                    {"case_id": cases[1], "outcome": "rescued"},
                    {"case_id": cases[2], "outcome": "not_found"},
                ],
            },
        )
        assert r.status_code == 201, r.text
        for body in (
            step("charges_filed", accused_count=2),
            step("trial_opened"),
            step("verdict", verdicts=[{"verdict": "convicted"}, {"verdict": "acquitted"}]),
        ):
            r = await c.post(f"{legal_case}/milestones", headers=legal, json=body)
            assert r.status_code == 201, r.text

        expected = {
            ("investigation", "investigations_opened", "by_origin", "team"): 1,
            ("investigation", "reports_filed", "total"): 1,
            ("investigation", "persons_identified", "total"): 3,
            ("investigation", "legal_referrals", "total"): 1,
            ("investigation", "rescue_operations", "total"): 1,
            ("investigation", "persons_rescued", "by_route", "rescue_operation"): 2,
            ("investigation", "court_cases_charged", "total"): 1,
            ("investigation", "convictions", "total"): 1,
            ("investigation", "persons_convicted", "total"): 1,
        }

        async def counted():
            got = await exact(dashboard, year)
            return all(got.get(p) == n for p, n in expected.items())

        await wait_until(counted, what="the investigation's figures reach the dashboard")
        f = (await dc.get(f"/impact/{year}", headers=MANAGER)).json()["figures"]
        assert f["investigation"]["persons_identified"]["total"] == 3
        assert f["investigation"]["persons_rescued"]["total"] == 2
        assert f["investigation"]["convictions"]["total"] is None  # one court case: "<2"
        before = await exact(dashboard, year)
        await rebuild(settings)
        assert await exact(dashboard, year) == before
