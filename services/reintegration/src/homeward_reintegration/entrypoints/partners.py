"""The partner register over HTTP: admins register partner organisations by code; the team
lists them and reads one partner's (sealed) name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Response
from fastapi import Path as FastApiPath
from homeward_shared.personal import PersonalField, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.strict import RequestModel
from homeward_shared.uow import Actor
from pydantic import BaseModel, ConfigDict, Field

from homeward_reintegration.domain.partners import PARTNER_CODE, Partner, PartnerKind
from homeward_reintegration.entrypoints.codes import Country, PartnerCode
from homeward_reintegration.service import partners as handlers

Admin = Annotated[Actor, require_role("admin")]
Readers = Annotated[Actor, require_role("reintegration", "admin")]

router = APIRouter(tags=["partners"])


class PartnerIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    kind: PartnerKind
    country: Country | None = Field(None, description="ISO 3166-1 alpha-2: where it works")
    active: bool = Field(True, description="an inactive partner cannot be named on a new plan")
    name: str | None = PersonalField(
        None,
        min_length=1,
        max_length=200,
        description="display name: typed text, sealed under the partner's own key;"
        " kept as it was when omitted",
    )


class PartnerOut(BaseModel):
    code: PartnerCode
    kind: PartnerKind
    country: Country | None
    active: bool
    name: str | None = PersonalField(None)

    @classmethod
    def of(cls, p: Partner) -> PartnerOut:
        return cls(code=p.code, kind=p.kind, country=p.country, active=p.active, name=p.name)


register_personal(PartnerIn, PartnerOut)


@router.put("/partners/{code}", status_code=201)
async def register_partner(
    code: Annotated[str, FastApiPath(pattern=PARTNER_CODE, max_length=32)],
    body: PartnerIn,
    service: ServiceDep,
    actor: Admin,
    response: Response,
) -> PartnerOut:
    """Register a partner organisation (201) or change it (200). Audited by code only."""
    partner = Partner(code=code, kind=body.kind, country=body.country, active=body.active)
    partner.name = body.name
    created = await handlers.register_partner(partner, service.uow(actor))
    response.status_code = 201 if created else 200
    return PartnerOut.of(partner).model_copy(update={"name": None})


@router.get("/partners")
async def partners(service: ServiceDep, actor: Readers) -> list[PartnerOut]:
    """Every registered partner, by code (names are read one partner at a time)."""
    return [PartnerOut.of(p) for p in await handlers.list_partners(service.uow(actor))]


@router.get("/partners/{code}")
async def partner(
    code: Annotated[str, FastApiPath(pattern=PARTNER_CODE, max_length=32)],
    service: ServiceDep,
    actor: Readers,
) -> PartnerOut:
    """One partner, with its display name opened."""
    found = await handlers.get_partner(code, service.uow(actor))
    if found is None:
        raise HTTPException(404, "no partner is registered under this code")
    return PartnerOut.of(found)
