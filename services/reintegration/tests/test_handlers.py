"""Unit tier: reintegration's handlers against an in-memory unit of work."""

import copy
import dataclasses
import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from homeward_reintegration.adapters.messages import translate
from homeward_reintegration.domain.commands import (
    CloseCase,
    OpenReintegrationCase,
    RaiseOverdueAlerts,
    RecordAssessment,
    RecordDisbursement,
    RecordFamilyContact,
    RecordFollowUpVisit,
    RecordResettlement,
    ReopenCase,
)
from homeward_reintegration.domain.figures import YearFigures
from homeward_reintegration.domain.model import (
    BusinessKind,
    ClosureReason,
    ContactKind,
    FollowUpPolicy,
    FollowUpVisit,
    OpenAlert,
    OverdueAlert,
    OverdueCandidate,
    Plan,
    Rating,
    ReintegrationCase,
    ReopenReason,
    SafetyRisk,
    SupportForm,
    SupportKind,
    TracingResult,
    VisitorRole,
    VisitOutcome,
    Wish,
)
from homeward_reintegration.domain.partners import KitItem, Partner, PartnerKind, UnknownPartner
from homeward_reintegration.service import handlers
from homeward_reintegration.service import partners as partner_handlers
from homeward_shared.contracts import Topics
from homeward_shared.contracts.handoffs import Skill
from homeward_shared.domain import Conflict, DomainError, NotFound
from homeward_shared.personal import ReadPurpose
from homeward_shared.testing.fakes import FakeUnitOfWork
from homeward_shared.uow import Delivery, Received

TOPICS = Topics()
CANARY = "Canary-Village-Notes"
RESETTLED_ON = date(2027, 6, 1)
TODAY = date(2027, 10, 1)


class FakeCases:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, ReintegrationCase] = {}
        self.keys: dict[str, tuple[uuid.UUID, int]] = {}
        self.notes: dict[tuple[uuid.UUID, int], str | None] = {}
        self.other_keys: dict[str, tuple[uuid.UUID, str]] = {}
        self.contact_details: dict[uuid.UUID, str | None] = {}
        self.assessment_notes: dict[uuid.UUID, str | None] = {}

    async def add(self, case: ReintegrationCase) -> bool:
        if case.case_id in self.rows:
            return False
        self.rows[case.case_id] = copy.deepcopy(case)
        return True

    async def get(self, case_id, *, for_update=False):
        case = self.rows.get(case_id)
        return copy.deepcopy(case) if case else None

    async def save(self, case: ReintegrationCase) -> None:
        saved = copy.deepcopy(case)
        saved.events = []
        self.rows[case.case_id] = saved

    async def add_visit_record(self, case_id, visit: FollowUpVisit, idempotency_key: str):
        self.keys[idempotency_key] = (case_id, visit.visit_no)
        self.notes[(case_id, visit.visit_no)] = visit.notes
        stored = self.rows[case_id].visit(visit.visit_no)
        for f in ("visited_on", "by_role", "outcomes", "recorded_by"):
            setattr(stored, f, getattr(visit, f))

    async def visit_by_key(self, idempotency_key):
        return self.keys.get(idempotency_key)

    async def add_contact(self, case_id, c):
        self.contact_details[c.contact_id] = c.details
        self.rows[case_id].contacts.append(dataclasses.replace(c, details=None))

    async def add_assessment(self, case_id, a):
        self.assessment_notes[a.assessment_id] = a.notes
        self.rows[case_id].assessment = dataclasses.replace(a, notes=None)

    async def add_disbursement(self, case_id, d):
        self.rows[case_id].disbursements.append(copy.deepcopy(d))

    async def open_contact_details(self, case_id, contact_id):
        return self.contact_details[contact_id]

    async def open_assessment_notes(self, case_id, assessment_id):
        return self.assessment_notes[assessment_id]

    async def key_seen(self, idempotency_key):
        return self.other_keys.get(idempotency_key)

    async def remember_key(self, idempotency_key, case_id, action, record_id):
        assert idempotency_key not in self.other_keys
        self.other_keys[idempotency_key] = (case_id, action)

    async def open_visit_notes(self, case_id, visit_no):
        return self.notes.get((case_id, visit_no))


