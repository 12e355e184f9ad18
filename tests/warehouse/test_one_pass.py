"""A stop-and-search CSV is read once (`one_pass`): the hash, the record count and the rows come from one read.

Each figure is checked against one computed another way: the hash by hashlib over the file's bytes, the
records by the csv module, the rows against the careful (record by record) reading of the same file.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from scrutiny.sources.police_uk_archive import STOP_SEARCH_HEADER
from scrutiny.warehouse import one_pass
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import query
from tests.warehouse.test_records_accounted import BASE, HEADER, loaded_lines, row, rows, write_bytes

COLUMNS = "* EXCLUDE (source_id)"


def csv_records(path: Path) -> int:
    """Records after the header, as Python's csv module counts them (blank lines hold none)."""
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for record in list(csv.reader(f))[1:] if record)


def test_hash_and_records_from_the_one_read(tmp_path: Path, db: Path) -> None:
    path = write_bytes(tmp_path, [r.encode() for r in rows(2, 1_500)])
    [result] = ingest_paths([path], db).results
    assert result.records == csv_records(path) == 1_499
    assert (result.rows_loaded, result.rows_rejected) == (1_499, 0)
    assert query(db, "SELECT sha256 FROM ingest_log") == [(hashlib.sha256(path.read_bytes()).hexdigest(),)]
    assert loaded_lines(db) == list(range(2, 1_501))


def test_read_once_tells_what_the_file_holds(tmp_path: Path) -> None:
    """`read_once` directly: a clean file's rows are its records as text; a quoted one keeps its bytes."""
    clean = write_bytes(tmp_path, [r.encode() for r in rows(2, 40)])
    read = one_pass.read_once(clean, STOP_SEARCH_HEADER, "Self-defined ethnicity")
    assert read.scan.sha256 == hashlib.sha256(clean.read_bytes()).hexdigest()
    assert read.scan.records == csv_records(clean) == 39 and not read.scan.careful
    assert read.rows is not None and read.data is None
    with clean.open(newline="", encoding="utf-8") as f:
        expected = [[v or None for v in record] for record in list(csv.reader(f))[1:]]
    assert [list(r.values()) for r in read.rows.to_pylist()] == expected
    assert read.ethnicities == ["White - English"]
    assert read.nulls["Policing operation"] == 39 and read.nulls["Date"] == 0

    quoted = write_bytes(tmp_path / "q", [row(2).encode(), row(3, operation='"Op, A"').encode()])
    read = one_pass.read_once(quoted, STOP_SEARCH_HEADER, "Self-defined ethnicity")
    assert read.scan.careful and read.rows is None and read.data == quoted.read_bytes()
    assert read.scan.records == 2 == csv_records(quoted)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_fast_and_careful_readings_agree(tmp_path: Path, newline: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same file through pyarrow's split and through the careful reading: the same rows and rejects."""
    lines = [r.encode() for r in rows(2, 300)]
    lines[10] = row(12).replace(f"{BASE:%Y-%m}-02", "2020-09-02").encode()  # dated outside June: rejected
    lines[20] = row(22).replace(",51.5,", ",95.5,").encode()  # latitude out of range: rejected
    lines[30] = row(32).replace("Male", "").encode()  # an empty field
    path = tmp_path / "2020-06" / "2020-06-essex-stop-and-search.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(newline.join([HEADER.encode(), *lines]) + newline)
    fast_db, careful_db = tmp_path / "fast.duckdb", tmp_path / "careful.duckdb"
    [fast] = ingest_paths([path], fast_db).results
    monkeypatch.setattr(one_pass, "parse", lambda data, header: None)
    [careful] = ingest_paths([path], careful_db).results
    assert (fast.records, fast.rows_loaded, fast.rows_rejected) == (careful.records, careful.rows_loaded,
                                                                   careful.rows_rejected) == (299, 297, 2)
    for sql in (f"SELECT {COLUMNS} FROM stop_search ORDER BY source_row",
                "SELECT line, reason, raw FROM rejects ORDER BY line",
                "SELECT sha256, rows_loaded, rows_rejected FROM ingest_log"):
        assert query(fast_db, sql) == query(careful_db, sql)
    # a reject's raw text is its line as the file holds it (without the line break)
    assert query(fast_db, "SELECT line, raw FROM rejects ORDER BY line") == [
        (12, lines[10].decode()), (22, lines[20].decode())]


def test_a_value_duckdb_does_not_convert_is_rejected_with_its_reason(tmp_path: Path, db: Path) -> None:
    """pyarrow splits the file clean, DuckDB cannot convert one value: the file is read carefully instead."""
    lines = [r.encode() for r in rows(2, 50)]
    lines[5] = row(7).replace(",51.5,", ",north,").encode()
    path = write_bytes(tmp_path, lines)
    [result] = ingest_paths([path], db).results
    assert (result.records, result.rows_loaded, result.rows_rejected) == (49, 48, 1)
    [(line, reason, raw)] = query(db, "SELECT line, reason, raw FROM rejects")
    assert line == 7 and raw == lines[5].decode()
    assert 'column "Latitude": could not convert "north" to DOUBLE' in str(reason)
    assert loaded_lines(db) == [n for n in range(2, 51) if n != 7]


def test_loading_the_same_file_again_changes_nothing(tmp_path: Path, db: Path) -> None:
    path = write_bytes(tmp_path, [r.encode() for r in rows(2, 200)])
    ingest_paths([path], db)
    before = query(db, f"SELECT {COLUMNS} FROM stop_search ORDER BY source_row")
    [again] = ingest_paths([path], db).results
    assert again.action == "unchanged"
    assert query(db, f"SELECT {COLUMNS} FROM stop_search ORDER BY source_row") == before
    assert query(db, "SELECT count(*) FROM ingest_log") == [(1,)]


def test_not_utf8_files_read_once_are_all_named(tmp_path: Path, db: Path) -> None:
    """Two new files, both not UTF-8 past the 64 KB recognition reads: the refusal names both with their lines,
    and nothing is written."""
    good = [r.encode() for r in rows(2, 1_000)]
    bad = row(1_001).replace("Male", "M\xe4le").encode("latin-1")
    first = write_bytes(tmp_path, [*good, bad])
    second = write_bytes(tmp_path, [*good[:800], bad, *good[800:]], month="2020-07")
    with pytest.raises(Exception, match="refused") as refused:
        ingest_paths([tmp_path], db)
    text = str(refused.value)
    assert f"{first}: not UTF-8 text (line 1001)" in text and f"{second}: not UTF-8 text (line 802)" in text
    assert not db.exists()


def test_rows_are_stored_in_file_order(tmp_path: Path, db: Path) -> None:
    """Files loaded together are stored one after another, each in its lines' order (rowid order)."""
    for month in ("2020-06", "2020-07", "2020-08"):
        write_bytes(tmp_path, [r.replace("2020-06", month).encode() for r in rows(2, 3_000)], month=month)
    ingest_paths([tmp_path], db)
    stored = query(db, "SELECT l.month, s.source_row FROM stop_search s JOIN ingest_log l ON l.id = s.source_id "
                       "ORDER BY s.rowid")
    assert len(stored) == 3 * 2_999
    assert stored == sorted(stored)
