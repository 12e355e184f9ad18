"""The bias document: the outcome test always, the threshold test when asked for and NumPyro is installed.

`scrutiny bias`, GET /api/v1/bias and the report's "Tests of bias" section all take this one document.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import numpy as np

from scrutiny.bias.inputs import Exposure, census_exposure, check_covers, read_exposure_csv
from scrutiny.bias.outcome_test import NO_AREA, outcome_counts, outcome_test
from scrutiny.metrics.categories import GROUPS
from scrutiny.metrics.population import scope_areas
from scrutiny.metrics.scope import Scope, resolve_scope, scope_json
from scrutiny.metrics.warehouse_backend import compute_metrics_with

INSTALL = "pip install 'scrutiny[bias]'"
DEFAULT_DRAWS = 1000
DEFAULT_WARMUP = 1000  # the dense mass matrix needs it: at 500 the simulated fits mixed worse and took longer

METHODS = {
    "outcome_test": (
        "The outcome test compares hit rates: the share of searches of each group that found something. If "
        "officers search one group on weaker grounds (a lower bar), fewer of those searches find anything, so a "
        "lower hit rate for a group suggests a lower bar for searching them. It needs no population figures. "
        "But hit rates are averages over everyone searched, not the chance of finding something at the margin "
        "where an officer decides (infra-marginality): groups can have different hit rates under the same bar, "
        "or equal hit rates under different bars, so the outcome test alone can neither prove nor rule out bias."
    ),
    "threshold_test": (
        "The threshold test (Simoiu, Corbett-Davies and Goel) infers the bar itself: a Bayesian model of how "
        "often each group is searched and how often those searches find something, in each area, gives each "
        "group's search threshold (the chance of finding something above which officers search) with a 95% "
        "credible interval, and the difference to White people. A lower threshold for a group means officers "
        "search its members on less evidence. The result rests on the model's assumptions (posterior "
        "predictive checks show how well it fits the counts) and, here, on Census residents as the exposure, "
        "not the people officers actually encountered: thresholds are per resident, and biased if the groups' "
        "presence in public space differs from their share of residents. A user can give a better exposure "
        "table (--exposure FILE)."
    ),
}


def threshold_available() -> bool:
    """Whether the threshold test can run: NumPyro (the optional extra) and its module are importable."""
    if importlib.util.find_spec("numpyro") is None or importlib.util.find_spec("scrutiny.bias.threshold_test") is None:
        return False
    module = importlib.import_module("scrutiny.bias.threshold_test")
    return hasattr(module, "fit_threshold_test")


def _exposure(backend: ibis.BaseBackend, areas: set[str], exposure_csv: Path | None) -> Exposure:
    if exposure_csv is not None:
        return read_exposure_csv(exposure_csv)
    return census_exposure(backend, sorted(areas))


def threshold_inputs(
    backend: ibis.BaseBackend, scope: Scope, exposure_csv: Path | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], Exposure, list[str]]:
    """Exposure, searches with a recorded outcome and hits, as area × group arrays, for the areas searched."""
    frame = outcome_counts(backend, scope, by_area=True)
    notes: list[str] = []
    no_area = frame[(frame.area_code == NO_AREA)]
    if int(no_area.searches.sum()):
        notes.append(f"{int(no_area.searches.sum()):,} searches of people with no location (so no area) are left "
                     "out of the threshold test.")
    unknown = frame[(frame.area_code != NO_AREA) & ~frame.group.isin(GROUPS)]
    if int(unknown.searches.sum()):
        notes.append(f"{int(unknown.searches.sum()):,} searches of people of unknown ethnicity are left out of the "
                     "threshold test.")
    frame = frame[(frame.area_code != NO_AREA) & frame.group.isin(GROUPS)]
    searched = sorted(set(frame[frame.known > 0].area_code))
    own = set(scope_areas(backend, scope))
    if own and set(searched) - own:
        # e.g. Met searches in the City of London: its residents are another force's, so no fair exposure
        outside = frame[~frame.area_code.isin(own)]
        notes.append(f"{int(outside.known.sum()):,} searches in areas outside the force's own "
                     f"({', '.join(sorted(set(searched) - own)[:10])}) are left out of the threshold test.")
        searched = [a for a in searched if a in own]
    exposure = _exposure(backend, set(searched) | own, exposure_csv)
    areas = check_covers(exposure, searched)
    index = {(a, g): (i, j) for i, a in enumerate(areas) for j, g in enumerate(GROUPS)}
    searches = np.zeros((len(areas), len(GROUPS)), dtype=np.int64)
    hits = np.zeros_like(searches)
    for area, group, known, hit in zip(frame.area_code, frame.group, frame.known, frame.hits, strict=True):
        if (area, group) in index:
            i, j = index[(area, group)]
            searches[i, j] += int(known)
            hits[i, j] += int(hit)
    exposed = np.array([[exposure.values[(a, g)] for g in GROUPS] for a in areas], dtype=np.float64)
    return exposed, searches, hits, areas, exposure, notes


@dataclass(frozen=True)
class ThresholdData:
    """What the threshold fit needs, read from the warehouse first, so that the fit itself can run with no
    connection open (the web app runs it in another process)."""

    exposed: np.ndarray
    searches: np.ndarray
    hits: np.ndarray
    areas: list[str]
    exposure: Exposure
    notes: list[str]


def threshold_data(backend: ibis.BaseBackend, scope: Scope, exposure_csv: Path | None = None) -> ThresholdData:
    exposed, searches, hits, areas, exposure, notes = threshold_inputs(backend, scope, exposure_csv)
    if (searches > exposed).any():
        raise_where = [f"{areas[i]} {GROUPS[j]}" for i, j in zip(*np.nonzero(searches > exposed), strict=True)]
        notes.append("More searches than exposure in " + ", ".join(raise_where[:10]) + ": a person can be searched "
                     "more than once, but the model treats exposure as the people who could be searched.")
    if len(areas) == 1:
        notes.append("Only one area: the threshold test learns little about each group's bar from one area, so "
                     "its intervals are wide.")
    return ThresholdData(exposed, searches, hits, areas, exposure, notes)


def fit_threshold(data: ThresholdData, draws: int, warmup: int, chains: int, seed: int,
                  progress: bool = False) -> dict[str, Any]:
    """The document's `threshold_test` entry: the fit of `data` (slow; needs NumPyro)."""
    fit_threshold_test = importlib.import_module("scrutiny.bias.threshold_test").fit_threshold_test

    result = fit_threshold_test(data.exposed, data.searches, data.hits, data.areas, list(GROUPS), draws=draws,
                                warmup=warmup, chains=chains, seed=seed, progress=progress)
    return {"available": True, "run": True, "exposure": data.exposure.to_dict(), "areas": data.areas,
            "notes": data.notes + data.exposure.notes, **result.to_dict()}


