"""What the warehouse holds, read back for `scrutiny status` (and later the API's /months)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from scrutiny.sources.registry import SOURCES, Registry, kinds_of, label
from scrutiny.vocab.months import runs


@dataclass(frozen=True)
class ForceMonths:
    force: str
    months: list[date]
    rows: int
    rejects: int
    synthetic: bool
    sources: list[str]  # each adapter's label: archive (monthly CSV files), api (JSON, possibly partial months)


@dataclass(frozen=True)
class ReferenceSource:
    kind: str
    unit: str
    file: str
    rows: int
    loaded_at: str
    synthetic: bool


def force_months(
    con: duckdb.DuckDBPyConnection, sources: Registry = SOURCES, table: str = "stop_search"
) -> list[ForceMonths]:
    """The force-months of `table` loaded, by force, each labelled by the adapter that read it."""
    rows = con.execute(
        """
        WITH current AS (
            SELECT * FROM ingest_log WHERE force IS NOT NULL AND kind IN (SELECT unnest($kinds))
            QUALIFY row_number() OVER (PARTITION BY unit ORDER BY id DESC) = 1)
        SELECT force, list(month ORDER BY month), sum(rows_loaded), sum(rows_rejected), bool_or(synthetic),
               list(DISTINCT kind)
        FROM current GROUP BY force ORDER BY force
        """,
        {"kinds": kinds_of(table, sources)},
    ).fetchall()
    return [ForceMonths(f, m, int(r), int(j), bool(s), sorted({label(kind, sources) for kind in k}))
            for f, m, r, j, s, k in rows]


def reference_sources(con: duckdb.DuckDBPyConnection) -> list[ReferenceSource]:
    rows = con.execute(
        """
        SELECT kind, unit, file, rows_loaded, strftime(loaded_at, '%Y-%m-%d %H:%M'), synthetic FROM ingest_log
        WHERE force IS NULL QUALIFY row_number() OVER (PARTITION BY unit ORDER BY id DESC) = 1
        ORDER BY unit
        """
    ).fetchall()
    return [ReferenceSource(*row) for row in rows]


def month_ranges(months: list[date]) -> str:
    """`2018-04..2018-09 2021-06`: consecutive months collapsed so a long history fits on a line."""
    return " ".join(f"{a:%Y-%m}" if a == b else f"{a:%Y-%m}..{b:%Y-%m}" for a, b in runs(months))
