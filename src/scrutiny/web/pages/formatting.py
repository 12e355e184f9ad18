"""Formatting only: each filter turns one figure of the metrics document into text for a reader (the
formatters themselves are scrutiny.vocab.numbers and scrutiny.vocab.months, shared with the report and CLI).

None means the document has no figure (no population, a suppressed ratio, a force that does not publish
something), shown as "n/a" unless the template says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scrutiny.catalog import force_name
from scrutiny.metrics.lens import Lens
from scrutiny.vocab import months as month_vocab
from scrutiny.vocab.numbers import NA, count, interval, pct, points, ratio

__all__ = ["FILTERS", "NA", "count", "headline", "interval", "lens_words", "month", "month_runs", "pct", "period",
           "rate", "ratio", "raw", "short_period", "show", "what", "with_gaps"]

rate = ratio  # a rate per 1,000 reads as a ratio does: two decimals


def month(text: str | None, short: bool = False) -> str:
    """`2018-04` as `April 2018` (or `Apr 2018`); "" for no month."""
    return month_vocab.name(text, short=short) if text else ""


def period(start: str, end: str) -> str:
    return month(start) if start == end else f"{month(start)} to {month(end)}"


def short_period(start: str, end: str) -> str:
    """A period for a title: `Apr–Sep 2018`, `Oct 2017–Sep 2018`, or one month, `May 2018`."""
    if start == end:
        return month(start, short=True)
    if start[:4] == end[:4]:
        return f"{month(start, short=True)[:3]}–{month(end, short=True)}"
    return f"{month(start, short=True)}–{month(end, short=True)}"


def lens_words(purpose: str | None, power: str | None) -> str:
    """What a lens keeps, in plain words: "searches for drugs", "searches under section 60 ..." ("" for none)."""
    lens = Lens(purpose, power)
    return lens.describe() if lens.active else ""


def headline(where: str, start: str, end: str, purpose: str | None = None, power: str | None = None) -> str:
    """A page title that says the lens: "Searches for drugs, Metropolitan Police Service, Apr–Sep 2018"; without
    one, "Metropolitan Police Service: stop and search, Apr–Sep 2018"."""
    words = lens_words(purpose, power)
    if words:
        return f"{words[:1].upper()}{words[1:]}, {where}, {short_period(start, end)}"
    return f"{where}: stop and search, {short_period(start, end)}"


def what(purpose: str | None, power: str | None) -> str:
    """The lede's first words: "Searches for drugs" or "Stop and search"."""
    words = lens_words(purpose, power)
    return f"{words[:1].upper()}{words[1:]}" if words else "Stop and search"


def month_runs(months: list[str]) -> str:
    """Months as runs for reading a long list of gaps: `Mar 2020–Aug 2021, Oct 2021`."""
    return month_vocab.runs_in_words(list(months), "–")


def with_gaps(rows: list[dict[str, Any]], is_gap: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """Rows for a table, each run of rows with no data folded into one: `{"gap": False, "row": r}` or
    `{"gap": True, "first": r, "last": r}`, so a long stretch of missing months reads as one line."""
    out: list[dict[str, Any]] = []
    for row in rows:
        if is_gap(row) and out and out[-1]["gap"]:
            out[-1]["last"] = row
        elif is_gap(row):
            out.append({"gap": True, "first": row, "last": row})
        else:
            out.append({"gap": False, "row": row})
    return out


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
    "points": points,  # a difference of two shares, in percentage points
    "month": month,
    "month_runs": month_runs,
    "raw": raw,
    "force_label": force_name,  # "btp" as "British Transport Police"
}
