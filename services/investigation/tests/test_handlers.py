"""Unit tier: investigation's handlers against an in-memory unit of work."""

import dataclasses
import uuid
from datetime import date, timedelta

import pytest
from homeward_investigation.adapters.messages import translate
from homeward_investigation.domain.commands import (
    AcknowledgeReferral,
    EstablishmentSeen,
    FileReport,
    IssueLegalReferral,
    PersonSeen,
)
from homeward_investigation.domain.model import (
    EvidenceRef,
    IdentifiedPerson,
    InvestigativeReport,
    LegalReferral,
    PersonIdentity,
    ReferralSummary,
    Sex,
)
from homeward_investigation.service import handlers
from homeward_shared.contracts import Topics
from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, Urgency
from homeward_shared.domain import DomainError, NotFound
from homeward_shared.personal import ReadPurpose
from homeward_shared.testing.fakes import FakeUnitOfWork
from homeward_shared.uow import Actor

TOPICS = Topics()
CANARY = "Canary-Srey"


class FakeReports:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, InvestigativeReport] = {}
        self.keys: dict[str, uuid.UUID] = {}
        self.identities: dict[uuid.UUID, PersonIdentity] = {}
        self.n = 0

    async def next_case_number(self, year: int) -> str:
        self.n += 1
        return f"IV-{year}-{self.n:06d}"

    async def add(self, report: InvestigativeReport, idempotency_key: str) -> bool:
        if idempotency_key in self.keys:
            return False
        self.keys[idempotency_key] = report.report_id
        self.rows[report.report_id] = report
        for p in report.persons:
            self.identities[p.case_id] = p.identity
        return True

    async def by_idempotency_key(self, key: str) -> InvestigativeReport | None:
        return self.rows.get(self.keys.get(key))  # type: ignore[arg-type]

    async def get(
        self, report_id: uuid.UUID, *, for_update: bool = False
    ) -> InvestigativeReport | None:
        return self.rows.get(report_id)

    async def save(self, report: InvestigativeReport) -> None:
        self.rows[report.report_id] = report

    async def open_identity(self, person: IdentifiedPerson) -> PersonIdentity:
        return self.identities[person.case_id]


class FakeReferrals:
    def __init__(self, reports: FakeReports) -> None:
        self.rows: dict[uuid.UUID, LegalReferral] = {}
        self._reports = reports

    async def add(self, referral: LegalReferral) -> None:
        assert all(r.report_id != referral.report_id for r in self.rows.values())
        self.rows[referral.referral_id] = referral

    async def get(
        self, referral_id: uuid.UUID, *, for_update: bool = False
    ) -> LegalReferral | None:
        return self.rows.get(referral_id)

    async def save(self, referral: LegalReferral) -> None:
        self.rows[referral.referral_id] = referral

    async def inbox(self, *, acknowledged: bool | None, limit: int) -> list[ReferralSummary]:
        rank = {Urgency.IMMEDIATE: 0, Urgency.HIGH: 1, Urgency.ROUTINE: 2}
        chosen = [
            r for r in self.rows.values() if acknowledged is None or r.acknowledged == acknowledged
        ]
        chosen.sort(key=lambda r: r.referred_at, reverse=True)
        chosen.sort(key=lambda r: rank[r.urgency])
        out = []
        for r in chosen[:limit]:
            report = self._reports.rows[r.report_id]
            out.append(
                ReferralSummary(
                    referral=r,
                    establishment_kind=report.establishment.kind,
                    province=report.establishment.province,
                    district=report.establishment.district,
                    case_numbers=tuple(p.case_number for p in report.persons),
                    indicators=frozenset().union(*(p.indicators for p in report.persons)),
                )
            )
        return out


class FakeInvestigationUoW(FakeUnitOfWork):
    def __init__(self, actor: Actor | None = None) -> None:
        super().__init__(
            translate, producer="investigation", actor=actor or Actor("u-inv-1", "investigator")
        )
        self.reports = FakeReports()
        self.referrals = FakeReferrals(self.reports)

    def as_(self, actor: Actor) -> "FakeInvestigationUoW":
        """The same stores, another user acting."""
        self.scope = dataclasses.replace(self.scope, actor=actor)
        return self


LEGAL = Actor("u-legal-1", "legal")


