"""Unit tier: investigation's handlers against an in-memory unit of work."""

import copy
import dataclasses
import uuid
from datetime import date, timedelta

import pytest
from homeward_investigation.adapters.messages import translate
from homeward_investigation.domain.commands import (
    AcknowledgeReferral,
    AssignReferral,
    EstablishmentSeen,
    FileReport,
    IssueLegalReferral,
    OpenInvestigation,
    OpenInvestigationFromLead,
    OutcomeSeen,
    PersonSeen,
    RecordMilestone,
    RecordOutcomes,
    RecordRescueOperation,
    RecordVisit,
)
from homeward_investigation.domain.model import (
    AccusedVerdict,
    EvidenceRef,
    IdentifiedPerson,
    Investigation,
    InvestigativeReport,
    LegalAssistanceRequest,
    LegalReferral,
    Milestone,
    PersonIdentity,
    ReferralSummary,
    RescueOperation,
    RescueOutcome,
    Sex,
    Verdict,
    inbox_order,
)
from homeward_investigation.service import handlers
from homeward_shared.contracts import Topics
from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, Urgency
from homeward_shared.domain import Conflict, DomainError, NotFound
from homeward_shared.personal import ReadPurpose
from homeward_shared.testing.fakes import FakeUnitOfWork
from homeward_shared.uow import Actor, Delivery, Received

TOPICS = Topics()
CANARY = "Canary-Srey"


def stored(aggregate):
    """What a database would hold: a copy, without the events still to be published, so that
    a handler that fails after changing its copy leaves the store as it was."""
    kept = copy.deepcopy(aggregate)
    kept.events = []
    return kept


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
        found = self.rows.get(report_id)
        return stored(found) if found else None

    async def save(self, report: InvestigativeReport) -> None:
        self.rows[report.report_id] = stored(report)

    async def recent(self, *, filed_by: str | None, limit: int) -> list[InvestigativeReport]:
        # Newest first; insertion order breaks a tie in the clock.
        found = [r for r in self.rows.values() if filed_by in (None, r.filed_by)]
        return [stored(r) for r in reversed(found)][:limit]

    async def open_identity(self, person: IdentifiedPerson) -> PersonIdentity:
        return self.identities[person.case_id]

    async def open_particulars(self, establishment):
        return establishment.particulars


class FakeReferrals:
    def __init__(self, reports: FakeReports) -> None:
        self.rows: dict[uuid.UUID, LegalReferral] = {}
        self._reports = reports

    async def add(self, referral: LegalReferral) -> None:
        assert all(r.report_id != referral.report_id for r in self.rows.values())
        self.rows[referral.referral_id] = stored(referral)

    async def get(
        self, referral_id: uuid.UUID, *, for_update: bool = False
    ) -> LegalReferral | None:
        found = self.rows.get(referral_id)
        return stored(found) if found else None

    async def save(self, referral: LegalReferral) -> None:
        self.rows[referral.referral_id] = stored(referral)

    async def inbox(
        self, *, acknowledged: bool | None, limit: int, assigned_to: str | None = None
    ) -> list[ReferralSummary]:
        rank = {Urgency.IMMEDIATE: 0, Urgency.HIGH: 1, Urgency.ROUTINE: 2}
        chosen = [
            r
            for r in self.rows.values()
            if (acknowledged is None or r.acknowledged == acknowledged)
            and (assigned_to is None or r.assigned_to == assigned_to)
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

    async def of_investigation(self, investigation_id: uuid.UUID) -> list[uuid.UUID]:
        return sorted(
            r.referral_id
            for r in self.rows.values()
            if self._reports.rows[r.report_id].investigation_id == investigation_id
        )


class FakeAssistance:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, LegalAssistanceRequest] = {}

    async def add(self, request: LegalAssistanceRequest) -> bool:
        if request.request_id in self.rows:
            return False
        self.rows[request.request_id] = stored(request)
        return True

    async def get(self, request_id, *, for_update: bool = False):
        found = self.rows.get(request_id)
        return stored(found) if found else None

    async def save(self, request: LegalAssistanceRequest) -> None:
        self.rows[request.request_id] = stored(request)

    async def inbox(self, *, acknowledged, limit, assigned_to=None):
        chosen = [
            stored(r)
            for r in self.rows.values()
            if (acknowledged is None or r.acknowledged == acknowledged)
            and (assigned_to is None or r.assigned_to == assigned_to)
        ]
        return sorted(chosen, key=inbox_order)[:limit]


