"""What was typed before a field took codes only (migration 005), sealed: the team opens it
for a purpose (audited), to enter the right code again."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from homeward_shared.personal import ReadPurpose
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.set_aside import SetAsideOut
from homeward_shared.uow import Actor

from homeward_reintegration.service.set_aside import read_set_aside

Staff = Annotated[Actor, require_role("reintegration")]
router = APIRouter(tags=["cases"])


@router.get("/cases/{case_id}/set-aside")
async def set_aside(
    case_id: uuid.UUID,
    service: ServiceDep,
    actor: Staff,
    purpose: Annotated[ReadPurpose, Query()],
) -> list[SetAsideOut]:
    """Values typed before their field took codes only, opened (410 once she was erased)."""
    found = await read_set_aside(case_id, purpose, service.uow(actor))
    return [SetAsideOut.of(v) for v in found]
