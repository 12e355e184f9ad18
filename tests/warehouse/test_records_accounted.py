"""Every record of a file is loaded or rejected, with its own lines, whatever an attacker puts in it.

Each file is built so that line n holds a search at BASE + n minutes: a loaded row whose time is not
BASE + source_row minutes would be a line number gone wrong.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import Result

from scrutiny.sources.json_depth import MAX_JSON_DEPTH
from scrutiny.sources.police_uk_archive import STOP_SEARCH_HEADER
from scrutiny.warehouse.csv_records import MAX_FIELD_BYTES, MAX_RECORD_BYTES
from scrutiny.warehouse.ingest import FileResult, ingest_paths
from tests.conftest import query, shared, snapshot, write_archive

BASE = datetime(2020, 6, 2)
PACE = "Police and Criminal Evidence Act 1984 (section 1)"
HEADER = ",".join(STOP_SEARCH_HEADER)


def row(n: int, operation: str = "") -> str:
    """The record on line n: its time says its line."""
    when = (BASE + timedelta(minutes=n)).isoformat()
    return (f"Person search,{when}+00:00,False,{operation},51.5,0.1,Male,18-24,White - English,White,{PACE},"
            "Stolen goods,Arrest,True,False")


def rows(first: int, last: int) -> list[str]:
    return [row(n) for n in range(first, last + 1)]


def write_bytes(folder: Path, lines: list[bytes], month: str = "2020-06", force: str = "essex") -> Path:
    path = folder / month / f"{month}-{force}-stop-and-search.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join([HEADER.encode(), *lines]) + b"\n")
    return path


def only(report_results: list[FileResult]) -> FileResult:
    assert len(report_results) == 1
    return report_results[0]


def loaded_lines(db: Path) -> list[int]:
    """Lines of the loaded rows, after checking each row's time matches its line."""
    got = query(db, "SELECT source_row, occurred_at FROM stop_search ORDER BY source_row")
    for line, when in got:
        assert when == BASE + timedelta(minutes=int(str(line))), f"line {line} holds another line's record"
    return [int(str(line)) for line, _ in got]


def rejects(db: Path) -> list[tuple[object, ...]]:
    return query(db, "SELECT line, reason, raw FROM rejects ORDER BY line")


def test_stray_quote_costs_one_record(tmp_path: Path, db: Path) -> None:
    """The issue's case: an unbalanced quote at line 102 of 501 lines used to take 400 rows with it."""
    lines = rows(2, 501)
    lines[100] = row(102, operation='"Operation X, phase 2')  # opens a quoted field that never closes
    path = write_archive(tmp_path, "2020-06", "essex", lines)
    result = only(ingest_paths([path], db).results)
    assert (result.records, result.rows_loaded, result.rows_rejected) == (500, 499, 1)
    assert loaded_lines(db) == [n for n in range(2, 502) if n != 102]
    [(line, reason, raw)] = rejects(db)
    assert line == 102 and raw == lines[100]
    assert "unbalanced quote on line 102" in str(reason) and "resumes at line 103" in str(reason)


def test_two_stray_quotes_cost_two_records(tmp_path: Path, db: Path) -> None:
    """Two stray quotes could pair up into one long bogus record; they must not swallow the lines between."""
    lines = rows(2, 60)
    lines[8] = row(10, operation='"Op A')
    lines[38] = row(40, operation='Op B"')
    path = write_archive(tmp_path, "2020-06", "essex", lines)
    result = only(ingest_paths([path], db).results)
    # A quote inside an unquoted field is a character, as in Python's csv: line 40 loads with it.
    assert (result.records, result.rows_loaded, result.rows_rejected) == (59, 58, 1)
    assert loaded_lines(db) == [n for n in range(2, 61) if n != 10]
    assert query(db, "SELECT operation_name FROM stop_search WHERE source_row = 40") == [('Op B"',)]
    assert [line for line, _, _ in rejects(db)] == [10]


