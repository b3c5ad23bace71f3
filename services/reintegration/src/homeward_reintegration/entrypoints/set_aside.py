"""What was typed before a field took codes only (migration 005), sealed: the team opens it
for a purpose (audited), to enter the right code again."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.set_aside import SetAsideValue
from homeward_shared.uow import Actor
from pydantic import BaseModel, Field

from homeward_reintegration.service.set_aside import read_set_aside

Staff = Annotated[Actor, require_role("reintegration")]
router = APIRouter(tags=["cases"])

SET_ASIDE_CODE = r"^[a-z][a-z0-9_]{0,63}$"


class SetAsideOut(BaseModel):
    record: str = Field(pattern=SET_ASIDE_CODE, description="case or disbursement")
    record_id: str = Field(pattern=r"^[0-9a-f-]{1,36}$")
    field: str = Field(pattern=SET_ASIDE_CODE)
    reason: str = Field(pattern=SET_ASIDE_CODE, description="not_a_kit_item, not_a_skill, ...")
    set_aside_at: datetime
    typed_value: str | None = PersonalField(
        None, description="what was typed; none if she was erased before it was sealed"
    )

    @classmethod
    def of(cls, v: SetAsideValue) -> SetAsideOut:
        return cls(
            record=v.record,
            record_id=v.record_id,
            field=v.field,
            reason=v.reason,
            set_aside_at=v.set_aside_at,
            typed_value=v.value,
        )


register_personal(SetAsideOut)


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
