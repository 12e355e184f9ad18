"""What a figure is about: one force, several or all; optionally one area; an inclusive month range; an
ethnicity basis; and a lens (what the searches were for, under which power)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from scrutiny.catalog import ALL_FORCES, check_force
from scrutiny.errors import BadInput, NotFound
from scrutiny.metrics.lens import Lens, check_lens, lens_filters
from scrutiny.metrics.warehouse_backend import per_version
from scrutiny.vocab.areas import close_names, find_area, listed_names, region_prefix, with_regions
from scrutiny.vocab.months import check_period, label, month_start, months_between
from scrutiny.warehouse.aggregates import AREAS_CUBE, FIGURES_CUBE

Ethnicity = Literal["self", "officer"]

__all__ = ["ALL_FORCES", "Ethnicity", "Scope", "boundary_names", "in_months", "in_period", "in_scope", "month_start",
           "named_forces", "period_rows", "placed_areas", "prepared", "resolve_scope", "scope_json", "searches",
           "stop_table"]


@dataclass(frozen=True)
class Scope:
    force: str  # a force id, `all`, or force ids joined by commas (normalised: sorted, no repeats)
    area: str | None  # an area code (E09...) once resolved
    start: str  # YYYY-MM, inclusive
    end: str  # YYYY-MM, inclusive
    ethnicity: Ethnicity = "self"
    area_name: str | None = None
    purpose: str | None = None  # an object group (metrics.lens)
    power: str | None = None  # a power key (catalog/powers.csv)

    @property
    def first_month(self) -> date:
        return month_start(self.start)

    @property
    def last_month(self) -> date:
        return month_start(self.end)

    @property
    def months(self) -> list[date]:
        return months_between(self.first_month, self.last_month)

    @property
    def force_ids(self) -> tuple[str, ...] | None:
        """The forces named, or None for every force."""
        return named_forces(self.force)

    @property
    def single_force(self) -> str | None:
        ids = self.force_ids
        return ids[0] if ids is not None and len(ids) == 1 else None

    @property
    def lens(self) -> Lens:
        return Lens(self.purpose, self.power)

    @property
    def group_column(self) -> str:
        return "self_defined_group" if self.ethnicity == "self" else "officer_defined_group"


def scope_json(scope: Scope, forces: list[str] | None = None) -> dict[str, Any]:
    """The `scope` every document starts with: what it is about, the lens in keys and in plain words."""
    lens = scope.lens
    out: dict[str, Any] = {"force": scope.force}
    if forces is not None:
        out["forces"] = forces
    out.update({"area": scope.area, "area_name": scope.area_name, "from": scope.start, "to": scope.end,
                "ethnicity": scope.ethnicity, "purpose": lens.purpose, "power": lens.power,
                "purpose_name": lens.purpose_name, "power_name": lens.power_name})
    return out


def normalise_forces(text: str) -> str:
    """`all`, or known force ids, trimmed, de-duplicated and sorted; a clear error for an unknown one."""
    ids = sorted({part.strip().lower() for part in text.split(",") if part.strip()})
    if not ids:
        raise BadInput("no force given: name a force id such as metropolitan, several joined by commas, or all")
    if ALL_FORCES in ids:
        if len(ids) > 1:
            raise BadInput(f"--force {text!r}: `all` already means every force; give it alone")
        return ALL_FORCES
    for force in ids:
        check_force(force)
    return ",".join(ids)


def named_forces(force: str) -> tuple[str, ...] | None:
    """The ids a force spec (`all`, one id, or ids joined by commas) names; None for every force."""
    return None if force == ALL_FORCES else tuple(force.split(","))


def of_force(table: ir.Table, force: str) -> list[ir.BooleanValue]:
    """The filter that keeps the rows of a force spec (`all`, one id, or ids joined by commas)."""
    ids = named_forces(force)
    if ids is None:
        return [table.force.notnull()]
    return [table.force == ids[0]] if len(ids) == 1 else [table.force.isin(ids)]


def stop_table(backend: ibis.BaseBackend, *, area: bool, rows: bool = False) -> ir.Table:
    """Where stop-and-search figures are counted from: the prepared counts (warehouse.aggregates; by area when
    `area`), or `stop_search` itself when `rows` is asked for or the warehouse predates the prepared counts.
    Both give the same figures: metrics.counts sums `n` of the one where it counts rows of the other."""
    name = AREAS_CUBE if area else FIGURES_CUBE
    if rows or name not in backend.list_tables():
        return backend.table("stop_search")
    return backend.table(name)


def prepared(table: ir.Table) -> bool:
    """Whether `table` holds prepared counts (a row per combination of values, `n` searches each), not rows."""
    return "n" in table.columns


def searches(table: ir.Table, where: ir.BooleanValue | None = None) -> ir.IntegerScalar:
    """How many searches (`where` they are true): rows counted, or prepared counts summed (0, not null, when
    none is)."""
    if prepared(table):
        return table.n.sum(where=where).fill_null(0)
    return table.count(where=where)


def _resolve_area(backend: ibis.BaseBackend, force: str, area: str, stops: ir.Table | None = None) -> tuple[str, str]:
    """An area given by code or by name (any case), among the boundaries or the force's stops (`stops`: a table
    with area_code and area_name, stop_search or its prepared counts by area)."""
    known = dict(boundary_names(backend))
    stops = stop_table(backend, area=True) if stops is None else stops
    placed = placed_areas(backend, stops)
    ids = named_forces(force)
    of_these = placed if ids is None else placed.take(np.flatnonzero(np.isin(placed.force.to_numpy(), list(ids))))
    pairs = dict.fromkeys(zip(of_these.area_code.tolist(), of_these.area_name.tolist(), strict=True))  # distinct
    mine: dict[str, str] = dict(iter(pairs))
    known.update(mine)
    found_area = find_area(with_regions(known), area)
    if found_area is None:
        close = close_names(known.values(), area)
        guess = f"; did you mean {' or '.join(repr(name) for name in close)}?" if close else ""
        # With every authority of England and Wales loaded, the force's own areas are the useful list.
        where = (f"{force}'s searches are in: {listed_names(mine.values())}" if mine
                 else f"known areas: {listed_names(known.values()) or 'none: load boundaries first'}")
        raise NotFound(f"unknown area {area!r}{guess}; {where}", loc=("query", "area"))
    return found_area


def boundary_names(backend: ibis.BaseBackend) -> dict[str, str]:
    """Every loaded boundary's code -> name; empty without boundaries (shared: not to be changed). Read once
    per version of the file: every area document and every area name looks here."""
    return per_version(backend, "boundary_names", lambda: _boundary_names(backend))


def _boundary_names(backend: ibis.BaseBackend) -> dict[str, str]:
    if "areas" not in backend.list_tables():
        return {}
    names = backend.table("areas").select("area_code", "area_name").to_pandas()
    return {str(c): str(n) for c, n in zip(names.area_code, names.area_name, strict=True)}


def placed_areas(backend: ibis.BaseBackend, stops: ir.Table) -> pd.DataFrame:
    """Each force's areas with searches placed in them, and their names as `stops` (stop_search or its prepared
    counts by area) give them (shared: not to be changed): a few thousand rows, read once per version where each
    area question and each document's area names asked the database before."""
    return per_version(backend, f"placed_areas:{stops.get_name()}", lambda: _placed_areas(stops))


