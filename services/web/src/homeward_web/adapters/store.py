"""Sessions and logins in progress, in the web schema. Tokens and who the person is are
sealed with the service's keyring (``homeward_shared.crypto``: the current master key seals,
previous ones still open during a rotation); the row's key is the associated data."""

from __future__ import annotations

import hmac
import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg
from homeward_shared.crypto import Keyring
from homeward_shared.db import checked_identifier

from homeward_web.domain.sessions import PendingLogin, Person, Session, Tokens


def _tokens_json(tokens: Tokens, person: Person) -> bytes:
    return json.dumps(
        {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "id_token": tokens.id_token,
            "subject": person.subject,
            "username": person.username,
            "roles": list(person.roles),
            "centres": list(person.centres),
        }
    ).encode()


class SessionStore:
    def __init__(self, pool: asyncpg.Pool, schema: str, keyring: Keyring) -> None:
        self.pool = pool
        self.s = checked_identifier(schema)
        self.keyring = keyring

    def _seal(self, key: uuid.UUID, data: bytes) -> bytes:
        return self.keyring.wrap(key, data)

    def _open(self, key: uuid.UUID, blob: bytes, key_id: str) -> dict[str, Any]:
        return json.loads(self.keyring.unwrap(key, bytes(blob), key_id))

    def _session(self, row: asyncpg.Record) -> Session:
        d = self._open(row["session_key"], row["sealed"], row["master_key_id"])
        return Session(
            key=row["session_key"],
            person=Person(d["subject"], d["username"], tuple(d["roles"]), tuple(d["centres"])),
            tokens=Tokens(
                access_token=d["access_token"],
                access_expires_at=row["access_expires_at"],
                refresh_token=d["refresh_token"],
                id_token=d["id_token"],
            ),
            created_at=row["created_at"],
            last_seen_at=row["last_seen_at"],
            expires_at=row["expires_at"],
        )

    # -- sessions ------------------------------------------------------------------------

    async def create(self, digest: bytes, session: Session) -> None:
        await self.pool.execute(
            f"INSERT INTO {self.s}.sessions (session_key, id_digest, sealed, master_key_id,"
            " created_at, last_seen_at, expires_at, access_expires_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            session.key,
            digest,
            self._seal(session.key, _tokens_json(session.tokens, session.person)),
            self.keyring.key_id,
            session.created_at,
            session.last_seen_at,
            session.expires_at,
            session.tokens.access_expires_at,
        )

    async def find(self, digest: bytes, conn: asyncpg.Connection | None = None) -> Session | None:
        sql = f"SELECT * FROM {self.s}.sessions WHERE id_digest = $1"
        row = await (conn or self.pool).fetchrow(sql, digest)
        return None if row is None else self._session(row)

    async def find_for_update(self, conn: asyncpg.Connection, key: uuid.UUID) -> Session | None:
        row = await conn.fetchrow(
            f"SELECT * FROM {self.s}.sessions WHERE session_key = $1 FOR UPDATE", key
        )
        return None if row is None else self._session(row)

    async def touch(self, key: uuid.UUID, now: datetime) -> None:
        await self.pool.execute(
            f"UPDATE {self.s}.sessions SET last_seen_at = $2"
            " WHERE session_key = $1 AND last_seen_at < $2",
            key,
            now,
        )

    async def save_tokens(self, conn: asyncpg.Connection, session: Session) -> None:
        await conn.execute(
            f"UPDATE {self.s}.sessions SET sealed = $2, master_key_id = $3,"
            " access_expires_at = $4 WHERE session_key = $1",
            session.key,
            self._seal(session.key, _tokens_json(session.tokens, session.person)),
            self.keyring.key_id,
            session.tokens.access_expires_at,
        )

    async def delete(self, key: uuid.UUID, conn: asyncpg.Connection | None = None) -> None:
        await (conn or self.pool).execute(
            f"DELETE FROM {self.s}.sessions WHERE session_key = $1", key
        )

    async def purge(self, now: datetime, idle_before: datetime) -> int:
        """Sessions past their end, and logins never finished: gone, tokens and all."""
        async with self.pool.acquire() as conn, conn.transaction():
            n = await conn.fetchval(
                f"WITH d AS (DELETE FROM {self.s}.sessions WHERE expires_at <= $1"
                " OR last_seen_at <= $2 RETURNING 1) SELECT count(*) FROM d",
                now,
                idle_before,
            )
            await conn.execute(f"DELETE FROM {self.s}.logins WHERE expires_at <= $1", now)
        return int(n)

    # -- logins in progress --------------------------------------------------------------

    async def begin_login(
        self, state_digest: bytes, browser_digest: bytes, login: PendingLogin, expires_at: datetime
    ) -> None:
        key = uuid.uuid4()
        data = json.dumps(login.__dict__).encode()
        await self.pool.execute(
            f"INSERT INTO {self.s}.logins (login_key, state_digest, browser_digest, sealed,"
            " master_key_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            key,
            state_digest,
            browser_digest,
            self._seal(key, data),
            self.keyring.key_id,
            expires_at,
        )

    async def take_login(
        self, state_digest: bytes, browser_digest: bytes, now: datetime
    ) -> PendingLogin | None:
        """The login this state began, once: taken or not, a state is never used twice. It
        must come back to the browser that began it (login CSRF) and in time."""
        row = await self.pool.fetchrow(
            f"DELETE FROM {self.s}.logins WHERE state_digest = $1 RETURNING *", state_digest
        )
        if (
            row is None
            or not hmac.compare_digest(bytes(row["browser_digest"]), browser_digest)
            or row["expires_at"] <= now
        ):
            return None
        d = self._open(row["login_key"], row["sealed"], row["master_key_id"])
        return PendingLogin(**d)
