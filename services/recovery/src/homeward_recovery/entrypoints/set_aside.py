"""What was typed before a field took codes only (migration 007), sealed: staff open it for
a purpose (audited), to enter the right code again. Her centre's staff only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from homeward_shared.personal import ReadPurpose
from homeward_shared.runtime import ServiceDep
from homeward_shared.set_aside import SetAsideOut

from homeward_recovery.entrypoints.http import CentreStaff, centre_staff
from homeward_recovery.service.set_aside import read_set_aside

router = APIRouter(tags=["residents"])


@router.get("/residents/{case_id}/set-aside")
async def set_aside(
    case_id: uuid.UUID,
    service: ServiceDep,
    staff: Annotated[CentreStaff, Depends(centre_staff)],
    purpose: Annotated[ReadPurpose, Query()],
) -> list[SetAsideOut]:
    """Values typed before their field took codes only, opened (410 once she was erased)."""
    found = await read_set_aside(case_id, staff.centre, purpose, service.uow(staff.actor))
    return [SetAsideOut.of(v) for v in found]
