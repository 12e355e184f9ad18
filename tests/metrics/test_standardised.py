"""Age-sex standardised ratios to White (scrutiny.metrics.standardised): the arithmetic by hand on a tiny area,
the same area through a real warehouse (Census fixture ingested, stops inserted), the interval's coverage by
simulation with a fixed seed, and London boroughs on the real shared data against an independent pandas and
shapely computation from the published files."""

from __future__ import annotations

import csv
import json
import math
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import pytest

from scrutiny.metrics.scope import Scope
from scrutiny.metrics.standardised import (
    BANDS,
    STRATA,
    TEST,
    AreaCounts,
    standardise,
    standardised_document,
    standardised_ratios,
)
from scrutiny.warehouse import aggregates
from scrutiny.warehouse.connect import connect
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import shared

Z = 1.96
A, B, C = ("18-24", "Male"), ("over 34", "Male"), ("10-17", "Female")


# ---------------------------------------------------------------- the arithmetic, by hand


def tiny_area() -> AreaCounts:
    """Three strata with residents: A (men 18-24), B (men over 34), C (women 10-17).

    Residents: Black A 1000, B 1000, C 0; White A 1000, B 4000, C 500; Mixed A 100, B 250 (so A:B stays 2:5).
    Person searches: Black A 40, B 10, C 3 (in a stratum with no Black residents: Census rounding);
    White A 20, B 40, C 5; Mixed A 5, B 4. No Asian or Other residents at all.
    """
    residents = {("Black", *A): 1000, ("Black", *B): 1000, ("White", *A): 1000, ("White", *B): 4000,
                 ("White", *C): 500, ("Mixed", *A): 100, ("Mixed", *B): 250}
    searches = {("Black", *A): 40, ("Black", *B): 10, ("Black", *C): 3, ("White", *A): 20, ("White", *B): 40,
                ("White", *C): 5, ("Mixed", *A): 5, ("Mixed", *B): 4}
    return AreaCounts(searches, residents)


def test_black_against_white_by_hand() -> None:
    figures = standardise(tiny_area())
    black = figures.groups["Black"]
    # C has no Black residents, so Black vs White uses A and B only. All residents: A 2100, B 5250, so the
    # weights renormalised over A and B are 2/7 and 5/7.
    # Black rates: A 40/1000 = .04, B 10/1000 = .01 -> SR = 2/7 * .04 + 5/7 * .01 = .13/7
    # White rates: A 20/1000 = .02, B 40/4000 = .01 -> SR = 2/7 * .02 + 5/7 * .01 = .09/7
    assert black["ratio"] == pytest.approx(13 / 9, rel=1e-12)
    # Var(SR) = Σ w² a / R²: Black (4/49 * 40 + 25/49 * 10) / 1e6 = 410 / 49e6, over SR² = .0169/49 -> 41/1690;
    # White (4/49 * 20 / 1e6 + 25/49 * 40 / 16e6) = 142.5e-6 / 49, over SR² = .0081/49 -> 19/1080.
    spread = Z * math.sqrt(41 / 1690 + 19 / 1080)
    assert black["low"] == pytest.approx(13 / 9 * math.exp(-spread), rel=1e-12)
    assert black["high"] == pytest.approx(13 / 9 * math.exp(spread), rel=1e-12)
    # 1.96 √(.024260 + .017593) = .40098; 13/9 x e^∓.40098 = 0.9673, 2.1569
    assert black["low"] == pytest.approx(0.9673, abs=5e-4) and black["high"] == pytest.approx(2.1569, abs=5e-4)
    # Crude over the same strata: (50 / 2000) / (60 / 5000) = 25/12: a third of it is age and sex make-up.
    assert black["crude_ratio"] == pytest.approx(25 / 12, rel=1e-12)
    assert black["searches_used"] == 50 and black["suppressed"] is False


def test_suppression_zero_residents_and_weights() -> None:
    figures = standardise(tiny_area())
    # Mixed: 5 + 4 = 9 searches, fewer than 10: no figure.
    assert figures.groups["Mixed"] == {"ratio": None, "low": None, "high": None, "crude_ratio": None,
                                       "suppressed": True, "searches_used": 9}
    for group in ("Asian", "Other"):  # no residents anywhere: every stratum left out, nothing to compare
        assert figures.groups[group]["suppressed"] is True and figures.groups[group]["searches_used"] == 0
    # White's own row: every White search in a stratum with White residents, 20 + 40 + 5.
    assert figures.groups["White"] == {"ratio": 1.0, "low": None, "high": None, "crude_ratio": 1.0,
                                       "suppressed": False, "searches_used": 65}
    weights = {(w["age_range"], w["sex"]): w["weight"] for w in figures.weights}
    assert list(weights) == list(STRATA) and len(STRATA) == 10
    assert weights[A] == pytest.approx(2100 / 7850) and weights[B] == pytest.approx(5250 / 7850)
    assert weights[C] == pytest.approx(500 / 7850) and sum(weights.values()) == pytest.approx(1)
    black_note = next(n for n in figures.notes if n.startswith("Black against White"))
    assert "1 age and sex group(s) (female 10-17)" in black_note and "the 8 searches there" in black_note