class FakeOperations:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, RescueOperation] = {}
        self.keys: dict[str, uuid.UUID] = {}

    async def add(self, operation: RescueOperation, idempotency_key: str) -> None:
        assert idempotency_key not in self.keys
        self.keys[idempotency_key] = operation.operation_id
        self.rows[operation.operation_id] = stored(operation)

    async def by_idempotency_key(self, key: str) -> RescueOperation | None:
        return await self.get(self.keys[key]) if key in self.keys else None

    async def get(
        self, operation_id: uuid.UUID, *, for_update: bool = False
    ) -> RescueOperation | None:
        found = self.rows.get(operation_id)
        return stored(found) if found else None

    async def save(self, operation: RescueOperation) -> None:
        self.rows[operation.operation_id] = stored(operation)

    async def of_referral(self, referral_id: uuid.UUID) -> list[RescueOperation]:
        return [stored(o) for o in self.rows.values() if o.referral_id == referral_id]


class FakeInvestigations:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Investigation] = {}
        self.keys: dict[str, uuid.UUID] = {}
        self.visit_keys: dict[str, uuid.UUID] = {}
        self.observations: dict[uuid.UUID, str | None] = {}
        self.locked: list[tuple] = []

    async def lock_area(self, kind: str, province: str, district: str | None) -> None:
        self.locked.append((kind, province, district))

    async def open_in_area(self, kind, province, district) -> Investigation | None:
        for i in self.rows.values():
            e = i.establishment
            if i.closed_at is None and (e.kind, e.province, e.district) == (
                kind,
                province,
                district,
            ):
                return stored(i)
        return None

    async def by_idempotency_key(self, key: str) -> Investigation | None:
        return await self.get(self.keys[key]) if key in self.keys else None

    async def by_lead(self, lead_id: uuid.UUID) -> Investigation | None:
        for i in self.rows.values():
            if any(x.lead_id == lead_id for x in i.leads):
                return stored(i)
        return None

    async def add(self, investigation: Investigation, idempotency_key: str) -> bool:
        if idempotency_key in self.keys:
            return False
        self.keys[idempotency_key] = investigation.investigation_id
        await self.save(investigation)
        return True

    async def save(self, investigation: Investigation) -> None:
        for v in investigation.visits:
            self.visit_keys.setdefault(v.idempotency_key, v.visit_id)
            self.observations.setdefault(v.visit_id, v.observations)
        self.rows[investigation.investigation_id] = stored(investigation)

    async def get(self, investigation_id, *, for_update: bool = False) -> Investigation | None:
        found = self.rows.get(investigation_id)
        return stored(found) if found else None

    async def visit_by_key(self, key: str) -> uuid.UUID | None:
        return self.visit_keys.get(key)

    async def open_observations(self, investigation, visit) -> str | None:
        return self.observations[visit.visit_id]

    async def open_ones(self, *, limit: int) -> list[Investigation]:
        return [stored(i) for i in self.rows.values() if i.closed_at is None][:limit]

    async def move_lead(self, lead_id: uuid.UUID, to: uuid.UUID) -> None:
        """The handler saved both investigations: the lead is on its new one only."""
        holders = [i for i in self.rows.values() if i.lead(lead_id) is not None]
        assert [i.investigation_id for i in holders] == [to]


class FakeInvestigationUoW(FakeUnitOfWork):
    def __init__(self, actor: Actor | None = None) -> None:
        super().__init__(
            translate, producer="investigation", actor=actor or Actor("u-inv-1", "investigator")
        )
        self.reports = FakeReports()
        self.referrals = FakeReferrals(self.reports)
        self.operations = FakeOperations()
        self.investigations = FakeInvestigations()
        self.assistance = FakeAssistance()

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
    assert [a.action for a in uow.audit_trail] == [
        "FigureRecorded",
        "StageEntered",
        "StageEntered",
    ]


