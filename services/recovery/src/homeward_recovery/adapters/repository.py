"""Recovery's SQL. Explicit, schema-qualified, $n parameters; personal fields sealed here."""

from __future__ import annotations

import uuid

import asyncpg
from homeward_shared.contracts.handoffs import SignalSource, Urgency
from homeward_shared.crypto import Vault
from homeward_shared.stages import Stage

from homeward_recovery.domain.model import (
    AdmissionRequest,
    Centre,
    Consent,
    Identity,
    RequestStatus,
    Resident,
    ResidentStatus,
)

_IDENTITY = ("name", "aliases", "birth_date", "family_contacts", "village")


class CentreRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def all(self) -> list[Centre]:
        rows = await self._conn.fetch("SELECT * FROM recovery.centres ORDER BY code")
        return [self._load(r) for r in rows]

    async def get(self, code: str, *, for_update: bool = False) -> Centre | None:
        # Locking the centre serialises admissions to it, so two staff cannot both take
        # its last place.
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(
            f"SELECT * FROM recovery.centres WHERE code = $1{lock}", code
        )
        return self._load(row) if row else None

    async def occupancy(self) -> dict[str, int]:
        rows = await self._conn.fetch(
            "SELECT centre, count(*) AS n FROM recovery.residents"
            " WHERE status = 'resident' GROUP BY centre"
        )
        return {r["centre"]: r["n"] for r in rows}

    @staticmethod
    def _load(r: asyncpg.Record) -> Centre:
        return Centre(
            code=r["code"],
            name=r["name"],
            province=r["province"],
            capacity=r["capacity"],
            childcare=r["childcare"],
            for_youngest=r["for_youngest"],
            languages=tuple(r["languages"]),
        )


class AdmissionRequestRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, req: AdmissionRequest) -> bool:
        """False if her case already has a request (a second hand-off for the same case)."""
        result = await self._conn.execute(
            "INSERT INTO recovery.admission_requests (case_id, case_number, correlation_id,"
            " source, urgency, apparent_minor, children_with_her, language, received_at,"
            " proposed_centre, waiting_reason, status)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT (case_id) DO NOTHING",
            req.case_id,
            req.case_number,
            req.correlation_id,
            req.source.value,
            req.urgency.value,
            req.apparent_minor,
            req.children_with_her,
            req.language,
            req.received_at,
            req.proposed_centre,
            req.waiting_reason,
            req.status.value,
        )
        return result.endswith(" 1")

    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> AdmissionRequest | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(
            f"SELECT * FROM recovery.admission_requests WHERE case_id = $1{lock}", case_id
        )
        return self._load(row) if row else None

    async def waiting(self) -> list[AdmissionRequest]:
        rows = await self._conn.fetch(
            "SELECT * FROM recovery.admission_requests WHERE status = 'waiting'"
            " ORDER BY CASE urgency WHEN 'immediate' THEN 0 WHEN 'high' THEN 1 ELSE 2 END,"
            " received_at"
        )
        return [self._load(r) for r in rows]

    async def save(self, req: AdmissionRequest) -> None:
        await self._conn.execute(
            "UPDATE recovery.admission_requests"
            " SET status = $2, proposed_centre = $3, waiting_reason = $4 WHERE case_id = $1",
            req.case_id,
            req.status.value,
            req.proposed_centre,
            req.waiting_reason,
        )

    @staticmethod
    def _load(r: asyncpg.Record) -> AdmissionRequest:
        return AdmissionRequest(
            case_id=r["case_id"],
            case_number=r["case_number"],
            correlation_id=r["correlation_id"],
            source=SignalSource(r["source"]),
            urgency=Urgency(r["urgency"]),
            apparent_minor=r["apparent_minor"],
            children_with_her=r["children_with_her"],
            language=r["language"],
            received_at=r["received_at"],
            proposed_centre=r["proposed_centre"],
            waiting_reason=r["waiting_reason"],
            status=RequestStatus(r["status"]),
        )


class ResidentRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def add(self, res: Resident) -> None:
        sealed = [
            await self._vault.seal(res.case_id, f, getattr(res.identity, f)) for f in _IDENTITY
        ]
        await self._conn.execute(
            "INSERT INTO recovery.residents (case_id, case_number, correlation_id, centre,"
            " admitted_at, admitted_by, consent_informed, house_rules_accepted,"
            " consent_given_on, status, stage, skills, name_sealed, aliases_sealed,"
            " birth_date_sealed, family_contacts_sealed, village_sealed)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
            res.case_id,
            res.case_number,
            res.correlation_id,
            res.centre,
            res.admitted_at,
            res.admitted_by,
            res.consent.informed,
            res.consent.house_rules_accepted,
            res.consent.given_on,
            res.status.value,
            res.stage.value,
            list(res.skills),
            *sealed,
        )

    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> Resident | None:
        lock = " FOR UPDATE" if for_update else ""
        r = await self._conn.fetchrow(
            f"SELECT case_id, case_number, correlation_id, centre, admitted_at, admitted_by,"
            f" consent_informed, house_rules_accepted, consent_given_on, status, stage, skills"
            f" FROM recovery.residents WHERE case_id = $1{lock}",
            case_id,
        )
        if r is None:
            return None
        return Resident(
            case_id=r["case_id"],
            case_number=r["case_number"],
            correlation_id=r["correlation_id"],
            centre=r["centre"],
            admitted_at=r["admitted_at"],
            admitted_by=r["admitted_by"],
            consent=Consent(
                informed=r["consent_informed"],
                house_rules_accepted=r["house_rules_accepted"],
                given_on=r["consent_given_on"],
            ),
            status=ResidentStatus(r["status"]),
            stage=Stage(r["stage"]),
            skills=tuple(r["skills"]),
        )

    async def save(self, res: Resident) -> None:
        await self._conn.execute(
            "UPDATE recovery.residents SET status = $2, stage = $3, skills = $4 WHERE case_id = $1",
            res.case_id,
            res.status.value,
            res.stage.value,
            list(res.skills),
        )

    async def open_identity(self, res: Resident) -> Identity:
        row = await self._conn.fetchrow(
            "SELECT name_sealed, aliases_sealed, birth_date_sealed, family_contacts_sealed,"
            " village_sealed FROM recovery.residents WHERE case_id = $1",
            res.case_id,
        )
        return Identity(
            **{f: await self._vault.open(res.case_id, f, row[f"{f}_sealed"]) for f in _IDENTITY}
        )
