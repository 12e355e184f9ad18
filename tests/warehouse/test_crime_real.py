"""Every real street and outcomes file in ../shared/data/police_uk loads whole, and the City of London's drug
figures for 2018-04..2020-11 equal an independent pandas computation from the raw files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from scrutiny.metrics.crime import CrimeScope, compute_crime
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import shared

POLICE_UK = shared("police_uk")
CATALOGUE = Path(__file__).parents[2] / "src" / "scrutiny" / "catalog" / "crime_outcomes.csv"


def crime_files() -> list[Path]:
    return sorted([*POLICE_UK.glob("*/*/*-street.csv"), *POLICE_UK.glob("*/*/*-outcomes.csv")])


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Path, int]]:
    db = tmp_path_factory.mktemp("crime_real") / "w.duckdb"
    report = ingest_paths(crime_files(), db)
    return db, {r.path: r.rows_loaded for r in report.results if r.action == "new"}


def csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def test_every_file_loads_every_row(loaded: tuple[Path, dict[Path, int]]) -> None:
    _, rows = loaded
    files = crime_files()
    assert len(files) >= 2 and set(rows) == set(files)
    assert {p.name: rows[p] for p in files} == {p.name: csv_rows(p) for p in files}


def test_city_of_london_drugs_per_month_and_published_outcomes(loaded: tuple[Path, dict[Path, int]]) -> None:
    db, _ = loaded
    months = [f"{m:%Y-%m}" for m in pd.period_range("2018-04", "2020-11", freq="M")]
    raw = pd.concat([pd.read_csv(POLICE_UK / "archive" / m / f"{m}-city-of-london-street.csv", dtype=str,
                                 keep_default_na=False) for m in months])
    drugs = raw[raw["Crime type"] == "Drugs"]
    expected_months = drugs.groupby("Month").size().reindex(months, fill_value=0)
    classes = pd.read_csv(CATALOGUE, dtype=str).set_index("outcome_type")["class"]
    published = drugs["Last outcome category"].map(lambda t: classes.get(t, "other") if t else None)
    expected_mix = published.dropna().value_counts()

    doc = compute_crime(db, CrimeScope("city-of-london", "2018-04", "2020-11"))
    got_months = {m["month"]: m["by_type"].get("Drugs", 0) for m in doc["recorded"]["monthly"]}
    assert got_months == expected_months.to_dict()
    out = doc["outcomes"]
    assert out["crimes"] == len(drugs)
    assert {r["class"]: r["n"] for r in out["published_last_outcome"] if r["n"]} == expected_mix.to_dict()
    assert out["published_without_outcome"] == int(published.isna().sum())


@pytest.mark.parametrize(("force", "start", "end"), [
    ("city-of-london", "2023-03", "2023-03"), ("cambridgeshire", "2023-03", "2023-03"),
    ("city-of-london", "2018-04", "2020-11"),  # no outcomes file of theirs is here: none linked, as pandas says
])
def test_latest_linked_outcome_of_drug_crimes(loaded: tuple[Path, dict[Path, int]], force: str, start: str,
                                              end: str) -> None:
    db, _ = loaded
    months = [f"{m:%Y-%m}" for m in pd.period_range(start, end, freq="M")]
    street = pd.concat([pd.read_csv(path, dtype=str, keep_default_na=False) for m in months
                        for path in POLICE_UK.glob(f"*/{m}/{m}-{force}-street.csv")])
    drugs = street[street["Crime type"] == "Drugs"]
    ids = set(drugs.loc[drugs["Crime ID"] != "", "Crime ID"].str.lower())
    frames = []
    for path in POLICE_UK.glob("*/*/*-outcomes.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["force"] = path.name[8:].removesuffix("-outcomes.csv")
        frame["line"] = range(2, len(frame) + 2)
        frames.append(frame)
    events = pd.concat(frames)
    events = events[events["Crime ID"].str.lower().isin(ids)].sort_values(["Month", "force", "line"])
    latest = events.groupby("Crime ID").tail(1)
    classes = pd.read_csv(CATALOGUE, dtype=str).set_index("outcome_type")["class"]
    expected = latest["Outcome type"].map(lambda t: classes.get(t, "other")).value_counts().to_dict()

    out = compute_crime(db, CrimeScope(force, start, end))["outcomes"]
    assert (out["crimes"], out["crime_ids"]) == (len(drugs), len(ids))
    assert (out["with_outcome"], out["events"]) == (len(latest), len(events))
    assert {r["class"]: r["n"] for r in out["latest_outcome"] if r["n"]} == expected