async def test_a_retried_submit_returns_the_first_report_and_emits_nothing_more():
    uow = FakeInvestigationUoW()
    first, _ = await handlers.file_report(karaoke_report(), uow)
    again, created = await handlers.file_report(karaoke_report(), uow)
    assert not created and again.report_id == first.report_id
    assert len(uow.reports.rows) == 1 and uow.reports.n == 2
    assert len(uow.outbox) == 3 and uow.commits == 1  # a figure and two stage changes


async def test_a_report_must_identify_someone_and_cannot_be_from_the_future():
    uow = FakeInvestigationUoW()
    with pytest.raises(DomainError):
        await handlers.file_report(dataclasses.replace(karaoke_report(), persons=()), uow)
    future = (date.today() + timedelta(days=3),)
    with pytest.raises(DomainError):
        await handlers.file_report(dataclasses.replace(karaoke_report(), visit_dates=future), uow)
    assert uow.commits == 0 and not uow.outbox


async def test_referral_issues_one_handoff_per_report_and_moves_each_to_referred_to_legal():
    uow = FakeInvestigationUoW()
    report, _ = await handlers.file_report(karaoke_report(), uow)
    referral, created = await handlers.issue_legal_referral(
        IssueLegalReferral(report_id=report.report_id), uow
    )
    assert created
    case_ids = [p.case_id for p in report.persons]

    [handoff] = uow.published(TOPICS.legal_referral_issued)
    assert handoff.case_id == report.report_id, "keyed by the report: one legal case"
    assert handoff.schema_version == 2
    assert handoff.payload.referral_id == referral.referral_id
    assert handoff.payload.report_id == report.report_id
    assert handoff.payload.establishment_id == report.establishment.establishment_id
    assert handoff.payload.case_ids == case_ids
    assert handoff.payload.urgency is Urgency.HIGH
    assert handoff.payload.indicators == sorted(
        {Indicator.APPARENT_MINOR, Indicator.DEBT_BONDAGE, Indicator.CONFINEMENT}
    )
    assert handoff.correlation_id == report.report_id

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


TODAY = date.today()


async def referred(uow: FakeInvestigationUoW, *, police: bool = True):
    report, _ = await handlers.file_report(
        dataclasses.replace(
            karaoke_report(uuid.uuid4().hex),
            persons=(*karaoke_report().persons, karaoke_report().persons[1]),
        ),
        uow,
    )
    referral, _ = await handlers.issue_legal_referral(
        IssueLegalReferral(report_id=report.report_id), uow
    )
    uow.as_(LEGAL)
    if police:
        await handlers.record_milestone(
            RecordMilestone(
                referral_id=referral.referral_id,
                milestone=Milestone.POLICE_ENGAGED,
                occurred_on=TODAY - timedelta(days=5),
            ),
            uow,
        )
    return report, referral


def operation(referral, *outcomes: tuple[int, RescueOutcome], report, key: str = "op-key-0001"):
    return RecordRescueOperation(
        referral_id=referral.referral_id,
        idempotency_key=key,
        carried_out_on=TODAY - timedelta(days=1),
        outcomes=tuple(
            OutcomeSeen(case_id=report.persons[i].case_id, outcome=o) for i, o in outcomes
        ),
    )


R, NF = RescueOutcome.RESCUED, RescueOutcome.NOT_FOUND


async def test_an_operation_rescues_two_hands_them_to_recovery_and_leaves_one_not_found():
    uow = FakeInvestigationUoW()
    report, referral = await referred(uow)
    before = len(uow.published(TOPICS.stage_changed))
    op, created = await handlers.record_rescue_operation(
        operation(referral, (0, R), (1, R), (2, NF), report=report), uow
    )
    assert created
    rescued = uow.published(TOPICS.person_rescued)
    assert [e.case_id for e in rescued] == [p.case_id for p in report.persons[:2]]
    first = rescued[0].payload
    assert first.operation_id == op.operation_id
    assert first.case_number == report.persons[0].case_number
    assert first.apparent_minor and first.language == "km" and first.urgency is Urgency.HIGH
    assert not rescued[1].payload.apparent_minor
    assert all(e.correlation_id == report.report_id for e in rescued)
    stages = [
        (e.case_id, e.payload.previous_stage, e.payload.stage)
        for e in uow.published(TOPICS.stage_changed)[before:]
    ]
    c = [p.case_id for p in report.persons]
    assert stages == [
        (c[0], "referred_to_legal", "rescued"),
        (c[1], "referred_to_legal", "rescued"),
        (c[2], "referred_to_legal", "not_found"),
    ]
    assert CANARY not in outbox_json(uow)
    track = uow.referrals.rows[referral.referral_id].milestones
    assert track[Milestone.OPERATION_CARRIED_OUT].occurred_on == TODAY - timedelta(days=1)
    assert track[Milestone.OPERATION_CARRIED_OUT].recorded_by == "legal:u-legal-1"


