"""Intake's domain: a signal that a person may be in exploitation, and its routing.

Framework-free. Personal fields are marked where they are declared; the repository seals
them under the case's key before they reach the database.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, SignalSource, Urgency
from homeward_shared.contracts.stage import PlacementReason
from homeward_shared.domain import (
    Aggregate,
    Conflict,
    DomainError,
    FigureRecorded,
    StageEntered,
    utcnow,
)
from homeward_shared.personal import personal, register_personal
from homeward_shared.stages import Stage
from homeward_shared.vocabulary import district_in_province

from homeward_intake.domain import events


class SignalStatus(StrEnum):
    OPEN = "open"
    PLACEMENT_REQUESTED = "placement_requested"
    ROUTED_TO_INVESTIGATION = "routed_to_investigation"
    LINKED_TO_LEAD = "linked_to_lead"
    CLOSED = "closed"


class ClosureReason(StrEnum):
    """Why a signal needs no action. Codes, so that no free text reaches the stage feed."""

    NOT_TRAFFICKING = "not_trafficking"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    DUPLICATE = "duplicate"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    OUT_OF_AREA = "out_of_area"
    UNFOUNDED = "unfounded"


class LeadReason(StrEnum):
    """Why a signal is routed to investigation as a lead. Codes: the routing reason is kept
    in clear on the signal."""

    ESTABLISHMENT_NAMED = "establishment_named"  # the caller named the place
    ESTABLISHMENT_REPORTED = "establishment_reported"  # a partner or the police reported it
    PERSONS_STILL_HELD = "persons_still_held"  # she got out; others are still there
    OUTREACH_OBSERVATION = "outreach_observation"  # outreach workers saw signs there


def area_is_consistent(province: str | None, district: str | None) -> bool:
    """A district code, when given, lies in the province (its first two digits)."""
    return district is None or (province is not None and district_in_province(district, province))


class LeadStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(kw_only=True)
class PersonKnown:
    """What the signal says about her. All personal: sealed at rest, never in an event."""

    name: str | None = personal(default=None)
    aliases: str | None = personal(default=None)
    phone: str | None = personal(default=None)
    notes: str | None = personal(default=None)


register_personal(PersonKnown)


@dataclass(kw_only=True, eq=False)
class Signal(Aggregate):
    signal_id: uuid.UUID
    case_id: uuid.UUID
    case_number: str
    source: SignalSource
    urgency: Urgency
    needs_shelter: bool
    apparent_minor: bool
    children_with_her: int
    language: str | None
    received_at: datetime
    recorded_by: str
    person: PersonKnown = field(default_factory=PersonKnown)
    status: SignalStatus = SignalStatus.OPEN
    stage: Stage = Stage.REPORTED
    routing_reason: str | None = None
    lead_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def correlation_id(self) -> uuid.UUID:
        """The pathway this signal starts: every later event of her case carries it."""
        return self.signal_id

    @classmethod
    def register(cls, **kwargs: object) -> Signal:
        signal = cls(**kwargs)  # type: ignore[arg-type]
        signal.record(
            StageEntered(case_id=signal.case_id, stage=Stage.REPORTED, previous_stage=None)
        )
        signal.record(
            FigureRecorded(
                case_id=signal.case_id,
                metric="signal_received",
                dimensions={"source": signal.source.value},
            )
        )
        return signal

    def request_placement(self, reason: PlacementReason) -> None:
        """She is out of exploitation and needs shelter now: recovery is asked to admit her.
        A clinic walk-in who decides to leave is rescued by walking in."""
        if self.status is SignalStatus.PLACEMENT_REQUESTED:
            raise Conflict(f"signal {self.signal_id} already requested a placement")
        if self.status is SignalStatus.CLOSED:
            raise Conflict(f"signal {self.signal_id} is closed")
        if not self.needs_shelter:
            raise Conflict(f"signal {self.signal_id} does not say she needs shelter")
        previous, self.stage = self.stage, Stage.RESCUED
        self.status = SignalStatus.PLACEMENT_REQUESTED
        self.routing_reason = reason.value
        now = utcnow()
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.RESCUED,
                previous_stage=previous,
                reason=reason.value,
                occurred_at=now,
            )
        )
        self.record(
            events.PlacementRequested(
                case_id=self.case_id,
                case_number=self.case_number,
                source=self.source,
                urgency=self.urgency,
                apparent_minor=self.apparent_minor,
                children_with_her=self.children_with_her,
                language=self.language,
                occurred_at=now,
            )
        )

    def route_to_lead(self, lead: Lead, reason: LeadReason, *, linked: bool) -> None:
        """The signal points at an establishment: investigation follows it up through the
        lead. Her case stays where it is: ``reported`` until an investigator identifies
        her, or ``rescued`` for a walk-in who names the place where others are still held."""
        if self.lead_id is not None:
            raise Conflict(f"signal {self.signal_id} already points at lead {self.lead_id}")
        if self.status not in (SignalStatus.OPEN, SignalStatus.PLACEMENT_REQUESTED):
            raise Conflict(f"signal {self.signal_id} was routed already ({self.status.value})")
        self.lead_id = lead.lead_id
        if self.status is SignalStatus.OPEN:
            self.status = (
                SignalStatus.LINKED_TO_LEAD if linked else SignalStatus.ROUTED_TO_INVESTIGATION
            )
            self.routing_reason = reason.value

    def close_without_action(self, reason: ClosureReason) -> None:
        if self.status is not SignalStatus.OPEN:
            raise Conflict(f"signal {self.signal_id} was routed already ({self.status.value})")
        previous, self.stage = self.stage, Stage.CLOSED
        self.status = SignalStatus.CLOSED
        self.routing_reason = reason.value
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.CLOSED,
                previous_stage=previous,
                reason=reason.value,
            )
        )


@dataclass(kw_only=True)
class Establishment:
    """Where a lead points. Kind and area are codes that may travel; the name and address
    could lead a trafficker to an informant, so they are sealed like personal data."""

    kind: EstablishmentKind
    province: str | None  # ISO 3166-2:KH; None only where migration 004 set a name aside
    district: str | None
    name: str | None = personal(default=None)
    address: str | None = personal(default=None)


register_personal(Establishment)


def normalised(text: str | None) -> str:
    """Case, width, spacing and punctuation dropped ("Golden K.T.V" is "golden ktv"), so
    that two officers typing one place make one key."""
    if not text:
        return ""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


@dataclass(kw_only=True, eq=False)
class Lead(Aggregate):
    """A lead on an establishment, handed to investigation. Keyed by its own id: it is about
    a place, not yet a person. ``match_key`` (a keyed hash, see the repository) finds the
    open lead a later signal about the same place belongs to."""

    lead_id: uuid.UUID
    establishment: Establishment
    match_key: str
    urgency: Urgency
    persons_reported: int
    indicators: tuple[Indicator, ...]
    opened_at: datetime
    opened_by: str
    first_signal_id: uuid.UUID
    signals: int = 1
    status: LeadStatus = LeadStatus.OPEN

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @classmethod
    def open(cls, **kwargs: object) -> Lead:
        lead = cls(**kwargs)  # type: ignore[arg-type]
        lead.record(
            events.LeadReported(
                case_id=lead.lead_id,
                lead_id=lead.lead_id,
                establishment_kind=lead.establishment.kind,
                province=lead.establishment.province,
                district=lead.establishment.district,
                urgency=lead.urgency,
                persons_reported=lead.persons_reported,
                indicators=lead.indicators,
                occurred_at=lead.opened_at,
            )
        )
        return lead

    def link(self, persons_reported: int, indicators: tuple[Indicator, ...]) -> None:
        """A further signal about the same place: counted on the lead, not a second lead."""
        if self.status is not LeadStatus.OPEN:
            raise Conflict(f"lead {self.lead_id} is closed")
        self.signals += 1
        self.persons_reported = max(self.persons_reported, persons_reported)
        self.indicators = tuple(dict.fromkeys((*self.indicators, *indicators)))


# Outreach days are local calendar dates (the teams work at UTC+7) and the clock is UTC.
_CLOCK_SLACK = timedelta(days=1)
OUTREACH_MAX = 10_000

# What an outreach day counts, and the figure each count becomes.
OUTREACH_FIGURES = {
    "entertainment_areas_visited": "outreach_entertainment_areas_visited",
    "clinic_consultations": "outreach_clinic_consultations",
    "educational_contacts": "outreach_educational_contacts",
}


@dataclass(kw_only=True, eq=False)
class OutreachActivity(Aggregate):
    """A day (or session) of outreach in one area: entertainment areas visited, clinic
    consultations given, people reached by an educational session. Counts and the area in
    clear only: outreach meets people, but this record never says who. Its own id keys its
    figures (it concerns no one case)."""

    activity_id: uuid.UUID
    on: date
    province: str | None  # ISO 3166-2:KH; None only where migration 004 set a name aside
    district: str | None
    entertainment_areas_visited: int
    clinic_consultations: int
    educational_contacts: int
    recorded_at: datetime
    recorded_by: str

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def correlation_id(self) -> uuid.UUID:
        return self.activity_id

    @classmethod
    def record_day(cls, **kwargs: object) -> OutreachActivity:
        activity = cls(**kwargs)  # type: ignore[arg-type]
        if activity.on > (activity.recorded_at + _CLOCK_SLACK).date():
            raise DomainError("on: outreach is recorded after it happened")
        counts = {name: getattr(activity, name) for name in OUTREACH_FIGURES}
        for name, n in counts.items():
            if not 0 <= n <= OUTREACH_MAX:
                raise DomainError(f"{name}: between 0 and {OUTREACH_MAX}")
        if not any(counts.values()):
            raise DomainError(
                "an outreach record counts at least one visit, consultation or contact"
            )
        for name, n in counts.items():
            if n:
                activity.record(
                    FigureRecorded(
                        case_id=activity.activity_id,
                        metric=OUTREACH_FIGURES[name],
                        on=activity.on,
                        dimensions={"province": activity.province} if activity.province else {},
                        amount=Decimal(n),
                    )
                )
        return activity
