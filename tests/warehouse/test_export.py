"""`scrutiny export --format parquet DIR`: every table, partitioned by force and month, read back by DuckDB's own
Parquet reader and compared row for row with the warehouse; a killed or refused export loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from scrutiny.errors import BadInput, Unavailable
from scrutiny.warehouse.export import MANIFEST, export_parquet, open_export
from tests.conftest import write_archive
from tests.warehouse.test_ingest_fixture import ROWS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def warehouse(tmp_path: Path, cli: Callable[..., object]) -> Path:
    """Two forces, two months: June 2020 for Essex (the five fixture rows) and Kent, May 2020 for Kent."""
    db = tmp_path / "w.duckdb"
    files = [write_archive(tmp_path / "in", "2020-06", "essex", ROWS),
             write_archive(tmp_path / "in", "2020-06", "kent", ROWS[1:3]),
             write_archive(tmp_path / "in", "2020-05", "kent", ROWS[:1])]
    cli("ingest", *files, "--db", db)
    return db


def _table_names(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(str(t) for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
    finally:
        con.close()


def _same_rows(db: Path, table: str, files: Path) -> None:
    """The exported files hold exactly the table's rows (as multisets), read without the folder names."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        uuids = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND "
                                           "data_type = 'UUID'", [table]).fetchall()]
        replace = f" REPLACE ({', '.join(f'CAST({c} AS VARCHAR) AS {c}' for c in uuids)})" if uuids else ""
        pattern = str(files / "**" / "*.parquet")
        exported = f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = false)"
        stored = f"SELECT *{replace} FROM {table}"
        for a, b in ((stored, exported), (exported, stored)):
            extra = con.execute(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchone()
            assert extra == (0,), f"{table}: rows differ ({a} minus {b})"
        n = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        m = con.execute(f"SELECT count(*) FROM ({exported})").fetchone()
        assert n == m
    finally:
        con.close()


def test_every_table_round_trips_exactly(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export = export_parquet(warehouse, out)
    assert sorted(export.tables) == _table_names(warehouse)
    for name in export.tables:
        _same_rows(warehouse, name, export.files_of(name))
    assert export.tables["stop_search"].rows == 8  # 5 + 2 + 1 fixture rows


def test_stops_are_partitioned_by_force_and_month_in_the_hive_layout(warehouse: Path, tmp_path: Path) -> None:
    export = export_parquet(warehouse, tmp_path / "export")
    folders = sorted(p.relative_to(export.files_of("stop_search")).as_posix()
                     for p in export.files_of("stop_search").glob("force=*/month=*"))
    assert folders == ["force=essex/month=2020-06-01", "force=kent/month=2020-05-01", "force=kent/month=2020-06-01"]
    assert export.tables["stop_search"].partitioned_by == ("force", "month")
    # the Kent June folder holds Kent's two June rows, as read through the folder names
    con = duckdb.connect()
    part = export.files_of("stop_search") / "force=kent" / "month=2020-06-01"
    assert con.execute(f"SELECT count(*) FROM read_parquet('{part}/*.parquet')").fetchone() == (2,)


def test_a_second_export_replaces_the_first_and_leaves_no_old_snapshot(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    first = export_parquet(warehouse, out)
    second = export_parquet(warehouse, out)
    assert second.snapshot != first.snapshot
    assert not first.snapshot.exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, second.snapshot.name])


def test_a_killed_export_leaves_the_previous_one_readable(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    first = export_parquet(warehouse, out)
    # a second export, killed while it writes (it pauses after the first table, so the kill lands midway)
    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from scrutiny.warehouse.export import export_parquet\n"
        "def slow(table, rows):\n"
        "    print(table, flush=True); time.sleep(60)\n"
        "export_parquet(Path(sys.argv[1]), Path(sys.argv[2]), progress=slow)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(warehouse), str(out)], stdout=subprocess.PIPE,
                            text=True, cwd=REPO)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip()  # one table written
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert any(p.name.startswith(".partial-") for p in out.iterdir())  # the killed one's leftovers
    again = open_export(out)
    assert again.snapshot == first.snapshot
    for name in again.tables:
        _same_rows(warehouse, name, again.files_of(name))
    export_parquet(warehouse, out)  # the next export clears them
    assert not any(p.name.startswith(".partial-") for p in out.iterdir())


def test_two_exports_by_one_process_in_the_same_second(warehouse: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The second names its snapshot apart from the first (it once renamed onto it and failed)."""
    import scrutiny.warehouse.export as export

    frozen = time.gmtime()
    monkeypatch.setattr(export.time, "gmtime", lambda *_: frozen)
    out = tmp_path / "export"
    first = export_parquet(warehouse, out)
    second = export_parquet(warehouse, out)
    assert second.snapshot != first.snapshot
    assert open_export(out).snapshot == second.snapshot
    assert [p.name for p in out.iterdir() if p.is_dir()] == [second.snapshot.name]


def test_an_export_of_another_version_is_refused_with_what_to_do(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export_parquet(warehouse, out)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["version"] = 99
    (out / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BadInput, match=r"format version 99.*export again"):
        open_export(out)


def test_a_folder_that_is_not_an_export(tmp_path: Path, warehouse: Path) -> None:
    with pytest.raises(Unavailable, match="no export at"):
        open_export(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("mine")
    with pytest.raises(BadInput, match="not a Scrutiny export"):
        open_export(tmp_path / "plain")
    with pytest.raises(BadInput, match="not a Scrutiny export"):  # and it is not written over
        export_parquet(warehouse, tmp_path / "plain")
    assert [p.name for p in (tmp_path / "plain").iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadInput, match="is a file"):
        export_parquet(warehouse, tmp_path / "file")


def test_no_warehouse_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="no warehouse at"):
        export_parquet(tmp_path / "none.duckdb", tmp_path / "export")
    assert not (tmp_path / "export").exists()