class FakeAlerts:
    def __init__(self, cases: FakeCases) -> None:
        self.cases = cases
        self.rows: dict[tuple[uuid.UUID, int], OverdueAlert] = {}

    async def overdue_candidates(self, due_before, limit):
        out = []
        for c in self.cases.rows.values():
            if c.status.value != "resettled":
                continue
            for v in c.visits:
                if (
                    not v.done
                    and v.due_on < due_before
                    and (c.case_id, v.visit_no) not in self.rows
                ):
                    out.append(
                        OverdueCandidate(
                            case_id=c.case_id,
                            case_number=c.case_number,
                            correlation_id=c.correlation_id,
                            visit_no=v.visit_no,
                            due_on=v.due_on,
                        )
                    )
        return out[:limit]

    async def add(self, alert):
        key = (alert.case_id, alert.visit_no)
        if key in self.rows:
            return False
        self.rows[key] = alert
        return True

    async def open_alerts(self):
        return [
            OpenAlert(
                case_id=a.case_id,
                case_number=self.cases.rows[a.case_id].case_number,
                visit_no=a.visit_no,
                due_on=a.due_on,
                raised_at=a.raised_at,
            )
            for a in self.rows.values()
            if not self.cases.rows[a.case_id].visit(a.visit_no).done
        ]

    async def count_open(self):
        return len(await self.open_alerts())


class FakePartners:
    def __init__(self) -> None:
        self.rows: dict[str, Partner] = {}

    async def put(self, p: Partner, registered_by: str) -> bool:
        created = p.code not in self.rows
        self.rows[p.code] = copy.deepcopy(p)
        return created

    async def get(self, code, *, with_name=False):
        p = self.rows.get(code)
        return None if p is None else dataclasses.replace(p, name=p.name if with_name else None)

    async def all(self):
        return [dataclasses.replace(p, name=None) for p in self.rows.values()]


