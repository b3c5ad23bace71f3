"""The dashboard's read model: how far each case has come on the public pathway.

Framework-free. Built only from ``case.stage_changed``; it holds ids, stage codes, centre
codes and times, never anything about who she is.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

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


Cell = int | str


def suppressed(threshold: int) -> str:
    return f"<{threshold}"


def suppress(counts: Mapping[str, int], threshold: int) -> dict[str, Cell]:
    """Small cells hidden before anything leaves: a count from 1 to ``threshold - 1`` is
    shown as "<threshold", never exactly. When a group would have one hidden cell only, the
    next smallest is hidden too, so that no hidden count can be worked out from the group's
    total."""
    out: dict[str, Cell] = dict(counts)
    small = [k for k, n in counts.items() if 0 < n < threshold]
    for k in small:
        out[k] = suppressed(threshold)
    if len(small) == 1:
        others = sorted((n, k) for k, n in counts.items() if n >= threshold)
        if others:
            out[others[0][1]] = suppressed(threshold)
    return out


def suppress_one(n: int, threshold: int) -> Cell:
    return suppressed(threshold) if 0 < n < threshold else n
