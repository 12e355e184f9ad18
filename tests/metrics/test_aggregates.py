"""The prepared counts (warehouse/aggregates.py) give the metrics document the rows give, byte for byte.

Every scope is computed twice on one warehouse: from `stop_search` itself (`rows=True`, the reference path) and
from the prepared counts (the default), and the two documents must serialise to the same JSON text
(`json.dumps(..., sort_keys=True)`). The counts themselves must equal a fresh grouping of the rows after every
kind of write: a first load, a force-month replaced by a revised file, boundaries loaded after the stops, a
refused load (rolled back: unchanged), and a warehouse made before the counts existed (built on its next write).

Scopes: the hand-counted lens fixture (tests/metrics/test_lens_fixture.py: several forces, all forces, an
area, lenses, officer ethnicity) and, when the shared data is present, the real-data scopes of
test_real_crosscheck.py and test_national_real.py.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pytest
from typer.testing import CliRunner

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.document import metrics_document
from scrutiny.metrics.scope import Scope, resolve_scope, stop_table
from scrutiny.warehouse.aggregates import AREAS_CUBE, CUBES, FIGURES_CUBE
from tests.conftest import reader, write_archive
from tests.metrics.test_lens_fixture import FILES, MAID, NFA, PACE, S23, WHITE, rows, write_reference
from tests.metrics.test_real_crosscheck import DATA

Q = ("2024-01", "2024-03")
# Scope arguments: force, area, from, to, ethnicity, area name, purpose, power
FIXTURE_SCOPES: dict[str, tuple[Any, ...]] = {
    "kent": ("kent", None, *Q),
    "kent-officer": ("kent", None, *Q, "officer"),
    "kent-one-month": ("kent", None, "2024-02", "2024-02"),
    "kent-drugs": ("kent", None, *Q, "self", None, "drugs"),
    "kent-s23": ("kent", None, *Q, "self", None, None, "s23"),
    "kent-weapons-s60": ("kent", None, *Q, "self", None, "weapons", "s60"),
    "kent-not-recorded": ("kent", None, *Q, "self", None, None, "not_recorded"),
    "kent-other-power": ("kent", None, *Q, "self", None, None, "other"),
    "maidstone": ("kent", "Maidstone", *Q),
    "maidstone-drugs-officer": ("kent", "E07000110", *Q, "officer", None, "drugs"),
    "three-forces": ("btp,essex,kent", None, *Q),
    "three-forces-drugs": ("btp,essex,kent", None, *Q, "self", None, "drugs"),
    "kent-essex-chelmsford": ("essex,kent", "Chelmsford", *Q),
    "all": ("all", None, *Q),
    "all-officer-s1": ("all", None, *Q, "officer", None, None, "s1"),
}


def run_ingest(*args: str | Path) -> Any:
    from scrutiny.cli import app

    return CliRunner().invoke(app, ["ingest", *map(str, args)])


def documents(db: Path, args: tuple[Any, ...]) -> tuple[str, str]:
    """The document's JSON on the reference path (rows) and on the prepared counts."""
    backend = reader(db)
    try:
        texts = []
        for rows_ in (True, False):
            scope = resolve_scope(backend, Scope(*args), rows=rows_)
            texts.append(json.dumps(metrics_document(backend, scope, rows=rows_), sort_keys=True))
        return texts[0], texts[1]
    finally:
        backend.disconnect()


def assert_same_documents(db: Path, scopes: dict[str, tuple[Any, ...]]) -> None:
    for name, args in scopes.items():
        by_rows, by_counts = documents(db, args)
        assert json.loads(by_rows)["searches"] >= 0
        assert by_counts == by_rows, f"{name}: the prepared counts give another document"


def cube_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {c.name: sorted(con.execute(f"SELECT * FROM {c.name}").fetchall(), key=repr) for c in CUBES}
    finally:
        con.close()


