"""The figure contract carries codes, never free text, and the kernel publishes a
FigureRecorded domain event on its topic."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from homeward_shared.contracts import FigureRecorded, Topics
from homeward_shared.domain import FigureRecorded as FigureFact
from homeward_shared.messages import envelopes_for
from pydantic import ValidationError


def test_a_figure_is_a_metric_code_with_dimension_codes_an_amount_and_a_day():
    f = FigureRecorded(
        metric="support_disbursed",
        on=date(2026, 3, 1),
        dimensions={"kind": "startup_kit", "currency": "USD", "province": "KH-17"},
        amount=Decimal("700.00"),
    )
    assert FigureRecorded.model_validate_json(f.model_dump_json()) == f
    assert FigureRecorded(metric="admission").amount == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"metric": "Admission"},
        {"metric": "admission", "dimensions": {"note": "she said\nthat her uncle"}},
        {"metric": "admission", "dimensions": {"Centre": "TD"}},
        {"metric": "admission", "dimensions": {"centre": "x" * 65}},
        {"metric": "admission", "amount": -1},
        {"metric": "outreach_clinic_consultations", "dimensions": {"province": "Siem Reap"}},
        {"metric": "outreach_clinic_consultations", "dimensions": {"province": "KH-26"}},
        {"metric": "outreach_clinic_consultations", "dimensions": {"district": "Sangkae"}},
        {"metric": "outreach_clinic_consultations", "dimensions": {"district": "9901"}},
        {"metric": "admission", "dimensions": {"reason": "her uncle"}},
    ],
)
def test_free_text_bad_codes_and_negative_amounts_are_refused(bad):
    with pytest.raises(ValidationError):
        FigureRecorded(**bad)


def test_the_kernel_publishes_a_figure_fact_on_the_figure_topic_keyed_by_its_subject():
    subject, pathway = uuid.uuid4(), uuid.uuid4()
    fact = FigureFact(case_id=subject, metric="follow_up_visit", on=date(2026, 5, 2))
    [(topic, env)] = envelopes_for(
        fact,
        lambda e, t: [],
        Topics("p."),
        producer="reintegration",
        correlation_id=pathway,
        causation_id=None,
    )
    assert topic == "p.figure.recorded"
    assert env.case_id == subject and env.payload.metric == "follow_up_visit"
