"""Reading what was set aside when fields became codes (migration 007)."""

from __future__ import annotations

import uuid
from typing import Protocol

from homeward_shared.personal import ReadPurpose
from homeward_shared.set_aside import SetAsideValue

from homeward_recovery.service.handlers import RecoveryUoW, _resident_in_scope


class SetAside(Protocol):
    async def of_case(self, case_id: uuid.UUID) -> list[SetAsideValue]: ...


class SetAsideUoW(RecoveryUoW):
    set_aside: SetAside


async def read_set_aside(
    case_id: uuid.UUID, centre: str, purpose: ReadPurpose, uow: SetAsideUoW
) -> list[SetAsideValue]:
    """Her set-aside values, for her centre's staff, with a purpose (audited)."""
    async with uow:
        await _resident_in_scope(uow, case_id, centre)
        found = await uow.set_aside.of_case(case_id)
        uow.audit("personal_data_read", case_id, purpose=purpose.value, record="set_aside")
        await uow.commit()
    return found