def test_quoted_field_over_lines_is_one_record(tmp_path: Path, db: Path) -> None:
    """Balanced quotes over a newline are a real multi-line field: one record, numbered by its first line."""
    lines = [*rows(2, 3), row(4, operation='"Operation X,\r\nphase 2"'), *rows(6, 9)]
    bad_date = row(10, operation='"Op\r\nY\r\nZ"').replace("2020-06-02T", "2020-13-02T")
    lines += [bad_date, *rows(13, 14)]
    path = write_archive(tmp_path, "2020-06", "essex", lines, newline="\r\n")
    result = only(ingest_paths([path], db).results)
    assert (result.records, result.rows_loaded, result.rows_rejected) == (10, 9, 1)
    assert loaded_lines(db) == [2, 3, 4, 6, 7, 8, 9, 13, 14]
    assert query(db, "SELECT operation_name FROM stop_search WHERE source_row = 4") == [("Operation X,\r\nphase 2",)]
    [(line, reason, raw)] = rejects(db)
    assert line == 10 and "(lines 10-12)" in str(reason) and "2020-13-02T" in str(reason)
    assert raw == bad_date


def test_rejected_record_keeps_its_whole_text(tmp_path: Path, db: Path) -> None:
    """DuckDB cut a reject's text at 10,000 characters; a long record keeps all of it, a huge one its bytes."""
    long_line = ",".join(["y" * 1000] * 20)  # 20,019 bytes, 20 fields
    huge_line = "z," * (MAX_RECORD_BYTES // 2 + 10)  # over the record limit
    lines = [*rows(2, 4), long_line, *rows(6, 7), huge_line, *rows(9, 10)]
    path = write_archive(tmp_path, "2020-06", "essex", lines)
    result = only(ingest_paths([path], db).results)
    assert (result.records, result.rows_loaded, result.rows_rejected) == (9, 7, 2)
    assert loaded_lines(db) == [2, 3, 4, 6, 7, 9, 10]
    (line5, reason5, raw5), (line8, reason8, raw8) = rejects(db)
    assert (line5, raw5) == (5, long_line)
    assert "Expected Number of Columns: 15 Found: 20" in str(reason5)
    assert line8 == 8 and raw8 is None
    data = path.read_bytes()
    start = data.index(huge_line.encode())
    end = start + len(huge_line)
    assert f"bytes {start:,}-{end:,} of the file" in str(reason8)
    assert f"line 8 is {len(huge_line):,} bytes, over the 65,536-byte limit for a record" in str(reason8)


def test_field_over_the_limit_is_rejected_and_lines_stay_right(tmp_path: Path, db: Path) -> None:
    """A 20 MB field (and a field just over MAX_FIELD_BYTES) cost their own rows and no line number."""
    big = tmp_path / "2020-06" / "2020-06-essex-stop-and-search.csv"
    big.parent.mkdir(parents=True)
    with big.open("wb") as f:
        f.write((HEADER + "\n" + "\n".join(rows(2, 100)) + "\n").encode())
        head, tail = row(101).split("Stolen goods")
        f.write(head.encode())
        for _ in range(20):
            f.write(b"w" * 1024 * 1024)
        f.write(("Stolen goods" + tail + "\n").encode())
        f.write((row(102, operation="o" * (MAX_FIELD_BYTES + 1)) + "\n").encode())
        f.write(("\n".join(rows(103, 201)) + "\n").encode())
    result = only(ingest_paths([big], db).results)
    assert (result.records, result.rows_loaded, result.rows_rejected) == (200, 198, 2)
    assert loaded_lines(db) == [*range(2, 101), *range(103, 202)]
    (line1, reason1, raw1), (line2, reason2, raw2) = rejects(db)
    assert line1 == 101 and raw1 is None and "over the 65,536-byte limit for a record" in str(reason1)
    assert line2 == 102 and raw2 == row(102, operation="o" * (MAX_FIELD_BYTES + 1))
    assert str(reason2) == "field 'Policing operation' is 4,097 bytes, over the 4,096-byte limit for a field"


def test_nul_bytes_anywhere_are_rejected_with_their_line(tmp_path: Path, db: Path) -> None:
    """Line 3 lies inside the 64 KB that recognition reads, line 3000 far beyond it."""
    lines = [r.encode() for r in rows(2, 3100)]
    lines[1] = row(3).replace("Male", "Ma\x00le").encode()
    lines[2998] = row(3000).encode() + b"\x00"
    path = write_bytes(tmp_path, lines)
    assert len(b"\n".join(lines[:2998])) > 4 * 64 * 1024  # line 3000 lies far beyond what recognition reads
    result = only(ingest_paths([path], db).results)
    assert (result.records, result.rows_loaded, result.rows_rejected) == (3099, 3097, 2)
    assert loaded_lines(db) == [n for n in range(2, 3101) if n not in (3, 3000)]
    (l1, r1, raw1), (l2, r2, raw2) = rejects(db)
    assert (l1, l2) == (3, 3000)
    assert str(r1) == f"NUL byte (\\x00) at byte {row(3).index('Male') + 3} of line 3: not text"
    assert "NUL byte (\\x00)" in str(r2) and "line 3000" in str(r2)
    assert raw1 == lines[1].decode() and raw2 == lines[2998].decode()


def test_stray_carriage_return_and_blank_lines(tmp_path: Path, db: Path) -> None:
    """A lone CR inside a line is rejected (DuckDB took it for a line break); blank lines hold no record."""
    lines = [*rows(2, 3), row(4).replace("Male", "Ma\rle"), "", *rows(6, 7), ""]
    path = write_archive(tmp_path, "2020-06", "essex", lines)
    result = only(ingest_paths([path], db).results)
    assert (result.records, result.rows_loaded, result.rows_rejected) == (5, 4, 1)
    assert loaded_lines(db) == [2, 3, 6, 7]
    assert [(line, reason) for line, reason, _ in rejects(db)] == [
        (4, f"carriage return (\\r) inside line 4 at byte {row(4).index('Male') + 3}, not at its end")]


@pytest.mark.parametrize(
    ("encode", "named", "convert"),
    [
        (lambda text: text.encode("utf-16"), "UTF-16 (byte-order mark FF FE)", "iconv -f UTF-16 -t UTF-8"),
        (lambda text: text.encode("utf-16-be"), "UTF-16 big-endian", "iconv -f UTF-16BE -t UTF-8"),
        (lambda text: text.encode("utf-16-le"), "UTF-16 little-endian", "iconv -f UTF-16LE -t UTF-8"),
    ],
)
def test_utf16_is_named_with_how_to_convert(
    tmp_path: Path, db: Path, cli: Callable[..., object], encode: Callable[[str], bytes], named: str, convert: str
) -> None:
    good = write_archive(tmp_path / "in", "2020-06", "essex", rows(2, 3))
    cli("ingest", good, "--db", db)
    before = snapshot(db)
    path = tmp_path / "in" / "2020-06" / "2020-06-kent-stop-and-search.csv"
    path.write_bytes(encode("\n".join([HEADER, *rows(2, 3)]) + "\n"))
    result = cli("ingest", tmp_path / "in", "--db", db, ok=False)
    assert isinstance(result, Result)
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert named in output and convert in output
    assert snapshot(db) == before


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deep_json_is_refused_with_a_reason(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    """A stops response and a GeoJSON nested 100,000 deep: a clear refusal naming the file, no RecursionError."""
    stop = {"age_range": "18-24", "datetime": "2024-01-05T10:00:00+00:00", "involved_person": True,
            "officer_defined_ethnicity": "White", "type": "Person search"}
    stops = tmp_path / "in" / "stops-force-essex" / "2024-01.json"
    stops.parent.mkdir(parents=True)
    stops.write_text(json.dumps([stop])[:-2] + ', "extra": ' + _deep(100_000) + "}]")
    geo = tmp_path / "geo" / "areas.geojson"
    geo.parent.mkdir()
    geo.write_text('{"type": "FeatureCollection", "features": ' + _deep(100_000) + "}")
    good = write_archive(tmp_path / "ok", "2020-06", "essex", rows(2, 3))
    cli("ingest", good, "--db", db)
    before = snapshot(db)
    for path in (stops, geo):
        result = cli("ingest", path, tmp_path / "ok", "--db", db, ok=False)
        assert isinstance(result, Result)
        output = " ".join(result.output.split())
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert path.name in output
        assert f"JSON nested 100,00{'2' if path == stops else '1'} levels deep: the limit is {MAX_JSON_DEPTH}" in output
        assert snapshot(db) == before


def test_nul_in_a_json_file_refuses_it_by_line(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    stops = tmp_path / "stops-force-essex" / "2024-01.json"
    stops.parent.mkdir(parents=True)
    stops.write_bytes(b'[\n{"age_range": "18-24", "datetime": "2024-01-05T10:00:00+00:00", "involved_person": true, '
                      b'"officer_defined_ethnicity": "White", "type": "Person search"},\n\x00\n]\n')
    result = cli("ingest", stops, "--db", db, ok=False)
    assert isinstance(result, Result)
    assert result.exit_code == 1
    assert "NUL byte (\\x00) on line 3" in " ".join(result.output.split())
    assert not db.exists() or snapshot(db).get("stop_search", []) == []


def test_same_file_twice_changes_nothing(tmp_path: Path, db: Path) -> None:
    lines = rows(2, 40)
    lines[5] = row(7, operation='"unclosed')
    lines[9] = "x,y," * 100
    path = write_archive(tmp_path, "2020-06", "essex", lines)
    first = only(ingest_paths([path], db).results)
    assert (first.records, first.rows_loaded, first.rows_rejected, first.action) == (39, 37, 2, "new")
    before = snapshot(db)
    again = only(ingest_paths([path], db).results)
    assert again.action == "unchanged"
    assert snapshot(db) == before


def test_real_file_with_a_stray_quote(tmp_path: Path, db: Path) -> None:
    """A real archive file, one quote added at line 102: only that record is lost, with its whole text."""
    source = shared("police_uk", "archive", "2019-12", "2019-12-essex-stop-and-search.csv")
    original = source.read_bytes().splitlines(keepends=True)
    target = tmp_path / "2019-12" / source.name
    target.parent.mkdir()
    shutil.copy(source, target)
    altered = list(original)
    fields = altered[101].split(b",", 3)
    altered[101] = b",".join([*fields[:3], b'"' + fields[3]])  # line 102: field 4 opens a quote, never closed
    target.write_bytes(b"".join(altered))
    result = only(ingest_paths([target], db).results)
    records = len(original) - 1
    assert (result.records, result.rows_loaded, result.rows_rejected) == (records, records - 1, 1)
    [(line, reason, raw)] = rejects(db)
    assert line == 102 and raw == altered[101].rstrip(b"\r\n").decode() and "unbalanced quote" in str(reason)
    assert query(db, "SELECT count(*), min(source_row), max(source_row) FROM stop_search WHERE source_row <> 102") == [
        (records - 1, 2, records + 1)]


def test_oversized_stops_response_is_refused(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    """A stops response is parsed whole (about 25 bytes of memory per byte): past the limit it is refused."""
    from scrutiny.sources.police_uk_json import MAX_STOPS_JSON_BYTES

    stop = {"age_range": "18-24", "datetime": "2024-01-05T10:00:00+00:00", "involved_person": True,
            "officer_defined_ethnicity": "White", "type": "Person search"}
    one = json.dumps(stop).encode()
    stops = tmp_path / "stops-force-essex" / "2024-01.json"
    stops.parent.mkdir(parents=True)
    count = MAX_STOPS_JSON_BYTES // (len(one) + 1) + 1
    with stops.open("wb") as f:
        f.write(b"[" + b",".join([one] * count) + b"]")
    result = cli("ingest", stops, "--db", db, ok=False)
    assert isinstance(result, Result)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{stops.stat().st_size:,} bytes: larger than any stops response" in " ".join(result.output.split())
