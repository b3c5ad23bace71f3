"""Intake's SQL. Explicit, schema-qualified, $n parameters; personal fields sealed here."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.crypto import Vault
from homeward_shared.stages import Stage

from homeward_intake.domain.model import PersonKnown, Signal, SignalStatus

_PERSONAL = ("name", "aliases", "phone", "notes")


class SignalRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def next_case_number(self, year: int) -> str:
        n = await self._conn.fetchval("SELECT nextval('intake.case_number_seq')")
        return f"IN-{year}-{n:06d}"

    async def add(self, signal: Signal, idempotency_key: str) -> bool:
        """False if a signal with this idempotency key exists already."""
        sealed = [
            await self._vault.seal(signal.case_id, f, getattr(signal.person, f)) for f in _PERSONAL
        ]
        result = await self._conn.execute(
            "INSERT INTO intake.signals (signal_id, case_id, case_number, idempotency_key,"
            " source, urgency, needs_shelter, apparent_minor, children_with_her, language,"
            " received_at, recorded_by, status, stage, routing_reason,"
            " name_sealed, aliases_sealed, phone_sealed, notes_sealed)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)"
            " ON CONFLICT (idempotency_key) DO NOTHING",
            signal.signal_id,
            signal.case_id,
            signal.case_number,
            idempotency_key,
            signal.source.value,
            signal.urgency.value,
            signal.needs_shelter,
            signal.apparent_minor,
            signal.children_with_her,
            signal.language,
            signal.received_at,
            signal.recorded_by,
            signal.status.value,
            signal.stage.value,
            signal.routing_reason,
            *sealed,
        )
        return result.endswith(" 1")

    async def by_idempotency_key(self, key: str) -> Signal | None:
        row = await self._conn.fetchrow(
            "SELECT * FROM intake.signals WHERE idempotency_key = $1", key
        )
        return self._load(row) if row else None

    async def get(self, signal_id: uuid.UUID, *, for_update: bool = False) -> Signal | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(
            f"SELECT * FROM intake.signals WHERE signal_id = $1{lock}", signal_id
        )
        return self._load(row) if row else None

    async def save(self, signal: Signal) -> None:
        await self._conn.execute(
            "UPDATE intake.signals SET status = $2, stage = $3, routing_reason = $4"
            " WHERE signal_id = $1",
            signal.signal_id,
            signal.status.value,
            signal.stage.value,
            signal.routing_reason,
        )

    async def open_person(self, signal: Signal) -> PersonKnown:
        row = await self._conn.fetchrow(
            "SELECT name_sealed, aliases_sealed, phone_sealed, notes_sealed"
            " FROM intake.signals WHERE signal_id = $1",
            signal.signal_id,
        )
        values = {
            f: await self._vault.open(signal.case_id, f, row[f"{f}_sealed"]) for f in _PERSONAL
        }
        return PersonKnown(**values)

    @staticmethod
    def _load(row: asyncpg.Record) -> Signal:
        received: datetime = row["received_at"]
        return Signal(
            signal_id=row["signal_id"],
            case_id=row["case_id"],
            case_number=row["case_number"],
            source=SignalSource(row["source"]),
            urgency=Urgency(row["urgency"]),
            needs_shelter=row["needs_shelter"],
            apparent_minor=row["apparent_minor"],
            children_with_her=row["children_with_her"],
            language=row["language"],
            received_at=received,
            recorded_by=row["recorded_by"],
            status=SignalStatus(row["status"]),
            stage=Stage(row["stage"]),
            routing_reason=row["routing_reason"],
        )
