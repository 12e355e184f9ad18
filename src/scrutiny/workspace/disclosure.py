"""The one disclosure control for anything published from workspace data (docs/disclosure.md).

Suppressing 1-4 as "<5" alone does not hold: a total minus the cells shown, or the same table a day apart,
gives the hidden count back. So every published count is a multiple of 5 (the true count rounded to the
nearest 5; a true 1-4 is shown as "<5", a true 0 as 0), and every total and share is worked out from what is
published of its parts, never from the true counts. Any sum or difference of published figures is then a
multiple of 5 again: never 1-4, within a table, against its totals, or between dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scrutiny.vocab.suppression import WORKSPACE_COUNT_BASE as BASE
from scrutiny.vocab.suppression import WORKSPACE_SMALL_TEXT as SMALL
from scrutiny.vocab.suppression import workspace_small

__all__ = ["BASE", "SMALL", "Figure", "count", "rounded", "share", "shown", "total", "withheld"]


def rounded(n: int) -> int:
    """`n` to the nearest multiple of BASE (no ties for whole numbers): 1-2 → 0, 3-7 → 5, 8-12 → 10."""
    if n < 0:
        raise ValueError(f"a count cannot be negative ({n})")
    return BASE * ((n + BASE // 2) // BASE)


@dataclass(frozen=True)
class Figure:
    """One published count: `true` is never shown; `value` (a multiple of BASE) is what totals and shares use;
    `small` says it is shown as "<5" (and that no share may rest on it)."""

    true: int
    value: int
    small: bool

    @property
    def shown(self) -> int | str:
        return SMALL if self.small else self.value


def count(n: int) -> Figure:
    """A count as a cell of a table: 0 is 0, 1-4 is "<5" (counting 0 if 1-2, 5 if 3-4), else `n` rounded to 5."""
    return Figure(n, rounded(n), workspace_small(n))


def total(parts: Iterable[Figure]) -> Figure:
    """The total of `parts`, worked out from what is published of them only, so it tells nothing they do not.

    Its value is the sum of the parts' values. When that is 0 but some parts are "<5", the total is "<5" too,
    unless three or more parts are "<5": then it is at least 3, and is published as 5 (3 and 4 round to 5).
    Its true value is kept for the workspace's own use and never decides what is shown."""
    parts = list(parts)
    value, smalls = sum(p.value for p in parts), sum(p.small for p in parts)
    if value == 0 and smalls >= 3:
        value = BASE
    return Figure(sum(p.true for p in parts), value, value == 0 and smalls > 0)


def shown(n: int) -> int | str:
    """What a reader sees of a single count: 0, "<5", or the count rounded to the nearest 5."""
    return count(n).shown


def withheld(numerator: Figure, denominator: Figure) -> bool:
    """A share resting on a count shown as "<5" is not shown (its size would say roughly how small)."""
    return numerator.small or denominator.small


def share(numerator: Figure, denominator: Figure) -> float | None:
    """numerator ÷ denominator over the published values; None when withheld or the denominator is 0."""
    if withheld(numerator, denominator) or denominator.value == 0:
        return None
    return numerator.value / denominator.value
