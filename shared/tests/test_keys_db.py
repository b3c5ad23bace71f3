"""Integration tier: master-key rotation and key destruction on the real PostgreSQL, in a
schema of the test's own (the session database is shared)."""

import asyncio
import random
import uuid
from pathlib import Path

import asyncpg
import pytest
from homeward_shared.contracts import Topics
from homeward_shared.crypto import (
    KeyDestroyed,
    Keyring,
    MasterKey,
    destroy_case_key,
    rotate_case_keys,
)
from homeward_shared.db import create_pool, migrate
from homeward_shared.uow import Actor, PostgresUnitOfWork, Scope

pytestmark = pytest.mark.integration

OLD, NEW, STRANGER = MasterKey(b"o" * 32), MasterKey(b"n" * 32), MasterKey(b"s" * 32)


@pytest.fixture
async def scratch_schema(database, tmp_path: Path):
    schema = f"keys_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(database.admin_dsn)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
        await migrate(database.admin_dsn, schema, tmp_path)
        yield schema
    finally:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


def uow_on(pool, schema, keyring) -> PostgresUnitOfWork:
    return PostgresUnitOfWork(
        pool,
        schema=schema,
        producer="test",
        topics=Topics("x."),
        translate=lambda e, t: [],
        master_key=keyring,
        scope=Scope(Actor("u-1", "tester"), correlation_id=uuid.uuid4()),
    )


async def seal(pool, schema, keyring, case_id, value) -> bytes:
    async with uow_on(pool, schema, keyring) as uow:
        blob = await uow.vault.seal(case_id, "name", value)
        await uow.commit()
    return blob


async def read(pool, schema, keyring, case_id, blob) -> str:
    async with uow_on(pool, schema, keyring) as uow:
        return await uow.vault.open(case_id, "name", blob)


async def test_rotation_rewraps_every_live_key_while_the_service_reads_and_writes(
    database, scratch_schema
):
    schema = scratch_schema
    pool = await create_pool(database.admin_dsn, max_size=8)
    try:
        before = Keyring(OLD)
        sealed = {}
        for i in range(300):
            case_id = uuid.uuid4()
            sealed[case_id] = (await seal(pool, schema, before, case_id, f"v{i}"), f"v{i}")
        erased = next(iter(sealed))
        async with pool.acquire() as conn:
            assert await destroy_case_key(conn, schema, erased)
            # A key wrapped by a master key nobody holds any more: reported, left alone.
            stranger = uuid.uuid4()
            await conn.execute(
                f"INSERT INTO {schema}.case_keys (case_id, wrapped_key, master_key_id)"
                " VALUES ($1, $2, $3)",
                stranger,
                STRANGER.wrap(stranger, b"k" * 32),
                STRANGER.key_id,
            )

        # Phase two of a rotation: the new key is current, the old one still known.
        during = Keyring(NEW, [OLD])
        rotation = asyncio.create_task(rotate_case_keys(pool, schema, during, batch_size=10))
        reads = writes = 0
        live = [c for c in sealed if c != erased]
        while not rotation.done():
            case_id = random.choice(live)
            blob, value = sealed[case_id]
            assert await read(pool, schema, during, case_id, blob) == value
            reads += 1
            fresh = uuid.uuid4()
            sealed[fresh] = (await seal(pool, schema, during, fresh, "new"), "new")
            live.append(fresh)
            writes += 1
        result = await rotation
        assert reads > 5 and writes > 5, (reads, writes)
        assert result.rewrapped == 299 and result.unknown == 1 and result.busy == 0

        # The old key can now be retired: every live case opens with the new one alone.
        after = Keyring(NEW)
        for case_id in live:
            blob, value = sealed[case_id]
            assert await read(pool, schema, after, case_id, blob) == value
        with pytest.raises(KeyDestroyed):
            await read(pool, schema, after, erased, sealed[erased][0])
        async with pool.acquire() as conn:
            assert await conn.fetchval(
                f"SELECT wrapped_key IS NULL FROM {schema}.case_keys WHERE case_id = $1", erased
            )
            by_key = dict(
                await conn.fetch(
                    f"SELECT master_key_id, count(*) FROM {schema}.case_keys"
                    " WHERE destroyed_at IS NULL GROUP BY 1"
                )
            )
        assert by_key == {NEW.key_id: len(live), STRANGER.key_id: 1}
        again = await rotate_case_keys(pool, schema, during)
        assert (again.rewrapped, again.unknown) == (0, 1)
    finally:
        await pool.close()


async def test_a_destroyed_case_gets_no_new_key_and_destruction_is_idempotent(
    database, scratch_schema
):
    schema = scratch_schema
    pool = await create_pool(database.admin_dsn)
    ring = Keyring(OLD)
    try:
        never_sealed = uuid.uuid4()
        async with pool.acquire() as conn:
            assert not await destroy_case_key(conn, schema, never_sealed)  # tombstone only
            assert not await destroy_case_key(conn, schema, never_sealed)
        with pytest.raises(KeyDestroyed):
            await seal(pool, schema, ring, never_sealed, "after her erasure")
    finally:
        await pool.close()
