"""Several forces on the real shared data (docs/lens-contract.md), checked against the pandas reference.

Three warehouses, each ingested once for the module:
- `national`: every force that published 2021-09 (`police_uk/archive/2021-09/` holds btp, city-of-london,
  gwent, metropolitan and north-yorkshire; `police_uk/archive_national/2021-09/` the other 37), with
  `census2021/` and `geography/`. `--force all` must use exactly the forces of those files, and its population
  must be the sum of their residents (btp has none).
- `three`: only gwent, north-yorkshire and metropolitan from `police_uk/archive/2021-09/`; `--force all` is
  those three forces' areas.
- `months`: the archive months 2021-01..2022-12 present in `police_uk/archive/` (2021-10 and 2021-11 were
  never published there), where forces cover different months, so the person-month weighting of the
  population matters: west-midlands has 2021-01..03 only, metropolitan 2021-06..09 and 2022-09, btp and
  city-of-london 2021-01..09, gwent and north-yorkshire every month but 2021-10 and 2021-11.

Every figure must equal the reference (counts exactly, floats to a relative 1e-9), with the comparison of
test_real_crosscheck.py.
"""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.metrics import pandas_reference as ref
from tests.metrics.test_real_crosscheck import DATA, _need_data, assert_same, ingest, run_metrics

pytestmark = pytest.mark.shared_data

NATIONAL_FOLDERS = ("police_uk/archive/2021-09", "police_uk/archive_national/2021-09")
THREE_FORCES = ("gwent", "north-yorkshire", "metropolitan")
THREE_FILES = tuple(f"police_uk/archive/2021-09/2021-09-{force}-stop-and-search.csv" for force in THREE_FORCES)
MONTHS_FOLDERS = tuple(f"police_uk/archive/{m}" for m in ref.months_between("2021-01", "2022-12")
                       if (DATA / "police_uk" / "archive" / m).is_dir())
POPULATION = ("census2021", "geography")

WAREHOUSES: dict[str, tuple[str, ...]] = {
    "national": NATIONAL_FOLDERS,
    "three": THREE_FILES,
    "months": MONTHS_FOLDERS,
}

CASES: dict[str, tuple[str, ref.Scope]] = {
    "all-2021-09": ("national", ref.Scope("all", "2021-09", "2021-09")),
    "all-2021-09-drugs": ("national", ref.Scope("all", "2021-09", "2021-09", purpose="drugs")),
    "all-2021-09-s60": ("national", ref.Scope("all", "2021-09", "2021-09", power="s60")),
    "london-forces-city-2021-09": ("national", ref.Scope("metropolitan,city-of-london,btp", "2021-09", "2021-09",
                                                         area=ref.CITY_OF_LONDON)),
    # One London picture: the three London forces' searches inside Greater London (the region as an area).
    "london-region-2021-09": ("national", ref.Scope("metropolitan,city-of-london,btp", "2021-09", "2021-09",
                                                    area=ref.LONDON_REGION)),
    "london-region-2021-09-drugs": ("national", ref.Scope("metropolitan,city-of-london,btp", "2021-09", "2021-09",
                                                          area=ref.LONDON_REGION, purpose="drugs")),
    # London over 2021-01..09: the City's residents count 9/9 (city-of-london covers every month), the boroughs'
    # 4/9 (metropolitan covers 2021-06..09): one unit per authority, each weighted by its own police's months.
    "london-region-2021": ("months", ref.Scope("metropolitan,city-of-london,btp", "2021-01", "2021-09",
                                               area=ref.LONDON_REGION)),
    "three-all-2021-09": ("three", ref.Scope("all", "2021-09", "2021-09")),
    # west-midlands covers 3 of the 6 months, metropolitan 1 (2021-06); 2021-04 and 2021-05 are not covered.
    "wm-met-2021h1": ("months", ref.Scope("west-midlands,metropolitan", "2021-01", "2021-06")),
    "wm-met-2021h1-weapons": ("months", ref.Scope("west-midlands,metropolitan", "2021-01", "2021-06",
                                                  purpose="weapons")),
    "wm-met-2021h1-hackney": ("months", ref.Scope("west-midlands,metropolitan", "2021-01", "2021-06",
                                                  area="E09000012")),
    # 24 months: gwent and north-yorkshire miss 2021-10 and 2021-11, btp (no residents) has 9; 13 rolling windows.
    "btp-gwent-ny-2021-2022": ("months", ref.Scope("btp,gwent,north-yorkshire", "2021-01", "2022-12")),
    # One force without targets; quarters clipped to the period (2021 Q1 is Feb-Mar, 2022 Q1 Jan-Feb).
    "gwent-2021-02-2022-02": ("months", ref.Scope("gwent", "2021-02", "2022-02")),
}


def _files(warehouse: str) -> tuple[Path, ...]:
    parts = WAREHOUSES[warehouse]
    return ref.stop_search_files(DATA, *parts) if parts else ()


