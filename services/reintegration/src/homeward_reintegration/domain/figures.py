"""Yearly figures for managers and donors: counts only, small cells suppressed.

Through the kernel's ``small_cells.suppress_cells`` with the one threshold every service
uses (``SMALL_CELL_THRESHOLD``, 11): a count from 1 to ``threshold - 1`` could point at one
woman in a small programme, so it is reported as suppressed (None) with its reason; 0 is
shown, since it identifies no one. A breakdown's total is published elsewhere (the
dashboard's impact report counts the same women), so a lone hidden member of a breakdown
takes another with it (complementary). Money totals of a suppressed count are suppressed
with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from homeward_shared.small_cells import Hidden, suppress_cells

Key = tuple[str, ...]
TOTAL = "(total)"  # a breakdown's total: related for suppression, not itself shown here


@dataclass(frozen=True, kw_only=True)
class KitTotal:
    currency: str
    kits: int | None
    total_value: Decimal | None


@dataclass(frozen=True, kw_only=True)
class YearFigures:
    year: int
    threshold: int
    reintegrated_by_plan: dict[str, int | None]
    startup_kits: list[KitTotal]
    follow_up_visits_done: int | None
    survivors_followed_up: int | None
    overdue_alerts_raised: int | None
    closures_by_reason: dict[str, int | None]
    # Each hidden cell that is shown here, by its path in the output ("startup_kits.USD.kits").
    suppressed: dict[str, Hidden]

    @classmethod
    def of(
        cls,
        *,
        year: int,
        threshold: int,
        reintegrated: dict[str, int],
        kits: list[tuple[str, int, Decimal]],
        visits_done: int,
        followed_up: int,
        overdue: int,
        closures: dict[str, int],
    ) -> YearFigures:
        cells: dict[Key, int | Decimal] = {
            ("follow_up_visits_done",): visits_done,
            ("survivors_followed_up",): followed_up,
            ("overdue_alerts_raised",): overdue,
        }
        relations: list[tuple[Key, list[Key]]] = []
        money: dict[Key, Key] = {}

        def breakdown(name: str, counts: dict[str, int]) -> None:
            members = [(name, k) for k in sorted(counts)]
            cells.update({(name, k): counts[k] for k in counts})
            cells[(name, TOTAL)] = sum(counts.values())
            relations.append(((name, TOTAL), members))

        breakdown("reintegrated_by_plan", reintegrated)
        breakdown("closures_by_reason", closures)
        breakdown("startup_kits", {currency: n for currency, n, _ in kits})
        for currency, _, total in kits:
            cells[("startup_kits", currency, "total_value")] = total
            money[("startup_kits", currency, "total_value")] = ("startup_kits", currency)
        done = suppress_cells(cells, threshold, relations=relations, money=money)

        def n(*key: str) -> int | None:
            return done.count(key)

        return cls(
            year=year,
            threshold=threshold,
            reintegrated_by_plan={k: n("reintegrated_by_plan", k) for k in reintegrated},
            startup_kits=[
                KitTotal(
                    currency=currency,
                    kits=n("startup_kits", currency),
                    total_value=done.values[("startup_kits", currency, "total_value")],
                )
                for currency, _, _ in kits
            ],
            follow_up_visits_done=n("follow_up_visits_done"),
            survivors_followed_up=n("survivors_followed_up"),
            overdue_alerts_raised=n("overdue_alerts_raised"),
            closures_by_reason={k: n("closures_by_reason", k) for k in closures},
            suppressed={
                _shown_path(key): why
                for key, why in sorted(done.hidden.items())
                if TOTAL not in key
            },
        )


def _shown_path(key: Key) -> str:
    # A kit's count is shown as ``startup_kits[i].kits``: named by currency here.
    if key[0] == "startup_kits" and len(key) == 2:
        return f"startup_kits.{key[1]}.kits"
    return ".".join(key)
