"""The yearly impact report: facts taken in from events, counted for one year, and small
cells suppressed before anything leaves.

Framework-free. A fact is one thing a service said happened (a stay began, a kit was given,
a case entered a stage), keyed by its event id so that a redelivery is one fact, never two.
``subject`` is what the event was keyed by (her case id, or an activity's own id): figures
that count people count distinct subjects. Nothing here says who anyone is.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from homeward_shared import small_cells
from homeward_shared.domain import NotFound
from homeward_shared.small_cells import Hidden


@dataclass(frozen=True, kw_only=True)
class Fact:
    event_id: uuid.UUID
    metric: str
    on: date
    subject: uuid.UUID
    dims: Mapping[str, str] = field(default_factory=dict)
    amount: Decimal = Decimal(1)
    occurred_at: datetime
    producer: str

    @property
    def year(self) -> int:
        return self.on.year


def local_day(at: datetime, zone: ZoneInfo) -> date:
    """The day a moment falls on where the organisation works: it decides the year."""
    return at.astimezone(zone).date()


def _codes(**dims: str | None) -> dict[str, str]:
    return {k: v for k, v in dims.items() if v}


def stage_fact(
    *,
    event_id: uuid.UUID,
    case_id: uuid.UUID,
    stage: str,
    occurred_at: datetime,
    centre: str | None,
    reason: str | None,
    producer: str,
    zone: ZoneInfo,
) -> Fact:
    """A case entered a stage (``case.stage_changed``): persons identified, rescued, ..."""
    return Fact(
        event_id=event_id,
        metric=f"stage_{stage}",
        on=local_day(occurred_at, zone),
        subject=case_id,
        dims=_codes(centre=centre, reason=reason),
        occurred_at=occurred_at,
        producer=producer,
    )


def figure_fact(
    *,
    event_id: uuid.UUID,
    subject: uuid.UUID,
    metric: str,
    on: date | None,
    dimensions: Mapping[str, str],
    amount: Decimal,
    occurred_at: datetime,
    producer: str,
    zone: ZoneInfo,
) -> Fact:
    """A service's ``figure.recorded``: its day if it gave one, else the moment's."""
    return Fact(
        event_id=event_id,
        metric=metric,
        on=on or local_day(occurred_at, zone),
        subject=subject,
        dims=dict(dimensions),
        amount=amount,
        occurred_at=occurred_at,
        producer=producer,
    )


def training_fact(
    *,
    event_id: uuid.UUID,
    case_id: uuid.UUID,
    milestone: str,
    centre: str,
    trade: str | None,
    on: date,
    occurred_at: datetime,
    producer: str,
) -> Fact:
    """``recovery.training_recorded``: enrolled, completed, certified, internship, tour."""
    return Fact(
        event_id=event_id,
        metric=f"training_{milestone}",
        on=on,
        subject=case_id,
        dims=_codes(centre=centre, trade=trade),
        occurred_at=occurred_at,
        producer=producer,
    )


def legal_fact(
    *,
    event_id: uuid.UUID,
    referral_id: uuid.UUID,
    milestone: str,
    on: date,
    convicted: int,
    occurred_at: datetime,
    producer: str,
) -> Fact:
    """``investigation.legal_milestone_recorded``, keyed by the legal case (the referral).
    A verdict's amount is the number of accused convicted."""
    return Fact(
        event_id=event_id,
        metric=f"legal_{milestone}",
        on=on,
        subject=referral_id,
        amount=Decimal(convicted) if milestone == "verdict" else Decimal(1),
        occurred_at=occurred_at,
        producer=producer,
    )


# --- counting one year ---------------------------------------------------------------------

# Facts that open or close an interval (a stay at a centre, a training): a year's residents
# and trainees are those whose interval overlaps it, so these are read from earlier years too.
INTERVAL_METRICS = (
    "admission",
    "exit",
    "training_enrolled",
    "training_completed",
    "training_withdrawn",
)
# A closure that a later reopening undid no longer counts, whatever year the reopening was.
LATER_METRICS = ("case_reopened",)

Path = tuple[str, ...]


class Unit(StrEnum):
    COUNT = "count"
    MONEY = "money"


