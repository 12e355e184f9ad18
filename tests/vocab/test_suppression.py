"""Small numbers: each output kind keeps its own rule, named once (scrutiny.vocab.suppression)."""

from __future__ import annotations

import pytest

from scrutiny.metrics.intervals import rate_ratio
from scrutiny.vocab import suppression
from scrutiny.workspace import disclosure


def test_the_two_thresholds() -> None:
    assert suppression.RATIO_MIN_SEARCHES == 10
    assert suppression.WORKSPACE_COUNT_BASE == 5
    assert suppression.WORKSPACE_SMALL_TEXT == "<5"
    assert suppression.RATIO_SUPPRESSED_TEXT == "suppressed (<10)"


@pytest.mark.parametrize(("n", "ratio_withheld"), [(4, True), (5, True), (9, True), (10, False)])
def test_public_police_figures_need_ten_searches(n: int, ratio_withheld: bool) -> None:
    assert suppression.ratio_suppressed(n, 50) is ratio_withheld
    assert rate_ratio(n, 1000.0, 50, 1000.0).suppressed is ratio_withheld
    assert rate_ratio(50, 1000.0, n, 1000.0).suppressed is ratio_withheld


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (7, 5), (8, 10), (9, 10),
                                          (10, 10)])
def test_workspace_counts_are_rounded_to_five(n: int, shown: int | str) -> None:
    assert disclosure.shown(n) == shown
    assert suppression.workspace_small(n) is (shown == "<5")
