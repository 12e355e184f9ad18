"""The veil-of-darkness test (Grogger and Ridgeway 2006, as Pierson et al. 2020 apply it to traffic stops).

If officers decide whom to search partly on ethnicity, they can do so more easily when they can see it. At
one clock time of the evening it is light on some days of the year and dark on others, so comparing the
ethnic mix of people searched at the same clock time in the light and in the dark asks whether visibility
changes who is searched. Only the inter-twilight window is used (clock times between the period's earliest
sunset and its latest civil dusk), stops between that day's sunset and dusk are dropped as neither light
nor dark, and a logistic model of "the person searched is of the group" on darkness, a natural spline of
clock time and fixed effects for weekday, month and area gives the odds ratio of darkness.

The comparison is the group against White people only (as Pierson et al. compare Black and White drivers):
the question is whether darkness shifts the group's share relative to the largest group, and mixing in the
other minority groups, whose own share may shift with visibility, would blur that contrast.

Identical covariate rows are summed into binomial counts before the fit: the likelihood is the same, so the
estimate and its interval are exactly those of the row-by-row logit, from a few hundred thousand rows at most.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import ibis
import numpy as np
import pandas as pd
import patsy
from scipy import linalg, special

from scrutiny.bias.sun import local_clock, sun_times
from scrutiny.bias.timestamp_gate import measure
from scrutiny.errors import BadInput
from scrutiny.metrics.categories import GROUPS, PERSON_TYPES
from scrutiny.metrics.scope import Scope, in_scope, scope_json
from scrutiny.vocab.ethnicity import COMPARED, HEADLINE_GROUP, REFERENCE
from scrutiny.vocab.suppression import RATIO_MIN_SEARCHES

TEST = "darkness"  # the name `scrutiny bias --test` and the API take (bias.suite.TESTS)
SPLINE_DF = 6
MIN_EACH = 300  # dark and light stops each: with fewer the interval is too wide to say anything
CLOCK_CHANGE_DAYS = 14  # the clock-change design keeps the two weeks either side of each change
Z95 = 1.959963984540054
COLUMNS = ("occurred_at", "latitude", "longitude", "group", "area_code")

ASSUMPTIONS = (
    "The method was built for traffic stops, where a driver's ethnicity is harder to see in the dark. Stop and "
    "search is mostly of people on foot, whom officers usually see close up, with street lighting, before "
    "deciding; if darkness hides ethnicity little, the test has little power to detect bias, whatever there is.",
    "At a given clock time, the mix of people out and about (and doing what draws police attention) does not "
    "change with whether it is dark; clock time, weekday, month and area are allowed for, but not, say, people "
    "staying in on dark evenings differently by ethnicity.",
    "Officers' deployment at a given clock time, weekday, month and area does not itself change with darkness.",
    "The published time is when the search happened, to the minute, in UK time converted to UTC as "
    "data.police.uk states; the published point is near where it happened (it is snapped to a nearby road).",
    "Daylight is judged from the sun alone: street lighting, weather and moonlight are not known.",
    "Recorded ethnicity (self-defined or officer-defined, as the scope says) is the ethnicity that could be seen.",
)
CAN_SHOW = (
    "Whether a group's share of the people searched (against White people) is different after dark than in "
    "daylight at the same clock time, weekday, month and area. A smaller share in the dark, when ethnicity is "
    "harder to see, is evidence consistent with officers searching that group more when they can see it.",
    "It needs no population figures: it compares searches with searches, so it does not depend on who lives in "
    "or passes through an area.",
)
CANNOT_SHOW = (
    "It cannot prove bias, nor rule it out: an odds ratio near 1 can mean no bias, or bias that does not depend "
    "on seeing ethnicity (for example an officer who already knows the person, or who decides after speaking "
    "to them), which is common in pedestrian searches.",
    "It says nothing about stops in the morning or the middle of the day or night, only about the evening "
    "window in which it is light on some days and dark on others.",
    "It cannot tell where in a search the bias happens (whom officers approach, or whom they search once "
    "stopped).",
)
METHOD = (
    "The veil-of-darkness test (Grogger, J. and Ridgeway, G. 2006, 'Testing for racial profiling in traffic "
    "stops from behind a veil of darkness', Journal of the American Statistical Association 101:878-887), as "
    "the Stanford Open Policing Project applies it (Pierson, E. et al. 2020, 'A large-scale analysis of racial "
    "disparities in police stops across the United States', Nature Human Behaviour 4:736-745). Forces whose "
    "published times are not real clock times are left out. Sunset and civil dusk are computed for each "
    "search's date and place; only searches at clock times between the period's earliest sunset and latest "
    "dusk are used, and those between that day's sunset and dusk are dropped. A logistic regression of whether "
    "the person searched is of the group (against White people) on darkness, a natural cubic spline of clock "
    f"time ({SPLINE_DF} degrees of freedom) and fixed effects for weekday, month and area gives the odds ratio "
    "of darkness with a 95% Wald interval. Below 1, the group is a smaller share of those searched in the dark."
)
CLOCK_CHANGE_METHOD = (
    f" Clock-change design: only the {CLOCK_CHANGE_DAYS} days either side of each change of the clocks are used, "
    "so the same clock time is light on one side and dark on the other within a few weeks; the fixed effect of "
    "month is replaced by one for each clock change."
)


def _check_group(group: str) -> None:
    if group not in GROUPS or group == REFERENCE:
        others = ", ".join(COMPARED)
        raise BadInput(f"veil of darkness: group {group!r} cannot be tested; expected one of {others} "
                       f"(each is compared with {REFERENCE} people)", loc=("query", "group"))


def _gate(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Judge each force's times (the whole frame if there is no `force` column); keep the forces that pass."""
    forces = frame["force"].astype(str) if "force" in frame.columns else pd.Series("", index=frame.index)
    keep = np.zeros(len(frame), dtype=bool)
    gates = []
    for force, index in forces.groupby(forces, sort=True).indices.items():
        decision = measure(frame["occurred_at"].iloc[index])
        gates.append({"force": force or None, "rows": len(index), **decision.to_dict()})
        keep[index] = decision.passed
    return frame[keep], gates


