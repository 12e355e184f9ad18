"""Whether a force's published times are real clock times, fine enough for the veil-of-darkness test.

The test compares stops a few minutes either side of dusk, so a force whose `Date` carries only the day, or
a time rounded to the hour, or minutes that are not minutes, cannot take part. Four shares of the force's
timed stops (in London clock time) are measured and each has a threshold:

- `midnight` (00:00:00 local) above 5%: a date-only force publishes local midnight for every stop. Genuine
  stops at 00:00 are at most the share of stops in the midnight hour (under 9% in every real force) times the
  share of that hour written on the hour (at most about 20%), so under 2%. Measured on the shared archive:
  Metropolitan 0.13%, West Midlands 0.09%, BTP 0.11%, the highest realistic force 2.9% (Cheshire, 447
  stops); Dyfed-Powys, Cumbria and Wiltshire (2021-09) 100%; Gwent 6.3% (it also rounds to the hour).
- `on_hour_or_half` (minute 0 or 30, second 0) above 50%: officers round times they write down, so about a
  quarter of real times are :00 or :30 (Metropolitan 22.8%, realistic forces up to 37%); a force rounding to
  the hour or half hour has nearly all of them there (Gwent 95%).
- `top_minute` (the share of the most common minute of the hour) above 50%: catches a minute field that is
  not a minute at all, whatever its value. Realistic forces' top minute is :00 at 1.6-20%; Essex (2019-12 to
  2021-09) publishes one minute for every stop of a month (:01 or :09: 100%).
- `minute_is_month` (the minute equals the month number) above 50%: North Yorkshire (2021-01 to 2023-09)
  publishes the month number where the minute should be, so the minutes spread over 1-12 and no single one
  dominates; a real force has about 1 in 60 (Metropolitan 2.6%).

50% is far above every realistic force and far below every broken one, so the gate is not sensitive to the
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
    top_minute = float(minute.value_counts(normalize=True).iloc[0])
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
