"""Tables derived from the canonical ones, brought up to date at the end of every ingest, in its transaction:
a load that is refused or dies leaves them as they were, with the rows they are derived from.

Each refresher is told what the ingest wrote and recomputes what that changed (a new kind of prepared
figures adds one line to REFRESHERS).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol

import duckdb

from scrutiny.warehouse import aggregates, crime_aggregates, revisions


class Written(Protocol):
    """One load of this ingest, as `warehouse.ingest.FileResult` tells it."""

    @property
    def table(self) -> str | None: ...  # the canonical table written

    @property
    def force(self) -> str | None: ...

    @property
    def month(self) -> date | None: ...

    @property
    def action(self) -> str: ...  # new, replaced, ...

    @property
    def source_id(self) -> int | None: ...  # ingest_log.id of the load


Refresher = Callable[[duckdb.DuckDBPyConnection, Sequence[Written]], None]


def stop_search_counts(con: duckdb.DuckDBPyConnection, written: Sequence[Written]) -> None:
    """The prepared stop-and-search counts (warehouse.aggregates) of the force-months loaded; those whose stops
    new boundaries moved are found by the aggregates themselves."""
    aggregates.refresh(con, {(w.force, w.month) for w in written
                             if w.table == "stop_search" and w.force is not None and w.month is not None})


REFRESHERS: list[Refresher] = [
    revisions.record,  # before the counts are refreshed: they still hold what a replaced force-month counted
    stop_search_counts,
    crime_aggregates.refresh,  # street crime and outcomes: finds what changed in ingest_log itself
]


def refresh(con: duckdb.DuckDBPyConnection, written: Sequence[Written]) -> None:
    """Run every refresher, in order, inside the caller's transaction."""
    for refresher in REFRESHERS:
        refresher(con, written)