def test_no_residents_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no residents"):
        standardise(AreaCounts({("Black", *A): 12}, {}))


def test_interval_covers_the_true_ratio_95_percent_of_the_time() -> None:
    """Poisson searches from known stratum rates (seed fixed): the interval should hold the true ratio in about
    95% of 2,000 draws; 0.935-0.965 is ±3 binomial standard errors."""
    rng = np.random.default_rng(20240917)
    strata = [(band, sex) for band in BANDS for sex in ("Female", "Male")]
    black_pop = np.array([3000, 3100, 2500, 2600, 1800, 1700, 2400, 2300, 9000, 8000])
    white_pop = np.array([5000, 5200, 3000, 3100, 2500, 2400, 6000, 5800, 30000, 28000])
    black_rate = np.array([0, 1, 4, 30, 3, 60, 2, 25, 0.2, 4]) / 1000
    white_rate = np.array([0, 0.5, 2, 12, 1, 20, 1, 10, 0.1, 2]) / 1000
    w = (black_pop + white_pop) / (black_pop + white_pop).sum()
    truth = float((w * black_rate).sum() / (w * white_rate).sum())
    residents = {("Black", *k): int(n) for k, n in zip(strata, black_pop, strict=True)} | {
        ("White", *k): int(n) for k, n in zip(strata, white_pop, strict=True)}
    hits = 0
    draws = 2000
    for _ in range(draws):
        b = rng.poisson(black_pop * black_rate)
        c = rng.poisson(white_pop * white_rate)
        searches = {("Black", *k): int(n) for k, n in zip(strata, b, strict=True)} | {
            ("White", *k): int(n) for k, n in zip(strata, c, strict=True)}
        row = standardise(AreaCounts(searches, residents)).groups["Black"]
        hits += row["low"] <= truth <= row["high"]
    assert 0.935 <= hits / draws <= 0.965


# ---------------------------------------------------------------- through a warehouse


GROUP_COLUMNS = {  # one Census category per group is enough: the reader sums categories under a heading
    "Asian": "Asian, Asian British or Asian Welsh: Indian",
    "Black": "Black, Black British, Black Welsh, Caribbean or African: African",
    "Mixed": "Mixed or Multiple ethnic groups: White and Asian",
    "White": "White: English, Welsh, Scottish, Northern Irish or British",
    "Other": "Other ethnic group: Arab",
}
HACKNEY = "E09000012"


