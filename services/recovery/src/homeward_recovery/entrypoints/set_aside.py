"""What was typed before a field took codes only (migration 007), sealed: staff open it for
a purpose (audited), to enter the right code again. Her centre's staff only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from homeward_shared.personal import PersonalField, ReadPurpose, register_personal
from homeward_shared.runtime import ServiceDep
from homeward_shared.set_aside import SetAsideValue
from pydantic import BaseModel, Field

from homeward_recovery.entrypoints.http import CentreStaff, centre_staff
from homeward_recovery.service.set_aside import read_set_aside

router = APIRouter(tags=["residents"])

SET_ASIDE_CODE = r"^[a-z][a-z0-9_]{0,63}$"


class SetAsideOut(BaseModel):
    record: str = Field(pattern=SET_ASIDE_CODE, description="education_class, enrolment, ...")
    record_id: str = Field(pattern=r"^[0-9a-f-]{1,36}(/[0-9]{4}-[0-9]{2}-[0-9]{2})?$")
    field: str = Field(pattern=SET_ASIDE_CODE)
    reason: str = Field(pattern=SET_ASIDE_CODE, description="not_a_level_code, not_a_skill, ...")
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
