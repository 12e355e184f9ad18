"""Street crime and outcomes through the real ingest: exact rows, rejects with file, line and reason, whole-file
refusals, replacement of one force-month, and loading the same file twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scrutiny.errors import SourceRefused
from scrutiny.warehouse.ingest import IngestRefused, ingest_paths
from tests.conftest import query, snapshot
from tests.crime_fixture import (
    A1,
    A2,
    HACKNEY_1,
    MET,
    OUTCOMES,
    STREET,
    write_crime_file,
    write_fixture,
)


def test_street_rows_are_stored_as_published(tmp_path: Path) -> None:
    path = write_crime_file(tmp_path, "2024-01", "street", STREET["2024-01"])
    db = tmp_path / "w.duckdb"
    ingest_paths([path], db)
    assert query(db, "SELECT crime_id, strftime(month, '%Y-%m'), crime_type, lsoa_code, la_name, last_outcome_class, "
                     "source_row, longitude FROM street_crime ORDER BY source_row") == [
        (A1, "2024-01", "Drugs", "E01001708", "Hackney", "court_result_unavailable", 2, -0.07),
        (A2, "2024-01", "Drugs", "E01001709", "Hackney", "drugs_warning", 3, -0.06),
        ("a3" * 32, "2024-01", "Burglary", "E01003007", "Lambeth", "no_suspect", 4, -0.12),
        (None, "2024-01", "Anti-social behaviour", "E01001708", "Hackney", None, 5, -0.07),
    ]
    assert query(db, "SELECT kind, unit, force, rows_loaded, rows_rejected FROM ingest_log") == [
        ("street_csv", "street/metropolitan/2024-01", "metropolitan", 4, 0)]


def test_outcome_events_are_all_kept(tmp_path: Path) -> None:
    path = write_crime_file(tmp_path, "2024-03", "outcomes", OUTCOMES["2024-03"])
    db = tmp_path / "w.duckdb"
    ingest_paths([path], db)
    assert query(db, "SELECT count(*), count(DISTINCT crime_id) FROM crime_outcome") == [(3, 3)]
    assert query(db, "SELECT outcome_type, outcome_class FROM crime_outcome ORDER BY source_row") == [
        ("Offender fined", "court_result"), ("Investigation complete; no suspect identified", "no_suspect"),
        ("Offender given a caution", "caution")]


def test_same_file_twice_changes_nothing_and_a_correction_replaces_one_month(tmp_path: Path) -> None:
    write_fixture(tmp_path / "data", stops=False)
    db = tmp_path / "w.duckdb"
    ingest_paths([tmp_path / "data"], db)
    before = snapshot(db)
    report = ingest_paths([tmp_path / "data"], db)
    assert {r.action for r in report.results} == {"unchanged"}
    assert snapshot(db) == before
    corrected = write_crime_file(tmp_path / "fix", "2024-02", "street", STREET["2024-02"][:1])
    ingest_paths([corrected], db)
    assert query(db, "SELECT strftime(month, '%Y-%m'), count(*) FROM street_crime GROUP BY 1 ORDER BY 1") == [
        ("2024-01", 4), ("2024-02", 1), ("2024-03", 1)]
    assert query(db, "SELECT count(*) FROM crime_outcome") == [(6,)]


def _rejects(db: Path) -> list[tuple[object, ...]]:
    return query(db, "SELECT line, reason FROM rejects ORDER BY line")


@pytest.mark.parametrize(("row", "reason"), [
    (f"{A1[:63]},2024-01,{MET},{HACKNEY_1},Drugs,,", f"Crime ID '{A1[:63]}' is not 64 hexadecimal characters"),
    (f"{'zz' * 32},2024-01,{MET},{HACKNEY_1},Drugs,,", f"Crime ID '{'zz' * 32}' is not 64 hexadecimal characters"),
    (f"{A2},2023-12,{MET},{HACKNEY_1},Drugs,,", "dated '2023-12', not 2024-01 as the file's name says"),
    (f"{A2},2024-01,{MET},-0.07,north,On or near X,E01001708,Hackney 001A,Drugs,,", "Latitude 'north' is not a number"),
    (f"{A2},2024-01,{MET},-0.07,51.5,On or near X,E01001708,,Drugs,,",
     "LSOA code and LSOA name must be given together"),
    (f"{A2},2024-01,{MET},-0.07,51.5,On or near X,E02001708,Hackney 001A,Drugs,,",
     "LSOA code 'E02001708' is not an LSOA code (E01 or W01 and six digits)"),
    (f"{A2},2024-01,{MET},-0.07,51.5,On or near X,E01001708,Lambeth 001A,Drugs,,",
     "LSOA code E01001708 is in Hackney on most rows of this file, but its name here is 'Lambeth 001A'"),
    (f"{A2},2024-01,{MET},{HACKNEY_1},,,", "no Crime type"),
    (f"{A2},2024-01,{MET},{HACKNEY_1},Drugs,", "expected 12 fields, found 11"),
])
def test_a_bad_row_is_rejected_with_its_line_and_reason(tmp_path: Path, row: str, reason: str) -> None:
    good = [f"{'0' * 63}{i},2024-01,{MET},{HACKNEY_1},Drugs,," for i in range(3)]  # three rows name E01001708 Hackney
    path = write_crime_file(tmp_path, "2024-01", "street", [*good, row])
    db = tmp_path / "w.duckdb"
    report = ingest_paths([path], db)
    assert _rejects(db) == [(5, reason)]
    assert (report.results[0].rows_loaded, report.results[0].rows_rejected) == (3, 1)
    assert query(db, "SELECT file, force, strftime(month, '%Y-%m'), raw FROM rejects") == [
        (str(path), "metropolitan", "2024-01", row)]


def test_files_checked_together_are_judged_each_on_its_own(tmp_path: Path) -> None:
    """The files of one ingest are checked as one batch: a code named in another authority by another file is
    not a fault of either (each file is judged alone), and one file's bad row leaves the other's rows be."""
    hackney = [f"{'0' * 63}{i},2024-01,{MET},{HACKNEY_1},Drugs,," for i in range(3)]
    lambeth = f"{MET},-0.07,51.5,On or near X,E01001708,Lambeth 001A"  # the same code, another authority
    other_month = [f"{'1' * 63}{i},2024-02,{lambeth},Drugs,," for i in range(2)]
    torn = [f"{'2' * 63}{i},2024-03,{MET},{HACKNEY_1},Drugs,," for i in range(2)] + [
        f"{'2' * 63}9,2024-03,{lambeth},Drugs,,"]
    paths = [write_crime_file(tmp_path, "2024-01", "street", hackney),
             write_crime_file(tmp_path, "2024-02", "street", other_month),
             write_crime_file(tmp_path, "2024-03", "street", torn)]
    db = tmp_path / "w.duckdb"
    report = ingest_paths(paths, db)
    loaded = {r.path.name: (r.rows_loaded, r.rows_rejected) for r in report.results}
    assert loaded == {paths[0].name: (3, 0), paths[1].name: (2, 0), paths[2].name: (2, 1)}
    assert query(db, "SELECT file, line, reason FROM rejects") == [
        (str(paths[2]), 4, "LSOA code E01001708 is in Hackney on most rows of this file, but its name here is "
                           "'Lambeth 001A'")]
    assert query(db, "SELECT strftime(month, '%Y-%m'), count(*) FROM street_crime GROUP BY 1 ORDER BY 1") == [
        ("2024-01", 3), ("2024-02", 2), ("2024-03", 2)]


# Crime IDs of 64 bytes (the check reads bytes when every ID is 64 long) beside the edges of the hex ranges:
# '/' ':' '@' 'G' '`' 'g' are each one away from 0-9, A-F or a-f; 0x10 would pass as '0' if bits were folded; 'é'
# is two bytes, so the ID is 64 bytes but 63 characters.
TRICKY_IDS = ["0" * 63 + c for c in ("A", "F", "f", "9", "/", ":", "@", "G", "`", "g", "\x10")] + ["0" * 62 + "é"]
TRICKY_NUMBERS = ["-0.07", " 1.5 ", "+1.5", "1.", ".5", "1e3", "1e400", "nan", "inf", "-Infinity", "1e", "0x1"]


def test_tricky_crime_ids_and_coordinates_are_judged_as_the_rules_say(tmp_path: Path) -> None:
    rows = [f"{cid},2024-01,{MET},{HACKNEY_1},Drugs,," for cid in TRICKY_IDS]
    rows += [f"{'1' * 63}{i % 10},2024-01,{MET},{value},51.55,On or near X,E01001708,Hackney 001A,Drugs,,"
             for i, value in enumerate(TRICKY_NUMBERS)]
    db = tmp_path / "w.duckdb"
    ingest_paths([write_crime_file(tmp_path, "2024-01", "street", rows)], db)
    good_id = [bool(re.fullmatch("[0-9a-fA-F]{64}", cid)) for cid in TRICKY_IDS]  # independently, by Python's re
    number = r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?"
    good_number = [bool(re.fullmatch(number, v.strip())) for v in TRICKY_NUMBERS]
    rejected = {line for line, _ in _rejects(db)}
    expected = {i + 2 for i, ok in enumerate(good_id + good_number) if not ok}
    assert rejected == expected
    assert sorted(good_id) == [False] * 8 + [True] * 4 and good_number.count(False) == 5  # the cases cut both ways
    # stored as parsed ('1e400' too, as infinity: a number by the rule)
    stored = query(db, "SELECT longitude FROM street_crime WHERE crime_id LIKE '1111%' ORDER BY source_row")
    assert [v for (v,) in stored] == [float(v) for v, ok in zip(TRICKY_NUMBERS, good_number, strict=True) if ok]


def test_an_outcome_must_name_its_crime(tmp_path: Path) -> None:
    path = write_crime_file(tmp_path, "2024-02", "outcomes", [f",2024-02,{MET},{HACKNEY_1},Suspect charged",
                                                               *OUTCOMES["2024-02"]])
    db = tmp_path / "w.duckdb"
    ingest_paths([path], db)
    assert _rejects(db) == [(2, "no Crime ID: an outcome must name its crime")]


def test_a_quoted_line_break_keeps_line_numbers_true(tmp_path: Path) -> None:
    rows = [f'{A1},2024-01,{MET},-0.07,51.55,"On or near\nMare Street",E01001708,Hackney 001A,Drugs,,',
            f"{'x' * 64},2024-01,{MET},{HACKNEY_1},Drugs,,"]
    path = write_crime_file(tmp_path, "2024-01", "street", rows, newline="\r\n")
    db = tmp_path / "w.duckdb"
    ingest_paths([path], db)
    assert _rejects(db) == [(4, f"Crime ID '{'x' * 64}' is not 64 hexadecimal characters")]
    assert query(db, "SELECT location, source_row FROM street_crime") == [("On or near\nMare Street", 2)]


@pytest.mark.parametrize(("name_kind", "header_kind", "words"), [
    ("street", "outcomes", "its name says a street-crime file but its header is that of an outcomes file"),
    ("outcomes", "street", "its name says an outcomes file but its header is that of a street-crime file"),
])
def test_a_header_of_the_other_kind_refuses_the_whole_ingest(tmp_path: Path, name_kind: str, header_kind: str,
                                                            words: str) -> None:
    db = tmp_path / "w.duckdb"
    ingest_paths([write_crime_file(tmp_path / "ok", "2024-01", "street", STREET["2024-01"])], db)
    before = snapshot(db)
    wrong = write_crime_file(tmp_path / "bad", "2024-02", header_kind, OUTCOMES["2024-02"] if header_kind ==
                             "outcomes" else STREET["2024-02"])
    renamed = wrong.with_name(f"2024-02-metropolitan-{name_kind}.csv")
    wrong.rename(renamed)
    with pytest.raises(IngestRefused, match=f"{renamed}: {words}"):
        ingest_paths([renamed, write_crime_file(tmp_path / "bad", "2024-03", "street", STREET["2024-03"])], db)
    assert snapshot(db) == before


def test_a_file_mostly_of_another_month_is_refused_whole(tmp_path: Path) -> None:
    path = write_crime_file(tmp_path, "2024-03", "street", STREET["2024-02"])  # February's rows, March's name
    db = tmp_path / "w.duckdb"
    with pytest.raises(SourceRefused, match="2 of its 2 rows are dated 2024-02, not 2024-03 as its name says"):
        ingest_paths([path], db)
    assert not db.exists()
