"""Unit tier: the dashboard's responses are what its OpenAPI document says. A report with a
fact of every metric and dimension is validated against the documented model (unknown keys
refused), and the document describes the JSON, CSV and page of the report, the live view
and the events of its stream. A user no longer has to guess a code."""

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from homeward_dashboard.domain.figures import Fact, count_year, suppress_cells
from homeward_dashboard.domain.model import suppress_live
from homeward_dashboard.entrypoints.report_views import as_csv, as_json
from homeward_dashboard.entrypoints.schemas import CSV_COLUMNS, ImpactReport, LiveOut
from pydantic import ValidationError

DOC = Path(__file__).resolve().parents[3] / "docs" / "openapi" / "dashboard.json"
T = datetime(2026, 6, 1, 3, tzinfo=UTC)
DAY = date(2026, 6, 1)


def fact(metric, n=1, amount=1, **dims) -> list[Fact]:
    return [
        Fact(
            event_id=uuid.uuid4(),
            metric=metric,
            on=DAY,
            subject=uuid.uuid4(),
            dims=dims,
            amount=Decimal(amount),
            occurred_at=T,
            producer="investigation" if metric == "stage_rescued" else "test",
        )
        for _ in range(n)
    ]


def every_metric(n: int) -> list[Fact]:
    """n facts of each metric the report counts, with every dimension it breaks down by."""
    return [
        *fact("signal_received", n, source="hotline"),
        *fact("investigation_opened", n, origin="hotline_tip"),
        *fact("report_filed", n, establishment_kind="karaoke"),
        *fact("stage_identified", n),
        *fact("legal_referral_issued", n),
        *fact("rescue_operation", n),
        *fact("stage_rescued", n),
        *fact("legal_charges_filed", n),
        *fact("legal_verdict", n, amount=2),
        *fact("outreach_entertainment_areas_visited", n, amount=3, province="KH-12"),
        *fact("outreach_clinic_consultations", n, province="KH-12"),
        *fact("outreach_educational_contacts", n, province="KH-12"),
        *fact("admission", n, centre="TD", origin="rescue"),
        *fact("admission", n, centre="SR", origin="transfer"),
        *fact("exit", n, centre="TD", kind="transferred_out"),
        *fact("training_enrolled", n, centre="SR", trade="hairdressing"),
        *fact("training_completed", n, centre="SR", trade="weaving"),
        *fact("training_certified", n, centre="SR", trade="hairdressing"),
        *fact("training_internship_started", n, centre="SR", trade="hairdressing"),
        *fact("training_study_tour", n, centre="SR"),
        *fact("reintegrated", n, plan="reunification"),
        *fact(
            "support_disbursed", n, amount="700.50", kind="startup_kit", form="cash", currency="USD"
        ),
        *fact("support_disbursed", n, kind="bicycle"),
        *fact("follow_up_visit", n, by_role="social_worker"),
        *fact("case_closed", n, reason="moved_away"),
    ]


@pytest.mark.parametrize(
    "n", [0, 1, 3, 12], ids=["no facts", "all hidden", "some hidden", "all shown"]
)
def test_the_json_report_is_exactly_the_documented_model(n):
    facts = every_metric(n) if n else fact("stage_identified", 12)  # no centre at all
    report = suppress_cells(count_year(2026, facts), threshold=11)
    body = as_json(report, generated_at=T, time_zone="Asia/Phnom_Penh")
    served = ImpactReport.model_validate(body).model_dump(mode="json", exclude_unset=True)
    # What the route serves through the model is what the report made, key for key.
    assert served.pop("generated_at").startswith("2026-06-01T03:00:00")
    assert served == {k: v for k, v in body.items() if k != "generated_at"}
    if n == 12:
        assert body["figures"]["reintegration"]["startup_kits"]["value"] == {"USD": 8406}
        assert not body["suppressed"]


def test_a_figure_the_document_does_not_name_is_refused_not_dropped():
    report = suppress_cells(count_year(2026, every_metric(12)), threshold=11)
    body = as_json(report, generated_at=T, time_zone="UTC")
    body["figures"]["recovery"]["escapes"] = {"total": 12}
    with pytest.raises(ValidationError):
        ImpactReport.model_validate(body)


def test_the_csv_has_the_documented_columns():
    report = suppress_cells(count_year(2026, every_metric(3)), threshold=11)
    assert tuple(as_csv(report).splitlines()[0].split(",")) == CSV_COLUMNS


def test_the_live_view_is_the_documented_model():
    view = suppress_live({"admitted": 12}, {"TD": {"admitted": 11}, "KK": {"admitted": 1}}, {}, 11)
    LiveOut.model_validate(
        {
            "as_of": T,
            "threshold": 11,
            "cases": view.cases,
            "by_stage": view.by_stage,
            "by_centre": view.by_centre,
            "entered_today": view.entered_today,
            "suppressed": [{"cell": c, "reason": r} for c, r in view.hidden.items()],
        }
    )


def test_the_openapi_document_describes_the_report_the_live_view_and_its_events():
    spec = json.loads(DOC.read_text())
    schemas = spec["components"]["schemas"]
    ok = spec["paths"]["/impact/{year}"]["get"]["responses"]["200"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/ImpactReport"}
    assert "text/csv" in ok
    suppressed = schemas["SuppressedCell"]["properties"]["reason"]
    reasons = schemas[suppressed["$ref"].rsplit("/", 1)[1]]["enum"]
    assert reasons == ["below_threshold", "complementary", "with_its_count"]
    report = schemas["ImpactReport"]["properties"]
    assert {"threshold", "time_zone", "figures", "suppressed", "labels"} <= set(report)
    assert "by_source" in schemas["BySource"]["properties"]
    csv = spec["paths"]["/impact/{year}.csv"]["get"]["responses"]["200"]
    assert all(c in csv["description"] for c in CSV_COLUMNS)
    html = spec["paths"]["/impact/{year}/print"]["get"]["responses"]["200"]["content"]
    assert "text/html" in html
    live = spec["paths"]["/live"]["get"]["responses"]["200"]["content"]["application/json"]
    assert live["schema"] == {"$ref": "#/components/schemas/LiveOut"}
    stream = spec["paths"]["/live/stream"]["get"]["responses"]["200"]
    events = stream["content"]["text/event-stream"]["itemSchema"]["oneOf"]
    assert [e["properties"]["event"]["const"] for e in events] == ["ready", "stage"]
    stage = events[1]["properties"]["data"]["contentSchema"]
    assert set(stage["required"]) == {"stage", "moved", "occurred_at"}