def assert_counts_match_rows(db: Path) -> None:
    """Each prepared table equals a fresh grouping of every stored stop, row for row."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        for cube in CUBES:
            stored = sorted(con.execute(f"SELECT * FROM {cube.name}").fetchall(), key=repr)
            fresh = sorted(con.execute(cube.select()).fetchall(), key=repr)
            assert stored == fresh, f"{cube.name} is out of step with stop_search"
        total = con.execute("SELECT count(*) FROM stop_search").fetchone()
        for name in (FIGURES_CUBE, AREAS_CUBE):
            assert con.execute(f"SELECT coalesce(sum(n), 0) FROM {name}").fetchone() == total
    finally:
        con.close()


def write_fixture(folder: Path, *, stops: bool = True, reference: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if stops:
        for (force, month), lines in FILES.items():
            write_archive(folder, month, force, lines)
    if reference:
        write_reference(folder)
    return folder


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_fixture(tmp_path_factory.mktemp("aggregates") / "in")
    db = folder.parent / "lens.duckdb"
    result = run_ingest(folder, "--db", db)
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def fresh_db(fixture_db: Path, tmp_path: Path) -> Path:
    """A copy of the fixture warehouse a test may change."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(fixture_db, db)
    return db


# ------------------------------------------------------------------------------------------------ the fixture


def test_ingest_prepares_the_counts(fixture_db: Path) -> None:
    assert_counts_match_rows(fixture_db)
    backend = ibis.duckdb.connect(str(fixture_db), read_only=True)
    try:
        assert stop_table(backend, area=False).get_name() == FIGURES_CUBE
        assert stop_table(backend, area=True).get_name() == AREAS_CUBE
        assert stop_table(backend, area=True, rows=True).get_name() == "stop_search"
    finally:
        backend.disconnect()


def _outcome(backend: Any, scope: Scope, *, rows: bool) -> str:
    try:
        return repr(resolve_scope(backend, scope, rows=rows))
    except ScrutinyError as error:
        return f"{type(error).__name__}: {error}"


Grid = dict[tuple[str, str, str, str | None], str]


def outcomes_on_both_paths(db: Path, forces: tuple[str, ...], periods: tuple[tuple[str, str], ...],
                           areas: tuple[str | None, ...]) -> Grid:
    """The checked scope or the error of every force x period x area, the same on the rows and the prepared
    path (asserted); keyed (force, from, to, area)."""
    backend = reader(db)
    try:
        outcomes: Grid = {}
        for force in forces:
            for start, end in periods:
                for area in areas:
                    scope = Scope(force, area, start, end)
                    outcomes[(force, start, end, area)] = by_rows = _outcome(backend, scope, rows=True)
                    assert _outcome(backend, scope, rows=False) == by_rows, (force, start, end, area)
        return outcomes
    finally:
        backend.disconnect()


def test_whether_a_scope_has_searches_is_the_same_on_both_paths(fixture_db: Path) -> None:
    """The prepared path answers "any searches here?" from kept force-month-area cells; the rows path asks
    stop_search. Essex has only January, BTP only February and no search in Chelmsford; Kent has all three
    months. (The fixture has no London authority: the test on the real files below asks a region.)"""
    outcomes = outcomes_on_both_paths(
        fixture_db, ("kent", "essex", "btp", "essex,kent", "all"),
        (Q, ("2024-01", "2024-01"), ("2024-02", "2024-03"), ("2023-01", "2023-12")), (None, "E07000110", "Chelmsford"))
    assert outcomes[("kent", *Q, None)].startswith("Scope(")
    assert outcomes[("essex", "2024-01", "2024-01", None)].startswith("Scope(")
    assert outcomes[("essex", "2024-02", "2024-03", None)].startswith("NotFound: no searches for essex")
    assert outcomes[("btp", *Q, "Chelmsford")].startswith("NotFound")
    assert outcomes[("all", "2023-01", "2023-12", None)].startswith("NotFound: no searches for all")


@pytest.mark.parametrize("name", list(FIXTURE_SCOPES))
def test_same_document_on_both_paths(fixture_db: Path, name: str) -> None:
    by_rows, by_counts = documents(fixture_db, FIXTURE_SCOPES[name])
    assert json.loads(by_rows)["searches"] > 0 or "drugs" in name
    assert by_counts == by_rows


def test_the_counts_are_far_fewer_than_the_rows(fixture_db: Path) -> None:
    """Kent 2024-01's 30 searches are 10 kinds of record (a..j in the fixture): 10 rows of prepared counts."""
    con = duckdb.connect(str(fixture_db), read_only=True)
    try:
        for name in (FIGURES_CUBE, AREAS_CUBE):
            got = con.execute(f"SELECT count(*), sum(n) FROM {name} WHERE force = 'kent' "
                              "AND month = DATE '2024-01-01'").fetchone()
            assert got == (10, 30), name
    finally:
        con.close()


