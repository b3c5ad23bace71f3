"""Reintegration over the real broker and database: a survivor handed over by recovery is
resettled, followed up against her schedule, alerted on once when a visit is missed (even
with two service instances sweeping at once), and closed after the last visit."""

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from homeward_reintegration.bootstrap import MIGRATIONS
from homeward_reintegration.bootstrap import bootstrap as reintegration_app
from homeward_reintegration.clock import MovableClock
from homeward_reintegration.domain.commands import (
    CloseCase,
    OpenReintegrationCase,
    RaiseOverdueAlerts,
    RecordAssessment,
    RecordDisbursement,
    RecordFollowUpVisit,
    RecordResettlement,
)
from homeward_reintegration.domain.model import (
    ClosureReason,
    FollowUpPolicy,
    Plan,
    Rating,
    SupportForm,
    SupportKind,
    VisitorRole,
    VisitOutcome,
    Wish,
)
from homeward_reintegration.entrypoints.scheduler import OverdueScheduler
from homeward_reintegration.service import handlers
from homeward_reintegration.settings import ReintegrationSettings
from homeward_shared.contracts import ResidentReadyForReintegration
from homeward_shared.db import create_pool, migrate
from homeward_shared.domain import Conflict
from homeward_shared.envelope import Envelope
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for
from homeward_shared.uow import Delivery, Received

from tests.integration.helpers import REINTEGRATION, client

pytestmark = pytest.mark.integration

CANARY = f"canary-{uuid.uuid4().hex}"


def at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 10, tzinfo=UTC)


def handoff(case_id: uuid.UUID) -> Envelope[ResidentReadyForReintegration]:
    return Envelope.wrap(
        ResidentReadyForReintegration(
            case_number=f"IN-2026-{uuid.uuid4().int % 10**6:06d}",
            centre="TD",
            skills=["hairdressing"],
            wishes_to_return_home=True,
        ),
        case_id=case_id,
        producer="recovery",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )


async def publish(bootstrap: str, topic: str, *envs: Envelope) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for env in envs:
            await producer.send_and_wait(
                topic, env.model_dump_json().encode(), key=str(env.case_id).encode()
            )
    finally:
        await producer.stop()


async def database_only(*services) -> None:
    """Instances with their own connection pools and no broker: the sweeps need only the
    database, and consumers joining a group would cost a rebalance and prove nothing here."""
    await migrate(services[0].settings.dsn, "reintegration", MIGRATIONS)
    for service in services:
        service.pool = await create_pool(service.settings.dsn)


async def close_pools(*services) -> None:
    for service in services:
        await service.pool.close()


async def resettled_by_handlers(service, case_id: uuid.UUID, resettled_on: date) -> None:
    """A case handed over, traced, assessed and resettled, straight through the handlers."""
    env = handoff(case_id)
    await handlers.when_resident_ready_open_reintegration_case(
        OpenReintegrationCase(
            received=Received.of(env, Delivery("reintegration", "t", 0, 0)),
            case_id=case_id,
            case_number=env.payload.case_number,
            correlation_id=env.correlation_id,
            from_centre="TD",
            skills=(),
            wishes_to_return_home=None,
        ),
        service.uow(service.system_actor),
    )
    await handlers.record_assessment(
        RecordAssessment(
            idempotency_key=uuid.uuid4().hex,
            case_id=case_id,
            assessed_on=resettled_on,
            her_wish=Wish.INDEPENDENT_RESETTLEMENT,
            market_opportunities=Rating.LIMITED,
            family_conditions=Rating.POOR,
            skills_fit=True,
            wants_business=False,
        ),
        service.uow(service.system_actor),
        today=resettled_on,
    )
    await handlers.record_resettlement(
        RecordResettlement(
            case_id=case_id, plan=Plan.INDEPENDENT_RESETTLEMENT, resettled_on=resettled_on
        ),
        service.uow(service.system_actor),
        FollowUpPolicy(),
    )


