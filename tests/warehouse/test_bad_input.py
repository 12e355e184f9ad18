"""Bad files are refused whole and change nothing; bad rows go to `rejects` and the rest loads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from scrutiny.sources.police_uk_archive import STOP_SEARCH_HEADER
from tests.conftest import query, snapshot, write_archive
from tests.warehouse.test_ingest_fixture import ROWS

GOOD = ROWS[0]


@pytest.fixture
def loaded(tmp_path: Path, db: Path, cli: Callable[..., object]) -> Path:
    """A warehouse that already holds a month, so 'unchanged' means something."""
    write_archive(tmp_path / "good", "2020-06", "essex", ROWS)
    cli("ingest", tmp_path / "good", "--db", db)
    return db


def _bad_file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / "bad" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


HEADER = ",".join(("Type", "Date", "Part of a policing operation")).encode()
CASES = {
    "wrong header": ("2020-07-essex-stop-and-search.csv", HEADER + b"\nPerson search,2020-07-01,False\n",
                     "unrecognised header"),
    "not UTF-8": ("2020-07-essex-stop-and-search.csv",
                  ",".join(STOP_SEARCH_HEADER).encode() + b"\n" + GOOD.replace("Male", "M\xe4le").encode("latin-1")
                  + b"\n",
                  "not UTF-8"),
    "empty file": ("2020-07-essex-stop-and-search.csv", b"", "empty file"),
    "binary garbage": ("2020-07-essex-stop-and-search.csv", bytes(range(256)) * 40, "binary"),
    "unknown force": ("2020-07-gotham-stop-and-search.csv",
                      ",".join(STOP_SEARCH_HEADER).encode() + b"\n" + GOOD.encode() + b"\n",
                      "unknown force 'gotham'"),
}


@pytest.mark.parametrize("case", CASES)
def test_refused_whole_and_nothing_changes(
    case: str, tmp_path: Path, loaded: Path, cli: Callable[..., object]
) -> None:
    name, content, reason = CASES[case]
    bad = _bad_file(tmp_path, name, content)
    good_other_month = write_archive(tmp_path / "bad", "2020-08", "essex", ROWS[1:3])
    before = snapshot(loaded)
    result = cli("ingest", bad.parent, "--db", loaded, ok=False)
    assert isinstance(result, Result)
    assert result.exit_code != 0
    assert str(bad) in result.output.replace("\n", "")
    assert reason in result.output
    assert snapshot(loaded) == before, "a refused ingest must leave the warehouse exactly as it was"
    assert good_other_month.exists()


def test_bad_rows_go_to_rejects_with_line_and_reason(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    good = GOOD.replace("2020-05-31T23:30:00+00:00", "2020-06-02T10:00:00+00:00")
    lines = [
        good,                                                        # line 2
        good.replace("2020-06-02T10:00:00+00:00", "2020-13-45T00:00"),  # 3: bad date
        good,                                                        # 4
        good.replace(",51.5,", ",north,"),                            # 5: bad latitude
        ",".join(good.split(",")[:9]),                               # 6: too few columns
        good,                                                        # 7
        good.replace(",51.5,", ",95.0,"),                             # 8: latitude out of range
        good.replace("2020-06-02", "2019-01-01"),                     # 9: date outside the month
        good,                                                        # 10
    ]
    path = write_archive(tmp_path, "2020-06", "essex", lines)
    result = cli("ingest", tmp_path, "--db", db)
    assert isinstance(result, Result)
    assert query(db, "SELECT source_row FROM stop_search ORDER BY 1") == [(2,), (4,), (7,), (10,)]
    rejects = query(db, "SELECT file, line, reason, raw FROM rejects ORDER BY line")
    assert [(f, line) for f, line, _, _ in rejects] == [(str(path), n) for n in (3, 5, 6, 8, 9)]
    reasons = [r for _, _, r, _ in rejects]
    assert "Date" in reasons[0] and "2020-13-45T00:00" in reasons[0]
    assert "Latitude" in reasons[1] and "north" in reasons[1]
    assert "Expected Number of Columns: 15 Found: 9" in reasons[2]
    assert reasons[3] == "latitude 95.0 is out of range"
    assert reasons[4] == "date 2019-01-01T10:00:00 is outside the file's month 2020-06"
    assert [raw for _, _, _, raw in rejects] == [lines[i] for i in (1, 3, 4, 6, 7)]
    assert query(db, "SELECT rows_loaded, rows_rejected FROM ingest_log") == [(4, 5)]
    assert "4 rows loaded, 5 rejected" in result.output


def test_missing_path_is_a_clear_error(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    result = cli("ingest", tmp_path / "nowhere", "--db", db, ok=False)
    assert isinstance(result, Result)
    assert result.exit_code == 1
    assert "no such file or directory" in result.output


def test_rejects_name_the_right_file_among_many(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    for force in ("essex", "kent"):
        write_archive(tmp_path, "2020-06", force, ROWS)
    broken = write_archive(tmp_path, "2020-06", "norfolk", [*ROWS[1:3], "Person search,yesterday", ROWS[3]])
    write_archive(tmp_path, "2020-06", "surrey", ROWS)
    cli("ingest", tmp_path, "--db", db)
    assert query(db, "SELECT file, line FROM rejects") == [(str(broken), 4)]
    assert query(db, "SELECT force, list(source_row ORDER BY source_row) FROM stop_search GROUP BY 1 ORDER BY 1") == [
        ("essex", [2, 3, 4, 5, 6]), ("kent", [2, 3, 4, 5, 6]), ("norfolk", [2, 3, 5]), ("surrey", [2, 3, 4, 5, 6])]


def test_bad_byte_deep_in_a_file_refuses_it(
    tmp_path: Path, loaded: Path, cli: Callable[..., object]
) -> None:
    """Recognition reads only the first 64 KB; a bad byte further on must still refuse the whole file."""
    rows = [ROWS[1]] * 2000 + [ROWS[1].replace("Stolen goods", "Stolen g\xf6ods")] + [ROWS[1]] * 10
    path = tmp_path / "bad" / "2020-06" / "2020-06-kent-stop-and-search.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("\n".join([",".join(STOP_SEARCH_HEADER), *rows]).encode("latin-1") + b"\n")
    assert path.stat().st_size > 64 * 1024
    before = snapshot(loaded)
    result = cli("ingest", path, "--db", loaded, ok=False)
    assert isinstance(result, Result)
    assert result.exit_code == 1
    assert "not UTF-8 text (line 2002)" in result.output
    assert snapshot(loaded) == before
