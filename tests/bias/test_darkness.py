"""The veil-of-darkness test: planted effects recovered by simulation, the refusals, and the exclusion steps.

The simulations draw evening stops in four grid cells of London over a year, decide light and dark with
astral directly (the library, not Scrutiny's sun module), and draw "the person is Black" from a logit with
area, clock-time, weekday and month effects and a planted log odds ratio of darkness. Then a Kent month
through the warehouse, counted by eye, and the real Metropolitan months (skipped when absent).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from astral import Observer
from astral.sun import dusk, sunset
from typer.testing import CliRunner

from scrutiny.bias.darkness import MIN_EACH, aggregate, darkness_document, darkness_test, design, fit, prepare
from scrutiny.cli import app
from scrutiny.errors import BadInput
from scrutiny.metrics import Scope
from scrutiny.metrics.scope import resolve_scope
from tests.conftest import shared, write_archive
from tests.metrics.test_fixture_metrics import (
    ASIAN,
    BLACK,
    DRUGS_ACT,
    IN_MAIDSTONE,
    NFA,
    NOT_STATED,
    OUTSIDE,
    SQUARE,
    WHITE,
)

# four areas at exact 0.1-degree grid points, so the sun times are those of the cell
AREAS = {"E09000007": (51.5, -0.1), "E09000012": (51.5, 0.0), "E09000022": (51.4, -0.1),
         "E09000030": (51.6, 0.0)}
AREA_CODES = list(AREAS)
AREA_EFFECT = np.array([-1.2, -0.4, 0.0, 0.5])


def _sun_table(year: int) -> dict[tuple[int, int], tuple[pd.Timestamp, pd.Timestamp]]:
    table = {}
    for a, (lat, lon) in enumerate(AREAS.values()):
        observer = Observer(lat, lon)
        for d in range(366 if year % 4 == 0 else 365):
            day = dt.date(year, 1, 1) + dt.timedelta(days=d)
            table[(d, a)] = (pd.Timestamp(sunset(observer, day)).tz_localize(None),
                             pd.Timestamp(dusk(observer, day)).tz_localize(None))
    return table


SUN_2023 = _sun_table(2023)


def simulate(n: int, odds_ratio: float, seed: int, year: int = 2023,
             sun: dict[tuple[int, int], tuple[pd.Timestamp, pd.Timestamp]] | None = None) -> pd.DataFrame:
    """`n` person searches of Black or White people between 15:30 and 22:30 London time, darkness planted."""
    sun = SUN_2023 if sun is None else sun
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 365, n)
    minutes = rng.integers(15 * 60 + 30, 22 * 60 + 30, n)
    area = rng.integers(0, len(AREAS), n)
    local = pd.to_datetime(dt.date(year, 1, 1)) + pd.to_timedelta(days, "D") + pd.to_timedelta(minutes, "min")
    utc = pd.DatetimeIndex(local).tz_localize("Europe/London").tz_convert("UTC").tz_localize(None)
    dusk_at = pd.DatetimeIndex([sun[(int(d), int(a))][1] for d, a in zip(days, area, strict=True)])
    dark = np.asarray(utc >= dusk_at)
    clock = minutes / 60.0
    month = np.asarray(local.month)
    weekday = np.asarray(local.day_of_week)
    eta = (AREA_EFFECT[area] + 0.4 * np.sin(clock / 3) + 0.1 * (weekday >= 5) + 0.05 * np.cos(month)
           + math.log(odds_ratio) * dark)
    black = rng.random(n) < 1 / (1 + np.exp(-eta))
    return pd.DataFrame({
        "occurred_at": utc, "latitude": [AREAS[AREA_CODES[a]][0] for a in area],
        "longitude": [AREAS[AREA_CODES[a]][1] for a in area], "area_code": [AREA_CODES[a] for a in area],
        "group": np.where(black, "Black", "White"),
    })


def _covers(doc: dict[str, object], value: float) -> bool:
    figures = doc["figures"]
    assert isinstance(figures, dict)
    return bool(figures["ci_low"] <= value <= figures["ci_high"])


# 40 simulations: with 95% intervals the number covering is Binomial(40, 0.95), mean 38; 34 or more happens
# with probability 0.986, so the assertion fails for a correct interval about once in 70 seeds (the seeds are
# fixed, so it never flakes), and fails for an interval that covers at 85% or less more often than not.
RUNS, MIN_COVERED = 40, 34


def test_interval_covers_a_planted_darkness_effect() -> None:
    planted = 0.7
    docs = [darkness_test(simulate(3000, planted, seed)) for seed in range(RUNS)]
    assert all(d["available"] for d in docs), [d["refused"] for d in docs if not d["available"]]
    covered = sum(_covers(d, planted) for d in docs)
    assert covered >= MIN_COVERED, covered
    log_ratios = [d["figures"]["log_odds_ratio"] for d in docs]
    # the mean of 40 estimates is within 3 standard errors of the mean of the planted value
    se = float(np.mean([d["figures"]["se"] for d in docs])) / math.sqrt(RUNS)
    assert abs(float(np.mean(log_ratios)) - math.log(planted)) < 3 * se
    assert sum(d["figures"]["ci_high"] < 1 for d in docs) >= 20  # detected more often than not (power ~65%)


def test_interval_covers_one_without_an_effect() -> None:
    docs = [darkness_test(simulate(3000, 1.0, 1000 + seed)) for seed in range(RUNS)]
    covered = sum(_covers(d, 1.0) for d in docs)
    assert covered >= MIN_COVERED, covered
    assert "includes 1" in docs[0]["notes"][0] or "smaller" in docs[0]["notes"][0] or "larger" in docs[0]["notes"][0]


def test_steps_add_up_and_dark_matches_astral() -> None:
    frame = simulate(3000, 0.7, 7)
    doc = darkness_test(frame)
    steps = doc["figures"]["steps"]
    # by astral directly: light before sunset, dark after dusk, twilight between, at each stop's own date and cell
    local = frame.occurred_at.dt.tz_localize("UTC").dt.tz_convert("Europe/London")
    day = (local.dt.tz_localize(None).dt.normalize() - pd.Timestamp("2023-01-01")).dt.days
    area = frame.area_code.map({c: i for i, c in enumerate(AREA_CODES)})
    times = [SUN_2023[(d, a)] for d, a in zip(day, area, strict=True)]
    set_at = pd.DatetimeIndex([t[0] for t in times])
    dusk_at = pd.DatetimeIndex([t[1] for t in times])
    clock_min = local.dt.hour * 60 + local.dt.minute
    set_local = set_at.tz_localize("UTC").tz_convert("Europe/London")
    dusk_local = dusk_at.tz_localize("UTC").tz_convert("Europe/London")
    start = (set_local.hour * 60 + set_local.minute + set_local.second / 60).min()
    end = (dusk_local.hour * 60 + dusk_local.minute + dusk_local.second / 60).max()
    inside = np.asarray((clock_min >= start) & (clock_min <= end))
    at = pd.DatetimeIndex(frame.occurred_at)
    twilight = inside & np.asarray((at >= set_at) & (at < dusk_at))
    dark = inside & np.asarray(at >= dusk_at)
    assert steps["outside_window"] == int((~inside).sum())
    assert steps["twilight"] == int(twilight.sum())
    assert steps["dark"] == int(dark.sum())
    assert steps["light"] == int((inside & ~twilight & ~dark).sum())
    assert steps["rows"] == 3000 == steps["outside_window"] + steps["twilight"] + steps["dark"] + steps["light"]
    black = np.asarray(frame.group == "Black")
    assert steps["group_dark"] == int((dark & black).sum())
    hhmm = [f"{int(m) // 60:02d}:{int(m) % 60:02d}" for m in (start, end)]
    assert doc["figures"]["window"] == {"start": hhmm[0], "end": hhmm[1]}
    assert hhmm[0].startswith("15:5") and hhmm[1].startswith("22:")  # mid-December sunset, late-June dusk
    assert doc["figures"]["share_dark"] == int((dark & black).sum()) / int(dark.sum())


def test_refuses_too_few_stops_and_gated_times() -> None:
    small = darkness_test(simulate(400, 0.7, 3))
    assert small["available"] is False and small["figures"]["odds_ratio"] is None
    assert any(f"at least {MIN_EACH}" in r for r in small["refused"])
    date_only = simulate(3000, 0.7, 4)
    local = date_only.occurred_at.dt.tz_localize("UTC").dt.tz_convert("Europe/London").dt.normalize()
    date_only["occurred_at"] = local.dt.tz_convert("UTC").dt.tz_localize(None)
    doc = darkness_test(date_only)
    assert doc["available"] is False
    assert doc["figures"]["steps"]["excluded_by_gate"] == 3000
    assert "real clock times" in doc["refused"][0]
    assert doc["figures"]["timestamp_check"][0]["midnight"] == 1.0


def test_forces_are_gated_one_by_one() -> None:
    good = simulate(3000, 0.7, 5).assign(force="metropolitan")
    rounded = simulate(500, 0.7, 6).assign(force="gwent")
    rounded["occurred_at"] = rounded.occurred_at.dt.floor("h")
    doc = darkness_test(pd.concat([good, rounded], ignore_index=True))
    assert doc["available"] is True
    assert doc["figures"]["steps"]["excluded_by_gate"] == 500
    checks = {c["force"]: c["passed"] for c in doc["figures"]["timestamp_check"]}
    assert checks == {"gwent": False, "metropolitan": True}
    alone = darkness_test(good)
    assert doc["figures"]["odds_ratio"] == pytest.approx(alone["figures"]["odds_ratio"])


def test_clock_change_design_keeps_the_weeks_around_each_change() -> None:
    frame = simulate(20000, 0.7, 8)
    doc = darkness_test(frame, clock_change=True)
    local = frame.occurred_at.dt.tz_localize("UTC").dt.tz_convert("Europe/London").dt.tz_localize(None).dt.normalize()
    # 2023's clocks changed on Sunday 26 March and Sunday 29 October (gov.uk/when-do-the-clocks-change)
    near = ((local - pd.Timestamp("2023-03-26")).abs() <= pd.Timedelta(days=14)) | (
        (local - pd.Timestamp("2023-10-29")).abs() <= pd.Timedelta(days=14))
    assert doc["figures"]["steps"]["outside_clock_change_weeks"] == int((~near).sum())
    assert doc["figures"]["clock_change"] is True and "Clock-change design" in doc["method"]


def test_document_shape_and_bad_group() -> None:
    doc = darkness_test(simulate(3000, 0.7, 9))
    for key in ("test", "scope", "available", "refused", "figures", "assumptions", "can_show", "cannot_show",
                "notes", "method"):
        assert key in doc
    assert doc["test"] == "darkness" and doc["refused"] == []
    assert any("traffic stops" in a for a in doc["assumptions"])
    assert "Grogger" in doc["method"] and "Pierson" in doc["method"]
    with pytest.raises(BadInput, match="group 'White'"):
        darkness_test(simulate(10, 0.7, 1), group="White")
    with pytest.raises(BadInput, match="no column area_code"):
        darkness_test(simulate(10, 0.7, 1).drop(columns="area_code"))


def test_aggregated_fit_equals_the_row_by_row_logit() -> None:
    # the same model fitted by statsmodels' Logit on one row per stop: identical estimate and standard error
    frame = simulate(1500, 0.7, 11)
    rows, _ = prepare(frame, "Black", clock_change=False)
    result = fit(aggregate(rows))
    x = design(rows)
    logit = sm.Logit(rows["y"].to_numpy(dtype="float64"), x).fit(disp=0, method="newton", maxiter=100)
    assert result["covariate_rows"] < len(rows)
    assert result["log_odds_ratio"] == pytest.approx(float(logit.params[1]), abs=1e-7)
    assert result["se"] == pytest.approx(float(logit.bse[1]), rel=1e-6)


# A Kent month and a date-only Dyfed-Powys month through the warehouse, counted by eye. January 2024 at
# Maidstone (the 0.1-degree cell 51.3 N, 0.5 E), sunset and civil dusk (UTC = GMT), by astral and by NOAA's
# equations (test_sun.py): 2 Jan 16:01 / 16:41, 10 Jan 16:11 / 16:51, 15 Jan 16:18 / 16:57, 31 Jan 16:45 / 17:22.
# The window is 16:00 (2 Jan's sunset) to 17:21 (31 Jan's dusk).
KENT_ROWS = (
    [(f"2024-01-10T12:{3 + i:02d}", "B" if i < 10 else "W") for i in range(20)]  # midday: outside the window
    + [(f"2024-01-31T16:{15 + i:02d}", "B" if i < 5 else "W") for i in range(15)]  # light: before sunset
    + [(f"2024-01-02T17:{1 + i:02d}", "B" if i < 4 else "W") for i in range(12)]  # dark: after dusk
    + [(f"2024-01-15T16:{30 + i:02d}", "B" if i < 4 else "W") for i in range(8)]  # twilight
    + [(f"2024-01-31T16:{40 + i:02d}", "B-nowhere") for i in range(5)]  # no location
    + [(f"2024-01-02T17:{20 + i:02d}", "U") for i in range(4)]  # ethnicity not stated
    + [(f"2024-01-02T17:{30 + i:02d}", "A") for i in range(3)]  # Asian
    + [(f"2024-01-02T17:{40 + i:02d}", "W-outside") for i in range(2)]  # a location outside every loaded area
    + [(f"2024-01-02T17:{50 + i:02d}", "vehicle") for i in range(2)]  # vehicle searches: not of a person
)
DYFED_ROWS = [(f"2024-01-{1 + i % 28:02d}T00:00", "B" if i % 3 == 0 else "W") for i in range(60)]  # date only


def _archive_row(when: str, who: str) -> str:
    ethnicity = {"B": BLACK, "W": WHITE, "A": ASIAN, "U": NOT_STATED}
    kind = "Vehicle search" if who == "vehicle" else "Person search"
    where = {"B-nowhere": ",", "W-outside": OUTSIDE}.get(who, IN_MAIDSTONE)
    eth = "" if who == "vehicle" else ethnicity[who[0]]
    officer = {"B": "Black", "W": "White", "A": "Asian"}.get(who[0], "")
    return (f"{kind},{when}:00+00:00,False,,{where},Male,18-24,{eth},{officer},{DRUGS_ACT},Controlled drugs,"
            f"{NFA},False,False")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ibis.BaseBackend]:
    folder = tmp_path_factory.mktemp("darkness")
    write_archive(folder, "2024-01", "kent", [_archive_row(*r) for r in KENT_ROWS])
    write_archive(folder, "2024-01", "dyfed-powys", [_archive_row(*r) for r in DYFED_ROWS])
    (folder / "maidstone.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"CODE": "E07000110", "NAME": "Maidstone"},
         "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}]}))
    db = folder / "darkness.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    backend = ibis.duckdb.connect(str(db), read_only=True)
    yield backend
    backend.disconnect()


def test_warehouse_document_counts_each_step(warehouse: ibis.BaseBackend) -> None:
    scope = resolve_scope(warehouse, Scope("kent,dyfed-powys", None, "2024-01", "2024-01"))
    doc = darkness_document(warehouse, scope)
    assert doc["test"] == "darkness" and doc["scope"]["force"] == "dyfed-powys,kent"
    assert doc["figures"]["steps"] == {
        "rows": 129, "excluded_by_gate": 60, "no_time": 0, "no_location": 5, "no_area": 2,
        "other_or_unknown_group": 7, "no_sunset_or_dusk": 0, "outside_window": 20, "twilight": 8, "analysed": 27,
        "dark": 12, "light": 15, "group_dark": 4, "group_light": 5, "reference_dark": 8, "reference_light": 10,
    }
    assert doc["figures"]["window"] == {"start": "16:00", "end": "17:21"}
    gates = {g["force"]: g for g in doc["figures"]["timestamp_check"]}
    assert gates["dyfed-powys"]["passed"] is False and gates["dyfed-powys"]["midnight"] == 1.0
    assert gates["kent"]["passed"] is True and gates["kent"]["timed"] == 69
    assert doc["available"] is False and doc["figures"]["odds_ratio"] is None
    assert len(doc["refused"]) == 5  # dark and light under 300; Black in the dark and light, White in the dark
    assert doc["figures"]["share_dark"] == 4 / 12 and doc["figures"]["share_light"] == 5 / 15
    assert any("dyfed-powys: times left out (60 searches)" in n for n in doc["notes"])
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc


def test_real_metropolitan_months(tmp_path: Path) -> None:
    archive = shared("police_uk", "archive")
    boroughs = shared("geography", "london_boroughs.geojson")
    files = sorted(archive.glob("*/*-metropolitan-stop-and-search.csv"))
    db = tmp_path / "met.duckdb"
    result = CliRunner().invoke(app, ["ingest", *map(str, files), str(boroughs), "--db", str(db)])
    assert result.exit_code == 0, result.output
    backend = ibis.duckdb.connect(str(db), read_only=True)
    try:
        scope = resolve_scope(backend, Scope("metropolitan", None, "2016-06", "2022-09"))
        doc = darkness_document(backend, scope)
    finally:
        backend.disconnect()
    figures = doc["figures"]
    print(json.dumps({k: v for k, v in figures.items() if k != "timestamp_check"}, indent=1))
    print(doc["refused"] or doc["notes"][0])
    steps = figures["steps"]
    assert steps["rows"] == sum(len(pd.read_csv(f, usecols=["Type"]).query("Type != 'Vehicle search'"))
                                for f in files)
    assert figures["timestamp_check"][0]["passed"] is True
    assert steps["analysed"] == steps["dark"] + steps["light"] > 0
    if doc["available"]:
        assert 0 < figures["ci_low"] < figures["odds_ratio"] < figures["ci_high"]
    else:
        assert doc["refused"]