async def test_handed_over_resettled_followed_up_alerted_once_by_two_instances_and_closed(
    database, topics
):
    clock = MovableClock(at(date(2027, 6, 1)))
    settings = settings_for(
        ReintegrationSettings,
        database,
        topics,
        overdue_scan_interval_s=0.05,
        follow_up_grace_days=14,
    )
    one = reintegration_app(settings, clock=clock)
    two = reintegration_app(settings, clock=clock)
    bootstrap = database.infra.kafka_bootstrap_servers
    case_id = uuid.uuid4()
    env = handoff(case_id)
    async with (
        running(one, two),
        TopicReader(bootstrap, [topics.stage_changed, topics.follow_up_overdue]) as feed,
        client(one) as c1,
        client(two) as c2,
    ):
        # The same hand-off twice: one case.
        await publish(bootstrap, topics.resident_ready_for_reintegration, env, env)

        async def handed_over():
            return (await c1.get(f"/cases/{case_id}", headers=REINTEGRATION)).status_code == 200

        await wait_until(handed_over, what="the hand-off reaches reintegration")
        # Traced, then assessed; a plan against her wish is refused.
        r = await c1.post(
            f"/cases/{case_id}/family-contacts",
            headers=REINTEGRATION,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "kind": "tracing_attempt",
                "happened_on": "2027-04-10",
                "result": "found",
                "details": CANARY,
            },
        )
        assert r.status_code == 201, r.text
        r = await c1.post(
            f"/cases/{case_id}/assessments",
            headers=REINTEGRATION,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "assessed_on": "2027-05-02",
                "her_wish": "reunification",
                "market_opportunities": "good",
                "family_conditions": "limited",
                "skills_fit": True,
                "wants_business": True,
                "business_kind": "salon",
                "business_market": "limited",
                "safety_risks": ["stigma"],
                "notes": CANARY,
            },
        )
        assert r.status_code == 201, r.text
        r = await c1.post(
            f"/cases/{case_id}/resettlement",
            headers=REINTEGRATION,
            json={"plan": "independent_resettlement", "resettled_on": "2027-06-01"},
        )
        assert r.status_code == 409 and "contradicts her wish" in r.json()["detail"]
        # Sealed at rest, opened for a stated purpose.
        case_view = (await c2.get(f"/cases/{case_id}", headers=REINTEGRATION)).json()
        assert CANARY not in str(case_view)
        [contact] = case_view["family_contacts"]
        r = await c2.get(
            f"/cases/{case_id}/family-contacts/{contact['contact_id']}/details",
            headers=REINTEGRATION,
            params={"purpose": "family_tracing"},
        )
        assert r.json() == {"details": CANARY}
        r = await c2.get(
            f"/cases/{case_id}/assessment/notes", headers=REINTEGRATION, params={"purpose": "care"}
        )
        assert r.json() == {"notes": CANARY}
        r = await c1.post(
            f"/cases/{case_id}/resettlement",
            headers=REINTEGRATION,
            json={"plan": "reunification", "resettled_on": "2027-06-01"},
        )
        assert r.status_code == 201, r.text
        schedule = r.json()["follow_up"]
        assert len(schedule) == 12
        assert (schedule[0]["due_on"], schedule[-1]["due_on"]) == ("2027-09-01", "2030-06-01")

        # Her start-up kit, recorded once though submitted twice; a second needs approval.
        kit = {
            "idempotency_key": uuid.uuid4().hex,
            "kind": "startup_kit",
            "form": "in_kind",
            "items": ["hair_dryer", "salon_chair", "shampoo_stock"],
            "value": "700.00",
            "currency": "USD",
            "disbursed_on": "2027-06-01",
            "approved_by": "u-manager-1",
        }
        for expected in (201, 200):
            r = await c2.post(f"/cases/{case_id}/support", headers=REINTEGRATION, json=kit)
            assert r.status_code == expected, r.text
        assert [(k["kind"], k["value"]) for k in r.json()["support"]] == [("startup_kit", "700.00")]
        r = await c2.post(
            f"/cases/{case_id}/support",
            headers=REINTEGRATION,
            json={**kit, "idempotency_key": uuid.uuid4().hex},
        )
        assert r.status_code == 409 and "explicit approval" in r.json()["detail"]

        # Visit 1 on time, submitted twice (a retry): recorded once.
        clock.set(at(date(2027, 9, 3)))
        body = {
            "idempotency_key": uuid.uuid4().hex,
            "visited_on": "2027-09-03",
            "by_role": "social_worker",
            "outcomes": ["business_running"],
            "notes": CANARY,
        }
        r = await c1.post(f"/cases/{case_id}/visits/1", headers=REINTEGRATION, json=body)
        assert r.status_code == 201, r.text
        r = await c2.post(f"/cases/{case_id}/visits/1", headers=REINTEGRATION, json=body)
        assert r.status_code == 200, r.text
        assert r.json()["follow_up"][0]["by_role"] == "social_worker"

        # Visit 2 (due 2027-12-01) is missed. Both instances sweep every 50 ms.
        clock.set(at(date(2027, 12, 15)))  # within the 14 days of grace
        clock.set(at(date(2027, 12, 16)))

        def alerted(visit_no: int | None = None):
            mine = [r for r in feed.on(topics.follow_up_overdue) if r.key == str(case_id).encode()]
            return [
                r
                for r in mine
                if visit_no is None or json.loads(r.value)["payload"]["visit_no"] == visit_no
            ]

        [alert] = await wait_until(lambda: alerted(2), what="the overdue alert is published")
        # Let both schedulers sweep many more times: still one alert.
        for scheduler in (one.app.state.overdue_scheduler, two.app.state.overdue_scheduler):
            await scheduler.sweep()
        r = await c2.get("/follow-up/overdue", headers=REINTEGRATION)
        mine = [a for a in r.json() if a["case_id"] == str(case_id)]
        assert [(a["visit_no"], a["days_overdue"]) for a in mine] == [(2, 15)]
        payload = json.loads(alert.value)["payload"]
        assert (payload["visit_no"], payload["due_on"], payload["days_overdue"]) == (
            2,
            "2027-12-01",
            15,
        )

        # A visit on a closed case, or closing before the last visit: refused with a reason.
        r = await c1.post(
            f"/cases/{case_id}/closure",
            headers=REINTEGRATION,
            json={"reason": "follow_up_completed", "closed_on": "2027-12-16"},
        )
        assert r.status_code == 409 and "last follow-up visit" in r.json()["detail"]

        # The rest of the visits, then closure after the last one. (Jumping the clock three
        # years makes visits 3-11 overdue at once: their alerts are raised too, once each.)
        clock.set(at(date(2030, 6, 5)))
        for v in schedule[1:]:
            r = await c1.post(
                f"/cases/{case_id}/visits/{v['visit_no']}",
                headers=REINTEGRATION,
                json={
                    "idempotency_key": uuid.uuid4().hex,
                    "visited_on": v["due_on"],
                    "by_role": "psychologist",
                    "outcomes": ["employed"],
                },
            )
            assert r.status_code == 201, r.text
        r = await c1.get("/follow-up/overdue", headers=REINTEGRATION)
        assert str(case_id) not in {a["case_id"] for a in r.json()}
        r = await c1.post(
            f"/cases/{case_id}/closure",
            headers=REINTEGRATION,
            json={"reason": "follow_up_completed", "closed_on": "2030-06-05"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["stage"] == "closed"
        r = await c1.post(
            f"/cases/{case_id}/visits/12",
            headers=REINTEGRATION,
            json={**body, "idempotency_key": uuid.uuid4().hex, "visited_on": "2030-06-05"},
        )
        assert r.status_code == 409 and "closed" in r.json()["detail"]

        async def stages():
            mine = [r for r in feed.on(topics.stage_changed) if r.key == str(case_id).encode()]
            return mine if len(mine) >= 2 else None

        feed_stages = await wait_until(stages, what="resettled and closed on the stage feed")
        visits_alerted = [json.loads(r.value)["payload"]["visit_no"] for r in alerted()]
        assert visits_alerted.count(2) == 1
        assert len(visits_alerted) == len(set(visits_alerted))

    assert [json.loads(r.value)["payload"]["stage"] for r in feed_stages] == [
        "resettled",
        "closed",
    ]
    for record in feed.records:
        assert CANARY.encode() not in record.value
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM reintegration.cases WHERE case_id = $1", case_id
            )
            == 1
        )
        for sql in (
            "SELECT notes_sealed FROM reintegration.follow_up_visits"
            " WHERE case_id = $1 AND visit_no = 1",
            "SELECT details_sealed FROM reintegration.family_contacts WHERE case_id = $1",
            "SELECT notes_sealed FROM reintegration.assessments WHERE case_id = $1",
        ):
            sealed = await conn.fetchval(sql, case_id)
            assert sealed and CANARY.encode() not in bytes(sealed)
        assert CANARY not in str(
            await conn.fetch("SELECT * FROM reintegration.audit WHERE case_id = $1", case_id)
        )
    finally:
        await conn.close()