def test_a_replaced_force_month_is_recounted(fresh_db: Path, tmp_path: Path) -> None:
    """Kent 2024-02 republished with one search more, in another place: only that month's counts change."""
    before = cube_rows(fresh_db)
    revised = FILES[("kent", "2024-02")] + rows(1, "2024-02", "Person search", MAID, "18-24", WHITE, "White", PACE,
                                                  "Stolen goods", NFA, "False", "False")
    write_archive(tmp_path / "revised", "2024-02", "kent", revised)
    result = run_ingest(tmp_path / "revised", "--db", fresh_db)
    assert result.exit_code == 0, result.output
    assert_counts_match_rows(fresh_db)
    after = cube_rows(fresh_db)
    revised_month = ("kent", date(2024, 2, 1))
    for name in (FIGURES_CUBE, AREAS_CUBE):
        assert [r for r in after[name] if r[:2] != revised_month] == [r for r in before[name] if r[:2] != revised_month]
        assert [r for r in after[name] if r[:2] == revised_month] != [r for r in before[name] if r[:2] == revised_month]
    assert_same_documents(fresh_db, FIXTURE_SCOPES)
    by_rows, _ = documents(fresh_db, FIXTURE_SCOPES["kent"])
    assert json.loads(by_rows)["searches"] == 44  # 43 + 1