def karaoke_report(key: str = "key-00000001", urgency: Urgency = Urgency.HIGH) -> FileReport:
    return FileReport(
        idempotency_key=key,
        establishment=EstablishmentSeen(
            kind=EstablishmentKind.KARAOKE_BAR,
            province="Siem Reap",
            district="Siem Reap",
            address=f"{CANARY} street 7",
            operator_names=f"{CANARY} the owner",
        ),
        visit_dates=(date.today() - timedelta(days=3), date.today() - timedelta(days=10)),
        urgency=urgency,
        evidence=(EvidenceRef(content_hash="ab" * 32, location="ev-store-1:2024/118"),),
        persons=(
            PersonSeen(
                sex=Sex.FEMALE,
                approximate_age=15,
                nationality="KH",
                language="km",
                indicators=frozenset({Indicator.APPARENT_MINOR, Indicator.DEBT_BONDAGE}),
                name=CANARY,
            ),
            PersonSeen(
                sex=Sex.FEMALE,
                approximate_age=19,
                nationality="VN",
                language="vi",
                indicators=frozenset({Indicator.CONFINEMENT}),
                description=f"{CANARY} with a scar",
            ),
        ),
    )


def outbox_json(uow: FakeUnitOfWork) -> str:
    return "".join(env.model_dump_json() for _, env in uow.outbox)


async def test_a_report_with_two_persons_opens_two_cases_identified_with_no_personal_data():
    uow = FakeInvestigationUoW()
    report, created = await handlers.file_report(karaoke_report(), uow)
    assert created and uow.commits == 1
    assert len({p.case_id for p in report.persons}) == 2
    assert [p.case_number for p in report.persons] == [
        f"IV-{report.filed_at.year}-000001",
        f"IV-{report.filed_at.year}-000002",
    ]
    stages = uow.published(TOPICS.stage_changed)
    assert [(e.case_id, e.payload.stage) for e in stages] == [
        (p.case_id, "identified") for p in report.persons
    ]
    assert all(e.payload.previous_stage is None for e in stages)
    assert all(e.correlation_id == report.report_id for e in stages)
    assert all(e.producer == "investigation" for e in stages)
    assert CANARY not in outbox_json(uow)
    assert CANARY not in str([a.detail for a in uow.audit_trail])
    assert [a.action for a in uow.audit_trail] == ["StageEntered", "StageEntered"]


async def test_a_retried_submit_returns_the_first_report_and_emits_nothing_more():
    uow = FakeInvestigationUoW()
    first, _ = await handlers.file_report(karaoke_report(), uow)
    again, created = await handlers.file_report(karaoke_report(), uow)
    assert not created and again.report_id == first.report_id
    assert len(uow.reports.rows) == 1 and uow.reports.n == 2
    assert len(uow.outbox) == 2 and uow.commits == 1


async def test_a_report_must_identify_someone_and_cannot_be_from_the_future():
    uow = FakeInvestigationUoW()
    with pytest.raises(DomainError):
        await handlers.file_report(dataclasses.replace(karaoke_report(), persons=()), uow)
    future = (date.today() + timedelta(days=3),)
    with pytest.raises(DomainError):
        await handlers.file_report(dataclasses.replace(karaoke_report(), visit_dates=future), uow)
    assert uow.commits == 0 and not uow.outbox


async def test_referral_issues_one_handoff_per_person_and_moves_each_to_referred_to_legal():
    uow = FakeInvestigationUoW()
    report, _ = await handlers.file_report(karaoke_report(), uow)
    referral, created = await handlers.issue_legal_referral(
        IssueLegalReferral(report_id=report.report_id), uow
    )
    assert created
    case_ids = [p.case_id for p in report.persons]

    handoffs = uow.published(TOPICS.legal_referral_issued)
    assert [h.case_id for h in handoffs] == case_ids
    for h, person in zip(handoffs, report.persons, strict=True):
        assert h.payload.referral_id == referral.referral_id
        assert h.payload.report_id == report.report_id
        assert h.payload.establishment_id == report.establishment.establishment_id
        assert h.payload.case_number == person.case_number
        assert h.payload.case_ids == case_ids
        assert h.payload.urgency is Urgency.HIGH
        assert h.payload.indicators == sorted(person.indicators)
        assert h.correlation_id == report.report_id

    for case_id in case_ids:
        stages = [
            (e.payload.previous_stage, e.payload.stage)
            for e in uow.published(TOPICS.stage_changed)
            if e.case_id == case_id
        ]
        assert stages == [(None, "identified"), ("identified", "referred_to_legal")]
    assert all(p.stage == "referred_to_legal" for p in uow.reports.rows[report.report_id].persons)
    assert CANARY not in outbox_json(uow)


