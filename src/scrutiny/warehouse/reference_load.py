"""Write the rows an adapter read (`TableRows`) into its table: the unit's old rows out, the new ones in.

This is how every source but stop-and-search reaches the warehouse: Census population, the local authority
to force lookup, boundaries, and any source added later (docs/how-to/add-a-source.md). It runs inside the
caller's transaction and returns the number of rows written.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from scrutiny.sources.adapter import Table, TableRows
from scrutiny.warehouse.areas import reassign_all

# What must follow a write to a table: new boundaries re-place every stored stop, so that boundaries may be
# loaded before or after the stops they contain.
AFTER_WRITE: dict[str, Callable[[duckdb.DuckDBPyConnection], None]] = {"areas": reassign_all}


def quote(name: str) -> str:
    """An SQL identifier, quoted, so a column name from a file can never be read as SQL."""
    return '"' + name.replace('"', '""') + '"'


def write_rows(con: duckdb.DuckDBPyConnection, table: Table, rows: TableRows) -> int:
    """Delete the rows `rows.replaces` names (all of them when it names none), insert `rows.rows` by column."""
    where = " AND ".join(f"{quote(column)} = ?" for column in rows.replaces)
    con.execute(f"DELETE FROM {quote(table.name)}" + (f" WHERE {where}" if where else ""), list(rows.replaces.values()))
    names = rows.rows.column_names if isinstance(rows.rows, pa.Table) else [str(c) for c in rows.rows.columns]
    columns = ", ".join(map(quote, names))
    con.register("adapter_rows", rows.rows)
    try:
        con.execute(f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} FROM adapter_rows")
    finally:
        con.unregister("adapter_rows")
    after = AFTER_WRITE.get(table.name)
    if after is not None:
        after(con)
    return len(rows.rows)
