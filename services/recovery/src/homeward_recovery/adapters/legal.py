"""SQL for residents' requests for legal assistance; the note is sealed under her case key."""

from __future__ import annotations

import uuid

import asyncpg
from homeward_shared.contracts.handoffs import LegalAssistanceKind, Urgency
from homeward_shared.crypto import Vault

from homeward_recovery.domain.legal import LegalAssistanceRequest


class LegalAssistanceRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def add(self, r: LegalAssistanceRequest, idempotency_key: str | None) -> None:
        await self._conn.execute(
            "INSERT INTO recovery.legal_assistance_requests (request_id, case_id, centre, kind,"
            " urgency, requested_at, requested_by, idempotency_key, note_sealed)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            r.request_id,
            r.case_id,
            r.centre,
            r.kind.value,
            r.urgency.value,
            r.requested_at,
            r.requested_by,
            idempotency_key,
            await self._vault.seal(r.case_id, "legal_assistance_note", r.note),
        )

    async def by_idempotency_key(
        self, case_id: uuid.UUID, key: str
    ) -> LegalAssistanceRequest | None:
        row = await self._conn.fetchrow(
            "SELECT * FROM recovery.legal_assistance_requests"
            " WHERE idempotency_key = $1 AND case_id = $2",
            key,
            case_id,
        )
        return self._request(row, None) if row else None

    async def of_case(
        self, case_id: uuid.UUID, *, with_notes: bool
    ) -> list[LegalAssistanceRequest]:
        rows = await self._conn.fetch(
            "SELECT * FROM recovery.legal_assistance_requests WHERE case_id = $1"
            " ORDER BY requested_at, request_id",
            case_id,
        )
        out = []
        for r in rows:
            note = (
                await self._vault.open(case_id, "legal_assistance_note", r["note_sealed"])
                if with_notes
                else None
            )
            out.append(self._request(r, note))
        return out

    @staticmethod
    def _request(r: asyncpg.Record, note: str | None) -> LegalAssistanceRequest:
        return LegalAssistanceRequest(
            request_id=r["request_id"],
            case_id=r["case_id"],
            centre=r["centre"],
            kind=LegalAssistanceKind(r["kind"]),
            urgency=Urgency(r["urgency"]),
            requested_at=r["requested_at"],
            requested_by=r["requested_by"],
            note=note,
        )
