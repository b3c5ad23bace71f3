"""Integration tier: the kernel's database parts on the real PostgreSQL."""

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
from homeward_shared.contracts import Topics
from homeward_shared.crypto import KeyDestroyed, MasterKey
from homeward_shared.db import MigrationChanged, create_pool, migrate
from homeward_shared.domain import Aggregate, StageEntered
from homeward_shared.stages import Stage
from homeward_shared.uow import Actor, PostgresUnitOfWork, Scope, verify_audit_chain

pytestmark = pytest.mark.integration


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A service's migrations folder of the test's own, applied to the dashboard schema
    (which no other test migrates)."""
    tag = uuid.uuid4().hex[:8]
    (tmp_path / f"001_things_{tag}.sql").write_text(
        f"CREATE TABLE dashboard.things_{tag} (id int PRIMARY KEY);"
    )
    return tmp_path


async def test_migrations_apply_once_even_from_two_processes_at_once(database, scratch):
    dsn = database.dsn("dashboard")
    applied = await asyncio.gather(
        migrate(dsn, "dashboard", scratch), migrate(dsn, "dashboard", scratch)
    )
    [name] = [p.name for p in scratch.glob("*.sql")]
    flat = [v for batch in applied for v in batch]
    assert flat.count(name) == 1
    assert await migrate(dsn, "dashboard", scratch) == []

    (scratch / name).write_text("SELECT 1;")
    with pytest.raises(MigrationChanged):
        await migrate(dsn, "dashboard", scratch)


async def test_a_service_role_cannot_read_another_services_schema(database, scratch):
    await migrate(database.dsn("dashboard"), "dashboard", scratch)
    conn = await asyncpg.connect(database.dsn("intake"))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch("SELECT * FROM dashboard.outbox")
    finally:
        await conn.close()


class Thing(Aggregate):
    def __init__(self, case_id):
        super().__init__()
        self.case_id = case_id


def uow_on(pool, actor="u-1") -> PostgresUnitOfWork:
    return PostgresUnitOfWork(
        pool,
        schema="dashboard",
        producer="test",
        topics=Topics("x."),
        translate=lambda e, t: [],
        master_key=MasterKey(b"m" * 32),
        scope=Scope(Actor(actor, "tester"), correlation_id=uuid.uuid4()),
    )


async def test_unit_of_work_writes_nothing_unless_committed_and_chains_the_audit(database, scratch):
    dsn = database.dsn("dashboard")
    await migrate(dsn, "dashboard", scratch)
    pool = await create_pool(dsn)
    case = uuid.uuid4()
    try:
        with pytest.raises(RuntimeError):
            async with uow_on(pool) as uow:
                thing = Thing(case)
                thing.record(StageEntered(case_id=case, stage=Stage.REPORTED, previous_stage=None))
                uow.track(thing)
                raise RuntimeError("crash before commit")
        async with pool.acquire() as conn:
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM dashboard.outbox WHERE aggregate_id = $1", case
                )
                == 0
            )

        for i in range(3):
            async with uow_on(pool, actor=f"u-{i}") as uow:
                thing = Thing(case)
                thing.record(StageEntered(case_id=case, stage=Stage.REPORTED, previous_stage=None))
                uow.track(thing)
                await uow.commit()
        async with pool.acquire() as conn:
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM dashboard.outbox WHERE aggregate_id = $1", case
                )
                == 3
            )
            actors = await conn.fetch(
                "SELECT actor FROM dashboard.audit WHERE case_id = $1 ORDER BY seq", case
            )
            assert [r["actor"] for r in actors] == ["tester:u-0", "tester:u-1", "tester:u-2"]
            assert await verify_audit_chain(conn, "dashboard") >= 3
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await conn.execute("UPDATE dashboard.audit SET actor = 'someone else'")
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await conn.execute("DELETE FROM dashboard.audit")
            # Even the schema's owner, bypassing the trigger, cannot change a row unseen.
            await conn.execute("ALTER TABLE dashboard.audit DISABLE TRIGGER audit_append_only")
            await conn.execute(
                "UPDATE dashboard.audit SET actor = 'someone else'"
                " WHERE case_id = $1 AND actor = 'tester:u-1'",
                case,
            )
            await conn.execute("ALTER TABLE dashboard.audit ENABLE TRIGGER audit_append_only")
            with pytest.raises(ValueError, match="broken"):
                await verify_audit_chain(conn, "dashboard")
            # Put it back: the session's database is shared with the tests that follow.
            await conn.execute("ALTER TABLE dashboard.audit DISABLE TRIGGER audit_append_only")
            await conn.execute(
                "UPDATE dashboard.audit SET actor = 'tester:u-1'"
                " WHERE case_id = $1 AND actor = 'someone else'",
                case,
            )
            await conn.execute("ALTER TABLE dashboard.audit ENABLE TRIGGER audit_append_only")
            assert await verify_audit_chain(conn, "dashboard") >= 3
    finally:
        await pool.close()


async def test_a_destroyed_case_key_makes_her_sealed_fields_unreadable(database, scratch):
    dsn = database.dsn("dashboard")
    await migrate(dsn, "dashboard", scratch)
    pool = await create_pool(dsn)
    case = uuid.uuid4()
    try:
        async with uow_on(pool) as uow:
            blob = await uow.vault.seal(case, "name", "Canary")
            await uow.commit()
        async with uow_on(pool) as uow:
            assert await uow.vault.open(case, "name", blob) == "Canary"
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE dashboard.case_keys SET wrapped_key = NULL, destroyed_at = now()"
                " WHERE case_id = $1",
                case,
            )
        async with uow_on(pool) as uow:
            with pytest.raises(KeyDestroyed):
                await uow.vault.open(case, "name", blob)
    finally:
        await pool.close()


async def test_concurrent_transactions_extend_the_audit_chain_without_forking_it(database, scratch):
    dsn = database.dsn("dashboard")
    await migrate(dsn, "dashboard", scratch)
    pool = await create_pool(dsn, max_size=12)

    async def one(i: int) -> None:
        async with uow_on(pool, actor=f"u-{i}") as uow:
            uow.audit("concurrent_write", uuid.uuid4(), n=i)
            await asyncio.sleep(0)  # let the others reach the lock while this holds it
            await uow.commit()

    try:
        await asyncio.gather(*(one(i) for i in range(40)))
        async with pool.acquire() as conn:
            assert await verify_audit_chain(conn, "dashboard") >= 40
            forks = await conn.fetchval(
                "SELECT count(*) - count(DISTINCT prev_hash) FROM dashboard.audit"
            )
            assert forks == 0
    finally:
        await pool.close()
