"""Prepared counts of stop and search (docs/data-model.md): what every stop-and-search figure is summed from, so a
document reads thousands of rows, not millions.

Two tables, kept in step with `stop_search` inside the ingest transaction (warehouse/derived.py):
- `stop_search_cube`: searches by force, month and every published value a figure groups or a lens filters by,
  with whether the record has a location (`located`) and an area (`placed`). Scopes without an area read it.
- `stop_search_area_cube`: the same by area too (`area_code`, `area_name`): area scopes and the per-area table.

The keys are the published values (legislation, object of search, age range, search type), not the
catalogue's categories, so an edit to the catalogue applies at once, as it does to the rows (metrics.counts).
A force-month is recomputed whole from its rows (delete, then insert) whenever its rows change: a new or
replaced file, or boundaries that moved some of its stops to another area (warehouse.areas).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

FIGURES_CUBE = "stop_search_cube"
AREAS_CUBE = "stop_search_area_cube"
# The force-months whose stops `warehouse.areas.reassign_all` moved to another area, within this transaction.
REASSIGNED = "reassigned_force_months"
SPAN_ROWS = 2_500_000  # stops grouped in one statement (`_month_spans`)

# key: (SQL over stop_search, type)
_VALUE_KEYS: dict[str, tuple[str, str]] = {
    "search_type": ("search_type", "VARCHAR"),
    "self_defined_group": ("self_defined_group", "VARCHAR NOT NULL"),
    "officer_defined_group": ("officer_defined_group", "VARCHAR NOT NULL"),
    "age_range": ("age_range", "VARCHAR"),
    "legislation": ("legislation", "VARCHAR"),
    "object_of_search": ("object_of_search", "VARCHAR"),
    "outcome_class": ("outcome_class", "VARCHAR NOT NULL"),
    "located": ("latitude IS NOT NULL", "BOOLEAN NOT NULL"),
    "placed": ("area_code IS NOT NULL", "BOOLEAN NOT NULL"),
}
_MEASURES: dict[str, str] = {
    "n": "count(*)",
    "strip_true": "count(*) FILTER (WHERE strip_search)",
    "strip_published": "count(strip_search)",
    "linked_true": "count(*) FILTER (WHERE outcome_linked)",
    "linked_published": "count(outcome_linked)",
}


@dataclass(frozen=True)
class Cube:
    """A prepared table: its keys (column: (SQL over stop_search, type)); every cube has `_MEASURES`.

    Rows are written unordered: a month of the largest force is under one DuckDB row group of the area cube, so
    ordering by area would let no scan skip anything, and sorting doubled the cost of building the cube."""

    name: str
    keys: dict[str, tuple[str, str]]

    def ddl(self) -> str:
        columns = [f"{k} {t}" for k, (_, t) in self.keys.items()] + [f"{m} BIGINT NOT NULL" for m in _MEASURES]
        return f"CREATE TABLE {self.name} ({', '.join(columns)})"

    def select(self, stops: str = "stop_search", where: str = "true") -> str:
        """The cube's rows for `stops` (a FROM clause over stop_search) that meet `where`."""
        keys = ", ".join(f"{sql} AS {k}" for k, (sql, _) in self.keys.items())
        measures = ", ".join(f"{sql} AS {m}" for m, sql in _MEASURES.items())
        return f"SELECT {keys}, {measures} FROM {stops} WHERE {where} GROUP BY ALL"

    def rollup(self, finer: Cube, rows: str, where: str = "true") -> str:
        """The cube's rows summed from `rows` of a cube with more keys (cheaper than from the stops)."""
        keys = ", ".join(self.keys)
        measures = ", ".join(f"sum({m})::BIGINT AS {m}" for m in _MEASURES)
        assert set(self.keys) <= set(finer.keys)
        return f"SELECT {keys}, {measures} FROM {rows} WHERE {where} GROUP BY ALL"


