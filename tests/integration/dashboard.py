"""Steps the dashboard's tests share."""

from __future__ import annotations

from typing import Any

from homeward_dashboard.entrypoints.consumers import CONSUMERS, GROUP
from homeward_shared.runtime import Service
from homeward_shared.testing.auth import as_user

MANAGER = as_user("u-manager-1", "manager")


async def empty_read_model(dashboard: Service[Any]) -> None:
    """The test session shares one database: counts start from what earlier tests left,
    unless the read model is emptied first (as a rebuild does)."""
    async with dashboard.uow(dashboard.system_actor) as uow:
        await uow.cases.reset(GROUP)
        await uow.figures.reset(CONSUMERS)
        await uow.commit()
