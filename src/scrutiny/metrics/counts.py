"""Grouped counts over the rows in scope, from which every count-based figure follows.

The database groups by the published values (a few dozen distinct each); the catalogue's mappings to
object groups, powers, age bands and person searches are applied to the small grouped result, so a scan of
ten million rows does no per-row string matching and users' edits to the catalogue apply at once. That result
(hundreds to a few thousand rows) is classified and summed again in Arrow, not pandas: pandas' fixed cost per
call (a map, a groupby: 0.1-1 ms each whatever the rows) was a fifth of an uncached document's time.

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
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scrutiny.metrics.categories import PERSON_TYPES, age_bands, count_true, people
from scrutiny.metrics.lens import object_groups, power_keys
from scrutiny.metrics.plain_frames import arrow_frame
from scrutiny.metrics.scope import (
    Scope,
    boundary_names,
    codes_in_area,
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
from scrutiny.vocab.areas import region_prefix
from scrutiny.vocab.ethnicity import HEADLINE_GROUP, REFERENCE
from scrutiny.vocab.objects import DRUGS
from scrutiny.vocab.outcomes import NOT_FINDS, UNKNOWN_OUTCOME

__all__ = ["area_names", "by_area", "by_area_of", "by_month", "classified", "cube", "force_months", "prepared",
           "rated_flag", "searches"]


def rated_flag(table: ir.Table, rated_forces: Collection[str] | None, used: Collection[str]) -> ir.BooleanValue:
    """True for rows whose force enters rates: a constant when every used force does, else a test against the
    shorter list (usually `force != 'btp'`, which costs a national scan a tenth of what a 40-force IN does)."""
    if rated_forces is None or set(used) <= set(rated_forces):
        return ibis.literal(True)
    unrated = sorted(set(used) - set(rated_forces))
    if len(unrated) < len(rated_forces):
        return table.force != unrated[0] if len(unrated) == 1 else ~table.force.isin(unrated)
    return table.force.isin(sorted(rated_forces))


def classified(answer: pa.Table) -> pa.Table:
    """A grouped answer's published values to categories: `legislation` and `object_of_search` to `power` and
    `object_group`, and where present `age_range` to `age` and `search_type` to `person`."""
    legislation, objects = answer["legislation"], answer["object_of_search"]
    out = answer.drop_columns(["legislation", "object_of_search"])
    out = out.append_column("power", power_keys(legislation))
    out = out.append_column("object_group", object_groups(legislation, objects))
    if "age_range" in out.column_names:
        out = out.append_column("age", age_bands(out["age_range"])).drop_columns(["age_range"])
    if "search_type" in out.column_names:
        out = out.append_column("person", people(out["search_type"])).drop_columns(["search_type"])
    return out


def _summed(table: pa.Table, keys: list[str]) -> pd.DataFrame:
    """The other columns of `table` summed by `keys`, sorted by them (as pandas' groupby gives them)."""
    sums = [c for c in table.column_names if c not in keys]
    grouped = table.group_by(keys, use_threads=False).aggregate([(c, "sum") for c in sums])
    columns = {k: grouped[k] for k in keys} | {c: pc.cast(grouped[f"{c}_sum"], pa.int64()) for c in sums}
    ordered = pa.table(columns).sort_by([(k, "ascending", "at_end") for k in keys])
    return arrow_frame(ordered)


def _where(condition: pa.ChunkedArray | pa.Array, n: pa.ChunkedArray) -> pa.ChunkedArray:
    """`n` where `condition` holds, else 0."""
    counted: pa.ChunkedArray = pc.if_else(condition, n, pa.scalar(0, pa.int64()))
    return counted


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
    return _summed(classified(query.to_pyarrow()),
                   ["person", "group", "age", "object_group", "power", "outcome_class", "rated"])


def by_month(scoped: ir.Table, scope: Scope, rated: ir.BooleanValue) -> pd.DataFrame:
    """Per month: searches, drugs searches, known outcomes, finds, and rated person searches of each group
    (columns `g:<group>`, one for each group the answer holds). One grouping for all of them: summed in Arrow,
    its few thousand rows cost less than a second query."""
    keyed = scoped.mutate(group=scoped[scope.group_column],
                          counted=(scoped.search_type.isin(PERSON_TYPES) & rated).fill_null(False))
    query = keyed.group_by(["month", "legislation", "object_of_search", "outcome_class", "group", "counted"]
                           ).aggregate(n=searches(keyed))
    answer = classified(query.to_pyarrow())
    n, outcome, group, counted = answer["n"], answer["outcome_class"], answer["group"], answer["counted"]
    columns = {
        "month": answer["month"], "n": n,
        "drugs": _where(pc.equal(answer["object_group"], DRUGS), n),
        "known": _where(pc.fill_null(pc.not_equal(outcome, UNKNOWN_OUTCOME), True), n),
        "found": _where(pc.invert(pc.is_in(outcome, value_set=pa.array(NOT_FINDS))), n),
    }
    for name in sorted(pc.unique(pc.filter(group, counted)).drop_null().to_pylist()):
        columns[f"g:{name}"] = _where(pc.and_(counted, pc.fill_null(pc.equal(group, name), False)), n)
    return _summed(pa.table(columns), ["month"])


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
    answer = classified(query.to_pyarrow())
    return _area_sums(pc.coalesce(answer["area_code"], pc.if_else(answer["located"], "outside", "no_location")),
                      answer)


def by_area_of(cube_frame: pd.DataFrame, area: str) -> pd.DataFrame:
    """`by_area` for a scope of one authority, from the scope's `cube` instead of a query: every search in such
    a scope is placed in that authority (`in_area`), so its one row is the cube's totals (none without a
    search). Not for a region, whose searches fall in many authorities."""
    assert region_prefix(area) is None, f"{area} is a region"
    summed = pa.Table.from_pandas(cube_frame[["n", "object_group", "person", "group"]], preserve_index=False)
    return _area_sums(pa.array([area] * len(cube_frame), pa.string()), summed)


def _area_sums(codes: pa.Array | pa.ChunkedArray, answer: pa.Table) -> pd.DataFrame:
    """Searches, drugs searches and Black and White person searches by `codes`, from a classified answer."""
    n, person = answer["n"], answer["person"]
    return _summed(pa.table({
        "code": codes, "n": n,
        "drugs": _where(pc.equal(answer["object_group"], DRUGS), n),
        "black": _where(pc.and_(person, pc.equal(answer["group"], HEADLINE_GROUP)), n),
        "white": _where(pc.and_(person, pc.equal(answer["group"], REFERENCE)), n),
    }), ["code"])


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
    """`_force_months_of` picked from the prepared counts' force-month(-area) cells (`scope.month_cells`, ordered
    by force and month): an area's cells are summed over each run of one force-month (numpy's reduceat), not
    by a pandas groupby, which cost a fifteenth of an area document."""
    kept = period_rows(cells, scope)
    if scope.area is None:
        return kept[["force", "month", "n", "strip_published"]].reset_index(drop=True)
    forces, months = kept.force.to_numpy(), kept.month.to_numpy()
    starts = np.flatnonzero(np.r_[True, (forces[1:] != forces[:-1]) | (months[1:] != months[:-1])])
    published = np.where(codes_in_area(kept.area_code, scope.area).to_numpy(), kept.strip_published.to_numpy(), 0)
    firsts = kept.iloc[starts]
    return pd.DataFrame({
        "force": firsts.force.reset_index(drop=True), "month": firsts.month.reset_index(drop=True),
        "n": np.add.reduceat(kept.n.to_numpy(), starts) if len(kept) else np.zeros(0, np.int64),
        "strip_published": np.add.reduceat(published, starts) if len(kept) else np.zeros(0, np.int64),
    })


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

