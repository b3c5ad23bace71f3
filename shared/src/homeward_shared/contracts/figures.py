"""Figures for the yearly impact report: one general contract on one topic, like the stage
feed. Each service states a fact it alone knows (a follow-up visit was made on that day, a
start-up kit worth 700 USD was given) as a metric code, a few dimension codes, an amount and
a day. The dashboard counts them; it never learns who she is.

The envelope's ``case_id`` (the Kafka key) is what the fact is about: her case, or the id of
an activity that concerns no one case (an outreach day, a rescue operation, an
investigation). The dashboard counts distinct keys where a figure counts people.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field, WithJsonSchema, field_validator

from homeward_shared.codes import CODE_MARK, CodeField
from homeward_shared.envelope import Payload
from homeward_shared.vocabulary import LOWER_CODE_PATTERN, is_district, is_province

# Dimension values are codes only: centre codes, trades, reasons, ISO currencies, and an
# area as an ISO 3166-2:KH province code or a district code. No spaces, so never a name or
# a sentence; ``province`` and ``district`` are checked against their vocabularies.
DIMENSION_VALUE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
DimensionName = Annotated[
    str, Field(pattern=LOWER_CODE_PATTERN, json_schema_extra={CODE_MARK: "figure-dimension"})
]
DimensionValue = Annotated[
    str, Field(pattern=DIMENSION_VALUE_PATTERN, json_schema_extra={CODE_MARK: "figure-code"})
]
# A money value travels as a JSON number or a decimal string: the schema says which strings.
Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$"},
            ]
        }
    ),
]


class FigureMetric(StrEnum):
    """The metrics producers emit today, with the dimensions each carries. A consumer stores
    a metric it does not know and leaves it out of its report: a new metric is not a breaking
    change."""

    # intake
    SIGNAL_RECEIVED = "signal_received"  # source
    OUTREACH_ENTERTAINMENT_AREAS_VISITED = "outreach_entertainment_areas_visited"  # province
    OUTREACH_CLINIC_CONSULTATIONS = "outreach_clinic_consultations"  # province
    OUTREACH_EDUCATIONAL_CONTACTS = "outreach_educational_contacts"  # province
    # investigation
    INVESTIGATION_OPENED = "investigation_opened"  # origin
    REPORT_FILED = "report_filed"  # establishment_kind
    LEGAL_REFERRAL_ISSUED = "legal_referral_issued"  # (keyed by the referral)
    RESCUE_OPERATION = "rescue_operation"  # (keyed by the operation)
    # recovery
    ADMISSION = "admission"  # centre, origin (placement, rescue, readmission, transfer)
    EXIT = "exit"  # centre, kind (left_centre, ready_for_reintegration, transferred_out), reason
    # reintegration
    REINTEGRATED = "reintegrated"  # plan
    SUPPORT_DISBURSED = "support_disbursed"  # kind, form, currency; amount is the value
    FOLLOW_UP_VISIT = "follow_up_visit"  # by_role
    CASE_CLOSED = "case_closed"  # reason
    CASE_REOPENED = "case_reopened"  # reason: a closure before it no longer counts


class FigureRecorded(Payload):
    """A fact for the yearly figures: a metric code, dimension codes, an amount (1 for a
    count; a money value for ``support_disbursed``) and the day it happened. ``on`` is the
    day as the team recorded it (a visit date); it is absent when the fact is a moment (a
    report filed), and the reader takes the envelope's ``occurred_at`` in its own reporting
    time zone. Codes only: no name, place of hers or note ever travels here."""

    event_type: ClassVar[str] = "figure.recorded"

    metric: str = CodeField(
        "figure-metric", pattern=LOWER_CODE_PATTERN, description="a FigureMetric code"
    )
    on: date | None = None
    dimensions: dict[DimensionName, DimensionValue] = Field(default_factory=dict, max_length=8)
    amount: Amount = Decimal(1)

    @field_validator("dimensions")
    @classmethod
    def _areas_are_codes(cls, v: dict[str, str]) -> dict[str, str]:
        if "province" in v and not is_province(v["province"]):
            raise ValueError("dimension province must be an ISO 3166-2:KH code")
        if "district" in v and not is_district(v["district"]):
            raise ValueError("dimension district must be a Cambodian district code")
        return v
