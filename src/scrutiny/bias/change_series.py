"""The monthly series the policy-change test reads: an area's searches, residents, search rate and ratio to
White people, month by month, and the same for the control areas it is compared with.

A month the scope's forces did not publish is missing (NaN in the frame, null in a document), never zero: a
gap read as zero would look like a fall in searching exactly where nothing is known. Coverage and residents
come from the same code as every other figure (`counts.force_months`, `metrics.population`), so a month is
covered here exactly when the metrics document says it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import ibis
import numpy as np
import pandas as pd

from scrutiny.errors import NotFound
from scrutiny.metrics import counts
from scrutiny.metrics.categories import GROUPS, PERSON_TYPES
from scrutiny.metrics.coverage import as_date, covered_months
from scrutiny.metrics.intervals import rate_per_1000
from scrutiny.metrics.population import Population, population
from scrutiny.metrics.scope import Scope, _resolve_area, in_area, in_scope, of_force
from scrutiny.vocab.ethnicity import REFERENCE
from scrutiny.vocab.months import label
from scrutiny.vocab.suppression import ratio_suppressed


@dataclass(frozen=True)
class AreaSeries:
    """One area's months. `frame` has a row per month of the period: `month` (date), `covered` (bool),
    `searches` (all searches of the lens), `residents` (all groups), `rate_per_1000`, and per group g
    `searches:g` (person searches), `residents:g`, `rate:g` and `ratio:g` (g's rate over White people's).
    Every figure of an uncovered month is NaN."""

    code: str
    name: str | None
    frame: pd.DataFrame


def _counts(backend: ibis.BaseBackend, scope: Scope) -> tuple[dict[date, int], dict[tuple[date, str], int]]:
    """All searches per month, and person searches per month and group, of a scope (its lens applied)."""
    scoped = in_scope(backend.table("stop_search"), scope)
    keyed = scoped.mutate(group=scoped[scope.group_column],
                          person=scoped.search_type.isin(PERSON_TYPES).fill_null(False))
    rows = keyed.group_by(["month", "person", "group"]).aggregate(n=keyed.count()).to_pandas()
    total: dict[date, int] = {}
    by_group: dict[tuple[date, str], int] = {}
    for month, person, group, n in zip(rows.month, rows.person, rows.group, rows.n, strict=True):
        m = as_date(month)
        total[m] = total.get(m, 0) + int(n)
        if bool(person) and group in GROUPS:
            by_group[(m, str(group))] = by_group.get((m, str(group)), 0) + int(n)
    return total, by_group


def _frame(months: list[date], pop: Population, total: dict[date, int],
           by_group: dict[tuple[date, str], int]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for m in months:
        covered = pop.months_covered([m]) > 0
        row: dict[str, Any] = {"month": m, "covered": covered}
        residents = {g: pop.total(g, [m]) if covered else None for g in GROUPS}
        known = [r for r in residents.values() if r is not None]
        row["searches"] = total.get(m, 0) if covered else math.nan
        row["residents"] = float(sum(known)) if covered and len(known) == len(GROUPS) else math.nan
        row["rate_per_1000"] = _or_nan(rate_per_1000(total.get(m, 0), row["residents"])) if covered else math.nan
        white = by_group.get((m, REFERENCE), 0)
        for g in GROUPS:
            a = by_group.get((m, g), 0)
            pop_g = residents[g]
            row[f"searches:{g}"] = a if covered else math.nan
            row[f"residents:{g}"] = float(pop_g) if covered and pop_g is not None else math.nan
            row[f"rate:{g}"] = _or_nan(rate_per_1000(a, pop_g)) if covered else math.nan
            white_pop = residents[REFERENCE]
            usable = covered and pop_g and white_pop and white
            row[f"ratio:{g}"] = (a / pop_g) / (white / white_pop) if usable else math.nan  # type: ignore[operator]
        rows.append(row)
    return pd.DataFrame(rows)


def _or_nan(value: float | None) -> float:
    return math.nan if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def area_series(backend: ibis.BaseBackend, scope: Scope, codes: list[tuple[str, str | None]]) -> list[AreaSeries]:
    """The series of each area (code, name) under the scope's forces, period, basis and lens. Coverage is the
    scope's forces' (whatever the area), each area's residents its own Census count in the months covered."""
    coverage = covered_months(counts.force_months(backend, scope))
    out = []
    for code, name in codes:
        mine = replace(scope, area=code, area_name=name)
        pop = population(backend, mine, coverage)
        total, by_group = _counts(backend, mine)
        out.append(AreaSeries(code, name, _frame(scope.months, pop, total, by_group)))
    return out


def resolve_controls(backend: ibis.BaseBackend, scope: Scope,
                     given: list[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """The control areas (code, name) a user named, by code or name, and a reason for each one that cannot be
    a control: unknown, the treated area itself, named twice, or without searches by the scope's forces."""
    found: list[tuple[str, str | None]] = []
    refused: list[str] = []
    stops = backend.table("stop_search")
    for text in given:
        try:
            code, name = _resolve_area(backend, scope.force, text)
        except NotFound as exc:
            refused.append(f"The control area {text!r} is not known: {exc}.")
            continue
        if code == scope.area:
            refused.append(f"The control area {text!r} is the area where the policy changed ({name}); a control "
                           "must be another area.")
        elif any(code == c for c, _ in found):
            refused.append(f"The control area {name} ({code}) is named twice.")
        elif counts_in(stops, scope, code) == 0:
            refused.append(f"The control area {name} ({code}) has no searches by {scope.force} from {scope.start} to "
                           f"{scope.end}, so it cannot stand for what would have happened without the policy.")
        else:
            found.append((code, name))
    return found, refused


def counts_in(stops: ibis.expr.types.Table, scope: Scope, code: str) -> int:
    """Searches of the scope's forces in an area over the period, whatever the lens."""
    kept = stops.filter(*of_force(stops, scope.force), stops.month >= scope.first_month,
                        stops.month <= scope.last_month, in_area(stops.area_code, code))
    return int(kept.count().to_pyarrow().as_py())


def _number(value: Any) -> float | int | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    f = float(value)
    return int(f) if f.is_integer() and abs(f) < 2**53 else f


def series_rows(series: AreaSeries) -> list[dict[str, Any]]:
    """The series as a document shows it: null for a month not covered; each group's ratio to White people
    null and `suppressed` when either count is below RATIO_MIN_SEARCHES (scrutiny.vocab.suppression)."""
    rows = []
    for r in series.frame.to_dict("records"):
        groups = []
        for g in GROUPS:
            a, c = r[f"searches:{g}"], r[f"searches:{REFERENCE}"]
            hidden = bool(r["covered"]) and g != REFERENCE and ratio_suppressed(int(a), int(c))
            groups.append({"group": g, "searches": _number(a), "residents": _number(r[f"residents:{g}"]),
                           "rate_per_1000": _number(r[f"rate:{g}"]),
                           "ratio_vs_white": None if hidden else _number(r[f"ratio:{g}"]),
                           "suppressed": hidden})
        rows.append({"month": label(r["month"]), "covered": bool(r["covered"]), "searches": _number(r["searches"]),
                     "residents": _number(r["residents"]), "rate_per_1000": _number(r["rate_per_1000"]),
                     "groups": groups})
    return rows
