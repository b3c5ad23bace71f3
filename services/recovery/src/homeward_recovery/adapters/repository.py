"""Recovery's SQL. Explicit, schema-qualified, $n parameters; personal fields sealed here."""

from __future__ import annotations

import uuid

import asyncpg
from homeward_shared.contracts.handoffs import SignalSource, Skill, Urgency
from homeward_shared.crypto import KeyDestroyed, Keyring, MasterKey, Vault
from homeward_shared.stages import Stage

from homeward_recovery.domain.model import (
    AdmissionRequest,
    Centre,
    Consent,
    Identity,
    LeaveReason,
    RequestOrigin,
    RequestStatus,
    Resident,
    ResidentStatus,
    centre_key,
)

_IDENTITY = ("name", "aliases", "birth_date", "family_contacts", "village")


class CentreRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

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

    async def upsert(self, c: Centre) -> None:
        await self._conn.execute(
            "INSERT INTO recovery.centres"
            " (code, name_sealed, province, capacity, childcare, for_youngest, languages)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (code) DO UPDATE SET"
            " name = NULL, name_sealed = EXCLUDED.name_sealed, province = EXCLUDED.province,"
            " capacity = EXCLUDED.capacity, childcare = EXCLUDED.childcare,"
            " for_youngest = EXCLUDED.for_youngest, languages = EXCLUDED.languages",
            c.code,
            await self._vault.seal(centre_key(c.code), "centre.name", c.name),
            c.province,
            c.capacity,
            c.childcare,
            c.for_youngest,
            list(c.languages),
        )

    async def occupancy(self) -> dict[str, int]:
        rows = await self._conn.fetch(
            "SELECT centre, count(*) AS n FROM recovery.residents"
            " WHERE status = 'resident' GROUP BY centre"
        )
        return {r["centre"]: r["n"] for r in rows}

    async def with_occupancy(self) -> tuple[list[Centre], dict[str, int]]:
        """Every centre and its residents now, in one round trip (a hand-off's proposal)."""
        rows = await self._conn.fetch(
            "SELECT c.*, (SELECT count(*) FROM recovery.residents r"
            "  WHERE r.centre = c.code AND r.status = 'resident') AS occupied"
            " FROM recovery.centres c ORDER BY c.code"
        )
        return [self._load(r) for r in rows], {r["code"]: r["occupied"] for r in rows}

    async def names(self) -> dict[str, str | None]:
        """Every centre's name, opened (a centre whose key was destroyed has none)."""
        out: dict[str, str | None] = {}
        rows = await self._conn.fetch("SELECT code, name, name_sealed FROM recovery.centres")
        for r in rows:
            try:
                # A name still in clear is one written before names were sealed, until the
                # service's start-up job seals it (seal_centre_names).
                out[r["code"]] = r["name"] or await self._vault.open(
                    centre_key(r["code"]), "centre.name", r["name_sealed"]
                )
            except KeyDestroyed:
                out[r["code"]] = None
        return out

    @staticmethod
    def _load(r: asyncpg.Record) -> Centre:
        return Centre(
            code=r["code"],
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
            " proposed_centre, waiting_reason, status, origin, operation_id, from_centre,"
            " requested_centre)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)"
            " ON CONFLICT (case_id) DO NOTHING",
            req.case_id,
            req.case_number,
            req.correlation_id,
            req.source.value if req.source else None,
            req.urgency.value,
            req.apparent_minor,
            req.children_with_her,
            req.language,
            req.received_at,
            req.proposed_centre,
            req.waiting_reason,
            req.status.value,
            req.origin.value,
            req.operation_id,
            req.from_centre,
            req.requested_centre,
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
            "UPDATE recovery.admission_requests SET status = $2, proposed_centre = $3,"
            " waiting_reason = $4, origin = $5, from_centre = $6, requested_centre = $7,"
            " urgency = $8, received_at = $9 WHERE case_id = $1",
            req.case_id,
            req.status.value,
            req.proposed_centre,
            req.waiting_reason,
            req.origin.value,
            req.from_centre,
            req.requested_centre,
            req.urgency.value,
            req.received_at,
        )

    @staticmethod
    def _load(r: asyncpg.Record) -> AdmissionRequest:
        return AdmissionRequest(
            case_id=r["case_id"],
            case_number=r["case_number"],
            correlation_id=r["correlation_id"],
            origin=RequestOrigin(r["origin"]),
            source=SignalSource(r["source"]) if r["source"] else None,
            urgency=Urgency(r["urgency"]),
            apparent_minor=r["apparent_minor"],
            children_with_her=r["children_with_her"],
            language=r["language"],
            received_at=r["received_at"],
            proposed_centre=r["proposed_centre"],
            waiting_reason=r["waiting_reason"],
            status=RequestStatus(r["status"]),
            operation_id=r["operation_id"],
            from_centre=r["from_centre"],
            requested_centre=r["requested_centre"],
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
            f" consent_informed, house_rules_accepted, consent_given_on, status, stage, skills,"
            f" left_on, leave_reason"
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
            skills=tuple(Skill(x) for x in r["skills"]),
            left_on=r["left_on"],
            leave_reason=LeaveReason(r["leave_reason"]) if r["leave_reason"] else None,
        )

    async def save(self, res: Resident) -> None:
        await self._conn.execute(
            "UPDATE recovery.residents SET status = $2, stage = $3, skills = $4, centre = $5,"
            " left_on = $6, leave_reason = $7 WHERE case_id = $1",
            res.case_id,
            res.status.value,
            res.stage.value,
            list(res.skills),
            res.centre,
            res.left_on,
            res.leave_reason.value if res.leave_reason else None,
        )

    async def save_readmission(self, res: Resident, identity: Identity) -> None:
        """A new stay: consent given anew; identity fields given now replace the old ones,
        the others stay as sealed before."""
        await self.save(res)
        await self._conn.execute(
            "UPDATE recovery.residents SET admitted_at = $2, admitted_by = $3,"
            " consent_informed = $4, house_rules_accepted = $5, consent_given_on = $6"
            " WHERE case_id = $1",
            res.case_id,
            res.admitted_at,
            res.admitted_by,
            res.consent.informed,
            res.consent.house_rules_accepted,
            res.consent.given_on,
        )
        for f in _IDENTITY:
            value = getattr(identity, f)
            if value is not None:
                await self._conn.execute(
                    f"UPDATE recovery.residents SET {f}_sealed = $2 WHERE case_id = $1",
                    res.case_id,
                    await self._vault.seal(res.case_id, f, value),
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


async def seal_centre_names(pool: asyncpg.Pool, master: MasterKey | Keyring) -> int:
    """Seal every centre name still in clear (written before names were sealed); returns
    how many. Idempotent: a sealed centre has no clear name."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "SELECT code, name FROM recovery.centres WHERE name IS NOT NULL FOR UPDATE"
        )
        vault = Vault(conn, "recovery", master)
        for r in rows:
            await conn.execute(
                "UPDATE recovery.centres SET name_sealed = $2, name = NULL WHERE code = $1",
                r["code"],
                await vault.seal(centre_key(r["code"]), "centre.name", r["name"]),
            )
    return len(rows)
