"""asyncpg pool and the migration runner.

Each service's SQL files are applied to its own schema at start-up, in file-name order,
each in its own transaction, and recorded in ``<schema>.schema_migrations``. A session
advisory lock per schema makes two processes starting at once apply each file once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
from pydantic_core import to_json

from homeward_shared.logging import get_logger

log = get_logger(__name__)

# What a database that is down, restarting or full looks like to a client: the connection
# was refused, reset or closed under us, the server is shutting down or starting up
# (class 57), or it has no connection slot left. None of these is the request's fault, so
# HTTP answers 503 with Retry-After and a consumer retries the event later (never
# dead-letters it).
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.InterfaceError,
    OSError,
    TimeoutError,
)

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def json_rows(rows: Iterable[Mapping[str, Any]]) -> str:
    """Many rows as one JSON document, for ``json_to_recordset($1::json) AS r(col type, ...)``
    in a set-wise write. One parameter serialised in Rust instead of one array a column:
    asyncpg encodes array elements one by one and checks each against three collection
    ABCs, which cost a rebuild 15 us a nine-column row against 5 us this way (measured, see
    bench/README.md). Uuids, datetimes, dates and decimals become the strings PostgreSQL
    reads back exactly; a dict becomes a JSON object (for a ``jsonb`` column)."""
    return to_json(list(rows)).decode()


def checked_identifier(name: str) -> str:
    """Schema names are interpolated into SQL, so only plain lower-case identifiers pass."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool connections carry no session state to reset: the kernel takes only
    transaction-level advisory locks on them, never LISTENs or SETs on them (the relay and
    the migration runner use connections of their own). asyncpg still rolls back an open
    transaction before calling this; skipping its RESET ALL / UNLISTEN / unlock query saves a
    round trip on every release (measured at ~2.4 ms of a ~37 ms hand-off)."""


async def create_pool(dsn: str, *, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn, min_size=1, max_size=max_size, command_timeout=30, reset=_keep_session
    )


class MigrationChanged(RuntimeError):
    pass


def _kernel_migrations(schema: str) -> list[tuple[str, str]]:
    files = resources.files("homeward_shared").joinpath("sql")
    out = []
    for f in sorted(files.iterdir(), key=lambda p: p.name):
        if f.name.endswith(".sql"):
            out.append((f"kernel/{f.name}", f.read_text().replace("{schema}", schema)))
    return out


def _service_migrations(directory: Path) -> list[tuple[str, str]]:
    return [(p.name, p.read_text()) for p in sorted(directory.glob("*.sql"))]


async def migrate(dsn: str, schema: str, directory: Path, *, kernel: bool = True) -> list[str]:
    """Apply the kernel's tables (outbox, inbox, audit, case keys: ``kernel``) and then the
    service's own files. Returns what was applied. The web service holds sessions only and
    takes none of the kernel's tables."""
    schema = checked_identifier(schema)
    applied: list[str] = []
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"homeward.migrate.{schema}")
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
            " version text PRIMARY KEY, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {
            r["version"]: r["checksum"]
            for r in await conn.fetch(f"SELECT version, checksum FROM {schema}.schema_migrations")
        }
        kernel_files = _kernel_migrations(schema) if kernel else []
        for version, sql in kernel_files + _service_migrations(directory):
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if version in done:
                if done[version] != checksum:
                    raise MigrationChanged(
                        f"{schema}:{version} was edited after it was applied; add a new file"
                    )
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    f"INSERT INTO {schema}.schema_migrations (version, checksum) VALUES ($1, $2)",
                    version,
                    checksum,
                )
            applied.append(version)
            log.info("migration_applied", schema=schema, version=version)
    finally:
        await conn.close()  # closing the session releases the advisory lock
    return applied
