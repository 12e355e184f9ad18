"""Bring a table an older Scrutiny made up to its adapter's declaration: a column added since (`Table.added`)
is added and filled from the rows' other columns, in the ingest transaction, so a warehouse never needs loading
again from scratch after an upgrade and a failed ingest leaves it as it was."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from scrutiny.sources.adapter import Table


def ensure_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[Table]) -> list[str]:
    """Create the tables no schema declares yet, add what older ones lack; the `table.column`s added."""
    added = []
    for table in {t.name: t for t in tables}.values():
        ddl = table.ddl()
        if ddl is None:
            continue
        con.execute(ddl)
        present = {name for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main'",
            [table.name]).fetchall()}
        assert table.columns is not None  # ddl() is None without them
        for column, fill in table.added.items():
            if column in present:
                continue
            con.execute(f"ALTER TABLE {table.name} ADD COLUMN {column} {table.columns[column]}")
            con.execute(f"UPDATE {table.name} SET {column} = {fill}")
            added.append(f"{table.name}.{column}")
    return added
