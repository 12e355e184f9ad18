"""Baseline for the threshold benchmark: the model as first committed (a NumPyro model, centred cell
thresholds, non-centred area effects, diagonal mass), so ``bench/threshold_bench.py`` can report the
current parameterisation's speed as a ratio against it in the same run. Not used by Scrutiny itself.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def _sum_to_zero(z_free: Any) -> Any:
    """n − 1 free standard normals to n effects summing to zero (the last area is minus the sum of the rest)."""
    import jax.numpy as jnp

    return jnp.concatenate([z_free, -z_free.sum(keepdims=True)])


def _model(exposure: Any, searches: Any, hits: Any, ref_index: int, t_centre: float, observe: bool = True) -> None:
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from jax.scipy.special import log_ndtr

    n_areas, n_groups = exposure.shape
    std = dist.Normal(0.0, 1.0)
    not_ref = jnp.arange(n_groups) != ref_index

    # thresholds: group effect (free for every group), area effect (sum to zero), cell noise; non-centred
    t_group = t_centre + 1.0 * numpyro.sample("t_group_raw", std.expand([n_groups]))
    sigma_t_area = numpyro.sample("sigma_t_area", dist.HalfNormal(0.5))
    t_area = sigma_t_area * _sum_to_zero(numpyro.sample("t_area_raw", std.expand([n_areas - 1])))
    sigma_t_cell = numpyro.sample("sigma_t_cell", dist.HalfNormal(0.2))
    # the cell threshold is centred: each is pinned by its own (large) search count, where a non-centred
    # cell term is strongly correlated with sigma_t_cell and made NUTS take 1,023-step trajectories
    t = numpyro.sample("t", dist.Normal(t_group[None, :] + t_area[:, None], sigma_t_cell))
    numpyro.deterministic("t_group", t_group)

    # prevalence φ (logit) and signal shift δ (log): intercept, group (reference pinned at 0), area (sum 0)
    mu_phi = -2.0 + 1.0 * numpyro.sample("mu_phi_raw", std)
    phi_group = jnp.where(not_ref, 0.5 * numpyro.sample("phi_group_raw", std.expand([n_groups])), 0.0)
    sigma_phi_area = numpyro.sample("sigma_phi_area", dist.HalfNormal(0.5))
    phi_area = sigma_phi_area * _sum_to_zero(numpyro.sample("phi_area_raw", std.expand([n_areas - 1])))
    logit_phi = mu_phi + phi_group[None, :] + phi_area[:, None]

    mu_delta = 0.5 * numpyro.sample("mu_delta_raw", std)
    delta_group = jnp.where(not_ref, 0.25 * numpyro.sample("delta_group_raw", std.expand([n_groups])), 0.0)
    sigma_delta_area = numpyro.sample("sigma_delta_area", dist.HalfNormal(0.25))
    delta_area = sigma_delta_area * _sum_to_zero(numpyro.sample("delta_area_raw", std.expand([n_areas - 1])))
    delta = jnp.exp(mu_delta + delta_group[None, :] + delta_area[:, None])

    log_phi = jax_log_sigmoid(logit_phi)
    log_1m_phi = jax_log_sigmoid(-logit_phi)
    log_found = log_phi + log_ndtr(delta - t)  # log φ Q(t − δ)
    log_not = log_1m_phi + log_ndtr(-t)  # log (1 − φ) Q(t)
    log_search = jnp.logaddexp(log_found, log_not)
    log_hit = log_found - log_search
    log_miss = log_not - log_search
    search_rate = jnp.exp(log_search)
    numpyro.deterministic("search_rate", search_rate)
    numpyro.deterministic("hit_rate", jnp.exp(log_hit))
    numpyro.deterministic("phi", jnp.exp(log_phi))
    numpyro.deterministic("delta", delta)
    # probability-scale threshold: P(found | signal = t) = logit⁻¹(logit φ + δ t − δ²/2)
    numpyro.deterministic("p_threshold", 1.0 / (1.0 + jnp.exp(-(logit_phi + delta * t - delta**2 / 2))))
    if observe:
        # binomial log-likelihoods without their constant terms (exact in float64 for counts in the millions)
        ll = searches * log_search + (exposure - searches) * jnp.log1p(-search_rate)
        ll = ll + hits * log_hit + (searches - hits) * log_miss
        numpyro.factor("likelihood", ll.sum())


def jax_log_sigmoid(x: Any) -> Any:
    import jax

    return jax.nn.log_sigmoid(x)


LATENT_SITES = (
    "t_group_raw",
    "sigma_t_area",
    "t_area_raw",
    "sigma_t_cell",
    "t",
    "mu_phi_raw",
    "phi_group_raw",
    "sigma_phi_area",
    "phi_area_raw",
    "mu_delta_raw",
    "delta_group_raw",
    "sigma_delta_area",
    "delta_area_raw",
)


def fit_baseline(
    exposure: np.ndarray, searches: np.ndarray, hits: np.ndarray, ref_index: int, *, warmup: int, draws: int,
    chains: int = 2, max_tree_depth: int = 8, seed: int = 0,
) -> dict[str, float]:
    """Fit the committed model; seconds (run to results on the host), R-hat max and ESS min over its sites."""
    from statistics import NormalDist

    import jax
    from numpyro.diagnostics import summary
    from numpyro.infer import MCMC, NUTS, init_to_median

    t_centre = -NormalDist().inv_cdf(float(searches.sum() / exposure.sum()))
    kernel = NUTS(_model, target_accept_prob=0.9, max_tree_depth=max_tree_depth,
                  init_strategy=init_to_median(num_samples=15))
    parallel = jax.local_device_count() >= chains
    mcmc = MCMC(kernel, num_warmup=warmup, num_samples=draws, num_chains=chains,
                chain_method="parallel" if parallel else "sequential", progress_bar=False)
    started = time.perf_counter()
    mcmc.run(jax.random.PRNGKey(seed), exposure, searches, hits, ref_index, t_centre)
    grouped = {k: np.asarray(v) for k, v in jax.block_until_ready(mcmc.get_samples(group_by_chain=True)).items()}
    seconds = time.perf_counter() - started
    stats = summary({k: grouped[k] for k in LATENT_SITES}, group_by_chain=True)
    return {
        "seconds": seconds,
        "max_rhat": max(float(np.nanmax(s["r_hat"])) for s in stats.values()),
        "min_ess": min(float(np.nanmin(s["n_eff"])) for s in stats.values()),
    }
