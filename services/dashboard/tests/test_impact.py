"""Unit tier: the yearly impact report counted from facts, and small cells suppressed
before anything leaves."""

import csv
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from homeward_dashboard.domain.commands import RecordFigures
from homeward_dashboard.domain.figures import (
    Fact,
    Hidden,
    YearFigures,
    count_year,
    figure_fact,
    stage_fact,
    suppress_cells,
)
from homeward_dashboard.entrypoints.report_views import as_csv, as_html, as_json
from homeward_dashboard.service import handlers
from homeward_shared.domain import NotFound
from homeward_shared.uow import Delivery, Received

from .test_handlers import FakeDashboardUoW

PHNOM_PENH = ZoneInfo("Asia/Phnom_Penh")
T = datetime(2026, 6, 1, 3, tzinfo=UTC)


def fact(metric, on, subject=None, amount=1, producer="test", at=T, **dims) -> Fact:
    return Fact(
        event_id=uuid.uuid4(),
        metric=metric,
        on=on,
        subject=subject or uuid.uuid4(),
        dims=dims,
        amount=Decimal(amount),
        occurred_at=at,
        producer=producer,
    )


def cell(report, *path):
    return report.cells[path]


# --- suppression ---------------------------------------------------------------------------


def test_a_small_cell_is_hidden_and_a_lone_one_takes_the_next_smallest_member_with_it():
    f = YearFigures(2026)
    f.figure(("s", "admissions"), 60, by_centre={"KC": 3, "SR": 20, "TD": 37, "XX": 0})
    out = suppress_cells(f, 11)
    assert out.values[("s", "admissions", "total")] == 60
    assert out.values[("s", "admissions", "by_centre", "KC")] is None
    assert out.hidden[("s", "admissions", "by_centre", "KC")] is Hidden.BELOW_THRESHOLD
    # SR could be worked out as 60 - 37 - KC's range: it is hidden too, TD stays.
    assert out.hidden[("s", "admissions", "by_centre", "SR")] is Hidden.COMPLEMENTARY
    assert out.values[("s", "admissions", "by_centre", "TD")] == 37
    assert out.values[("s", "admissions", "by_centre", "XX")] == 0  # zero names no one


def test_a_total_below_the_threshold_hides_with_its_members_and_eleven_is_shown():
    f = YearFigures(2026)
    f.figure(("s", "a"), 7, by_kind={"x": 4, "y": 3})
    f.figure(("s", "b"), 11, by_kind={"x": 11})
    out = suppress_cells(f, 11)
    assert [out.values[p] for p in f.cells] == [None, None, None, 11, 11]


def test_hiding_cascades_across_the_rows_and_columns_of_a_per_centre_table():
    f = YearFigures(2026)
    f.figure(("o", "trainees"), 80, by_trade={"sewing": 40, "weaving": 40})
    td = f.figure(("c", "TD", "trainees"), 45, by_trade={"sewing": 5, "weaving": 40})
    sr = f.figure(("c", "SR", "trainees"), 35, by_trade={"sewing": 35, "weaving": 0})
    f.relations.append((("o", "trainees", "total"), [td, sr]))
    f.relations.append(
        (
            ("o", "trainees", "by_trade", "sewing"),
            [
                ("c", "TD", "trainees", "by_trade", "sewing"),
                ("c", "SR", "trainees", "by_trade", "sewing"),
            ],
        )
    )
    out = suppress_cells(f, 11)
    # TD sewing (5) is small; its row hides TD weaving, its column hides SR sewing.
    assert out.hidden[("c", "TD", "trainees", "by_trade", "sewing")] is Hidden.BELOW_THRESHOLD
    assert out.values[("c", "TD", "trainees", "by_trade", "weaving")] is None
    assert out.values[("c", "SR", "trainees", "by_trade", "sewing")] is None
    assert out.values[("o", "trainees", "total")] == 80


def test_a_money_value_is_hidden_with_its_count():
    f = YearFigures(2026)
    f.figure(("r", "kits"), 4, by_currency={"USD": 4})
    f.money[f.put(("r", "kits", "value", "USD"), Decimal("2800"))] = (
        "r",
        "kits",
        "by_currency",
        "USD",
    )
    out = suppress_cells(f, 11)
    assert out.hidden[("r", "kits", "value", "USD")] is Hidden.WITH_ITS_COUNT


# --- counting ------------------------------------------------------------------------------