async def test_schedulers_sweeping_concurrently_raise_each_alert_exactly_once(database, topics):
    """Four sweeps from two service instances at once, over many overdue visits: every
    (case, visit) gets exactly one alert row and one outbox event, none is lost."""
    clock = MovableClock(at(date(2026, 1, 1)))
    settings = settings_for(ReintegrationSettings, database, topics, follow_up_grace_days=14)
    one = reintegration_app(settings, clock=clock)
    two = reintegration_app(settings, clock=clock)
    await database_only(one, two)
    try:
        case_ids = [uuid.uuid4() for _ in range(30)]
        await asyncio.gather(*(resettled_by_handlers(one, c, date(2027, 1, 1)) for c in case_ids))
        # Visits 1..11 (2027-04-01 .. 2029-10-01) are past grace; visit 12 (2030-01-01) not.
        clock.set(at(date(2030, 1, 1)))
        sweeps = [
            OverdueScheduler(s, clock, grace_days=14, interval_s=60, batch=25)
            for s in (one, two, one, two)
        ]
        raised = await asyncio.gather(*(s.sweep() for s in sweeps))
        raised_again = await asyncio.gather(*(s.sweep() for s in sweeps))
        assert sum(raised_again) == 0
        assert sum(raised) >= 30 * 11  # and perhaps earlier tests' cases, left overdue

        conn = await asyncpg.connect(database.admin_dsn)
        try:
            alerts = await conn.fetch(
                "SELECT case_id, visit_no FROM reintegration.overdue_alerts"
                " WHERE case_id = ANY($1::uuid[])",
                case_ids,
            )
            events = await conn.fetch(
                "SELECT aggregate_id, payload FROM reintegration.outbox"
                " WHERE topic = $1 AND aggregate_id = ANY($2::uuid[])",
                topics.follow_up_overdue,
                case_ids,
            )
        finally:
            await conn.close()
        expected = {(c, n) for c in case_ids for n in range(1, 12)}
        assert sorted((r["case_id"], r["visit_no"]) for r in alerts) == sorted(expected)
        sent = [
            (r["aggregate_id"], json.loads(r["payload"])["payload"]["visit_no"]) for r in events
        ]
        assert sorted(sent) == sorted(expected)
    finally:
        await close_pools(one, two)


