"""Canonical tables (docs/data-model.md). Created idempotently on every connection."""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = 1

STOP_SEARCH_COLUMNS: dict[str, str] = {
    "force": "VARCHAR NOT NULL",
    "month": "DATE NOT NULL",
    "occurred_at": "TIMESTAMP",  # UTC, naive: portable to Spark and pandas without a tz database
    "search_type": "VARCHAR",
    "part_of_operation": "BOOLEAN",
    "operation_name": "VARCHAR",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "gender": "VARCHAR",
    "age_range": "VARCHAR",
    "self_defined_ethnicity": "VARCHAR",
    "self_defined_group": "VARCHAR NOT NULL",
    "officer_defined_ethnicity": "VARCHAR",
    "officer_defined_group": "VARCHAR NOT NULL",
    "legislation": "VARCHAR",
    "object_of_search": "VARCHAR",
    "outcome": "VARCHAR",
    "outcome_class": "VARCHAR NOT NULL",
    "outcome_linked": "BOOLEAN",
    "strip_search": "BOOLEAN",
    "area_code": "VARCHAR",
    "area_name": "VARCHAR",
    "source_id": "BIGINT NOT NULL",  # ingest_log.id of the load that wrote the row
    "source_row": "BIGINT NOT NULL",  # line of the record in its file (JSON: position in the array)
}

DDL = [
    "CREATE SEQUENCE IF NOT EXISTS ingest_id START 1",
    "CREATE TABLE IF NOT EXISTS stop_search ("
    + ", ".join(f"{name} {kind}" for name, kind in STOP_SEARCH_COLUMNS.items())
    + ")",
    # Every load that changed the warehouse, newest last. `unit` is what a load replaces (a force-month
    # `metropolitan/2024-01`, a Census layout, the boundaries): its current data is its newest row.
    """CREATE TABLE IF NOT EXISTS ingest_log (
        id BIGINT PRIMARY KEY,
        file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        unit VARCHAR NOT NULL,
        force VARCHAR,
        month DATE,
        rows_loaded BIGINT NOT NULL,
        rows_rejected BIGINT NOT NULL,
        action VARCHAR NOT NULL,
        synthetic BOOLEAN NOT NULL DEFAULT false,
        loaded_at TIMESTAMP NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS rejects (
        source_id BIGINT NOT NULL,
        file VARCHAR NOT NULL,
        force VARCHAR,
        month DATE,
        line BIGINT,
        reason VARCHAR NOT NULL,
        raw VARCHAR
    )""",
    # Census residents, aggregated to the five groups. age is NULL for all ages; 100 means 100 or over.
    # sex is `Female` or `Male` for the Census by age and sex (census_age_sex), NULL (both sexes) for the other
    # layouts; the column has been here since the first schema, so no warehouse lacks it. suppressed_cells
    # counts `c` cells folded in as zero, so a reader knows.
    """CREATE TABLE IF NOT EXISTS population (
        area_code VARCHAR NOT NULL,
        area_name VARCHAR NOT NULL,
        ethnic_group VARCHAR NOT NULL,
        age INTEGER,
        sex VARCHAR,
        residents BIGINT NOT NULL,
        suppressed_cells INTEGER NOT NULL DEFAULT 0,
        census_year INTEGER NOT NULL,
        source VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS areas (
        area_code VARCHAR PRIMARY KEY,
        area_name VARCHAR NOT NULL,
        geometry_wkb BLOB NOT NULL,
        source VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS force_areas (
        force VARCHAR NOT NULL,
        la_code VARCHAR NOT NULL,
        la_name VARCHAR NOT NULL,
        source VARCHAR NOT NULL
    )""",
]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)
