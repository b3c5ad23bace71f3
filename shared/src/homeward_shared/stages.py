"""The public case pathway (DESIGN.md). Framework-free: domains import it."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    REPORTED = "reported"
    IDENTIFIED = "identified"
    REFERRED_TO_LEGAL = "referred_to_legal"
    RESCUED = "rescued"
    NOT_FOUND = "not_found"
    ADMITTED = "admitted"
    LEFT_CENTRE = "left_centre"
    READY_FOR_REINTEGRATION = "ready_for_reintegration"
    RESETTLED = "resettled"
    CLOSED = "closed"

    @property
    def rank(self) -> int:
        """Position in pathway order. ``not_found`` ranks with ``rescued``: both end a rescue
        attempt. A consumer never moves a case to a lower rank because of a late event."""
        return _RANK[self]


_RANK = {
    Stage.REPORTED: 0,
    Stage.IDENTIFIED: 1,
    Stage.REFERRED_TO_LEGAL: 2,
    Stage.RESCUED: 3,
    Stage.NOT_FOUND: 3,
    Stage.ADMITTED: 4,
    Stage.LEFT_CENTRE: 5,
    Stage.READY_FOR_REINTEGRATION: 5,
    Stage.RESETTLED: 6,
    Stage.CLOSED: 7,
}
