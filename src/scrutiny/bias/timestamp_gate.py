"""Whether a force's published times are real clock times, fine enough for the veil-of-darkness test.

The test compares stops a few minutes either side of dusk, so a force whose `Date` carries only the day, or
a time rounded to the hour, or minutes that are not minutes, cannot take part. Four shares of the force's
timed stops (in London clock time) are measured, each with a threshold. The figures quoted are measured on
every stop-and-search file of the shared data.police.uk archive and its national month (43 forces;
tests/bias/test_timestamp_gate.py checks nine of them):

- `midnight` (00:00:00 local) above 5%: a date-only force publishes local midnight for every stop. Genuine
  stops at 00:00 are at most the share of stops in the midnight hour (under 9% in every real force) times the
  share of that hour written on the hour (about 20% at most), so under 2%. Measured: Metropolitan 0.13%,
  West Midlands 0.1%, BTP 0.1%, at most 2.9% among the forces that pass (Cheshire, 447 stops); Dyfed-Powys,
  Cumbria and Wiltshire (2021-09) 100%; Gwent 6.3% (it also rounds to the hour).
- `on_hour_or_half` (minute 0 or 30, second 0) above 50%: officers round the times they write down, so about a
  quarter of real times are :00 or :30 (Metropolitan 22.8%, at most 37% among the forces that pass,
  Northamptonshire); a force rounding to the hour has nearly all of them there (Gwent 95%).
- `top_minute` (within each month, the share of its most common minute of the hour, over all months) above
  50%: catches a minute field that is not a minute at all, whatever its value. The 37 forces that pass: 2%
  to 20% (Metropolitan 11.9%); Essex (2019-12 to 2021-09) gives every stop of a month one minute (:01 or :09): 100%.
  Judged month by month so that a stuck minute that changes from month to month is still caught.
- `minute_is_month` (the minute equals the month's number) above 50%: North Yorkshire (2021-01 to 2023-09)
  publishes the month's number where the minute should be (100% here; its top minute is 100% too, but over a
  year the minutes spread over 1-12, so this check is what names the fault); forces that pass have 0% to
  2.3% (Metropolitan 0.9%), about 1 in 60.

50% is far above every realistic force and far below every broken one, so the verdicts do not hang on the
exact value. A force with fewer than `MIN_TIMED` timed stops is not judged (shares of a handful of stops say
little) and fails with that reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from scrutiny.bias.sun import local_clock

MIDNIGHT_MAX = 0.05
ON_HOUR_OR_HALF_MAX = 0.5
TOP_MINUTE_MAX = 0.5
MINUTE_IS_MONTH_MAX = 0.5
MIN_TIMED = 50


@dataclass(frozen=True)
class GateDecision:
    """The gate's verdict on one force (or one frame), the shares it measured, and why in plain words."""

    passed: bool
    timed: int
    midnight: float | None
    on_hour_or_half: float | None
    top_minute: float | None
    minute_is_month: float | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure(occurred_at: pd.Series) -> GateDecision:
    """Judge one force's times (UTC, naive, as stored; nulls are left out of the shares)."""
    timed = occurred_at.dropna()
    n = len(timed)
    if n < MIN_TIMED:
        return GateDecision(False, n, None, None, None, None,
                            f"only {n} stops have a time: too few to judge whether the times are real clock times")
    local = local_clock(timed)
    minute, second = local.dt.minute, local.dt.second
    midnight = float(((local.dt.hour == 0) & (minute == 0) & (second == 0)).mean())
    on_hour_or_half = float((minute.isin([0, 30]) & (second == 0)).mean())
    months = local.dt.year * 100 + local.dt.month
    top_minute = float(pd.DataFrame({"month": months, "minute": minute}).value_counts()
                       .groupby(level="month").max().sum() / n)
    minute_is_month = float((minute == local.dt.month).mean())
    failures = []
    if midnight > MIDNIGHT_MAX:
        failures.append(f"{midnight:.0%} of times are exactly midnight, London time (a date with no time); "
                        f"real times have under {MIDNIGHT_MAX:.0%}")
    if on_hour_or_half > ON_HOUR_OR_HALF_MAX:
        failures.append(f"{on_hour_or_half:.0%} of times are exactly on the hour or half hour (rounded times); "
                        f"real times have under {ON_HOUR_OR_HALF_MAX:.0%}")
    if top_minute > TOP_MINUTE_MAX:
        failures.append(f"{top_minute:.0%} of times share one minute of the hour, so the minutes are not real "
                        "minutes")
    if minute_is_month > MINUTE_IS_MONTH_MAX:
        failures.append(f"{minute_is_month:.0%} of times have the month's number as their minute, so the minutes "
                        "are not real minutes")
    reason = ("the times look like real clock times" if not failures
              else "; ".join(failures) + ": the test needs the time to the minute")
    return GateDecision(not failures, n, midnight, on_hour_or_half, top_minute, minute_is_month, reason)
