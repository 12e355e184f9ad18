"""A local PySpark session for tests, and the warehouse tables copied into it (for the portability test).

The session is the product's (scrutiny.warehouse.spark_engine.local_session). Tables go from DuckDB to Spark
through Parquet files (DuckDB writes them, Spark reads them), so every column keeps its type without
passing through pandas, and each becomes a temporary view of the same name that Ibis sees as a table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from scrutiny.warehouse.spark_engine import java_major, java_version, local_session, stop_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["METRIC_TABLES", "copy_warehouse", "java_major", "java_version", "spark_over", "start_session",
           "stop_session"]

# Every table the metric code reads (src/scrutiny/metrics), with columns it does not need left out:
# `areas.geometry_wkb` is only for placing points, which the warehouse did at ingest.
METRIC_TABLES: dict[str, str | None] = {
    "stop_search": None,  # None: every column
    "population": None,
    "force_areas": None,
    "areas": "area_code, area_name, source",
    "rejects": None,
    "ingest_log": None,
    "street_crime": None,
    "crime_outcome": None,
    "mps_recorded_crime": None,
}


def start_session(work: Path, app_name: str = "scrutiny-tests") -> SparkSession:
    """The product's own local session (scrutiny.warehouse.spark_engine), named for the test."""
    return local_session(work, app_name)


def copy_warehouse(db: Path, session: SparkSession, staging: Path,
                   tables: dict[str, str | None] = METRIC_TABLES) -> dict[str, int]:
    """Copy `tables` of the DuckDB warehouse at `db` into `session` as temporary views; rows per table.

    A table missing from the warehouse is left out (the metric code checks `list_tables()` for the optional
    ones); the row count in Spark is checked against DuckDB's.
    """
    staging.mkdir(parents=True, exist_ok=True)
    copied: dict[str, int] = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        present = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        for name, columns in tables.items():
            if name not in present:
                continue
            target = staging / f"{name}.parquet"
            # Spark has no UUID type (crime_key): such a column goes over as its text, which joins the same
            uuids = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                               "AND data_type = 'UUID'", [name]).fetchall()]
            as_text = f" REPLACE ({', '.join(f'CAST({c} AS VARCHAR) AS {c}' for c in uuids)})" if uuids else ""
            select = columns or f"*{as_text}"
            con.execute(f"COPY (SELECT {select} FROM {name}) TO '{target}' (FORMAT parquet)")
            row = con.execute(f"SELECT count(*) FROM {name}").fetchone()
            copied[name] = int(row[0]) if row else 0
    finally:
        con.close()
    for name, rows in copied.items():
        frame = session.read.parquet(str(staging / f"{name}.parquet"))
        frame.createOrReplaceTempView(name)
        in_spark = session.table(name).count()
        if in_spark != rows:
            raise AssertionError(f"{name}: {rows} rows in DuckDB, {in_spark} in Spark")
    return copied


@contextmanager
def spark_over(warehouse: Path, work: Path, app_name: str,
               tables: dict[str, str | None] = METRIC_TABLES) -> Iterator[tuple[Any, dict[str, int]]]:
    """An Ibis backend on a local session holding `tables` of the warehouse, and the rows copied; stopped after."""
    import ibis

    session = start_session(work, app_name=app_name)
    try:
        copied = copy_warehouse(warehouse, session, work / "staging", tables)
        yield ibis.pyspark.connect(session), copied
    finally:
        stop_session(session)