def _rows(files: tuple[Path, ...]) -> int:
    """Data rows of the files, counted with the csv module (not pandas): every row is a search."""
    total = 0
    for path in files:
        with path.open(encoding="utf-8", newline="") as f:
            total += sum(1 for _ in csv.reader(f)) - 1
    return total


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory, runner: CliRunner) -> Any:
    """Each warehouse ingested once, on first use."""
    _need_data("police_uk/archive", *NATIONAL_FOLDERS, *POPULATION)
    root = tmp_path_factory.mktemp("national")
    dbs: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in dbs:
            db = root / f"{name}.duckdb"
            ingest(runner, db, *(DATA / part for part in (*WAREHOUSES[name], *POPULATION)))
            dbs[name] = db
        return dbs[name]

    return get


@pytest.fixture(scope="module")
def metrics(warehouses: Any, runner: CliRunner) -> Any:
    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            warehouse, scope = CASES[name]
            cache[name] = run_metrics(runner, scope, warehouses(warehouse))
        return cache[name]

    return get


@pytest.fixture(scope="module")
def reference() -> Any:
    _need_data("police_uk/archive", *NATIONAL_FOLDERS, *POPULATION)
    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            warehouse, scope = CASES[name]
            cache[name] = ref.compute(scope, DATA, _files(warehouse))
        return cache[name]

    return get


def _residents(forces: list[str], group: str) -> int:
    return sum(r[group] for f in forces if (r := ref.force_residents(f, DATA)) is not None)


# ----------------------------------------------------------------------------------------------- tests


def test_the_national_month_holds_every_force_that_published() -> None:
    """The data as README describes it: 42 forces in the two folders, no force in both."""
    _need_data(*NATIONAL_FOLDERS)
    by_folder = [ref.forces_in_files(ref.stop_search_files(DATA, folder), "2021-09", "2021-09")
                 for folder in NATIONAL_FOLDERS]
    assert not set(by_folder[0]) & set(by_folder[1])
    assert len(by_folder[0]) + len(by_folder[1]) == 42
    assert "greater-manchester" not in by_folder[0] + by_folder[1]


@pytest.mark.parametrize("name", list(CASES))
def test_metrics_match_the_pandas_reference(name: str, metrics: Any, reference: Any) -> None:
    assert_same(reference(name), metrics(name), name)


def test_reference_national_population_is_the_forces_of_the_files(reference: Any) -> None:
    """The reference itself: all forces of the files, every row a search, population summed over those forces."""
    files = _files("national")
    forces = ref.forces_in_files(files, "2021-09", "2021-09")
    document = reference("all-2021-09")
    assert document["scope"]["forces"] == forces
    assert document["searches"] == _rows(files)
    for entry in document["disproportionality"]:
        assert entry["population"] == _residents(forces, entry["group"]), entry["group"]
    northamptonshire = ref.force_residents("northamptonshire", DATA)
    assert northamptonshire == ref.population_by_police_force_area(DATA)["E23000022"]  # codes changed in 2021


def test_national_uses_every_force_of_the_files(metrics: Any) -> None:
    files = _files("national")
    forces = ref.forces_in_files(files, "2021-09", "2021-09")
    document = metrics("all-2021-09")
    assert document["scope"]["force"] == "all"
    assert document["scope"]["forces"] == forces
    assert document["searches"] == _rows(files)
    got = {d["group"]: d["population"] for d in document["disproportionality"]}
    assert got == {g: _residents(forces, g) for g in ref.GROUPS}
    assert {c["force"] for c in document["coverage"]} == set(forces)
    assert [c["force"] for c in document["coverage"] if not c["residents"]] == ["btp"]
    assert document["targets"] == [] and document["targets_note"]


def test_three_forces_population_is_their_areas(metrics: Any) -> None:
    document = metrics("three-all-2021-09")
    assert document["scope"]["forces"] == sorted(THREE_FORCES)
    assert document["searches"] == _rows(_files("three"))
    got = {d["group"]: d["population"] for d in document["disproportionality"]}
    assert got == {g: _residents(list(THREE_FORCES), g) for g in ref.GROUPS}


def test_person_month_weighting(metrics: Any) -> None:
    """west-midlands counts 3/6 of its residents, metropolitan 1/6; the population is exact (int or float)."""
    document = metrics("wm-met-2021h1")
    assert document["scope"]["forces"] == ["metropolitan", "west-midlands"]
    wm, met = ref.force_residents("west-midlands", DATA), ref.force_residents("metropolitan", DATA)
    assert wm is not None and met is not None
    for entry in document["disproportionality"]:
        g = entry["group"]
        assert entry["population"] == pytest.approx(float(Fraction(wm[g] * 3 + met[g], 6)), rel=1e-12), g
    covered = {m["month"]: m["covered"] for m in document["monthly"]}
    assert covered == {"2021-01": True, "2021-02": True, "2021-03": True, "2021-04": False, "2021-05": False,
                       "2021-06": True}
    assert all(m["searches"] is None for m in document["monthly"] if not m["covered"])