class FakeReintegrationUoW(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(translate, producer="reintegration")
        self.cases = FakeCases()
        self.alerts = FakeAlerts(self.cases)
        self.partners = FakePartners()


def received() -> Received:
    return Received(
        uuid.uuid4(),
        "recovery.resident_ready_for_reintegration",
        Delivery("reintegration", "t", 0, 0),
    )


async def open_case(uow, *, wishes_to_return_home=True) -> uuid.UUID:
    case_id = uuid.uuid4()
    await handlers.when_resident_ready_open_reintegration_case(
        OpenReintegrationCase(
            received=received(),
            case_id=case_id,
            case_number="IN-2026-000001",
            correlation_id=uuid.uuid4(),
            from_centre="TD",
            skills=(Skill.HAIRDRESSING,),
            wishes_to_return_home=wishes_to_return_home,
        ),
        uow,
    )
    return case_id


async def traced(uow, case_id, result=TracingResult.FOUND, key=None):
    return await handlers.record_family_contact(
        RecordFamilyContact(
            idempotency_key=key or uuid.uuid4().hex,
            case_id=case_id,
            kind=ContactKind.TRACING_ATTEMPT,
            happened_on=date(2027, 4, 1),
            result=result,
            details=CANARY,
        ),
        uow,
        today=TODAY,
    )


async def assessed(uow, case_id, wish=Wish.REUNIFICATION, key=None, **kw):
    values = {
        "idempotency_key": key or uuid.uuid4().hex,
        "case_id": case_id,
        "assessed_on": date(2027, 5, 1),
        "her_wish": wish,
        "market_opportunities": Rating.GOOD,
        "family_conditions": Rating.LIMITED,
        "skills_fit": True,
        "wants_business": True,
        "business_kind": BusinessKind.SALON,
        "business_market": Rating.GOOD,
        "notes": CANARY,
    }
    values.update(kw)
    return await handlers.record_assessment(RecordAssessment(**values), uow, today=TODAY)


async def resettled_case(uow) -> uuid.UUID:
    case_id = await open_case(uow)
    await traced(uow, case_id)
    await assessed(uow, case_id)
    await handlers.record_resettlement(
        RecordResettlement(case_id=case_id, plan=Plan.REUNIFICATION, resettled_on=RESETTLED_ON),
        uow,
        FollowUpPolicy(),
    )
    return case_id


def visit(case_id, visit_no=1, key=None, **kw) -> RecordFollowUpVisit:
    values = {
        "idempotency_key": key or uuid.uuid4().hex,
        "case_id": case_id,
        "visit_no": visit_no,
        "visited_on": date(2027, 9, 3),
        "by_role": VisitorRole.SOCIAL_WORKER,
        "outcomes": (VisitOutcome.BUSINESS_RUNNING,),
        "notes": CANARY,
    }
    values.update(kw)
    return RecordFollowUpVisit(**values)


async def test_a_visit_is_recorded_against_its_schedule_with_no_notes_in_events_or_audit():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    case, created = await handlers.record_follow_up_visit(visit(case_id), uow, today=TODAY)
    assert created
    v = case.visit(1)
    assert v.visited_on == date(2027, 9, 3) and v.by_role is VisitorRole.SOCIAL_WORKER
    assert [a.action for a in uow.audit_trail[-2:]] == ["FollowUpVisitRecorded", "FigureRecorded"]
    assert CANARY not in str(uow.audit_trail) and CANARY not in str(uow.outbox)
    notes = await handlers.read_visit_notes(case_id, 1, ReadPurpose.CARE, uow)
    assert notes == CANARY
    assert uow.audit_trail[-1].action == "personal_data_read"
    assert CANARY not in str(uow.audit_trail[-1].detail)


async def test_a_retried_visit_submit_records_it_once():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    cmd = visit(case_id, key="visit-key-0001")
    await handlers.record_follow_up_visit(cmd, uow, today=TODAY)
    commits = uow.commits
    _, created = await handlers.record_follow_up_visit(cmd, uow, today=TODAY)
    assert not created and uow.commits == commits


async def test_a_second_record_of_the_same_visit_is_refused():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    await handlers.record_follow_up_visit(visit(case_id), uow, today=TODAY)
    with pytest.raises(Conflict, match="already recorded"):
        await handlers.record_follow_up_visit(visit(case_id), uow, today=TODAY)


async def test_a_key_reused_for_another_visit_is_refused():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    await handlers.record_follow_up_visit(visit(case_id, key="visit-key-0002"), uow, today=TODAY)
    with pytest.raises(Conflict, match="idempotency key"):
        await handlers.record_follow_up_visit(
            visit(case_id, visit_no=2, key="visit-key-0002"), uow, today=TODAY
        )


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        ({"visit_no": 13}, NotFound),
        ({"visited_on": date(2027, 5, 1)}, DomainError),
        ({"visited_on": TODAY + timedelta(days=1)}, DomainError),
        ({"outcomes": ()}, DomainError),
    ],
)
async def test_a_visit_off_the_schedule_or_out_of_time_is_refused(kw, error):
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    with pytest.raises(error):
        await handlers.record_follow_up_visit(visit(case_id, **kw), uow, today=TODAY)


async def test_no_visit_before_resettlement_nor_on_a_closed_case():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    with pytest.raises(Conflict, match="not resettled"):
        await handlers.record_follow_up_visit(visit(case_id), uow, today=TODAY)
    await handlers.close_case(
        CloseCase(case_id=case_id, reason=ClosureReason.LOST_CONTACT, closed_on=TODAY), uow
    )
    with pytest.raises(Conflict, match="closed"):
        await handlers.record_follow_up_visit(visit(case_id), uow, today=TODAY)


def now_on(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 9, tzinfo=UTC)