async def test_a_scheduler_restarted_after_a_crash_raises_what_the_crash_left(database, topics):
    """A sweep that dies before its commit leaves no alert; the next one raises it, once."""
    clock = MovableClock(at(date(2026, 1, 1)))
    settings = settings_for(ReintegrationSettings, database, topics, follow_up_grace_days=0)
    service = reintegration_app(settings, clock=clock)
    await database_only(service)
    try:
        case_id = uuid.uuid4()
        await resettled_by_handlers(service, case_id, date(2026, 1, 1))
        clock.set(at(date(2026, 4, 2)))

        class Crash(Exception):
            pass

        uow = service.uow(service.system_actor)

        async def crash_before_commit():
            raise Crash

        uow.commit = crash_before_commit  # type: ignore[method-assign]
        with pytest.raises(Crash):
            await handlers.raise_overdue_alerts(
                RaiseOverdueAlerts(now=clock.now(), grace_days=0), uow
            )

        async def alerts_for_case() -> int:
            async with service.pool.acquire() as conn:
                return await conn.fetchval(
                    "SELECT count(*) FROM reintegration.outbox"
                    " WHERE topic = $1 AND aggregate_id = $2",
                    topics.follow_up_overdue,
                    case_id,
                )

        assert await alerts_for_case() == 0
        scheduler = OverdueScheduler(service, clock, grace_days=0, interval_s=60)
        assert await scheduler.sweep() >= 1
        await scheduler.sweep()
        assert await alerts_for_case() == 1
    finally:
        await close_pools(service)


