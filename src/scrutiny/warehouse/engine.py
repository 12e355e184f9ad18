"""Which engine computes the figures: DuckDB over the warehouse file (the default), or PySpark over a Parquet
export (`--engine pyspark --source DIR [--spark sc://...]`, docs/scale.md).

The figures are Ibis expressions, so the choice is only of the backend they run on. Every figure is computed
through `metrics.warehouse_backend.compute_metrics_with`, which asks `active_backend()` first: a command that
takes `--engine pyspark` calls `use_pyspark` once, before any figure, and every figure in that process then
runs on Spark.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrutiny.errors import BadInput

if TYPE_CHECKING:
    import ibis


class Engine(StrEnum):
    duckdb = "duckdb"
    pyspark = "pyspark"


_lock = threading.Lock()
_active: dict[str, Any] = {}


def check_engine_options(engine: Engine, source: Path | None, spark: str | None) -> None:
    """The options that go with an engine, or a clear one-line refusal."""
    if engine == Engine.duckdb and (source is not None or spark is not None):
        given = "--source" if source is not None else "--spark"
        raise BadInput(f"{given} goes with --engine pyspark (DuckDB reads the warehouse given by --db)")
    if engine == Engine.pyspark and source is None:
        raise BadInput("--engine pyspark needs --source DIR: a folder made by `scrutiny export --format parquet DIR`")


def use_pyspark(source: Path, spark: str | None = None) -> None:
    """From now on, in this process, every figure runs on Spark over the export at `source`."""
    from scrutiny.warehouse.spark_engine import spark_backend

    with _lock:
        backend, session = spark_backend(source, spark)
        _active.update(backend=backend, session=session, source=source)


def active_backend() -> ibis.BaseBackend | None:
    """The Spark backend `use_pyspark` set up, or None for the default (DuckDB over the warehouse file)."""
    backend: ibis.BaseBackend | None = _active.get("backend")
    return backend


def active_source() -> Path | None:
    source: Path | None = _active.get("source")
    return source


def stop() -> None:
    """End the Spark session (its JVM with it) and go back to DuckDB."""
    with _lock:
        session = _active.pop("session", None)
        _active.clear()
    if session is not None:
        from scrutiny.warehouse.spark_engine import stop_session

        stop_session(session)
