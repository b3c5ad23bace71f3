"""The dashboard's responses as documents: the impact report (JSON, CSV, printable page), the
live view and its server-sent events. The JSON report is served through ``ImpactReport``
itself (every model forbids unknown keys), so a figure added to ``domain/figures.py`` and
not described here fails the tests instead of leaving the document behind."""

from __future__ import annotations

import inspect
from datetime import datetime
from typing import Any

from homeward_shared.small_cells import SuppressedCell
from homeward_shared.stages import Stage
from pydantic import BaseModel, ConfigDict, Field

# A count, or null where it is suppressed (``suppressed`` says why).
Count = int | None
# A money amount in its currency's units, or null (hidden with its count).
Amount = int | float | None


def _codes(what: str) -> Any:
    return Field(
        default=None,
        description=f"by {what}: code to count (null: suppressed); absent when nothing was"
        " counted. A fact that carried no such code counts under `unknown`",
    )


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Total(Doc):
    total: Count


class BySource(Total):
    by_source: dict[str, Count] | None = _codes(
        "signal source (hotline, outreach, clinic_walk_in, police_referral, partner_referral,"
        " repatriation)"
    )


class ByOrigin(Total):
    by_origin: dict[str, Count] | None = _codes("how the investigation began")


class ByEstablishmentKind(Total):
    by_establishment_kind: dict[str, Count] | None = _codes(
        "establishment kind (brothel, karaoke, club, massage, ...)"
    )


class ByRoute(Total):
    by_route: dict[str, Count] | None = _codes(
        "route out: `rescue_operation` (investigation) or `came_to_us` (intake)"
    )


class ByProvince(Total):
    by_province: dict[str, Count] | None = _codes("province")


class ByTrade(Total):
    by_trade: dict[str, Count] | None = _codes("trade (sewing_factory, hairdressing, ...)")


class ByKind(Total):
    by_kind: dict[str, Count] | None = _codes("kind")


class ByPlan(Total):
    by_plan: dict[str, Count] | None = _codes(
        "plan (reunification, independent_resettlement, repatriation)"
    )


class Kits(Total):
    by_form: dict[str, Count] | None = _codes("form (in_kind, cash)")
    by_currency: dict[str, Count] | None = _codes("ISO 4217 currency")
    value: dict[str, Amount] | None = Field(
        default=None,
        description="ISO 4217 currency to the kits' total value in it; null where the count"
        " of that currency is hidden (`with_its_count`)",
    )


class ByRole(Total):
    by_role: dict[str, Count] | None = _codes("role of the visitor")


class ByReason(Total):
    by_reason: dict[str, Count] | None = _codes("closure reason")


class Investigation(Doc):
    signals_received: BySource
    investigations_opened: ByOrigin
    reports_filed: ByEstablishmentKind
    persons_identified: Total
    legal_referrals: Total
    rescue_operations: Total
    persons_rescued: ByRoute
    court_cases_charged: Total
    convictions: Total = Field(description="court cases ended in conviction")
    persons_convicted: Total


class Outreach(Doc):
    entertainment_areas_visited: ByProvince
    clinic_consultations: ByProvince
    educational_contacts: ByProvince


class Recovery(Doc):
    residents_cared_for: Total = Field(description="distinct women with a stay in the year")
    admissions: Total = Field(description="transfers between centres left out")
    trainees: ByTrade
    trainings_completed: Total
    certifications: ByTrade
    internships: ByTrade
    study_tours: Total
    exits: ByKind = Field(
        description="by kind: left_centre, ready_for_reintegration, transferred_out"
    )


class Centre(Doc):
    residents_cared_for: Total
    admissions: Total
    transfers_in: Total
    trainees: ByTrade
    trainings_completed: Total
    certifications: Total
    internships: Total
    study_tours: Total
    exits: ByKind


class Reintegration(Doc):
    reintegrated: ByPlan
    startup_kits: Kits
    other_support: ByKind = Field(description="by kind of support other than a start-up kit")
    follow_up_visits: ByRole
    survivors_followed_up: Total
    closures: ByReason = Field(description="a closure undone by a later reopening is left out")


class Figures(Doc):
    investigation: Investigation
    outreach: Outreach
    recovery: Recovery
    centres: dict[str, Centre] = Field(
        default_factory=dict,
        description="centre code to that centre's figures; absent when no centre has any",
    )
    reintegration: Reintegration


class Labels(Doc):
    sections: dict[str, str] = Field(description="section code to its title for people")
    figures: dict[str, str] = Field(description="figure code to its name for people")


