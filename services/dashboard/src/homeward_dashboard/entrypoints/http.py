"""The dashboard's HTTP API for managers: aggregates only, small cells suppressed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, time
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from homeward_shared.domain import utcnow
from homeward_shared.runtime import ServiceDep, require_role
from homeward_shared.small_cells import SuppressedCell
from homeward_shared.stages import Stage
from homeward_shared.uow import Actor
from pydantic import BaseModel

from homeward_dashboard.adapters.live import Broadcaster
from homeward_dashboard.domain.figures import Suppressed
from homeward_dashboard.entrypoints import report_views
from homeward_dashboard.entrypoints.schemas import CSV, HTML, STREAM, ImpactReport, LiveOut
from homeward_dashboard.service import handlers
from homeward_dashboard.settings import DashboardSettings

Manager = Annotated[Actor, require_role("manager")]

# Who may follow which stage moves on the live feed (the web service relays it to people's
# browsers with their own token): managers every move, the teams the moves that bring them
# work (the legal inbox learns of a new referral). Each notice is a stage code and a time:
# no case id, nothing personal.
LIVE_AUDIENCE: dict[str, frozenset[Stage]] = {
    "manager": frozenset(Stage),
    "investigator": frozenset(
        {
            Stage.REPORTED,
            Stage.IDENTIFIED,
            Stage.REFERRED_TO_LEGAL,
            Stage.RESCUED,
            Stage.NOT_FOUND,
        }
    ),
    "legal": frozenset({Stage.REFERRED_TO_LEGAL}),
}
LiveFollower = Annotated[Actor, require_role(*LIVE_AUDIENCE)]


def live_stages(actor: Actor) -> frozenset[str]:
    return frozenset(s.value for role in actor.roles for s in LIVE_AUDIENCE.get(role, frozenset()))


router = APIRouter(tags=["dashboard"])

PAGE = FilePath(__file__).parent.parent / "static" / "live.html"


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
    """Cases by stage, by centre and stage, and stages entered today. Small cells, and the
    cells that would give them away, are null and listed in ``suppressed``."""
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
        suppressed=[SuppressedCell(cell=c, reason=r) for c, r in view.hidden.items()],
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


@router.get("/live/stream", response_class=EventSourceResponse, responses={200: STREAM})
async def stream(request: Request, actor: LiveFollower) -> AsyncIterator[ServerSentEvent]:
    """``ready`` once, then one ``stage`` event per stage event taken in that the caller's
    roles may follow (``LIVE_AUDIENCE``); the page fetches /live again on it. No case id and
    no count travels on the stream."""
    live: Broadcaster = request.app.state.live
    stages = live_stages(actor)
    # Ends when the browser goes away: the response is cancelled and so is this generator.
    async with live.listen() as queue:
        yield ServerSentEvent(event="ready", data={"listening": True})
        while True:
            news = await queue.get()
            if news["stage"] in stages:
                yield ServerSentEvent(event="stage", data=news)


Year = Annotated[int, Path(ge=1990, le=2200, description="calendar year of the report")]


async def _report(service: Any, actor: Actor, year: int) -> Suppressed:
    settings: DashboardSettings = service.settings
    return await handlers.impact_report(
        year, service.uow(actor), threshold=settings.small_cell_threshold
    )


def _csv(report: Suppressed) -> Response:
    return Response(
        report_views.as_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="impact-{report.year}.csv"'},
    )


@router.get("/impact/years", tags=["impact"])
async def impact_years(service: ServiceDep, actor: Manager) -> list[int]:
    """The years that have figures, oldest first."""
    return await handlers.report_years(service.uow(actor))


@router.get("/impact/{year}.csv", tags=["impact"], response_class=Response, responses={200: CSV})
async def impact_csv(year: Year, service: ServiceDep, actor: Manager) -> Response:
    """The report as CSV: one row per cell; a suppressed cell has no value and a note."""
    return _csv(await _report(service, actor, year))


@router.get(
    "/impact/{year}/print", tags=["impact"], response_class=HTMLResponse, responses={200: HTML}
)
async def impact_print(year: Year, service: ServiceDep, actor: Manager) -> HTMLResponse:
    """The report as a printable page (no script): tables, and bars for breakdowns."""
    settings: DashboardSettings = service.settings  # type: ignore[assignment]
    report = await _report(service, actor, year)
    return HTMLResponse(
        report_views.as_html(report, generated_at=utcnow(), time_zone=settings.timezone)
    )


@router.get(
    "/impact/{year}",
    tags=["impact"],
    response_model=ImpactReport,
    # Served through the model, as documented, and as made: a key absent (a breakdown with
    # nothing in it) stays absent rather than becoming a null, which means "suppressed".
    response_model_exclude_unset=True,
    responses={
        200: {
            "description": "The report as JSON; with `?format=csv`, the CSV of"
            " `/impact/{year}.csv`",
            "content": {"text/csv": CSV["content"]["text/csv"]},
        }
    },
)
async def impact(
    year: Year,
    service: ServiceDep,
    actor: Manager,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """The yearly impact report: investigation and legal action, outreach, recovery (also
    per centre), reintegration and follow-up. Cells from 1 to threshold - 1 are null and
    listed in ``suppressed`` with the reason, as are the cells hidden with them. A year
    with no figures at all is 404."""
    settings: DashboardSettings = service.settings  # type: ignore[assignment]
    report = await _report(service, actor, year)
    if format == "csv":
        return _csv(report)
    return report_views.as_json(report, generated_at=utcnow(), time_zone=settings.timezone)


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    """Static: it holds no data. The data comes from /live with the user's credentials."""
    return FileResponse(PAGE, media_type="text/html")
