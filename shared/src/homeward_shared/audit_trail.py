"""The auditors' window on a service's audit trail: who did what to which case, and when,
and whether the hash chain still holds. Mounted in every service by the kernel.

Audit rows hold ids, action names and codes, never personal data (handlers write them so);
as a second guard, any detail key registered as personal is dropped before it leaves.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from homeward_shared.db import checked_identifier
from homeward_shared.personal import registered_personal_names
from homeward_shared.policy import authorise
from homeward_shared.uow import Actor, verify_audit_chain

router = APIRouter(tags=["audit"])

Auditor = Annotated[Actor, Depends(authorise)]

# ``audit.seq`` is a bigint: a cursor beyond it is refused as input (422), not passed to
# PostgreSQL, which cannot encode it (a 500).
SEQ_MAX = 2**63 - 1

# Detail keys that hold a code, by action: (action, key) -> the codes. The trail is
# append-only and hash-chained, so a row written while the field was still free text keeps
# its value in the table; this route serves such a value as ``SET_ASIDE`` instead (the value
# itself was copied, sealed, to the service's ``set_aside`` table by a migration).
_CODED: dict[tuple[str, str], frozenset[str]] = {}
SET_ASIDE = "[set_aside]"


def register_coded_detail(actions: Iterable[str], key: str, codes: Iterable[str]) -> None:
    """Declare that ``key`` of these actions' details is a code from ``codes``."""
    allowed = frozenset(codes)
    for action in actions:
        _CODED[(action, key)] = allowed


def served_detail(action: str, detail: dict[str, Any], personal: frozenset[str]) -> dict[str, Any]:
    """The detail as the auditors' route serves it: no personal key, no non-code value."""
    out: dict[str, Any] = {}
    for k, v in detail.items():
        if k in personal:
            continue
        codes = _CODED.get((action, k))
        coded = codes is None or (isinstance(v, str) and v in codes)
        out[k] = v if coded else SET_ASIDE
    return out


class AuditRowOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    case_id: uuid.UUID | None
    detail: dict[str, Any]
    hash: str


class ChainOut(BaseModel):
    service: str
    rows: int
    intact: bool
    broken_at: str | None = None


@router.get("/audit")
async def audit_trail(
    request: Request,
    _: Auditor,
    after: Annotated[int, Query(ge=0, le=SEQ_MAX, description="rows after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    case_id: Annotated[uuid.UUID | None, Query()] = None,
) -> list[AuditRowOut]:
    """Audit rows in order, a page at a time (pass the last seq as ``after``)."""
    service = request.app.state.service
    schema = checked_identifier(service.settings.db_schema)
    personal = registered_personal_names()
    async with service.pool.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT seq, at, actor, action, case_id, detail, hash FROM {schema}.audit"
            " WHERE seq > $1 AND ($2::uuid IS NULL OR case_id = $2) ORDER BY seq LIMIT $3",
            after,
            case_id,
            limit,
        )
    out = []
    for r in rows:
        detail = r["detail"]
        detail = json.loads(detail) if isinstance(detail, str) else detail
        out.append(
            AuditRowOut(
                seq=r["seq"],
                at=r["at"],
                actor=r["actor"],
                action=r["action"],
                case_id=r["case_id"],
                detail=served_detail(r["action"], detail, personal),
                hash=bytes(r["hash"]).hex(),
            )
        )
    return out


@router.get("/audit/chain")
async def audit_chain(request: Request, _: Auditor) -> ChainOut:
    """Recompute the hash chain: a changed or removed row shows where it broke."""
    service = request.app.state.service
    name = service.settings.service_name
    async with service.pool.acquire() as conn:
        try:
            n = await verify_audit_chain(conn, service.settings.db_schema)
        except ValueError as exc:
            return ChainOut(service=name, rows=0, intact=False, broken_at=str(exc))
    return ChainOut(service=name, rows=n, intact=True)