async def test_an_overdue_visit_raises_one_alert_only_past_the_grace_period():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    uow.scope.correlation_id = uuid.uuid4()  # the fake takes it from the scope
    first_due = date(2027, 9, 1)
    within = RaiseOverdueAlerts(now=now_on(first_due + timedelta(days=14)), grace_days=14)
    assert await handlers.raise_overdue_alerts(within, uow) == (0, 0)
    past = RaiseOverdueAlerts(now=now_on(first_due + timedelta(days=15)), grace_days=14)
    assert await handlers.raise_overdue_alerts(past, uow) == (1, 1)
    assert await handlers.raise_overdue_alerts(past, uow) == (0, 0)
    [alert] = uow.published(TOPICS.follow_up_overdue)
    assert alert.case_id == case_id
    assert (alert.payload.visit_no, alert.payload.due_on) == (1, first_due)
    assert alert.payload.days_overdue == 15
    [listed] = await handlers.overdue_list(uow)
    assert listed.visit_no == 1
    assert await handlers.count_overdue(uow) == 1
    # Recorded late, it leaves the list; its alert stays raised, never raised again.
    await handlers.record_follow_up_visit(
        visit(case_id, visited_on=date(2027, 9, 20)), uow, today=date(2027, 9, 20)
    )
    assert await handlers.overdue_list(uow) == []
    assert await handlers.count_overdue(uow) == 0


async def test_a_recorded_visit_and_a_closed_case_raise_no_alert():
    uow = FakeReintegrationUoW()
    done = await resettled_case(uow)
    closed = await resettled_case(uow)
    await handlers.record_follow_up_visit(visit(done), uow, today=TODAY)
    await handlers.close_case(
        CloseCase(case_id=closed, reason=ClosureReason.MOVED_AWAY, closed_on=TODAY), uow
    )
    cmd = RaiseOverdueAlerts(now=now_on(date(2027, 10, 1)), grace_days=14)
    assert await handlers.raise_overdue_alerts(cmd, uow) == (0, 0)


async def test_closure_after_follow_up_needs_the_last_visit():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    close = CloseCase(
        case_id=case_id, reason=ClosureReason.FOLLOW_UP_COMPLETED, closed_on=date(2030, 6, 10)
    )
    with pytest.raises(Conflict, match="last follow-up visit"):
        await handlers.close_case(close, uow)
    case = await handlers.get_case(case_id, uow)
    for v in case.visits:
        await handlers.record_follow_up_visit(
            visit(case_id, visit_no=v.visit_no, visited_on=v.due_on),
            uow,
            today=date(2030, 6, 10),
        )
    case = await handlers.close_case(close, uow)
    assert case.stage == "closed" and case.closure_reason is ClosureReason.FOLLOW_UP_COMPLETED
    stages = uow.published(TOPICS.stage_changed)
    assert [e.payload.stage for e in stages][-1] == "closed"
    assert stages[-1].payload.reason == "follow_up_completed"
    with pytest.raises(Conflict, match="already closed"):
        await handlers.close_case(close, uow)


async def test_a_closed_case_cannot_be_resettled_nor_assessed():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    await handlers.close_case(
        CloseCase(case_id=case_id, reason=ClosureReason.TRANSFERRED, closed_on=TODAY), uow
    )
    with pytest.raises(Conflict):
        await handlers.record_resettlement(
            RecordResettlement(case_id=case_id, plan=Plan.REUNIFICATION, resettled_on=TODAY),
            uow,
            FollowUpPolicy(),
        )
    with pytest.raises(Conflict, match="closed"):
        await assessed(uow, case_id)


def resettle(case_id, plan=Plan.REUNIFICATION, **kw) -> RecordResettlement:
    return RecordResettlement(case_id=case_id, plan=plan, resettled_on=RESETTLED_ON, **kw)


async def test_no_plan_without_an_assessment_or_with_her_wish_undecided():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    await traced(uow, case_id)
    with pytest.raises(Conflict, match="no family assessment"):
        await handlers.record_resettlement(resettle(case_id), uow, FollowUpPolicy())
    await assessed(uow, case_id, wish=Wish.UNDECIDED)
    with pytest.raises(Conflict, match="her wish is not recorded"):
        await handlers.record_resettlement(resettle(case_id), uow, FollowUpPolicy())


