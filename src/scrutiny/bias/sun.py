"""Sunset and civil dusk for each stop, from its local date (Europe/London) and place, with astral (offline).

The veil-of-darkness test needs, for every stop, whether it was light or dark at that moment. Sunset moves
about four minutes per degree of longitude and less per degree of latitude, so a grid of 0.1 degree (at most
a few tens of seconds of error at the cell centre) is far finer than the minute the police publish. Computing
once per (local date, grid cell) and mapping back makes a force-year of millions of stops a few thousand
astral calls.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from astral import Observer
from astral.sun import dusk, sunset

LONDON = ZoneInfo("Europe/London")
GRID_DEGREES = 0.1  # the size of a cell: sunset differs by well under a minute within one
CIVIL_DEPRESSION = 6.0  # civil dusk: the sun 6 degrees below the horizon


def local_clock(occurred_at: pd.Series) -> pd.Series:
    """UTC times (naive, as the warehouse stores them) as Europe/London wall-clock times (naive)."""
    utc = pd.to_datetime(occurred_at).dt.tz_localize("UTC")
    return utc.dt.tz_convert(LONDON).dt.tz_localize(None)


def _naive_utc(moment: dt.datetime) -> np.datetime64:
    return np.datetime64(moment.astimezone(dt.UTC).replace(tzinfo=None), "ns")


def _cell_times(day: dt.date, lat: float, lon: float) -> tuple[np.datetime64, np.datetime64]:
    observer = Observer(latitude=lat, longitude=lon)
    try:
        set_at = _naive_utc(sunset(observer, day, tzinfo=dt.UTC))
    except ValueError:  # no sunset that day (far north in summer): no answer rather than a wrong one
        set_at = np.datetime64("NaT", "ns")
    try:
        dusk_at = _naive_utc(dusk(observer, day, tzinfo=dt.UTC, depression=CIVIL_DEPRESSION))
    except ValueError:  # the sun never reaches 6 degrees below (white nights)
        dusk_at = np.datetime64("NaT", "ns")
    return set_at, dusk_at


def sun_times(local_date: pd.Series, latitude: pd.Series, longitude: pd.Series) -> pd.DataFrame:
    """Sunset and civil dusk in UTC (naive datetimes, NaT where there is none) for each row, on the row's
    local calendar date at its place rounded to `GRID_DEGREES`; the result has the input's index."""
    lat = (latitude.to_numpy(dtype="float64") / GRID_DEGREES).round().astype("int64")
    lon = (longitude.to_numpy(dtype="float64") / GRID_DEGREES).round().astype("int64")
    days = pd.to_datetime(local_date).to_numpy(dtype="datetime64[D]").astype("int64")
    # one int64 key per (day, cell): factorising it is far faster than factorising three columns
    key = (days * 2000 + (lat + 1000)) * 4000 + (lon + 2000)
    codes, uniques = pd.factorize(key)
    set_at = np.empty(len(uniques), dtype="datetime64[ns]")
    dusk_at = np.empty(len(uniques), dtype="datetime64[ns]")
    epoch = dt.date(1970, 1, 1)
    for i, unique in enumerate(uniques.tolist()):
        day, rest = divmod(int(unique), 2000 * 4000)
        la, lo = divmod(rest, 4000)
        set_at[i], dusk_at[i] = _cell_times(epoch + dt.timedelta(days=day), (la - 1000) * GRID_DEGREES,
                                            (lo - 2000) * GRID_DEGREES)
    return pd.DataFrame({"sunset": set_at[codes], "dusk": dusk_at[codes]}, index=local_date.index)
