"""Grouped counts over the rows in scope, from which every count-based figure follows.

The database groups by the published values (a few dozen distinct each); the catalogue's mappings to
object groups, age bands and person searches are applied to the small grouped result, so a scan of ten
million rows does no per-row string matching and users' edits to the catalogue apply at once.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from scrutiny.metrics.categories import age_bands_of, count_true, object_groups_of, people_of
from scrutiny.metrics.scope import Scope


def _mapped(frame: pd.DataFrame) -> pd.DataFrame:
    """Published values to categories (object group, age band, person or not)."""
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


def cube(scoped: ir.Table, scope: Scope) -> pd.DataFrame:
    """Counts by person/vehicle, ethnic group, age band, object group and outcome class."""
    keyed = scoped.mutate(group=scoped[scope.group_column])
    query = keyed.group_by(
        ["search_type", "group", "age_range", "legislation", "object_of_search", "outcome_class"]
    ).aggregate(
        n=keyed.count(),
        located=keyed.latitude.count(),
        strip_true=count_true(keyed.strip_search),
        strip_published=count_true(keyed.strip_search.notnull()),
        linked_true=count_true(keyed.outcome_linked),
        linked_published=count_true(keyed.outcome_linked.notnull()),
    )
    frame = _mapped(query.to_pandas())
    return _regroup(frame, ["person", "group", "age", "object_group", "outcome_class"])


def by_month(scoped: ir.Table) -> pd.DataFrame:
    """Searches, drugs searches, known outcomes and finds per month."""
    query = scoped.group_by(["month", "legislation", "object_of_search", "outcome_class"]).aggregate(n=scoped.count())
    frame = _mapped(query.to_pandas())
    frame["drugs"] = frame.n.where(frame.object_group == "drugs", 0)
    frame["known"] = frame.n.where(frame.outcome_class != "unknown", 0)
    frame["found"] = frame.n.where(~frame.outcome_class.isin(["unknown", "no_further_action"]), 0)
    return _regroup(frame[["month", "n", "drugs", "known", "found"]], ["month"]).sort_values("month")


def by_area(scoped: ir.Table, scope: Scope) -> pd.DataFrame:
    """Searches, drugs searches and Black and White person searches per area code (`unknown` without one).

    Grouping by the bare code, not the code and name with nulls filled, halves the cost of this scan.
    """
    keyed = scoped.mutate(group=scoped[scope.group_column])
    query = keyed.group_by(["area_code", "search_type", "group", "legislation", "object_of_search"]).aggregate(
        n=keyed.count()
    )
    frame = _mapped(query.to_pandas())
    frame["code"] = frame.pop("area_code").fillna("unknown")
    frame["drugs"] = frame.n.where(frame.object_group == "drugs", 0)
    frame["black"] = frame.n.where(frame.person & (frame.group == "Black"), 0)
    frame["white"] = frame.n.where(frame.person & (frame.group == "White"), 0)
    return _regroup(frame[["code", "n", "drugs", "black", "white"]], ["code"])


def area_names(backend: ibis.BaseBackend, codes: list[str]) -> dict[str, str]:
    """Names of area codes: from the boundaries, or from the stops themselves."""
    if "areas" in backend.list_tables():
        names = backend.table("areas").select("area_code", "area_name").to_pandas()
    else:
        stops = backend.table("stop_search")
        names = stops.filter(stops.area_code.isin(codes)).select("area_code", "area_name").distinct().to_pandas()
    return {str(c): str(n) for c, n in zip(names.area_code, names.area_name, strict=True)}