def _placed_areas(stops: ir.Table) -> pd.DataFrame:
    placed = stops.filter(stops.force.notnull(), stops.area_code.notnull())
    frame: pd.DataFrame = placed.select("force", "area_code", "area_name").distinct().to_pandas()
    return frame


def in_area(column: ir.StringColumn, area: str) -> ir.BooleanValue:
    """Rows in `area`: an authority's code, or a region's authorities (`vocab.areas.REGIONS`)."""
    prefix = region_prefix(area)
    return column.startswith(prefix) if prefix else column == area


def _outside_the_force(stops: ir.Table, scope: Scope) -> None:
    """An area with searches loaded, none of them by the scope's forces: say whose they are, not "no searches"."""
    if scope.area is None:
        return
    inside = stops.filter(in_area(stops.area_code, scope.area))
    there = inside.select("force").distinct().to_pandas().force
    if len(there) and count_rows(inside.filter(*of_force(inside, scope.force))) == 0:
        raise NotFound(f"{scope.area_name} ({scope.area}) has no searches by {scope.force} in any month loaded; "
                       f"its searches are by {', '.join(sorted(there))}", loc=("query", "area"))


def resolve_scope(backend: ibis.BaseBackend, scope: Scope, *, rows: bool = False) -> Scope:
    """Check every part of a scope against the catalogue and the warehouse, so a typo is an error, not a page
    of zeros. A lens that keeps no searches is not an error: its figures are zeros and suppressed ratios.
    `rows`: read `stop_search` itself, not its prepared counts (the reference path: `stop_table`)."""
    force = normalise_forces(scope.force)
    if scope.ethnicity not in ("self", "officer"):
        raise BadInput(f"bad ethnicity basis {scope.ethnicity!r}: expected 'self' or 'officer'")
    lens = check_lens(scope.purpose, scope.power)
    check_period(scope.start, scope.end)
    stops = stop_table(backend, area=scope.area is not None, rows=rows)
    code, name = _resolve_area(backend, force, scope.area, stops) if scope.area else (None, None)
    checked = replace(scope, force=force, area=code, area_name=name, purpose=lens.purpose, power=lens.power)
    if not _has_rows(backend, stops, checked):
        _outside_the_force(stops, checked)
        months = stops.filter(*of_force(stops, force)).select("month").distinct().to_pandas().month
        loaded = ", ".join(sorted(label(m) for m in months)) or "none"
        where = f" in {name}" if name else ""
        raise NotFound(
            f"no searches for {force}{where} from {scope.start} to {scope.end}; months loaded for {force}: {loaded}",
            loc=("query",),
        )
    return checked