async def test_a_retried_operation_submit_returns_the_first_and_emits_nothing():
    uow = FakeInvestigationUoW()
    report, referral = await referred(uow)
    cmd = operation(referral, (0, R), report=report)
    first, _ = await handlers.record_rescue_operation(cmd, uow)
    emitted = len(uow.outbox)
    again, created = await handlers.record_rescue_operation(cmd, uow)
    assert not created and again.operation_id == first.operation_id
    assert len(uow.outbox) == emitted and len(uow.operations.rows) == 1


async def test_the_same_outcome_twice_is_recorded_once_and_another_is_refused_whole():
    uow = FakeInvestigationUoW()
    report, referral = await referred(uow)
    op, _ = await handlers.record_rescue_operation(operation(referral, report=report), uow)
    c = [p.case_id for p in report.persons]
    found = RecordOutcomes(
        operation_id=op.operation_id, outcomes=(OutcomeSeen(case_id=c[0], outcome=R),)
    )
    await handlers.record_outcomes(found, uow)
    emitted = len(uow.outbox)
    await handlers.record_outcomes(found, uow)
    assert len(uow.outbox) == emitted
    assert len(uow.published(TOPICS.person_rescued)) == 1

    contradicting = RecordOutcomes(
        operation_id=op.operation_id,
        outcomes=(OutcomeSeen(case_id=c[1], outcome=R), OutcomeSeen(case_id=c[0], outcome=NF)),
    )
    with pytest.raises(Conflict):
        await handlers.record_outcomes(contradicting, uow)
    assert len(uow.outbox) == emitted, "nothing of a refused submission is recorded"
    assert c[1] not in uow.operations.rows[op.operation_id].outcomes
    assert uow.reports.rows[report.report_id].person(c[1]).stage == "referred_to_legal"


async def test_not_found_keeps_her_case_open_for_a_later_operation_that_rescues_her_once():
    uow = FakeInvestigationUoW()
    report, referral = await referred(uow)
    c = report.persons[2].case_id
    await handlers.record_rescue_operation(operation(referral, (2, NF), report=report), uow)
    second, _ = await handlers.record_rescue_operation(
        operation(referral, (2, R), report=report, key="op-key-0002"), uow
    )
    [handoff] = uow.published(TOPICS.person_rescued)
    assert handoff.case_id == c and handoff.payload.operation_id == second.operation_id
    assert [e.payload.stage for e in uow.published(TOPICS.stage_changed) if e.case_id == c][
        -2:
    ] == ["not_found", "rescued"]
    with pytest.raises(Conflict, match="rescued already"):
        await handlers.record_rescue_operation(
            operation(referral, (2, R), report=report, key="op-key-0003"), uow
        )
    track = uow.referrals.rows[referral.referral_id].milestones
    assert track[Milestone.OPERATION_CARRIED_OUT].occurred_on == TODAY - timedelta(days=1)


async def test_an_operation_needs_the_police_engaged_and_a_person_of_the_referral():
    uow = FakeInvestigationUoW()
    report, referral = await referred(uow, police=False)
    with pytest.raises(Conflict, match="police_engaged"):
        await handlers.record_rescue_operation(operation(referral, (0, R), report=report), uow)
    assert not uow.published(TOPICS.person_rescued) and not uow.operations.rows
    with pytest.raises(NotFound):
        await handlers.record_rescue_operation(
            dataclasses.replace(operation(referral, report=report), referral_id=uuid.uuid4()),
            uow,
        )
    _, police = await referred(uow)
    stranger = OutcomeSeen(case_id=report.persons[0].case_id, outcome=R)
    with pytest.raises(DomainError, match="case_id"):
        await handlers.record_rescue_operation(
            RecordRescueOperation(
                referral_id=police.referral_id,
                idempotency_key="op-key-stranger",
                carried_out_on=TODAY,
                outcomes=(stranger,),
            ),
            uow,
        )


