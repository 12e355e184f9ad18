"""Reading the crime aggregates (warehouse/crime_aggregates.py) for the `crime` figures: a force-year reads a few
thousand cells where the rows are hundreds of thousands. metrics/crime.py turns what these return into the same
figures as its row-level reading does; this module only fetches and filters.

The aggregates are read only when the warehouse has them and they reflect its newest load (`available`); else
the figures come from the rows, as they did before the aggregates existed (and as they do on Spark).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import ibis
import pandas as pd

from scrutiny.metrics.scope import named_forces
from scrutiny.metrics.warehouse_backend import per_version
from scrutiny.vocab.areas import region_prefix
from scrutiny.vocab.months import month_start
from scrutiny.warehouse.crime_aggregates import STATE


def _connection(backend: ibis.BaseBackend) -> duckdb.DuckDBPyConnection | None:
    """The DuckDB connection under an ibis backend; None for any other engine (Spark reads the rows)."""
    con = getattr(backend, "con", None)
    return con if getattr(backend, "name", None) == "duckdb" and isinstance(con, duckdb.DuckDBPyConnection) else None


def _held(backend: ibis.BaseBackend, con: duckdb.DuckDBPyConnection) -> set[str]:
    """The warehouse's tables, once per version of the file (they cannot change within one)."""
    return per_version(backend, "crime_prepared.held", lambda: {str(r[0]) for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()})


def available(backend: ibis.BaseBackend) -> bool:
    """True when the warehouse holds the crime aggregates and they reflect its newest load."""
    con = _connection(backend)
    if con is None:
        return False
    return per_version(backend, "crime_prepared.available", lambda: _reflect_newest_load(backend, con))


def _reflect_newest_load(backend: ibis.BaseBackend, con: duckdb.DuckDBPyConnection) -> bool:
    if not {STATE, "ingest_log"} <= _held(backend, con):
        return False
    found = con.execute(f"SELECT (SELECT max(log_id) FROM {STATE}) = (SELECT max(id) FROM ingest_log)").fetchall()
    return bool(found[0][0])


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    frame: pd.DataFrame = con.execute(sql, params).df()
    return frame


def _force_filter(force: str) -> tuple[str, list[Any]]:
    ids = named_forces(force)
    if ids is None:
        return "true", []
    return f"force IN ({', '.join('?' * len(ids))})", list(ids)


def _area_filter(area: str | None) -> tuple[str, list[Any]]:
    """`scope.in_area` in SQL: an authority's code, or a region's authorities."""
    if area is None:
        return "true", []
    prefix = region_prefix(area)
    return ("starts_with(la_code, ?)", [prefix]) if prefix else ("la_code = ?", [area])


class PreparedCrime:
    """The aggregates of one scope's forces and months, read with plain SQL (a few thousand cells: compiling
    an ibis expression cost more than reading them), each table at most once."""

    def __init__(self, backend: ibis.BaseBackend, force: str, start: str, end: str) -> None:
        con = _connection(backend)
        assert con is not None, "the crime aggregates are read from DuckDB only"
        self.con = con
        self.held = _held(backend, con)
        forces, params = _force_filter(force)
        self._where = f"{forces} AND month BETWEEN ? AND ?"
        self._params: list[Any] = [*params, month_start(start), month_start(end)]
        self._street: dict[str | None, pd.DataFrame] = {}

    def has(self, table: str) -> bool:
        return table in self.held

    def _of(self, table: str, columns: str, area: str | None = None, crime_type: str | None = None,
            group: str | None = None) -> pd.DataFrame:
        place, place_params = _area_filter(area)
        typed = "crime_type = ?" if crime_type is not None else "true"
        grouped = f" GROUP BY {group}" if group else ""
        return _frame(self.con, f"SELECT {columns} FROM {table} WHERE {self._where} AND {place} AND {typed}{grouped}",
                      [*self._params, *place_params, *([crime_type] if crime_type is not None else [])])

    def street(self, area: str | None = None) -> pd.DataFrame:
        """Street cells of the forces and months (in `area` if given) by force, month and type: crimes,
        numbered, with_outcome."""
        if area not in self._street:
            self._street[area] = self._of(
                "crime_street_cells", "force, month, crime_type, sum(crimes) AS crimes, sum(numbered) AS numbered, "
                "sum(with_outcome) AS with_outcome", area, group="ALL")
        return self._street[area]

    def published(self, area: str | None, crime_type: str) -> pd.DataFrame:
        return self._of("crime_published_cells", "last_outcome_class, sum(crimes) AS n", area, crime_type, "ALL")

    def links(self, area: str | None, crime_type: str) -> pd.DataFrame:
        """Crimes with a Crime ID no other street row has, by latest outcome class, delay and charged."""
        return self._of("crime_link_cells", "latest_class, delay, charged, sum(crimes) AS n", area, crime_type, "ALL")

    def events(self, area: str | None, crime_type: str) -> pd.DataFrame:
        return self._of("crime_event_cells", "outcome_class, sum(events) AS n", area, crime_type, "ALL")

    def repeats(self, area: str | None, crime_type: str) -> pd.DataFrame:
        """Street rows of a repeated Crime ID: link, crime_id, month."""
        return self._of("crime_repeats", "link, crime_id, month", area, crime_type)

    def repeat_events(self, links: list[str]) -> pd.DataFrame:
        return _frame(self.con, "SELECT link, outcome_month, outcome_class, outcome_force, source_row "
                                "FROM crime_repeat_events WHERE link IN (SELECT unnest(?))", [links])

    def outcome_months(self, area: str | None) -> pd.DataFrame:
        """Outcome events per force-month they were published in: force, month, outcomes, linked."""
        return self._of("crime_outcome_cells", "force, month, sum(outcomes) AS outcomes, sum(linked) AS linked",
                        area, group="ALL")


def _con(backend: ibis.BaseBackend) -> duckdb.DuckDBPyConnection:
    con = _connection(backend)
    assert con is not None, "the crime aggregates are read from DuckDB only"
    return con


def places(backend: ibis.BaseBackend) -> pd.DataFrame:
    """Every authority (la_code, la_name) street crimes are placed in."""
    return _frame(_con(backend), "SELECT DISTINCT la_code, la_name FROM crime_street_cells WHERE la_code IS NOT NULL",
                  [])


def crime_types(backend: ibis.BaseBackend) -> list[str]:
    rows = _con(backend).execute("SELECT DISTINCT crime_type FROM crime_street_cells").fetchall()
    return sorted(str(r[0]) for r in rows)


def months_of(backend: ibis.BaseBackend, force: str) -> list[date]:
    """The months street crime is loaded for a force spec."""
    where, params = _force_filter(force)
    return [r[0] for r in _con(backend).execute(
        f"SELECT DISTINCT month FROM crime_street_cells WHERE {where}", params).fetchall()]


def month_span(backend: ibis.BaseBackend, force: str) -> tuple[Any, Any]:
    where, params = _force_filter(force)
    found = _con(backend).execute(
        f"SELECT min(month), max(month) FROM crime_street_cells WHERE {where}", params).fetchall()
    return found[0][0], found[0][1]


__all__ = ["PreparedCrime", "available", "crime_types", "month_span", "months_of", "places"]
