"""A tiny archive file whose every value can be checked by eye."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from tests.conftest import query, write_archive

DRUGS = "Misuse of Drugs Act 1971 (section 23)"
PACE = "Police and Criminal Evidence Act 1984 (section 1)"
ROWS = [
    f"Person search,2020-05-31T23:30:00+00:00,False,,51.5,0.1,Male,18-24,"
    "Black/African/Caribbean/Black British - African,Black,"
    f"{DRUGS},Controlled drugs,Khat or Cannabis warning,True,False",
    f"Vehicle search,2020-06-10T12:00:00+00:00,,,,,,,,,{PACE},Stolen goods,A no further action disposal,False,",
    f'Person search,2020-06-15T08:05:00+00:00,True,"Operation X, phase 2",51.6,0.2,Female,10-17,'
    f"Other ethnic group - Not stated,Asian,{PACE},Offensive weapons,Arrest,True,True",
    f"Person search,2020-06-20T10:00:00+00:00,False,,51.6,0.2,Male,over 34,White - White British (W1),White,"
    f"{PACE},,Some outcome nobody has seen,,",
    f"Person search,2020-06-30T22:59:00+00:00,False,,51.6,0.2,Male,25-34,"
    f"Chinese or other ethnic group - Chinese (O1),Other,{DRUGS},Controlled drugs,,,",
]
COLUMNS = (
    "source_row, force, month, occurred_at, search_type, part_of_operation, operation_name, latitude, longitude, "
    "gender, age_range, self_defined_group, officer_defined_group, object_of_search, outcome_class, "
    "outcome_linked, strip_search"
)


def test_every_value_of_a_small_file(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    write_archive(tmp_path, "2020-06", "essex", ROWS, newline="\r\n")
    cli("ingest", tmp_path, "--db", db)
    rows = query(db, f"SELECT {COLUMNS} FROM stop_search ORDER BY source_row")
    june = date(2020, 6, 1)
    assert rows == [
        (2, "essex", june, datetime(2020, 5, 31, 23, 30), "Person search", False, None, 51.5, 0.1,
         "Male", "18-24", "Black", "Black", "Controlled drugs", "drugs_warning", True, False),
        (3, "essex", june, datetime(2020, 6, 10, 12, 0), "Vehicle search", None, None, None, None,
         None, None, "unknown", "unknown", "Stolen goods", "no_further_action", False, None),
        (4, "essex", june, datetime(2020, 6, 15, 8, 5), "Person search", True, "Operation X, phase 2", 51.6, 0.2,
         "Female", "10-17", "unknown", "Asian", "Offensive weapons", "arrest", True, True),
        (5, "essex", june, datetime(2020, 6, 20, 10, 0), "Person search", False, None, 51.6, 0.2,
         "Male", "over 34", "White", "White", None, "other", None, None),
        (6, "essex", june, datetime(2020, 6, 30, 22, 59), "Person search", False, None, 51.6, 0.2,
         "Male", "25-34", "Other", "Other", "Controlled drugs", "unknown", None, None),
    ]
    log = query(db, "SELECT unit, kind, rows_loaded, rows_rejected, action, synthetic FROM ingest_log")
    assert log == [("essex/2020-06", "stop_search_csv", 5, 0, "new", False)]
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]


def test_lf_and_crlf_files_load_the_same(tmp_path: Path, cli: Callable[..., object]) -> None:
    write_archive(tmp_path / "lf", "2020-06", "essex", ROWS, newline="\n")
    write_archive(tmp_path / "crlf", "2020-06", "essex", ROWS, newline="\r\n")
    cli("ingest", tmp_path / "lf", "--db", tmp_path / "lf.duckdb")
    cli("ingest", tmp_path / "crlf", "--db", tmp_path / "crlf.duckdb")
    sql = f"SELECT {COLUMNS} FROM stop_search ORDER BY source_row"
    assert query(tmp_path / "lf.duckdb", sql) == query(tmp_path / "crlf.duckdb", sql)


def test_header_only_file_is_an_empty_month(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    write_archive(tmp_path, "2020-06", "essex", [])
    cli("ingest", tmp_path, "--db", db)
    assert query(db, "SELECT unit, rows_loaded FROM ingest_log") == [("essex/2020-06", 0)]


def test_database_from_environment(tmp_path: Path, monkeypatch: object, cli: Callable[..., object]) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    write_archive(tmp_path, "2020-06", "essex", ROWS)
    target = tmp_path / "from-env.duckdb"
    monkeypatch.setenv("SCRUTINY_DB", str(target))
    cli("ingest", tmp_path)
    assert query(target, "SELECT count(*) FROM stop_search") == [(5,)]


def test_synthetic_files_are_marked(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    from typer.testing import Result

    from scrutiny.sources.synthetic import write_synthetic

    write_synthetic(tmp_path, 500, seed=1, forces=["kent"], months=["2024-01"])
    result = cli("ingest", tmp_path, "--db", db)
    assert isinstance(result, Result)
    assert "SYNTHETIC" in result.output
    assert query(db, "SELECT DISTINCT synthetic FROM ingest_log") == [(True,)]
    status = cli("status", "--db", db)
    assert isinstance(status, Result)
    assert "kent (SYNTHETIC)" in status.output