async def test_a_second_referral_returns_the_first_and_emits_nothing():
    uow = FakeInvestigationUoW()
    report, _ = await handlers.file_report(karaoke_report(), uow)
    cmd = IssueLegalReferral(report_id=report.report_id)
    first, _ = await handlers.issue_legal_referral(cmd, uow)
    emitted = len(uow.outbox)
    again, created = await handlers.issue_legal_referral(cmd, uow)
    assert not created and again.referral_id == first.referral_id
    assert len(uow.outbox) == emitted and len(uow.referrals.rows) == 1
    assert uow.commits == 2


async def test_referral_of_an_unknown_report_is_refused():
    with pytest.raises(NotFound):
        await handlers.issue_legal_referral(
            IssueLegalReferral(report_id=uuid.uuid4()), FakeInvestigationUoW()
        )


async def test_acknowledging_a_referral_is_audited_on_each_case_once():
    uow = FakeInvestigationUoW()
    report, _ = await handlers.file_report(karaoke_report(), uow)
    referral, _ = await handlers.issue_legal_referral(
        IssueLegalReferral(report_id=report.report_id), uow
    )
    emitted = len(uow.outbox)
    uow.as_(LEGAL)
    cmd = AcknowledgeReferral(referral_id=referral.referral_id)
    acked = await handlers.acknowledge_referral(cmd, uow)
    assert acked.acknowledged_by == "legal:u-legal-1" and acked.acknowledged_at is not None

    acks = [a for a in uow.audit_trail if a.action == "legal_referral_acknowledged"]
    assert [a.case_id for a in acks] == [p.case_id for p in report.persons]
    assert all(a.detail["referral_id"] == str(referral.referral_id) for a in acks)

    uow.as_(Actor("u-legal-2", "legal"))
    again = await handlers.acknowledge_referral(cmd, uow)
    assert again.acknowledged_by == "legal:u-legal-1"
    assert again.acknowledged_at == acked.acknowledged_at
    assert len([a for a in uow.audit_trail if a.action == "legal_referral_acknowledged"]) == 2
    assert len(uow.outbox) == emitted, "an acknowledgement changes no stage"


async def test_acknowledging_an_unknown_referral_is_refused():
    with pytest.raises(NotFound):
        await handlers.acknowledge_referral(
            AcknowledgeReferral(referral_id=uuid.uuid4()), FakeInvestigationUoW(LEGAL)
        )


async def test_the_inbox_shows_the_most_urgent_first_then_the_newest():
    uow = FakeInvestigationUoW()
    refs = {}
    for i, urgency in enumerate(
        [Urgency.ROUTINE, Urgency.IMMEDIATE, Urgency.HIGH, Urgency.IMMEDIATE]
    ):
        report, _ = await handlers.file_report(karaoke_report(f"key-inbox-{i}", urgency), uow)
        refs[i], _ = await handlers.issue_legal_referral(
            IssueLegalReferral(report_id=report.report_id), uow
        )
    inbox = await handlers.referral_inbox(uow.as_(LEGAL))
    assert [s.referral.referral_id for s in inbox] == [refs[i].referral_id for i in (3, 1, 2, 0)]
    assert inbox[0].indicators == {
        Indicator.APPARENT_MINOR,
        Indicator.DEBT_BONDAGE,
        Indicator.CONFINEMENT,
    }


async def test_reading_her_identity_is_audited_and_scoped_to_the_report():
    uow = FakeInvestigationUoW()
    report, _ = await handlers.file_report(karaoke_report(), uow)
    first = report.persons[0]
    identity = await handlers.read_identity(
        report.report_id, first.case_id, ReadPurpose.RESCUE_OPERATION, uow
    )
    assert identity.name == CANARY
    last = uow.audit_trail[-1]
    assert last.action == "personal_data_read" and last.case_id == first.case_id
    assert last.detail["purpose"] == ReadPurpose.RESCUE_OPERATION
    assert CANARY not in str(last.detail)

    other, _ = await handlers.file_report(karaoke_report("key-00000002"), uow)
    with pytest.raises(NotFound):
        await handlers.read_identity(other.report_id, first.case_id, "plan the rescue", uow)
