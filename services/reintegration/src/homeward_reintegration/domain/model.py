"""Reintegration's domain: the case handed on by recovery, her resettlement and the years of
follow-up. Framework-free.

Invariants:
- A scheduled visit is recorded once; a closed case takes no visit.
- One overdue alert per (case, visit), ever: the alert is a row of its own, keyed so.
- The stage only moves forward: ready_for_reintegration -> resettled -> closed.
- Her wishes decide: no resettlement without an assessment that records her wish, and the
  plan is the one she wishes. No reunification with a family found unsafe or involved in
  her trafficking.
- One start-up kit per plan unless a second one is explicitly approved; every disbursement
  names who approved it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from homeward_shared.contracts.handoffs import Skill
from homeward_shared.domain import (
    Aggregate,
    Conflict,
    DomainError,
    FigureRecorded,
    NotFound,
    StageEntered,
    add_months,
    utcnow,
)
from homeward_shared.personal import personal, register_personal
from homeward_shared.stages import Stage

from homeward_reintegration.domain import events
from homeward_reintegration.domain.partners import KitItem


class Plan(StrEnum):
    REUNIFICATION = "reunification"
    INDEPENDENT_RESETTLEMENT = "independent_resettlement"
    REPATRIATION = "repatriation"


class CaseStatus(StrEnum):
    PREPARING = "preparing"
    RESETTLED = "resettled"
    CLOSED = "closed"


class VisitorRole(StrEnum):
    """Who made a follow-up visit: a role, never a person's name."""

    SOCIAL_WORKER = "social_worker"
    MEDICAL_STAFF = "medical_staff"
    TRAINER = "trainer"
    LEGAL_EXPERT = "legal_expert"
    PSYCHOLOGIST = "psychologist"


class VisitOutcome(StrEnum):
    BUSINESS_RUNNING = "business_running"
    EMPLOYED = "employed"
    IN_SCHOOL = "in_school"
    HEALTH_CONCERNS = "health_concerns"
    SAFETY_CONCERNS = "safety_concerns"
    NOT_MET = "not_met"


class ClosureReason(StrEnum):
    FOLLOW_UP_COMPLETED = "follow_up_completed"
    MOVED_AWAY = "moved_away"
    LOST_CONTACT = "lost_contact"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    TRANSFERRED = "transferred"


class ReopenReason(StrEnum):
    CONTACT_RESTORED = "contact_restored"
    NEW_SAFETY_CONCERN = "new_safety_concern"
    RETURNED_TO_PROGRAMME = "returned_to_programme"
    CLOSED_IN_ERROR = "closed_in_error"


class ContactKind(StrEnum):
    TRACING_ATTEMPT = "tracing_attempt"
    FAMILY_VISIT = "family_visit"


