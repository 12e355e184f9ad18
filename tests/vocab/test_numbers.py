"""Number formatting: the exact text of each named formatter, and the variants outputs keep on purpose."""

from __future__ import annotations

from scrutiny.vocab import numbers


def test_counts() -> None:
    assert numbers.count(0) == "0"
    assert numbers.count(4) == "4"
    assert numbers.count(1234.5) == "1,234"  # half to even, as Python rounds
    assert numbers.count(1235.5) == "1,236"
    assert numbers.count(1234567) == "1,234,567"
    assert numbers.count(None) == "n/a"
    assert numbers.count(None, missing=numbers.DASH) == "–"


def test_percentages() -> None:
    assert numbers.pct(1 / 3) == "33.3%"
    assert numbers.pct(0) == "0.0%"
    assert numbers.pct(1) == "100.0%"
    assert numbers.pct(None) == "n/a"
    assert numbers.pct(None, missing=numbers.DASH) == "–"
    assert numbers.whole_pct(0.2) == "20%"
    assert numbers.whole_pct(1 / 3) == "33%"
    assert numbers.points(-0.034) == "-3.4"
    assert numbers.points(0.1) == "+10.0"


def test_ratios_and_decimals() -> None:
    assert numbers.ratio(1.234) == "1.23"
    assert numbers.ratio(1234.5) == "1234.50"  # no separators in a ratio
    assert numbers.number(1234.5) == "1,234.50"  # a terminal table's decimal has them
    assert numbers.number(1234.5, digits=0) == "1,234"
    assert numbers.number(None) == "–"
    assert numbers.ratio(None) == "n/a"


def test_intervals() -> None:
    assert numbers.interval(0.912, 1.2) == "0.91–1.20"
    assert numbers.interval(None, 1.2) == "n/a"
    assert numbers.interval(None, None, missing="") == ""
    assert numbers.pct_interval(0.061, 0.792) == "6.1%–79.2%"
    assert numbers.pct_interval(None, None) == "–"
    assert numbers.pct_interval(None, None, missing="") == ""


def test_every_output_formats_a_figure_alike() -> None:
    """The pages, the report and the CLI tables agree on the digits; only the missing mark differs."""
    from scrutiny.cli import metrics as cli
    from scrutiny.report import build as report
    from scrutiny.web.pages import formatting as pages

    for share in (1 / 3, 0.0, 0.5, 0.12345):
        assert pages.pct(share) == report.pct(share) == cli.pct(share)
    for value in (0, 4, 1234.5, 99999.4):
        assert pages.count(value) == report.count(value) == cli.count(value)
    assert (pages.pct(None), report.pct(None), cli.pct(None)) == ("n/a", "n/a", "–")
    assert (pages.interval(None, None), report.interval(None, None)) == ("n/a", "")
    assert pages.month_runs(["2020-03", "2020-04"]) == "Mar 2020–Apr 2020"
    assert report.month_runs(["2020-03", "2020-04"]) == "Mar 2020 to Apr 2020"


def test_a_share_in_tens_for_the_brief() -> None:
    cases = {0.68: "about 7 in 10", 0.528: "about 5 in 10", 0.04: "fewer than 1 in 10", 0.0: "none",
             0.97: "almost all", 1.0: "all", 0.05: "fewer than 1 in 10",  # 0.5 tenths rounds to even: 0
             0.15: "about 2 in 10"}
    for share, words in cases.items():
        assert numbers.in_ten(share) == words, share
    assert numbers.in_ten(None) == "n/a"