def step(referral, milestone, days_ago, **kw) -> RecordMilestone:
    return RecordMilestone(
        referral_id=referral.referral_id,
        milestone=milestone,
        occurred_on=TODAY - timedelta(days=days_ago),
        **kw,
    )


async def test_the_legal_track_goes_in_order_each_step_once_by_whom():
    uow = FakeInvestigationUoW()
    report, referral = await referred(uow)
    with pytest.raises(Conflict, match="operation_carried_out first"):
        await handlers.record_milestone(step(referral, Milestone.CHARGES_FILED, 0), uow)
    await handlers.record_rescue_operation(operation(referral, (0, R), report=report), uow)
    with pytest.raises(DomainError, match="earlier"):
        await handlers.record_milestone(
            step(referral, Milestone.CHARGES_FILED, 3, accused_count=2), uow
        )
    charges = step(referral, Milestone.CHARGES_FILED, 0, accused_count=2)
    _, created = await handlers.record_milestone(charges, uow)
    assert created
    _, created = await handlers.record_milestone(charges, uow)
    assert not created
    with pytest.raises(Conflict, match="recorded already"):
        await handlers.record_milestone(dataclasses.replace(charges, accused_count=3), uow)
    await handlers.record_milestone(step(referral, Milestone.TRIAL_OPENED, 0), uow)
    with pytest.raises(DomainError, match="one verdict per accused"):
        await handlers.record_milestone(
            step(
                referral,
                Milestone.VERDICT,
                0,
                verdicts=(AccusedVerdict(verdict=Verdict.CONVICTED),),
            ),
            uow,
        )
    verdicts = (
        AccusedVerdict(verdict=Verdict.CONVICTED, sentence_months=120),
        AccusedVerdict(verdict=Verdict.ACQUITTED),
    )
    uow.as_(Actor("u-legal-2", "legal"))
    final, _ = await handlers.record_milestone(
        step(referral, Milestone.VERDICT, 0, verdicts=verdicts), uow
    )
    assert list(final.milestones) == list(Milestone)
    assert final.milestones[Milestone.VERDICT].recorded_by == "legal:u-legal-2"
    assert final.milestones[Milestone.VERDICT].verdicts == verdicts
    audited = [a for a in uow.audit_trail if a.action == "legal_milestone_recorded"]
    assert len(audited) == len(Milestone) * len(report.persons)
    feed = uow.published(TOPICS.legal_milestone_recorded)
    assert [e.payload.milestone for e in feed] == list(Milestone), "each once, in order"
    assert {e.case_id for e in feed} == {referral.referral_id}
    assert feed[-1].payload.convicted == 1 and feed[-1].payload.acquitted == 1
    assert feed[2].payload.accused_count == 2 and feed[0].payload.persons_concerned == 3
    assert all(e.correlation_id == report.report_id for e in feed)
    with pytest.raises(DomainError, match="future"):
        _, other = await referred(uow, police=False)
        await handlers.record_milestone(step(other, Milestone.POLICE_ENGAGED, -3), uow)


async def test_assigning_a_referral_to_a_colleague_is_audited_and_takes_it_on():
    uow = FakeInvestigationUoW()
    report, referral = await referred(uow, police=False)
    cmd = AssignReferral(referral_id=referral.referral_id, assignee="u-legal-7")
    assigned = await handlers.assign_referral(cmd, uow)
    assert assigned.assigned_to == "u-legal-7" and assigned.assigned_by == "legal:u-legal-1"
    assert assigned.acknowledged_by == "legal:u-legal-1"
    await handlers.assign_referral(cmd, uow)
    audited = [a for a in uow.audit_trail if a.action == "legal_referral_assigned"]
    assert [a.case_id for a in audited] == [p.case_id for p in report.persons]
    acks = [a for a in uow.audit_trail if a.action == "legal_referral_acknowledged"]
    assert [a.case_id for a in acks] == [p.case_id for p in report.persons]
    assert audited[0].detail["assignee"] == "u-legal-7"
    mine = await handlers.referral_inbox(uow, assigned_to="u-legal-7")
    assert [x.referral.referral_id for x in mine] == [referral.referral_id]
    assert await handlers.referral_inbox(uow, assigned_to="u-legal-8") == []