@dataclass
class YearFigures:
    """Exact cells of one year's report, and how they add up. Never shown as they are:
    ``suppress_cells`` hides the small ones first."""

    year: int
    cells: dict[Path, Decimal] = field(default_factory=dict)
    # (total, members): the members add up to the total (or, for people counted once
    # across groups, at most to it), so one hidden member could be worked out from the rest.
    relations: list[tuple[Path, list[Path]]] = field(default_factory=list)
    # A money cell shown only if the count it is the value of is shown.
    money: dict[Path, Path] = field(default_factory=dict)

    def put(self, path: Path, value: int | Decimal) -> Path:
        self.cells[path] = Decimal(value)
        return path

    def figure(
        self, path: Path, total: int | Decimal, **breakdowns: Mapping[str, int | Decimal]
    ) -> Path:
        """A total and its breakdowns (``by_trade={...}``), related for suppression."""
        t = self.put((*path, "total"), total)
        for name, cells in breakdowns.items():
            members = [self.put((*path, name, code), n) for code, n in sorted(cells.items())]
            if members:
                self.relations.append((t, members))
        return t


def _in_year(f: Fact, year: int) -> bool:
    return f.on.year == year


def _count(facts: Iterable[Fact], by: str | None = None) -> Counter[str]:
    out: Counter[str] = Counter()
    for f in facts:
        out[f.dims.get(by, "unknown") if by else "total"] += 1
    return out


