"""Let Ibis 12 drive DuckDB 2.0, which is twice as fast at loading CSV files as DuckDB 1.5 here.

DuckDB 2.0 renamed `fetch_arrow_table` to `to_arrow_table` and `fetch_record_batch` to `to_arrow_reader`;
Ibis 12.0 (the newest) still calls the old names. Aliasing the old names is all it needs. Remove this module
when an Ibis release uses the new names.
"""

from __future__ import annotations

import warnings
from typing import Any

import duckdb


def _fetch_arrow_table(self: duckdb.DuckDBPyConnection, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():  # DuckDB 2.0 warns of a copy here; small results, and Ibis's choice
        warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
        return self.to_arrow_table(*args, **kwargs)


def _fetch_record_batch(self: duckdb.DuckDBPyConnection, rows_per_batch: int = 1_000_000) -> Any:
    return self.to_arrow_reader(rows_per_batch)


def install() -> None:
    connection = duckdb.DuckDBPyConnection
    if not hasattr(connection, "fetch_arrow_table"):
        setattr(connection, "fetch_arrow_table", _fetch_arrow_table)  # noqa: B010 - the class has no such attribute
    if not hasattr(connection, "fetch_record_batch"):
        setattr(connection, "fetch_record_batch", _fetch_record_batch)  # noqa: B010


install()