def lead_cmd(
    province: str = "Kandal", urgency: Urgency = Urgency.ROUTINE, lead_id=None, event_id=None
) -> OpenInvestigationFromLead:
    return OpenInvestigationFromLead(
        received=Received(
            event_id or uuid.uuid4(),
            "intake.lead_reported",
            Delivery("investigation", "intake.lead_reported", 0, 0),
        ),
        correlation_id=uuid.uuid4(),
        lead_id=lead_id or uuid.uuid4(),
        kind=EstablishmentKind.KARAOKE_BAR,
        province=province,
        district="Ta Khmau",
        urgency=urgency,
        persons_reported=3,
        indicators=frozenset({Indicator.APPARENT_MINOR}),
    )


SERVICE = Actor("investigation", "service")


async def test_a_lead_opens_an_investigation_and_a_later_lead_on_the_place_is_linked():
    uow = FakeInvestigationUoW(SERVICE)
    first = lead_cmd()
    await handlers.when_lead_reported_open_investigation(first, uow)
    await handlers.when_lead_reported_open_investigation(first, uow)  # redelivered
    await handlers.when_lead_reported_open_investigation(lead_cmd(urgency=Urgency.IMMEDIATE), uow)
    await handlers.when_lead_reported_open_investigation(lead_cmd(province="Takeo"), uow)
    by_province = {i.establishment.province: i for i in uow.investigations.rows.values()}
    assert set(by_province) == {"Kandal", "Takeo"}
    kandal = by_province["Kandal"]
    assert len(kandal.leads) == 2 and kandal.urgency is Urgency.IMMEDIATE
    assert kandal.opened_by == "service:investigation"
    # Two investigations opened: two figures for the impact report, and no hand-off.
    assert uow.commits == 3 and [t for t, _ in uow.outbox] == ["figure.recorded"] * 2
    assert [a.action for a in uow.audit_trail if a.action != "FigureRecorded"] == [
        "investigation_opened",
        "lead_linked",
        "investigation_opened",
    ]
    assert ("karaoke_bar", "Kandal", "Ta Khmau") in uow.investigations.locked


async def test_the_same_lead_under_a_new_event_id_is_not_linked_twice():
    uow = FakeInvestigationUoW(SERVICE)
    lead_id = uuid.uuid4()
    await handlers.when_lead_reported_open_investigation(lead_cmd(lead_id=lead_id), uow)
    await handlers.when_lead_reported_open_investigation(lead_cmd(lead_id=lead_id), uow)
    [investigation] = uow.investigations.rows.values()
    assert len(investigation.leads) == 1
    assert uow.audit_trail[-1].action == "lead_duplicate_ignored"


async def test_visits_need_an_investigator_and_a_date_not_in_the_future_and_seal_nothing_out():
    uow = FakeInvestigationUoW()
    opened, created = await handlers.open_investigation(
        OpenInvestigation(
            idempotency_key="inv-key-0001",
            establishment=EstablishmentSeen(
                kind=EstablishmentKind.CLUB, province="Siem Reap", district="Siem Reap"
            ),
            urgency=Urgency.HIGH,
        ),
        uow,
    )
    assert created
    visit = RecordVisit(
        investigation_id=opened.investigation_id,
        idempotency_key="visit-key-0001",
        visited_on=TODAY - timedelta(days=1),
        investigators=("u-inv-1", "u-inv-2", "u-inv-1"),
        observations=f"{CANARY} at the bar",
    )
    with pytest.raises(DomainError, match="visited_on"):
        await handlers.record_visit(
            dataclasses.replace(visit, visited_on=TODAY + timedelta(days=5)), uow
        )
    with pytest.raises(DomainError, match="investigators"):
        await handlers.record_visit(dataclasses.replace(visit, investigators=()), uow)
    _, recorded, created = await handlers.record_visit(visit, uow)
    assert created and recorded.investigators == ("u-inv-1", "u-inv-2")
    _, again, created = await handlers.record_visit(visit, uow)
    assert not created and again.visit_id == recorded.visit_id
    assert len(uow.investigations.rows[opened.investigation_id].visits) == 1
    assert CANARY not in str([a.detail for a in uow.audit_trail])
    seen = await handlers.read_observations(
        opened.investigation_id, recorded.visit_id, ReadPurpose.RESCUE_OPERATION, uow
    )
    assert seen == f"{CANARY} at the bar"
    assert uow.audit_trail[-1].action == "personal_data_read"


