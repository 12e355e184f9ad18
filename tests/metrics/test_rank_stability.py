"""The rank of each area by ratio to White, with its interval and the chance it is the highest
(metrics.rank_stability), on tables whose answers are known without the code under test."""

from __future__ import annotations

import math

import pytest
from scipy import integrate
from scipy.stats import beta

from scrutiny.metrics.rank_stability import PRIOR_SHAPE, AreaRatio, rank_stability


def area(code: str, a: int, pop_a: float | None, c: int, pop_c: float) -> AreaRatio:
    return AreaRatio(code, a, pop_a, c, pop_c)


def test_one_area_far_above_the_others_is_first_in_every_draw() -> None:
    table = rank_stability([
        area("far", 2_000, 10_000, 200, 10_000),  # ratio 10
        area("b", 300, 10_000, 200, 10_000),  # 1.5
        area("c", 250, 10_000, 250, 10_000),  # 1.0
        area("d", 120, 10_000, 200, 10_000),  # 0.6
    ], draws=2_000, seed=1)
    far = table.of("far")
    assert far is not None
    assert (far.rank, far.low, far.high, far.p_highest) == (1, 1, 1, 1.0)
    assert far.ratio == pytest.approx(10.0)
    # b, c and d are far apart too (ratios 1.5, 1.0, 0.6 on hundreds of searches): each keeps its place
    assert [(r.code, r.rank, r.low, r.high) for r in table.ranked] == [
        ("far", 1, 1, 1), ("b", 2, 2, 2), ("c", 3, 3, 3), ("d", 4, 4, 4)]


def test_two_identical_areas_share_the_top_evenly() -> None:
    twins = [area("x", 100, 5_000, 100, 20_000), area("y", 100, 5_000, 100, 20_000),
             area("low", 50, 5_000, 100, 20_000)]
    table = rank_stability(twins, draws=4_000, seed=7)
    x, y, low = table.of("x"), table.of("y"), table.of("low")
    assert x is not None and y is not None and low is not None
    assert x.rank == y.rank == 1 and low.rank == 3  # a tie in the observed ratios shares the better rank
    assert (x.low, x.high) == (y.low, y.high) == (1, 2)
    # each is first with probability one half (less low's share); 4,000 draws: 4 standard errors is 0.032, and a
    # real lean of 0.6 against 0.4 would be 12
    half = (1 - low.p_highest) / 2
    assert x.p_highest == pytest.approx(half, abs=0.032) and y.p_highest == pytest.approx(half, abs=0.032)
    assert x.p_highest + y.p_highest + low.p_highest == pytest.approx(1.0)


def test_probability_of_being_higher_matches_an_independent_integral() -> None:
    # Under the gamma posterior, λ_a / (λ_a + λ_c) is Beta(a + ½, c + ½), so an area's ratio is B/(1-B) · P_c/P_a
    # and P(ratio_1 > ratio_2) is a one-dimensional integral over B_2, computed here with scipy's quad.
    one, two = (40, 1_000.0, 60, 3_000.0), (30, 1_000.0, 50, 2_000.0)  # ratios 2.0 and 1.2

    def ratio_scale(counts: tuple[int, float, int, float]) -> float:
        return counts[3] / counts[1]

    b1 = beta(one[0] + PRIOR_SHAPE, one[2] + PRIOR_SHAPE)
    b2 = beta(two[0] + PRIOR_SHAPE, two[2] + PRIOR_SHAPE)

    def above(q: float) -> float:  # P(ratio_1 > the ratio of area two when its B is q) × density of q
        x = q / (1 - q) * ratio_scale(two) / ratio_scale(one)  # odds area one must beat
        return float(b1.sf(x / (1 + x)) * b2.pdf(q))

    expected, _ = integrate.quad(above, 0, 1, limit=200)
    table = rank_stability([area("one", *one), area("two", *two)], draws=20_000, seed=3)
    first = table.of("one")
    assert first is not None
    se = math.sqrt(expected * (1 - expected) / 20_000)
    assert first.p_highest == pytest.approx(expected, abs=4 * se)
    assert 0.85 < expected < 0.99  # the check is not trivial: the answer is neither 0.5 nor 1


def test_hand_checked_order_and_the_areas_left_out() -> None:
    table = rank_stability([
        area("E1", 40, 1_000, 100, 10_000),  # (40/1000) / (100/10000) = 4
        area("E2", 20, 1_000, 100, 10_000),  # 2
        area("E3", 9, 1_000, 100, 10_000),  # 9 searches: suppressed, not ranked
        area("E4", 10, 1_000, 100, 10_000),  # 1
        area("E5", 50, None, 100, 10_000),  # no exposure: not ranked
    ], draws=500, seed=11)
    assert [(r.code, r.rank) for r in table.ranked] == [("E1", 1), ("E2", 2), ("E4", 3)]
    assert [r.ratio for r in table.ranked] == pytest.approx([4.0, 2.0, 1.0])
    assert table.left_out == ["E3", "E5"]
    assert table.notes and "E3, E5" in table.notes[0]
    assert sum(r.p_highest for r in table.ranked) == pytest.approx(1.0)
    assert all(r.low <= r.rank <= r.high for r in table.ranked)
    again = rank_stability([area("E1", 40, 1_000, 100, 10_000), area("E2", 20, 1_000, 100, 10_000)], draws=500,
                           seed=11)
    same = rank_stability([area("E1", 40, 1_000, 100, 10_000), area("E2", 20, 1_000, 100, 10_000)], draws=500,
                          seed=11)
    assert again.ranked == same.ranked  # seeded: the same table every time


def test_a_lone_area_and_nothing_to_rank() -> None:
    lone = rank_stability([area("only", 15, 100, 12, 100)], draws=50)
    assert [(r.rank, r.low, r.high, r.p_highest) for r in lone.ranked] == [(1, 1, 1, 1.0)]
    empty = rank_stability([area("tiny", 3, 100, 2, 100)])
    assert empty.ranked == [] and empty.left_out == ["tiny"]
    with pytest.raises(ValueError):
        rank_stability([], draws=0)
