"""Cohen's kappa against values computed by hand (no library), including the undefined cases."""

from __future__ import annotations

import pytest

from scrutiny.workspace.review.agreement import cohen_kappa


def test_hand_computed_two_by_two() -> None:
    # 10 records: both yes on 4, both no on 3, first yes/second no on 2, first no/second yes on 1.
    pairs = [(True, True)] * 4 + [(False, False)] * 3 + [(True, False)] * 2 + [(False, True)] * 1
    k = cohen_kappa(pairs)
    # p_o = 7/10; first says yes 6/10, second 5/10: p_e = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = 0.2/0.5 = 0.4
    assert k.n == 10
    assert k.observed == pytest.approx(0.7) and k.expected == pytest.approx(0.5)
    assert k.value == pytest.approx(0.4)


def test_textbook_example_with_unequal_margins() -> None:
    # 50 records: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    k = cohen_kappa(pairs)
    # p_o = 35/50 = 0.7; first yes 25/50, second yes 30/50: p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.4
    assert k.observed == pytest.approx(0.7) and k.expected == pytest.approx(0.5) and k.value == pytest.approx(0.4)
    skewed = [("a", "a")] * 45 + [("a", "b")] * 5  # p_o = 0.9, p_e = 1*0.9 + 0*0.1 = 0.9: kappa 0
    assert cohen_kappa(skewed).value == pytest.approx(0.0)


def test_three_categories() -> None:
    pairs = [("yes", "yes"), ("no", "no"), ("unknown", "unknown"), ("yes", "no")]
    # p_o = 3/4; first: yes 2, no 1, unknown 1; second: yes 1, no 2, unknown 1 -> p_e = (2+2+1)/16 = 5/16
    k = cohen_kappa(pairs)
    assert k.expected == pytest.approx(5 / 16)
    assert k.value == pytest.approx((0.75 - 5 / 16) / (1 - 5 / 16))  # = 7/11
    assert k.value == pytest.approx(7 / 11)


def test_perfect_and_worse_than_chance() -> None:
    assert cohen_kappa([(True, True), (False, False)]).value == pytest.approx(1.0)
    assert cohen_kappa([(True, False), (False, True)]).value == pytest.approx(-1.0)


def test_undefined_cases_return_none_with_a_reason() -> None:
    empty = cohen_kappa([])
    assert (empty.n, empty.value) == (0, None) and "no record" in empty.reason
    same = cohen_kappa([("no", "no")] * 6)  # p_o = p_e = 1: 0/0
    assert (same.n, same.observed, same.expected, same.value) == (6, 1.0, 1.0, None)
    assert "same answer" in same.reason
