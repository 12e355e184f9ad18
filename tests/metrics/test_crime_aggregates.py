"""The crime figures from the prepared aggregates (warehouse/crime_aggregates.py) are the figures from the rows,
byte for byte (json.dumps, sort_keys), for every scope tested here: on the hand-made fixture (tests/crime_fixture.py)
plus a force whose Crime IDs repeat (within a month, across months, across forces), after boundaries and Census
tables are loaded after the crimes, after a force-month of street crime and one of outcomes are replaced, after an
API force-month and outcome history, after a refused load, and on the real archive.

At every step the aggregates kept incrementally are also compared, row for row, with aggregates rebuilt from
scratch, so a refresh that recomputes too few force-months fails here even where no tested scope shows it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pytest

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.crime import CrimeScope, crime_document, crime_for, crime_months, resolve_crime_scope
from scrutiny.metrics.crime_prepared import available
from scrutiny.metrics.crime_rates import crime_with_rate
from scrutiny.metrics.scope import Scope
from scrutiny.warehouse.crime_aggregates import TABLES, rebuild, refresh
from scrutiny.warehouse.ingest import IngestRefused, ingest_paths
from tests.conftest import reader, write_archive
from tests.crime_fixture import A1, B2, DRUGS_STOP, MET, OUTCOMES, STREET, write_crime_file, write_fixture

FIXTURES = Path(__file__).parents[1] / "fixtures"
CENSUS = FIXTURES / "census" / "ts022_small.csv"  # names Hackney and Lambeth
SQUARES = FIXTURES / "geography" / "squares.geojson"  # boundaries named East (E09000002) and West (E09000001)
CRIME_API = FIXTURES / "crime_api"
REAL = Path(__file__).parents[2] / ".." / "shared" / "data" / "police_uk"

# A second force whose Crime IDs repeat: R1 twice in 2024-01 (two places) and again in 2024-02; A1 (a
# Metropolitan crime) again in City of London's 2024-02. Places East and West are named only by SQUARES.
R1, R2, R3, R4, R5 = ("f1" * 32, "f2" * 32, "f3" * 32, "f4" * 32, "f5" * 32)
CITY = "City of London Police,City of London Police"
EAST, WEST = "0.5,0.5,On or near East Street,E01000001,East 001A", "-0.5,0.5,On or near West Street,E01000002,West 001A"
CITY_STREET = {
    "2024-01": [f"{R1},2024-01,{CITY},{EAST},Drugs,Under investigation,",
                f"{R1},2024-01,{CITY},{WEST},Drugs,Under investigation,",
                f"{R2},2024-01,{CITY},{EAST},Drugs,Offender fined,",
                f"{R3},2024-01,{CITY},{WEST},Burglary,,",
                f",2024-01,{CITY},{EAST},Anti-social behaviour,,"],
    "2024-02": [f"{R1},2024-02,{CITY},{EAST},Drugs,Suspect charged,",
                f"{R4},2024-02,{CITY},{WEST},Drugs,,",
                f"{R5},2024-02,{CITY},{EAST},Drugs,,",
                f"{A1},2024-02,{CITY},{WEST},Drugs,,"],
}
CITY_OUTCOMES = {
    "2024-02": [f"{R1},2024-02,{CITY},{EAST},Suspect charged",
                f"{R2},2024-02,{CITY},{EAST},Offender fined",
                f"{R4},2024-02,{CITY},{WEST},Offender given a caution"],
    "2024-03": [f"{R1},2024-03,{CITY},{EAST},Local resolution",
                f"{R5},2024-03,{CITY},{EAST},Investigation complete; no suspect identified",
                f"{A1},2024-03,{CITY},{WEST},Offender given a caution"],
}

EVERY_READER = 3  # the first scopes of a list are also read through crime_with_rate and crime_for
SCOPES: list[dict[str, Any]] = [
    {"force": "metropolitan", "start": "2024-01", "end": "2024-03"},
    {"force": "city-of-london", "start": "2024-01", "end": "2024-02", "area": "West"},
    {"force": "all", "start": "2024-01", "end": "2024-12"},
    {"force": "metropolitan", "start": "2024-02", "end": "2024-05"},
    {"force": "metropolitan", "start": "2024-01", "end": "2024-01", "area": "Hackney"},
    {"force": "metropolitan", "start": "2024-01", "end": "2024-03", "area": "E09000022"},
    {"force": "metropolitan", "start": "2024-01", "end": "2024-03", "area": "E12000007"},
    {"force": "metropolitan", "start": "2024-01", "end": "2024-03", "crime_type": "burglary"},
    {"force": "metropolitan", "start": "2024-01", "end": "2024-03", "crime_type": "Anti-social behaviour"},
    {"force": "metropolitan", "start": "2024-01", "end": "2024-03", "crime_type": "Drugs", "area": "Hackney"},
    {"force": "city-of-london", "start": "2024-01", "end": "2024-01"},
    {"force": "city-of-london", "start": "2024-02", "end": "2024-02"},
    {"force": "city-of-london", "start": "2024-01", "end": "2024-06"},
    {"force": "city-of-london", "start": "2024-01", "end": "2024-02", "area": "E09000002"},
    {"force": "city-of-london,metropolitan", "start": "2024-01", "end": "2024-03"},
    {"force": "all", "start": "2024-02", "end": "2024-02", "area": "E12000007", "crime_type": "Drugs"},
    {"force": "metropolitan", "start": "2025-01", "end": "2025-02"},  # nothing loaded: the same error both ways
]


def _refreshed(db: Path) -> None:
    """Bring the aggregates up to date (a no-op once ingest does it), then check them against a rebuild."""
    con = duckdb.connect(str(db))
    try:
        con.execute("BEGIN TRANSACTION")
        refresh(con)
        con.execute("COMMIT")
        kept = _snapshot(con)
        con.execute("BEGIN TRANSACTION")
        rebuild(con)
        rebuilt = _snapshot(con)
        con.execute("ROLLBACK")
    finally:
        con.close()
    assert kept == rebuilt


def _snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    return {t: sorted(repr(r) for r in con.execute(f"SELECT * FROM {t}").fetchall()) for t in TABLES}


def _answer(work: Any) -> str:
    """The figures as JSON (sorted keys), or the error a user would see."""
    try:
        return json.dumps(work(), sort_keys=True)
    except ScrutinyError as exc:
        return f"{type(exc).__name__}: {exc}"


def _both(backend: ibis.BaseBackend, given: dict[str, Any], every_reader: bool) -> tuple[list[str], list[str]]:
    """The crime document's answer for a scope (and, if `every_reader`, the rate's and the one beside a stops
    document), from the rows and from the aggregates."""
    out: tuple[list[str], list[str]] = ([], [])
    for rows, answers in ((True, out[0]), (False, out[1])):
        scope = CrimeScope(**given)

        def document(scope: CrimeScope = scope, rows: bool = rows) -> dict[str, Any]:
            return crime_document(backend, resolve_crime_scope(backend, scope, rows=rows), rows=rows)

        def rated(scope: CrimeScope = scope, rows: bool = rows) -> dict[str, Any]:
            return crime_with_rate(backend, scope, rows=rows)

        def beside_stops(scope: CrimeScope = scope, rows: bool = rows) -> dict[str, Any] | None:
            checked = resolve_crime_scope(backend, scope, rows=True)
            return crime_for(backend, Scope(checked.force, checked.area, checked.start, checked.end,
                                            area_name=checked.area_name), rows=rows)

        answers.extend(_answer(f) for f in ((document, rated, beside_stops) if every_reader else (document,)))
    return out


def _check(db: Path, scopes: list[dict[str, Any]]) -> None:
    _refreshed(db)
    backend = reader(db)
    try:
        assert available(backend)
        for i, given in enumerate(scopes):
            from_rows, from_cells = _both(backend, given, every_reader=i < EVERY_READER)
            assert from_cells == from_rows, given
        t = backend.table("street_crime")
        for force in ("metropolitan", "city-of-london", "all", "btp"):
            held = t.filter(t.force == force) if force != "all" else t
            span = held.aggregate(first=held.month.min(), last=held.month.max()).to_pandas().iloc[0]
            expected = None if span.isna().any() else (f"{span['first']:%Y-%m}", f"{span['last']:%Y-%m}")
            assert crime_months(backend, force) == expected
    finally:
        backend.disconnect()


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    folder = tmp_path / "files"
    write_fixture(folder)
    for month, rows in CITY_STREET.items():
        write_crime_file(folder, month, "street", rows, force="city-of-london")
    for month, rows in CITY_OUTCOMES.items():
        write_crime_file(folder, month, "outcomes", rows, force="city-of-london")
    db = tmp_path / "w.duckdb"
    ingest_paths([folder], db)
    yield db, tmp_path
    shutil.rmtree(folder, ignore_errors=True)


def test_every_scope_equal_as_places_and_months_change(warehouse: tuple[Path, Path]) -> None:
    db, tmp = warehouse
    _check(db, SCOPES)  # no authority named yet: area scopes are the same error both ways
    ingest_paths([CENSUS], db)  # names Hackney and Lambeth after the crimes
    _check(db, SCOPES)
    ingest_paths([SQUARES], db)  # boundaries after the crimes: East and West
    _check(db, SCOPES)
    changed = tmp / "changed"
    # A street force-month replaced: R1 leaves 2024-02 (its repeat across months goes), R2 arrives (a new
    # repeat), B2 moves to City of London (a crime whose outcomes are in another force's file).
    write_crime_file(changed, "2024-02", "street", [
        f"{R2},2024-02,{CITY},{WEST},Drugs,,", f"{R4},2024-02,{CITY},{WEST},Drugs,,",
        f"{R5},2024-02,{CITY},{EAST},Drugs,,", f"{A1},2024-02,{CITY},{WEST},Drugs,,",
        f"{B2},2024-02,{CITY},{EAST},Drugs,,"], force="city-of-london")
    # An outcomes force-month replaced: X's caution goes, B2 is charged, R3 (never linked before) is fined.
    write_crime_file(changed, "2024-03", "outcomes", [
        *[r for r in OUTCOMES["2024-03"] if not r.startswith("ee")],
        f"{B2},2024-03,{MET},,,No location,,,Suspect charged", f"{R3},2024-03,{MET},,,No location,,,Offender fined"])
    ingest_paths([changed], db)
    _check(db, SCOPES)
    # The Metropolitan's 2024-01 street month republished without A2, which had an outcome.
    write_crime_file(changed, "2024-01", "street", [r for r in STREET["2024-01"] if not r.startswith("a2")])
    ingest_paths([changed], db)
    _check(db, SCOPES)


def test_api_month_and_outcome_history(warehouse: tuple[Path, Path]) -> None:
    db, _ = warehouse
    ingest_paths([SQUARES], db)
    _check(db, SCOPES)
    ingest_paths([CRIME_API / "crimes-street-city-of-london-2024-01.json"], db)  # replaces a street force-month
    _check(db, SCOPES)
    ingest_paths([CRIME_API / "outcomes-for-crime-city-of-london"], db)  # one crime's history, wherever it was
    _check(db, SCOPES)


def test_a_refused_load_leaves_the_aggregates_as_they_were(warehouse: tuple[Path, Path]) -> None:
    db, tmp = warehouse
    _check(db, SCOPES)
    con = duckdb.connect(str(db), read_only=True)
    before = _snapshot(con)
    con.close()
    refused = tmp / "refused"
    write_crime_file(refused, "2024-04", "street", [f"{R1},2024-04,{CITY},{EAST},Drugs,,"], force="city-of-london")
    write_archive(refused, "2024-01", "metropolitan", [DRUGS_STOP])  # 4 searches to 1: refused as shrinking
    with pytest.raises(IngestRefused):
        ingest_paths([refused], db)
    con = duckdb.connect(str(db), read_only=True)
    after = _snapshot(con)
    con.close()
    assert after == before
    _check(db, SCOPES)


REAL_FILES = ["archive_crime/2023-03", "archive/2018-12/2018-12-city-of-london-street.csv", "archive/2013-06",
              "archive_crime/2017-01", "archive_crime/2017-02"]
REAL_SCOPES: list[dict[str, Any]] = [
    {"force": "city-of-london", "start": "2023-03", "end": "2023-03"},
    {"force": "city-of-london", "start": "2018-12", "end": "2018-12"},  # Crime IDs on two rows each
    {"force": "city-of-london", "start": "2018-12", "end": "2018-12", "area": "E09000001"},
    {"force": "city-of-london", "start": "2013-01", "end": "2023-12", "crime_type": "Theft from the person"},
    {"force": "bedfordshire", "start": "2023-03", "end": "2023-03"},
    {"force": "cambridgeshire", "start": "2023-03", "end": "2023-03", "crime_type": "Violence and sexual offences"},
    {"force": "btp", "start": "2013-06", "end": "2023-03"},  # BTP 2013-06: crimes without Crime IDs
    {"force": "avon-and-somerset", "start": "2013-06", "end": "2013-06"},
    {"force": "all", "start": "2023-03", "end": "2023-03"},
    {"force": "all", "start": "2013-06", "end": "2023-03", "area": "E12000007"},
]


def test_real_archive_scopes(tmp_path: Path) -> None:
    paths = [REAL / p for p in REAL_FILES]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"real crime data not found (../shared/data/police_uk): {', '.join(missing)}")
    boundaries = REAL.parent / "geography" / "london_boroughs.geojson"
    db = tmp_path / "real.duckdb"
    ingest_paths(paths, db)
    if boundaries.exists():
        ingest_paths([boundaries], db)
    _check(db, REAL_SCOPES)
