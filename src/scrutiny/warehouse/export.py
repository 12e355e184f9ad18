"""`scrutiny export --format parquet DIR`: every warehouse table as Parquet, for any engine to read.

Layout (docs/scale.md): DIR/manifest.json names the current snapshot, DIR/<snapshot>/<table>/...; a table with
`force` and `month` columns is partitioned by them in the Hive layout (`force=metropolitan/month=2024-01-01/`),
the others are one file. The partition columns are also written inside the files, so a reader that ignores
the folder names (Spark with `recursiveFileLookup`, DuckDB's `read_parquet` without `hive_partitioning`) gets
the same columns with the same types. UUID columns go as text: Spark has no UUID type.

A new export is written beside the current one and becomes current only when manifest.json is replaced
(one rename), so a reader never sees a half-written export and a killed export leaves the previous one
readable; the next export clears what a killed one left.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from scrutiny.errors import BadInput, Unavailable
from scrutiny.warehouse.connect import connect
from scrutiny.warehouse.writing import fsync_file, fsync_folder

FORMAT = "scrutiny-parquet-export"
VERSION = 1  # bump when the layout or a table's meaning changes; readers refuse any other
MANIFEST = "manifest.json"
PARTITION_COLUMNS = ("force", "month")
PARTIAL_PREFIX = ".partial-"
SNAPSHOT_PREFIX = "snapshot-"


@dataclass(frozen=True)
class ExportedTable:
    name: str
    rows: int
    columns: list[tuple[str, str]]  # (name, DuckDB type as exported)
    partitioned_by: tuple[str, ...]


@dataclass(frozen=True)
class Export:
    """An export as its manifest describes it."""

    root: Path
    snapshot: Path
    created: str
    tables: dict[str, ExportedTable]

    def files_of(self, table: str) -> Path:
        return self.snapshot / table


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, list[tuple[str, str]]]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT internal ORDER BY table_name, column_index"
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        tables.setdefault(str(table), []).append((str(column), str(kind)))
    views = {str(v) for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    return [(t, cols) for t, cols in sorted(tables.items()) if t not in views]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(table: str, columns: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    parts, exported = [], []
    for column, kind in columns:
        if kind == "UUID":
            parts.append(f"CAST({_quoted(column)} AS VARCHAR) AS {_quoted(column)}")
            exported.append((column, "VARCHAR"))
        else:
            parts.append(_quoted(column))
            exported.append((column, kind))
    return f"SELECT {', '.join(parts)} FROM {_quoted(table)}", exported


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _write_table(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], folder: Path
) -> ExportedTable:
    select, exported = _select(table, columns)
    row = con.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()
    rows = int(row[0]) if row else 0
    names = {c for c, _ in columns}
    partitioned = tuple(c for c in PARTITION_COLUMNS if c in names) if rows and set(PARTITION_COLUMNS) <= names else ()
    folder.mkdir(parents=True)
    if partitioned:
        con.execute(f"COPY ({select}) TO {_sql_path(folder)} (FORMAT parquet, PARTITION_BY ({', '.join(partitioned)}), "
                    "WRITE_PARTITION_COLUMNS true)")
    else:  # one file, even with no rows, so a reader still learns the columns
        con.execute(f"COPY ({select}) TO {_sql_path(folder / 'data.parquet')} (FORMAT parquet)")
    return ExportedTable(table, rows, exported, partitioned)


def _fsync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            fsync_file(Path(folder) / name)
        fsync_folder(Path(folder))


def _manifest_json(snapshot: str, created: str, db: Path, tables: list[ExportedTable]) -> dict[str, Any]:
    from scrutiny import __version__

    return {
        "format": FORMAT, "version": VERSION, "scrutiny": __version__, "created": created, "warehouse": str(db),
        "snapshot": snapshot,
        "tables": {t.name: {"rows": t.rows, "columns": [list(c) for c in t.columns],
                            "partitioned_by": list(t.partitioned_by)} for t in tables},
    }


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise BadInput(f"{out} is a file, not a folder: give `scrutiny export` a folder to write the export into")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists() and not _only_ours(out):
        raise BadInput(f"{out} holds files that are not a Scrutiny export: give an empty or new folder, or an "
                       "earlier export's folder (it is replaced)")


def _only_ours(out: Path) -> bool:
    return all(p.name.startswith((PARTIAL_PREFIX, SNAPSHOT_PREFIX)) for p in out.iterdir())


def _clear_old(out: Path, keep: str) -> None:
    """Snapshots other than the current one, and what killed exports left."""
    for path in out.iterdir():
        if path.name != keep and path.is_dir() and path.name.startswith((PARTIAL_PREFIX, SNAPSHOT_PREFIX)):
            shutil.rmtree(path, ignore_errors=True)


def export_parquet(db: Path, out: Path, *, progress: Callable[[str, int], None] | None = None) -> Export:
    """Write every table of the warehouse at `db` under `out`; the previous export stays readable until the end."""
    _check_target(out)
    con = connect(db, read_only=True)
    try:
        tables = _tables(con)
        out.mkdir(parents=True, exist_ok=True)
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        # unique even for two exports by one process within a second (the second's rename would meet the first)
        name = f"{SNAPSHOT_PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}-{secrets.token_hex(4)}"
        partial = out / f"{PARTIAL_PREFIX}{name}"
        written = []
        for table, columns in tables:
            written.append(_write_table(con, table, columns, partial / table))
            if progress:
                progress(table, written[-1].rows)
    finally:
        con.close()
    _fsync_tree(partial)
    partial.rename(out / name)
    manifest = _manifest_json(name, created, db, written)
    staged = out / f"{PARTIAL_PREFIX}{MANIFEST}"
    staged.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    fsync_file(staged)
    os.replace(staged, out / MANIFEST)  # the moment the new export becomes the current one
    fsync_folder(out)
    _clear_old(out, name)
    return open_export(out)


def open_export(root: Path) -> Export:
    """The export at `root`, checked: a clear error for a folder that is not one, or is from another version."""
    manifest_path = root / MANIFEST
    if not root.is_dir():
        raise Unavailable(f"no export at {root}: make one with `scrutiny export --format parquet {root}`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{root} is not a Scrutiny export (no {MANIFEST}): make one with "
                       f"`scrutiny export --format parquet {root}`") from None
    except (OSError, ValueError) as exc:
        raise BadInput(f"{manifest_path} cannot be read ({exc}): export again with "
                       f"`scrutiny export --format parquet {root}`") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadInput(f"{manifest_path} is not a Scrutiny export's manifest")
    if manifest.get("version") != VERSION:
        raise BadInput(f"{root} is an export of format version {manifest.get('version')!r} (Scrutiny "
                       f"{manifest.get('scrutiny', '?')}); this Scrutiny reads version {VERSION}: export again with "
                       f"`scrutiny export --format parquet {root}`")
    snapshot = root / str(manifest.get("snapshot", ""))
    if not snapshot.is_dir() or snapshot == root:
        raise BadInput(f"{root}: the snapshot its manifest names ({manifest.get('snapshot')!r}) is missing: "
                       "export again")
    tables = {
        name: ExportedTable(name, int(t["rows"]), [(str(c), str(k)) for c, k in t["columns"]],
                            tuple(t.get("partitioned_by", ())))
        for name, t in manifest["tables"].items()
    }
    return Export(root, snapshot, str(manifest.get("created", "")), tables)
