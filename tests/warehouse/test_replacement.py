"""A force-month is the unit of replacement; identical content is a no-op."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from tests.conftest import query, snapshot, write_archive
from tests.warehouse.test_ingest_fixture import ROWS


def test_same_file_twice_changes_nothing(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    write_archive(tmp_path, "2020-06", "essex", ROWS)
    cli("ingest", tmp_path, "--db", db)
    before = snapshot(db)
    result = cli("ingest", tmp_path, "--db", db)
    assert isinstance(result, Result)
    assert snapshot(db) == before
    assert "0 new, 0 replaced, 1 unchanged" in result.output


def test_corrected_file_replaces_its_month_only(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    write_archive(tmp_path / "a", "2020-06", "essex", ROWS)
    write_archive(tmp_path / "a", "2020-06", "kent", ROWS[:2])
    cli("ingest", tmp_path / "a", "--db", db)
    corrected = write_archive(tmp_path / "b", "2020-06", "essex", ROWS[:3])
    result = cli("ingest", corrected, "--db", db, "--allow-shrink")  # 5 rows to 3: over the shrink limit
    assert isinstance(result, Result)
    assert "0 new, 1 replaced, 0 unchanged" in result.output
    assert query(db, "SELECT force, count(*) FROM stop_search GROUP BY 1 ORDER BY 1") == [("essex", 3), ("kent", 2)]
    assert query(db, "SELECT DISTINCT s.source_id = l.id FROM stop_search s JOIN ingest_log l "
                     "ON l.id = s.source_id WHERE s.force = 'essex'") == [(True,)]
    assert query(db, "SELECT unit, action, rows_loaded FROM ingest_log ORDER BY id") == [
        ("essex/2020-06", "new", 5), ("kent/2020-06", "new", 2), ("essex/2020-06", "replaced", 3)]


def test_replacing_a_month_replaces_its_rejects(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    write_archive(tmp_path / "a", "2020-06", "essex", [*ROWS, "Person search,not a date"])
    cli("ingest", tmp_path / "a", "--db", db)
    assert query(db, "SELECT count(*) FROM rejects") == [(1,)]
    write_archive(tmp_path / "b", "2020-06", "essex", ROWS)
    cli("ingest", tmp_path / "b", "--db", db)
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]
    assert query(db, "SELECT count(*) FROM stop_search") == [(5,)]
