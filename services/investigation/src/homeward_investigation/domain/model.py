"""Investigation's domain: investigative reports, the persons they identify, the legal
referral that hands a report to legal workers, the investigations (from intake's leads or
the team's own) with their undercover visits, the legal track of that referral (one legal
case per establishment), and the rescue operations with their outcome per person.

Framework-free. Personal fields are marked where they are declared; the repository seals
them before they reach the database: hers under her case's key, the establishment's under a
key of its own (see adapters/repository.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from homeward_shared.contracts.handoffs import (
    EstablishmentKind,
    Indicator,
    LegalAssistanceKind,
    Urgency,
)
from homeward_shared.domain import (
    Aggregate,
    Conflict,
    DomainError,
    FigureRecorded,
    NotFound,
    StageEntered,
)
from homeward_shared.personal import personal, register_personal
from homeward_shared.stages import Stage

from homeward_investigation.domain import events

# Visit dates are local calendar dates (the team works at UTC+7) and the clock is UTC, so a
# visit "today" can look like tomorrow for a few hours.
_CLOCK_SLACK = timedelta(days=1)


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


@dataclass(kw_only=True)
class EstablishmentParticulars:
    """Where it is exactly and who runs it. Personal: traffickers look for the women who
    got away, and an address or an operator's name tells them who informed."""

    address: str | None = personal(default=None)
    operator_names: str | None = personal(default=None)


@dataclass(kw_only=True, eq=False)
class Establishment:
    establishment_id: uuid.UUID
    kind: EstablishmentKind
    province: str | None  # ISO 3166-2:KH; None only where migration 006 set a name aside
    district: str | None
    particulars: EstablishmentParticulars = field(default_factory=EstablishmentParticulars)


_URGENCY_RANK = {Urgency.IMMEDIATE: 0, Urgency.HIGH: 1, Urgency.ROUTINE: 2}


class InvestigationOrigin(StrEnum):
    LEAD = "lead"
    TEAM = "team"
    SPLIT = "split"


class CloseReason(StrEnum):
    """Why the team stopped investigating a place. The legal track of its referrals goes on
    (prosecution outlasts the investigation)."""

    OPERATION_COMPLETED = "operation_completed"
    NO_VICTIMS_IDENTIFIED = "no_victims_identified"
    ESTABLISHMENT_CLOSED = "establishment_closed"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    HANDED_TO_PARTNER = "handed_to_partner"
    DUPLICATE = "duplicate"
    OTHER = "other"


class SplitReason(StrEnum):
    """Why a lead was linked to the wrong investigation: the area match (kind, province,
    district) cannot tell two places of one kind in one district apart."""

    DIFFERENT_ESTABLISHMENT = "different_establishment"
    WRONG_AREA = "wrong_area"
    OTHER = "other"


@dataclass(frozen=True, kw_only=True)
class LinkedLead:
    """A lead from intake on the investigation's establishment: codes and counts only (the
    exact address stays sealed in intake)."""

    lead_id: uuid.UUID
    urgency: Urgency
    persons_reported: int
    indicators: frozenset[Indicator]
    received_at: datetime


@dataclass(kw_only=True, eq=False)
class UndercoverVisit:
    visit_id: uuid.UUID
    idempotency_key: str
    visited_on: date
    investigators: tuple[str, ...]
    recorded_at: datetime
    recorded_by: str
    observations: str | None = personal(default=None)


register_personal(UndercoverVisit)


