"""Every `crime` figure of the hand-made fixture (tests/crime_fixture.py), counted by eye from its table."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from scrutiny.errors import BadInput, NotFound
from scrutiny.metrics.crime import CrimeScope, compute_crime, compute_outcome_mix
from scrutiny.warehouse.ingest import ingest_paths
from tests.crime_fixture import write_fixture

CENSUS = Path(__file__).parents[1] / "fixtures" / "census" / "ts022_small.csv"  # names Hackney and Lambeth


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson 95% interval, written out here from its formula."""
    z = 1.96  # the project rounds z to 1.96 (docs/metrics.md)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crime")
    write_fixture(folder)
    db = folder / "w.duckdb"
    ingest_paths([folder], db)
    ingest_paths([CENSUS], db)  # names the authorities after the crimes are in: load order does not matter
    return db


def doc(db: Path, **scope: Any) -> dict[str, Any]:
    return compute_crime(db, CrimeScope(**{"force": "metropolitan", "start": "2024-01", "end": "2024-03", **scope}))


def test_recorded_crimes_by_type_and_month_with_asb_apart(warehouse: Path) -> None:
    recorded = doc(warehouse)["recorded"]
    assert recorded["crimes"] == 6 and recorded["anti_social_behaviour"] == 1
    assert recorded["by_type"] == [{"type": "Drugs", "crimes": 4}, {"type": "Burglary", "crimes": 1},
                                   {"type": "Violence and sexual offences", "crimes": 1}]
    assert [(m["month"], m["crimes"], m["anti_social_behaviour"]) for m in recorded["monthly"]] == [
        ("2024-01", 3, 1), ("2024-02", 2, 0), ("2024-03", 1, 0)]
    assert recorded["monthly"][0]["by_type"] == {"Drugs": 2, "Burglary": 1}


def test_latest_outcome_of_each_drug_crime(warehouse: Path) -> None:
    out = doc(warehouse)["outcomes"]
    assert (out["crime_type"], out["crimes"], out["crime_ids"], out["with_outcome"], out["not_linked_yet"]) == (
        "Drugs", 4, 4, 4, 0)
    latest = {row["class"]: row["n"] for row in out["latest_outcome"] if row["n"]}
    assert latest == {"court_result": 1, "drugs_warning": 1, "no_suspect": 1, "community_resolution": 1}
    row = next(r for r in out["latest_outcome"] if r["class"] == "court_result")
    assert (row["of"], row["share"]) == (4, 0.25)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(1, 4))


def test_the_mix_alone_is_the_documents(warehouse: Path) -> None:
    mix = compute_outcome_mix(warehouse, CrimeScope("metropolitan", "2024-01", "2024-03"))
    latest = {row["class"]: row["n"] for row in mix["latest_outcome"] if row["n"]}
    assert latest == {"court_result": 1, "drugs_warning": 1, "no_suspect": 1, "community_resolution": 1}
    assert mix == doc(warehouse)["outcomes"]


def test_every_outcome_event_is_kept(warehouse: Path) -> None:
    out = doc(warehouse)["outcomes"]
    assert out["events"] == 5  # A1 twice, A2, B1, C1; X names no published crime
    events = {row["class"]: row["n"] for row in out["outcome_events"] if row["n"]}
    assert events == {"charged": 1, "court_result": 1, "drugs_warning": 1, "no_suspect": 1,
                      "community_resolution": 1}


def test_charged_and_no_further_action_shares(warehouse: Path) -> None:
    out = doc(warehouse)["outcomes"]
    assert (out["charged"]["n"], out["charged"]["of"], out["charged"]["share"]) == (1, 4, 0.25)
    assert (out["charged"]["ci_low"], out["charged"]["ci_high"]) == pytest.approx(wilson(1, 4))
    assert (out["no_further_action"]["n"], out["no_further_action"]["of"]) == (1, 4)


def test_months_from_crime_to_first_outcome(warehouse: Path) -> None:
    delay = doc(warehouse)["outcomes"]["months_to_first_outcome"]
    assert (delay["median"], delay["crimes"], delay["before_crime_month"]) == (1, 4, 0)
    assert [b["crimes"] for b in delay["distribution"]] == [0, 3, 1, 0, 0, 0]


def test_linking_per_force_month(warehouse: Path) -> None:
    assert doc(warehouse)["linking"] == [
        {"force": "metropolitan", "month": "2024-01", "crimes": 3, "crimes_with_outcome": 2, "outcomes": 0,
         "outcomes_linked": 0},
        {"force": "metropolitan", "month": "2024-02", "crimes": 2, "crimes_with_outcome": 1, "outcomes": 2,
         "outcomes_linked": 2},
        {"force": "metropolitan", "month": "2024-03", "crimes": 1, "crimes_with_outcome": 1, "outcomes": 3,
         "outcomes_linked": 2},
    ]


def test_outcomes_not_loaded_yet_are_not_linked(tmp_path: Path) -> None:
    write_fixture(tmp_path)
    db = tmp_path / "w.duckdb"
    ingest_paths([p for p in tmp_path.rglob("*.csv") if "2024-05" not in p.name], db)
    out = doc(db)["outcomes"]
    assert (out["with_outcome"], out["not_linked_yet"]) == (3, 1)  # C1's outcome comes in 2024-05


def test_drug_searches_per_drug_crime_over_months_with_both(warehouse: Path) -> None:
    searches = doc(warehouse)["drug_searches"]
    assert (searches["searches"], searches["drug_crimes"], searches["months"]) == (3, 2, ["2024-01"])
    assert searches["per_drug_crime"] == 1.5


def test_an_authority_by_name_or_code(warehouse: Path) -> None:
    by_name = doc(warehouse, area="hackney")
    assert (by_name["scope"]["area"], by_name["scope"]["area_name"]) == ("E09000012", "Hackney")
    assert by_name["recorded"]["crimes"] == 3 and by_name["recorded"]["anti_social_behaviour"] == 1
    lambeth = doc(warehouse, area="E09000022")
    assert lambeth["recorded"]["by_type"] == [{"type": "Burglary", "crimes": 1}, {"type": "Drugs", "crimes": 1}]
    assert lambeth["outcomes"]["crimes"] == 1  # C1; B1 has no location, so no authority


def test_a_crime_type_narrows_every_figure(warehouse: Path) -> None:
    burglary = doc(warehouse, crime_type="burglary")
    assert burglary["scope"]["type"] == "Burglary"
    assert (burglary["recorded"]["crimes"], burglary["recorded"]["anti_social_behaviour"]) == (1, 0)
    assert (burglary["outcomes"]["crime_type"], burglary["outcomes"]["with_outcome"]) == ("Burglary", 0)
    assert burglary["drug_searches"] is None


def test_mistakes_are_clear_errors(warehouse: Path) -> None:
    with pytest.raises(BadInput, match="unknown crime type 'Drug'; types loaded: Anti-social behaviour, Burglary"):
        doc(warehouse, crime_type="Drug")
    with pytest.raises(NotFound, match=r"unknown area 'Camden'.*Hackney, Lambeth"):
        doc(warehouse, area="Camden")
    with pytest.raises(NotFound, match="no street crime for kent from 2024-01 to 2024-03; months loaded for kent: no"):
        doc(warehouse, force="kent")
    with pytest.raises(BadInput, match="did you mean metropolitan"):
        doc(warehouse, force="met")