def _last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - 6) % 7)


def _clock_change_period(local: pd.Series) -> pd.Series:
    """For each stop, the clock change (e.g. 201810) it is within `CLOCK_CHANGE_DAYS` of, else missing."""
    day = local.dt.normalize()
    period = pd.Series(pd.NA, index=local.index, dtype="Int64")
    for year in sorted(set(local.dt.year)):
        for month in (3, 10):
            change = pd.Timestamp(_last_sunday(year, month))
            near = (day - change).abs() <= pd.Timedelta(days=CLOCK_CHANGE_DAYS)
            period[near] = year * 100 + month
    return period


def _minutes(clock: pd.Series) -> pd.Series:
    minutes: pd.Series = clock.dt.hour * 60 + clock.dt.minute + clock.dt.second / 60
    return minutes


def _hhmm(minutes: float) -> str:
    whole = math.floor(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def prepare(frame: pd.DataFrame, group: str, clock_change: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every exclusion step in turn; the rows left (with `dark`, `y`, clock time, weekday, period, area) and the
    count at each step, the gate's decisions and the window."""
    steps: dict[str, int] = {"rows": len(frame)}
    gated, gates = _gate(frame)
    steps["excluded_by_gate"] = len(frame) - len(gated)
    no_time = gated["occurred_at"].isna()
    steps["no_time"] = int(no_time.sum())
    rows = gated[~no_time]
    no_place = rows["latitude"].isna() | rows["longitude"].isna()
    steps["no_location"] = int(no_place.sum())
    rows = rows[~no_place]
    no_area = rows["area_code"].isna()
    steps["no_area"] = int(no_area.sum())
    rows = rows[~no_area]
    in_groups = rows["group"].isin([group, REFERENCE])
    steps["other_or_unknown_group"] = int((~in_groups).sum())
    rows = rows[in_groups]
    utc = pd.to_datetime(rows["occurred_at"])
    local = local_clock(utc)
    period = local.dt.year * 100 + local.dt.month
    if clock_change:
        period = _clock_change_period(local)
        near = period.notna()
        steps["outside_clock_change_weeks"] = int((~near).sum())
        rows, utc, local, period = rows[near], utc[near], local[near], period[near]
    sun = sun_times(local.dt.normalize(), rows["latitude"], rows["longitude"])
    no_sun = sun["sunset"].isna() | sun["dusk"].isna()
    steps["no_sunset_or_dusk"] = int(no_sun.sum())
    keep = ~no_sun
    rows, utc, local, period, sun = rows[keep], utc[keep], local[keep], period[keep], sun[keep]
    clock = _minutes(local)
    window: dict[str, str | None] = {"start": None, "end": None}
    if len(rows):
        start = float(_minutes(local_clock(sun["sunset"])).min())
        end = float(_minutes(local_clock(sun["dusk"])).max())
        window = {"start": _hhmm(start), "end": _hhmm(end)}
        inside = (clock >= start) & (clock <= end)
    else:
        inside = clock.astype(bool)
    steps["outside_window"] = int((~inside).sum())
    rows, utc, local, period, sun, clock = (rows[inside], utc[inside], local[inside], period[inside],
                                            sun[inside], clock[inside])
    twilight = (utc >= sun["sunset"]) & (utc < sun["dusk"])
    steps["twilight"] = int(twilight.sum())
    kept = ~twilight
    out = pd.DataFrame({
        "y": (rows["group"] == group).to_numpy()[kept.to_numpy()].astype("int64"),
        "dark": (utc >= sun["dusk"])[kept].to_numpy().astype("int64"),
        "clock": np.floor(clock[kept].to_numpy()).astype("int64"),
        "weekday": local[kept].dt.day_of_week.to_numpy(),
        "period": period[kept].to_numpy(),
        "area": rows["area_code"][kept].astype(str).to_numpy(),
    })
    steps["analysed"] = len(out)
    steps["dark"] = int(out["dark"].sum())
    steps["light"] = len(out) - steps["dark"]
    steps["group_dark"] = int((out["y"] & out["dark"]).sum())
    steps["group_light"] = int((out["y"] & (1 - out["dark"])).sum())
    steps["reference_dark"] = steps["dark"] - steps["group_dark"]
    steps["reference_light"] = steps["light"] - steps["group_light"]
    return out, {"steps": steps, "gates": gates, "window": window}


def aggregate(rows: pd.DataFrame) -> pd.DataFrame:
    """Identical covariate rows summed: `n` stops, `y` of them of the group (the same likelihood)."""
    keys = ["dark", "clock", "weekday", "period", "area"]
    grouped = rows.groupby(keys, sort=False, observed=True)["y"].agg(["sum", "size"]).reset_index()
    return grouped.rename(columns={"sum": "y", "size": "n"})


def _dummies(values: pd.Series) -> np.ndarray:
    """Treatment coding (first level in sorted order left out), built directly: patsy's categorical sniffing
    takes seconds on half a million rows."""
    codes, _ = pd.factorize(values, sort=True)
    out = np.zeros((len(values), int(codes.max(initial=0))), dtype="float64")
    has = codes > 0
    out[np.flatnonzero(has), codes[has] - 1] = 1.0
    return out


def design(cells: pd.DataFrame) -> np.ndarray:
    """Intercept, darkness (column 1), the centred natural cubic spline of clock time, and the fixed effects."""
    spline = patsy.dmatrix(f"cr(clock, df={SPLINE_DF}, constraints='center') - 1", {"clock": cells["clock"]})
    return np.column_stack([np.ones(len(cells)), cells["dark"].to_numpy(dtype="float64"), np.asarray(spline),
                            *(_dummies(cells[key]) for key in ("weekday", "period", "area"))])


def binomial_logit(x: np.ndarray, y: np.ndarray, n: np.ndarray, tol: float = 1e-8,
                   max_iter: int = 100) -> tuple[np.ndarray, np.ndarray, bool]:
    """Maximum likelihood of a binomial logit by Newton-Raphson (the same estimate and Wald covariance as
    statsmodels' GLM, checked in the tests): statsmodels solves each step by SVD of the whole design, 25 s for
    a force-year; forming X'WX once per step takes a fraction of a second. Returns (coefficients, covariance,
    converged); the covariance is NaN when the model cannot be fitted."""
    failed = np.full((x.shape[1], x.shape[1]), np.nan)
    beta = np.zeros(x.shape[1])
    share = float(y.sum() / n.sum())
    beta[0] = math.log(share / (1 - share))
    eta = x @ beta
    loglik = float(np.sum(y * eta - n * np.logaddexp(0, eta)))
    for _ in range(max_iter):
        p = special.expit(eta)
        try:
            factor = linalg.cho_factor((x * (n * p * (1 - p))[:, None]).T @ x)
        except linalg.LinAlgError:
            return beta, failed, False
        step = linalg.cho_solve(factor, x.T @ (y - n * p))
        if float(np.max(np.abs(step))) < tol:
            return beta, linalg.cho_solve(factor, np.eye(x.shape[1])), True
        for _halving in range(40):  # a Newton step that lowers the likelihood is halved (rare for a logit)
            eta = x @ (beta + step)
            new = float(np.sum(y * eta - n * np.logaddexp(0, eta)))
            if new >= loglik - 1e-12 * abs(loglik):
                break
            step = step / 2
        beta, loglik = beta + step, new
    return beta, failed, False


def fit(cells: pd.DataFrame) -> dict[str, Any]:
    """The binomial logit on the summed cells; the log odds ratio of darkness and its standard error."""
    shares = cells.groupby("area")[["y", "n"]].sum()
    one_group = shares.index[(shares["y"] == 0) | (shares["y"] == shares["n"])]
    # an area where only one group was searched says nothing about darkness: its fixed effect would run off
    # to infinity and those stops carry no weight at the limit, so leaving them out gives the same estimate
    cells = cells[~cells["area"].isin(one_group)]
    beta, cov, converged = binomial_logit(design(cells), cells["y"].to_numpy(dtype="float64"),
                                          cells["n"].to_numpy(dtype="float64"))
    return {"log_odds_ratio": float(beta[1]), "se": float(math.sqrt(cov[1, 1])) if cov[1, 1] >= 0 else math.nan,
            "converged": converged, "covariate_rows": len(cells), "areas_one_group": [str(a) for a in one_group],
            "stops_in_one_group_areas": int(shares.loc[one_group, "n"].sum())}


def _reading(group: str, ratio: float, low: float, high: float) -> str:
    figures = f"odds ratio {ratio:.2f}, 95% interval {low:.2f} to {high:.2f}"
    if high < 1:
        return (f"{group} people were a smaller share of those searched (against White people) in the dark than in "
                f"daylight at the same clock time ({figures}). Since ethnicity is harder to see in the dark, this "
                f"is consistent with officers searching {group} people more when they can see them: evidence "
                "consistent with bias in daylight, though not proof of it (see the assumptions).")
    if low > 1:
        return (f"{group} people were a larger share of those searched (against White people) in the dark than in "
                f"daylight at the same clock time ({figures}). That is not the pattern bias based on seeing "
                "ethnicity would produce; something else that changes with darkness is likely at work.")
    return (f"The interval includes 1 ({figures}): this test finds no clear difference in {group} people's share "
            "of those searched between dark and daylight. That is not evidence of no bias: the test can only "
            "detect bias that depends on seeing ethnicity.")


def _refusals(steps: dict[str, int], gates: list[dict[str, Any]], group: str) -> list[str]:
    if not any(g["passed"] for g in gates):
        return ["No force in this scope publishes real clock times (see the timestamp check in the figures), so "
                "light and dark cannot be told apart."]
    refused = []
    for side in ("dark", "light"):
        if steps[side] < MIN_EACH:
            refused.append(f"Only {steps[side]:,} searches in the {side} are left after the exclusions; the test "
                           f"needs at least {MIN_EACH} in the dark and {MIN_EACH} in daylight.")
        for who, key in ((group, f"group_{side}"), (REFERENCE, f"reference_{side}")):
            if steps[key] < RATIO_MIN_SEARCHES:
                refused.append(f"Fewer than {RATIO_MIN_SEARCHES} searches of {who} people in the {side} are left; "
                               "a ratio resting on so few is not shown.")
    return refused


def _notes(steps: dict[str, int], gates: list[dict[str, Any]], group: str) -> list[str]:
    notes = [f"{g['force'] or 'The data'}: times left out ({g['rows']:,} searches): {g['reason']}."
             for g in gates if not g["passed"]]
    words = {"no_time": "have no time", "no_location": "have no location", "no_area": "are in no loaded area",
             "other_or_unknown_group": f"are of neither {group} nor {REFERENCE} people (or of unknown ethnicity)",
             "outside_clock_change_weeks": f"are more than {CLOCK_CHANGE_DAYS} days from a change of the clocks",
             "no_sunset_or_dusk": "are on a day with no sunset or dusk there",
             "outside_window": "are at clock times outside the evening window",
             "twilight": "are between sunset and dusk (neither light nor dark)"}
    for key, text in words.items():
        if steps.get(key):
            notes.append(f"{steps[key]:,} searches {text} and are left out.")
    return notes


def darkness_test(frame: pd.DataFrame, group: str = HEADLINE_GROUP, *, clock_change: bool = False,
                  scope: dict[str, Any] | None = None) -> dict[str, Any]:
    """The test's document from a frame of person searches with columns occurred_at (UTC, naive), latitude,
    longitude, group (Asian, Black, Mixed, White, Other or unknown), area_code and, optionally, force (each
    force's times are judged on their own). `group` is compared with White people; `clock_change` keeps only
    the weeks either side of each clock change; `scope` is copied into the document as given."""
    _check_group(group)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise BadInput(f"veil of darkness: the frame has no column {', '.join(missing)}")
    rows, found = prepare(frame, group, clock_change)
    steps = found["steps"]
    figures: dict[str, Any] = {
        "group": group, "reference": REFERENCE, "clock_change": clock_change, "odds_ratio": None,
        "ci_low": None, "ci_high": None, "log_odds_ratio": None, "se": None, "steps": steps,
        "window": found["window"], "spline_df": SPLINE_DF, "covariate_rows": None, "timestamp_check": found["gates"],
        "share_dark": steps["group_dark"] / steps["dark"] if steps["dark"] else None,
        "share_light": steps["group_light"] / steps["light"] if steps["light"] else None,
    }
    refused = _refusals(steps, found["gates"], group)
    notes = _notes(steps, found["gates"], group)
    if not refused:
        try:
            result = fit(aggregate(rows))
        except (patsy.PatsyError, ValueError, np.linalg.LinAlgError):  # e.g. too few distinct clock times
            result = {"log_odds_ratio": math.nan, "se": math.nan, "converged": False}
        beta, se = result["log_odds_ratio"], result["se"]
        if not (result["converged"] and math.isfinite(beta) and math.isfinite(se) and se > 0):
            refused.append("The model could not be fitted to these searches (it did not converge).")
        else:
            low, high = math.exp(beta - Z95 * se), math.exp(beta + Z95 * se)
            figures.update(odds_ratio=math.exp(beta), ci_low=low, ci_high=high, log_odds_ratio=beta, se=se,
                           covariate_rows=result["covariate_rows"])
            notes.insert(0, _reading(group, math.exp(beta), low, high))
            if result["areas_one_group"]:
                notes.append(f"{result['stops_in_one_group_areas']:,} searches in {len(result['areas_one_group'])} "
                             f"areas where only {group} or only {REFERENCE} people were searched carry no "
                             "information on darkness and are left out of the fit.")
    return {
        "test": TEST, "scope": scope, "available": not refused, "refused": refused, "figures": figures,
        "assumptions": list(ASSUMPTIONS), "can_show": list(CAN_SHOW), "cannot_show": list(CANNOT_SHOW),
        "notes": notes, "method": METHOD + (CLOCK_CHANGE_METHOD if clock_change else ""),
    }


def darkness_document(backend: ibis.BaseBackend, scope: Scope, group: str = HEADLINE_GROUP,
                      clock_change: bool = False) -> dict[str, Any]:
    """The veil-of-darkness document for a resolved scope (`resolve_scope`): person searches of the scope
    (its lens applied, its ethnicity basis used), `group` against White people; `clock_change` for the
    clock-change design. Refused (available False, with reasons) when no force's times are real clock times
    or too few searches are left."""
    _check_group(group)
    stops = backend.table("stop_search")
    person = in_scope(stops, scope).filter(stops.search_type.isin(PERSON_TYPES))
    frame = person.select("force", "occurred_at", "latitude", "longitude", "area_code",
                          group=person[scope.group_column]).to_pandas()
    return darkness_test(frame, group, clock_change=clock_change, scope=scope_json(scope))