SUPPRESSION = (
    "A count from 1 to threshold - 1 is null (`below_threshold`); where a total and its"
    " members would have one hidden cell only, the smallest other member (or the total) is"
    " hidden too (`complementary`); a money value is hidden with its count (`with_its_count`)."
    " Zero is shown."
)


class ImpactReport(Doc):
    """The yearly impact report, small cells already hidden."""

    year: int
    threshold: int = Field(description="SMALL_CELL_THRESHOLD (11 by default, as CTDC)")
    generated_at: datetime
    time_zone: str = Field(
        description="IANA time zone whose days decide the year of a moment (TIMEZONE)"
    )
    figures: Figures
    labels: Labels
    suppressed: list[SuppressedCell] = Field(
        description="every null cell, by its path in `figures` (`centres.TD.exits.by_kind."
        "left_centre`), and why. " + SUPPRESSION
    )


CSV_COLUMNS = ("year", "section", "centre", "figure", "breakdown", "category", "value", "note")
CSV = {
    "description": "The report as CSV (RFC 4180, UTF-8, a header row), one row per cell, in"
    " the JSON's order. Columns: `year`; `section` (investigation, outreach, recovery,"
    " centres, reintegration); `centre` (a centre code in section `centres`, else empty);"
    " `figure` (as in the JSON); `breakdown` (`by_source`, `by_trade`, `value`, ...; empty"
    " for a total); `category` (the breakdown's code); `value` (the number; empty when"
    " suppressed); `note` (`suppressed: fewer than N`, `suppressed: hidden so that a small"
    " count cannot be worked out` or `suppressed: hidden with its count`; else empty).",
    "content": {
        "text/csv": {
            "schema": {"type": "string"},
            "example": ",".join(CSV_COLUMNS) + "\r\n2026,investigation,,signals_received,,,412,\r\n"
            "2026,investigation,,signals_received,by_source,hotline,,"
            "suppressed: fewer than 11\r\n",
        }
    },
}
HTML = {
    "description": "The report as a printable page (HTML, no script): tables, and SVG bars for"
    " breakdowns. A suppressed cell reads `<N` (below the threshold) or `c` (hidden with"
    " another); a hidden bar is a hatched stub, never a length.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


class LiveOut(Doc):
    """Cases by stage now. Every count passes the same suppression as the impact report."""

    as_of: datetime
    threshold: int = Field(description="SMALL_CELL_THRESHOLD, as for the impact report")
    cases: Count = Field(description="cases in the view (the stages' total)")
    by_stage: dict[Stage, Count]
    by_centre: dict[str, dict[Stage, Count]] = Field(
        description="centre code to its cases by stage (a case's last centre); the centres'"
        " cells of a stage add up to at most the stage's count (a case with no centre is in"
        " no column)"
    )
    entered_today: dict[Stage, Count] = Field(
        description="cases that entered each stage since local midnight (TIMEZONE)"
    )
    suppressed: list[SuppressedCell] = Field(
        description="every null cell by its path (`by_centre.KK.admitted`, `cases`) and why. "
        + SUPPRESSION
    )


class ReadyEvent(Doc):
    """Data of the `ready` event, sent once when the stream is open."""

    listening: bool = Field(description="always true")


class StageEvent(Doc):
    """Data of a `stage` event: a stage event was taken in; fetch /live again. It carries no
    case id and no count."""

    stage: Stage
    moved: bool = Field(description="whether the case moved (false: a late or repeated event)")
    occurred_at: datetime


def _inline(model: type[BaseModel]) -> dict[str, Any]:
    # Referenced schemas (Stage) are the document's components, not a $defs of its own.
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


def _event(name: str, model: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": f"{name} event",
        "description": inspect.getdoc(model),
        "required": ["event", "data"],
        "properties": {
            "event": {"const": name},
            "data": {
                "description": "JSON",
                "contentMediaType": "application/json",
                "contentSchema": _inline(model),
            },
        },
    }


STREAM = {
    "description": "Server-sent events (text/event-stream): `ready` once, then one `stage`"
    " per stage event the dashboard takes in. Each event's `data` is one JSON object:"
    ' `ready` -> {"listening": true}; `stage` -> {"stage", "moved", "occurred_at"}.'
    " A client that falls behind loses the oldest notices, never a count: each only says"
    " to fetch /live again.",
    "content": {
        "text/event-stream": {
            "itemSchema": {"oneOf": [_event("ready", ReadyEvent), _event("stage", StageEvent)]}
        }
    },
}
