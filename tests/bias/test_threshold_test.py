"""Simulation study of the threshold test: planted thresholds must be recovered at close to nominal coverage.

Needs the optional extra (``pip install 'scrutiny[bias]'``); skipped with that message without it.
Each fit is a full one (2 chains, 1,000 warm-up and 1,000 draws: under a minute on two cores), so that its
intervals are trustworthy; every interval test first asserts the fit converged.

The fits run in one spawned worker process, never in pytest's: JAX starts threads when it first computes, and
any later test that forks (a multiprocessing pool, a subprocess with `preexec_fn`) would then fork a
multithreaded process, which JAX warns "will likely lead to a deadlock".
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import numpy as np
import pytest

pytest.importorskip("numpyro", reason="threshold test needs the optional extra: pip install 'scrutiny[bias]'")

from scrutiny.bias.threshold_test import (
    ThresholdInputs,
    ThresholdResult,
    equal_threshold_parameters,
    simulate,
)
from scrutiny.bias.threshold_test import fit as fit_in_process

pytestmark = pytest.mark.slow_fit

FIT = {"warmup": 1000, "draws": 1000, "chains": 2}
REPLICATIONS = 2
_worker: ProcessPoolExecutor | None = None


@pytest.fixture(scope="module", autouse=True)
def jax_worker() -> Iterator[None]:
    """One spawned process for the module's fits, so JAX compiles the model once, as it did in-process."""
    global _worker
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        _worker = pool
        yield
    _worker = None


def fit(inputs: ThresholdInputs, **options: Any) -> ThresholdResult:
    """`scrutiny.bias.threshold_test.fit`, run in the module's spawned worker."""
    assert _worker is not None, "fits run in the jax_worker process"
    return _worker.submit(fit_in_process, inputs, **options).result()


def _solve(log_s: np.ndarray, logit_phi: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """`threshold_model.solve_threshold` in the worker (JAX set up as for the fits: 2 devices, float64)."""
    from scrutiny.bias.threshold_model import solve_threshold
    from scrutiny.bias.threshold_test import _jax

    _jax(2)
    return np.asarray(solve_threshold(log_s, logit_phi, delta))


def _converged(result: ThresholdResult) -> None:
    d = result.diagnostics
    assert result.converged, f"not converged: R-hat {d.max_rhat:.3f}, ESS {d.min_ess:.0f}, {d.divergences} divergent"


@pytest.fixture(scope="module")
def planted_fits() -> list[tuple[np.ndarray, ThresholdResult]]:
    fits = []
    for seed in range(REPLICATIONS):
        sim = simulate(n_areas=30, seed=100 + seed)
        fits.append((sim.p_group, fit(sim.inputs, seed=seed, **FIT)))
    return fits


def test_planted_thresholds_inside_intervals_at_near_nominal_coverage(
    planted_fits: list[tuple[np.ndarray, ThresholdResult]],
) -> None:
    covered = total = 0
    for truth, result in planted_fits:
        _converged(result)
        for j, g in enumerate(result.groups):
            total += 1
            covered += g.ci_low <= truth[j] <= g.ci_high
    # 95% intervals: with 8 intervals, 6 or fewer covered has probability < 1% if coverage is nominal
    assert covered >= total - 1, f"coverage {covered}/{total}"


def test_planted_lower_threshold_for_black_group_is_found(
    planted_fits: list[tuple[np.ndarray, ThresholdResult]],
) -> None:
    for _, result in planted_fits:
        _converged(result)
        black = next(g for g in result.groups if g.group == "Black")
        assert black.diff_ci_high is not None and black.diff_ci_high < 0
        assert black.prob_diff_below_zero is not None and black.prob_diff_below_zero > 0.95


def test_diagnostics_reported(planted_fits: list[tuple[np.ndarray, ThresholdResult]]) -> None:
    for _, result in planted_fits:
        d = result.diagnostics
        assert d.max_rhat > 0.99 and d.min_ess > 0 and d.seconds > 0
        assert d.seconds_per_effective_sample == pytest.approx(d.seconds / d.min_ess)
        assert result.converged == (d.max_rhat < 1.05 and d.min_ess >= 100 and d.divergences <= 1)
        assert len(result.cells) == 30 * 4
        assert result.rms_search_rate < 0.001 and result.rms_hit_rate < 0.05
        assert "synthetic" in result.caveats[-2] or "synthetic" in " ".join(result.caveats)


def test_equal_thresholds_not_reported_as_different() -> None:
    sim = simulate(n_areas=30, seed=7, **equal_threshold_parameters())
    assert np.ptp(sim.p_group) < 0.01  # planted: the same threshold for every group
    # yet the groups' search and hit rates differ (infra-marginality), so an outcome test could be fooled
    rates = sim.inputs.searches.sum(axis=0) / sim.inputs.exposure.sum(axis=0)
    assert rates.max() / rates.min() > 1.3
    result = fit(sim.inputs, seed=3, **FIT)
    _converged(result)
    for g in result.groups:
        if g.diff_vs_reference is not None:
            assert g.diff_ci_low is not None and g.diff_ci_high is not None
            assert g.diff_ci_low <= 0 <= g.diff_ci_high, g


def test_not_converged_fit_says_so_instead_of_numbers() -> None:
    sim = simulate(n_areas=30, seed=11)
    result = fit(sim.inputs, warmup=5, draws=20, chains=2, seed=0, max_tree_depth=3)
    assert not result.converged
    assert result.summary().startswith("The fit did not converge")
    assert "do not use" in result.caveats[0]


def test_threshold_solve_recovers_planted_thresholds_far_out() -> None:
    """The Newton solve inverts the search rate to 1e-9 in t, also where warm-up wanders (s down to 1e-7,
    δ up to e^2.5): the rates are computed here by scipy, independently of the model's own formulas."""
    from scipy.stats import norm

    rng = np.random.default_rng(5)
    t = rng.uniform(-1.0, 5.0, 2000)
    logit_phi = rng.uniform(-10.0, 3.0, 2000)
    delta = np.exp(rng.uniform(-3.0, 2.5, 2000))
    phi = 1 / (1 + np.exp(-logit_phi))
    rate = phi * norm.sf(t - delta) + (1 - phi) * norm.sf(t)
    keep = (rate > 1e-7) & (rate < 0.5)
    assert _worker is not None, "JAX runs in the jax_worker process"
    solved = _worker.submit(_solve, np.log(rate[keep]), logit_phi[keep], delta[keep]).result()
    assert keep.sum() > 1000
    assert np.max(np.abs(solved - t[keep])) < 1e-9


def test_inputs_checked() -> None:
    with pytest.raises(ValueError, match="hits <= searches"):
        ThresholdInputs(["a"], ["White"], np.array([[10]]), np.array([[5]]), np.array([[6]]))