def _has_rows(backend: ibis.BaseBackend, stops: ir.Table, scope: Scope) -> bool:
    """Whether the scope's forces have rows in its months (and area), whatever the lens: from the prepared
    counts' force-month cells (`month_cells`); `stop_search` itself, the reference path, is asked."""
    cells = month_cells(backend, stops)
    if cells is None:
        unlensed = in_period(stops, scope)
        if scope.area is not None:
            unlensed = unlensed.filter(in_area(unlensed.area_code, scope.area))
        return count_rows(unlensed) > 0
    kept = period_rows(cells, scope)
    if scope.area is not None:
        kept = kept[codes_in_area(kept.area_code, scope.area)]
    return not kept.empty


def month_cells(backend: ibis.BaseBackend, stops: ir.Table) -> pd.DataFrame | None:
    """Searches (`n`) and answers to "was it a strip search?" (`strip_published`) of each force-month, and area
    where `stops` has areas, of a table of prepared counts, whole (shared: not to be changed). A few thousand
    rows, read once per version of the file, from which a document learns which force-months it covers and
    whether it has any search at all without asking the database; ordered by force, month and area, so a
    force-month's cells are next to each other. None for `stop_search` itself or a table derived from one:
    those are asked."""
    if not prepared(stops) or not isinstance(stops.op(), ops.DatabaseTable):
        return None
    keys = ["force", "month", *(["area_code"] if "area_code" in stops.columns else [])]
    cells: pd.DataFrame = per_version(backend, f"month_cells:{stops.get_name()}", lambda: stops.group_by(
        keys).aggregate(n=stops.n.sum().fill_null(0), strip_published=stops.strip_published.sum().fill_null(0))
        .order_by(keys).to_pandas())
    return cells


def codes_in_area(codes: pd.Series, area: str) -> pd.Series:
    """`in_area` for a column of area codes in pandas (a missing code is in no area)."""
    prefix = region_prefix(area)
    inside: pd.Series = codes.str.startswith(prefix, na=False) if prefix else codes == area
    return inside


def in_period(stops: ir.Table, scope: Scope) -> ir.Table:
    """Rows of the scope's forces in its months, whatever their area or lens: what decides coverage. `stops` is
    stop_search or its prepared counts (`stop_table`), as for `in_scope`."""
    return stops.filter(*of_force(stops, scope.force), stops.month >= scope.first_month,
                        stops.month <= scope.last_month)


def period_rows(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """`in_period` for a small table fetched whole once per version of the file (columns `force` and `month`,
    as Ibis gives them): its rows of the scope's forces in the scope's months."""
    ids = scope.force_ids
    keep = in_months(frame, scope)
    keep &= frame.force.notna().to_numpy() if ids is None else np.isin(frame.force.to_numpy(), list(ids))
    return frame.take(np.flatnonzero(keep))


def in_months(frame: pd.DataFrame, scope: Scope) -> np.ndarray:
    """Which rows of a small per-version table (its `month` as Ibis gives it) fall in the scope's months: numpy,
    not pandas, operators, 0.4 ms a call rather than 0.64 on the force-month cells."""
    months = frame.month.to_numpy()
    inside: np.ndarray = (months >= np.datetime64(scope.first_month)) & (months <= np.datetime64(scope.last_month))
    return inside


def in_scope(stops: ir.Table, scope: Scope) -> ir.Table:
    """Rows of `stop_search` (or of its prepared counts: `stop_table`) that a scope covers, its lens applied."""
    conditions = [*of_force(stops, scope.force), stops.month >= scope.first_month, stops.month <= scope.last_month]
    if scope.area is not None:
        conditions.append(in_area(stops.area_code, scope.area))
    conditions.extend(lens_filters(stops, scope.lens))
    return stops.filter(*conditions)


def count_rows(table: ir.Table) -> int:
    return int(table.count().to_pyarrow().as_py())
