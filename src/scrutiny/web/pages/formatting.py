"""Formatting only: each filter turns one figure of the metrics document into text for a reader.

None means the document has no figure (no population, a suppressed ratio, a force that does not publish
something), shown as "n/a" unless the template says why.
"""

from __future__ import annotations

import json
from typing import Any

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
NA = "n/a"


def count(value: int | float | None) -> str:
    return NA if value is None else f"{round(value):,}"


def pct(share: float | None) -> str:
    return NA if share is None else f"{share * 100:.1f}%"


def ratio(value: float | None) -> str:
    return NA if value is None else f"{value:.2f}"


def rate(value: float | None) -> str:
    return NA if value is None else f"{value:.2f}"


def interval(low: float | None, high: float | None) -> str:
    return NA if low is None or high is None else f"{low:.2f}–{high:.2f}"


def month(text: str | None, short: bool = False) -> str:
    """`2018-04` as `April 2018` (or `Apr 2018`)."""
    if not text:
        return ""
    year, number = text.split("-")
    name = MONTHS[int(number) - 1]
    return f"{name[:3] if short else name} {year}"


def period(start: str, end: str) -> str:
    return month(start) if start == end else f"{month(start)} to {month(end)}"


def raw(value: Any) -> str:
    """The exact figure for a `data-value` attribute (JSON: a float round-trips, None is null)."""
    return json.dumps(value)


def show(value: Any, kind: str) -> str:
    """`value` formatted as a `kind` of figure: count, pct, ratio or rate."""
    formatter = FILTERS[kind]
    return str(formatter(value))


FILTERS: dict[str, Any] = {
    "count": count,
    "pct": pct,
    "ratio": ratio,
    "rate": rate,
    "month": month,
    "raw": raw,
}
