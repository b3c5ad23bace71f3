"""Integration tier: the kernel's batch consumer over the real broker and database. A batch's
events commit in one transaction; an event that fails is set aside alone and the others are
applied once; the audit chain stays one chain; offsets are committed after the work."""

import uuid
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from homeward_shared.consumer import subscribe
from homeward_shared.contracts import CaseStageChanged, Topics
from homeward_shared.crypto import MasterKey
from homeward_shared.db import create_pool, migrate
from homeward_shared.dead_letters import DeadLetters
from homeward_shared.domain import PermanentEventError
from homeward_shared.envelope import Envelope
from homeward_shared.stages import Stage
from homeward_shared.testing.fakes import utc_now_envelope
from homeward_shared.testing.infra import wait_until
from homeward_shared.testing.kafka import TopicReader
from homeward_shared.uow import (
    Actor,
    Delivery,
    PostgresUnitOfWork,
    Received,
    Scope,
    verify_audit_chain,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def table(tmp_path: Path) -> tuple[Path, str]:
    """A table of the test's own in the dashboard schema (which no other test migrates)."""
    name = f"dashboard.batch_things_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"001_{name.split('.')[1]}.sql").write_text(
        f"CREATE TABLE {name} (case_id uuid PRIMARY KEY, n int NOT NULL DEFAULT 1);"
    )
    return tmp_path, name


class Harness:
    def __init__(self, database, topics: Topics, table: str, poison: set[uuid.UUID]) -> None:
        self.dsn = database.dsn("dashboard")
        self.bootstrap = database.infra.kafka_bootstrap_servers
        self.topic = topics.stage_changed
        self.group = f"{topics.prefix}batch-test"
        self.table = table
        self.poison = poison

    async def react(self, env: Envelope[CaseStageChanged], delivery: Delivery) -> None:
        uow = PostgresUnitOfWork(
            self.pool,
            schema="dashboard",
            producer="test",
            topics=Topics("x."),
            translate=lambda e, t: [],
            master_key=MasterKey(b"m" * 32),
            scope=Scope(Actor("test", "service"), env.correlation_id, env.event_id),
        )
        async with uow:
            if not await uow.claim(Received.of(env, delivery)):
                return
            await uow.conn.execute(
                f"INSERT INTO {self.table} (case_id) VALUES ($1)"
                f" ON CONFLICT (case_id) DO UPDATE SET n = {self.table}.n + 1",
                env.case_id,
            )
            if env.case_id in self.poison:
                raise PermanentEventError("this case breaks an invariant")
            uow.audit("thing_counted", env.case_id)
            await uow.commit()

    async def __aenter__(self) -> "Harness":
        self.pool = await create_pool(self.dsn)
        dead = DeadLetters("test", retry_backoff_s=0.1)
        self.broker = KafkaBroker(self.bootstrap, middlewares=[dead])
        dead.bind(self.broker)
        subscribe(
            self.broker,
            dead,
            topic=self.topic,
            group_id=self.group,
            contract=CaseStageChanged,
            react=self.react,
            name="count_things",
        )
        await self.broker.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.broker.stop()
        await self.pool.close()

    async def rows(self, cases: list[uuid.UUID]) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetch(
                f"SELECT case_id, n, xmin::text::bigint AS tx FROM {self.table}"
                " WHERE case_id = ANY($1)",
                cases,
            )
        finally:
            await conn.close()


async def publish_all(bootstrap: str, topic: str, values: list[bytes]) -> None:
    """One key: one partition, in this order, all waiting before the consumer starts."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = [await producer.send(topic, v, key=b"one-partition") for v in values]
        for future in sent:
            await future
    finally:
        await producer.stop()


def stage_event() -> Envelope[CaseStageChanged]:
    return utc_now_envelope(CaseStageChanged(stage=Stage.ADMITTED))


async def committed_offset(bootstrap: str, group: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(m.offset for m in offsets.values() if m.offset >= 0)


async def test_a_batch_of_events_commits_in_one_transaction_and_one_audit_chain(
    database, topics, table
):
    folder, name = table
    await migrate(database.dsn("dashboard"), "dashboard", folder)
    events = [stage_event() for _ in range(8)]
    cases = [e.case_id for e in events]
    h = Harness(database, topics, name, poison=set())
    await publish_all(h.bootstrap, h.topic, [e.model_dump_json().encode() for e in events])
    async with h:
        await wait_until(lambda: _count(h, cases, 8), what="the batch's eight events")
        await wait_until(
            lambda: _offset_is(h, 8), what="the offsets committed after the transaction"
        )
    rows = await h.rows(cases)
    assert sorted(r["n"] for r in rows) == [1] * 8
    assert len({r["tx"] for r in rows}) == 1  # one transaction for the whole poll
    conn = await asyncpg.connect(h.dsn)
    try:
        assert await verify_audit_chain(conn, "dashboard") >= 8
        assert (
            await conn.fetchval("SELECT count(*) - count(DISTINCT prev_hash) FROM dashboard.audit")
            == 0
        )
        assert (
            await conn.fetchval("SELECT count(*) FROM dashboard.inbox WHERE consumer = $1", h.group)
            == 8
        )
    finally:
        await conn.close()


async def test_a_failing_event_in_a_batch_is_set_aside_alone_and_the_rest_apply_once(
    database, topics, table
):
    folder, name = table
    await migrate(database.dsn("dashboard"), "dashboard", folder)
    events = [stage_event() for _ in range(6)]
    bad = events[2]
    # The first event again (a redelivery) and a poison one, inside one batch.
    values = [e.model_dump_json().encode() for e in events]
    values.insert(4, values[0])
    good = [e.case_id for e in events if e is not bad]
    h = Harness(database, topics, name, poison={bad.case_id})
    dlq = Topics.dead_letter(h.topic)
    await publish_all(h.bootstrap, h.topic, values)
    async with TopicReader(h.bootstrap, [dlq]) as dead, h:
        await wait_until(lambda: _count(h, good, 5), what="the five good events")
        [letter] = await dead.wait_for(dlq, 1)
        await wait_until(lambda: _offset_is(h, 7), what="the offsets past the whole batch")
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers["dlq.reason"] == "PermanentEventError: this case breaks an invariant"
    assert headers["dlq.original_offset"] == "2"
    assert letter.value == values[2]
    rows = await h.rows([e.case_id for e in events])
    assert sorted(r["n"] for r in rows) == [1] * 5  # applied once each, the bad one not at all
    assert bad.case_id not in {r["case_id"] for r in rows}
    conn = await asyncpg.connect(h.dsn)
    try:
        audited = await conn.fetchval(
            "SELECT count(*) FROM dashboard.audit WHERE case_id = ANY($1)",
            [e.case_id for e in events],
        )
        assert audited == 5
        assert await verify_audit_chain(conn, "dashboard") >= 5
    finally:
        await conn.close()


async def _count(h: Harness, cases: list[uuid.UUID], expected: int) -> bool:
    return len(await h.rows(cases)) == expected


async def _offset_is(h: Harness, expected: int) -> bool:
    return await committed_offset(h.bootstrap, h.group, h.topic) == expected
