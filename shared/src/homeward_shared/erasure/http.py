"""The erasure workflow's HTTP routes: a kernel router, mounted by the one service that hosts
the workflow (intake; docs/security.md says why).

Who may do what, declared once here (the per-service policy table takes these entries):
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from homeward_shared.contracts.erasure import ErasureReason
from homeward_shared.domain import utcnow
from homeward_shared.erasure import handlers
from homeward_shared.erasure.model import ErasureRequest, ErasureStatus, FourEyes
from homeward_shared.erasure.store import erasures_of
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.strict import RequestModel
from homeward_shared.uow import Actor

# (method, path) -> roles. Only admins act; auditors may see the requests and decisions.
ROUTE_ROLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/erasures"): ("admin",),
    ("POST", "/erasures/{erasure_id}/approve"): ("admin",),
    ("POST", "/erasures/{erasure_id}/reject"): ("admin",),
    ("GET", "/erasures"): ("admin", "auditor"),
    ("GET", "/erasures/{erasure_id}"): ("admin", "auditor"),
}

Admin = Annotated[Actor, require_role(*ROUTE_ROLES[("POST", "/erasures")])]
Reader = Annotated[Actor, require_role(*ROUTE_ROLES[("GET", "/erasures")])]

router = APIRouter(tags=["erasure"])

REASON_CODE = r"^[a-z][a-z0-9_]{1,63}$"


class ErasureIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    case_id: uuid.UUID
    reason: ErasureReason


class RejectionIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(pattern=REASON_CODE, description="reason code, never free text")


class ErasureOut(BaseModel):
    erasure_id: uuid.UUID
    case_id: uuid.UUID
    reason: ErasureReason
    status: ErasureStatus
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None

    @classmethod
    def of(cls, r: ErasureRequest) -> ErasureOut:
        return cls(
            erasure_id=r.erasure_id,
            case_id=r.case_id,
            reason=r.reason,
            status=r.status_at(utcnow()),
            requested_by=r.requested_by,
            requested_at=r.requested_at,
            expires_at=r.expires_at,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_reason=r.decision_reason,
        )


@router.post("/erasures", status_code=201)
async def request_erasure(body: ErasureIn, service: ServiceDep, actor: Admin) -> ErasureOut:
    """Ask to erase one person. A different admin must approve before it expires."""
    ttl = timedelta(hours=service.settings.erasure_request_ttl_hours)
    request = await handlers.request_erasure(
        handlers.RequestErasure(body.case_id, body.reason, ttl), service.uow(actor)
    )
    return ErasureOut.of(request)


@router.post("/erasures/{erasure_id}/approve")
async def approve_erasure(erasure_id: uuid.UUID, service: ServiceDep, actor: Admin) -> ErasureOut:
    """The second admin's approval: every service destroys her case keys."""
    try:
        request = await handlers.approve_erasure(
            handlers.ApproveErasure(erasure_id), service.uow(actor)
        )
    except FourEyes as exc:
        raise HTTPException(403, str(exc)) from None
    return ErasureOut.of(request)


@router.post("/erasures/{erasure_id}/reject")
async def reject_erasure(
    erasure_id: uuid.UUID, body: RejectionIn, service: ServiceDep, actor: Admin
) -> ErasureOut:
    request = await handlers.reject_erasure(
        handlers.RejectErasure(erasure_id, body.reason), service.uow(actor)
    )
    return ErasureOut.of(request)


@router.get("/erasures")
async def list_erasures(
    service: ServiceDep,
    actor: Reader,
    status: Annotated[ErasureStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ErasureOut]:
    async with service.uow(actor) as uow:
        # Expired is computed, not stored: it is a pending row past its time.
        stored = ErasureStatus.PENDING if status is ErasureStatus.EXPIRED else status
        found = await erasures_of(uow).listing(stored.value if stored else None, limit)
    out = [ErasureOut.of(r) for r in found]
    return [o for o in out if status is None or o.status is status]


@router.get("/erasures/{erasure_id}")
async def get_erasure(erasure_id: uuid.UUID, service: ServiceDep, actor: Reader) -> ErasureOut:
    async with service.uow(actor) as uow:
        request = await erasures_of(uow).get(erasure_id)
    if request is None:
        raise HTTPException(404, f"no erasure request {erasure_id}")
    return ErasureOut.of(request)
