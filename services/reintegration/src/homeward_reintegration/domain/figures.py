"""Yearly figures for managers and donors: counts only, small cells suppressed.

A count from 1 to ``min_cell - 1`` could point at one woman in a small programme, so it is
reported as suppressed (None); 0 is shown, since it identifies no one. Money totals of a
suppressed count are suppressed with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


def suppress(n: int, min_cell: int) -> int | None:
    return n if n == 0 or n >= min_cell else None


@dataclass(frozen=True, kw_only=True)
class KitTotal:
    currency: str
    kits: int | None
    total_value: Decimal | None


@dataclass(frozen=True, kw_only=True)
class YearFigures:
    year: int
    min_cell: int
    reintegrated_by_plan: dict[str, int | None]
    startup_kits: list[KitTotal]
    follow_up_visits_done: int | None
    survivors_followed_up: int | None
    overdue_alerts_raised: int | None
    closures_by_reason: dict[str, int | None]

    @classmethod
    def of(
        cls,
        *,
        year: int,
        min_cell: int,
        reintegrated: dict[str, int],
        kits: list[tuple[str, int, Decimal]],
        visits_done: int,
        followed_up: int,
        overdue: int,
        closures: dict[str, int],
    ) -> YearFigures:
        return cls(
            year=year,
            min_cell=min_cell,
            reintegrated_by_plan={k: suppress(v, min_cell) for k, v in reintegrated.items()},
            startup_kits=[
                KitTotal(
                    currency=currency,
                    kits=suppress(n, min_cell),
                    total_value=total if suppress(n, min_cell) is not None else None,
                )
                for currency, n, total in kits
            ],
            follow_up_visits_done=suppress(visits_done, min_cell),
            survivors_followed_up=suppress(followed_up, min_cell),
            overdue_alerts_raised=suppress(overdue, min_cell),
            closures_by_reason={k: suppress(v, min_cell) for k, v in closures.items()},
        )