@dataclass(kw_only=True, eq=False)
class Investigation(Aggregate):
    """The team's work on one establishment, before and while reports are filed. Invariant:
    an establishment has at most one open investigation; a later lead on it is linked to
    that one, never a second investigation."""

    investigation_id: uuid.UUID
    establishment: Establishment
    origin: InvestigationOrigin
    urgency: Urgency
    opened_at: datetime
    opened_by: str
    leads: list[LinkedLead] = field(default_factory=list)
    visits: list[UndercoverVisit] = field(default_factory=list)
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_reason: CloseReason | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def require_open(self, to: str) -> None:
        """A closed investigation takes no new visit or report: the reason says why."""
        if self.closed_at is not None:
            raise Conflict(
                f"investigation {self.investigation_id} was closed"
                f" ({self.close_reason}): cannot {to}"
            )

    @property
    def correlation_id(self) -> uuid.UUID:
        """An investigation is a line of work of its own, before any person's case."""
        return self.investigation_id

    @classmethod
    def open(cls, **kwargs: object) -> Investigation:
        """A new investigation, counted for the impact report (keyed by its own id)."""
        investigation = cls(**kwargs)  # type: ignore[arg-type]
        investigation.record(
            FigureRecorded(
                case_id=investigation.investigation_id,
                metric="investigation_opened",
                dimensions={"origin": investigation.origin.value},
                occurred_at=investigation.opened_at,
            )
        )
        return investigation

    def link(self, lead: LinkedLead) -> bool:
        """Link a lead; the investigation becomes as urgent as its most urgent lead. The same
        lead twice is linked once (returns False)."""
        if any(x.lead_id == lead.lead_id for x in self.leads):
            return False
        self.leads.append(lead)
        if _URGENCY_RANK[lead.urgency] < _URGENCY_RANK[self.urgency]:
            self.urgency = lead.urgency
        return True

    def lead(self, lead_id: uuid.UUID) -> LinkedLead | None:
        return next((x for x in self.leads if x.lead_id == lead_id), None)

    def split_off(self, lead_id: uuid.UUID, *, into: Investigation | None) -> LinkedLead:
        """Take a wrongly linked lead off this investigation, to join ``into`` (an open one)
        or, with ``into`` None, to open one of its own. Invariants: the lead is this one's;
        it joins an open investigation other than this; the only lead is not split into a
        new investigation (that would be this one again). Urgency stays as it is: the team
        set it, and a lead leaving does not make the place safer."""
        lead = self.lead(lead_id)
        if lead is None:
            raise NotFound(f"investigation {self.investigation_id} has no lead {lead_id}")
        if into is not None:
            if into.investigation_id == self.investigation_id:
                raise DomainError("into_investigation_id: the lead is linked to it already")
            into.require_open("take a lead")
        elif len(self.leads) == 1:
            raise Conflict(
                f"lead {lead_id} is the only lead of investigation {self.investigation_id}:"
                " nothing to split it from"
            )
        self.leads.remove(lead)
        return lead

    def close(
        self,
        reason: CloseReason,
        *,
        by: str,
        at: datetime,
        referrals_in_operation: tuple[uuid.UUID, ...] = (),
    ) -> None:
        """Close it, with a reason. Refused while one of its referrals has an operation in
        progress (police engaged and no operation yet, or an operation whose outcomes are
        not all in): the team is still needed there. Closing twice is refused too."""
        if self.closed_at is not None:
            raise Conflict(
                f"investigation {self.investigation_id} was closed already ({self.close_reason})"
            )
        if referrals_in_operation:
            ids = ", ".join(str(r) for r in referrals_in_operation)
            raise Conflict(
                f"investigation {self.investigation_id} has an operation in progress"
                f" (referral {ids})"
            )
        self.closed_at, self.closed_by, self.close_reason = at, by, reason

    def record_visit(self, visit: UndercoverVisit) -> None:
        self.require_open("record a visit")
        if visit.visited_on > (visit.recorded_at + _CLOCK_SLACK).date():
            raise DomainError("visited_on: a visit cannot be in the future")
        if not visit.investigators:
            raise DomainError("investigators: a visit names at least one investigator")
        self.visits.append(visit)

    def visit(self, visit_id: uuid.UUID) -> UndercoverVisit | None:
        return next((v for v in self.visits if v.visit_id == visit_id), None)


@dataclass(frozen=True, kw_only=True)
class EvidenceRef:
    """A pointer into the evidence store; the evidence itself never enters this service."""

    content_hash: str
    location: str


@dataclass(kw_only=True)
class PersonIdentity:
    """What the report says about who she is, usually nothing. Sealed under her case key."""

    name: str | None = personal(default=None)
    description: str | None = personal(default=None)


register_personal(EstablishmentParticulars, PersonIdentity)