async def test_her_wish_decides_the_plan():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    await traced(uow, case_id)
    await assessed(uow, case_id, wish=Wish.INDEPENDENT_RESETTLEMENT)
    with pytest.raises(Conflict, match="contradicts her wish"):
        await handlers.record_resettlement(resettle(case_id), uow, FollowUpPolicy())
    case = await handlers.record_resettlement(
        resettle(case_id, Plan.INDEPENDENT_RESETTLEMENT), uow, FollowUpPolicy()
    )
    assert case.stage == "resettled" and len(case.visits) == 12


@pytest.mark.parametrize(
    ("tracing", "risks"),
    [
        (TracingResult.UNSAFE, ()),
        (TracingResult.NOT_FOUND, ()),
        (TracingResult.FOUND, (SafetyRisk.FAMILY_INVOLVED_IN_TRAFFICKING,)),
    ],
)
async def test_no_reunification_with_a_family_not_found_or_unsafe(tracing, risks):
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    await traced(uow, case_id, tracing)
    await assessed(uow, case_id, safety_risks=risks)
    with pytest.raises(Conflict):
        await handlers.record_resettlement(resettle(case_id), uow, FollowUpPolicy())


async def test_an_unsafe_finding_is_not_outweighed_by_a_later_found():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    await traced(uow, case_id, TracingResult.UNSAFE)
    await traced(uow, case_id, TracingResult.FOUND)
    await assessed(uow, case_id)
    with pytest.raises(Conflict, match="not found safe"):
        await handlers.record_resettlement(resettle(case_id), uow, FollowUpPolicy())


async def test_repatriation_names_the_country_and_the_receiving_partner():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    await assessed(uow, case_id, wish=Wish.REPATRIATION)
    plan = Plan.REPATRIATION
    with pytest.raises(DomainError, match="destination country"):
        await handlers.record_resettlement(resettle(case_id, plan), uow, FollowUpPolicy())
    repatriate = resettle(case_id, plan, destination_country="VN", receiving_partner="VN_WU")
    # Only a partner an admin registered, and still active, can receive her.
    with pytest.raises(UnknownPartner):
        await handlers.record_resettlement(repatriate, uow, FollowUpPolicy())
    retired = Partner(code="VN_WU", kind=PartnerKind.NGO, country="VN", active=False)
    await partner_handlers.register_partner(retired, uow)
    with pytest.raises(UnknownPartner):
        await handlers.record_resettlement(repatriate, uow, FollowUpPolicy())
    await partner_handlers.register_partner(dataclasses.replace(retired, active=True), uow)
    case = await handlers.record_resettlement(repatriate, uow, FollowUpPolicy())
    assert (case.destination_country, case.receiving_partner) == ("VN", "VN_WU")


async def test_family_details_are_sealed_out_of_events_and_audit_and_recorded_once():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    _, created = await traced(uow, case_id, key="trace-key-0001")
    _, again = await traced(uow, case_id, key="trace-key-0001")
    assert created and not again
    case = await handlers.get_case(case_id, uow)
    assert len(case.contacts) == 1
    assert CANARY not in str(uow.audit_trail) and CANARY not in str(uow.outbox)


async def test_a_family_visit_needs_her_family_found():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    visit_family = RecordFamilyContact(
        idempotency_key=uuid.uuid4().hex,
        case_id=case_id,
        kind=ContactKind.FAMILY_VISIT,
        happened_on=date(2027, 4, 2),
    )
    with pytest.raises(Conflict):
        await handlers.record_family_contact(visit_family, uow, today=TODAY)
    await traced(uow, case_id)
    _, created = await handlers.record_family_contact(visit_family, uow, today=TODAY)
    assert created


def kit(case_id, key=None, **kw) -> RecordDisbursement:
    values = {
        "idempotency_key": key or uuid.uuid4().hex,
        "case_id": case_id,
        "kind": SupportKind.STARTUP_KIT,
        "form": SupportForm.IN_KIND,
        "items": (KitItem.SEWING_MACHINE, KitItem.FABRIC_STOCK),
        "value": Decimal("700.00"),
        "currency": "USD",
        "disbursed_on": date(2027, 6, 2),
        "approved_by": "u-manager-1",
    }
    values.update(kw)
    return RecordDisbursement(**values)