def test_residents_cared_for_are_the_stays_that_overlap_the_year():
    stayed_on, left_before, transferred, new = (uuid.uuid4() for _ in range(4))
    facts = [
        fact("admission", date(2025, 5, 1), stayed_on, centre="TD", origin="rescue"),
        fact("admission", date(2025, 2, 1), left_before, centre="TD", origin="placement"),
        fact("exit", date(2025, 9, 1), left_before, centre="TD", kind="left_centre"),
        fact("admission", date(2026, 1, 10), transferred, centre="KC", origin="rescue"),
        fact("exit", date(2026, 3, 1), transferred, centre="KC", kind="transferred_out"),
        fact("admission", date(2026, 3, 1), transferred, centre="TD", origin="transfer"),
        fact("admission", date(2026, 7, 1), new, centre="SR", origin="placement"),
        fact("exit", date(2026, 12, 1), new, centre="SR", kind="ready_for_reintegration"),
    ]
    r = count_year(2026, facts)
    assert cell(r, "recovery", "residents_cared_for", "total") == 3
    assert cell(r, "centres", "TD", "residents_cared_for", "total") == 2
    assert cell(r, "centres", "KC", "residents_cared_for", "total") == 1
    assert cell(r, "recovery", "admissions", "total") == 2  # a transfer is not an admission
    assert cell(r, "centres", "TD", "transfers_in", "total") == 1
    assert cell(r, "recovery", "exits", "by_kind", "transferred_out") == 1
    assert cell(r, "centres", "SR", "exits", "by_kind", "ready_for_reintegration") == 1
    assert cell(count_year(2025, facts), "recovery", "residents_cared_for", "total") == 2


def test_trainees_per_trade_certifications_and_study_tours_per_centre():
    a, b = uuid.uuid4(), uuid.uuid4()
    facts = [
        fact("training_enrolled", date(2025, 10, 1), a, centre="TD", trade="weaving"),
        fact("training_completed", date(2026, 5, 1), a, centre="TD", trade="weaving"),
        fact("training_certified", date(2026, 6, 1), a, centre="TD", trade="weaving"),
        fact("training_enrolled", date(2026, 2, 1), b, centre="TD", trade="hairdressing"),
        fact("training_enrolled", date(2026, 2, 1), a, centre="TD", trade="hairdressing"),
        fact("training_study_tour", date(2026, 1, 5), b, centre="TD"),
    ]
    r = count_year(2026, facts)
    assert cell(r, "recovery", "trainees", "total") == 2
    assert cell(r, "recovery", "trainees", "by_trade", "hairdressing") == 2
    assert cell(r, "centres", "TD", "trainees", "by_trade", "weaving") == 1
    assert cell(r, "centres", "TD", "certifications", "total") == 1
    assert cell(r, "recovery", "study_tours", "total") == 1
    assert ("recovery", "trainees", "by_trade", "weaving") in dict(r.relations)


def test_a_closure_undone_by_a_later_reopening_does_not_count():
    a, b = uuid.uuid4(), uuid.uuid4()
    later = datetime(2027, 2, 1, tzinfo=UTC)
    facts = [
        fact("case_closed", date(2026, 3, 1), a, reason="lost_contact"),
        fact("case_reopened", date(2027, 2, 1), a, at=later, reason="contact_restored"),
        fact("case_closed", date(2026, 4, 1), b, reason="follow_up_completed"),
    ]
    r = count_year(2026, facts)
    assert cell(r, "reintegration", "closures", "total") == 1
    assert cell(r, "reintegration", "closures", "by_reason", "follow_up_completed") == 1


def test_kits_and_their_value_per_currency_and_persons_rescued_once_each():
    her = uuid.uuid4()
    facts = [
        fact(
            "support_disbursed",
            date(2026, 3, 1),
            kind="startup_kit",
            form="cash",
            currency="USD",
            amount="700",
        ),
        fact(
            "support_disbursed",
            date(2026, 4, 1),
            kind="startup_kit",
            form="in_kind",
            currency="USD",
            amount="650.50",
        ),
        fact("support_disbursed", date(2026, 4, 1), kind="bicycle", currency="USD", amount="80"),
        fact("stage_rescued", date(2026, 4, 1), her, producer="investigation"),
        fact("stage_rescued", date(2026, 4, 1), her, producer="investigation"),  # re-sent
        fact("stage_rescued", date(2026, 5, 1), producer="intake"),
        fact("legal_verdict", date(2026, 9, 1), amount=2),
        fact("legal_verdict", date(2026, 9, 2), amount=0),
    ]
    r = count_year(2026, facts)
    assert cell(r, "reintegration", "startup_kits", "total") == 2
    assert cell(r, "reintegration", "startup_kits", "value", "USD") == Decimal("1350.50")
    assert cell(r, "reintegration", "other_support", "by_kind", "bicycle") == 1
    assert cell(r, "investigation", "persons_rescued", "total") == 2
    assert cell(r, "investigation", "persons_rescued", "by_route", "rescue_operation") == 1
    assert cell(r, "investigation", "convictions", "total") == 1
    assert cell(r, "investigation", "persons_convicted", "total") == 2


