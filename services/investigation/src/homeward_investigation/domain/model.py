"""Investigation's domain: investigative reports, the persons they identify, and the legal
referral that hands a report to legal workers.

Framework-free. Personal fields are marked where they are declared; the repository seals
them before they reach the database: hers under her case's key, the establishment's under a
key of its own (see adapters/repository.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, Urgency
from homeward_shared.domain import Aggregate, Conflict, DomainError, StageEntered
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
    province: str
    district: str
    particulars: EstablishmentParticulars = field(default_factory=EstablishmentParticulars)


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


@dataclass(kw_only=True, eq=False)
class LegalReferral(Aggregate):
    """A report handed to legal workers. Its own aggregate: the legal track (police engaged,
    operation, charges, trial) grows here while the report stays what was seen."""

    referral_id: uuid.UUID
    report_id: uuid.UUID
    establishment_id: uuid.UUID
    urgency: Urgency
    case_ids: tuple[uuid.UUID, ...]
    referred_at: datetime
    referred_by: str
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    def __post_init__(self) -> None:
        Aggregate.__init__(self)

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def acknowledge(self, by: str, at: datetime) -> bool:
        """A legal worker took the referral on. The first acknowledgement is the one that
        counts; a later one changes nothing. Returns whether this call acknowledged."""
        if self.acknowledged:
            return False
        self.acknowledged_at, self.acknowledged_by = at, by
        return True


@dataclass(frozen=True, kw_only=True)
class ReferralSummary:
    """A line of the legal workers' inbox (read side): codes and ids only."""

    referral: LegalReferral
    establishment_kind: EstablishmentKind
    province: str
    district: str
    case_numbers: tuple[str, ...]
    indicators: frozenset[Indicator]


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
    ) -> InvestigativeReport:
        """Each person it identifies enters stage ``identified`` on her own case."""
        if not persons:
            raise DomainError("an investigative report identifies at least one person")
        if not visit_dates:
            raise DomainError("an investigative report records at least one visit")
        if max(visit_dates) > (filed_at + _CLOCK_SLACK).date():
            raise DomainError("a visit date is later than the report")
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
        """Hand the report to legal workers: one referral for the whole report (one legal
        case concerns the establishment), and a referral event on each person's case."""
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
                    case_id=p.case_id,
                    referral_id=referral_id,
                    report_id=self.report_id,
                    establishment_id=self.establishment.establishment_id,
                    case_number=p.case_number,
                    case_ids=case_ids,
                    urgency=self.urgency,
                    indicators=tuple(sorted(i.value for i in p.indicators)),
                    occurred_at=at,
                )
            )
        return referral
