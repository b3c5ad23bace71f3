"""The dashboard's handlers: one transaction each, ``(cmd, uow)``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from homeward_shared.stages import Stage
from homeward_shared.uow import AbstractUnitOfWork

from homeward_dashboard.domain.commands import RecordFigures, RecordStageChange
from homeward_dashboard.domain.figures import (
    Fact,
    Suppressed,
    count_year,
    require_data,
    suppress_cells,
)
from homeward_dashboard.domain.model import (
    CaseProgress,
    HandOffRule,
    LateCase,
    LiveView,
    StageMove,
    all_stages,
    suppress_live,
)


class Cases(Protocol):
    async def get(self, case_id: uuid.UUID, *, for_update: bool = False) -> CaseProgress | None: ...
    async def add(self, case: CaseProgress) -> bool: ...
    async def save(self, case: CaseProgress) -> None: ...
    async def entered(self, case_id: uuid.UUID, stage: Stage, at: datetime) -> None: ...
    async def get_many(
        self, case_ids: list[uuid.UUID], *, for_update: bool = False
    ) -> dict[uuid.UUID, CaseProgress]: ...
    async def add_many(self, cases: list[CaseProgress]) -> set[uuid.UUID]: ...
    async def save_many(self, cases: list[CaseProgress]) -> None: ...
    async def entered_many(self, entries: dict[tuple[uuid.UUID, Stage], datetime]) -> None: ...
    async def by_stage(self) -> dict[str, int]: ...
    async def by_centre_and_stage(self) -> dict[str, dict[str, int]]: ...
    async def entered_since(self, since: datetime) -> dict[str, int]: ...
    async def waiting(self, rule: HandOffRule, before: datetime, limit: int) -> list[LateCase]: ...
    async def reset(self, consumer: str) -> None: ...


class Figures(Protocol):
    async def add(self, facts: list[Fact]) -> int: ...
    async def add_new(self, facts: list[Fact]) -> None: ...
    async def for_year(self, year: int) -> list[Fact]: ...
    async def years(self) -> list[int]: ...
    async def exact(self) -> dict[int, dict[str, int]]: ...
    async def reset(self, consumers: list[str]) -> None: ...


class DashboardUoW(AbstractUnitOfWork):
    cases: Cases
    figures: Figures


async def when_stage_changed_update_live_view(
    cmd: RecordStageChange, uow: DashboardUoW
) -> StageMove | None:
    """Take one stage event into the live view. None if this event was taken in already."""
    async with uow:
        if not await uow.claim(cmd.received):
            return None
        case = await uow.cases.get(cmd.case_id, for_update=True)
        if case is None:
            case = CaseProgress.first(cmd.case_id, cmd.stage, cmd.occurred_at, cmd.centre)
            moved = await uow.cases.add(case)
            if not moved:
                # A replay and the live consumer met on a new case: take the one that won.
                case = await uow.cases.get(cmd.case_id, for_update=True)
                assert case is not None
        else:
            moved = False
        if not moved:
            moved = case.apply(cmd.stage, cmd.occurred_at, cmd.centre, cmd.previous_stage)
            await uow.cases.save(case)
        await uow.cases.entered(cmd.case_id, cmd.stage, cmd.occurred_at)
        await uow.figures.add(list(cmd.facts))
        await uow.commit()
    return StageMove(stage=cmd.stage, moved=moved, occurred_at=cmd.occurred_at)


@dataclass(frozen=True)
class Replayed:
    applied: int
    duplicates: int


class ReplayRaced(Exception):
    """The live consumer added a case while a replay batch was folding it: replay that batch
    event by event (``when_stage_changed_update_live_view``) instead."""


async def replay_stage_changes(cmds: list[RecordStageChange], uow: DashboardUoW) -> Replayed:
    """Take many stage events into the live view in one transaction, as the one-event handler
    would take them one after the other: each event once (inbox), each case folded through
    its own ``CaseProgress.apply`` in event order, then written once. For the rebuild."""
    async with uow:
        claimed = await uow.claim_many([c.received for c in cmds])
        fresh: list[RecordStageChange] = []
        for c in cmds:
            if c.received.event_id in claimed:
                claimed.discard(c.received.event_id)  # a second copy in the list is a duplicate
                fresh.append(c)
        known = await uow.cases.get_many(list({c.case_id for c in fresh}), for_update=True)
        new: dict[uuid.UUID, CaseProgress] = {}
        entries: dict[tuple[uuid.UUID, Stage], datetime] = {}
        for c in fresh:
            case = known.get(c.case_id) or new.get(c.case_id)
            if case is None:
                new[c.case_id] = CaseProgress.first(c.case_id, c.stage, c.occurred_at, c.centre)
            else:
                case.apply(c.stage, c.occurred_at, c.centre, c.previous_stage)
            key = (c.case_id, c.stage)
            entries[key] = min(entries.get(key, c.occurred_at), c.occurred_at)
        if new and len(await uow.cases.add_many(list(new.values()))) < len(new):
            raise ReplayRaced("a case was added by another transaction meanwhile")
        if known:
            await uow.cases.save_many(list(known.values()))
        if entries:
            await uow.cases.entered_many(entries)
        # Facts of fresh events only, claimed above in this transaction: none can exist yet.
        await uow.figures.add_new([f for c in fresh for f in c.facts])
        await uow.commit()
    return Replayed(applied=len(fresh), duplicates=len(cmds) - len(fresh))


async def live_view(uow: DashboardUoW, *, threshold: int, today_starts: datetime) -> LiveView:
    async with uow:
        by_stage = await uow.cases.by_stage()
        by_centre = await uow.cases.by_centre_and_stage()
        today = await uow.cases.entered_since(today_starts)
    return suppress_live(by_stage, by_centre, today, threshold)


async def exact_counts(uow: DashboardUoW) -> dict[str, int]:
    """For the operator who rebuilds the view, never for a web page."""
    async with uow:
        return all_stages(await uow.cases.by_stage())


async def late_hand_offs(
    uow: DashboardUoW, rules: tuple[HandOffRule, ...], *, now: datetime, limit: int
) -> list[LateCase]:
    """Cases handed on by one team and not yet taken in by the next within the rule's time,
    the longest waiting first."""
    async with uow:
        late: list[LateCase] = []
        for rule in rules:
            late.extend(await uow.cases.waiting(rule, now - rule.within, limit))
    return sorted(late, key=lambda c: c.since)[:limit]


async def when_figure_recorded_count_it(cmd: RecordFigures, uow: DashboardUoW) -> bool:
    """Take one figure event in, once: False if it was taken in already."""
    async with uow:
        if not await uow.claim(cmd.received):
            return False
        await uow.figures.add(list(cmd.facts))
        await uow.commit()
    return True


async def impact_report(year: int, uow: DashboardUoW, *, threshold: int) -> Suppressed:
    """The year's impact report, small cells already hidden: the only form it leaves in."""
    async with uow:
        facts = await uow.figures.for_year(year)
    figures = count_year(year, facts)
    require_data(figures)
    return suppress_cells(figures, threshold)


async def report_years(uow: DashboardUoW) -> list[int]:
    async with uow:
        return await uow.figures.years()


async def exact_figures(uow: DashboardUoW) -> dict[int, dict[str, int]]:
    """For the operator who rebuilds the view, never for a web page."""
    async with uow:
        return await uow.figures.exact()
