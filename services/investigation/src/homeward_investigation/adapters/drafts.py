"""Report drafts' SQL: one row per draft, its body sealed whole under ``draft_key``."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from homeward_shared.crypto import Vault, destroy_case_key

from homeward_investigation.domain.drafts import DraftSummary, ReportDraft, draft_key

_FIELD = "report_draft.body"
_SUMMARY = "draft_id, created_at, updated_at, persons_count"


def _summary(r: asyncpg.Record) -> DraftSummary:
    return DraftSummary(
        draft_id=r["draft_id"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        persons_count=r["persons_count"],
    )


class DraftRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault, schema: str) -> None:
        self._conn = conn
        self._vault = vault
        self._schema = schema

    async def lock(self, draft_id: uuid.UUID) -> None:
        """Serialise writers of one draft id (two tabs, a late save racing the filing)."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 18))", str(draft_id)
        )

    async def owner(self, draft_id: uuid.UUID) -> str | None:
        return await self._conn.fetchval(
            "SELECT author FROM investigation.report_drafts WHERE draft_id = $1", draft_id
        )

    async def spent(self, draft_id: uuid.UUID) -> bool:
        """Its key was destroyed: the draft was deleted, filed or purged. A draft id is used
        once, so that a late save cannot bring a filed report's draft back."""
        return bool(
            await self._conn.fetchval(
                f"SELECT destroyed_at IS NOT NULL FROM {self._schema}.case_keys WHERE case_id = $1",
                draft_key(draft_id),
            )
        )

    async def put(
        self, draft_id: uuid.UUID, author: str, body: str, persons_count: int, now: datetime
    ) -> DraftSummary:
        sealed = await self._vault.seal(draft_key(draft_id), _FIELD, body)
        row = await self._conn.fetchrow(
            "INSERT INTO investigation.report_drafts (draft_id, author, created_at, updated_at,"
            " persons_count, body_sealed) VALUES ($1, $2, $3, $3, $4, $5)"
            " ON CONFLICT (draft_id) DO UPDATE SET updated_at = EXCLUDED.updated_at,"
            " persons_count = EXCLUDED.persons_count, body_sealed = EXCLUDED.body_sealed"
            f" RETURNING {_SUMMARY}",
            draft_id,
            author,
            now,
            persons_count,
            sealed,
        )
        return _summary(row)

    async def of_author(self, author: str, *, limit: int) -> list[DraftSummary]:
        rows = await self._conn.fetch(
            f"SELECT {_SUMMARY} FROM investigation.report_drafts WHERE author = $1"
            " ORDER BY updated_at DESC LIMIT $2",
            author,
            limit,
        )
        return [_summary(r) for r in rows]

    async def open(self, draft_id: uuid.UUID, author: str) -> ReportDraft | None:
        row = await self._conn.fetchrow(
            f"SELECT {_SUMMARY}, body_sealed FROM investigation.report_drafts"
            " WHERE draft_id = $1 AND author = $2",
            draft_id,
            author,
        )
        if row is None:
            return None
        body = await self._vault.open(draft_key(draft_id), _FIELD, row["body_sealed"])
        assert body is not None
        return ReportDraft(summary=_summary(row), body=body)

    async def delete(self, draft_id: uuid.UUID, author: str) -> bool:
        """Delete her draft and destroy its key; False if she has no such draft."""
        gone = await self._conn.fetchval(
            "DELETE FROM investigation.report_drafts WHERE draft_id = $1 AND author = $2"
            " RETURNING true",
            draft_id,
            author,
        )
        if gone:
            await destroy_case_key(self._conn, self._schema, draft_key(draft_id))
        return bool(gone)

    async def purge(self, older_than: datetime) -> int:
        """Delete every draft not saved since ``older_than``, destroying their keys."""
        ids = await self._conn.fetch(
            "DELETE FROM investigation.report_drafts WHERE updated_at < $1 RETURNING draft_id",
            older_than,
        )
        for r in ids:
            await destroy_case_key(self._conn, self._schema, draft_key(r["draft_id"]))
        return len(ids)
