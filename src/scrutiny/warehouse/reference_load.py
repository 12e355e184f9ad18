"""Write the rows an adapter read (`TableRows`) into its table: the unit's old rows out, the new ones in.

This is how every source but stop-and-search reaches the warehouse: Census population, the local authority
to force lookup, boundaries, and any source added later (docs/how-to/add-a-source.md). It runs inside the
caller's transaction and returns the number of rows written.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd
import pyarrow as pa

from scrutiny.sources.adapter import Recognised, Table, TableRows
from scrutiny.sources.police_uk_crime import CRIME_TABLES
from scrutiny.warehouse.areas import keep_finest, reassign_all
from scrutiny.warehouse.crime_places import place, place_all


def _new_boundaries(con: duckdb.DuckDBPyConnection, rows: TableRows) -> None:
    reassign_all(con)
    place_all(con)


def _new_population(con: duckdb.DuckDBPyConnection, rows: TableRows) -> None:
    place_all(con)


def _new_crimes(table: str) -> Callable[[duckdb.DuckDBPyConnection, TableRows], None]:
    def after(con: duckdb.DuckDBPyConnection, rows: TableRows) -> None:
        place(con, table, "la_code IS NULL AND la_name IS NOT NULL")  # the rows just written (and any unnamed)
    return after


# What must follow a write to a table, so that load order never matters: new boundaries re-place every stored
# stop and crime, new Census names every crime's authority, and new crimes are placed with what is loaded.
AFTER_WRITE: dict[str, Callable[[duckdb.DuckDBPyConnection, TableRows], None]] = {
    "areas": _new_boundaries,
    "population": _new_population,
    **{table: _new_crimes(table) for table in CRIME_TABLES},
}


# What must happen between deleting a unit's old rows and inserting its new ones: a table keyed across files
# (one outline per area code, whichever file it came from) settles which rows stay.
BEFORE_INSERT: dict[str, Callable[[duckdb.DuckDBPyConnection, TableRows], TableRows]] = {
    "areas": keep_finest,
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
    before = BEFORE_INSERT.get(table.name)
    if before is not None:
        rows = before(con, rows)
    _insert(con, table, rows.rows)
    after = AFTER_WRITE.get(table.name)
    if after is not None:
        after(con, rows)
    return len(rows.rows)


def _insert(con: duckdb.DuckDBPyConnection, table: Table, adapter_rows: pa.Table | pd.DataFrame) -> None:
    """Insert by column name. DuckDB reads `adapter_rows` from this frame's locals (a replacement scan), so
    nothing stays registered on the connection: a registered table would live until the ingest commits."""
    names = adapter_rows.column_names if isinstance(adapter_rows, pa.Table) else [str(c) for c in adapter_rows.columns]
    columns = ", ".join(map(quote, names))
    con.execute(f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} FROM adapter_rows")


def _batchable(readings: list[TableRows]) -> bool:
    """Readings that can be written as one: arrow tables of one schema, each replacing one value per key."""
    first = readings[0]
    keys = list(first.replaces)
    return (len(readings) > 1 and bool(keys) and all(isinstance(r.rows, pa.Table) for r in readings)
            and all(list(r.replaces) == keys and not any(isinstance(v, tuple | list | set | frozenset)
                                                         for v in r.replaces.values()) for r in readings)
            and all(r.rows.schema.equals(first.rows.schema) for r in readings))


def write_batch(con: duckdb.DuckDBPyConnection, table: Table, readings: list[TableRows]) -> list[int]:
    """`write_rows` for several units of one table at once: one DELETE of all their units, one INSERT of all
    their rows, the table's after-write step once (a month of every force is hundreds of files; statement by
    statement, their fixed costs were most of the load). Rows written per reading, in order."""
    if not _batchable(readings) or table.name in BEFORE_INSERT:
        return [write_rows(con, table, r) for r in readings]
    keys = list(readings[0].replaces)
    batch_units = pa.table({k: [r.replaces[k] for r in readings] for k in keys})  # noqa: F841 (read by DuckDB)
    where = " AND ".join(f"t.{quote(k)} = u.{quote(k)}" for k in keys)
    con.execute(f"DELETE FROM {quote(table.name)} t USING batch_units u WHERE {where}")
    # The rows' order on disk means nothing (each keeps its file's line in source_row), and letting DuckDB
    # insert a run's many small chunks in any order made the insert about 40% faster.
    con.execute("SET preserve_insertion_order = false")
    try:
        _insert(con, table, pa.concat_tables([r.rows for r in readings]))
    finally:
        con.execute("RESET preserve_insertion_order")
    after = AFTER_WRITE.get(table.name)
    if after is not None:
        after(con, readings[-1])
    return [len(r.rows) for r in readings]


def write_rejects(con: duckdb.DuckDBPyConnection, loads: list[tuple[pa.Table | None, int, Recognised]]) -> list[int]:
    """Record what files did not load (`rejects`: line, reason, raw), each against its load (source_id), after
    removing their units' earlier rejects; the number written per file."""
    units = [item.source.unit(item) for _, _, item in loads if item.source is not None]
    con.execute("DELETE FROM rejects WHERE source_id IN (SELECT id FROM ingest_log WHERE unit IN "
                "(SELECT unnest($units)))", {"units": units})
    counts = []
    for rejects, source_id, item in loads:
        counts.append(0 if rejects is None else int(rejects.num_rows))
        if rejects is None or rejects.num_rows == 0:
            continue
        file_rejects = rejects  # noqa: F841 (read by DuckDB below)
        con.execute("INSERT INTO rejects (source_id, file, force, month, line, reason, raw) "
                    "SELECT ?, ?, ?, ?, line, reason, raw FROM file_rejects",
                    [source_id, str(item.path), item.force, item.month])
    return counts