async def test_year_figures_count_from_the_records_and_suppress_small_cells(database, topics):
    # A year of this test's own: no other test resettles anyone in it.
    year = 2100 + uuid.uuid4().int % 800
    clock = MovableClock(at(date(year + 1, 1, 10)))
    settings = settings_for(ReintegrationSettings, database, topics)
    service = reintegration_app(settings, clock=clock)
    await database_only(service)
    try:
        case_ids = [uuid.uuid4() for _ in range(5)]
        for n, case_id in enumerate(case_ids):
            await resettled_by_handlers(service, case_id, date(year, 2, 1))
            await handlers.record_disbursement(
                RecordDisbursement(
                    idempotency_key=uuid.uuid4().hex,
                    case_id=case_id,
                    kind=SupportKind.STARTUP_KIT,
                    form=SupportForm.CASH,
                    items=(),
                    value=Decimal("700.00"),
                    currency="USD",
                    disbursed_on=date(year, 2, 2),
                    approved_by="u-manager-1",
                ),
                service.uow(service.system_actor),
            )
            await handlers.record_follow_up_visit(
                RecordFollowUpVisit(
                    idempotency_key=uuid.uuid4().hex,
                    case_id=case_id,
                    visit_no=1,
                    visited_on=date(year, 5, 2),
                    by_role=VisitorRole.TRAINER,
                    outcomes=(VisitOutcome.BUSINESS_RUNNING,),
                ),
                service.uow(service.system_actor),
                today=clock.now().date(),
            )
            if n == 0:
                await handlers.close_case(
                    CloseCase(
                        case_id=case_id, reason=ClosureReason.MOVED_AWAY, closed_on=date(year, 9, 1)
                    ),
                    service.uow(service.system_actor),
                )
        f = await handlers.year_figures(year, 5, service.uow(service.system_actor))
    finally:
        await close_pools(service)
    assert f.reintegrated_by_plan == {"independent_resettlement": 5}
    assert [(k.currency, k.kits, k.total_value) for k in f.startup_kits] == [
        ("USD", 5, Decimal("3500.00"))
    ]
    assert (f.follow_up_visits_done, f.survivors_followed_up) == (5, 5)
    assert f.closures_by_reason == {"moved_away": None}  # one woman: suppressed


async def test_concurrent_submits_of_one_visit_record_it_once(database, topics):
    """The same submit twice at once: one record, the other answered as a retry. Two
    different submits for the same visit at once: one record, the other refused."""
    clock = MovableClock(at(date(2028, 1, 1)))
    settings = settings_for(ReintegrationSettings, database, topics)
    service = reintegration_app(settings, clock=clock)
    await database_only(service)
    try:
        case_id = uuid.uuid4()
        await resettled_by_handlers(service, case_id, date(2027, 1, 1))

        def submit(key: str, visit_no: int) -> RecordFollowUpVisit:
            return RecordFollowUpVisit(
                idempotency_key=key,
                case_id=case_id,
                visit_no=visit_no,
                visited_on=date(2027, 4, 2),
                by_role=VisitorRole.MEDICAL_STAFF,
                outcomes=(VisitOutcome.HEALTH_CONCERNS,),
            )

        async def record(cmd: RecordFollowUpVisit):
            try:
                _, created = await handlers.record_follow_up_visit(
                    cmd, service.uow(service.system_actor), today=clock.now().date()
                )
                return created
            except Conflict as e:
                return e

        same = uuid.uuid4().hex
        results = await asyncio.gather(*(record(submit(same, 1)) for _ in range(4)))
        assert sorted(map(str, results)) == ["False", "False", "False", "True"]
        results = await asyncio.gather(*(record(submit(uuid.uuid4().hex, 2)) for _ in range(4)))
        assert results.count(True) == 1
        assert all(isinstance(r, Conflict) for r in results if r is not True)
        async with service.pool.acquire() as conn:
            done = await conn.fetchval(
                "SELECT count(*) FROM reintegration.follow_up_visits"
                " WHERE case_id = $1 AND visited_on IS NOT NULL",
                case_id,
            )
        assert done == 2
    finally:
        await close_pools(service)
