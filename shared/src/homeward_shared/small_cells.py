"""Small-cell suppression: the one function every count that leaves a service passes through
(the dashboard's live view and impact report, reintegration's yearly figures), with the one
threshold (``SMALL_CELL_THRESHOLD``, ``ServiceSettings.small_cell_threshold``).

A count from 1 to ``threshold - 1`` could point at one woman in a small programme: it is
hidden (CTDC's k = 11). Zero is shown: it identifies no one. Hiding the small cells alone is
not enough where a total and its parts are both shown: with one part hidden, total minus
the others gives it back, so a second cell of the group is hidden too (complementary
suppression). A money value is hidden with the count it is the value of.

Framework-free: cells are keyed by anything hashable and sortable (a tuple path, say); the
caller says which cells add up to which (``relations``) and which are money (``money``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

K = TypeVar("K", bound=Hashable)  # and sortable: ties are broken by key, deterministically

# CTDC (the Counter Trafficking Data Collaborative) publishes no count below 11.
DEFAULT_THRESHOLD = 11


class Hidden(StrEnum):
    """Why a cell is not shown: what a published document says beside it."""

    BELOW_THRESHOLD = "below_threshold"  # 1 to threshold - 1
    COMPLEMENTARY = "complementary"  # hidden so that a small one cannot be worked out
    WITH_ITS_COUNT = "with_its_count"  # a money value whose count is hidden


class SuppressedCell(BaseModel):
    """One hidden cell of a published document, and why (its value there is null)."""

    cell: str = Field(description="the cell's path in the document, dot-separated")
    reason: Hidden


@dataclass(frozen=True)
class Suppressed(Generic[K]):
    """What may leave: every cell, exact or None, and why each None is None."""

    threshold: int
    values: dict[K, Decimal | None]
    hidden: dict[K, Hidden]

    def count(self, key: K) -> int | None:
        v = self.values[key]
        return None if v is None else int(v)


def suppress_cells(
    cells: Mapping[K, int | Decimal],
    threshold: int,
    *,
    relations: Iterable[tuple[K, Sequence[K]]] = (),
    money: Mapping[K, K] | None = None,
) -> Suppressed[K]:
    """Hide what could identify someone, before any output.

    - Every count from 1 to ``threshold - 1`` is hidden. Zero is shown.
    - ``relations`` are (total, members): the members add up to the total, or (people
      counted once across groups) to at most it. Where such a group would have exactly one
      hidden cell, it could be worked out by subtraction: the smallest other non-zero member
      is hidden too (the total only if no member is left). Repeated until no group has a
      lone hidden cell, so that rows and columns of a table are both covered. A total that is
      not itself shown is still given as a key of ``cells``: another output may show it.
    - ``money`` maps a money cell to the count it is the value of: hidden with that count
      (and never hidden, or shown, on its own size).
    """
    money = money or {}
    values = {k: Decimal(v) for k, v in cells.items()}
    groups = [(total, list(members)) for total, members in relations]
    hidden: dict[K, Hidden] = {
        k: Hidden.BELOW_THRESHOLD for k, v in values.items() if k not in money and 0 < v < threshold
    }
    changed = True
    while changed:
        changed = False
        for total, members in groups:
            group = [k for k in (total, *members) if k in values]
            if sum(1 for k in group if k in hidden) != 1:
                continue
            candidates = sorted(
                (k == total, values[k], k) for k in group if k not in hidden and values[k] > 0
            )
            if candidates:
                hidden[candidates[0][2]] = Hidden.COMPLEMENTARY
                changed = True
    for value, count in money.items():
        if count in hidden or count not in values:
            hidden[value] = Hidden.WITH_ITS_COUNT
    return Suppressed(
        threshold=threshold,
        values={k: (None if k in hidden else v) for k, v in values.items()},
        hidden=hidden,
    )