@dataclass(kw_only=True, eq=False)
class IdentifiedPerson:
    """One probable victim seen on a visit. She has her own case from the moment she is
    identified; everything downstream is keyed by ``case_id``."""

    case_id: uuid.UUID
    case_number: str
    approximate_age: int | None
    sex: Sex
    nationality: str | None
    language: str | None
    indicators: frozenset[Indicator]
    stage: Stage = Stage.IDENTIFIED
    identity: PersonIdentity = field(default_factory=PersonIdentity)

    @property
    def apparent_minor(self) -> bool:
        """Seen as a minor, or of an age under 18: a centre for the youngest must know."""
        return Indicator.APPARENT_MINOR in self.indicators or (
            self.approximate_age is not None and self.approximate_age < 18
        )


class Milestone(StrEnum):
    """The legal track of one legal case, in the only order it can happen."""

    POLICE_ENGAGED = "police_engaged"
    OPERATION_CARRIED_OUT = "operation_carried_out"
    CHARGES_FILED = "charges_filed"
    TRIAL_OPENED = "trial_opened"
    VERDICT = "verdict"


MILESTONE_ORDER: tuple[Milestone, ...] = tuple(Milestone)


class Verdict(StrEnum):
    CONVICTED = "convicted"
    ACQUITTED = "acquitted"
    DISMISSED = "dismissed"


@dataclass(frozen=True, kw_only=True)
class AccusedVerdict:
    """The verdict on one accused, by position in the charges: their names are personal
    data and are not kept on the legal track."""

    verdict: Verdict
    sentence_months: int | None = None

    def __post_init__(self) -> None:
        if self.sentence_months is not None and self.verdict is not Verdict.CONVICTED:
            raise DomainError("verdicts: only a conviction carries a sentence")


@dataclass(frozen=True, kw_only=True)
class LegalMilestone:
    milestone: Milestone
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    accused_count: int | None = None
    verdicts: tuple[AccusedVerdict, ...] = ()

    def same_facts(self, other: LegalMilestone) -> bool:
        """Who recorded it and when are not facts of the case: a retry by someone else is
        the same milestone."""
        return (self.occurred_on, self.accused_count, self.verdicts) == (
            other.occurred_on,
            other.accused_count,
            other.verdicts,
        )


class RescueOutcome(StrEnum):
    RESCUED = "rescued"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, kw_only=True)
class PersonOutcome:
    """What an operation found of one identified person, and what recovery needs to know to
    place her (codes and counts, nothing that says who she is)."""

    case_id: uuid.UUID
    outcome: RescueOutcome
    recorded_at: datetime
    recorded_by: str
    children_with_her: int = 0
    medical_urgency: bool = False

    def same_facts(self, other: PersonOutcome) -> bool:
        return (self.outcome, self.children_with_her, self.medical_urgency) == (
            other.outcome,
            other.children_with_her,
            other.medical_urgency,
        )


