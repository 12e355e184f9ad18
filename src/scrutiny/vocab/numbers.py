"""Figures as text: every output (web pages, the report, the CLI, workspace pages) formats a count, a share, a
ratio or an interval with these, so the same figure reads the same everywhere.

What stands for a missing figure is the one deliberate difference: web pages and the report say `NA` ("n/a"),
terminal tables and workspace tables a dash (`DASH`), and some cells stay empty (""); each caller names its
choice with `missing=`. Shares are fractions in [0, 1] (docs/metrics.md) and are shown as percentages.
"""

from __future__ import annotations

NA = "n/a"  # web pages and the report: the document has no such figure
DASH = "–"  # terminal tables and workspace tables: the same, in less room


def count(value: int | float | None, missing: str = NA) -> str:
    """A whole number with thousands separators: 1234.5 → "1,234" (rounded half to even, as Python rounds)."""
    return missing if value is None else f"{round(value):,}"


def pct(share: float | None, missing: str = NA) -> str:
    """A share as a percentage to one decimal: 1/3 → "33.3%"."""
    return missing if share is None else f"{share * 100:.1f}%"


def whole_pct(share: float) -> str:
    """A share as a whole percentage, for axis ticks and targets: 0.2 → "20%"."""
    return f"{share * 100:.0f}%"


def ratio(value: float | None, missing: str = NA) -> str:
    """A ratio or a rate to two decimals, no separators: 1.234 → "1.23"."""
    return missing if value is None else f"{value:.2f}"


def number(value: float | None, digits: int = 2, missing: str = DASH) -> str:
    """A decimal with thousands separators (terminal tables): 1234.5 → "1,234.50"."""
    return missing if value is None else f"{value:,.{digits}f}"


def interval(low: float | None, high: float | None, missing: str = NA) -> str:
    """A ratio's interval, "0.91–1.20"."""
    return missing if low is None or high is None else f"{low:.2f}–{high:.2f}"


def pct_interval(low: float | None, high: float | None, missing: str = DASH) -> str:
    """A share's interval as percentages, "6.1%–79.2%"."""
    return missing if low is None or high is None else f"{pct(low)}–{pct(high)}"


def points(difference: float) -> str:
    """A difference of two shares in percentage points, signed: -0.034 → "-3.4"."""
    return f"{difference * 100:+.1f}"


def in_ten(share: float | None, missing: str = NA) -> str:
    """A share in plain words for a one-page brief: 0.68 → "about 7 in 10", 0.02 → "fewer than 1 in 10"."""
    if share is None:
        return missing
    tenths = round(share * 10)
    if tenths == 0:
        return "fewer than 1 in 10" if share > 0 else "none"
    if tenths == 10:
        return "all" if share == 1 else "almost all"
    return f"about {tenths} in 10"
