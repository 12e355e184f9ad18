"""London drug offences, possession against trafficking (metrics.london_drugs): every figure of a hand-made file
asserted exactly, and Hackney's 2019 against the raw MPS file read with Python's csv module."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pytest

from scrutiny.errors import BadInput, NotFound
from scrutiny.metrics.london_drugs import compute_london_drugs
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import FIXTURES, shared

EARLY = FIXTURES / "mps" / "recorded_crime_2023-01..2023-03.csv"
LATER = FIXTURES / "mps" / "recorded_crime_2023-03..2023-04.csv"


def wilson_roots(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson interval as the two roots p of (hits/n - p)^2 = z^2 p (1 - p) / n, by the quadratic formula."""
    p_hat, k = hits / n, z * z / n
    a, b, c = 1 + k, -(2 * p_hat + k), p_hat * p_hat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def figures(possession: int, trafficking: int) -> dict[str, object]:
    total = possession + trafficking
    low, high = wilson_roots(possession, total)
    return {"possession": possession, "trafficking": trafficking, "other": 0, "drug_offences": total,
            "possession_share": {"n": possession, "of": total, "share": pytest.approx(possession / total),
                                 "ci_low": pytest.approx(low), "ci_high": pytest.approx(high)}}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    ingest_paths([EARLY], path)
    return path


def test_one_borough_by_month_with_the_share_that_is_possession(db: Path) -> None:
    got = compute_london_drugs(db, "2023-01", "2023-03", "Hackney")
    assert got["scope"] == {"area": "E09000012", "area_name": "Hackney", "from": "2023-01", "to": "2023-03"}
    assert got["monthly"] == [{"month": "2023-01", **figures(30, 5)}, {"month": "2023-02", **figures(25, 0)},
                              {"month": "2023-03", **figures(20, 10)}]
    assert got["totals"] == figures(75, 15)  # the burglary row is not a drug offence
    assert got["totals"]["possession_share"]["share"] == pytest.approx(5 / 6)
    assert got["by_borough"] == [] and got["months_not_loaded"] == []
    assert compute_london_drugs(db, "2023-01", "2023-03", " e09000012 ")["totals"] == got["totals"]
    assert compute_london_drugs(db, "2023-02", "2023-02", "HACKNEY")["totals"] == figures(25, 0)


def test_all_london_counts_every_row_and_splits_by_borough(db: Path) -> None:
    got = compute_london_drugs(db, "2023-01", "2023-03")
    assert got["scope"]["area"] is None and got["scope"]["area_name"] == "London"
    assert [m["drug_offences"] for m in got["monthly"]] == [86, 76, 72]
    assert got["totals"] == figures(198, 36)
    assert got["by_borough"] == [
        {"la_code": "E09000012", "borough_name": "Hackney", **figures(75, 15)},
        {"la_code": "E09000022", "borough_name": "Lambeth", **figures(120, 20)},
        {"la_code": None, "borough_name": "Unknown", **figures(3, 1)}]
    assert compute_london_drugs(db, "2023-01", "2023-03", "all")["totals"] == got["totals"]


def test_months_with_no_file_are_listed_not_counted_as_zero(db: Path) -> None:
    got = compute_london_drugs(db, "2022-11", "2023-02", "Lambeth")
    assert [m["month"] for m in got["monthly"]] == ["2023-01", "2023-02"]
    assert got["months_not_loaded"] == ["2022-11", "2022-12"]
    assert got["totals"] == figures(84, 16)


def test_an_overlapping_later_file_is_counted_once(db: Path) -> None:
    ingest_paths([LATER], db)
    got = compute_london_drugs(db, "2023-01", "2023-04", "Hackney")
    assert [(m["month"], m["possession"], m["trafficking"]) for m in got["monthly"]] == [
        ("2023-01", 30, 5), ("2023-02", 25, 0), ("2023-03", 21, 9), ("2023-04", 22, 8)]


def test_bad_questions_are_errors_with_a_reason(db: Path, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"no London borough 'City of London'.*its own police force"):
        compute_london_drugs(db, "2023-01", "2023-03", "City of London")
    with pytest.raises(NotFound, match=r"no London borough 'Hackny'.*boroughs loaded: Hackney, Lambeth"):
        compute_london_drugs(db, "2023-01", "2023-03", "Hackny")
    with pytest.raises(NotFound, match=re.escape("no MPS recorded crime from 2024-01 to 2024-02; months loaded: "
                                                 "2023-01..2023-03")):
        compute_london_drugs(db, "2024-01", "2024-02")
    with pytest.raises(BadInput, match="bad month '2023-13'"):
        compute_london_drugs(db, "2023-13", "2024-02")
    with pytest.raises(BadInput, match="--from 2023-03 is after --to 2023-01"):
        compute_london_drugs(db, "2023-03", "2023-01")
    empty = tmp_path / "empty.duckdb"
    ingest_paths([FIXTURES / "geography" / "la_force_small.csv"], empty)
    with pytest.raises(NotFound, match="no MPS recorded crime loaded"):
        compute_london_drugs(empty, "2023-01", "2023-03")


def raw_hackney_2019(path: Path) -> dict[str, int]:
    """Hackney's 2019 drug offences by MinorText, summed straight from the published wide file."""
    out: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = [c for c in reader.fieldnames or [] if c.startswith("2019")]
        assert len(columns) == 12
        for row in reader:
            if row["BoroughName"] == "Hackney" and row["MajorText"] == "DRUG OFFENCES":
                out[row["MinorText"]] = sum(int(row[c]) for c in columns)
    return out


def test_hackney_2019_equals_the_raw_file(tmp_path: Path) -> None:
    context = shared("context")
    files = sorted(context.glob("mps_recorded_crime_by_borough_*.csv"))
    db = tmp_path / "w.duckdb"
    ingest_paths(files, db)
    raw = raw_hackney_2019(context / "mps_recorded_crime_by_borough_2010-2024.csv")
    assert set(raw) == {"POSSESSION OF DRUGS", "TRAFFICKING OF DRUGS"}
    got = compute_london_drugs(db, "2019-01", "2019-12", "Hackney")
    assert (got["totals"]["possession"], got["totals"]["trafficking"]) == (
        raw["POSSESSION OF DRUGS"], raw["TRAFFICKING OF DRUGS"])
    assert got["totals"]["other"] == 0 and len(got["monthly"]) == 12 and got["months_not_loaded"] == []
