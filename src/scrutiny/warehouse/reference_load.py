"""Write the rows an adapter read (`TableRows`) into its table: the unit's old rows out, the new ones in.

This is how every source but stop-and-search reaches the warehouse: Census population, the local authority
to force lookup, boundaries, and any source added later (docs/how-to/add-a-source.md). It runs inside the
caller's transaction and returns the number of rows written.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from scrutiny.sources.adapter import Recognised, Table, TableRows
from scrutiny.sources.police_uk_crime import CRIME_TABLES
from scrutiny.warehouse.areas import reassign_all
from scrutiny.warehouse.crime_places import place, place_all


def _new_boundaries(con: duckdb.DuckDBPyConnection, rows: TableRows) -> None:
    reassign_all(con)
    place_all(con)


def _new_population(con: duckdb.DuckDBPyConnection, rows: TableRows) -> None:
    place_all(con)


def _new_crimes(table: str) -> Callable[[duckdb.DuckDBPyConnection, TableRows], None]:
    def after(con: duckdb.DuckDBPyConnection, rows: TableRows) -> None:
        where, values = matching(rows)
        place(con, table, where or "true", values)
    return after


# What must follow a write to a table, so that load order never matters: new boundaries re-place every stored
# stop and crime, new Census names every crime's authority, and new crimes are placed with what is loaded.
AFTER_WRITE: dict[str, Callable[[duckdb.DuckDBPyConnection, TableRows], None]] = {
    "areas": _new_boundaries,
    "population": _new_population,
    **{table: _new_crimes(table) for table in CRIME_TABLES},
}


def quote(name: str) -> str:
    """An SQL identifier, quoted, so a column name from a file can never be read as SQL."""
    return '"' + name.replace('"', '""') + '"'


def matching(rows: TableRows) -> tuple[str, list[object]]:
    """The SQL condition (empty for every row) and its parameters for the rows `rows.replaces` names: a column
    equal to a value, or one of the values when given a tuple, list or set (the months a file covers)."""
    conditions: list[str] = []
    values: list[object] = []
    for column, value in rows.replaces.items():
        if isinstance(value, tuple | list | set | frozenset):
            listed = list(value)
            conditions.append(f"{quote(column)} IN ({', '.join('?' * len(listed))})" if listed else "false")
            values.extend(listed)
        else:
            conditions.append(f"{quote(column)} = ?")
            values.append(value)
    return " AND ".join(conditions), values


def write_rows(con: duckdb.DuckDBPyConnection, table: Table, rows: TableRows) -> int:
    """Delete the rows `rows.replaces` names (all of them when it names none), insert `rows.rows` by column."""
    where, values = matching(rows)
    con.execute(f"DELETE FROM {quote(table.name)}" + (f" WHERE {where}" if where else ""), values)
    names = rows.rows.column_names if isinstance(rows.rows, pa.Table) else [str(c) for c in rows.rows.columns]
    columns = ", ".join(map(quote, names))
    con.register("adapter_rows", rows.rows)
    try:
        con.execute(f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} FROM adapter_rows")
    finally:
        con.unregister("adapter_rows")
    after = AFTER_WRITE.get(table.name)
    if after is not None:
        after(con, rows)
    return len(rows.rows)


def write_rejects(con: duckdb.DuckDBPyConnection, rejects: pa.Table | None, source_id: int, item: Recognised) -> int:
    """Record what a file did not load (`rejects`: line, reason, raw) against its load; the number written."""
    con.execute("DELETE FROM rejects WHERE source_id IN (SELECT id FROM ingest_log WHERE unit = ?)",
                [item.source.unit(item) if item.source is not None else ""])  # the unit's earlier rejects
    if rejects is None or rejects.num_rows == 0:
        return 0
    con.register("adapter_rejects", rejects)
    try:
        con.execute("INSERT INTO rejects (source_id, file, force, month, line, reason, raw) "
                    "SELECT ?, ?, ?, ?, line, reason, raw FROM adapter_rejects",
                    [source_id, str(item.path), item.force, item.month])
    finally:
        con.unregister("adapter_rejects")
    return int(rejects.num_rows)
