"""Erasure SQL: the requests (in the hosting service's schema) and key destruction (in
every schema). Explicit, schema-qualified, ``$n`` parameters."""

from __future__ import annotations

import uuid
from typing import Protocol

import asyncpg

from homeward_shared.contracts.erasure import ErasureReason
from homeward_shared.crypto import destroy_case_key
from homeward_shared.erasure.model import ErasureRequest, ErasureStatus

_COLUMNS = (
    "erasure_id, case_id, reason, requested_by, requested_at, expires_at, status,"
    " decided_by, decided_at, decision_reason"
)


class ErasureStore(Protocol):
    async def add(self, request: ErasureRequest) -> None: ...
    async def get(
        self, erasure_id: uuid.UUID, *, for_update: bool = False
    ) -> ErasureRequest | None: ...
    async def of_case(self, case_id: uuid.UUID) -> list[ErasureRequest]: ...
    async def listing(self, status: str | None, limit: int) -> list[ErasureRequest]: ...
    async def save(self, request: ErasureRequest) -> None: ...
    async def destroy_case_key(self, case_id: uuid.UUID) -> bool: ...


def _of(row: asyncpg.Record) -> ErasureRequest:
    return ErasureRequest(
        erasure_id=row["erasure_id"],
        case_id=row["case_id"],
        reason=ErasureReason(row["reason"]),
        requested_by=row["requested_by"],
        requested_at=row["requested_at"],
        expires_at=row["expires_at"],
        status=ErasureStatus(row["status"]),
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_reason=row["decision_reason"],
    )


class PostgresErasures:
    def __init__(self, conn: asyncpg.Connection, schema: str) -> None:
        self._conn = conn
        self._s = schema

    async def add(self, r: ErasureRequest) -> None:
        await self._conn.execute(
            f"INSERT INTO {self._s}.erasure_requests"
            " (erasure_id, case_id, reason, requested_by, requested_at, expires_at, status)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            r.erasure_id,
            r.case_id,
            r.reason.value,
            r.requested_by,
            r.requested_at,
            r.expires_at,
            r.stored_status.value,
        )

    async def get(
        self, erasure_id: uuid.UUID, *, for_update: bool = False
    ) -> ErasureRequest | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM {self._s}.erasure_requests WHERE erasure_id = $1"
            + (" FOR UPDATE" if for_update else ""),
            erasure_id,
        )
        return _of(row) if row else None

    async def of_case(self, case_id: uuid.UUID) -> list[ErasureRequest]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM {self._s}.erasure_requests WHERE case_id = $1"
            " ORDER BY requested_at",
            case_id,
        )
        return [_of(r) for r in rows]

    async def listing(self, status: str | None, limit: int) -> list[ErasureRequest]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM {self._s}.erasure_requests"
            " WHERE ($1::text IS NULL OR status = $1) ORDER BY requested_at DESC LIMIT $2",
            status,
            limit,
        )
        return [_of(r) for r in rows]

    async def save(self, r: ErasureRequest) -> None:
        await self._conn.execute(
            f"UPDATE {self._s}.erasure_requests SET status = $2, decided_by = $3,"
            " decided_at = $4, decision_reason = $5 WHERE erasure_id = $1",
            r.erasure_id,
            r.stored_status.value,
            r.decided_by,
            r.decided_at,
            r.decision_reason,
        )

    async def destroy_case_key(self, case_id: uuid.UUID) -> bool:
        return await destroy_case_key(self._conn, self._s, case_id)


def erasures_of(uow: object) -> ErasureStore:
    """The unit of work's erasure store: a fake's ``erasures`` attribute in unit tests, SQL on
    the transaction's connection otherwise."""
    store = getattr(uow, "erasures", None)
    if store is not None:
        return store
    return PostgresErasures(uow.conn, uow.schema)  # type: ignore[attr-defined]