async def test_a_startup_kit_is_given_once_unless_a_second_is_approved():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    _, created = await handlers.record_disbursement(kit(case_id, key="kit-key-0001"), uow)
    _, again = await handlers.record_disbursement(kit(case_id, key="kit-key-0001"), uow)
    assert created and not again
    with pytest.raises(Conflict, match="explicit approval"):
        await handlers.record_disbursement(kit(case_id), uow)
    case, _ = await handlers.record_disbursement(
        kit(case_id, form=SupportForm.CASH, items=(), second_kit_approved_by="u-director-1"),
        uow,
    )
    assert [d.kind for d in case.disbursements] == [SupportKind.STARTUP_KIT] * 2
    case, _ = await handlers.record_disbursement(
        kit(case_id, kind=SupportKind.BICYCLE, form=None, items=(), value=Decimal(60)), uow
    )
    assert case.disbursements[-1].approved_by == "u-manager-1"


@pytest.mark.parametrize(
    "kw",
    [
        {"approved_by": ""},
        {"currency": "usd"},
        {"value": Decimal(-1)},
        {"form": None},
        {"items": ()},
    ],
)
async def test_a_disbursement_that_breaks_a_rule_is_refused(kw):
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    with pytest.raises(DomainError):
        await handlers.record_disbursement(kit(case_id, **kw), uow)


async def test_no_support_before_a_plan():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    with pytest.raises(Conflict, match="support follows a plan"):
        await handlers.record_disbursement(kit(case_id), uow)


def test_the_default_schedule_is_twelve_visits_over_three_years_clamped_to_month_ends():
    due = FollowUpPolicy().due_dates(date(2027, 1, 31))
    assert len(due) == 12 and due[0] == date(2027, 4, 30) and due[-1] == date(2030, 1, 31)
    assert all(b - a <= timedelta(days=92) for a, b in itertools.pairwise(due))


def test_small_cells_are_suppressed_and_their_money_with_them():
    f = YearFigures.of(
        year=2027,
        threshold=11,
        reintegrated={"reunification": 14, "repatriation": 2, "independent": 30},
        kits=[("KHR", 3, Decimal(8_000_000)), ("USD", 19, Decimal(6300))],
        visits_done=0,
        followed_up=4,
        overdue=11,
        closures={"lost_contact": 1, "completed": 0},
    )
    # The total of reintegrated (46) is published by the dashboard: with repatriation alone
    # hidden, 46 - 14 - 30 would give it back, so the smallest other member goes too.
    assert f.reintegrated_by_plan == {
        "reunification": None,
        "repatriation": None,
        "independent": 30,
    }
    assert [(k.currency, k.kits, k.total_value) for k in f.startup_kits] == [
        ("KHR", None, None),
        ("USD", None, None),
    ]
    assert (f.follow_up_visits_done, f.survivors_followed_up, f.overdue_alerts_raised) == (
        0,
        None,
        11,
    )
    assert f.closures_by_reason == {"lost_contact": None, "completed": 0}
    assert f.suppressed == {
        "closures_by_reason.lost_contact": "below_threshold",
        "reintegrated_by_plan.repatriation": "below_threshold",
        "reintegrated_by_plan.reunification": "complementary",
        "startup_kits.KHR.kits": "below_threshold",
        "startup_kits.KHR.total_value": "with_its_count",
        "startup_kits.USD.kits": "complementary",
        "startup_kits.USD.total_value": "with_its_count",
        "survivors_followed_up": "below_threshold",
    }


async def test_a_closed_case_is_reopened_with_a_reason_and_takes_visits_again():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    with pytest.raises(Conflict, match="not closed"):
        await handlers.reopen_case(
            ReopenCase(case_id=case_id, reason=ReopenReason.CONTACT_RESTORED, reopened_on=TODAY),
            uow,
        )
    await handlers.close_case(
        CloseCase(case_id=case_id, reason=ClosureReason.LOST_CONTACT, closed_on=TODAY), uow
    )
    case = await handlers.reopen_case(
        ReopenCase(case_id=case_id, reason=ReopenReason.CONTACT_RESTORED, reopened_on=TODAY),
        uow,
    )
    assert case.stage == "resettled" and case.closure_reason is None
    last = uow.published(TOPICS.stage_changed)[-1].payload
    assert (last.stage, last.previous_stage, last.reason) == (
        "resettled",
        "closed",
        "reopened_contact_restored",
    )
    assert uow.audit_trail[-1].detail == {"reason": "contact_restored"}
    _, created = await handlers.record_follow_up_visit(visit(case_id), uow, today=TODAY)
    assert created