def census_file(folder: Path) -> Path:
    """The tiny area as a Census-by-age-and-sex file: everyone of a stratum at one single year of age (A at 20,
    B at 40, C at 12), two lines per age to show years are summed within a band (20 and 21, ...)."""
    people = tiny_area().residents
    header = ["Geography Code", "Geography Name", "Age"] + [
        f"{GROUP_COLUMNS[g]} {sex}" for g in GROUP_COLUMNS for sex in ("Female", "Male")]
    lines = []
    for (band, sex), ages in ((A, (20, 21)), (B, (40, 41)), (C, (12, 13))):
        for age in ages:
            cells = []
            for group in GROUP_COLUMNS:
                for s in ("Female", "Male"):
                    n = people.get((group, band, sex), 0) if s == sex else 0
                    cells.append("c" if (group, s, age) == ("Other", "Female", 12) else str(n // 2))
            lines.append([HACKNEY, "Hackney", str(age), *cells])
    path = folder / "age_sex.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *lines])
    return path


def stop_rows() -> list[tuple[Any, ...]]:
    """The tiny area's person searches, plus searches the ratios must leave out (counted in `left_out`)."""
    by_stratum = {A: ("18-24", "Male"), B: ("over 34", "Male"), C: ("10-17", "Female")}
    rows: list[tuple[Any, ...]] = []
    for (group, band, sex), n in tiny_area().searches.items():
        age, gender = by_stratum[(band, sex)]
        rows += [("Person search", group, age, gender, HACKNEY)] * n
    rows += [("Person search", "Black", None, "Male", HACKNEY)] * 7  # no age
    rows += [("Person search", "White", "18-24", None, HACKNEY)] * 4  # no gender
    rows += [("Person search", "Black", "over 34", "Other", HACKNEY)] * 2  # gender Other
    rows += [("Person search", "White", None, None, HACKNEY)] * 1  # neither
    rows += [("Person search", "unknown", "18-24", "Male", HACKNEY)] * 6  # no ethnicity
    rows += [("Vehicle search", "Black", None, None, HACKNEY)] * 9  # no person: not a person search
    rows += [("Person search", "Black", "18-24", "Male", "E09000022")] * 11  # another area
    return rows


@pytest.fixture
def tiny_db(tmp_path: Path) -> Path:
    db = tmp_path / "tiny.duckdb"
    ingest_paths([census_file(tmp_path)], db)
    con = connect(db)
    try:
        for i, (kind, group, age, gender, area) in enumerate(stop_rows()):
            con.execute(
                "INSERT INTO stop_search (force, month, search_type, gender, age_range, self_defined_group, "
                "officer_defined_group, outcome_class, area_code, area_name, source_id, source_row) "
                "VALUES ('metropolitan', DATE '2018-04-01', ?, ?, ?, ?, ?, 'no_further_action', ?, ?, 1, ?)",
                [kind, gender, age, group, group, area, "Hackney" if area == HACKNEY else "Lambeth", i + 2])
        # rows written by hand, not by ingest: bring the prepared counts up to date as an ingest would
        aggregates.refresh(con, [("metropolitan", date(2018, 4, 1))])
    finally:
        con.close()
    return db


def run(db: Path, areas: list[str], end: str = "2018-04") -> dict[str, dict[str, Any]]:
    backend = ibis.duckdb.connect(str(db), read_only=True)
    try:
        return standardised_ratios(backend, Scope("metropolitan", None, "2018-04", end), areas)
    finally:
        backend.disconnect()


def test_census_sex_is_loaded_and_a_second_load_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "census.duckdb"
    path = census_file(tmp_path)
    first = ingest_paths([path], db)
    counted = "SELECT sex, count(*), sum(residents) FROM population GROUP BY sex ORDER BY sex"
    con = duckdb.connect(str(db), read_only=True)
    before = con.execute(counted).fetchall()
    con.close()
    # 6 lines x 5 groups per sex; residents: women 500 (White C, halved over two lines: 250 + 250); men the
    # rest: 1000 + 1000 + 1000 + 4000 + 100 + 250.
    assert before == [("Female", 30, 500), ("Male", 30, 7350)]
    second = ingest_paths([path], db)
    assert [r.action for r in first.results] == ["new"] and [r.action for r in second.results] == ["unchanged"]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(counted).fetchall() == before
    con.close()


def test_through_the_warehouse_equals_the_hand_figures(tiny_db: Path) -> None:
    out = run(tiny_db, [HACKNEY, "E09000022"])
    hackney = out[HACKNEY]
    assert hackney["available"] is True
    by_hand = standardise(tiny_area()).groups
    assert hackney["groups"]["Black"]["ratio"] == pytest.approx(13 / 9, rel=1e-12)
    assert hackney["groups"] == by_hand
    assert hackney["left_out"] == {"person_searches": 127 + 7 + 4 + 2 + 1 + 6, "unknown_ethnicity": 6,
                                   "no_age": 7 + 1, "no_gender": 4 + 1, "gender_other": 2, "no_age_or_sex": 14}
    notes = " ".join(hackney["notes"])
    assert "14 person searches of a known group are left out" in notes
    assert "only searches with a known age and sex" in notes
    assert "hides 1 small cells" in notes  # the `c` for Other women aged 12
    # Lambeth has searches but no Census by age and sex here.
    assert out["E09000022"]["available"] is False
    assert out["E09000022"]["refused"] == ["No Census by age and sex is loaded for E09000022."]
    json.dumps(out, allow_nan=False)  # JSON-safe: no NaN or infinity


def test_officer_basis_and_document_shape(tiny_db: Path) -> None:
    backend = ibis.duckdb.connect(str(tiny_db), read_only=True)
    try:
        doc = standardised_document(backend, Scope("metropolitan", None, "2018-04", "2018-04", ethnicity="officer"),
                                    [HACKNEY])
    finally:
        backend.disconnect()
    for key in ("test", "scope", "available", "refused", "figures", "assumptions", "can_show", "cannot_show",
                "notes", "method"):
        assert key in doc
    assert doc["test"] == TEST and doc["available"] is True and doc["refused"] == []
    assert doc["scope"]["ethnicity"] == "officer"
    # The officer-defined group equals the self-defined one in these rows, so the figures are the same.
    assert doc["figures"]["areas"][HACKNEY]["groups"]["Black"]["ratio"] == pytest.approx(13 / 9, rel=1e-12)
    assert "Breslow and Day" in doc["method"]
    json.dumps(doc, allow_nan=False)


def test_a_warehouse_loaded_before_sex_was_kept_is_refused(tiny_db: Path) -> None:
    con = connect(tiny_db)
    con.execute("UPDATE population SET sex = NULL")
    con.close()
    refused = run(tiny_db, [HACKNEY])[HACKNEY]
    assert refused["available"] is False and "did not keep residents' sex" in refused["refused"][0]


# ---------------------------------------------------------------- the real shared data


MONTHS = ("2018-04", "2018-05", "2018-06")
BOROUGHS = {"E09000012": "Hackney", "E09000022": "Lambeth", "E09000028": "Southwark", "E09000025": "Newham",
            "E09000030": "Tower Hamlets"}


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = [shared("police_uk", "archive", m, f"{m}-metropolitan-stop-and-search.csv") for m in MONTHS]
    files += [shared("census2021", "ethnicity_age_sex_by_local_authority.csv"),
              shared("geography", "london_boroughs.geojson")]
    db = tmp_path_factory.mktemp("standardised") / "real.duckdb"
    ingest_paths(files, db)
    return db


def independent_hackney() -> tuple[float, int, int]:
    """Hackney's Black/White standardised ratio from the published files alone: stops placed with shapely in
    the borough's outline, Census cells summed by the first word of their heading and the last of the header."""
    import shapely
    from shapely.geometry import shape

    features = json.loads(shared("geography", "london_boroughs.geojson").read_text(encoding="utf-8"))["features"]
    outline = next(shape(f["geometry"]) for f in features if f["properties"]["CODE"] == "E09000012")
    bands = {"under 10": range(0, 10), "10-17": range(10, 18), "18-24": range(18, 25), "25-34": range(25, 35),
             "over 34": range(35, 101)}
    searches: dict[tuple[str, str, str], int] = {}
    for month in MONTHS:
        path = shared("police_uk", "archive", month, f"{month}-metropolitan-stop-and-search.csv")
        with path.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                if not (r["Longitude"] and r["Latitude"]) or r["Type"] == "Vehicle search":
                    continue
                if not shapely.covers(outline, shapely.Point(float(r["Longitude"]), float(r["Latitude"]))):
                    continue
                # "Black/African/Caribbean/Black British - African" -> Black; "White - Irish" -> White
                group = r["Self-defined ethnicity"].split(" - ")[0].split("/")[0].split(" ")[0]
                if group in ("Black", "White") and r["Age range"] in bands and r["Gender"] in ("Female", "Male"):
                    key = (group, r["Age range"], r["Gender"])
                    searches[key] = searches.get(key, 0) + 1
    residents: dict[tuple[str, str, str], int] = {}
    everyone: dict[tuple[str, str], int] = {}
    with shared("census2021", "ethnicity_age_sex_by_local_authority.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        for line in reader:
            if line[0] != "E09000012":
                continue
            age = 100 if line[2] == "100 or over" else int(line[2])
            band = next(b for b, years in bands.items() if age in years)
            for name, cell in zip(header[3:], line[3:], strict=True):
                group, sex = name.split()[0].rstrip(",:"), name.rsplit(" ", 1)[1]
                n = 0 if cell == "c" else int(cell)
                residents[(group, band, sex)] = residents.get((group, band, sex), 0) + n
                everyone[(band, sex)] = everyone.get((band, sex), 0) + n
    total = sum(everyone.values())
    rates = {g: sum(everyone[(b, s)] / total * searches.get((g, b, s), 0) / residents[(g, b, s)]
                    for b in bands for s in ("Female", "Male")) for g in ("Black", "White")}
    used = {g: sum(n for k, n in searches.items() if k[0] == g) for g in ("Black", "White")}
    return rates["Black"] / rates["White"], used["Black"], used["White"]


@pytest.mark.shared_data
def test_london_boroughs_real(real_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.perf_counter()
    out = run(real_db, list(BOROUGHS), end=MONTHS[-1])
    seconds = time.perf_counter() - started
    ratio, black, white = independent_hackney()
    hackney = out["E09000012"]["groups"]
    assert hackney["Black"]["searches_used"] == black and hackney["White"]["searches_used"] == white
    assert hackney["Black"]["ratio"] == pytest.approx(ratio, rel=1e-9)
    rows = []
    for code, name in BOROUGHS.items():
        area = out[code]
        assert area["available"] is True
        b = area["groups"]["Black"]
        assert b["suppressed"] is False and b["low"] < b["ratio"] < b["high"]
        rows.append(f"{name:<14} {b['crude_ratio']:6.2f} {b['ratio']:6.2f}  [{b['low']:.2f}, {b['high']:.2f}]  "
                    f"{b['searches_used']:>6,} {area['groups']['White']['searches_used']:>6,} "
                    f"{area['left_out']['no_age_or_sex']:>6,}")
    with capsys.disabled():
        print(f"\nBlack vs White, Metropolitan Police {MONTHS[0]}..{MONTHS[-1]} ({seconds:.2f} s for 5 boroughs)")
        print("borough         crude  std.   95% interval     Black  White  no age/sex")
        print("\n".join(rows))
