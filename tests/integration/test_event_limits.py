"""Event sizes are bounded where events are made and where they are sent, over the real
database and broker: the unit of work refuses to write an event over the limit (the change
is refused with it), and the relay sends a row over the limit to the dead-letter topic with
the reason, in its place in the order, so the rows after it still go out."""

import asyncio
import dataclasses
import json
import uuid
from pathlib import Path
from typing import ClassVar

import asyncpg
import pytest
from homeward_shared.contracts import Topics
from homeward_shared.crypto import MasterKey
from homeward_shared.db import create_pool, migrate
from homeward_shared.domain import Aggregate, DomainEvent, EventTooLarge
from homeward_shared.envelope import Payload
from homeward_shared.messages import Outgoing
from homeward_shared.outbox import OutboxRelay
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.uow import Actor, PostgresUnitOfWork, Scope

from tests.asyncapi_check import Wire, check, documents

pytestmark = pytest.mark.integration


@pytest.fixture
async def scratch_schema(database, tmp_path: Path):
    """A schema of the test's own with the kernel's tables, so that its relay sees only the
    rows this test wrote."""
    schema = f"limits_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    await migrate(database.admin_dsn, schema, tmp_path)
    yield schema
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await conn.close()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Noted(DomainEvent):
    note: str


class Note(Payload):
    """A test's event; contracts bound their fields, so only a test can make one this big."""

    event_type: ClassVar[str] = "test.noted"
    note: str


class Case(Aggregate):
    def __init__(self, case_id: uuid.UUID, note: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.record(Noted(case_id=case_id, note=note))


def translate(event, topics: Topics) -> list[Outgoing]:
    return [Outgoing(topics.lead_reported, Note(note=event.note))]


def uow(pool, schema: str, topics: Topics, limit: int | None) -> PostgresUnitOfWork:
    return PostgresUnitOfWork(
        pool,
        schema=schema,
        producer="test",
        topics=topics,
        translate=translate,
        master_key=MasterKey(b"m" * 32),
        scope=Scope(Actor("u-1", "tester"), correlation_id=uuid.uuid4()),
        max_event_bytes=limit,
    )


async def test_the_unit_of_work_refuses_an_event_over_the_limit_and_writes_nothing(
    database, scratch_schema, topics
):
    pool = await create_pool(database.admin_dsn, max_size=2)
    try:
        case_id = uuid.uuid4()
        with pytest.raises(EventTooLarge, match="limit is 600"):
            async with uow(pool, scratch_schema, topics, 600) as w:
                w.track(Case(case_id, "x" * 1_000))
                await w.commit()
        async with uow(pool, scratch_schema, topics, 600) as w:
            w.track(Case(uuid.uuid4(), "small"))
            await w.commit()
        async with pool.acquire() as conn:
            refused = await conn.fetchval(
                f"SELECT count(*) FROM {scratch_schema}.outbox WHERE aggregate_id = $1", case_id
            )
            audited = await conn.fetchval(
                f"SELECT count(*) FROM {scratch_schema}.audit WHERE case_id = $1", case_id
            )
            written = await conn.fetchval(f"SELECT count(*) FROM {scratch_schema}.outbox")
    finally:
        await pool.close()
    assert (refused, audited, written) == (0, 0, 1)


async def test_the_relay_dead_letters_a_row_over_the_limit_and_sends_the_rest(
    database, scratch_schema, topics
):
    pool = await create_pool(database.admin_dsn, max_size=2)
    case_id = uuid.uuid4()
    try:
        # Written while the limit was higher (or by an older version): small, big, small.
        for note in ("first", "y" * 3_000, "third"):
            async with uow(pool, scratch_schema, topics, None) as w:
                w.track(Case(case_id, note))
                await w.commit()
    finally:
        await pool.close()
    bootstrap = database.infra.kafka_bootstrap_servers
    relay = OutboxRelay(
        database.admin_dsn, scratch_schema, bootstrap, poll_interval_s=0.1, max_event_bytes=2_000
    )
    stop = asyncio.Event()
    dlq = Topics.dead_letter(topics.lead_reported)
    async with TopicReader(bootstrap, [topics.lead_reported, dlq]) as reader:
        task = asyncio.create_task(relay.run(stop))
        try:
            sent = await reader.wait_for(topics.lead_reported, 2)
            [letter] = await reader.wait_for(dlq, 1)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
    assert [json.loads(r.value)["payload"]["note"] for r in sent] == ["first", "third"]
    headers = dict(letter.headers)
    assert headers["dlq.error"] == b"EventTooLarge"
    assert b"limit is 2000" in headers["dlq.reason"]
    assert headers["dlq.original_topic"] == topics.lead_reported.encode()
    assert json.loads(letter.value)["payload"]["note"] == "y" * 3_000
    # As the AsyncAPI document of a producer of the topic declares its dead letters.
    assert check(documents()["intake"], "send", Wire.of(letter, topics.prefix)) == []
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        left = await conn.fetchval(
            f"SELECT count(*) FROM {scratch_schema}.outbox WHERE published_at IS NULL"
        )
    finally:
        await conn.close()
    assert left == 0
