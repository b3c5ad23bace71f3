"""The dashboard's read model: how far each case has come on the public pathway.

Framework-free. Built only from ``case.stage_changed``; it holds ids, stage codes, centre
codes and times, never anything about who she is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeward_shared import small_cells
from homeward_shared.small_cells import Hidden
from homeward_shared.stages import Stage


def advances(
    current: Stage,
    current_at: datetime,
    new: Stage,
    new_at: datetime,
    previous: Stage | None = None,
) -> bool:
    """Whether an event moves a case. Producers differ and events arrive late or twice, so a
    lower rank never moves a case back because of a late event. Two stages of one rank
    (``rescued`` / ``not_found``, ``left_centre`` / ``ready_for_reintegration``) replace each
    other only by a later event: a second rescue attempt after ``not_found`` counts, a stale
    ``not_found`` does not. The one way back is a real one: a later event whose producer says
    it moves her from exactly the stage she is in (she left the centre and is readmitted)."""
    if new.rank < current.rank:
        return previous is current and new_at > current_at
    if new.rank > current.rank:
        return True
    return new is not current and new_at > current_at


@dataclass(kw_only=True, eq=False)
class CaseProgress:
    case_id: uuid.UUID
    stage: Stage
    stage_at: datetime
    centre: str | None
    first_seen_at: datetime

    @classmethod
    def first(
        cls, case_id: uuid.UUID, stage: Stage, at: datetime, centre: str | None
    ) -> CaseProgress:
        return cls(case_id=case_id, stage=stage, stage_at=at, centre=centre, first_seen_at=at)

    def apply(
        self, stage: Stage, at: datetime, centre: str | None, previous: Stage | None = None
    ) -> bool:
        """Take one stage event into account; True if the case moved."""
        self.first_seen_at = min(self.first_seen_at, at)
        moved = advances(self.stage, self.stage_at, stage, at, previous)
        if moved:
            self.stage, self.stage_at = stage, at
        elif stage is self.stage:
            # The same stage reported again: she entered it at the earlier of the two times.
            self.stage_at = min(self.stage_at, at)
        if centre and (moved or self.centre is None):
            self.centre = centre
        return moved


@dataclass(frozen=True)
class StageMove:
    """What the live feed tells browsers: a stage event was taken in. No case id."""

    stage: Stage
    moved: bool
    occurred_at: datetime


@dataclass(frozen=True)
class HandOffRule:
    """A case that sits in ``stage`` longer than ``within`` without reaching the stage after
    it (``waiting_for``) is a hand-off that may be lost between two teams."""

    stage: Stage
    waiting_for: Stage
    within: timedelta


@dataclass(frozen=True)
class LateCase:
    case_id: uuid.UUID
    stage: Stage
    waiting_for: Stage
    since: datetime
    first_seen_at: datetime

    def waiting(self, now: datetime) -> timedelta:
        return now - self.since

    def age(self, now: datetime) -> timedelta:
        return now - self.first_seen_at


@dataclass(frozen=True)
class LiveView:
    """The live view as it may leave: every count exact or None, and why each None is None
    (by the cell's path: ``by_centre.TD.admitted``)."""

    by_stage: dict[str, int | None]
    by_centre: dict[str, dict[str, int | None]]
    entered_today: dict[str, int | None]
    cases: int | None
    threshold: int
    hidden: dict[str, Hidden]


def all_stages(counts: dict[str, int]) -> dict[str, int]:
    return {s.value: counts.get(s.value, 0) for s in Stage}


def suppress_live(
    by_stage: dict[str, int],
    by_centre: dict[str, dict[str, int]],
    today: dict[str, int],
    threshold: int,
) -> LiveView:
    """The kernel's suppression over everything the live view shows, with how its cells add
    up: the stages to the number of cases, each stage's centres to (at most: a case with no
    centre counts in no column) the stage. A lone hidden centre cell would otherwise be the
    stage's count minus the others (12 admitted, 11 at TD: KK's "<11" was 1)."""
    stages = [s.value for s in Stage]
    centres = sorted(by_centre)
    cells: dict[tuple[str, ...], int] = {("cases",): sum(by_stage.values())}
    cells |= {("by_stage", s): n for s, n in all_stages(by_stage).items()}
    cells |= {("entered_today", s): n for s, n in all_stages(today).items()}
    for c in centres:
        cells |= {("by_centre", c, s): n for s, n in all_stages(by_centre[c]).items()}
    relations = [(("cases",), [("by_stage", s) for s in stages])]
    relations += [(("by_stage", s), [("by_centre", c, s) for c in centres]) for s in stages]
    done = small_cells.suppress_cells(cells, threshold, relations=relations)

    def n(*key: str) -> int | None:
        return done.count(key)

    return LiveView(
        by_stage={s: n("by_stage", s) for s in stages},
        by_centre={c: {s: n("by_centre", c, s) for s in stages} for c in centres},
        entered_today={s: n("entered_today", s) for s in stages},
        cases=n("cases"),
        threshold=threshold,
        hidden={".".join(k): why for k, why in sorted(done.hidden.items())},
    )
