"""The exact conditional interval for a ratio of two Poisson rates (metrics.intervals.exact_rate_ratio).

Against published R output of poisson.test(c(a, c), c(E_a, E_c)), which computes this very interval (the
Clopper-Pearson interval of binom.test for a out of a + c, mapped to the rate ratio), and against statsmodels'
exact conditional test, whose one-sided p-values must be exactly the tail level at the limits.
"""

from __future__ import annotations

import math

import pytest
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.proportion import proportion_confint

from scrutiny.metrics.intervals import exact_rate_ratio, rate_ratio


def rounded(interval: tuple[float | None, float | None], places: int = 4) -> tuple[float, float]:
    low, high = interval
    assert low is not None and high is not None
    return round(low, places), round(high, places)


def test_published_r_output_equal_time_bases() -> None:
    # Kuhn and Silge, "Tidy Modeling with R" (O'Reilly, 2022), section 21.2 "Comparisons with two-sample tests":
    # articles by men and women in the bioChemists data, poisson.test(c(930, 619), T = 3) prints the
    # 95 percent confidence interval 1.355716 1.665905 (rate ratio 1.502423).
    assert rounded(exact_rate_ratio(930, 3, 619, 3)) == (1.3557, 1.6659)


def test_published_r_output_unequal_time_bases_and_level() -> None:
    # R Markdown lecture notes on poisson.test (a public course repository): p53 expression, 12 healthy people
    # (909 counts) against 14 with lung cancer (901), poisson.test(x = c(909, 901), T = c(12, 14),
    # conf.level = 0.99) prints the 99 percent confidence interval 1.041626 1.330051.
    assert rounded(exact_rate_ratio(909, 12, 901, 14, level=0.99)) == (1.0416, 1.3301)
    # The documented example of R's help page ?poisson.test (eba1977, Fredericia against the other three
    # cities, ages 55-59): poisson.test(c(11, 6 + 8 + 7), c(800, 1083 + 1050 + 878)) prints 0.8584264 4.2772659.
    assert rounded(exact_rate_ratio(11, 800, 21, 3011)) == (0.8584, 4.2773)


def test_zero_counts_give_open_ends() -> None:
    low, high = exact_rate_ratio(0, 1000, 12, 1000)
    assert low == 0.0 and high is not None
    # with a = 0 the upper limit is the one-sided 97.5% Clopper-Pearson limit 1 - 0.025^(1/12), as odds
    p = 1 - 0.025 ** (1 / 12)
    assert high == pytest.approx(p / (1 - p))
    low, high = exact_rate_ratio(12, 1000, 0, 1000)
    p = 0.025 ** (1 / 12)  # lower limit for 12 of 12
    assert high is None and low == pytest.approx(p / (1 - p))
    assert exact_rate_ratio(0, 10, 0, 10) == (0.0, None)
    assert exact_rate_ratio(5, 0, 5, 10) == (None, None)
    with pytest.raises(ValueError):
        exact_rate_ratio(5, 10, 5, 10, level=1.0)


def test_cross_check_with_statsmodels() -> None:
    # statsmodels' confint_poisson_2indep has no exact conditional method (0.15: "exact-cond: NOT YET"), so the
    # cross-checks are its Clopper-Pearson interval for the binomial and its exact conditional test: at each
    # limit the one-sided exact p-value is the tail level, 0.025.
    for a, ea, c, ec in ((12, 3_000.0, 30, 40_000.0), (45, 1_234.5, 10, 9_876.0), (150, 20_000.0, 400, 150_000.0)):
        low, high = exact_rate_ratio(a, ea, c, ec)
        assert low is not None and high is not None
        p_low, p_high = proportion_confint(a, a + c, alpha=0.05, method="beta")
        assert low == pytest.approx(p_low / (1 - p_low) * ec / ea, rel=1e-9)
        assert high == pytest.approx(p_high / (1 - p_high) * ec / ea, rel=1e-9)
        at_low = sm_rates.test_poisson_2indep(a, ea, c, ec, value=low, method="exact-cond", alternative="larger")
        at_high = sm_rates.test_poisson_2indep(a, ea, c, ec, value=high, method="exact-cond", alternative="smaller")
        assert at_low.pvalue == pytest.approx(0.025, rel=1e-6)
        assert at_high.pvalue == pytest.approx(0.025, rel=1e-6)


def test_exact_is_wider_than_wald_with_few_searches_and_close_with_many() -> None:
    # The Wald interval's log scale is symmetric around the ratio; with 10 searches the exact one is visibly wider.
    few = rate_ratio(10, 1_000, 10, 1_000)
    low, high = exact_rate_ratio(10, 1_000, 10, 1_000)
    assert few.ci_low is not None and few.ci_high is not None and low is not None and high is not None
    assert low < few.ci_low and high > few.ci_high
    many = rate_ratio(4_000, 10_000, 5_000, 50_000)
    low, high = exact_rate_ratio(4_000, 10_000, 5_000, 50_000)
    assert many.ci_low is not None and many.ci_high is not None and low is not None and high is not None
    assert math.isclose(low, many.ci_low, rel_tol=2e-3) and math.isclose(high, many.ci_high, rel_tol=2e-3)
