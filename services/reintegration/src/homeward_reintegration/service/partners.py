"""The partner register's handlers: an admin registers; the team reads."""

from __future__ import annotations

from typing import Protocol

from homeward_shared.uow import AbstractUnitOfWork

from homeward_reintegration.domain.partners import Partner


class Partners(Protocol):
    async def put(self, p: Partner, registered_by: str) -> bool: ...
    async def get(self, code: str, *, with_name: bool = False) -> Partner | None: ...
    async def all(self) -> list[Partner]: ...


class PartnersUoW(AbstractUnitOfWork):
    partners: Partners


async def register_partner(partner: Partner, uow: PartnersUoW) -> bool:
    """Register a partner or change it (kind, country, active, name); audited with codes
    only: the name is sealed and never in the audit row."""
    async with uow:
        created = await uow.partners.put(partner, str(uow.scope.actor))
        uow.audit(
            "partner_registered" if created else "partner_changed",
            None,
            partner=partner.code,
            kind=partner.kind.value,
            country=partner.country,
            active=partner.active,
        )
        await uow.commit()
    return created


async def list_partners(uow: PartnersUoW) -> list[Partner]:
    async with uow:
        return await uow.partners.all()


async def get_partner(code: str, uow: PartnersUoW) -> Partner | None:
    async with uow:
        return await uow.partners.get(code, with_name=True)