def test_boundaries_loaded_after_the_stops(tmp_path: Path) -> None:
    """Stops first (no area), then the boundaries: the stored stops are placed, and so are their counts."""
    stops_only = write_fixture(tmp_path / "stops", reference=False)
    db = tmp_path / "late.duckdb"
    assert run_ingest(stops_only, "--db", db).exit_code == 0
    assert_counts_match_rows(db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(f"SELECT count(*) FROM {AREAS_CUBE} WHERE area_code IS NOT NULL").fetchone() == (0,)
    con.close()
    reference = write_fixture(tmp_path / "reference", stops=False)
    result = run_ingest(reference, "--db", db)
    assert result.exit_code == 0, result.output
    assert_counts_match_rows(db)
    con = duckdb.connect(str(db), read_only=True)
    placed = con.execute(f"SELECT sum(n) FROM {AREAS_CUBE} WHERE area_code = 'E07000110'").fetchone()
    con.close()
    assert placed is not None and placed[0] > 0
    assert_same_documents(db, FIXTURE_SCOPES)


def test_a_refused_load_leaves_the_counts_as_they_were(fresh_db: Path, tmp_path: Path) -> None:
    """A replacement that would shrink Kent 2024-01 from 30 searches to 1 is refused: nothing changes."""
    before = cube_rows(fresh_db)
    write_archive(tmp_path / "shrunk", "2024-01", "kent",
                  rows(1, "2024-01", "Person search", MAID, "18-24", WHITE, "White", S23, "Controlled drugs", NFA,
                       "False", "False"))
    write_archive(tmp_path / "shrunk", "2024-03", "essex",  # a good file in the same ingest: rolled back too
                  rows(2, "2024-03", "Person search", MAID, "18-24", WHITE, "White", S23, "Controlled drugs", NFA,
                       "False", "False"))
    result = run_ingest(tmp_path / "shrunk", "--db", fresh_db)
    assert result.exit_code != 0 and "would shrink" in result.output
    assert cube_rows(fresh_db) == before
    assert_counts_match_rows(fresh_db)


def test_a_warehouse_made_before_the_counts(fresh_db: Path, tmp_path: Path) -> None:
    """Without the prepared tables the figures come from the rows; the next write builds the tables whole."""
    con = duckdb.connect(str(fresh_db))
    for cube in CUBES:
        con.execute(f"DROP TABLE {cube.name}")
    con.close()
    backend = ibis.duckdb.connect(str(fresh_db), read_only=True)
    assert stop_table(backend, area=False).get_name() == "stop_search"
    backend.disconnect()
    assert_same_documents(fresh_db, {k: FIXTURE_SCOPES[k] for k in ("kent", "maidstone", "all")})
    write_archive(tmp_path / "more", "2024-03", "essex",
                  rows(2, "2024-03", "Person search", MAID, "18-24", WHITE, "White", S23, "Controlled drugs", NFA,
                       "False", "False"))
    assert run_ingest(tmp_path / "more", "--db", fresh_db).exit_code == 0
    assert_counts_match_rows(fresh_db)
    assert_same_documents(fresh_db, FIXTURE_SCOPES)


# ---------------------------------------------------------------------------------------------- real data

REAL_MONTHS = ("2018-04", "2018-05", "2018-06", "2018-07", "2018-08", "2018-09")
REAL_SCOPES: dict[str, tuple[Any, ...]] = {  # test_real_crosscheck.py's scopes over this warehouse
    "metropolitan-2018-self": ("metropolitan", None, "2018-04", "2018-09"),
    "metropolitan-2018-officer": ("metropolitan", None, "2018-04", "2018-09", "officer"),
    "hackney-2018": ("metropolitan", "E09000012", "2018-04", "2018-09"),
    "city-of-london-2018": ("city-of-london", None, "2018-04", "2018-09"),
    "met-city-2018": ("city-of-london,metropolitan", None, "2018-04", "2018-09"),
    "all-2018": ("all", None, "2018-04", "2018-09"),
    "metropolitan-2018-drugs": ("metropolitan", None, "2018-04", "2018-09", "self", None, "drugs"),
    "metropolitan-2018-s23": ("metropolitan", None, "2018-04", "2018-09", "self", None, None, "s23"),
    "metropolitan-2018-weapons-s1": ("metropolitan", None, "2018-04", "2018-09", "self", None, "weapons", "s1"),
    "hackney-2018-drugs": ("metropolitan", "E09000012", "2018-04", "2018-09", "self", None, "drugs"),
    "hackney-2018-s23-officer": ("metropolitan", "E09000012", "2018-04", "2018-09", "officer", None, None, "s23"),
    "london-region-2018": ("city-of-london,metropolitan", "E12000007", "2018-04", "2018-09"),
}
NATIONAL_SCOPES: dict[str, tuple[Any, ...]] = {  # test_national_real.py's
    "all-2021-09": ("all", None, "2021-09", "2021-09"),
    "all-2021-09-drugs": ("all", None, "2021-09", "2021-09", "self", None, "drugs"),
    "all-2021-09-s60-officer": ("all", None, "2021-09", "2021-09", "officer", None, None, "s60"),
    "london-forces-city": ("btp,city-of-london,metropolitan", "E09000001", "2021-09", "2021-09"),
    "london-region": ("btp,city-of-london,metropolitan", "E12000007", "2021-09", "2021-09"),
    "london-region-drugs": ("btp,city-of-london,metropolitan", "E12000007", "2021-09", "2021-09", "self", None,
                            "drugs"),
    "gwent": ("gwent", None, "2021-09", "2021-09"),
}


def _real(tmp_path_factory: pytest.TempPathFactory, name: str, required: list[Path],
          parts: list[Path]) -> Iterator[Path]:
    for path in required:
        if not path.exists():
            pytest.skip(f"real data not present at {path} (../shared/data beside the repository)")
    db = tmp_path_factory.mktemp(name) / f"{name}.duckdb"
    result = run_ingest(*parts, "--db", db)
    assert result.exit_code == 0, result.output
    yield db


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    archive = DATA / "police_uk" / "archive"
    parts = [p for m in REAL_MONTHS for p in sorted((archive / m).glob("*-stop-and-search.csv"))]
    reference = [DATA / "census2021", DATA / "geography"]
    yield from _real(tmp_path_factory, "real", [archive / REAL_MONTHS[0], *reference], [*parts, *reference])


@pytest.fixture(scope="module")
def national_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    police = DATA / "police_uk"
    parts = [*sorted((police / "archive" / "2021-09").glob("*-stop-and-search.csv")),
             *sorted((police / "archive_national" / "2021-09").glob("*-stop-and-search.csv"))]
    reference = [DATA / "census2021", DATA / "geography"]
    yield from _real(tmp_path_factory, "national", [police / "archive_national", *reference], [*parts, *reference])


@pytest.mark.shared_data
def test_real_counts_match_the_rows(real_db: Path) -> None:
    assert_counts_match_rows(real_db)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", list(REAL_SCOPES))
def test_real_same_document_on_both_paths(real_db: Path, name: str) -> None:
    by_rows, by_counts = documents(real_db, REAL_SCOPES[name])
    assert json.loads(by_rows)["searches"] > 0
    assert by_counts == by_rows


@pytest.mark.shared_data
def test_real_whether_a_scope_has_searches_is_the_same_on_both_paths(real_db: Path) -> None:
    """As on the fixture, with London (E12000007), a region answered by its authorities' code prefix, and
    months before the loaded ones (April to September 2018)."""
    outcomes = outcomes_on_both_paths(
        real_db, ("metropolitan", "city-of-london", "btp", "all"),
        (("2018-04", "2018-09"), ("2018-05", "2018-05"), ("2017-01", "2017-12")),
        (None, "E12000007", "E09000022", "E09000001"))
    assert outcomes[("metropolitan", "2018-05", "2018-05", "E12000007")].startswith("Scope(")
    assert outcomes[("metropolitan", "2017-01", "2017-12", "E12000007")].startswith("NotFound: no searches for")
    assert outcomes[("all", "2017-01", "2017-12", None)].startswith("NotFound: no searches for all")


@pytest.mark.shared_data
@pytest.mark.parametrize("name", list(NATIONAL_SCOPES))
def test_national_same_document_on_both_paths(national_db: Path, name: str) -> None:
    by_rows, by_counts = documents(national_db, NATIONAL_SCOPES[name])
    assert json.loads(by_rows)["searches"] > 0
    assert by_counts == by_rows


# ------------------------------------------------------------------------------------------ built in month spans


def spans_of(months: dict[str, int], span_rows: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`_month_spans` over a table holding `months[m]` stops in each month m (YYYY-MM-DD)."""
    from scrutiny.warehouse import aggregates

    monkeypatch.setattr(aggregates, "SPAN_ROWS", span_rows)
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE stop_search (month DATE)")
    for month, n in months.items():
        con.execute("INSERT INTO stop_search SELECT ?::DATE FROM range(?)", [month, n])
    try:
        return aggregates._month_spans(con, "stop_search")
    finally:
        con.close()


def test_month_spans_hold_whole_months_up_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    months = {"2024-03-01": 4, "2024-01-01": 3, "2024-02-01": 2}  # in no order: the spans are in month order
    jan, feb, mar = "DATE '2024-01-01'", "DATE '2024-02-01'", "DATE '2024-03-01'"
    assert spans_of(months, 100, monkeypatch) == [f"month BETWEEN {jan} AND {mar}"]
    assert spans_of(months, 5, monkeypatch) == [f"month BETWEEN {jan} AND {feb}", f"month BETWEEN {mar} AND {mar}"]
    assert spans_of(months, 4, monkeypatch) == [f"month BETWEEN {m} AND {m}" for m in (jan, feb, mar)]
    assert spans_of(months, 1, monkeypatch) == [f"month BETWEEN {m} AND {m}" for m in (jan, feb, mar)]  # a month whole
    assert spans_of({}, 5, monkeypatch) == []


def test_counts_built_a_month_at_a_time_are_the_same(fixture_db: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """With one month per statement (the first build and a later replacement) the counts equal those of one
    statement for all (fixture_db), and a fresh grouping of the rows."""
    from scrutiny.warehouse import aggregates

    monkeypatch.setattr(aggregates, "SPAN_ROWS", 1)
    db = tmp_path / "spans.duckdb"
    assert run_ingest(write_fixture(tmp_path / "in"), "--db", db).exit_code == 0
    assert cube_rows(db) == cube_rows(fixture_db)
    assert_counts_match_rows(db)
    revised = FILES[("kent", "2024-02")] + rows(1, "2024-02", "Person search", MAID, "18-24", WHITE, "White", PACE,
                                                  "Stolen goods", NFA, "False", "False")
    write_archive(tmp_path / "revised", "2024-02", "kent", revised)
    assert run_ingest(tmp_path / "revised", "--db", db).exit_code == 0
    assert_counts_match_rows(db)
