"""The MPS recorded-crime-by-borough adapter: recognised by its header, every cell one long row (or a reject with
its line and reason), and a file replacing exactly the months it covers, so no month is counted twice."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import TableRows
from scrutiny.sources.mps_recorded_crime import MPS_RECORDED_CRIME
from scrutiny.sources.recognise import recognise
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import query, snapshot
from tests.sources.conftest import FIXTURES, shared_data

EARLY = FIXTURES / "mps" / "recorded_crime_2023-01..2023-03.csv"
LATER = FIXTURES / "mps" / "recorded_crime_2023-03..2023-04.csv"
HEADER = "MajorText,MinorText,BoroughName,202301,202302,202303"


def write(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read(path: Path) -> TableRows:
    item = recognise(path)
    assert item.source is MPS_RECORDED_CRIME
    rows = MPS_RECORDED_CRIME.read(item)
    assert isinstance(rows, TableRows)
    return rows


def drugs(db: Path, borough: str) -> list[tuple[object, ...]]:
    return query(db, f"SELECT month, minor_text, offences FROM mps_recorded_crime WHERE borough_name = '{borough}' "
                     "AND major_text = 'DRUG OFFENCES' ORDER BY month, minor_text")


def test_recognised_by_its_header_with_its_months_as_the_unit() -> None:
    item = recognise(EARLY)
    assert (item.kind, item.variant, item.loadable, item.force, item.month) == (
        "mps_recorded_crime", "2023-01..2023-03", True, None, None)
    assert item.source is not None and item.source.unit(item) == "mps_recorded_crime/2023-01..2023-03"


def test_every_cell_is_one_row_with_the_borough_code() -> None:
    rows = read(EARLY)
    assert isinstance(rows.rows, pa.Table)
    records = rows.rows.to_pylist()
    assert len(records) == 7 * 3
    assert rows.replaces == {"month": (date(2023, 1, 1), date(2023, 2, 1), date(2023, 3, 1))}
    assert rows.rejects is not None and rows.rejects.num_rows == 0
    assert records[0] == {"borough_name": "Hackney", "la_code": "E09000012", "major_text": "BURGLARY",
                          "minor_text": "BURGLARY IN A DWELLING", "month": date(2023, 1, 1), "offences": 10,
                          "source": "mps_recorded_crime/2023-01..2023-03"}
    codes = {r["borough_name"]: r["la_code"] for r in records}
    assert codes == {"Hackney": "E09000012", "Lambeth": "E09000022", "Unknown": None}
    assert sum(r["offences"] for r in records) == 33 + 75 + 15 + 120 + 20 + 3 + 1


def test_through_the_ingest_and_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = ingest_paths([EARLY], db)
    assert [(r.unit, r.action, r.rows_loaded, r.rows_rejected) for r in first.results] == [
        ("mps_recorded_crime/2023-01..2023-03", "new", 21, 0)]
    assert drugs(db, "Hackney") == [
        (date(2023, 1, 1), "POSSESSION OF DRUGS", 30), (date(2023, 1, 1), "TRAFFICKING OF DRUGS", 5),
        (date(2023, 2, 1), "POSSESSION OF DRUGS", 25), (date(2023, 2, 1), "TRAFFICKING OF DRUGS", 0),
        (date(2023, 3, 1), "POSSESSION OF DRUGS", 20), (date(2023, 3, 1), "TRAFFICKING OF DRUGS", 10)]
    before = snapshot(db)
    copy = shutil.copy(EARLY, tmp_path / "renamed.csv")  # the same bytes under another name: the same unit
    for path in (EARLY, Path(copy)):
        assert [r.action for r in ingest_paths([path], db).results] == ["unchanged"]
    assert snapshot(db) == before


def test_a_later_file_replaces_the_months_it_covers_and_the_last_loaded_wins(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ingest_paths([EARLY], db)
    ingest_paths([LATER], db)
    # March came in both: only the later file's March is held, every borough of it (Unknown is not in it).
    assert query(db, "SELECT month, count(*), sum(offences), min(source) FROM mps_recorded_crime "
                     "GROUP BY month ORDER BY month") == [
        (date(2023, 1, 1), 7, 96, "mps_recorded_crime/2023-01..2023-03"),
        (date(2023, 2, 1), 7, 87, "mps_recorded_crime/2023-01..2023-03"),
        (date(2023, 3, 1), 4, 70, "mps_recorded_crime/2023-03..2023-04"),
        (date(2023, 4, 1), 4, 65, "mps_recorded_crime/2023-03..2023-04")]
    ingest_paths([EARLY], db)  # identical bytes: unchanged, so March stays the later file's
    assert query(db, "SELECT sum(offences) FROM mps_recorded_crime WHERE month = '2023-03-01'") == [(70,)]
    corrected = write(tmp_path / "corrected.csv", HEADER, "DRUG OFFENCES,POSSESSION OF DRUGS,Hackney,1,2,3")
    ingest_paths([corrected], db)  # the same period again, changed: it replaces January to March whole
    assert query(db, "SELECT month, sum(offences) FROM mps_recorded_crime GROUP BY month ORDER BY month") == [
        (date(2023, 1, 1), 1), (date(2023, 2, 1), 2), (date(2023, 3, 1), 3), (date(2023, 4, 1), 65)]


def test_bad_cells_and_lines_are_rejected_with_line_and_reason(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.csv", HEADER,
                "DRUG OFFENCES,POSSESSION OF DRUGS,Hackney,3,x,5",
                "DRUG OFFENCES,TRAFFICKING OF DRUGS,Hackney,-2,1,",
                "DRUG OFFENCES,POSSESSION OF DRUGS,Lambeth,1,2",
                "DRUG OFFENCES,POSSESSION OF DRUGS,Atlantis,1,2,3",
                "DRUG OFFENCES,POSSESSION OF DRUGS,hackney,7,7,7",
                "",
                "DRUG OFFENCES,POSSESSION OF DRUGS,Lambeth,1,2,3")
    rows = read(bad)
    assert rows.rejects is not None
    assert list(zip(rows.rejects["line"].to_pylist(), rows.rejects["reason"].to_pylist(), strict=True)) == [
        (2, "column 202302 (Hackney, POSSESSION OF DRUGS): 'x' is not a count"),
        (3, "column 202301 (Hackney, TRAFFICKING OF DRUGS): '-2' is a negative count"),
        (3, "column 202303 (Hackney, TRAFFICKING OF DRUGS): empty, not a count"),
        (4, "5 cells where the header has 6"),
        (5, "BoroughName 'Atlantis' is not a London borough (catalog/london_boroughs.csv)"),
        (6, "DRUG OFFENCES / POSSESSION OF DRUGS / hackney repeats line 2")]
    assert rows.rejects["raw"].to_pylist()[0] == "DRUG OFFENCES,POSSESSION OF DRUGS,Hackney,3,x,5"
    assert len(rows.rows) == 2 + 1 + 3  # the good cells of lines 2 and 3, and line 8
    db = tmp_path / "w.duckdb"
    report = ingest_paths([bad], db)
    assert [(r.rows_loaded, r.rows_rejected) for r in report.results] == [(6, 6)]
    assert query(db, "SELECT file, line, reason FROM rejects ORDER BY line, reason")[0] == (
        str(bad), 2, "column 202302 (Hackney, POSSESSION OF DRUGS): 'x' is not a count")


@pytest.mark.parametrize(("header", "reason"), [
    ("MajorText,MinorText,BoroughName", "no month columns"),
    ("MajorText,MinorText,BoroughName,202301,2023-02", "column 5 of the header is '2023-02', not a month as YYYYMM"),
    ("MajorText,MinorText,BoroughName,202301,202313", "column 5 of the header is '202313'"),
    ("MajorText,MinorText,BoroughName,202301,202303", "without a gap or repeat: 202301 is followed by 202303"),
    ("MajorText,MinorText,BoroughName,202301,202301", "202301 is followed by 202301"),
])
def test_a_header_that_is_not_a_run_of_months_is_refused(tmp_path: Path, header: str, reason: str) -> None:
    path = write(tmp_path / "mps.csv", header, "DRUG OFFENCES,POSSESSION OF DRUGS,Hackney,1,2")
    with pytest.raises(SourceRefused, match=reason):
        recognise(path)


def test_a_refused_file_leaves_the_warehouse_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ingest_paths([EARLY], db)
    before = snapshot(db)
    broken = write(tmp_path / "in" / "broken.csv", HEADER, 'DRUG OFFENCES,"POSSESSION OF DRUGS,Hackney,1,2,3')
    with pytest.raises(SourceRefused, match="line 2: unexpected end of data"):
        ingest_paths([LATER, broken], db)
    assert snapshot(db) == before


def test_the_real_files_load_every_cell_without_overlap() -> None:
    context = shared_data() / "context"
    files = sorted(context.glob("mps_recorded_crime_by_borough_*.csv"))
    assert len(files) == 2
    months: list[set[str]] = []
    for path in files:
        with path.open(newline="", encoding="utf-8-sig") as f:
            records = list(csv.reader(f))
        rows = read(path)
        assert rows.rejects is not None and rows.rejects.num_rows == 0, rows.rejects
        assert len(rows.rows) == (len(records) - 1) * (len(records[0]) - 3)
        months.append(set(records[0][3:]))
    assert not months[0] & months[1]  # the two publications do not overlap today (2010-04..2024-03, then on)
