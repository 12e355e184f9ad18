"""The timestamp gate: simulated date-only, rounded and minute-is-month forces fail, a realistic one passes with
shares counted by hand, and the real forces named in its docstring are judged as it says (skipped without
the shared data)."""

from __future__ import annotations

import pandas as pd
import pytest

from scrutiny.bias.timestamp_gate import MIN_TIMED, measure
from tests.conftest import shared


def _utc(local: list[pd.Timestamp] | pd.DatetimeIndex) -> pd.Series:
    """London wall-clock times as the warehouse stores them (UTC, no zone)."""
    index = pd.DatetimeIndex(local).tz_localize("Europe/London").tz_convert("UTC").tz_localize(None)
    return pd.Series(index)


def test_realistic_times_pass_with_shares_counted_by_hand() -> None:
    # 120 stops on 15 June 2024 at every minute from 10:00 to 11:59 local time, and 2 with no time
    local = pd.date_range("2024-06-15 10:00", periods=120, freq="min")
    times = pd.concat([_utc(local), pd.Series([pd.NaT, pd.NaT])], ignore_index=True)
    decision = measure(times)
    assert decision.passed is True and decision.timed == 120
    assert decision.midnight == 0.0
    assert decision.on_hour_or_half == 4 / 120  # 10:00, 10:30, 11:00, 11:30
    assert decision.top_minute == 2 / 120  # each minute of the hour twice
    assert decision.minute_is_month == 2 / 120  # 10:06 and 11:06 in June
    assert decision.reason == "the times look like real clock times"


def test_date_only_force_fails_on_local_midnight() -> None:
    # every stop at London midnight: 23:00 UTC the day before in summer, 00:00 UTC in winter
    local = list(pd.date_range("2024-01-01", periods=200, freq="D"))
    times = _utc(local)
    assert times.iloc[0] == pd.Timestamp("2024-01-01 00:00") and times.iloc[150] == pd.Timestamp("2024-05-29 23:00")
    decision = measure(times)
    assert decision.passed is False and decision.midnight == 1.0
    assert "100% of times are exactly midnight" in decision.reason
    assert decision.to_dict()["midnight"] == 1.0


def test_times_on_the_hour_fail() -> None:
    # 240 stops at 10:00, 11:00, ... 21:00 over 20 days: every one on the hour, none at midnight
    local = [pd.Timestamp("2024-03-01") + pd.Timedelta(days=d, hours=h) for d in range(20) for h in range(10, 22)]
    decision = measure(_utc(local))
    assert decision.passed is False
    assert (decision.midnight, decision.on_hour_or_half, decision.top_minute) == (0.0, 1.0, 1.0)
    assert "on the hour or half hour" in decision.reason and "share one minute" in decision.reason


def test_minutes_that_are_the_month_fail() -> None:
    # as North Yorkshire publishes: the month's number where the minute should be (08 in August); 288 stops
    local = [pd.Timestamp(f"2021-{m:02d}-10") + pd.Timedelta(hours=h, minutes=m) for m in range(1, 13)
             for h in range(24)]
    decision = measure(_utc(local))
    assert decision.passed is False and decision.minute_is_month == 1.0
    assert decision.top_minute == 1.0  # one minute per month (judged month by month)
    # over the year the minutes spread over 1-12, so the month check is what names the fault
    assert "month's number" in decision.reason


def test_too_few_times_are_not_judged() -> None:
    local = pd.date_range("2024-06-15 10:00", periods=MIN_TIMED - 1, freq="7min")
    decision = measure(_utc(local))
    assert decision.passed is False and decision.midnight is None
    assert f"only {MIN_TIMED - 1} stops have a time" in decision.reason


@pytest.mark.parametrize(("force", "months", "passes"), [
    ("metropolitan", ["2018-04", "2018-05", "2018-06"], True),
    ("west-midlands", ["2019-01", "2019-02"], True),
    ("merseyside", ["2019-12", "2020-01"], True),
    ("gwent", ["2021-01", "2021-02", "2021-03"], False),  # rounded to the hour
    ("essex", ["2019-12", "2020-01"], False),  # one minute for every stop of a month
    ("north-yorkshire", ["2021-01", "2021-02", "2021-03", "2021-04"], False),  # the month as the minute
])
def test_real_forces(force: str, months: list[str], passes: bool) -> None:
    archive = shared("police_uk", "archive")
    frames = [pd.read_csv(archive / m / f"{m}-{force}-stop-and-search.csv", usecols=["Date"]) for m in months]
    dates = pd.to_datetime(pd.concat(frames).Date, utc=True).dt.tz_localize(None)
    decision = measure(dates)
    print(force, decision)
    assert decision.passed is passes, decision.reason


def test_real_date_only_forces() -> None:
    folder = shared("police_uk", "archive_national", "2021-09")
    for force in ("dyfed-powys", "cumbria", "wiltshire"):
        dates = pd.read_csv(folder / f"2021-09-{force}-stop-and-search.csv", usecols=["Date"]).Date
        decision = measure(pd.to_datetime(dates, utc=True).dt.tz_localize(None))
        assert decision.passed is False and decision.midnight == 1.0, force
