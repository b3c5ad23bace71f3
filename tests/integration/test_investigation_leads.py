"""Investigations over the real broker and database: intake's leads open or join one, the
team opens its own, and undercover visits keep their observations sealed."""

import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from homeward_investigation.bootstrap import bootstrap
from homeward_investigation.settings import InvestigationSettings
from homeward_shared.contracts import LeadReported
from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, Urgency
from homeward_shared.envelope import Envelope
from homeward_shared.testing.auth import as_user
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.plugin import running, settings_for

from tests.integration.helpers import fresh_area

pytestmark = pytest.mark.integration
INVESTIGATOR = as_user("u-inv-1", "investigator")
CANARY = "Bopha-canary-77d0"


def lead(area: tuple[str, str], urgency: Urgency, **extra) -> Envelope[LeadReported]:
    province, district = area
    lead_id = uuid.uuid4()
    return Envelope.wrap(
        LeadReported(
            lead_id=lead_id,
            establishment_kind=EstablishmentKind.MASSAGE_PARLOUR,
            province=province,
            district=district,
            urgency=urgency,
            persons_reported=4,
            indicators=[Indicator.APPARENT_MINOR],
            **extra,
        ),
        case_id=lead_id,
        producer="intake",
        correlation_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
    )


async def in_area(c: httpx.AsyncClient, area: tuple[str, str]) -> list[dict]:
    r = await c.get("/investigations", headers=INVESTIGATOR, params={"limit": 200})
    assert r.status_code == 200, r.text
    return [
        i
        for i in r.json()
        if (i["establishment"]["province"], i["establishment"]["district"]) == area
    ]


async def test_leads_open_one_investigation_per_place_and_a_redelivery_changes_nothing(
    database, topics
):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    here, elsewhere = fresh_area(), fresh_area()
    first = lead(here, Urgency.ROUTINE)
    second = lead(here, Urgency.IMMEDIATE)
    other = lead(elsewhere, Urgency.HIGH)
    # Keyed by the first lead's id: the same partition, so when it is consumed the two
    # copies of the first before it were too.
    sentinel = lead(here, Urgency.ROUTINE)
    producer = AIOKafkaProducer(
        bootstrap_servers=database.infra.kafka_bootstrap_servers, acks="all"
    )
    await producer.start()
    try:
        for env, key in [
            (first, first.case_id),
            (first, first.case_id),
            (second, second.case_id),
            (other, other.case_id),
            (sentinel, first.case_id),
        ]:
            await producer.send_and_wait(
                topics.lead_reported, env.model_dump_json().encode(), key=str(key).encode()
            )
    finally:
        await producer.stop()

    async with (
        running(investigation),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(investigation.app), base_url="http://t"
        ) as c,
    ):

        async def settled():
            found = await in_area(c, here)
            return found if found and len(found[0]["leads"]) == 3 else None

        [joined] = await wait_until(settled, what="three leads linked to one investigation")
        [apart] = await wait_until(lambda: in_area(c, elsewhere), what="the other place")

    leads = {x["lead_id"] for x in joined["leads"]}
    assert leads == {str(e.payload.lead_id) for e in (first, second, sentinel)}
    assert joined["origin"] == "lead" and joined["urgency"] == "immediate"
    assert joined["opened_by"] == "service:investigation"
    assert [x["lead_id"] for x in apart["leads"]] == [str(other.payload.lead_id)]
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        claimed = await conn.fetchval(
            "SELECT count(*) FROM investigation.inbox WHERE event_id = $1", first.event_id
        )
    finally:
        await conn.close()
    assert claimed == 1


