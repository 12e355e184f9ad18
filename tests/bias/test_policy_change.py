"""The policy-change test's statistics on series made here: exact lines with a planted step, seeded simulations
of coverage, missing months, difference in differences, and refusals (bias.policy_change)."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from scrutiny.bias.policy_change import (
    MIN_MONTHS_EACH_SIDE,
    change_test,
    did,
    hac_covariance,
    its_design,
    its_log_ratio,
    its_rate,
)
from scrutiny.metrics.categories import GROUPS
from scrutiny.vocab.months import months_between

SPAN = months_between(date(2019, 1, 1), date(2022, 12, 1))  # 48 months
AT = date(2021, 1, 1)  # month 24
T = np.arange(len(SPAN), dtype=float)
POST = np.array([m >= AT for m in SPAN], dtype=float)
SIMULATIONS = 200
# The intervals are Newey-West with a correction that makes them unbiased under independent errors; in 2,000
# seeded runs of these series they covered 91-93% (the variance estimate's own noise), so the nominal 95% is
# judged with that shortfall and three binomial standard deviations of 200 draws (3 x 1.9 points): 0.86 to 0.99.
COVERAGE_LOW, COVERAGE_HIGH = 0.86, 0.99


def series(values: np.ndarray, span: list[date] = SPAN) -> pd.Series:
    return pd.Series(values.astype(float), index=span)


def covers(d: dict[str, float | None], value: float) -> bool:
    assert d["low"] is not None and d["high"] is not None
    return d["low"] <= value <= d["high"]


def test_an_exact_line_with_a_step_gives_that_step() -> None:
    span = SPAN[:12]
    at = span[6]
    t = np.arange(12.0)
    post = (t >= 6).astype(float)
    y = 2 + 0.5 * t + 3 * post + 0.25 * (t - 6) * post  # by hand: level change 3, slope change 0.25
    fit = its_rate(series(y, span), at)
    assert fit["available"] and fit["seasonality"] is False
    assert fit["level_change"]["estimate"] == pytest.approx(3, abs=1e-9)
    assert fit["slope_change"]["estimate"] == pytest.approx(0.25, abs=1e-9)
    assert fit["level_change"]["high"] - fit["level_change"]["low"] == pytest.approx(0, abs=1e-6)
    months = fit["months"]
    assert [m["month"] for m in months][6] == "2019-07"
    assert months[9]["observed"] == pytest.approx(2 + 4.5 + 3 + 0.75)
    assert months[9]["fitted"] == pytest.approx(months[9]["observed"])
    assert months[9]["counterfactual"] == pytest.approx(2 + 4.5)  # the line before, carried on
    assert months[3]["counterfactual"] == pytest.approx(months[3]["fitted"]) == pytest.approx(3.5)


def test_newey_west_without_gaps_is_statsmodels_hac() -> None:
    rng = np.random.default_rng(5)
    x = its_design(T, 24.0, None)
    y = 5 + 0.02 * T + POST + rng.normal(0, 1, len(T))
    theirs = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}).cov_params()
    ours = hac_covariance(x * sm.OLS(y, x).fit().resid[:, None], np.linalg.inv(x.T @ x), T, 3)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


def test_missing_months_are_gaps_not_zeros() -> None:
    span = SPAN[:16]
    at = span[8]
    t = np.arange(16.0)
    y = 10 + 0.5 * t + 4 * (t >= 8)
    gappy = y.copy()
    gappy[[2, 11]] = np.nan
    fit = its_rate(series(gappy, span), at)
    assert fit["level_change"]["estimate"] == pytest.approx(4, abs=1e-9)
    assert (fit["months_before"], fit["months_after"]) == (7, 7)
    assert fit["months"][2]["observed"] is None and fit["months"][2]["fitted"] == pytest.approx(11)
    zeros = its_rate(series(np.nan_to_num(gappy), span), at)  # what reading a gap as zero would give
    assert abs(zeros["level_change"]["estimate"] - 4) > 1


def test_the_interval_covers_a_planted_step_and_zero_at_about_the_nominal_rate() -> None:
    rng = np.random.default_rng(20240101)
    hit_step = hit_zero = 0
    for _ in range(SIMULATIONS):
        noise = rng.normal(0, 0.5, (2, len(T)))
        hit_step += covers(its_rate(series(5 + 0.02 * T + POST + noise[0]), AT)["level_change"], 1.0)
        hit_zero += covers(its_rate(series(5 + 0.02 * T + noise[1]), AT)["level_change"], 0.0)
    assert COVERAGE_LOW <= hit_step / SIMULATIONS <= COVERAGE_HIGH
    assert COVERAGE_LOW <= hit_zero / SIMULATIONS <= COVERAGE_HIGH


def test_the_log_ratio_interval_covers_a_planted_multiplicative_step() -> None:
    rng = np.random.default_rng(7)
    step = math.log(1.5)
    hits = 0
    for _ in range(SIMULATIONS):
        white = rng.poisson(200, len(T))
        black = rng.poisson(200 * 0.2 * np.exp(math.log(2) + 0.01 * T + step * POST))
        fit = its_log_ratio(series(black), series(white), series(np.full(len(T), 2e4)),
                            series(np.full(len(T), 1e5)), AT)
        hits += covers(fit["level_change"], step)
    assert COVERAGE_LOW <= hits / SIMULATIONS <= COVERAGE_HIGH


def test_log_ratio_by_hand() -> None:
    span = SPAN[:12]
    white = np.full(12, 100.0)
    black = np.where(np.arange(12) < 6, 40.0, 60.0)  # residents 200 Black, 1,000 White: ratio 2, then 3
    fit = its_log_ratio(series(black, span), series(white, span), series(np.full(12, 200.0), span),
                        series(np.full(12, 1000.0), span), span[6])
    assert fit["level_change"]["estimate"] == pytest.approx(math.log(1.5), abs=1e-7)
    assert fit["level_change_multiplier"]["estimate"] == pytest.approx(1.5, abs=1e-6)
    assert fit["slope_change"]["estimate"] == pytest.approx(0, abs=1e-7)
    assert fit["months"][8]["observed"] == pytest.approx(3)
    assert fit["months"][8]["fitted"] == pytest.approx(3) and fit["months"][8]["counterfactual"] == pytest.approx(2)


def test_a_month_with_one_group_unsearched_stays_in_the_ratio_fit() -> None:
    span = SPAN[:12]
    white = np.full(12, 100.0)
    black = np.full(12, 40.0)
    black[3] = 0.0  # no log of zero is taken: the binomial model keeps it, and it pulls the line down
    kept = its_log_ratio(series(black, span), series(white, span), series(np.full(12, 200.0), span),
                         series(np.full(12, 1000.0), span), span[6])
    assert kept["months"][3]["observed"] is None  # fewer than 10: not shown
    assert kept["months_before"] == 6
    assert kept["months"][0]["fitted"] < 2


def test_difference_in_differences_finds_a_planted_effect_and_matches_two_way_fixed_effects() -> None:
    rng = np.random.default_rng(11)
    common = 3 + 0.4 * np.sin(T / 2)  # a shared month pattern the controls take out
    controls = [series(common + 1 + rng.normal(0, 0.2, len(T))), series(common - 1 + rng.normal(0, 0.2, len(T)))]
    treated = series(common + 2 * POST + rng.normal(0, 0.2, len(T)))
    out = did(treated, controls, AT)
    assert out["available"] and covers(out["estimate"], 2.0)
    panel = pd.DataFrame({"y": np.concatenate([s.to_numpy() for s in (treated, *controls)]),
                          "area": np.repeat([0, 1, 2], len(T)), "month": np.tile(T, 3),
                          "effect": np.concatenate([POST, np.zeros(2 * len(T))])})
    dummies = pd.get_dummies(panel[["area", "month"]].astype(str), drop_first=True, dtype=float)
    two_way = sm.OLS(panel.y, sm.add_constant(pd.concat([panel[["effect"]], dummies], axis=1))).fit()
    assert out["estimate"]["estimate"] == pytest.approx(two_way.params["effect"], abs=1e-9)
    assert out["parallel_trends"]["consistent"] is True
    hits = 0
    for _ in range(SIMULATIONS):
        c = [series(common + rng.normal(0, 0.3, len(T))) for _ in range(3)]
        hits += covers(did(series(common + 2 * POST + rng.normal(0, 0.3, len(T))), c, AT)["estimate"], 2.0)
    assert COVERAGE_LOW <= hits / SIMULATIONS <= COVERAGE_HIGH


def test_diverging_trends_before_the_change_are_flagged() -> None:
    rng = np.random.default_rng(3)
    controls = [series(3 + rng.normal(0, 0.1, len(T)))]
    out = did(series(3 + 0.1 * T + rng.normal(0, 0.1, len(T))), controls, AT)
    slope = out["parallel_trends"]["pre_slope_difference"]
    assert covers(slope, 0.1) and out["parallel_trends"]["consistent"] is False


def frame(black: np.ndarray, white: np.ndarray, covered: np.ndarray | None = None) -> pd.DataFrame:
    """A monthly frame as bias.change_series makes it: 200 Black and 1,000 White residents, nobody else."""
    n = len(black)
    covered = np.ones(n, dtype=bool) if covered is None else covered
    residents = {"Black": 200.0, "White": 1000.0}
    data: dict[str, object] = {"month": SPAN[:n], "covered": covered}
    data["searches"] = np.where(covered, black + white, np.nan)
    data["residents"] = np.where(covered, 1200.0, np.nan)
    data["rate_per_1000"] = np.where(covered, (black + white) / 1.2, np.nan)
    for g in GROUPS:
        count = black if g == "Black" else white if g == "White" else np.zeros(n)
        data[f"searches:{g}"] = np.where(covered, count, np.nan)
        data[f"residents:{g}"] = np.where(covered, residents.get(g, 0.0), np.nan)
        data[f"rate:{g}"] = np.where(covered, count / residents.get(g, 1.0) * 1000, np.nan)
        data[f"ratio:{g}"] = np.where(covered, (count / residents.get(g, 1.0)) / (white / 1000.0), np.nan)
    return pd.DataFrame(data)


def test_the_document_is_json_safe_and_names_gaps() -> None:
    covered = np.ones(14, dtype=bool)
    covered[4] = False
    black, white = np.full(14, 40.0), np.full(14, 100.0)
    doc = change_test(frame(black, white, covered), SPAN[7], controls={"X": frame(black, white)})
    json.dumps(doc, allow_nan=False)
    assert doc["test"] == "change" and doc["available"] and doc["refused"] == []
    for key in ("assumptions", "can_show", "cannot_show", "notes", "method"):
        assert doc[key]
    assert any("2019-05" in note and "not months with no searches" in note for note in doc["notes"])
    its = doc["figures"]["its"]
    assert its["search_rate"]["level_change"]["estimate"] == pytest.approx(0, abs=1e-9)
    assert its["log_ratio"]["months"][4] == {"month": "2019-05", "observed": None, "fitted": pytest.approx(2),
                                             "counterfactual": pytest.approx(2)}
    assert doc["figures"]["did"]["search_rate"]["estimate"]["estimate"] == pytest.approx(0, abs=1e-9)


def test_refusals() -> None:
    black, white = np.full(14, 40.0), np.full(14, 100.0)
    early = change_test(frame(black, white), SPAN[MIN_MONTHS_EACH_SIDE - 1])
    assert not early["available"] and "5 month(s) before the change" in early["refused"][0]
    assert early["figures"]["its"]["search_rate"]["level_change"] is None
    outside = change_test(frame(black, white), date(2030, 1, 1))
    assert not outside["available"] and "outside the data" in outside["refused"][0]
    first = change_test(frame(black, white), SPAN[0])
    assert not first["available"] and "outside the data" in first["refused"][0]
    given = change_test(frame(black, white), SPAN[7], refused=["The control area 'Narnia' is not known."])
    assert not given["available"] and given["refused"] == ["The control area 'Narnia' is not known."]
    few = change_test(frame(np.full(14, 1.0), white), SPAN[7])  # 7 and 7 Black searches a side: no ratio
    assert few["available"] and few["figures"]["its"]["log_ratio"]["available"] is False
    assert any("fewer than 10 searches" in note for note in few["notes"])
    with pytest.raises(Exception, match="unknown group 'White'"):
        change_test(frame(black, white), SPAN[7], group="White")