async def test_a_key_used_for_another_kind_of_record_is_refused():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    await handlers.record_disbursement(kit(case_id, key="shared-key-0001"), uow)
    with pytest.raises(Conflict, match="idempotency key"):
        await handlers.record_follow_up_visit(
            visit(case_id, key="shared-key-0001"), uow, today=TODAY
        )


async def test_family_details_and_assessment_notes_are_opened_for_a_purpose_and_audited():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    case, _ = await traced(uow, case_id)
    await assessed(uow, case_id)
    [contact] = case.contacts
    details = await handlers.read_family_details(
        case_id, contact.contact_id, ReadPurpose.FAMILY_TRACING, uow
    )
    assert details == CANARY
    assert uow.audit_trail[-1].detail["purpose"] == "family_tracing"
    assert await handlers.read_assessment_notes(case_id, ReadPurpose.CARE, uow) == CANARY
    assert uow.audit_trail[-1].detail["record"] == "assessment"
    assert CANARY not in str(uow.audit_trail)
    with pytest.raises(NotFound):
        await handlers.read_family_details(case_id, uuid.uuid4(), ReadPurpose.CARE, uow)


async def test_a_business_she_wants_is_assessed_with_its_market():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    with pytest.raises(DomainError, match="local market"):
        await assessed(uow, case_id, business_market=None)
    case, _ = await assessed(uow, case_id, wants_business=False, business_kind=None)
    assert case.assessment.business_kind is None


async def test_a_second_distinct_handoff_of_her_case_is_ignored_with_a_trace():
    uow = FakeReintegrationUoW()
    case_id = await open_case(uow)
    await handlers.when_resident_ready_open_reintegration_case(
        OpenReintegrationCase(
            received=received(),
            case_id=case_id,
            case_number="IN-2026-000001",
            correlation_id=uuid.uuid4(),
            from_centre="SR",
            skills=(),
            wishes_to_return_home=False,
        ),
        uow,
    )
    case = await handlers.get_case(case_id, uow)
    assert case.from_centre == "TD" and len(uow.cases.rows) == 1
    assert uow.audit_trail[-1].action == "reintegration_handoff_duplicate_ignored"


async def test_resettlement_kit_visit_closure_and_reopening_are_figures_for_the_report():
    uow = FakeReintegrationUoW()
    case_id = await resettled_case(uow)
    await handlers.record_disbursement(kit(case_id), uow)
    await handlers.record_follow_up_visit(visit(case_id), uow, today=TODAY)
    await handlers.close_case(
        CloseCase(case_id=case_id, reason=ClosureReason.LOST_CONTACT, closed_on=TODAY), uow
    )
    await handlers.reopen_case(
        ReopenCase(case_id=case_id, reason=ReopenReason.CONTACT_RESTORED, reopened_on=TODAY),
        uow,
    )
    published = uow.published(TOPICS.figure_recorded)
    assert [(e.payload.metric, e.payload.dimensions) for e in published] == [
        ("reintegrated", {"plan": "reunification"}),
        ("support_disbursed", {"kind": "startup_kit", "currency": "USD", "form": "in_kind"}),
        ("follow_up_visit", {"by_role": "social_worker"}),
        ("case_closed", {"reason": "lost_contact"}),
        ("case_reopened", {"reason": "contact_restored"}),
    ]
    assert published[1].payload.amount == Decimal("700.00")
    assert published[1].payload.on == date(2027, 6, 2)
    assert {e.case_id for e in published} == {case_id}
    assert CANARY not in str([e.model_dump_json() for e in published])
