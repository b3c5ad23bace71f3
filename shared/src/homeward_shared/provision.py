"""One database, one schema and one login role per service (DESIGN.md "Running it").

A role owns its schema and cannot read another service's. Used by ``make infra-up`` for the
local database, by the test fixtures for each test session's throwaway database, and in
production by ``homeward provision`` (deploy/README.md), which takes each role's password.
Run as ``python -m homeward_shared.provision ADMIN_DSN DATABASE``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import sys
import time
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from homeward_shared.db import checked_identifier

SERVICES: dict[str, str] = {
    "intake": "homeward_intake",
    "investigation": "homeward_investigation",
    "recovery": "homeward_recovery",
    "reintegration": "homeward_reintegration",
    "dashboard": "homeward_dashboard",
}
# The web service (the browser's front door) holds sessions only: a schema and login role of
# its own like the five, but no outbox, events or case data, so the commands that walk the
# services' outboxes, topics and policies (SERVICES) leave it out.
FRONT_DOOR: dict[str, str] = {"web": "homeward_web"}
# Every schema and its login role.
SCHEMAS: dict[str, str] = {**SERVICES, **FRONT_DOOR}


def role_password(role: str) -> str:
    """Local and test passwords equal the role name; production sets its own secrets."""
    return role


def scram_verifier(password: str, *, iterations: int = 4096) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier for ``password`` (RFC 5802 / 7677). A role's
    password is sent as this, so the plain password never reaches the server, its logs or
    ``pg_stat_activity``."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def dsn_with(admin_dsn: str, *, user: str, password: str, database: str) -> str:
    parts = urlsplit(admin_dsn)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user}:{password}@{host}:{parts.port or 5432}"
    return urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, ""))


def service_dsn(admin_dsn: str, service: str, database: str) -> str:
    role = SCHEMAS[service]
    return dsn_with(admin_dsn, user=role, password=role_password(role), database=database)


async def provision(
    admin_dsn: str, database: str, passwords: Mapping[str, str] | None = None
) -> None:
    """Create the database, a login role and schema per service; idempotent. ``passwords``
    (service name -> password) sets those roles' passwords on every run (a rerun rotates
    them); a role without one gets the local password, equal to its name."""
    database = checked_identifier(database)
    passwords = passwords or {}
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f"CREATE DATABASE {database}")
        me = await conn.fetchval("SELECT current_user")
        for service, role in SCHEMAS.items():
            given = passwords.get(service)
            # A verifier is base64 and '$:' only: nothing in it can end the SQL literal.
            verifier = scram_verifier(given if given is not None else role_password(role))
            if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
                await conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{verifier}'")
            elif given is not None:
                await conn.execute(f"ALTER ROLE {role} PASSWORD '{verifier}'")
            # Membership lets the admin create a schema owned by the role (PostgreSQL 15).
            if not await conn.fetchval("SELECT pg_has_role($1, $2, 'MEMBER')", me, role):
                await conn.execute(f"GRANT {role} TO {me}")
    finally:
        await conn.close()
    db = await asyncpg.connect(
        dsn_with(admin_dsn, user=_user(admin_dsn), password=_pw(admin_dsn), database=database)
    )
    try:
        await db.execute(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
        await db.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        for schema, role in SCHEMAS.items():
            await db.execute(f"GRANT CONNECT ON DATABASE {database} TO {role}")
            await db.execute(f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {role}")
            await db.execute(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
    finally:
        await db.close()


async def drop(admin_dsn: str, database: str, *, within_s: float = 10.0) -> None:
    """Drop a throwaway database. FORCE ends the sessions still in it, but the admin role may
    not end a service role's session: one whose client has just closed the connection can
    linger a moment as its backend exits, and the drop is retried until it has gone."""
    conn = await asyncpg.connect(admin_dsn)
    deadline = time.monotonic() + within_s
    try:
        while True:
            try:
                await conn.execute(
                    f"DROP DATABASE IF EXISTS {checked_identifier(database)} WITH (FORCE)"
                )
                return
            except asyncpg.InsufficientPrivilegeError:
                if time.monotonic() >= deadline:
                    raise
                await asyncio.sleep(0.05)
    finally:
        await conn.close()


def _user(dsn: str) -> str:
    return urlsplit(dsn).username or "postgres"


def _pw(dsn: str) -> str:
    return urlsplit(dsn).password or ""


if __name__ == "__main__":
    asyncio.run(provision(sys.argv[1], sys.argv[2]))
