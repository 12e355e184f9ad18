"""docs/data-model.md names every table and catalogue file the code declares, and every stop_search column:
a table added without a word in the docs fails here."""

from __future__ import annotations

import re

import scrutiny.workspace.models  # noqa: F401  (registers every workspace table on Base.metadata)
from scrutiny.catalog import catalog_path
from scrutiny.warehouse.schema import DDL, STOP_SEARCH_COLUMNS
from scrutiny.workspace.models.base import Base
from tests.conftest import REPO

PAGE = REPO / "docs" / "data-model.md"


def documented() -> set[str]:
    """Every name the page writes as code (`name`)."""
    return set(re.findall(r"`([^`]+)`", PAGE.read_text(encoding="utf-8")))


def test_every_warehouse_table_and_stop_search_column_is_documented() -> None:
    tables = {m for s in DDL for m in re.findall(r"CREATE (?:TABLE|SEQUENCE) IF NOT EXISTS (\w+)", s)}
    assert tables == {"ingest_id", "stop_search", "ingest_log", "rejects", "population", "areas", "force_areas"}
    names = documented()
    assert sorted(tables - names) == []
    columns = {c for cell in names for c in re.split(r"`?,\s*`?", cell)}
    assert sorted(set(STOP_SEARCH_COLUMNS) - columns) == []


def test_every_workspace_table_is_documented() -> None:
    tables = set(Base.metadata.tables)
    assert "users" in tables and "audit_log" in tables
    assert sorted(tables - documented()) == []


def test_every_catalogue_file_is_documented() -> None:
    files = {f"catalog/{p.name}" for p in catalog_path(".").iterdir() if p.suffix == ".csv"}
    assert "catalog/forces.csv" in files
    assert sorted(files - documented()) == []


def test_every_column_of_an_adapter_declared_table_is_documented() -> None:
    """Tables a source adapter declares (street_crime, crime_outcome, ...) are named, column by column."""
    from scrutiny.sources.registry import SOURCES

    declared = {s.table.name: s.table.columns for s in SOURCES if s.table.columns}
    assert {"street_crime", "crime_outcome"} <= set(declared)
    names = documented()
    columns = {c for cell in names for c in re.split(r"`?,\s*`?", cell)}
    missing = {table: sorted(set(cols or {}) - columns) for table, cols in declared.items()}
    assert sorted(set(declared) - names) == [] and all(not m for m in missing.values()), missing
