"""Rate ratios with their 95% intervals and the bounds missing ethnicity could move them to (docs/metrics.md), and the
Wilson score interval every share with an interval uses (hit rates, disposal mixes, diversion KPIs).

`exact_rate_ratio` is the exact conditional interval for the same ratio, shown beside the Wald one where counts are
small enough for the log-scale approximation to mislead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scrutiny.vocab.suppression import ratio_suppressed

Z95 = 1.96


@dataclass(frozen=True)
class Ratio:
    value: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool
    unknown_bounds: tuple[float, float] | None


def rate_per_1000(searches: int | None, residents: float | None) -> float | None:
    if not residents or searches is None:
        return None
    return searches / residents * 1000


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def rate_ratio(a: int, pop_a: float | None, c: int, pop_c: float | None, unknown: int = 0) -> Ratio:
    """Ratio of group a's rate to group c's (White), with exp(ln r ± 1.96 √(1/a + 1/c)).

    `unknown_bounds`: the ratio had every search of unknown ethnicity been of group c (low) or of group a
    (high), so a reader sees how far missing data could move it.
    """
    if ratio_suppressed(a, c):
        return Ratio(None, None, None, True, None)
    if not pop_a or not pop_c:
        return Ratio(None, None, None, False, None)
    ratio = (a / pop_a) / (c / pop_c)
    spread = Z95 * math.sqrt(1 / a + 1 / c)
    low = (a / pop_a) / ((c + unknown) / pop_c)
    high = ((a + unknown) / pop_a) / (c / pop_c)
    return Ratio(ratio, math.exp(math.log(ratio) - spread), math.exp(math.log(ratio) + spread), False, (low, high))


def ratio_of_ratios(before: tuple[int, float | None, int, float | None],
                    after: tuple[int, float | None, int, float | None]) -> Ratio:
    """How a rate ratio changed: (a₂/P_a₂ ÷ c₂/P_c₂) ÷ (a₁/P_a₁ ÷ c₁/P_c₁), with the 95% interval
    exp(ln RRR ± 1.96 √(1/a₁ + 1/c₁ + 1/a₂ + 1/c₂)) from the four search counts (each period's a and c);
    suppressed when any of them is below RATIO_MIN_SEARCHES (scrutiny.vocab.suppression). No unknown bounds: it
    compares two ratios."""
    first, second = rate_ratio(*before), rate_ratio(*after)
    if first.suppressed or second.suppressed:
        return Ratio(None, None, None, True, None)
    if first.value is None or second.value is None:
        return Ratio(None, None, None, False, None)
    value = second.value / first.value
    spread = Z95 * math.sqrt(1 / before[0] + 1 / before[2] + 1 / after[0] + 1 / after[2])
    return Ratio(value, math.exp(math.log(value) - spread), math.exp(math.log(value) + spread), False, None)


@dataclass(frozen=True)
class Interval:
    low: float | None
    high: float | None


def wilson(hits: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval for hits out of n: (p + z²/2n ± z √(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    if n <= 0:
        return Interval(None, None)
    if not 0 <= hits <= n:
        raise ValueError(f"hits {hits} not between 0 and n {n}")
    p = hits / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def share_with_interval(hits: int, n: int) -> dict[str, float | int | None]:
    """`hits` of `n` as the documents show a share: {n, of, share, ci_low, ci_high} (Wilson 95%)."""
    interval = wilson(hits, n)
    return {"n": hits, "of": n, "share": share(hits, n), "ci_low": interval.low, "ci_high": interval.high}


def exact_rate_ratio(a: int, exposure_a: float, c: int, exposure_c: float,
                     level: float = 0.95) -> tuple[float | None, float | None]:
    """Exact conditional interval for (a/E_a) ÷ (c/E_c), as R's poisson.test(c(a, c), c(E_a, E_c)) gives it.

    Given n = a + c, a is Binomial(n, p) with p = RR·E_a / (RR·E_a + E_c), so the Clopper-Pearson limits for p,
    mapped through RR = p / (1 − p) · E_c / E_a, hold at least `level` whatever the counts, where the Wald
    interval's coverage falls short with few searches. The lower limit is 0 when a = 0 and the upper one None
    (unbounded) when c = 0; both None when an exposure is missing or not positive.
    """
    # The Beta quantile straight from scipy.special: the same values as scipy.stats.beta.ppf (bit for bit, tested in
    # tests/cli/test_startup_imports.py) without importing scipy.stats (~0.7 s); imported here, when a ratio has
    # residents to be a rate of, so a document without them imports no SciPy at all.
    from scipy.special import betaincinv

    if not 0 < level < 1:
        raise ValueError(f"level {level} not between 0 and 1")
    if a < 0 or c < 0:
        raise ValueError(f"counts must not be negative (a={a}, c={c})")
    if not exposure_a or not exposure_c or exposure_a < 0 or exposure_c < 0:
        return None, None
    tail = (1 - level) / 2
    scale = exposure_c / exposure_a

    def to_ratio(p: float) -> float:
        return p / (1 - p) * scale

    low = 0.0 if a == 0 else to_ratio(float(betaincinv(a, c + 1, tail)))  # Beta(a, c + 1) quantile at `tail`
    high = None if c == 0 else to_ratio(float(betaincinv(a + 1, c, 1 - tail)))
    return low, high