def _sum(facts: Iterable[Fact], by: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for f in facts:
        out[f.dims.get(by, "unknown")] += f.amount
    return dict(out)


def _distinct(facts: Iterable[Fact], by: str | None = None) -> dict[str, int]:
    seen: dict[str, set[uuid.UUID]] = defaultdict(set)
    for f in facts:
        seen[f.dims.get(by, "unknown") if by else "total"].add(f.subject)
    return {k: len(v) for k, v in seen.items()}


@dataclass(frozen=True)
class Interval:
    subject: uuid.UUID
    group: str  # the centre of a stay, the trade of a training
    centre: str
    start: date
    end: date | None

    def overlaps(self, year: int) -> bool:
        return self.start <= date(year, 12, 31) and (
            self.end is None or self.end >= date(year, 1, 1)
        )


def intervals(
    facts: Iterable[Fact], opens: str, closes: tuple[str, ...], group: str
) -> list[Interval]:
    """Pair each opening fact with the first closing fact of the same subject and group
    after it (a stay at a centre ends at the first exit from that centre)."""
    by_subject: dict[tuple[uuid.UUID, str], list[Fact]] = defaultdict(list)
    for f in facts:
        if f.metric == opens or f.metric in closes:
            by_subject[(f.subject, f.dims.get(group, "unknown"))].append(f)
    out: list[Interval] = []
    for (subject, g), fs in by_subject.items():
        fs.sort(key=lambda f: (f.on, f.occurred_at))
        current: Fact | None = None
        for f in fs:
            if f.metric == opens:
                if current is not None:  # opened twice without a close: one long interval
                    continue
                current = f
            elif current is not None:
                out.append(Interval(subject, g, current.dims.get("centre", ""), current.on, f.on))
                current = None
        if current is not None:
            out.append(Interval(subject, g, current.dims.get("centre", ""), current.on, None))
    return out


def count_year(year: int, facts: list[Fact]) -> YearFigures:
    """The year's figures, exact. ``facts`` are the year's, plus the interval facts of
    earlier years and the reopenings of later ones (see ``INTERVAL_METRICS``)."""
    r = YearFigures(year)
    by_metric: dict[str, list[Fact]] = defaultdict(list)
    for f in facts:
        if _in_year(f, year):
            by_metric[f.metric].append(f)

    def n(metric: str) -> int:
        return len(by_metric[metric])

    # Investigation and legal action.
    s = "investigation"
    r.figure(
        (s, "signals_received"),
        n("signal_received"),
        by_source=_count(by_metric["signal_received"], "source"),
    )
    r.figure(
        (s, "investigations_opened"),
        n("investigation_opened"),
        by_origin=_count(by_metric["investigation_opened"], "origin"),
    )
    r.figure(
        (s, "reports_filed"),
        n("report_filed"),
        by_establishment_kind=_count(by_metric["report_filed"], "establishment_kind"),
    )
    r.figure((s, "persons_identified"), _distinct(by_metric["stage_identified"]).get("total", 0))
    r.figure((s, "legal_referrals"), n("legal_referral_issued"))
    r.figure((s, "rescue_operations"), n("rescue_operation"))
    rescued = by_metric["stage_rescued"]
    route: dict[str, set[uuid.UUID]] = defaultdict(set)
    for f in rescued:
        route["rescue_operation" if f.producer == "investigation" else "came_to_us"].add(f.subject)
    r.figure(
        (s, "persons_rescued"),
        _distinct(rescued).get("total", 0),
        by_route={k: len(v) for k, v in route.items()},
    )
    r.figure((s, "court_cases_charged"), n("legal_charges_filed"))
    verdicts = by_metric["legal_verdict"]
    r.figure((s, "convictions"), sum(1 for f in verdicts if f.amount > 0))
    r.figure((s, "persons_convicted"), sum((f.amount for f in verdicts), Decimal(0)))

    # Outreach.
    s = "outreach"
    for key, metric in (
        ("entertainment_areas_visited", "outreach_entertainment_areas_visited"),
        ("clinic_consultations", "outreach_clinic_consultations"),
        ("educational_contacts", "outreach_educational_contacts"),
    ):
        by_province = _sum(by_metric[metric], "province")
        r.figure((s, key), sum(by_province.values(), Decimal(0)), by_province=by_province)

    # Recovery, for the whole organisation and per centre (issue 5).
    stays = [i for i in intervals(facts, "admission", ("exit",), "centre") if i.overlaps(year)]
    trainings = [
        i
        for i in intervals(
            facts, "training_enrolled", ("training_completed", "training_withdrawn"), "trade"
        )
        if i.overlaps(year)
    ]
    admissions = [f for f in by_metric["admission"] if f.dims.get("origin") != "transfer"]
    transfers = [f for f in by_metric["admission"] if f.dims.get("origin") == "transfer"]
    exits = by_metric["exit"]
    centres = sorted(
        {i.centre for i in stays}
        | {i.centre for i in trainings}
        | {f.dims.get("centre", "unknown") for m in ("admission", "exit") for f in by_metric[m]}
        | {
            f.dims.get("centre", "unknown")
            for m in ("training_certified", "training_internship_started", "training_study_tour")
            for f in by_metric[m]
        }
    )
    s = "recovery"
    org: dict[str, Path] = {
        "residents_cared_for": r.figure(
            (s, "residents_cared_for"), len({i.subject for i in stays})
        ),
        "admissions": r.figure((s, "admissions"), len(admissions)),
        "trainees": r.figure(
            (s, "trainees"),
            len({i.subject for i in trainings}),
            by_trade={
                t: len({i.subject for i in trainings if i.group == t})
                for t in {i.group for i in trainings}
            },
        ),
        "trainings_completed": r.figure((s, "trainings_completed"), n("training_completed")),
        "certifications": r.figure(
            (s, "certifications"),
            n("training_certified"),
            by_trade=_count(by_metric["training_certified"], "trade"),
        ),
        "internships": r.figure(
            (s, "internships"),
            n("training_internship_started"),
            by_trade=_count(by_metric["training_internship_started"], "trade"),
        ),
        "study_tours": r.figure((s, "study_tours"), n("training_study_tour")),
        "exits": r.figure((s, "exits"), len(exits), by_kind=_count(exits, "kind")),
    }
    per_centre: dict[str, list[Path]] = defaultdict(list)
    by_trade: dict[str, list[Path]] = defaultdict(list)
    by_kind: dict[str, list[Path]] = defaultdict(list)
    for c in centres:

        def at(fs: Iterable[Fact], centre: str = c) -> list[Fact]:
            return [f for f in fs if f.dims.get("centre", "unknown") == centre]

        here_trainings = [i for i in trainings if i.centre == c]
        trade_cells = {
            t: len({i.subject for i in here_trainings if i.group == t})
            for t in {i.group for i in here_trainings}
        }
        sec = "centres"
        cells = {
            "residents_cared_for": r.figure(
                (sec, c, "residents_cared_for"), len({i.subject for i in stays if i.centre == c})
            ),
            "admissions": r.figure((sec, c, "admissions"), len(at(admissions))),
            "trainees": r.figure(
                (sec, c, "trainees"),
                len({i.subject for i in here_trainings}),
                by_trade=trade_cells,
            ),
            "trainings_completed": r.figure(
                (sec, c, "trainings_completed"), len(at(by_metric["training_completed"]))
            ),
            "certifications": r.figure(
                (sec, c, "certifications"), len(at(by_metric["training_certified"]))
            ),
            "internships": r.figure(
                (sec, c, "internships"), len(at(by_metric["training_internship_started"]))
            ),
            "study_tours": r.figure(
                (sec, c, "study_tours"), len(at(by_metric["training_study_tour"]))
            ),
            "exits": r.figure((sec, c, "exits"), len(at(exits)), by_kind=_count(at(exits), "kind")),
        }
        r.put((sec, c, "transfers_in", "total"), len(at(transfers)))
        for key, path in cells.items():
            per_centre[key].append(path)
        for t in trade_cells:
            by_trade[t].append((sec, c, "trainees", "by_trade", t))
        for k in _count(at(exits), "kind"):
            by_kind[k].append((sec, c, "exits", "by_kind", k))
    for key, members in per_centre.items():
        r.relations.append((org[key], members))
    for t, members in by_trade.items():
        r.relations.append((("recovery", "trainees", "by_trade", t), members))
    for k, members in by_kind.items():
        r.relations.append((("recovery", "exits", "by_kind", k), members))

    # Reintegration and follow-up.
    s = "reintegration"
    r.figure(
        (s, "reintegrated"), n("reintegrated"), by_plan=_count(by_metric["reintegrated"], "plan")
    )
    support = by_metric["support_disbursed"]
    kits = [f for f in support if f.dims.get("kind") == "startup_kit"]
    by_currency = _count(kits, "currency")
    r.figure(
        (s, "startup_kits"),
        len(kits),
        by_form=_count(kits, "form"),
        by_currency=by_currency,
    )
    for currency, value in _sum(kits, "currency").items():
        r.money[r.put((s, "startup_kits", "value", currency), value)] = (
            s,
            "startup_kits",
            "by_currency",
            currency,
        )
    other = [f for f in support if f.dims.get("kind") != "startup_kit"]
    r.figure((s, "other_support"), len(other), by_kind=_count(other, "kind"))
    visits = by_metric["follow_up_visit"]
    r.figure((s, "follow_up_visits"), len(visits), by_role=_count(visits, "by_role"))
    r.figure((s, "survivors_followed_up"), _distinct(visits).get("total", 0))
    reopened: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    for f in facts:
        if f.metric == "case_reopened":
            reopened[f.subject].append(f.occurred_at)
    closures = [
        f
        for f in by_metric["case_closed"]
        if not any(at > f.occurred_at for at in reopened.get(f.subject, []))
    ]
    r.figure((s, "closures"), len(closures), by_reason=_count(closures, "reason"))
    return r


# --- suppression -------------------------------------------------------------------------

# ``Hidden`` and the function are the kernel's: one for every figure that leaves a service.


@dataclass(frozen=True)
class Suppressed:
    """What may leave: every cell, exact or None, and why each None is None."""

    year: int
    threshold: int
    values: dict[Path, Decimal | None]
    hidden: dict[Path, Hidden]


def suppress_cells(figures: YearFigures, threshold: int) -> Suppressed:
    """The report's cells through the kernel's ``small_cells.suppress_cells`` (small counts,
    complementary cells across the rows and columns of the per-centre tables, money with its
    count), before any output (JSON, CSV or page)."""
    done = small_cells.suppress_cells(
        figures.cells, threshold, relations=figures.relations, money=figures.money
    )
    return Suppressed(
        year=figures.year, threshold=threshold, values=done.values, hidden=done.hidden
    )


def require_data(figures: YearFigures) -> None:
    """A year with nothing to count is refused with a reason rather than shown as zeros. A
    year whose only figures are residents still in care from the year before is not empty."""
    if not any(figures.cells.values()):
        raise NotFound(f"no figures were recorded for {figures.year}: nothing to report")