def test_a_moment_counts_in_the_year_of_its_local_day():
    new_year_in_phnom_penh = datetime(2026, 12, 31, 20, tzinfo=UTC)
    f = stage_fact(
        event_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        stage="identified",
        occurred_at=new_year_in_phnom_penh,
        centre=None,
        reason=None,
        producer="investigation",
        zone=PHNOM_PENH,
    )
    assert f.on == date(2027, 1, 1)
    dated = figure_fact(
        event_id=uuid.uuid4(),
        subject=uuid.uuid4(),
        metric="follow_up_visit",
        on=date(2026, 12, 30),
        dimensions={},
        amount=Decimal(1),
        occurred_at=new_year_in_phnom_penh,
        producer="reintegration",
        zone=PHNOM_PENH,
    )
    assert dated.on == date(2026, 12, 30)  # the team's own day wins over the moment


# --- through the handlers and out --------------------------------------------------------


def figures_cmd(f: Fact, event_id=None) -> RecordFigures:
    received = Received(
        event_id or f.event_id, "figure.recorded", Delivery("dashboard.figures", "t", 0, 0)
    )
    return RecordFigures(received=received, facts=(f,))


async def test_a_redelivered_figure_counts_once_and_the_report_hides_the_small_cells():
    uow = FakeDashboardUoW()
    for i in range(12):
        await handlers.when_figure_recorded_count_it(
            figures_cmd(fact("follow_up_visit", date(2026, 2, 1 + i), by_role="psychologist")),
            uow,
        )
    once = fact("follow_up_visit", date(2026, 3, 1), by_role="trainer")
    assert await handlers.when_figure_recorded_count_it(figures_cmd(once), uow)
    assert not await handlers.when_figure_recorded_count_it(figures_cmd(once), uow)
    report = await handlers.impact_report(2026, uow, threshold=11)
    total = ("reintegration", "follow_up_visits", "total")
    assert report.values[total] == 13
    trainer = ("reintegration", "follow_up_visits", "by_role", "trainer")
    assert report.values[trainer] is None and report.hidden[trainer] is Hidden.BELOW_THRESHOLD
    body = as_json(report, generated_at=T, time_zone="Asia/Phnom_Penh")
    assert body["figures"]["reintegration"]["follow_up_visits"]["total"] == 13
    assert {
        "cell": "reintegration.follow_up_visits.by_role.trainer",
        "reason": "below_threshold",
    } in body["suppressed"]
    rows = list(csv.DictReader(io.StringIO(as_csv(report))))
    [row] = [r for r in rows if r["category"] == "trainer"]
    assert row["value"] == "" and row["note"] == "suppressed: fewer than 11"
    page = as_html(report, generated_at=T, time_zone="Asia/Phnom_Penh")
    assert "Impact report 2026" in page and "&lt;11" in page and "<svg" in page


async def test_a_year_with_no_figures_is_not_found_with_a_reason():
    uow = FakeDashboardUoW()
    await handlers.when_figure_recorded_count_it(
        figures_cmd(fact("follow_up_visit", date(2026, 2, 1), by_role="trainer")), uow
    )
    with pytest.raises(NotFound, match="no figures were recorded for 2031"):
        await handlers.impact_report(2031, uow, threshold=11)


async def test_a_year_whose_only_figures_are_residents_still_in_care_is_not_empty():
    uow = FakeDashboardUoW()
    stay = fact("admission", date(2025, 11, 2), centre="TD", origin="rescue")
    await handlers.when_figure_recorded_count_it(figures_cmd(stay), uow)
    report = await handlers.impact_report(2026, uow, threshold=1)
    assert report.values[("recovery", "residents_cared_for", "total")] == 1
