"""Which force-months are loaded: a month a force did not publish (or that is not loaded) is missing, never
zero, and a month far smaller than the force's usual is flagged, so no figure silently rests on a gap.
"""

from __future__ import annotations

import statistics
from datetime import date
from typing import Any

import ibis
import pandas as pd

from scrutiny.catalog import force_name
from scrutiny.metrics.scope import ALL_FORCES, of_force, searches, stop_table
from scrutiny.metrics.selection import empty_loads
from scrutiny.vocab.months import add_months, label, month_start, months_between

SMALL_SHARE = 0.2  # a month below a fifth of the force's trailing median is suspiciously small
TRAILING_MONTHS = 12



def as_date(value: Any) -> date:
    """A month from a query result (a date, or a pandas timestamp) as a date."""
    return value if type(value) is date else pd.Timestamp(value).date()


def covered_months(frame: pd.DataFrame) -> dict[str, frozenset[date]]:
    """Force -> the months it covers, from `counts.force_months`."""
    out: dict[str, set[date]] = {}
    for force, month in zip(frame.force, frame.month, strict=True):
        out.setdefault(str(force), set()).add(as_date(month))
    return {force: frozenset(months) for force, months in out.items()}


def scope_coverage(named: tuple[str, ...] | None, coverage: dict[str, frozenset[date]], months: list[date],
                   with_residents: set[str]) -> list[dict[str, Any]]:
    """The document's `coverage`: each force of the scope with the months of the period it lacks."""
    shown = sorted(set(named or ()) | set(coverage))
    return [
        {"force": f, "name": force_name(f), "months_covered": len(coverage.get(f, frozenset())),
         "months_in_period": len(months),
         "missing": [label(m) for m in months if m not in coverage.get(f, frozenset())],
         "residents": f in with_residents}
        for f in shown
    ]


def _trailing_median(counts: dict[date, int], month: date) -> float | None:
    before = [counts[m] for m in months_between(add_months(month, -TRAILING_MONTHS), add_months(month, -1))
              if m in counts]
    return float(statistics.median(before)) if before else None


def _loaded(backend: ibis.BaseBackend, force: str, rows: bool = False) -> pd.DataFrame:
    """Searches per force-month held, plus months loaded from a file with no records (0 searches)."""
    stops = stop_table(backend, area=False, rows=rows)
    mine = stops.filter(*of_force(stops, force))
    held = mine.group_by(["force", "month"]).aggregate(n=searches(mine)).to_pandas()
    empty = empty_loads(backend)
    empty = empty.filter(*of_force(empty, force)).select("force", "month").to_pandas()
    if not empty.empty:
        known = set(zip(held.force, held.month, strict=True))
        empty = empty[[(f, m) not in known for f, m in zip(empty.force, empty.month, strict=True)]]
        held = pd.concat([held, empty.assign(n=0)], ignore_index=True)
    return pd.DataFrame(held)


def coverage_table(backend: ibis.BaseBackend, force: str = ALL_FORCES, start: str | None = None,
                   end: str | None = None, *, rows: bool = False) -> list[dict[str, Any]]:
    """Per force: every month from its first to its last loaded month (within from..to when given), each
    `loaded`, `missing` (nothing loaded) or `small` (loaded, but under a fifth of the median of the force's
    loaded months among the 12 before it), with the counts behind the flag. `rows`: count `stop_search`
    itself, not its prepared counts."""
    frame = _loaded(backend, force, rows)
    first = month_start(start) if start else None
    last = month_start(end) if end else None
    out = []
    for f in sorted(set(frame.force)):
        mine = frame[frame.force == f]
        counts = {as_date(m): int(n) for m, n in zip(mine.month, mine.n, strict=True)}
        span = months_between(min(counts), max(counts))
        listed: list[dict[str, Any]] = []
        for month in span:
            if (first and month < first) or (last and month > last):
                continue
            held = counts.get(month)
            median = _trailing_median(counts, month)
            status = "missing" if held is None else (
                "small" if median is not None and held < SMALL_SHARE * median else "loaded")
            listed.append({"month": label(month), "searches": held, "status": status, "trailing_median": median})
        if not listed:
            continue
        out.append({
            "force": f, "name": force_name(f), "first": label(min(counts)), "last": label(max(counts)),
            "loaded": sum(r["status"] != "missing" for r in listed),
            "missing": [r["month"] for r in listed if r["status"] == "missing"],
            "small": [r["month"] for r in listed if r["status"] == "small"],
            "months": listed,
        })
    return out
