"""Grouped counts over the rows in scope, from which every count-based figure follows.

The database groups by the published values (a few dozen distinct each); the catalogue's mappings to
object groups, powers, age bands and person searches are applied to the small grouped result, so a scan of
ten million rows does no per-row string matching and users' edits to the catalogue apply at once.

`rated` marks the rows that enter rates: in a scope of several forces, a force with no residents (British
Transport Police) adds searches to the counts but nothing to rates (metrics.population).

Every function takes either `stop_search` or its prepared counts (warehouse.aggregates, chosen by
`scope.stop_table`): a row of those stands for `n` searches, so a count of rows becomes a sum of `n`
(`searches`), and the grouped results, hence every figure, are the same.
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir
import pandas as pd

from scrutiny.metrics.categories import PERSON_TYPES, age_bands_of, count_true, people_of
from scrutiny.metrics.lens import object_groups_of, powers_of
from scrutiny.metrics.scope import (
    Scope,
    area_rows,
    boundary_names,
    in_area,
    in_period,
    month_cells,
    period_rows,
    placed_areas,
    prepared,
    searches,
    stop_table,
)
from scrutiny.metrics.selection import empty_loads
from scrutiny.metrics.warehouse_backend import per_version

__all__ = ["area_names", "by_area", "by_month", "cube", "force_months", "prepared", "rated_flag", "searches"]


def rated_flag(table: ir.Table, rated_forces: Collection[str] | None, used: Collection[str]) -> ir.BooleanValue:
    """True for rows whose force enters rates: a constant when every used force does, else a test against the
    shorter list (usually `force != 'btp'`, which costs a national scan a tenth of what a 40-force IN does)."""
    if rated_forces is None or set(used) <= set(rated_forces):
        return ibis.literal(True)
    unrated = sorted(set(used) - set(rated_forces))
    if len(unrated) < len(rated_forces):
        return table.force != unrated[0] if len(unrated) == 1 else ~table.force.isin(unrated)
    return table.force.isin(sorted(rated_forces))


def _mapped(frame: pd.DataFrame) -> pd.DataFrame:
    """Published values to categories (object group, power, age band, person or not)."""
    frame["power"] = powers_of(frame["legislation"])
    frame["object_group"] = object_groups_of(frame.pop("legislation"), frame.pop("object_of_search"))
    if "age_range" in frame:
        frame["age"] = age_bands_of(frame.pop("age_range"))
    if "search_type" in frame:
        frame["person"] = people_of(frame.pop("search_type"))
    return frame


def _regroup(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    sums = [c for c in frame.columns if c not in keys]
    grouped: pd.DataFrame = frame.groupby(keys, dropna=False, as_index=False)[sums].sum()
    for column in sums:
        grouped[column] = grouped[column].astype("int64")
    return grouped


def cube(scoped: ir.Table, scope: Scope, rated: ir.BooleanValue) -> pd.DataFrame:
    """Counts by person/vehicle, ethnic group, age band, object group, power, outcome class and rated."""
    keyed = scoped.mutate(group=scoped[scope.group_column], rated=rated)
    if prepared(keyed):
        sums = {"n": searches(keyed), "located": searches(keyed, keyed.located),
                "placed": searches(keyed, keyed.placed),
                **{m: keyed[m].sum() for m in ("strip_true", "strip_published", "linked_true", "linked_published")}}
    else:
        sums = {"n": keyed.count(), "located": keyed.latitude.count(), "placed": keyed.area_code.count(),
                "strip_true": count_true(keyed.strip_search), "strip_published": keyed.strip_search.count(),
                "linked_true": count_true(keyed.outcome_linked), "linked_published": keyed.outcome_linked.count()}
    query = keyed.group_by(
        ["search_type", "group", "age_range", "legislation", "object_of_search", "outcome_class", "rated"]
    ).aggregate(**sums)
    frame = _mapped(query.to_pandas())
    return _regroup(frame, ["person", "group", "age", "object_group", "power", "outcome_class", "rated"])


def by_month(scoped: ir.Table, scope: Scope, rated: ir.BooleanValue) -> pd.DataFrame:
    """Per month: searches, drugs searches, known outcomes, finds, and rated person searches of each group
    (columns `g:<group>`). Two small groupings, not one wide one: a tenth of the rows to carry into pandas."""
    query = scoped.group_by(["month", "legislation", "object_of_search", "outcome_class"]).aggregate(
        n=searches(scoped))
    frame = _mapped(query.to_pandas())
    frame["drugs"] = frame.n.where(frame.object_group == "drugs", 0)
    frame["known"] = frame.n.where(frame.outcome_class != "unknown", 0)
    frame["found"] = frame.n.where(~frame.outcome_class.isin(["unknown", "no_further_action"]), 0)
    totals = _regroup(frame[["month", "n", "drugs", "known", "found"]], ["month"])
    keyed = scoped.mutate(group=scoped[scope.group_column], rated=rated)
    people = keyed.filter(keyed.search_type.isin(PERSON_TYPES), keyed.rated)
    rated_people = people.group_by(["month", "group"]).aggregate(n=searches(people)).to_pandas()
    groups = rated_people.groupby(["month", "group"])["n"].sum().unstack(fill_value=0)  # a third of pivot_table's time
    groups.columns = [f"g:{c}" for c in groups.columns]
    merged: pd.DataFrame = totals.merge(groups.reset_index(), on="month", how="left").fillna(0)
    return merged.sort_values("month")


def by_area(scoped: ir.Table, scope: Scope) -> pd.DataFrame:
    """Per area code: searches, drugs searches and Black and White person searches. Rows with no area are
    `outside` (a location no loaded boundary contains) or `no_location`.

    Grouping by the bare code, not the code and name with nulls filled, halves the cost of this scan.
    """
    keyed = scoped.mutate(group=scoped[scope.group_column])
    if not prepared(keyed):
        keyed = keyed.mutate(located=keyed.latitude.notnull())
    query = keyed.group_by(
        ["area_code", "located", "search_type", "group", "legislation", "object_of_search"]
    ).aggregate(n=searches(keyed))
    frame = _mapped(query.to_pandas())
    code = frame.pop("area_code")
    located = frame.pop("located").astype(bool)
    frame["code"] = code.where(code.notna(), located.map({True: "outside", False: "no_location"}))
    frame["drugs"] = frame.n.where(frame.object_group == "drugs", 0)
    frame["black"] = frame.n.where(frame.person & (frame.group == "Black"), 0)
    frame["white"] = frame.n.where(frame.person & (frame.group == "White"), 0)
    return _regroup(frame[["code", "n", "drugs", "black", "white"]], ["code"])


def force_months(backend: ibis.BaseBackend, scope: Scope, stops: ir.Table | None = None) -> pd.DataFrame:
    """Searches of each force in each month of the scope's period, whatever the area or lens: the months
    each force covers (a force-month with no row is missing, never zero, unless it was loaded from a file with
    no records: selection.empty_loads, a true zero). `strip_published` counts the rows of
    the scope's area (all of them without one) that say whether the search was a strip search: whether that is
    published is a property of the data, not of the lens. `stops`: `scope.stop_table` for the scope (by
    default, the prepared counts when the warehouse has them)."""
    stops = stop_table(backend, area=scope.area is not None) if stops is None else stops
    cells = month_cells(backend, stops)
    frame = _force_months_of(stops, scope) if cells is None else _force_months_from(cells, scope)
    zeros = period_rows(per_version(backend, "empty_loads", lambda: _empty_loads(backend)), scope)
    if not zeros.empty:
        frame = pd.concat([frame, zeros.assign(n=0, strip_published=0)], ignore_index=True)
    return frame


def _force_months_of(stops: ir.Table, scope: Scope) -> pd.DataFrame:
    period = in_period(stops, scope)
    placed = ibis.literal(True) if scope.area is None else in_area(period.area_code, scope.area).fill_null(False)
    keyed = period.mutate(in_area=placed)
    published = (keyed.strip_published.sum(where=keyed.in_area).fill_null(0) if prepared(keyed)
                 else keyed.strip_search.count(where=keyed.in_area))
    frame: pd.DataFrame = keyed.group_by(["force", "month"]).aggregate(
        n=searches(keyed), strip_published=published
    ).to_pandas()
    return frame


def _force_months_from(cells: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """`_force_months_of` picked from the prepared counts' force-month(-area) cells (`scope.month_cells`)."""
    kept = period_rows(cells, scope)
    if scope.area is None:
        return kept[["force", "month", "n", "strip_published"]].reset_index(drop=True)
    published = kept.strip_published.where(area_rows(kept.area_code, scope.area), 0)
    frame: pd.DataFrame = kept.assign(strip_published=published).groupby(
        ["force", "month"], as_index=False)[["n", "strip_published"]].sum()
    return frame


def _empty_loads(backend: ibis.BaseBackend) -> pd.DataFrame:
    """The force-months loaded from a file with no records, whole: a few rows, read once per version."""
    frame: pd.DataFrame = empty_loads(backend).select("force", "month").to_pandas()
    return frame


def area_names(backend: ibis.BaseBackend, codes: list[str], stops: ir.Table | None = None) -> dict[str, str]:
    """Names of area codes: from the boundaries, or from the stops themselves (`stops`: stop_search or its
    prepared counts by area)."""
    if "areas" in backend.list_tables():
        return dict(boundary_names(backend))
    stops = stop_table(backend, area=True) if stops is None else stops
    placed = placed_areas(backend, stops)
    names = placed[placed.area_code.isin(codes)][["area_code", "area_name"]].drop_duplicates()
    return {str(c): str(n) for c, n in zip(names.area_code, names.area_name, strict=True)}

