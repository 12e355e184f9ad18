"""Disproportionality over time and the test of change between two periods.

The interval of the ratio of two rate ratios is checked by simulation (does it cover the truth about 95% of
the time, with and without a planted change?), then end to end on a warehouse whose every count is written
below, with a month missing in the middle of the period.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import Result

from scrutiny.metrics.intervals import ratio_of_ratios
from tests.conftest import write_archive
from tests.metrics.test_fixture_metrics import BLACK, DRUGS_ACT, IN_MAIDSTONE, NFA, WHITE, row, write_kent_reference

SIMULATIONS = 4000
BLACK_RESIDENTS, WHITE_RESIDENTS = 400, 2000  # write_kent_reference: two authorities, 200 and 1,000 each


def _coverage(truth: float, before: tuple[float, float], after: tuple[float, float], seed: int) -> tuple[float, float]:
    """Share of simulated pairs of periods whose interval covers `truth`, and share that exclude 1."""
    rng = np.random.default_rng(seed)
    covered = excluded = 0
    for a1, c1, a2, c2 in zip(*(rng.poisson(m, SIMULATIONS) for m in (*before, *after)), strict=True):
        r = ratio_of_ratios((int(a1), 1000, int(c1), 1000), (int(a2), 1000, int(c2), 1000))
        assert not r.suppressed and r.ci_low is not None and r.ci_high is not None
        covered += r.ci_low <= truth <= r.ci_high
        excluded += not r.ci_low <= 1 <= r.ci_high
    return covered / SIMULATIONS, excluded / SIMULATIONS


def test_no_change_is_covered_about_95_percent_of_the_time() -> None:
    # Expected searches: group a 150 and White 100 in both periods (the same ratio, 1.5): no change.
    covered, excluded = _coverage(1.0, (150, 100), (150, 100), seed=1)
    assert 0.93 <= covered <= 0.97  # binomial sd at 4,000 draws is 0.0034: ±0.02 is about six of them
    assert excluded == pytest.approx(1 - covered)


def test_a_planted_change_is_found_and_covered_at_the_nominal_rate() -> None:
    # Group a's rate falls by half while White's holds: the ratio of ratios is 0.5.
    covered, excluded = _coverage(0.5, (200, 100), (100, 100), seed=2)
    assert 0.93 <= covered <= 0.97
    assert excluded > 0.95  # with these counts the change is found almost every time


def test_fewer_than_ten_searches_in_any_period_is_suppressed() -> None:
    r = ratio_of_ratios((9, 1000, 50, 1000), (50, 1000, 50, 1000))
    assert r.suppressed and r.value is None and r.ci_low is None


# ---- end to end: four months, the third missing ------------------------------------------------------------


def _rows(black: int, white: int) -> list[str]:
    return ([row("Person search", IN_MAIDSTONE, "18-24", BLACK, "Black", DRUGS_ACT, "Controlled drugs", NFA, "", "")]
            * black
            + [row("Person search", IN_MAIDSTONE, "18-24", WHITE, "White", DRUGS_ACT, "Controlled drugs", NFA, "",
                   "")] * white)


MONTHS = {"2024-01": (40, 20), "2024-02": (30, 30), "2024-04": (20, 40)}  # (Black, White); no March file


@pytest.fixture(scope="module")
def gap_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from scrutiny.cli import app

    folder = tmp_path_factory.mktemp("gap")
    for month, (black, white) in MONTHS.items():
        write_archive(folder, month, "kent", [r.replace("2024-01-15T", f"{month}-15T") for r in _rows(black, white)])
    write_kent_reference(folder)
    db = folder / "gap.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _json(result: object) -> Any:
    assert isinstance(result, Result)
    return json.loads(result.output)


def _spread(*counts: int) -> float:
    return 1.96 * math.sqrt(sum(1 / n for n in counts))


def test_monthly_trend_has_a_gap_not_a_zero(gap_db: Path, cli: Callable[..., object]) -> None:
    doc = _json(cli("metrics", "--force", "kent", "--from", "2024-01", "--to", "2024-04", "--db", gap_db))
    monthly = {w["period"]: {g["group"]: g for g in w["groups"]} for w in doc["trend"]["monthly"]}
    assert monthly["2024-03"]["Black"]["searches"] is None and monthly["2024-03"]["Black"]["ratio_vs_white"] is None
    # no force covers the gap, so none of its residents count: 0, not the 400 of a covered month
    assert {g: monthly["2024-03"][g]["population"] for g in ("Black", "White")} == {"Black": 0, "White": 0}
    assert type(monthly["2024-03"]["Black"]["population"]) is int
    assert [m["searches"] for m in doc["monthly"]] == [60, 60, None, 60]
    jan = monthly["2024-01"]["Black"]
    assert (jan["searches"], jan["population"]) == (40, BLACK_RESIDENTS)
    assert jan["ratio_vs_white"] == pytest.approx((40 / 400) / (20 / 2000), rel=1e-12)  # 10
    assert jan["ci_low"] == pytest.approx(10 * math.exp(-_spread(40, 20)), rel=1e-12)
    # The first quarter: 70 Black and 50 White searches in the two months covered; residents count for 2 of 3.
    q1 = {g["group"]: g for g in doc["trend"]["quarterly"][0]["groups"]}
    assert doc["trend"]["quarterly"][0]["months_covered"] == 2
    assert q1["Black"]["population"] == pytest.approx(400 * 2 / 3, rel=1e-15)
    assert q1["Black"]["rate_per_1000"] == pytest.approx(70 / (400 * 2 / 3) * 1000, rel=1e-12)
    assert q1["Black"]["ratio_vs_white"] == pytest.approx((70 / 400) / (50 / 2000), rel=1e-12)
    q2 = doc["trend"]["quarterly"][1]
    assert (q2["period"], q2["months"], q2["months_covered"]) == ("2024 Q2", 1, 1)
    assert doc["trend"]["rolling_12"] == []  # four months hold no 12-month window
    # the whole period's residents count for 3 of its 4 months
    black = next(r for r in doc["disproportionality"] if r["group"] == "Black")
    assert (black["searches"], black["population"]) == (90, 300)


def test_change_between_two_periods_end_to_end(gap_db: Path, cli: Callable[..., object]) -> None:
    doc = _json(cli("change", "--force", "kent", "--before", "2024-01", "--after", "2024-04", "--format", "json",
                    "--db", gap_db))
    black = next(r for r in doc["change"] if r["group"] == "Black")
    before, after = (40 / 400) / (20 / 2000), (20 / 400) / (40 / 2000)  # 10, then 2.5
    assert black["ratio_of_ratios"] == pytest.approx(after / before, rel=1e-12)
    assert black["ci_high"] == pytest.approx(0.25 * math.exp(_spread(40, 20, 20, 40)), rel=1e-12)
    assert black["changed"] is True and black["suppressed"] is False
    asian = next(r for r in doc["change"] if r["group"] == "Asian")
    assert asian["suppressed"] is True and asian["changed"] is None
    table = cli("change", "--force", "kent", "--before", "2024-01", "--after", "2024-04", "--db", gap_db)
    assert isinstance(table, Result) and "0.25" in table.output and "yes" in table.output


@pytest.mark.parametrize(("args", "message"), [
    (("--before", "2024-01:2024-02:2024-03", "--after", "2024-04"), "expected FROM:TO"),
    (("--before", "2024-13", "--after", "2024-04"), "bad month '2024-13'"),
    (("--before", "2023-01", "--after", "2024-04"), "no searches for kent from 2023-01 to 2023-01"),
])
def test_bad_periods_are_clear_errors(gap_db: Path, cli: Callable[..., object], args: tuple[str, ...],
                                      message: str) -> None:
    result = cli("change", "--force", "kent", *args, "--db", gap_db, ok=False)
    assert isinstance(result, Result) and result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
