"""Open the DuckDB warehouse read-only for a piece of metrics work: the one place every figure's backend
comes from, so `metrics.document` and `metrics.crime` need not import each other."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import ibis

from scrutiny.warehouse.connect import connect

T = TypeVar("T")


def compute_metrics_with(db: Path, work: Callable[[ibis.BaseBackend], T]) -> T:
    """`work` over the DuckDB warehouse at `db`, opened read-only for it (a clear error when it is missing)."""
    connect(db, read_only=True).close()
    backend = ibis.duckdb.connect(str(db), read_only=True)
    try:
        return work(backend)
    finally:
        backend.disconnect()