@dataclass(kw_only=True, eq=False)
class RescueOperation(Aggregate):
    """An operation on the establishment of a referral, with an outcome per person it was
    meant to find. Outcomes can arrive over hours (a person found later that day), so they
    are recorded one by one; each once."""

    operation_id: uuid.UUID
    referral_id: uuid.UUID
    report_id: uuid.UUID
    establishment_id: uuid.UUID
    carried_out_on: date
    recorded_at: datetime
    recorded_by: str
    outcomes: dict[uuid.UUID, PersonOutcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @classmethod
    def carry_out(
        cls,
        *,
        operation_id: uuid.UUID,
        referral: LegalReferral,
        carried_out_on: date,
        recorded_at: datetime,
        recorded_by: str,
    ) -> RescueOperation:
        if carried_out_on > (recorded_at + _CLOCK_SLACK).date():
            raise DomainError("carried_out_on: an operation cannot be recorded before it happens")
        operation = cls(
            operation_id=operation_id,
            referral_id=referral.referral_id,
            report_id=referral.report_id,
            establishment_id=referral.establishment_id,
            carried_out_on=carried_out_on,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
        )
        # ``record`` here records a person's outcome; the aggregate's own is Aggregate.record.
        Aggregate.record(
            operation,
            FigureRecorded(
                case_id=operation_id,
                metric="rescue_operation",
                on=carried_out_on,
                correlation_id=referral.report_id,
                occurred_at=recorded_at,
            ),
        )
        return operation

    def record(self, outcome: PersonOutcome) -> bool:
        """Invariant: one outcome per person per operation. The same outcome submitted again
        is a no-op (False); a different one is refused."""
        prior = self.outcomes.get(outcome.case_id)
        if prior is not None:
            if prior.same_facts(outcome):
                return False
            raise Conflict(
                f"case {outcome.case_id} has outcome {prior.outcome} in operation"
                f" {self.operation_id} already"
            )
        self.outcomes[outcome.case_id] = outcome
        return True


@dataclass(kw_only=True, eq=False)
class LegalWork:
    """What a legal worker does with an item of her inbox (a referral, a request for legal
    assistance): take it on (acknowledge), hand it to a colleague (assign)."""

    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    assigned_to: str | None = None
    assigned_at: datetime | None = None
    assigned_by: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def acknowledge(self, by: str, at: datetime) -> bool:
        """A legal worker took it on. The first acknowledgement is the one that counts; a
        later one changes nothing. Returns whether this call acknowledged."""
        if self.acknowledged:
            return False
        self.acknowledged_at, self.acknowledged_by = at, by
        return True

    def assign(self, assignee: str, *, by: str, at: datetime) -> bool:
        """Hand it to a colleague (a user id). Assigning takes it on, so an unacknowledged
        item is acknowledged by whoever assigns it. Returns whether anything changed:
        assigning it to the one who has it already is a no-op."""
        if self.assigned_to == assignee:
            return False
        self.acknowledge(by, at)
        self.assigned_to, self.assigned_at, self.assigned_by = assignee, at, by
        return True


@dataclass(kw_only=True, eq=False)
class LegalReferral(LegalWork, Aggregate):
    """A report handed to legal workers. Its own aggregate: the legal track (police engaged,
    operation, charges, trial) grows here while the report stays what was seen."""

    referral_id: uuid.UUID
    report_id: uuid.UUID
    establishment_id: uuid.UUID
    urgency: Urgency
    case_ids: tuple[uuid.UUID, ...]
    referred_at: datetime
    referred_by: str
    milestones: dict[Milestone, LegalMilestone] = field(default_factory=dict)

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def correlation_id(self) -> uuid.UUID:
        """A referral belongs to its report's pathway."""
        return self.report_id

    def operation_in_progress(
        self, operations: list[RescueOperation], report: InvestigativeReport
    ) -> bool:
        """An operation is being prepared (police engaged, none carried out yet), or the
        latest one still waits for the outcome of someone who is not rescued. Earlier
        operations are history: a later attempt is what looks for her now."""
        if not operations:
            return Milestone.POLICE_ENGAGED in self.milestones
        latest = max(operations, key=lambda o: (o.carried_out_on, o.recorded_at))
        return any(
            p.stage is not Stage.RESCUED and p.case_id not in latest.outcomes
            for p in report.persons
        )

    def record_milestone(self, milestone: LegalMilestone, *, today: date) -> bool:
        """Record a step of the legal track. Invariants: the steps come in ``MILESTONE_ORDER``
        (each needs the one before it), their dates never go backwards, each is recorded
        once and never changed. The same step submitted again with the same facts is a
        no-op (returns False); with other facts it is refused."""
        m = milestone.milestone
        prior = self.milestones.get(m)
        if prior is not None:
            if prior.same_facts(milestone):
                return False
            raise Conflict(f"{m} was recorded already for referral {self.referral_id}")
        position = MILESTONE_ORDER.index(m)
        if position > 0:
            before = self.milestones.get(MILESTONE_ORDER[position - 1])
            if before is None:
                raise Conflict(f"{m} needs {MILESTONE_ORDER[position - 1]} first")
            if milestone.occurred_on < before.occurred_on:
                raise DomainError(f"occurred_on: {m} cannot be earlier than {before.milestone}")
        if milestone.occurred_on > today + _CLOCK_SLACK:
            raise DomainError(f"occurred_on: {m} cannot be in the future")
        if m is Milestone.CHARGES_FILED and not milestone.accused_count:
            raise DomainError("accused_count: charges are filed against at least one accused")
        if m is Milestone.VERDICT:
            accused = self.milestones[Milestone.CHARGES_FILED].accused_count
            if len(milestone.verdicts) != accused:
                raise DomainError(f"verdicts: one verdict per accused ({accused})")
        if m is not Milestone.CHARGES_FILED and milestone.accused_count is not None:
            raise DomainError(f"accused_count: only charges_filed counts the accused, not {m}")
        if m is not Milestone.VERDICT and milestone.verdicts:
            raise DomainError(f"verdicts: only a verdict has verdicts, not {m}")
        self.milestones[m] = milestone
        verdicts = [v.verdict for v in milestone.verdicts]
        self.record(
            events.LegalMilestoneRecorded(
                case_id=self.referral_id,
                referral_id=self.referral_id,
                milestone=m.value,
                occurred_on=milestone.occurred_on,
                persons_concerned=len(self.case_ids),
                accused_count=milestone.accused_count,
                convicted=verdicts.count(Verdict.CONVICTED),
                acquitted=verdicts.count(Verdict.ACQUITTED),
                dismissed=verdicts.count(Verdict.DISMISSED),
                occurred_at=milestone.recorded_at,
            )
        )
        return True

    def operation_carried_out(self, on: date, *, by: str, at: datetime, today: date) -> bool:
        """The first rescue operation on the referral is the legal track's operation step;
        later attempts (for the persons not found) do not move it."""
        if Milestone.OPERATION_CARRIED_OUT in self.milestones:
            return False
        return self.record_milestone(
            LegalMilestone(
                milestone=Milestone.OPERATION_CARRIED_OUT,
                occurred_on=on,
                recorded_at=at,
                recorded_by=by,
            ),
            today=today,
        )


@dataclass(frozen=True, kw_only=True)
class ReferralSummary:
    """A line of the legal workers' inbox (read side): codes and ids only."""

    referral: LegalReferral
    establishment_kind: EstablishmentKind
    province: str | None
    district: str | None
    case_numbers: tuple[str, ...]
    indicators: frozenset[Indicator]


@dataclass(kw_only=True, eq=False)
class LegalAssistanceRequest(LegalWork, Aggregate):
    """A resident of a recovery centre needs legal assistance (to testify, for compensation,
    for identity documents, for immigration): her centre's staff asked, and it waits in the
    legal workers' inbox beside the referrals. Codes only; what staff wrote stays sealed in
    recovery."""

    request_id: uuid.UUID
    case_id: uuid.UUID
    kind: LegalAssistanceKind
    urgency: Urgency
    centre: str
    requested_at: datetime
    received_at: datetime

    def __post_init__(self) -> None:
        Aggregate.__init__(self)


def inbox_order(item: ReferralSummary | LegalAssistanceRequest) -> tuple[int, float]:
    """The legal workers' inbox: most urgent first, then newest."""
    if isinstance(item, ReferralSummary):
        urgency, at = item.referral.urgency, item.referral.referred_at
    else:
        urgency, at = item.urgency, item.received_at
    return _URGENCY_RANK[urgency], -at.timestamp()


@dataclass(kw_only=True, eq=False)
class InvestigativeReport(Aggregate):
    """What investigators found at one establishment. The report's row is the aggregate's
    lock: every change to its persons goes through it."""

    report_id: uuid.UUID
    establishment: Establishment
    visit_dates: tuple[date, ...]
    urgency: Urgency
    evidence: tuple[EvidenceRef, ...]
    persons: list[IdentifiedPerson]
    filed_at: datetime
    filed_by: str
    referral_id: uuid.UUID | None = None
    investigation_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def correlation_id(self) -> uuid.UUID:
        """The pathway this report starts: every later event of its persons' cases carries it."""
        return self.report_id

    def person(self, case_id: uuid.UUID) -> IdentifiedPerson | None:
        return next((p for p in self.persons if p.case_id == case_id), None)

    @classmethod
    def file(
        cls,
        *,
        report_id: uuid.UUID,
        establishment: Establishment,
        visit_dates: tuple[date, ...],
        urgency: Urgency,
        evidence: tuple[EvidenceRef, ...],
        persons: list[IdentifiedPerson],
        filed_at: datetime,
        filed_by: str,
        investigation_id: uuid.UUID | None = None,
    ) -> InvestigativeReport:
        """Each person it identifies enters stage ``identified`` on her own case."""
        if not persons:
            raise DomainError("persons: an investigative report identifies at least one person")
        if not visit_dates:
            raise DomainError("visit_dates: an investigative report records at least one visit")
        if max(visit_dates) > (filed_at + _CLOCK_SLACK).date():
            raise DomainError("visit_dates: a visit date is later than the report")
        if len({p.case_id for p in persons}) != len(persons):
            raise DomainError("each identified person needs a case of her own")
        report = cls(
            report_id=report_id,
            establishment=establishment,
            visit_dates=tuple(sorted(set(visit_dates))),
            urgency=urgency,
            evidence=evidence,
            persons=persons,
            filed_at=filed_at,
            filed_by=filed_by,
            investigation_id=investigation_id,
        )
        report.record(
            FigureRecorded(
                case_id=report_id,
                metric="report_filed",
                dimensions={"establishment_kind": establishment.kind.value},
                occurred_at=filed_at,
            )
        )
        for p in persons:
            p.stage = Stage.IDENTIFIED
            report.record(
                StageEntered(
                    case_id=p.case_id,
                    stage=Stage.IDENTIFIED,
                    previous_stage=None,
                    occurred_at=filed_at,
                )
            )
        return report

    def refer_to_legal(
        self, *, referral_id: uuid.UUID, referred_by: str, at: datetime
    ) -> LegalReferral:
        """Hand the report to legal workers: one referral, and one referral event, for the
        whole report (one legal case concerns the establishment); each person's case enters
        ``referred_to_legal``."""
        if self.referral_id is not None:
            raise Conflict(f"report {self.report_id} was referred already ({self.referral_id})")
        case_ids = tuple(p.case_id for p in self.persons)
        referral = LegalReferral(
            referral_id=referral_id,
            report_id=self.report_id,
            establishment_id=self.establishment.establishment_id,
            urgency=self.urgency,
            case_ids=case_ids,
            referred_at=at,
            referred_by=referred_by,
        )
        self.referral_id = referral_id
        self.record(
            FigureRecorded(case_id=referral_id, metric="legal_referral_issued", occurred_at=at)
        )
        for p in self.persons:
            # A case that moved on (rescued in an earlier attempt, say) is never moved back.
            if p.stage.rank < Stage.REFERRED_TO_LEGAL.rank:
                previous, p.stage = p.stage, Stage.REFERRED_TO_LEGAL
                self.record(
                    StageEntered(
                        case_id=p.case_id,
                        stage=Stage.REFERRED_TO_LEGAL,
                        previous_stage=previous,
                        occurred_at=at,
                    )
                )
        self.record(
            events.LegalReferralIssued(
                case_id=self.report_id,
                referral_id=referral_id,
                report_id=self.report_id,
                establishment_id=self.establishment.establishment_id,
                case_ids=case_ids,
                urgency=self.urgency,
                indicators=tuple(sorted(frozenset().union(*(p.indicators for p in self.persons)))),
                occurred_at=at,
            )
        )
        return referral

    def record_rescue_outcome(self, outcome: PersonOutcome, *, operation_id: uuid.UUID) -> None:
        """Her case moves on from an operation's outcome. Invariants: she is rescued once;
        not found leaves her case open, and a later operation can still rescue her. Rescued
        hands her to recovery (``PersonRescued``) with what a centre needs to place her."""
        person = self.person(outcome.case_id)
        if person is None:
            raise DomainError(
                f"case_id: report {self.report_id} identifies no case {outcome.case_id}"
            )
        if person.stage is Stage.RESCUED:
            raise Conflict(f"case {person.case_id} was rescued already")
        if person.stage.rank < Stage.REFERRED_TO_LEGAL.rank:
            raise Conflict(f"case {person.case_id} was not referred to legal workers")
        new_stage = Stage.RESCUED if outcome.outcome is RescueOutcome.RESCUED else Stage.NOT_FOUND
        if person.stage is not new_stage:
            previous, person.stage = person.stage, new_stage
            self.record(
                StageEntered(
                    case_id=person.case_id,
                    stage=new_stage,
                    previous_stage=previous,
                    reason="rescue_operation",
                    occurred_at=outcome.recorded_at,
                )
            )
        if new_stage is Stage.RESCUED:
            self.record(
                events.PersonRescued(
                    case_id=person.case_id,
                    case_number=person.case_number,
                    operation_id=operation_id,
                    urgency=Urgency.IMMEDIATE if outcome.medical_urgency else self.urgency,
                    apparent_minor=person.apparent_minor,
                    children_with_her=outcome.children_with_her,
                    language=person.language,
                    occurred_at=outcome.recorded_at,
                )
            )
