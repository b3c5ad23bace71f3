"""The partner register: codes in clear, each partner's display name sealed under its own key."""

from __future__ import annotations

import asyncpg
from homeward_shared.crypto import Vault

from homeward_reintegration.domain.partners import Partner, PartnerKind, partner_key


class PartnerRepository:
    def __init__(self, conn: asyncpg.Connection, vault: Vault) -> None:
        self._conn = conn
        self._vault = vault

    async def put(self, p: Partner, registered_by: str) -> bool:
        """Register or change a partner; True if it is new."""
        sealed = await self._vault.seal(partner_key(p.code), "partner.name", p.name)
        return bool(
            await self._conn.fetchval(
                "INSERT INTO reintegration.partners (code, kind, country, active, name_sealed,"
                " registered_by) VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind,"
                " country = EXCLUDED.country, active = EXCLUDED.active,"
                " name_sealed = coalesce(EXCLUDED.name_sealed, reintegration.partners.name_sealed)"
                " RETURNING xmax = 0",
                p.code,
                p.kind.value,
                p.country,
                p.active,
                sealed,
                registered_by,
            )
        )

    async def get(self, code: str, *, with_name: bool = False) -> Partner | None:
        r = await self._conn.fetchrow(
            "SELECT code, kind, country, active, name_sealed FROM reintegration.partners"
            " WHERE code = $1",
            code,
        )
        return None if r is None else await self._load(r, with_name)

    async def all(self) -> list[Partner]:
        rows = await self._conn.fetch(
            "SELECT code, kind, country, active, name_sealed FROM reintegration.partners"
            " ORDER BY code"
        )
        return [await self._load(r, False) for r in rows]

    async def _load(self, r: asyncpg.Record, with_name: bool) -> Partner:
        name = None
        if with_name:
            name = await self._vault.open(partner_key(r["code"]), "partner.name", r["name_sealed"])
        return Partner(
            code=r["code"],
            kind=PartnerKind(r["kind"]),
            country=r["country"],
            active=r["active"],
            name=name,
        )