# The finest first: the others are summed from it.
CUBES = (
    Cube(AREAS_CUBE, {"force": ("force", "VARCHAR NOT NULL"), "month": ("month", "DATE NOT NULL"),
                      "area_code": ("area_code", "VARCHAR"), "area_name": ("area_name", "VARCHAR"),
                      **_VALUE_KEYS}),
    Cube(FIGURES_CUBE, {"force": ("force", "VARCHAR NOT NULL"), "month": ("month", "DATE NOT NULL"),
                        **_VALUE_KEYS}),
)
FINEST = CUBES[0]


def _present(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary").fetchall()}


def build_missing(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create and fill, from every stored stop, the cubes an older warehouse lacks; the names built."""
    present = _present(con)
    built = []
    for cube in CUBES:
        if cube.name in present:
            continue
        con.execute(cube.ddl())
        for where in _month_spans(con, "stop_search"):
            source = cube.select(where=where) if cube is FINEST else cube.rollup(FINEST, FINEST.name, where)
            con.execute(f"INSERT INTO {cube.name} {source}")
        built.append(cube.name)
    return built


def _month_spans(con: duckdb.DuckDBPyConnection, stops: str) -> list[str]:
    """Conditions on `month` that split `stops` into runs of whole months of about SPAN_ROWS rows or fewer.

    Grouping 10M synthetic stops at once built a hash table of 1.6M groups, about 580 MB on top of the ingest's
    own memory, which set its peak (1,124-1,154 MB in `make bench`); a span's table is a fraction of it. Months,
    because the archive's folders are months: a span's rows lie together and DuckDB's zone maps skip the rest."""
    spans: list[str] = []
    first = last = None
    rows = 0
    for month, n in con.execute(f"SELECT month, count(*) FROM {stops} GROUP BY month ORDER BY month").fetchall():
        if first is not None and rows + n > SPAN_ROWS:
            spans.append(f"month BETWEEN DATE '{first}' AND DATE '{last}'")
            first, rows = None, 0
        first, last, rows = first or month, month, rows + n
    if first is not None:
        spans.append(f"month BETWEEN DATE '{first}' AND DATE '{last}'")
    return spans


def reassigned(con: duckdb.DuckDBPyConnection) -> set[tuple[str, date]]:
    """The force-months `warehouse.areas.reassign_all` changed in this transaction (and forget them)."""
    temporary = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    if REASSIGNED not in temporary:
        return set()
    found = {(str(f), m) for f, m in con.execute(f"SELECT DISTINCT force, month FROM {REASSIGNED}").fetchall()}
    con.execute(f"DROP TABLE {REASSIGNED}")
    return found


def refresh(con: duckdb.DuckDBPyConnection, force_months: Iterable[tuple[str, date]]) -> None:
    """Recompute the cubes' rows of these force-months (and those boundaries moved) from `stop_search`: a
    force-month with no rows left has none. A cube an older warehouse lacks is built whole instead."""
    wanted = sorted(set(force_months) | reassigned(con))
    built = build_missing(con)
    if not wanted:
        return
    stale = {"f": [f for f, _ in wanted], "m": [m for _, m in wanted]}
    con.execute("CREATE OR REPLACE TEMP TABLE stale_force_months AS SELECT unnest($f) AS force, "
                "unnest($m)::DATE AS month", stale)
    stale_stops = "stop_search SEMI JOIN stale_force_months USING (force, month)"
    spans = _month_spans(con, stale_stops)
    for cube in CUBES:
        if cube.name in built:
            continue
        con.execute(f"DELETE FROM {cube.name} c USING stale_force_months s "
                    "WHERE c.force = s.force AND c.month = s.month")
        for where in spans:
            if cube is FINEST:
                source = cube.select(stale_stops, where)
            else:
                source = cube.rollup(FINEST, f"{FINEST.name} SEMI JOIN stale_force_months USING (force, month)", where)
            con.execute(f"INSERT INTO {cube.name} {source}")
    con.execute("DROP TABLE stale_force_months")
