"""The revisions log: when a revised file replaces a force-month, what the replaced rows counted, kept.

data.police.uk republishes earlier months (late records added, duplicates removed). Replacing a force-month
keeps only the new rows, so without this log a panel could not tell that the May figures it quoted last
month have since changed. For every replacement the ingest records, per published legislation, object of
search and self-defined ethnic group, the count before and after, in the ingest's own transaction (a refused
load logs nothing). The old counts come from the prepared counts (`warehouse.aggregates`), which still hold
the replaced rows' counts until they are refreshed just after this runs (warehouse/derived.py); a warehouse
that had no prepared counts before this ingest records revisions from its next replacement on.

Published values, not the catalogue's purposes: the figures map them (`metrics.revisions`), so the log reads
the same whatever the catalogue says later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

import duckdb

from scrutiny.warehouse.aggregates import FIGURES_CUBE

TABLE = "revisions"
DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    source_id BIGINT NOT NULL,
    replaced_source_id BIGINT,
    force VARCHAR NOT NULL,
    month DATE NOT NULL,
    legislation VARCHAR,
    object_of_search VARCHAR,
    self_defined_group VARCHAR NOT NULL,
    rows_before BIGINT NOT NULL,
    rows_after BIGINT NOT NULL
)"""
KEYS = ("legislation", "object_of_search", "self_defined_group")


class Replacement(Protocol):
    """A load of this ingest as `warehouse.ingest.FileResult` tells it."""

    @property
    def table(self) -> str | None: ...

    @property
    def action(self) -> str: ...

    @property
    def force(self) -> str | None: ...

    @property
    def month(self) -> date | None: ...

    @property
    def source_id(self) -> int | None: ...


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()
    return bool(row and row[0])


def record(con: duckdb.DuckDBPyConnection, written: Sequence[Replacement]) -> None:
    """Log the counts before and after of every stop-and-search force-month this ingest replaced."""
    replaced = [w for w in written if w.table == "stop_search" and w.action == "replaced"
                and w.force is not None and w.month is not None and w.source_id is not None]
    con.execute(DDL)
    if not replaced or not _has(con, FIGURES_CUBE):
        return
    keys = ", ".join(KEYS)
    on = " AND ".join(f"b.{k} IS NOT DISTINCT FROM a.{k}" for k in KEYS)
    for w in replaced:
        params = {"f": w.force, "m": w.month, "id": w.source_id}
        con.execute(
            f"""
            INSERT INTO {TABLE}
            SELECT $id,
                   (SELECT max(id) FROM ingest_log WHERE id < $id
                    AND unit = (SELECT unit FROM ingest_log WHERE id = $id)),
                   $f, $m, {", ".join(f"coalesce(b.{k}, a.{k})" for k in KEYS)},
                   coalesce(b.n, 0), coalesce(a.n, 0)
            FROM (SELECT {keys}, sum(n) AS n FROM {FIGURES_CUBE} WHERE force = $f AND month = $m GROUP BY ALL) b
            FULL JOIN (SELECT {keys}, count(*) AS n FROM stop_search WHERE force = $f AND month = $m
                       GROUP BY ALL) a ON {on}
            """,
            params,
        )
