"""Months: one parser, one error and one message shape for every input that names a month."""

from __future__ import annotations

import re
from datetime import date

import pytest

from scrutiny.errors import BadInput
from scrutiny.vocab import months
from scrutiny.vocab.months import BackwardsPeriod, BadMonth


def test_a_month_is_its_first_day() -> None:
    assert months.month_start("2018-04") == date(2018, 4, 1)
    assert months.month_start("1000-01") == date(1000, 1, 1)
    assert months.month_start("2999-12") == date(2999, 12, 1)


@pytest.mark.parametrize("text", ["2024-13", "2024-00", "2024-1", "2024-011", "24-09", "2024/09", "", "April",
                                  "0000-01", "0999-12", "3000-01", "２０２４-01", "2024-01\n", " 2024-01"])
def test_every_bad_month_is_one_error_with_one_message(text: str) -> None:
    with pytest.raises(BadMonth) as raised:
        months.month_start(text)
    assert str(raised.value) == f"bad month {text!r}: expected YYYY-MM, e.g. 2018-04"
    assert isinstance(raised.value, BadInput) and isinstance(raised.value, ValueError)
    assert (raised.value.status, raised.value.exit_code) == (422, 1)


@pytest.mark.parametrize("text", ["1000-01", "2018-04", "2999-12", "0999-12", "3000-01", "2024-13", "2024-1",
                                  "２０２４-01", "2024-01\n"])
def test_the_query_pattern_says_what_the_parser_says(text: str) -> None:
    try:
        months.month_start(text)
        parsed = True
    except BadMonth:
        parsed = False
    assert (re.fullmatch(months.PATTERN, text) is not None) == parsed


def test_a_caller_may_narrow_the_years() -> None:
    assert months.month_start("2000-01", years=(2000, 2100)) == date(2000, 1, 1)
    with pytest.raises(BadMonth, match="bad month '1999-12'"):
        months.month_start("1999-12", years=(2000, 2100))


def test_ranges_cross_a_year_end() -> None:
    assert months.month_range("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert months.month_range("2024-09", "2024-09") == ["2024-09"]
    assert months.month_labels("2025-02", "2024-11") == []
    assert months.months_between(date(2019, 12, 1), date(2020, 1, 1)) == [date(2019, 12, 1), date(2020, 1, 1)]
    assert months.shift("2024-12", 1) == "2025-01"
    assert months.shift("2025-01", -13) == "2023-12"
    assert months.year_to("2019-09") == ("2018-10", "2019-09")
    assert months.default_period("2019-03", "2019-09") == ("2019-03", "2019-09")


def test_a_backwards_period_names_both_ends_as_the_user_called_them() -> None:
    with pytest.raises(BackwardsPeriod) as cli:
        months.month_range("2024-02", "2024-01")
    assert str(cli.value) == "--from 2024-02 is after --to 2024-01"
    with pytest.raises(BackwardsPeriod) as api:
        months.check_period("2024-11", "2024-09", names=("from", "to"))
    assert str(api.value) == "from 2024-11 is after to 2024-09"
    with pytest.raises(BackwardsPeriod) as bare:
        months.check_period("2024-06", "2024-05", names=("", ""))
    assert str(bare.value) == "2024-06 is after 2024-05"
    with pytest.raises(BadMonth, match="bad month '2024-13'"):
        months.month_range("2024-13", "2024-01")


def test_runs_of_months() -> None:
    assert months.ranges(["2016-07", "2016-08", "2016-09", "2016-12", "2017-01", "2017-03"]) == [
        "2016-07..2016-09", "2016-12..2017-01", "2017-03"]
    assert months.runs([date(2018, 5, 1), date(2018, 4, 1), date(2021, 6, 1)]) == [
        (date(2018, 4, 1), date(2018, 5, 1)), (date(2021, 6, 1), date(2021, 6, 1))]


def test_months_in_words() -> None:
    assert months.name("2018-04") == "April 2018"
    assert months.name("2018-04", short=True) == "Apr 2018"
    assert months.runs_in_words(["2020-03", "2020-04", "2021-10"], "–") == "Mar 2020–Apr 2020, Oct 2021"
    assert months.runs_in_words(["2021-10", "2021-11", "2022-03"], " to ") == "Oct 2021 to Nov 2021, Mar 2022"
    assert months.quarter_label(date(2018, 11, 1)) == "2018 Q4"
