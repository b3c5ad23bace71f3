"""Reintegration's handlers: one transaction each, ``(cmd, uow)``."""

from __future__ import annotations

import uuid
from typing import Protocol

from homeward_shared.domain import NotFound, utcnow
from homeward_shared.uow import AbstractUnitOfWork

from homeward_reintegration.domain.commands import OpenReintegrationCase, RecordResettlement
from homeward_reintegration.domain.model import FollowUpPolicy, ReintegrationCase


class Cases(Protocol):
    async def add(self, case: ReintegrationCase) -> bool: ...
    async def get(
        self, case_id: uuid.UUID, *, for_update: bool = False
    ) -> ReintegrationCase | None: ...
    async def save(self, case: ReintegrationCase) -> None: ...


class ReintegrationUoW(AbstractUnitOfWork):
    cases: Cases


async def when_resident_ready_open_reintegration_case(
    cmd: OpenReintegrationCase, uow: ReintegrationUoW
) -> None:
    """A resident handed on by recovery becomes a reintegration case. A redelivery changes
    nothing (inbox); a second hand-off of the same case is recorded and ignored."""
    async with uow:
        if not await uow.claim(cmd.received):
            return
        case = ReintegrationCase(
            case_id=cmd.case_id,
            case_number=cmd.case_number,
            correlation_id=cmd.correlation_id,
            from_centre=cmd.from_centre,
            skills=cmd.skills,
            wishes_to_return_home=cmd.wishes_to_return_home,
            received_at=utcnow(),
        )
        if await uow.cases.add(case):
            uow.audit("reintegration_case_opened", cmd.case_id, from_centre=cmd.from_centre)
        else:
            uow.audit("reintegration_handoff_duplicate_ignored", cmd.case_id)
        await uow.commit()


async def record_resettlement(
    cmd: RecordResettlement, uow: ReintegrationUoW, policy: FollowUpPolicy
) -> ReintegrationCase:
    async with uow:
        case = await uow.cases.get(cmd.case_id, for_update=True)
        if case is None:
            raise NotFound(f"case {cmd.case_id} was not handed to reintegration")
        case.resettle(cmd.plan, cmd.resettled_on, policy)
        await uow.cases.save(case)
        uow.scope.correlation_id = case.correlation_id
        uow.track(case)
        await uow.commit()
    return case


async def get_case(case_id: uuid.UUID, uow: ReintegrationUoW) -> ReintegrationCase:
    async with uow:
        case = await uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"case {case_id} was not handed to reintegration")
    return case
