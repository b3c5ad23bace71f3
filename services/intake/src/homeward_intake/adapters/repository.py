"""Intake's SQL. Explicit, schema-qualified, $n parameters; personal fields sealed here."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime

import asyncpg
from homeward_shared.contracts.handoffs import EstablishmentKind, Indicator, SignalSource, Urgency
from homeward_shared.crypto import Vault
from homeward_shared.stages import Stage

from homeward_intake.domain.model import (
    Establishment,
    Lead,
    LeadStatus,
    OutreachActivity,
    PersonKnown,
    Signal,
    SignalStatus,
    normalised,
)

_PERSONAL = ("name", "aliases", "phone", "notes")
# Every column but the sealed ones: a list never reads what it does not show.
_CLEAR_COLUMNS = (
    "signal_id, case_id, case_number, source, urgency, needs_shelter, apparent_minor,"
    " children_with_her, language, received_at, recorded_by, status, stage, routing_reason,"
    " lead_id"
)


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
            "UPDATE intake.signals SET status = $2, stage = $3, routing_reason = $4,"
            " lead_id = $5 WHERE signal_id = $1",
            signal.signal_id,
            signal.status.value,
            signal.stage.value,
            signal.routing_reason,
            signal.lead_id,
        )

    async def page(
        self,
        *,
        recorded_by: str | None,
        status: SignalStatus | None,
        source: SignalSource | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Signal]:
        """Newest first by (received_at, signal_id), strictly past ``after``: a keyset, so
        the cost does not grow with the page number. Only the conditions given are in the
        SQL, so the planner sees (recorded_by, received_at, signal_id) and uses its index."""
        where: list[str] = []
        args: list[object] = []

        def arg(value: object) -> str:
            args.append(value)
            return f"${len(args)}"

        if recorded_by is not None:
            where.append(f"recorded_by = {arg(recorded_by)}")
        if status is not None:
            where.append(f"status = {arg(status.value)}")
        if source is not None:
            where.append(f"source = {arg(source.value)}")
        if after is not None:
            where.append(f"(received_at, signal_id) < ({arg(after[0])}, {arg(after[1])})")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = await self._conn.fetch(
            f"SELECT {_CLEAR_COLUMNS} FROM intake.signals{clause}"
            f" ORDER BY received_at DESC, signal_id DESC LIMIT {arg(limit)}",
            *args,
        )
        return [self._load(r) for r in rows]

    async def position(self, signal_id: uuid.UUID) -> tuple[datetime, uuid.UUID] | None:
        """Where a signal stands in the newest-first order (a page's cursor)."""
        row = await self._conn.fetchrow(
            "SELECT received_at, signal_id FROM intake.signals WHERE signal_id = $1", signal_id
        )
        return (row["received_at"], row["signal_id"]) if row else None

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
            lead_id=row["lead_id"],
        )


_SEALED_PLACE = ("name", "address")


def match_key(secret: bytes, e: Establishment) -> str:
    """Keyed, so that a reader of the table cannot test guessed names against it."""
    parts = [e.kind.value, normalised(e.province), normalised(e.district), normalised(e.name)]
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


class LeadRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault, match_secret: bytes) -> None:
        self._conn = conn
        self._vault = vault
        self._secret = match_secret

    def match_key(self, establishment: Establishment) -> str:
        return match_key(self._secret, establishment)

    async def add(self, lead: Lead) -> bool:
        """False if another open lead on the same place committed first."""
        e = lead.establishment
        sealed = [await self._vault.seal(lead.lead_id, f, getattr(e, f)) for f in _SEALED_PLACE]
        result = await self._conn.execute(
            "INSERT INTO intake.leads (lead_id, match_key, establishment_kind, province,"
            " district, urgency, persons_reported, indicators, signals, status, opened_at,"
            " opened_by, first_signal_id, name_sealed, address_sealed)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)"
            " ON CONFLICT (match_key) WHERE status = 'open' DO NOTHING",
            lead.lead_id,
            lead.match_key,
            e.kind.value,
            e.province,
            e.district,
            lead.urgency.value,
            lead.persons_reported,
            [i.value for i in lead.indicators],
            lead.signals,
            lead.status.value,
            lead.opened_at,
            lead.opened_by,
            lead.first_signal_id,
            *sealed,
        )
        return result.endswith(" 1")

    async def open_for(self, key: str, *, for_update: bool = False) -> Lead | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(
            "SELECT lead_id, match_key, establishment_kind, province, district, urgency,"
            " persons_reported, indicators, signals, status, opened_at, opened_by,"
            f" first_signal_id FROM intake.leads WHERE match_key = $1 AND status = 'open'{lock}",
            key,
        )
        return self._load(row) if row else None

    async def get(self, lead_id: uuid.UUID) -> Lead | None:
        row = await self._conn.fetchrow(
            "SELECT lead_id, match_key, establishment_kind, province, district, urgency,"
            " persons_reported, indicators, signals, status, opened_at, opened_by,"
            " first_signal_id FROM intake.leads WHERE lead_id = $1",
            lead_id,
        )
        return self._load(row) if row else None

    async def save(self, lead: Lead) -> None:
        await self._conn.execute(
            "UPDATE intake.leads SET signals = $2, persons_reported = $3, indicators = $4,"
            " status = $5 WHERE lead_id = $1",
            lead.lead_id,
            lead.signals,
            lead.persons_reported,
            [i.value for i in lead.indicators],
            lead.status.value,
        )

    @staticmethod
    def _load(r: asyncpg.Record) -> Lead:
        return Lead(
            lead_id=r["lead_id"],
            establishment=Establishment(
                kind=EstablishmentKind(r["establishment_kind"]),
                province=r["province"],
                district=r["district"],
            ),
            match_key=r["match_key"],
            urgency=Urgency(r["urgency"]),
            persons_reported=r["persons_reported"],
            indicators=tuple(Indicator(i) for i in r["indicators"]),
            signals=r["signals"],
            status=LeadStatus(r["status"]),
            opened_at=r["opened_at"],
            opened_by=r["opened_by"],
            first_signal_id=r["first_signal_id"],
        )


class OutreachRepository:
    """Outreach counts: no personal field, nothing to seal."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, activity: OutreachActivity, idempotency_key: str) -> bool:
        """False if a record with this idempotency key exists already."""
        result = await self._conn.execute(
            "INSERT INTO intake.outreach_activities (activity_id, idempotency_key, on_date,"
            " province, district, entertainment_areas_visited, clinic_consultations,"
            " educational_contacts, recorded_at, recorded_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT (idempotency_key) DO NOTHING",
            activity.activity_id,
            idempotency_key,
            activity.on,
            activity.province,
            activity.district,
            activity.entertainment_areas_visited,
            activity.clinic_consultations,
            activity.educational_contacts,
            activity.recorded_at,
            activity.recorded_by,
        )
        return result.endswith(" 1")

    async def by_idempotency_key(self, key: str) -> OutreachActivity | None:
        row = await self._conn.fetchrow(
            "SELECT * FROM intake.outreach_activities WHERE idempotency_key = $1", key
        )
        return self._load(row) if row else None

    async def get(self, activity_id: uuid.UUID) -> OutreachActivity | None:
        row = await self._conn.fetchrow(
            "SELECT * FROM intake.outreach_activities WHERE activity_id = $1", activity_id
        )
        return self._load(row) if row else None

    @staticmethod
    def _load(r: asyncpg.Record) -> OutreachActivity:
        return OutreachActivity(
            activity_id=r["activity_id"],
            on=r["on_date"],
            province=r["province"],
            district=r["district"],
            entertainment_areas_visited=r["entertainment_areas_visited"],
            clinic_consultations=r["clinic_consultations"],
            educational_contacts=r["educational_contacts"],
            recorded_at=r["recorded_at"],
            recorded_by=r["recorded_by"],
        )