class TracingResult(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNSAFE = "unsafe"


class Wish(StrEnum):
    """What she wants, in her words reduced to a code. Undecided is recorded too: it blocks
    a plan until she decides."""

    REUNIFICATION = "reunification"
    INDEPENDENT_RESETTLEMENT = "independent_resettlement"
    REPATRIATION = "repatriation"
    UNDECIDED = "undecided"


class Rating(StrEnum):
    GOOD = "good"
    LIMITED = "limited"
    POOR = "poor"


class BusinessKind(StrEnum):
    SALON = "salon"
    SEWING_SHOP = "sewing_shop"
    WEAVING = "weaving"
    GROCERY = "grocery"
    FOOD_STALL = "food_stall"
    LIVESTOCK = "livestock"
    OTHER = "other"


class SafetyRisk(StrEnum):
    FAMILY_INVOLVED_IN_TRAFFICKING = "family_involved_in_trafficking"
    TRAFFICKER_IN_COMMUNITY = "trafficker_in_community"
    DOMESTIC_VIOLENCE = "domestic_violence"
    DEBT_TO_BROKER = "debt_to_broker"
    STIGMA = "stigma"


# Risks that rule out going back to her family, whatever else the assessment says.
_NO_REUNIFICATION = {SafetyRisk.FAMILY_INVOLVED_IN_TRAFFICKING, SafetyRisk.DOMESTIC_VIOLENCE}


class SupportKind(StrEnum):
    STARTUP_KIT = "startup_kit"
    SMALL_GRANT = "small_grant"
    BICYCLE = "bicycle"
    FOOD_SUPPLIES = "food_supplies"
    HEALTH_SUPPLIES = "health_supplies"
    JOB_PLACEMENT = "job_placement"
    TUITION = "tuition"


class SupportForm(StrEnum):
    IN_KIND = "in_kind"
    CASH = "cash"


_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(kw_only=True)
class FamilyContact:
    """A tracing attempt (with its result) or a visit to the family found."""

    contact_id: uuid.UUID
    kind: ContactKind
    happened_on: date
    result: TracingResult | None
    recorded_by: str
    # Family names, village, how to reach them: sealed under her case key.
    details: str | None = personal(default=None)


@dataclass(kw_only=True)
class Assessment:
    assessment_id: uuid.UUID
    assessed_on: date
    her_wish: Wish
    market_opportunities: Rating
    family_conditions: Rating
    skills_fit: bool
    wants_business: bool
    safety_risks: tuple[SafetyRisk, ...]
    recorded_by: str
    # Where she wants a small business: which one, and how its local market looks.
    business_kind: BusinessKind | None = None
    business_market: Rating | None = None
    notes: str | None = personal(default=None)


@dataclass(kw_only=True)
class Disbursement:
    disbursement_id: uuid.UUID
    kind: SupportKind
    form: SupportForm | None
    items: tuple[KitItem, ...]
    value: Decimal
    currency: str
    disbursed_on: date
    approved_by: str | None  # None: set aside by migration 005 (not a user id)
    second_kit_approved_by: str | None
    recorded_by: str


register_personal(FamilyContact, Assessment)


@dataclass(frozen=True, kw_only=True)
class FollowUpPolicy:
    """A visit about every three months for at least three years (DOMAIN.md)."""

    interval_months: int = 3
    years: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.interval_months <= 12 or not 1 <= self.years <= 10:
            raise DomainError("follow-up interval must be 1-12 months and length 1-10 years")

    def due_dates(self, start: date) -> list[date]:
        count = (self.years * 12) // self.interval_months
        return [add_months(start, self.interval_months * i) for i in range(1, count + 1)]


@dataclass(kw_only=True)
class FollowUpVisit:
    visit_no: int
    due_on: date
    visited_on: date | None = None
    by_role: VisitorRole | None = None
    outcomes: tuple[VisitOutcome, ...] = ()
    recorded_by: str | None = None
    # Loaded only when someone opens it for a stated purpose; sealed under her case key.
    notes: str | None = personal(default=None)

    @property
    def done(self) -> bool:
        return self.visited_on is not None


register_personal(FollowUpVisit)


@dataclass(frozen=True, kw_only=True)
class OverdueCandidate:
    """A scheduled visit not yet recorded, as the sweep finds it."""

    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    visit_no: int
    due_on: date


@dataclass(frozen=True, kw_only=True)
class OpenAlert:
    """An alert whose visit is still not recorded: what the overdue list shows."""

    case_id: uuid.UUID
    case_number: str
    visit_no: int
    due_on: date
    raised_at: datetime


@dataclass(kw_only=True, eq=False)
class OverdueAlert(Aggregate):
    case_id: uuid.UUID
    visit_no: int
    due_on: date
    days_overdue: int
    raised_at: datetime

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @classmethod
    def raise_for(
        cls, visit: OverdueCandidate, today: date, grace_days: int, now: datetime
    ) -> OverdueAlert:
        days = (today - visit.due_on).days
        if days <= grace_days:
            raise DomainError(f"visit {visit.visit_no} of case {visit.case_id} is within grace")
        alert = cls(
            case_id=visit.case_id,
            visit_no=visit.visit_no,
            due_on=visit.due_on,
            days_overdue=days,
            raised_at=now,
        )
        alert.record(
            events.FollowUpVisitOverdue(
                case_id=visit.case_id,
                correlation_id=visit.correlation_id,
                case_number=visit.case_number,
                visit_no=visit.visit_no,
                due_on=visit.due_on,
                days_overdue=days,
                occurred_at=now,
            )
        )
        return alert


@dataclass(kw_only=True, eq=False)
class ReintegrationCase(Aggregate):
    case_id: uuid.UUID
    case_number: str
    correlation_id: uuid.UUID
    from_centre: str
    skills: tuple[Skill, ...]
    wishes_to_return_home: bool | None
    received_at: datetime
    status: CaseStatus = CaseStatus.PREPARING
    plan: Plan | None = None
    resettled_on: date | None = None
    stage: Stage = Stage.READY_FOR_REINTEGRATION
    visits: list[FollowUpVisit] = field(default_factory=list)
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None
    destination_country: str | None = None
    receiving_partner: str | None = None
    contacts: list[FamilyContact] = field(default_factory=list)
    assessment: Assessment | None = None  # the latest: a new one replaces it for planning
    disbursements: list[Disbursement] = field(default_factory=list)

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    def _open(self) -> None:
        if self.status is CaseStatus.CLOSED:
            raise Conflict(f"case {self.case_id} is closed")

    def record_contact(
        self,
        *,
        contact_id: uuid.UUID,
        kind: ContactKind,
        happened_on: date,
        result: TracingResult | None,
        details: str | None,
        recorded_by: str,
        today: date,
    ) -> FamilyContact:
        self._open()
        if happened_on > today:
            raise DomainError("a family contact is recorded after it happened")
        if kind is ContactKind.TRACING_ATTEMPT and result is None:
            raise DomainError("a tracing attempt records its result")
        if kind is ContactKind.FAMILY_VISIT:
            if result is not None:
                raise DomainError("a family visit has no tracing result")
            if self.tracing_result() is not TracingResult.FOUND:
                raise Conflict(f"case {self.case_id}: her family was not found safe to visit")
        contact = FamilyContact(
            contact_id=contact_id,
            kind=kind,
            happened_on=happened_on,
            result=result,
            details=details,
            recorded_by=recorded_by,
        )
        self.contacts.append(contact)
        self.record(
            events.FamilyContactRecorded(
                case_id=self.case_id,
                contact_id=contact_id,
                kind=kind.value,
                result=result.value if result else None,
            )
        )
        return contact

    def tracing_result(self) -> TracingResult | None:
        """The latest tracing result; an unsafe finding is never outweighed by a later one."""
        results = [c.result for c in self.contacts if c.kind is ContactKind.TRACING_ATTEMPT]
        if TracingResult.UNSAFE in results:
            return TracingResult.UNSAFE
        return results[-1] if results else None

    def assess(self, assessment: Assessment, *, today: date) -> None:
        self._open()
        if self.status is not CaseStatus.PREPARING:
            raise Conflict(f"case {self.case_id} is already {self.status.value}")
        if assessment.assessed_on > today:
            raise DomainError("an assessment is recorded after it was made")
        if assessment.wants_business and (
            assessment.business_kind is None or assessment.business_market is None
        ):
            raise DomainError("she wants a business: assess which one and its local market")
        self.assessment = assessment
        self.record(
            events.FamilyAssessed(
                case_id=self.case_id,
                assessment_id=assessment.assessment_id,
                her_wish=assessment.her_wish.value,
                safety_risks=tuple(r.value for r in assessment.safety_risks),
            )
        )

    def resettle(
        self,
        plan: Plan,
        on: date,
        policy: FollowUpPolicy,
        *,
        destination_country: str | None = None,
        receiving_partner: str | None = None,
    ) -> None:
        """Reunified, resettled independently or repatriated: follow-up begins."""
        self._open()
        if self.status is not CaseStatus.PREPARING:
            raise Conflict(f"case {self.case_id} is already {self.status.value}")
        a = self.assessment
        if a is None:
            raise Conflict(f"case {self.case_id}: no family assessment is recorded")
        if a.her_wish is Wish.UNDECIDED:
            raise Conflict(f"case {self.case_id}: her wish is not recorded (undecided)")
        if plan.value != a.her_wish.value:
            # Her own wishes decide (DOMAIN.md).
            raise Conflict(
                f"case {self.case_id}: plan {plan.value} contradicts her wish {a.her_wish.value}"
            )
        if plan is Plan.REUNIFICATION:
            if self.tracing_result() is not TracingResult.FOUND:
                raise Conflict(f"case {self.case_id}: her family was not found safe")
            risks = _NO_REUNIFICATION.intersection(a.safety_risks)
            if risks:
                raise Conflict(
                    f"case {self.case_id}: no reunification ({', '.join(sorted(risks))})"
                )
        if plan is Plan.REPATRIATION:
            if not destination_country or not _COUNTRY.match(destination_country):
                raise DomainError("repatriation names the destination country (ISO 3166 code)")
            if not receiving_partner:
                raise DomainError("repatriation names the receiving partner organisation")
        elif destination_country or receiving_partner:
            raise DomainError("destination and receiving partner are for repatriation only")
        if on < a.assessed_on:
            raise DomainError("resettlement comes after the assessment")
        self.destination_country = destination_country
        self.receiving_partner = receiving_partner
        self.status = CaseStatus.RESETTLED
        self.plan = plan
        self.resettled_on = on
        self.visits = [
            FollowUpVisit(visit_no=i, due_on=d) for i, d in enumerate(policy.due_dates(on), 1)
        ]
        previous, self.stage = self.stage, Stage.RESETTLED
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.RESETTLED,
                previous_stage=previous,
                reason=plan.value,
                occurred_at=utcnow(),
            )
        )
        self.record(
            FigureRecorded(
                case_id=self.case_id, metric="reintegrated", on=on, dimensions={"plan": plan.value}
            )
        )

    def visit(self, visit_no: int) -> FollowUpVisit:
        for v in self.visits:
            if v.visit_no == visit_no:
                return v
        raise NotFound(f"case {self.case_id} has no scheduled visit {visit_no}")

    def record_visit(
        self,
        visit_no: int,
        *,
        visited_on: date,
        by_role: VisitorRole,
        outcomes: tuple[VisitOutcome, ...],
        notes: str | None,
        recorded_by: str,
        today: date,
    ) -> FollowUpVisit:
        if self.status is CaseStatus.CLOSED:
            raise Conflict(f"case {self.case_id} is closed: no visit can be recorded")
        if self.status is not CaseStatus.RESETTLED or self.resettled_on is None:
            raise Conflict(f"case {self.case_id} is not resettled: no follow-up yet")
        visit = self.visit(visit_no)
        if visit.done:
            raise Conflict(f"visit {visit_no} of case {self.case_id} is already recorded")
        if not self.resettled_on <= visited_on <= today:
            raise DomainError("a visit happens between her resettlement and today")
        if not outcomes:
            raise DomainError("a visit records at least one outcome")
        visit.visited_on = visited_on
        visit.by_role = by_role
        visit.outcomes = tuple(dict.fromkeys(outcomes))
        visit.recorded_by = recorded_by
        visit.notes = notes
        self.record(
            events.FollowUpVisitRecorded(
                case_id=self.case_id,
                visit_no=visit_no,
                visited_on=visited_on,
                by_role=by_role.value,
                outcomes=tuple(o.value for o in visit.outcomes),
            )
        )
        self.record(
            FigureRecorded(
                case_id=self.case_id,
                metric="follow_up_visit",
                on=visited_on,
                dimensions={"by_role": by_role.value},
            )
        )
        return visit

    def close(self, reason: ClosureReason, on: date) -> None:
        """Closed after the follow-up, or early with a reason. Closing after follow-up needs
        the last scheduled visit recorded: a case is not closed on a missed visit."""
        if self.status is CaseStatus.CLOSED:
            raise Conflict(f"case {self.case_id} is already closed")
        if reason is ClosureReason.FOLLOW_UP_COMPLETED:
            if self.status is not CaseStatus.RESETTLED or not self.visits:
                raise Conflict(f"case {self.case_id} has no follow-up to complete")
            if not self.visits[-1].done:
                raise Conflict(
                    f"case {self.case_id}: the last follow-up visit "
                    f"({self.visits[-1].visit_no}) is not recorded"
                )
        if self.resettled_on is not None and on < self.resettled_on:
            raise DomainError("a case is not closed before her resettlement")
        self.status = CaseStatus.CLOSED
        self.closed_on = on
        self.closure_reason = reason
        previous, self.stage = self.stage, Stage.CLOSED
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=Stage.CLOSED,
                previous_stage=previous,
                reason=reason.value,
                occurred_at=utcnow(),
            )
        )
        self.record(
            FigureRecorded(
                case_id=self.case_id,
                metric="case_closed",
                on=on,
                dimensions={"reason": reason.value},
            )
        )

    def disburse(self, d: Disbursement) -> None:
        """Support given to her: recorded once, with who approved it."""
        self._open()
        if self.status is not CaseStatus.RESETTLED:
            raise Conflict(f"case {self.case_id}: support follows a plan; none is in place")
        if not d.approved_by:
            raise DomainError("a disbursement names who approved it")
        if not _CURRENCY.match(d.currency):
            raise DomainError("currency is an ISO 4217 code")
        if d.value < 0:
            raise DomainError("a value is not negative")
        if d.kind is SupportKind.STARTUP_KIT:
            if d.form is None:
                raise DomainError("a start-up kit is in kind or in cash")
            if d.form is SupportForm.IN_KIND and not d.items:
                raise DomainError("a kit in kind lists its items")
            kits = [x for x in self.disbursements if x.kind is SupportKind.STARTUP_KIT]
            if kits and not d.second_kit_approved_by:
                raise Conflict(
                    f"case {self.case_id} has a start-up kit for this plan already;"
                    " a second one needs an explicit approval"
                )
        elif d.second_kit_approved_by:
            raise DomainError("a second-kit approval is for start-up kits only")
        self.disbursements.append(d)
        self.record(
            events.SupportDisbursed(
                case_id=self.case_id,
                disbursement_id=d.disbursement_id,
                kind=d.kind.value,
                value=str(d.value),
                currency=d.currency,
                approved_by=d.approved_by,
            )
        )
        dims = {"kind": d.kind.value, "currency": d.currency}
        if d.form is not None:
            dims["form"] = d.form.value
        self.record(
            FigureRecorded(
                case_id=self.case_id,
                metric="support_disbursed",
                on=d.disbursed_on,
                dimensions=dims,
                amount=d.value,
            )
        )

    def reopen(self, reason: ReopenReason, on: date) -> None:
        """A closed case taken up again: back to follow-up if she was resettled, else to
        preparation. Visits still unrecorded can be recorded (and alerted on) again."""
        if self.status is not CaseStatus.CLOSED:
            raise Conflict(f"case {self.case_id} is not closed")
        if self.closed_on is not None and on < self.closed_on:
            raise DomainError("a case is reopened after it was closed")
        resettled = self.resettled_on is not None
        self.status = CaseStatus.RESETTLED if resettled else CaseStatus.PREPARING
        self.closed_on = None
        self.closure_reason = None
        previous = self.stage
        self.stage = Stage.RESETTLED if resettled else Stage.READY_FOR_REINTEGRATION
        # The feed says what happened; consumers that never move a case backwards by rank
        # keep it closed until they choose to read the reason.
        self.record(
            StageEntered(
                case_id=self.case_id,
                stage=self.stage,
                previous_stage=previous,
                reason=f"reopened_{reason.value}",
                occurred_at=utcnow(),
            )
        )
        self.record(
            FigureRecorded(
                case_id=self.case_id,
                metric="case_reopened",
                on=on,
                dimensions={"reason": reason.value},
            )
        )
