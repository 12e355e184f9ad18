"""`scrutiny export --format parquet DIR`: every warehouse table as Parquet, partitioned by force and month, for
any engine to read (docs/scale.md); `--engine pyspark --source DIR` reads it back."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scrutiny.cli.common import DbOption, console, user_errors


class ExportFormat(StrEnum):
    parquet = "parquet"


FormatOption = Annotated[ExportFormat, typer.Option(
    "--format", help="parquet: one folder per table, partitioned by force and month (Hive layout).")]


def export(
    out: Annotated[Path, typer.Argument(help="Folder to write the export into (made if missing; an earlier "
                                             "export there is replaced only once the new one is complete).")],
    output: FormatOption = ExportFormat.parquet,
    db: DbOption = None,
) -> None:
    """Export every warehouse table, the prepared counts too, for Spark, Trino or any Parquet reader."""
    from scrutiny.config import resolve_db
    from scrutiny.warehouse.export import export_parquet

    with user_errors():
        done = export_parquet(resolve_db(db), out,
                              progress=lambda table, rows: console.print(f"  {table}: {rows:,} rows", highlight=False))
    total = sum(t.rows for t in done.tables.values())
    console.print(f"exported {len(done.tables)} tables ({total:,} rows) to {done.snapshot}; "
                  f"read it with --engine pyspark --source {out}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("export")(export)
