"""The policy-change test: did searching, or a group's ratio to White people, change when a policy changed in an
area (a new drugs strategy, a diversion scheme starting in a borough)?

Two designs, both on the monthly series of `bias.change_series`:

- Interrupted time series (segmented regression): y_t = b0 + b1 t + b2 post_t + b3 (t - t0) post_t [+ month
  of year], t counted in calendar months, so a missing month is a gap in time, not a shorter series. b2 is the
  jump at the first month of the policy, b3 the change of slope. The search rate is fitted by least squares;
  the ratio to White by a binomial model of the group's share of the two groups' searches with the log of
  the residents' ratio as offset, whose linear predictor is exactly the log of the ratio to White (a search of
  either group is of the group with odds r P_g / P_White). So b2 is a change in the log ratio and exp(b2) a
  multiplicative change; months are weighted by their searches, and a month with no search of one group is
  kept (the likelihood handles it, no continuity correction) while a month with none of either carries no
  information.
- Difference in differences against control areas: the treated area's series minus the control areas' mean,
  regressed on post. With one treated area and the controls weighted equally this is the two-way fixed effects
  (area and month) estimate of treated x post on the months every area covers; month effects shared with the
  controls (season, force-wide operations) cancel.

Errors are Newey-West (Bartlett kernel), with lags in calendar months so gaps are respected, the n/(n-k)
correction and Student t intervals; on a series with no gaps it is statsmodels' HAC (use_correction=True).
Clustering by area would rest on a handful of clusters, which gives intervals far too narrow (Bertrand, Duflo
and Mullainathan 2004), so the DiD interval is HAC on the difference series instead.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import ibis
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from scrutiny.errors import BadInput
from scrutiny.metrics.categories import GROUPS
from scrutiny.metrics.scope import Scope, scope_json
from scrutiny.vocab.ethnicity import COMPARED, HEADLINE_GROUP, REFERENCE
from scrutiny.vocab.months import BadMonth, label, month_start
from scrutiny.vocab.suppression import RATIO_MIN_SEARCHES

TEST = "change"
# A segment's line (intercept and slope) through fewer than six months is set by one or two unusual months,
# and six gives the four-parameter model at least eight residual degrees of freedom for its errors; Wagner et
# al. (2002) advise twelve a side, so fewer than twelve is said in the notes.
MIN_MONTHS_EACH_SIDE = 6
ADVISED_MONTHS_EACH_SIDE = 12
SEASONAL_MONTHS = 24  # month-of-year effects (11 more parameters) need two years of observed months
LEVEL = 0.95

ASSUMPTIONS = (
    "Without the policy, the months after it would have continued the line (and the seasonal pattern) of the "
    "months before it.",
    "Nothing else that changes searching started in the same month (another operation, a change in recording, "
    "a change in the data published).",
    "The Census 2021 residents stand for the people who could be searched in every month of the period.",
    "Errors may be correlated from month to month (Newey-West errors allow for it), but the correlation fades "
    "within a few months.",
    "Difference in differences (when control areas are given): without the policy the area and the controls "
    "would have moved in parallel; the check of their trends before the policy is reported beside it.",
)
CAN_SHOW = (
    "Whether the monthly rate of searches, or the group's rate relative to White people's, jumped or began to "
    "rise or fall faster from the month the policy started, beyond what the months before it predict.",
    "With control areas, whether the area changed more than comparable areas that had no such policy in the "
    "same months, which takes out what happened everywhere at once (a season, a force-wide campaign).",
)
CANNOT_SHOW = (
    "It cannot prove the policy caused a change: anything else that started at the same time would show the "
    "same, and a trend before the policy may bend for its own reasons.",
    "A change in the ratio to White people is a change in who is searched relative to residents, not in why: "
    "it cannot tell a change in bias from a change in who is out in public or in where officers patrol.",
    "With few months, or months missing, the intervals are wide and a real change can go unseen; no change "
    "found is not evidence of no change.",
)
METHOD = (
    "Interrupted time series by segmented regression (Wagner, Soumerai, Zhang and Ross-Degnan 2002, J Clin Pharm "
    "Ther 27:299; Bernal, Cummins and Gasparrini 2017, Int J Epidemiol 46:348): each month's value is a line in "
    "time, plus a jump (level change) and a change of slope from the first month of the policy, with month-of-"
    "year effects when at least 24 months are observed. The search rate per 1,000 residents is fitted by least "
    "squares; the ratio of the group's rate to White people's by a binomial regression of the group's share of "
    "the two groups' searches with the log of their residents' ratio as offset, so its level change is a change "
    "in the log ratio and exp of it a multiplicative change. Standard errors are Newey-West (1987, Econometrica "
    "55:703; Bartlett kernel in calendar months, lags floor(4(n/100)^(2/9)), n/(n-k) correction, Student t "
    "intervals). The counterfactual is the line before the policy carried on, with the seasonal effects. "
    "Difference in differences regresses the area's value minus the control areas' mean on whether the month "
    "is after the change (equal to the area and month fixed effects estimate), with the same errors, because "
    "clustering by a few areas is unreliable (Bertrand, Duflo and Mullainathan 2004, QJE 119:249); the "
    "difference of trends before the policy is reported as the check of parallel trends."
)


# ---- the arithmetic -------------------------------------------------------------------------------------------

def month_index(months: Sequence[date]) -> np.ndarray:
    """Calendar months since the first of `months` (gaps kept), as floats for the design matrix."""
    first = months[0].year * 12 + months[0].month
    return np.array([m.year * 12 + m.month - first for m in months], dtype=float)


def newey_west_lags(n: int) -> int:
    """The Newey-West (1994) rule floor(4 (n/100)^(2/9)), at least one lag."""
    return max(1, math.floor(4 * float((n / 100) ** (2 / 9))))


def hac_covariance(scores: np.ndarray, bread: np.ndarray, times: np.ndarray, lags: int) -> np.ndarray:
    """Sandwich bread · meat · bread with the Bartlett kernel in calendar time, w = 1 - |t_i - t_j| / (lags + 1)
    (zero beyond `lags` months), times n/(n-k). The kernel is positive definite on the line, so the matrix is
    a valid covariance with gaps in the months; without gaps it is the usual Newey-West estimate."""
    n, k = scores.shape
    weights = np.clip(1.0 - np.abs(times[:, None] - times[None, :]) / (lags + 1), 0.0, None)
    meat = scores.T @ weights @ scores
    cov: np.ndarray = bread @ meat @ bread * (n / (n - k))
    return cov


def independence_factors(x: np.ndarray, weights: np.ndarray, times: np.ndarray, lags: int) -> np.ndarray:
    """Per coefficient, what the HAC variance is multiplied by so that it is unbiased when the errors are in fact
    independent (in the spirit of MacKinnon and White's HC2). A line, a step and a slope change are smooth in time,
    and fitted residuals of neighbouring months are negatively correlated through them, so plain Newey-West is
    far too small in short series (simulated: 87% coverage of a nominal 95% at 48 months, 78% at 12). With
    `weights` the scores' variances (1 for least squares, n p (1 - p) for the binomial), the expected meat under
    independence is X'(K o V^1/2 (I - H) V^1/2)X, K the kernel; the factor is the true variance's diagonal over
    the expected estimate's, divided by the n/(n-k) the estimate already carries. It tends to 1 as the series
    grows, so the estimate stays consistent under correlated errors."""
    n, k = x.shape
    root = np.sqrt(weights)
    bread = np.linalg.inv(x.T @ (x * weights[:, None]))
    scaled = x * root[:, None]
    residual_cov = root[:, None] * (np.eye(n) - scaled @ bread @ scaled.T) * root[None, :]
    kernel = np.clip(1.0 - np.abs(times[:, None] - times[None, :]) / (lags + 1), 0.0, None)
    expected = bread @ (x.T @ (kernel * residual_cov) @ x) @ bread
    factors: np.ndarray = np.diag(bread) / np.diag(expected) * (n - k) / n
    return factors


def its_design(t: np.ndarray, t0: float, seasons: np.ndarray | None) -> np.ndarray:
    """Columns: intercept, time, post, time since the change while post, then month-of-year dummies (January
    the reference) when `seasons` (calendar month numbers) is given."""
    post = (t >= t0).astype(float)
    columns = [np.ones_like(t), t, post, (t - t0) * post]
    if seasons is not None:
        columns += [(seasons == m).astype(float) for m in range(2, 13)]
    return np.column_stack(columns)


def _interval(estimate: float, se: float, df: int) -> dict[str, float | None]:
    half = float(stats.t.ppf(0.5 + LEVEL / 2, df)) * se
    return {"estimate": _clean(estimate), "low": _clean(estimate - half), "high": _clean(estimate + half)}


def _exp(d: dict[str, float | None]) -> dict[str, float | None]:
    return {k: None if v is None else _clean(math.exp(v)) for k, v in d.items()}


def _clean(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _sides(months: Sequence[date], at: date) -> tuple[int, int]:
    return sum(m < at for m in months), sum(m >= at for m in months)


def _too_few(before: int, after: int, what: str) -> list[str]:
    if min(before, after) >= MIN_MONTHS_EACH_SIDE:
        return []
    return [f"{what}: {before} month(s) before the change and {after} from it; at least {MIN_MONTHS_EACH_SIDE} "
            "on each side are needed to fit a line on each side."]


def _seasonal(observed: Sequence[date]) -> bool:
    return len(observed) >= SEASONAL_MONTHS and len({m.month for m in observed}) == 12


def _refused(reasons: list[str]) -> dict[str, Any]:
    return {"available": False, "refused": reasons, "level_change": None, "slope_change": None, "months": []}


def _its_result(params: np.ndarray, cov: np.ndarray, factors: np.ndarray,
                df: int) -> tuple[dict[str, float | None], dict[str, float | None]]:
    se = np.sqrt(np.clip(np.diag(cov) * factors, 0.0, None))
    return _interval(params[2], se[2], df), _interval(params[3], se[3], df)


def _months_out(span: Sequence[date], observed: Mapping[date, float | None], fitted: np.ndarray,
                counterfactual: np.ndarray) -> list[dict[str, Any]]:
    return [{"month": label(m), "observed": observed.get(m), "fitted": _clean(f), "counterfactual": _clean(c)}
            for m, f, c in zip(span, fitted, counterfactual, strict=True)]


def its_rate(values: pd.Series, at: date) -> dict[str, Any]:
    """Segmented regression of a monthly value (a Series indexed by every month of the period as dates, NaN
    where the month is missing) with the change at `at`: level and slope change (per month) with 95% intervals,
    and observed, fitted and counterfactual values for every month of the period."""
    span = list(values.index)
    kept = values[np.isfinite(values.to_numpy(dtype=float))]
    observed = list(kept.index)
    before, after = _sides(observed, at)
    reasons = _too_few(before, after, "The search rate")
    if reasons:
        return _refused(reasons)
    seasonal = _seasonal(observed)
    t_all = month_index(span)
    seasons_all = np.array([m.month for m in span]) if seasonal else None
    t0 = float(t_all[span.index(at)])
    rows = np.array([span.index(m) for m in observed])
    x_all = its_design(t_all, t0, seasons_all)
    x = x_all[rows]
    y = kept.to_numpy(dtype=float)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return _refused(["The search rate: the months observed cannot separate a level change from the trend."])
    fit = sm.OLS(y, x).fit()
    lags = newey_west_lags(len(y))
    bread = np.linalg.inv(x.T @ x)
    cov = hac_covariance(x * fit.resid[:, None], bread, t_all[rows], lags)
    df = len(y) - x.shape[1]
    level, slope = _its_result(fit.params, cov, independence_factors(x, np.ones(len(y)), t_all[rows], lags), df)
    fitted = x_all @ fit.params
    counterfactual = _without_change(x_all) @ fit.params
    return {"available": True, "refused": [], "units": "searches per 1,000 residents in a month",
            "level_change": level, "slope_change": slope, "months_before": before, "months_after": after,
            "seasonality": seasonal, "lags": lags,
            "months": _months_out(span, {m: _clean(float(v)) for m, v in kept.items()}, fitted, counterfactual)}


def _without_change(x: np.ndarray) -> np.ndarray:
    """The design with the policy's two columns set to zero: the line before it carried on."""
    out = x.copy()
    out[:, 2:4] = 0.0
    return out


def its_log_ratio(group: pd.Series, white: pd.Series, group_residents: pd.Series, white_residents: pd.Series,
                  at: date) -> dict[str, Any]:
    """Segmented regression of the log of a group's ratio to White people: a binomial regression of the group's
    person searches out of the two groups' (Series indexed by every month of the period, NaN where missing),
    offset by the log of the residents' ratio. Level and slope change on the log scale and as multipliers;
    months give the ratio itself (observed null when either count is under RATIO_MIN_SEARCHES)."""
    span = list(group.index)
    a_all, c_all = group.to_numpy(dtype=float), white.to_numpy(dtype=float)
    pa_all, pc_all = group_residents.to_numpy(dtype=float), white_residents.to_numpy(dtype=float)
    usable = np.isfinite(a_all) & np.isfinite(c_all) & (a_all + c_all > 0) & (pa_all > 0) & (pc_all > 0)
    observed = [m for m, ok in zip(span, usable, strict=True) if ok]
    before, after = _sides(observed, at)
    reasons = _too_few(before, after, "The ratio to White people")
    pre = usable & np.array([m < at for m in span])
    post = usable & np.array([m >= at for m in span])
    for name, side in (("before", pre), ("from", post)):
        small = [(g, int(v[side].sum())) for g, v in (("group", a_all), (REFERENCE, c_all))
                 if v[side].sum() < RATIO_MIN_SEARCHES]
        if small:
            reasons.append(f"The ratio to White people: fewer than {RATIO_MIN_SEARCHES} searches of the "
                           f"{' or of '.join('group' if g == 'group' else 'White people' for g, _ in small)} in the "
                           f"months {name} the change.")
    if reasons:
        return _refused(reasons)
    seasonal = _seasonal(observed)
    t_all = month_index(span)
    t0 = float(t_all[span.index(at)])
    x_all = its_design(t_all, t0, np.array([m.month for m in span]) if seasonal else None)
    x, a, c = x_all[usable], a_all[usable], c_all[usable]
    offset = np.log(pa_all[usable] / pc_all[usable])
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return _refused(["The ratio to White people: the months observed cannot separate a level change from the "
                         "trend."])
    with warnings.catch_warnings():  # an exact fit (a hand-made series) is not a failure: p is checked below
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        fit = sm.GLM(np.column_stack([a, c]), x, family=sm.families.Binomial(), offset=offset).fit()
    params = np.asarray(fit.params)
    n = a + c
    p = 1.0 / (1.0 + np.exp(-(x @ params + offset)))
    if not (np.all(np.isfinite(params)) and np.all((p > 0) & (p < 1))):
        return _refused(["The ratio to White people: the model could not be fitted to these months."])
    bread = np.linalg.inv(x.T @ (x * (n * p * (1 - p))[:, None]))
    lags = newey_west_lags(len(a))
    cov = hac_covariance(x * (a - n * p)[:, None], bread, t_all[usable], lags)
    df = len(a) - x.shape[1]
    factors = independence_factors(x, n * p * (1 - p), t_all[usable], lags)
    level, slope = _its_result(params, cov, factors, df)
    shown = {m: (None if min(g, w) < RATIO_MIN_SEARCHES else _clean((g / pg) / (w / pw)))
             for m, g, w, pg, pw in zip(span, a_all, c_all, pa_all, pc_all, strict=True) if m in set(observed)}
    return {"available": True, "refused": [],
            "units": "log of the ratio to White people (months: the ratio itself)",
            "level_change": level, "slope_change": slope,
            "level_change_multiplier": _exp(level), "slope_change_multiplier": _exp(slope),
            "months_before": before, "months_after": after, "seasonality": seasonal, "lags": lags,
            "months": _months_out(span, shown, np.exp(x_all @ params), np.exp(_without_change(x_all) @ params))}


def did(treated: pd.Series, controls: Sequence[pd.Series], at: date) -> dict[str, Any]:
    """Difference in differences: the treated area's monthly value minus the controls' mean (Series indexed by
    month, NaN where missing; only months every area has are used), regressed on post with HAC errors. The
    parallel-trends check is the slope of that difference before the change, with its interval."""
    frame = pd.concat([treated, *controls], axis=1).dropna()
    months = list(frame.index)
    before, after = _sides(months, at)
    reasons = _too_few(before, after, "Difference in differences (months every area has)")
    if reasons:
        return {"available": False, "refused": reasons, "estimate": None, "parallel_trends": None}
    diff = frame.iloc[:, 0].to_numpy(dtype=float) - frame.iloc[:, 1:].to_numpy(dtype=float).mean(axis=1)
    t = month_index(months)
    post = np.array([m >= at for m in months], dtype=float)
    x = np.column_stack([np.ones_like(t), post])
    fit = sm.OLS(diff, x).fit()
    lags = newey_west_lags(len(diff))
    cov = hac_covariance(x * fit.resid[:, None], np.linalg.inv(x.T @ x), t, lags)
    cov = cov * independence_factors(x, np.ones(len(diff)), t, lags)
    estimate = _interval(fit.params[1], math.sqrt(max(cov[1, 1], 0.0)), len(diff) - 2)
    pre = post == 0
    xp = np.column_stack([np.ones(int(pre.sum())), t[pre]])
    trend = sm.OLS(diff[pre], xp).fit()
    pre_lags = newey_west_lags(before)
    cov_pre = hac_covariance(xp * trend.resid[:, None], np.linalg.inv(xp.T @ xp), t[pre], pre_lags)
    cov_pre = cov_pre * independence_factors(xp, np.ones(before), t[pre], pre_lags)
    slope = _interval(trend.params[1], math.sqrt(max(cov_pre[1, 1], 0.0)), before - 2)
    parallel = slope["low"] is not None and slope["high"] is not None and slope["low"] <= 0 <= slope["high"]
    return {"available": True, "refused": [], "estimate": estimate, "months_before": before, "months_after": after,
            "lags": lags, "parallel_trends": {"pre_slope_difference": slope, "consistent": parallel}}


# ---- the document ---------------------------------------------------------------------------------------------

def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    series = pd.Series(frame[name].to_numpy(dtype=float), index=list(frame["month"]))
    return series.where(frame["covered"].to_numpy(dtype=bool))


def _log_ratio(frame: pd.DataFrame, group: str) -> pd.Series:
    """Each month's log ratio to White people, NaN where either group has no searches (log of 0)."""
    ratio = _column(frame, f"ratio:{group}")
    return pd.Series(np.log(ratio.where(ratio > 0)), index=ratio.index)


def _side_total(frame: pd.DataFrame, name: str, at: date, after: bool) -> float:
    values = _column(frame, name)
    keep = [(m >= at) == after for m in values.index]
    return float(values[keep].sum())


def _did_both(treated: pd.DataFrame, controls: Mapping[str, pd.DataFrame], group: str, at: date,
              notes: list[str]) -> dict[str, Any]:
    rate = did(_column(treated, "rate_per_1000"), [_column(f, "rate_per_1000") for f in controls.values()], at)
    frames = [treated, *controls.values()]
    covered = pd.concat([_column(f, "searches") for f in frames], axis=1).notna().all(axis=1)
    logs = [_log_ratio(f, group) for f in frames]
    zero = int((covered & pd.concat(logs, axis=1).isna().any(axis=1)).sum())
    if zero:
        notes.append(f"Difference in differences of the ratio: {zero} month(s) in which an area had no searches of "
                     f"{group} or of White people are left out (the log of 0 is not defined).")
    small = []
    for who, parts in (("the area", [treated]), ("the control areas together", list(controls.values()))):
        for side, after in (("before", False), ("from", True)):
            for g in (group, REFERENCE):
                total = sum(_side_total(p, f"searches:{g}", at, after) for p in parts)
                if total < RATIO_MIN_SEARCHES:
                    small.append(f"{who} has fewer than {RATIO_MIN_SEARCHES} searches of {g} people in the months "
                                 f"{side} the change")
    if small:
        ratio: dict[str, Any] = {"available": False, "estimate": None, "parallel_trends": None,
                                 "refused": [f"Difference in differences of the ratio: {'; '.join(small)}."]}
    else:
        ratio = did(logs[0], logs[1:], at)
        if ratio["available"]:
            ratio["estimate_multiplier"] = _exp(ratio["estimate"])
    rate["units"] = "searches per 1,000 residents in a month"
    ratio["units"] = "log of the ratio to White people"
    return {"controls": list(controls), "search_rate": rate, "log_ratio": ratio}


def _notes(frame: pd.DataFrame, its: Mapping[str, dict[str, Any]], group: str, at: date) -> list[str]:
    notes = []
    missing = [label(m) for m, ok in zip(frame["month"], frame["covered"], strict=True) if not ok]
    if missing:
        notes.append(f"{len(missing)} month(s) of the period have no data from the force ({', '.join(missing[:12])}"
                     f"{' and more' if len(missing) > 12 else ''}): they are gaps in the series, not months with no "
                     "searches, and are left out of the fits.")
    loaded = [m for m, ok in zip(frame["month"], frame["covered"], strict=True) if ok]
    gap = max((b.year * 12 + b.month - a.year * 12 - a.month - 1 for a, b in itertools.pairwise(loaded)), default=0)
    if gap >= ADVISED_MONTHS_EACH_SIDE:
        notes.append(f"The months loaded have a gap of {gap} months: the lines are drawn across it, so the "
                     "counterfactual far from the months observed is an extrapolation, not a measurement.")
    for key, fit in its.items():
        if not fit["available"]:
            continue
        name = "search rate" if key == "search_rate" else "ratio to White people"
        if min(fit["months_before"], fit["months_after"]) < ADVISED_MONTHS_EACH_SIDE:
            notes.append(f"The {name} rests on {fit['months_before']} months before the change and "
                         f"{fit['months_after']} from it; {ADVISED_MONTHS_EACH_SIDE} on each side are advised, so "
                         "read it with care.")
        if not fit["seasonality"]:
            notes.append(f"The {name} has no month-of-year effects: they need at least {SEASONAL_MONTHS} months "
                         "observed, every calendar month among them, so a seasonal swing around "
                         f"{label(at)} could look like a change.")
    a, c = _column(frame, f"searches:{group}"), _column(frame, f"searches:{REFERENCE}")
    neither = int(((a + c) == 0).sum())
    if neither:
        notes.append(f"{neither} month(s) with no searches of {group} or of White people carry no information on "
                     "the ratio and are left out of its fit.")
    one = int((((a == 0) | (c == 0)) & ((a + c) > 0)).sum())
    if one:
        notes.append(f"{one} month(s) with searches of only one of the two groups are kept in the fit of the ratio "
                     "(the binomial model needs no correction for a zero); their monthly ratio is not shown.")
    notes.append("Residents are the Census 2021 count in every month, so the rate's changes are changes in searches.")
    return notes


def change_test(treated: pd.DataFrame, at: date, group: str = HEADLINE_GROUP,
                controls: Mapping[str, pd.DataFrame] | None = None, scope: dict[str, Any] | None = None,
                refused: Sequence[str] = ()) -> dict[str, Any]:
    """The test's document from monthly frames as `bias.change_series.AreaSeries.frame` has them (the treated
    area's, and each control area's by code), the first month of the policy `at` and the group compared with
    White people; `refused` are reasons found before (bad controls), which refuse the whole test."""
    if group not in GROUPS or group == REFERENCE:
        raise BadInput(f"group: unknown group {group!r}: choose one of "
                       f"{', '.join(COMPARED)}")
    months = list(treated["month"])
    reasons = list(refused)
    if not months or not months[0] < at <= months[-1]:
        reasons.append(f"The change month {label(at)} is outside the data: it must be after the first month of the "
                       f"period ({label(months[0]) if months else '-'}) and no later than its last "
                       f"({label(months[-1]) if months else '-'}).")
    figures: dict[str, Any] = {"at": label(at), "group": group, "reference": REFERENCE,
                               "min_months_each_side": MIN_MONTHS_EACH_SIDE, "its": None, "did": None}
    notes: list[str] = []
    if not reasons:
        its = {"search_rate": its_rate(_column(treated, "rate_per_1000"), at),
               "log_ratio": its_log_ratio(_column(treated, f"searches:{group}"),
                                          _column(treated, f"searches:{REFERENCE}"),
                                          _column(treated, f"residents:{group}"),
                                          _column(treated, f"residents:{REFERENCE}"), at)}
        figures["its"] = its
        notes = _notes(treated, its, group, at)
        if controls:
            figures["did"] = _did_both(treated, controls, group, at, notes)
        if not any(fit["available"] for fit in its.values()):
            reasons += [r for fit in its.values() for r in fit["refused"]]
        else:
            notes += [r for fit in its.values() for r in fit["refused"]]
    return {"test": TEST, "scope": scope, "available": not reasons, "refused": reasons, "figures": figures,
            "assumptions": list(ASSUMPTIONS), "can_show": list(CAN_SHOW), "cannot_show": list(CANNOT_SHOW),
            "notes": notes, "method": METHOD}


def change_document(backend: ibis.BaseBackend, scope: Scope, at: str, controls: list[str] | None = None,
                    group: str = HEADLINE_GROUP) -> dict[str, Any]:
    """The policy-change document for a resolved scope (`resolve_scope`) with an area: `scope` spans the whole
    study period (its lens, forces and ethnicity basis apply to every series), `at` is the first month of the
    new policy (YYYY-MM; a bad value is BadInput naming `at`), `controls` are area codes or names to compare
    with (difference in differences), and `group` is compared with White people. Refused (available False,
    with reasons) for a change month outside the period, fewer than MIN_MONTHS_EACH_SIDE months on a side, an
    unknown control or one equal to the area, or too few searches for a ratio."""
    from scrutiny.bias.change_series import area_series, resolve_controls, series_rows

    try:
        when = month_start(at)
    except BadMonth as exc:
        raise BadInput(f"at: {exc}", loc=("query", "at")) from None
    if scope.area is None:
        raise BadInput("area: the change test needs the area where the policy changed", loc=("query", "area"))
    found, refused = resolve_controls(backend, scope, list(controls or []))
    series = area_series(backend, scope, [(scope.area, scope.area_name), *found])
    frames = {s.code: s.frame for s in series[1:]}
    doc = change_test(series[0].frame, when, group, frames or None, scope_json(scope), refused)
    doc["figures"]["area"] = {"code": scope.area, "name": scope.area_name}
    doc["figures"]["controls"] = [{"code": c, "name": n} for c, n in found]
    doc["figures"]["series"] = series_rows(series[0])
    return doc
