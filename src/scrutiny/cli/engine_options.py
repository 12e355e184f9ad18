"""`--engine`, `--source` and `--spark`: which engine computes the figures of `metrics`, `report` and `serve`
(docs/scale.md). DuckDB over the warehouse file by default; PySpark over a Parquet export on request."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrutiny.warehouse.engine import Engine

EngineOption = Annotated[Engine, typer.Option(
    "--engine", help="duckdb: the warehouse file (--db). pyspark: a Parquet export (--source), on Spark in local "
                     "mode or on a Spark Connect server (--spark).")]
SourceOption = Annotated[Path | None, typer.Option(
    "--source", help="With --engine pyspark: the folder `scrutiny export --format parquet DIR` wrote.")]
SparkOption = Annotated[str | None, typer.Option(
    "--spark", help="With --engine pyspark: a Spark Connect address, sc://host:port (default: Spark in local "
                    "mode on this machine; needs Java 17).")]


def start_engine(engine: Engine, source: Path | None, spark: str | None) -> None:
    """Check the options and, for PySpark, start it: every figure this process computes then runs on it."""
    from scrutiny.warehouse.engine import check_engine_options, use_pyspark

    check_engine_options(engine, source, spark)
    if engine == Engine.pyspark:
        assert source is not None
        use_pyspark(source, spark)
