"""Reading what was set aside when fields became codes (migration 005)."""

from __future__ import annotations

import uuid
from typing import Protocol

from homeward_shared.domain import NotFound
from homeward_shared.personal import ReadPurpose
from homeward_shared.set_aside import SetAsideValue

from homeward_reintegration.service.handlers import ReintegrationUoW


class SetAside(Protocol):
    async def of_case(self, case_id: uuid.UUID) -> list[SetAsideValue]: ...


class SetAsideUoW(ReintegrationUoW):
    set_aside: SetAside


async def read_set_aside(
    case_id: uuid.UUID, purpose: ReadPurpose, uow: SetAsideUoW
) -> list[SetAsideValue]:
    """Her set-aside values, with a purpose (audited); 404 for a case not handed on."""
    async with uow:
        if await uow.cases.get(case_id) is None:
            raise NotFound(f"case {case_id} was not handed to reintegration")
        found = await uow.set_aside.of_case(case_id)
        uow.audit("personal_data_read", case_id, purpose=purpose.value, record="set_aside")
        await uow.commit()
    return found