def threshold_entry(
    backend: ibis.BaseBackend, scope: Scope, exposure_csv: Path | None, draws: int, warmup: int, chains: int,
    seed: int, progress: bool = False,
) -> dict[str, Any]:
    return fit_threshold(threshold_data(backend, scope, exposure_csv), draws, warmup, chains, seed, progress)


def bias_document(
    backend: ibis.BaseBackend, scope: Scope, by_area: bool = False, run_threshold: bool = False,
    exposure_csv: Path | None = None, *, draws: int = DEFAULT_DRAWS, warmup: int = DEFAULT_WARMUP,
    chains: int = 2, seed: int = 0, progress: bool = False,
) -> dict[str, Any]:
    """The outcome test for a resolved scope, and the threshold test if `run_threshold` and it is installed."""
    threshold: dict[str, Any]
    if not threshold_available():
        threshold = {"available": False, "run": False, "install": INSTALL,
                     "reason": f"the threshold test needs NumPyro (the optional extra): {INSTALL}"}
    elif not run_threshold:
        threshold = {"available": True, "run": False,
                     "reason": "not requested (it takes a while): --threshold on the command line, "
                               "threshold=true in the API"}
    else:
        threshold = threshold_entry(backend, scope, exposure_csv, draws, warmup, chains, seed, progress)
    return {
        "scope": scope_json(scope),
        "outcome_test": outcome_test(backend, scope, by_area),
        "threshold_test": threshold,
        "methods": dict(METHODS),
    }


def compute_bias(
    db: Path, scope: Scope, by_area: bool = False, run_threshold: bool = False, exposure_csv: Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """The bias document from the DuckDB warehouse at `db`, the scope checked against it first."""
    def work(backend: ibis.BaseBackend) -> dict[str, Any]:
        return bias_document(backend, resolve_scope(backend, scope), by_area, run_threshold, exposure_csv, **options)

    return compute_metrics_with(db, work)