async def test_reading_the_establishments_address_is_audited_on_each_of_her_cases():
    uow = FakeInvestigationUoW()
    report, _ = await handlers.file_report(karaoke_report(), uow)
    seen = await handlers.read_establishment(
        report.report_id, ReadPurpose.RESCUE_OPERATION, uow.as_(LEGAL)
    )
    assert seen.address == f"{CANARY} street 7"
    reads = [a for a in uow.audit_trail if a.action == "personal_data_read"]
    assert [a.case_id for a in reads] == [p.case_id for p in report.persons]
    assert all(a.detail["record"] == "establishment" for a in reads)
    assert CANARY not in str([a.detail for a in reads])
    with pytest.raises(NotFound):
        await handlers.read_establishment(uuid.uuid4(), ReadPurpose.PROSECUTION, uow)


async def test_a_report_under_an_investigation_is_about_its_establishment():
    uow = FakeInvestigationUoW()
    opened, _ = await handlers.open_investigation(
        OpenInvestigation(
            idempotency_key="inv-key-0002",
            establishment=EstablishmentSeen(
                kind=EstablishmentKind.BROTHEL, province="Kandal", district="Ta Khmau"
            ),
            urgency=Urgency.HIGH,
        ),
        uow,
    )
    under = dataclasses.replace(
        karaoke_report("key-under-1"), establishment=None, investigation_id=opened.investigation_id
    )
    report, _ = await handlers.file_report(under, uow)
    assert report.establishment.establishment_id == opened.establishment.establishment_id
    assert report.investigation_id == opened.investigation_id
    with pytest.raises(DomainError, match="establishment"):
        await handlers.file_report(
            dataclasses.replace(karaoke_report("key-under-2"), investigation_id=uuid.uuid4()),
            uow,
        )
    with pytest.raises(NotFound):
        await handlers.file_report(
            dataclasses.replace(
                under, idempotency_key="key-under-3", investigation_id=uuid.uuid4()
            ),
            uow,
        )
    with pytest.raises(DomainError, match="establishment"):
        await handlers.file_report(
            dataclasses.replace(karaoke_report("key-under-4"), establishment=None), uow
        )


async def test_an_investigator_sees_the_reports_she_filed_newest_first():
    uow = FakeInvestigationUoW()
    first, _ = await handlers.file_report(karaoke_report("key-mine-1"), uow)
    second, _ = await handlers.file_report(karaoke_report("key-mine-2"), uow)
    uow.as_(Actor("u-inv-2", "investigator"))
    theirs, _ = await handlers.file_report(karaoke_report("key-theirs"), uow)
    assert [r.report_id for r in await handlers.recent_reports(uow, mine=True)] == [
        theirs.report_id
    ]
    uow.as_(Actor("u-inv-1", "investigator"))
    mine = await handlers.recent_reports(uow, mine=True)
    assert [r.report_id for r in mine] == [second.report_id, first.report_id]
    assert len(await handlers.recent_reports(uow)) == 3


async def test_investigations_reports_referrals_and_operations_are_figures_for_the_report():
    uow = FakeInvestigationUoW()
    opened, _ = await handlers.open_investigation(
        OpenInvestigation(
            idempotency_key="inv-key-0009",
            establishment=EstablishmentSeen(
                kind=EstablishmentKind.CLUB, province="Kandal", district=None
            ),
            urgency=Urgency.ROUTINE,
        ),
        uow,
    )
    report, referral = await referred(uow)
    op, _ = await handlers.record_rescue_operation(operation(referral, (0, R), report=report), uow)
    published = uow.published(TOPICS.figure_recorded)
    assert [(e.case_id, e.payload.metric, e.payload.dimensions) for e in published] == [
        (opened.investigation_id, "investigation_opened", {"origin": "team"}),
        (report.report_id, "report_filed", {"establishment_kind": "karaoke_bar"}),
        (referral.referral_id, "legal_referral_issued", {}),
        (op.operation_id, "rescue_operation", {}),
    ]
    assert published[-1].payload.on == TODAY - timedelta(days=1)
    assert published[-1].correlation_id == report.report_id
    assert CANARY not in outbox_json(uow)
