"""Every shared stop-and-search file, counted and spot-checked against Python's csv module."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.conftest import shared


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from scrutiny.cli import app

    db = tmp_path_factory.mktemp("real") / "archive.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(shared("police_uk", "archive")), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _stop_files() -> list[Path]:
    return sorted(shared("police_uk", "archive").glob("*/*-stop-and-search.csv"))


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))[1:]


def test_row_count_of_every_force_month(archive_db: Path) -> None:
    expected = {}
    for path in _stop_files():
        match = re.match(r"(\d{4}-\d{2})-(.+)-stop-and-search\.csv", path.name)
        assert match
        expected[(match[2], match[1])] = len(_csv_rows(path))
    con = duckdb.connect(str(archive_db), read_only=True)
    got = dict(
        ((force, month), n)
        for force, month, n in con.execute(
            "SELECT force, strftime(month, '%Y-%m'), count(*) FROM stop_search GROUP BY ALL").fetchall()
    )
    assert got == expected
    assert sum(expected.values()) == 288_759
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)


def _flag(text: str) -> bool | None:
    return {"True": True, "False": False, "": None}[text]


def _number(text: str) -> float | None:
    return float(text) if text else None


def test_values_match_the_raw_text(archive_db: Path) -> None:
    """Every 500th record of every file: line number, UTC time, booleans, blanks as NULL."""
    con = duckdb.connect(str(archive_db), read_only=True)
    checked = 0
    for path in _stop_files():
        rows = _csv_rows(path)
        for index in range(0, len(rows), 500):
            raw = rows[index]
            got = con.execute(
                """SELECT occurred_at, search_type, part_of_operation, operation_name, latitude, longitude,
                          gender, age_range, self_defined_ethnicity, officer_defined_ethnicity, legislation,
                          object_of_search, outcome, outcome_linked, strip_search
                   FROM stop_search s JOIN ingest_log l ON l.id = s.source_id
                   WHERE l.file = ? AND s.source_row = ?""",
                [str(path), index + 2],
            ).fetchall()
            assert len(got) == 1, (path, index)
            when = datetime.fromisoformat(raw[1]).astimezone(UTC).replace(tzinfo=None)
            text = [v or None for v in raw]
            assert got[0] == (
                when, text[0], _flag(raw[2]), text[3], _number(raw[4]), _number(raw[5]), *text[6:13],
                _flag(raw[13]), _flag(raw[14]),
            ), (path, index + 2)
            checked += 1
    assert checked > 600


def test_metropolitan_quirks(archive_db: Path) -> None:
    con = duckdb.connect(str(archive_db), read_only=True)
    met = con.execute(
        """SELECT count(*) FILTER (WHERE outcome_linked IS NOT NULL), count(*) FILTER (WHERE strip_search IS NOT NULL),
                  count(*) FILTER (WHERE latitude IS NULL) / count(*)
           FROM stop_search WHERE force = 'metropolitan'"""
    ).fetchone()
    assert met is not None
    assert met[0] == 0 and met[1] == 0
    assert 0.08 <= met[2] <= 0.11
    # A BST month starts at 23:00 UTC on the last day of the month before.
    first = con.execute(
        "SELECT min(occurred_at) FROM stop_search WHERE force = 'metropolitan' AND month = DATE '2018-07-01'"
    ).fetchone()
    assert first == (datetime(2018, 6, 30, 23, 1),)


def test_status_lists_what_is_loaded(archive_db: Path, cli: Callable[..., object]) -> None:
    from typer.testing import Result

    result = cli("status", "--db", archive_db)
    assert isinstance(result, Result)
    assert "metropolitan" in result.output and "158,186" in result.output
    assert "2018-04..2018-09" in result.output
    assert "288,759" in result.output


def test_fast_and_careful_paths_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clean files skip DuckDB's reject bookkeeping; forcing the careful path must give identical rows."""
    from scrutiny.warehouse import ingest, one_pass

    files = [shared("police_uk", "archive", m) for m in ("2018-04", "2019-12", "2021-06")]
    columns = "* EXCLUDE (source_id)"
    ingest.ingest_paths(files, tmp_path / "fast.duckdb")
    # New files are read once (warehouse.one_pass); with no pyarrow split, every file goes the careful way
    split = []
    monkeypatch.setattr(one_pass, "parse", lambda data, header: split.append(1))
    ingest.ingest_paths(files, tmp_path / "careful.duckdb")
    csvs = [p for folder in files for p in folder.glob("*-stop-and-search.csv")]
    assert len(split) == len(csvs) > 10  # the careful ingest asked for the split of every file, and was refused
    sql = f"SELECT {columns} FROM stop_search ORDER BY force, month, source_row"
    fast = duckdb.connect(str(tmp_path / "fast.duckdb"), read_only=True).execute(sql).fetchall()
    careful = duckdb.connect(str(tmp_path / "careful.duckdb"), read_only=True).execute(sql).fetchall()
    assert len(fast) > 20_000
    assert fast == careful
