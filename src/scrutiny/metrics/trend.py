"""Disproportionality over time: rates and ratios to White by month, quarter and rolling 12 months, and the
test of whether a ratio changed between two periods.

A window's population counts each force's residents for the months of the window that force covers, so a
gap in the data is a gap in the series (searches null), never a fall to zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from scrutiny.metrics.categories import GROUPS
from scrutiny.metrics.intervals import rate_per_1000, rate_ratio, ratio_of_ratios
from scrutiny.metrics.population import Population
from scrutiny.vocab.ethnicity import COMPARED, REFERENCE
from scrutiny.vocab.months import label, quarter_label

ROLLING = 12


def windows(months: list[date]) -> dict[str, list[tuple[str, list[date]]]]:
    """The monthly, quarterly (calendar quarters clipped to the period) and rolling 12-month windows."""
    quarters: dict[str, list[date]] = {}
    for m in months:
        quarters.setdefault(quarter_label(m), []).append(m)
    return {
        "monthly": [(label(m), [m]) for m in months],
        "quarterly": list(quarters.items()),
        "rolling_12": [(f"12 months to {label(months[i])}", months[i - ROLLING + 1:i + 1])
                       for i in range(ROLLING - 1, len(months))],
    }


def group_rows(searches: dict[str, int] | None, populations: dict[str, float | int | None]) -> list[dict[str, Any]]:
    """Rate per 1,000 and ratio to White (95% interval, suppression) per group, as `disproportionality` has
    them; `searches` None means no data (every figure null)."""
    rows = []
    white = None if searches is None else searches.get(REFERENCE, 0)
    for g in GROUPS:
        a = None if searches is None else searches.get(g, 0)
        if a is None or white is None:
            rows.append({"group": g, "searches": None, "population": populations[g], "rate_per_1000": None,
                         "ratio_vs_white": None, "ci_low": None, "ci_high": None, "suppressed": False})
            continue
        ratio = rate_ratio(a, populations[g], white, populations[REFERENCE])
        if g == REFERENCE:
            value = 1.0 if not ratio.suppressed and populations[g] else None
            low = high = None
        else:
            value, low, high = ratio.value, ratio.ci_low, ratio.ci_high
        rows.append({"group": g, "searches": a, "population": populations[g],
                     "rate_per_1000": rate_per_1000(a, populations[g]), "ratio_vs_white": value, "ci_low": low,
                     "ci_high": high, "suppressed": ratio.suppressed})
    return rows


def _window(name: str, window: Sequence[date], by_month: dict[date, dict[str, int]], pop: Population) -> dict[str, Any]:
    covered = pop.months_covered(window)
    searches = None if covered == 0 else {
        g: sum(by_month.get(m, {}).get(g, 0) for m in window) for g in GROUPS
    }
    populations = {g: pop.total(g, window) for g in GROUPS}
    return {"period": name, "from": label(window[0]), "to": label(window[-1]), "months": len(window),
            "months_covered": covered, "groups": group_rows(searches, populations)}


def trend(monthly: pd.DataFrame, pop: Population) -> dict[str, list[dict[str, Any]]]:
    """`monthly`: `counts.by_month` with `month` as dates."""
    columns = [g for g in GROUPS if f"g:{g}" in monthly]
    by_month = {m: {g: int(n) for g, n in zip(columns, counts, strict=True)}
                for m, *counts in zip(monthly.month, *(monthly[f"g:{g}"] for g in columns), strict=True)}
    return {kind: [_window(name, w, by_month, pop) for name, w in found]
            for kind, found in windows(pop.months).items()}


def change(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Did each group's ratio to White change between two periods? From the two documents'
    `disproportionality` rows: the ratio of the two rate ratios with its 95% interval."""
    b = {r["group"]: r for r in before}
    a = {r["group"]: r for r in after}
    rows = []
    for g in COMPARED:
        first = (b[g]["searches"], b[g]["population"], b[REFERENCE]["searches"], b[REFERENCE]["population"])
        second = (a[g]["searches"], a[g]["population"], a[REFERENCE]["searches"], a[REFERENCE]["population"])
        r = ratio_of_ratios(first, second)
        changed = None if r.value is None else not (r.ci_low is not None and r.ci_high is not None
                                                     and r.ci_low <= 1 <= r.ci_high)
        rows.append({"group": g, "before": ratio_row(b[g]), "after": ratio_row(a[g]), "ratio_of_ratios": r.value,
                     "ci_low": r.ci_low, "ci_high": r.ci_high, "suppressed": r.suppressed, "changed": changed})
    return rows


def ratio_row(row: dict[str, Any]) -> dict[str, Any]:
    """The part of a disproportionality row a comparison carries."""
    return {k: row[k] for k in ("searches", "population", "ratio_vs_white", "ci_low", "ci_high", "suppressed")}
