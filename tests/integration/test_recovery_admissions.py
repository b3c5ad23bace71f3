"""Recovery's admissions over the real broker and database: a rescue hand-off from
investigation, a full centre that keeps the request waiting until a place frees, a resident
who leaves of her own will."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from homeward_recovery.bootstrap import bootstrap as recovery_app
from homeward_recovery.settings import RecoverySettings
from homeward_shared.contracts import PersonRescued, PlacementRequested
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.envelope import Envelope
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import client

pytestmark = pytest.mark.integration

ADMIN = as_user("u-admin-1", "admin")
CANARY = f"canary-{uuid.uuid4().hex}"


def staff(centre: str) -> dict[str, str]:
    return as_user(f"u-staff-{centre}", "centre_staff", centres=[centre])


def case_number() -> str:
    return f"C-{uuid.uuid4().hex[:10]}"


def envelope(payload, case_id: uuid.UUID, producer: str) -> Envelope:
    return Envelope.wrap(
        payload,
        case_id=case_id,
        producer=producer,
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )


async def publish(bootstrap: str, topic: str, *envs: Envelope) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for env in envs:
            await producer.send_and_wait(
                topic,
                env.model_dump_json().encode(),
                key=str(env.case_id).encode(),
                headers=[(k, v.encode()) for k, v in env.headers().items()],
            )
    finally:
        await producer.stop()


async def queued(c, case_id: uuid.UUID, centre: str = "TD"):
    r = await c.get("/admission-requests", headers=staff(centre))
    assert r.status_code == 200, r.text
    return next((q for q in r.json() if q["case_id"] == str(case_id)), None)


def stages_of(records, case_id: uuid.UUID) -> list[dict]:
    return [json.loads(r.value) for r in records if r.key == str(case_id).encode()]


async def admit(c, case_id: uuid.UUID, centre: str, **identity):
    return await c.post(
        "/admissions",
        headers=staff(centre),
        json={
            "case_id": str(case_id),
            "centre": centre,
            "informed_consent": True,
            "house_rules_accepted": True,
            "consent_given_on": "2026-11-24",
            "identity": identity,
        },
    )


async def test_a_rescued_minor_is_proposed_for_kompong_cham_and_a_duplicate_rescue_is_one_request(
    database, topics
):
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    case_id = uuid.uuid4()
    rescued = envelope(
        PersonRescued(
            case_number=case_number(),
            operation_id=uuid.uuid4(),
            urgency=Urgency.IMMEDIATE,
            apparent_minor=True,
        ),
        case_id,
        "investigation",
    )
    async with (
        running(recovery),
        TopicReader(bootstrap, [topics.stage_changed]) as feed,
        client(recovery) as c,
    ):
        # The same event twice, then a second distinct hand-off of the same case on the same
        # partition: once that one is claimed, both copies before it were consumed.
        again = envelope(rescued.payload, case_id, "investigation")
        await publish(bootstrap, topics.person_rescued, rescued, rescued, again)

        request = await wait_until(lambda: queued(c, case_id), what="the rescue reaches recovery")
        assert request["origin"] == "rescue"
        assert request["proposed_centre"] == "KC"
        assert request["waiting_reason"] == "awaiting_staff_confirmation"

        async def both_consumed():
            async with recovery.pool.acquire() as conn:
                return (
                    await conn.fetchval(
                        "SELECT count(*) FROM recovery.inbox"
                        " WHERE consumer = $2"
                        " AND event_id = ANY($1::uuid[])",
                        [rescued.event_id, again.event_id],
                        f"{topics.prefix}recovery.person_rescued",
                    )
                    == 2
                )

        await wait_until(both_consumed, what="both distinct hand-offs are consumed")

        # Tom Dy's staff cannot admit her to Kompong Cham; Kompong Cham's can.
        r = await c.post(
            "/admissions",
            headers=staff("TD"),
            json={
                "case_id": str(case_id),
                "centre": "KC",
                "informed_consent": True,
                "house_rules_accepted": True,
                "consent_given_on": "2026-11-24",
            },
        )
        assert r.status_code == 403, r.text
        r = await admit(c, case_id, "KC", name=CANARY)
        assert r.status_code == 201, r.text
        assert (await admit(c, case_id, "KC")).status_code == 409  # already resident

        [event] = stages_of(await feed.wait_for(topics.stage_changed, 1), case_id)
        assert event["payload"]["stage"] == "admitted"
        assert event["payload"]["centre"] == "KC"
        assert event["correlation_id"] == str(rescued.correlation_id)
        assert CANARY not in json.dumps(event)

        # Her record is for her centre's staff only.
        assert (await c.get(f"/residents/{case_id}", headers=staff("KC"))).status_code == 200
        assert (await c.get(f"/residents/{case_id}", headers=staff("SR"))).status_code == 404
        r = await c.get(
            f"/residents/{case_id}/identity", headers=staff("SR"), params={"purpose": "care"}
        )
        assert r.status_code == 404

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        n = await conn.fetchval(
            "SELECT count(*) FROM recovery.admission_requests WHERE case_id = $1", case_id
        )
        sealed = await conn.fetchval(
            "SELECT name_sealed FROM recovery.residents WHERE case_id = $1", case_id
        )
    finally:
        await conn.close()
    assert n == 1
    assert CANARY.encode() not in bytes(sealed)


async def test_a_full_centre_keeps_the_transfer_waiting_and_takes_her_when_a_place_frees(
    database, topics
):
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    small = f"Z{uuid.uuid4().hex[:8].upper()}"
    first, second = uuid.uuid4(), uuid.uuid4()
    placements = [
        envelope(
            PlacementRequested(
                case_number=case_number(), source=SignalSource.POLICE, urgency=Urgency.HIGH
            ),
            case_id,
            "intake",
        )
        for case_id in (first, second)
    ]
    async with (
        running(recovery),
        TopicReader(bootstrap, [topics.stage_changed]) as feed,
        client(recovery) as c,
    ):
        r = await c.put(
            f"/centres/{small}",
            headers=ADMIN,
            json={"name": "Test house", "province": "KH-8", "capacity": 1},
        )
        assert r.status_code == 200, r.text
        await publish(bootstrap, topics.placement_requested, *placements)
        for case_id in (first, second):
            await wait_until(
                lambda case_id=case_id: queued(c, case_id), what="the placements reach recovery"
            )
            assert (await admit(c, case_id, "TD")).status_code == 201, case_id

        # The first moves to the one-place house; the house is then full.
        r = await c.post(
            f"/residents/{first}/transfer-request", headers=staff("TD"), json={"to_centre": small}
        )
        assert r.status_code == 202, r.text
        assert r.json()["proposed_centre"] == small
        r = await c.post(
            f"/admission-requests/{first}/transfer-arrival",
            headers=staff(small),
            json={"consent_given": True},
        )
        assert r.status_code == 201, r.text
        assert r.json()["centre"] == small

        # The second waits, visibly and with the reason, and is refused while it is full.
        r = await c.post(
            f"/residents/{second}/transfer-request", headers=staff("TD"), json={"to_centre": small}
        )
        assert r.status_code == 202, r.text
        waiting = await queued(c, second, small)
        assert waiting["waiting_reason"] == "requested_centre_full"
        assert waiting["proposed_centre"] is None
        r = await c.post(
            f"/admission-requests/{second}/transfer-arrival",
            headers=staff(small),
            json={"consent_given": True},
        )
        assert r.status_code == 409, r.text
        assert (await c.get(f"/residents/{second}", headers=staff("TD"))).json()["centre"] == "TD"

        # The first leaves of her own will: her place is freed and the second is taken in.
        r = await c.post(
            f"/residents/{first}/departure",
            headers=staff(small),
            json={"reason": "wished_to_return_home", "left_on": str(datetime.now(UTC).date())},
        )
        assert r.status_code == 201, r.text
        assert r.json()["stage"] == "left_centre"
        r = await c.post(
            f"/residents/{first}/departure",
            headers=staff(small),
            json={"reason": "wished_to_return_home", "left_on": str(datetime.now(UTC).date())},
        )
        assert r.status_code == 409, r.text
        waiting = await queued(c, second, small)
        assert waiting["proposed_centre"] == small
        assert waiting["waiting_reason"] == "awaiting_staff_confirmation"
        r = await c.post(
            f"/admission-requests/{second}/transfer-arrival",
            headers=staff(small),
            json={"consent_given": True},
        )
        assert r.status_code == 201, r.text
        assert await queued(c, second, small) is None

        r = await c.get("/centres", headers=staff(small))
        [house] = [x for x in r.json() if x["code"] == small]
        assert (house["residents"], house["free_places"]) == (1, 0)

        records = await feed.wait_for(topics.stage_changed, 5)

    payloads = [e["payload"] for e in stages_of(records, first)]
    assert [(p["stage"], p["centre"], p["reason"]) for p in payloads] == [
        ("admitted", "TD", "placement"),
        ("admitted", small, "transfer"),
        ("left_centre", small, "wished_to_return_home"),
    ]
    payloads = [e["payload"] for e in stages_of(records, second)]
    assert [(p["stage"], p["centre"]) for p in payloads] == [
        ("admitted", "TD"),
        ("admitted", small),
    ]


async def test_two_staff_admitting_at_once_to_the_last_place_admit_one(database, topics):
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    small = f"Z{uuid.uuid4().hex[:8].upper()}"
    cases = [uuid.uuid4() for _ in range(2)]
    async with running(recovery), client(recovery) as c:
        r = await c.put(
            f"/centres/{small}",
            headers=ADMIN,
            json={"name": "Test house", "province": "KH-8", "capacity": 1},
        )
        assert r.status_code == 200, r.text
        await publish(
            bootstrap,
            topics.placement_requested,
            *(
                envelope(
                    PlacementRequested(
                        case_number=case_number(),
                        source=SignalSource.HOTLINE,
                        urgency=Urgency.IMMEDIATE,
                    ),
                    case_id,
                    "intake",
                )
                for case_id in cases
            ),
        )
        for case_id in cases:
            await wait_until(
                lambda case_id=case_id: queued(c, case_id), what="the placements reach recovery"
            )
        codes = sorted(
            r.status_code
            for r in await asyncio.gather(*(admit(c, case_id, small) for case_id in cases))
        )
        assert codes == [201, 409]
        r = await c.get("/centres", headers=staff(small))
        [house] = [x for x in r.json() if x["code"] == small]
        assert house["residents"] == 1


async def test_a_raid_of_sixty_rescues_with_redeliveries_queues_each_woman_once(database, topics):
    """One raid freed 83 women and girls (DOMAIN.md): many hand-offs at once, some delivered
    twice, each makes exactly one request."""
    recovery = recovery_app(settings_for(RecoverySettings, database, topics))
    bootstrap = database.infra.kafka_bootstrap_servers
    operation = uuid.uuid4()
    envs = [
        envelope(
            PersonRescued(
                case_number=case_number(),
                operation_id=operation,
                urgency=Urgency.IMMEDIATE,
                apparent_minor=i % 3 == 0,
            ),
            uuid.uuid4(),
            "investigation",
        )
        for i in range(60)
    ]
    ids = [e.case_id for e in envs]
    async with running(recovery):
        loop = asyncio.get_running_loop()
        started = loop.time()
        await publish(bootstrap, topics.person_rescued, *envs, *envs[::4])

        async def all_queued():
            async with recovery.pool.acquire() as conn:
                n = await conn.fetchval(
                    "SELECT count(*) FROM recovery.admission_requests"
                    " WHERE case_id = ANY($1::uuid[])",
                    ids,
                )
                claimed = await conn.fetchval(
                    "SELECT count(*) FROM recovery.audit WHERE case_id = ANY($1::uuid[])"
                    " AND action = 'admission_request_opened'",
                    ids,
                )
                return n == 60 and claimed == 60

        await wait_until(all_queued, what="every rescue reaches the queue")
        elapsed = loop.time() - started
        async with recovery.pool.acquire() as conn:
            minors = await conn.fetch(
                "SELECT DISTINCT proposed_centre FROM recovery.admission_requests"
                " WHERE case_id = ANY($1::uuid[]) AND apparent_minor",
                ids,
            )
    assert {r["proposed_centre"] for r in minors} <= {"KC", None}
    print(f"60 rescues (+15 redelivered) queued in {elapsed:.2f}s")
