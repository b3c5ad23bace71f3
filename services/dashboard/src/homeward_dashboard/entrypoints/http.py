"""The dashboard's HTTP API for managers: aggregates only, small cells suppressed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from homeward_shared.domain import utcnow
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.stages import Stage
from homeward_shared.uow import Actor
from pydantic import BaseModel

from homeward_dashboard.adapters.live import Broadcaster
from homeward_dashboard.service import handlers
from homeward_dashboard.settings import DashboardSettings

Manager = Annotated[Actor, require_role("manager")]

router = APIRouter(tags=["dashboard"])

PAGE = Path(__file__).parent.parent / "static" / "live.html"

Cell = int | str


class LiveOut(BaseModel):
    """Counts from 1 to threshold - 1 read "<threshold", never the exact number."""

    as_of: datetime
    threshold: int
    cases: Cell
    by_stage: dict[str, Cell]
    by_centre: dict[str, dict[str, Cell]]
    entered_today: dict[str, Cell]


class LateOut(BaseModel):
    case_id: uuid.UUID
    stage: Stage
    waiting_for: Stage
    since: datetime
    waiting_hours: float
    case_age_days: float


def today_starts(settings: DashboardSettings, now: datetime) -> datetime:
    local = now.astimezone(settings.zone)
    return datetime.combine(local.date(), time(0), tzinfo=settings.zone)


@router.get("/live")
async def live(service: ServiceDep, actor: Manager) -> LiveOut:
    settings: DashboardSettings = service.settings  # type: ignore[assignment]
    now = utcnow()
    view = await handlers.live_view(
        service.uow(actor),
        threshold=settings.small_cell_threshold,
        today_starts=today_starts(settings, now),
    )
    return LiveOut(
        as_of=now,
        threshold=view.threshold,
        cases=view.cases,
        by_stage=view.by_stage,
        by_centre=view.by_centre,
        entered_today=view.entered_today,
    )


@router.get("/live/late-hand-offs")
async def late_hand_offs(service: ServiceDep, actor: Manager) -> list[LateOut]:
    settings: DashboardSettings = service.settings  # type: ignore[assignment]
    now = utcnow()
    late = await handlers.late_hand_offs(
        service.uow(actor), settings.hand_off_rules, now=now, limit=settings.late_list_limit
    )
    return [
        LateOut(
            case_id=c.case_id,
            stage=c.stage,
            waiting_for=c.waiting_for,
            since=c.since,
            waiting_hours=round(c.waiting(now).total_seconds() / 3600, 1),
            case_age_days=round(c.age(now).total_seconds() / 86400, 1),
        )
        for c in late
    ]


@router.get("/live/stream", response_class=EventSourceResponse)
async def stream(request: Request, actor: Manager) -> AsyncIterator[ServerSentEvent]:
    """One ``stage`` event per stage event taken in; the page fetches /live again on it."""
    live: Broadcaster = request.app.state.live
    # Ends when the browser goes away: the response is cancelled and so is this generator.
    async with live.listen() as queue:
        yield ServerSentEvent(event="ready", data={"listening": True})
        while True:
            yield ServerSentEvent(event="stage", data=await queue.get())


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    """Static: it holds no data. The data comes from /live with the user's credentials."""
    return FileResponse(PAGE, media_type="text/html")
