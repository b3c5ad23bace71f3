"""Integration tier: `homeward audit verify` names the first row that was tampered with."""

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
from homeward_shared import cli
from homeward_shared.contracts import Topics
from homeward_shared.crypto import MasterKey
from homeward_shared.db import create_pool, migrate
from homeward_shared.uow import Actor, PostgresUnitOfWork, Scope
from typer.testing import CliRunner

pytestmark = pytest.mark.integration


async def verify_command(admin_dsn: str) -> tuple[int, str]:
    """`homeward audit verify`, in a thread: it runs its own event loop, as from a shell."""
    result = await asyncio.to_thread(
        CliRunner().invoke, cli.app, ["audit", "verify"], env={"DATABASE_URL": admin_dsn}
    )
    return result.exit_code, result.output


async def test_audit_verify_names_the_first_tampered_row_and_passes_once_it_is_restored(
    database, tmp_path: Path
):
    dsn = database.dsn("dashboard")
    await migrate(dsn, "dashboard", tmp_path)
    pool = await create_pool(dsn)
    case = uuid.uuid4()
    try:
        for i in range(3):
            async with PostgresUnitOfWork(
                pool,
                schema="dashboard",
                producer="test",
                topics=Topics("x."),
                translate=lambda e, t: [],
                master_key=MasterKey(b"m" * 32),
                scope=Scope(Actor(f"u-{i}", "tester")),
            ) as uow:
                uow.audit("tamper_probe", case, n=i)
                await uow.commit()
    finally:
        await pool.close()

    conn = await asyncpg.connect(database.admin_dsn)
    try:
        seqs = [
            r["seq"]
            for r in await conn.fetch(
                "SELECT seq FROM dashboard.audit WHERE case_id = $1 ORDER BY seq", case
            )
        ]
        code, out = await verify_command(database.admin_dsn)
        assert code == 0, out
        assert "dashboard" in out and "chain intact" in out

        # An insider with the schema owner's rights edits the middle row's detail.
        await conn.execute("ALTER TABLE dashboard.audit DISABLE TRIGGER audit_append_only")
        try:
            await conn.execute(
                "UPDATE dashboard.audit SET detail = '{\"n\": 99}' WHERE seq = $1", seqs[1]
            )
        finally:
            await conn.execute("ALTER TABLE dashboard.audit ENABLE TRIGGER audit_append_only")
        code, out = await verify_command(database.admin_dsn)
        assert code == 1
        assert f"dashboard.audit is broken at seq {seqs[1]}" in out, out

        # Put it back: the session's database is shared with the tests that follow.
        await conn.execute("ALTER TABLE dashboard.audit DISABLE TRIGGER audit_append_only")
        try:
            await conn.execute(
                "UPDATE dashboard.audit SET detail = '{\"n\": 1}' WHERE seq = $1", seqs[1]
            )
        finally:
            await conn.execute("ALTER TABLE dashboard.audit ENABLE TRIGGER audit_append_only")
        code, out = await verify_command(database.admin_dsn)
        assert code == 0, out
    finally:
        await conn.close()