async def test_the_team_opens_an_investigation_and_records_visits_with_sealed_observations(
    database, topics
):
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    async with (
        running(investigation),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(investigation.app), base_url="http://t"
        ) as c,
    ):
        body = {
            "idempotency_key": uuid.uuid4().hex,
            "establishment": {
                "kind": "beer_garden",
                "province": "KH-2",
                "district": "0201",
                "address": f"{CANARY} road 5",
            },
            "urgency": "routine",
        }
        r = await c.post("/investigations", headers=INVESTIGATOR, json=body)
        assert r.status_code == 201, r.text
        opened = r.json()
        r = await c.post("/investigations", headers=INVESTIGATOR, json=body)
        assert r.status_code == 200 and r.json()["investigation_id"] == opened["investigation_id"]

        visits = f"/investigations/{opened['investigation_id']}/visits"
        visit = {
            "idempotency_key": uuid.uuid4().hex,
            "visited_on": str(date.today() - timedelta(days=2)),
            "investigators": ["u-inv-1", "u-inv-4"],
            "observations": f"{CANARY}: six girls, two look 14, a guard at the back door",
        }
        r = await c.post(visits, headers=INVESTIGATOR, json={**visit, "visited_on": "2999-01-01"})
        assert r.status_code == 422 and "visited_on" in r.text
        r = await c.post(visits, headers=as_user("u-inv-1", "legal"), json=visit)
        assert r.status_code == 403
        for expected in (201, 200):
            r = await c.post(visits, headers=INVESTIGATOR, json=visit)
            assert r.status_code == expected, r.text
        [recorded] = r.json()["visits"]
        assert recorded["investigators"] == ["u-inv-1", "u-inv-4"]
        assert CANARY not in r.text

        r = await c.get(
            f"{visits}/{recorded['visit_id']}/observations",
            headers=INVESTIGATOR,
            params={"purpose": "rescue_operation"},
        )
        assert r.status_code == 200 and r.json()["observations"].startswith(CANARY)

        # The report that the visits led to is filed under the investigation.
        r = await c.post(
            "/reports",
            headers=INVESTIGATOR,
            json={
                "idempotency_key": uuid.uuid4().hex,
                "investigation_id": opened["investigation_id"],
                "visit_dates": [visit["visited_on"]],
                "urgency": "high",
                "persons": [{"sex": "female", "approximate_age": 15}],
            },
        )
        assert r.status_code == 201, r.text
        report = r.json()
        assert report["investigation_id"] == opened["investigation_id"]
        assert report["establishment"] == opened["establishment"]
        r = await c.get(
            f"/reports/{report['report_id']}/establishment",
            headers=INVESTIGATOR,
            params={"purpose": "rescue_operation"},
        )
        assert r.json()["address"] == f"{CANARY} road 5"

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        for table in ("undercover_visits", "establishments", "audit"):
            dump = await conn.fetchval(
                f"SELECT coalesce(string_agg(x::text, ''), '') FROM investigation.{table} x"
            )
            assert CANARY not in dump, table
        reads = await conn.fetchval(
            "SELECT count(*) FROM investigation.audit WHERE action = 'personal_data_read'"
            " AND detail->>'visit_id' = $1",
            recorded["visit_id"],
        )
    finally:
        await conn.close()
    assert reads == 1


async def test_text_the_database_cannot_store_is_refused_with_422_and_nothing_written(
    database, topics
):
    # JSON and Python strings may hold NUL; PostgreSQL's text may not (found by the fuzzer).
    # The key is a code now, so its pattern refuses the NUL before the database sees it.
    investigation = bootstrap(settings_for(InvestigationSettings, database, topics))
    key = f"{CANARY}\x00key"
    before = await _investigations(database)
    async with (
        running(investigation),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(investigation.app), base_url="http://t"
        ) as c,
    ):
        r = await c.post(
            "/investigations",
            headers=INVESTIGATOR,
            json={
                "idempotency_key": key,
                "establishment": {
                    "kind": "beer_garden",
                    "province": "KH-2",
                    "district": "0201",
                    "address": "road 5",
                },
                "urgency": "routine",
            },
        )
        assert r.status_code == 422, r.text
        assert CANARY not in r.text
    assert await _investigations(database) == before


async def _investigations(database) -> int:
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM investigation.investigations")
    finally:
        await conn.close()
