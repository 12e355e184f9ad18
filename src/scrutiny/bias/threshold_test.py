"""The threshold test (Simoiu, Corbett-Davies and Goel 2017; Pierson et al. 2018), fitted with NumPyro.

Model (the identified, hierarchical form of the Stanford Open Policing Project, signal a mixture of two
normals, so every rate has a closed, differentiable form). For area d and group r, a resident's signal is
N(δ_dr, 1) with probability φ_dr (someone who would be found with something) and N(0, 1) otherwise; an
officer searches when the signal exceeds t_dr. Then

    search rate  s_dr = φ Q(t − δ) + (1 − φ) Q(t)          (Q = 1 − Φ)
    hit rate     h_dr = φ Q(t − δ) / s_dr
    S_dr ~ Binomial(N_dr, s_dr),  H_dr ~ Binomial(S_dr, h_dr)

    t_dr        = t_r + t_d + ε_dr,   ε_dr ~ N(0, σ_c)      group + area (sum to zero) + cell noise
    logit φ_dr  = μ_φ + φ_r + φ_d                          φ_r = 0 for the reference group, φ_d sum to zero
    log δ_dr    = μ_δ + δ_r + δ_d                          likewise

Priors: t_r ~ N(Q⁻¹(overall search rate), 1), t_d ~ N(0, σ_t) with σ_t ~ HalfNormal(0.5), σ_c ~
HalfNormal(0.2); μ_φ ~ N(pooled value, 2), φ_r ~ N(0, 0.5), φ_d ~ N(0, 0.2); μ_δ ~ N(0.5, 0.5), δ_r ~
N(0, 0.25), δ_d ~ N(0, 0.1). The area effects on φ and δ have fixed scales, as in the Stanford model
(their hierarchical scales made a funnel NUTS could not cross); looser ones (0.5, 0.25) biased δ and the
thresholds (``threshold_model.PRIOR``). ``threshold_model`` holds the log posterior in the coordinates it is
sampled in.

A threshold is reported, as the papers do, on the probability scale: the probability of being found with
something at which a person is searched, p_dr = logit⁻¹(logit φ + δ t − δ²/2). A group's threshold is the
average of p_dr over areas weighted by all searches in the area (the same weights for every group, so a
difference between groups is a within-area difference, not a difference in where groups live).

NumPyro and JAX are an optional extra (``pip install scrutiny[bias]``); importing this module works
without them, fitting says how to install them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scrutiny.errors import BadInput, Unavailable
from scrutiny.vocab.ethnicity import REFERENCE

INSTALL_HINT = "the threshold test needs NumPyro and JAX: pip install 'scrutiny[bias]'"
# When a fit's figures are shown (Vehtari et al. 2021 advise R-hat < 1.01 for final work; this is the looser
# bar the threshold test has used since its first release).
MAX_RHAT = 1.05
MIN_ESS = 100
# NUTS's target acceptance: 0.95 rather than 0.9 (smaller steps), because at 0.9 the seeded simulation fits
# showed 8 divergent transitions in 2,000 draws on an AMD EPYC machine; at 0.95 none, and no slower (93 s).
TARGET_ACCEPT = 0.95

RESIDENTS_CAVEAT = (
    "Exposure is Census 2021 residents of each area and group, not encounters: police.uk records searches, "
    "not the people officers saw and did not search. The model therefore treats every resident as someone "
    "who could have been searched in their own area; differences in who is out on the street, where officers "
    "patrol, and people searched outside the area they live in are absorbed into the signal distribution "
    "(φ, δ) or the threshold, and cannot be told apart from them. A lower threshold here means a lower "
    "bar for searching a resident of that group, under the model's assumptions; it is evidence to examine, "
    "not proof of discrimination. Hits are searches with any outcome other than no further action."
)
CUSTOM_EXPOSURE_CAVEAT = (
    "Exposure is a table supplied by the user ({source}); thresholds are the bar for searching a member of "
    "that exposure population, and mean only what that population means (e.g. stops, encounters, footfall)."
)
MODEL_CAVEAT = (
    "The threshold test rests on parametric assumptions (normal-mixture signals, one threshold per area and "
    "group plus noise) that the data cannot fully check; read the thresholds beside the predicted-versus-"
    "observed rates and the convergence diagnostics."
)


class BiasExtraMissing(Unavailable):
    """NumPyro/JAX are not installed: the threshold test is an optional extra (503 with no Retry-After)."""

    retry = False

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


def _require_numpyro() -> Any:
    try:
        import numpyro
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BiasExtraMissing() from exc
    return numpyro


@dataclass(frozen=True)
class ThresholdInputs:
    """Counts per (area, group): exposure N, searches S, hits H; arrays of shape (areas, groups)."""

    areas: list[str]
    groups: list[str]
    exposure: np.ndarray
    searches: np.ndarray
    hits: np.ndarray
    reference: str = REFERENCE
    exposure_source: str = "Census 2021 residents (census_ts022)"

    def __post_init__(self) -> None:
        shape = (len(self.areas), len(self.groups))
        for name in ("exposure", "searches", "hits"):
            arr = getattr(self, name)
            if arr.shape != shape:
                raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
        if (self.hits > self.searches).any() or (self.searches > self.exposure).any():
            raise ValueError("need hits <= searches <= exposure in every cell")
        if (self.exposure <= 0).any():
            raise ValueError("every (area, group) needs a positive exposure")
        if self.reference not in self.groups:
            raise ValueError(f"reference group {self.reference!r} not among {self.groups}")

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        reference: str = REFERENCE,
        exposure_source: str = "Census 2021 residents (census_ts022)",
    ) -> ThresholdInputs:
        """From long rows with columns area_code, group, exposure, searches, hits (missing counts are 0)."""
        areas = sorted(frame["area_code"].unique().tolist())
        groups = sorted(frame["group"].unique().tolist())

        def wide(col: str) -> np.ndarray:
            table = frame.pivot_table(index="area_code", columns="group", values=col, aggfunc="sum")
            return table.reindex(index=areas, columns=groups).fillna(0).to_numpy(dtype=np.int64)

        return cls(areas, groups, wide("exposure"), wide("searches"), wide("hits"), reference, exposure_source)


def load_exposure_csv(path: Path | str) -> pd.DataFrame:
    """A user's exposure table: CSV with columns area_code, group, exposure (e.g. stops or footfall)."""
    frame = pd.read_csv(path)
    missing = {"area_code", "group", "exposure"} - set(frame.columns)
    if missing:
        raise BadInput(
            f"{path}: exposure CSV needs columns area_code, group, exposure (missing {sorted(missing)})"
        )
    return frame[["area_code", "group", "exposure"]]


@dataclass(frozen=True)
class GroupThreshold:
    group: str
    threshold: float  # posterior mean, probability scale
    ci_low: float
    ci_high: float
    signal_threshold: float  # t_r on the signal scale (posterior mean)
    diff_vs_reference: float | None
    diff_ci_low: float | None
    diff_ci_high: float | None
    prob_diff_below_zero: float | None


@dataclass(frozen=True)
class Diagnostics:
    max_rhat: float
    min_ess: float
    divergences: int
    seconds: float
    seconds_per_effective_sample: float
    chains: int
    warmup: int
    draws: int


@dataclass
class ThresholdResult:
    """Thresholds with intervals, fit checks, diagnostics, caveats; numbers only trusted when ``converged``."""

    groups: list[GroupThreshold]
    reference: str
    cells: pd.DataFrame  # per (area, group): observed/predicted search and hit rates, threshold
    rms_search_rate: float
    rms_hit_rate: float
    diagnostics: Diagnostics
    converged: bool
    caveats: list[str]
    provenance: dict[str, Any] = field(default_factory=dict)
    samples: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: thresholds only when converged (otherwise null, with the reason in the caveats)."""
        return {
            "converged": self.converged,
            "reference": self.reference,
            "groups": [asdict(g) for g in self.groups] if self.converged else None,
            "rms_search_rate": self.rms_search_rate,
            "rms_hit_rate": self.rms_hit_rate,
            "diagnostics": asdict(self.diagnostics),
            "cells": self.cells.to_dict(orient="records") if self.converged else None,
            "caveats": self.caveats,
            "provenance": self.provenance,
        }

    def summary(self) -> str:
        d = self.diagnostics
        head = (
            f"R-hat max {d.max_rhat:.3f}, ESS min {d.min_ess:.0f}, divergences {d.divergences}, "
            f"{d.seconds:.1f} s ({d.seconds_per_effective_sample * 1000:.1f} ms per effective sample)"
        )
        if not self.converged:
            return "The fit did not converge (needs R-hat < 1.05, ESS >= 100, few divergences): " + head
        lines = [head, f"RMS error: search rate {self.rms_search_rate:.5f}, hit rate {self.rms_hit_rate:.4f}"]
        for g in self.groups:
            line = f"{g.group:>12}: {g.threshold:.3f} [{g.ci_low:.3f}, {g.ci_high:.3f}]"
            if g.diff_vs_reference is not None:
                line += (
                    f"  vs {self.reference}: {g.diff_vs_reference:+.3f} [{g.diff_ci_low:+.3f}, "
                    f"{g.diff_ci_high:+.3f}], P(diff<0)={g.prob_diff_below_zero:.2f}"
                )
            lines.append(line)
        return "\n".join(lines)


def _jax(chains: int) -> Any:
    """JAX in float64 with one CPU device per chain (chains then run in parallel), set before first use."""
    numpyro = _require_numpyro()
    numpyro.set_host_device_count(max(1, chains))  # only takes effect before JAX's first computation
    import jax

    jax.config.update("jax_enable_x64", True)  # type: ignore[no-untyped-call]
    return jax


def _mixed(grouped: dict[str, np.ndarray]) -> bool:
    """The parameters' own R-hat and ESS meet the bar ``converged`` applies (derived figures are checked later)."""
    from numpyro.diagnostics import summary as mcmc_summary

    stats = mcmc_summary(grouped, prob=0.95, group_by_chain=True)
    rhat = max(float(np.nanmax(s["r_hat"])) for s in stats.values())
    ess = min(float(np.nanmin(s["n_eff"])) for s in stats.values())
    return rhat < MAX_RHAT and ess >= MIN_ESS


def fit(
    inputs: ThresholdInputs,
    *,
    warmup: int = 1000,
    draws: int = 1000,
    chains: int = 2,
    seed: int = 0,
    target_accept: float = TARGET_ACCEPT,
    max_tree_depth: int = 10,
    progress: bool = False,
    extend: int = 3,
) -> ThresholdResult:
    """Fit the threshold test with NUTS and summarise it; the model is in the module docstring, its
    coordinates in ``threshold_model``. While the chains have not mixed (R-hat, ESS of the parameters), up to
    `extend` more rounds of `draws` are drawn before the fit is judged."""
    jax = _jax(chains)
    import numpyro
    from numpyro.diagnostics import summary as mcmc_summary
    from numpyro.infer import MCMC, NUTS

    from scrutiny.bias import threshold_model

    exposure = np.asarray(inputs.exposure, dtype=np.float64)
    searches = np.asarray(inputs.searches, dtype=np.float64)
    hits = np.asarray(inputs.hits, dtype=np.float64)
    ref_index = inputs.groups.index(inputs.reference)
    data = threshold_model.model_data(exposure, searches, hits, ref_index)
    init = threshold_model.initial_values(data, chains, seed)
    kernel = NUTS(
        potential_fn=jax.jit(partial(threshold_model.potential, data=data)),
        # one dense block for the few hundred group and area parameters (their correlations are strong);
        # the cell coordinates are nearly independent a posteriori, so a diagonal mass suits them
        dense_mass=[tuple(name for name in init if name != "z")],
        target_accept_prob=target_accept,
        max_tree_depth=max_tree_depth,
    )
    parallel = jax.local_device_count() >= chains
    mcmc = MCMC(
        kernel,
        num_warmup=warmup,
        num_samples=draws,
        num_chains=chains,
        chain_method="parallel" if parallel else "sequential",
        progress_bar=progress,
    )
    started = time.perf_counter()
    mcmc.run(
        jax.random.PRNGKey(seed),
        init_params=init if chains > 1 else {k: v[0] for k, v in init.items()},
        extra_fields=("diverging",),
    )
    grouped = {k: np.asarray(v) for k, v in jax.block_until_ready(mcmc.get_samples(group_by_chain=True)).items()}
    divergences = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    for _ in range(extend):
        if _mixed(grouped):
            break
        # Too few effective draws: sample on from where the chains are (no new warm-up) rather than report an
        # unconverged fit; the same tuned kernel, so the extra draws are as good as the first.
        mcmc.post_warmup_state = mcmc.last_state
        mcmc.run(mcmc.post_warmup_state.rng_key, extra_fields=("diverging",))
        more = jax.block_until_ready(mcmc.get_samples(group_by_chain=True))
        grouped = {k: np.concatenate([v, np.asarray(more[k])], axis=1) for k, v in grouped.items()}
        divergences += int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    draws = next(iter(grouped.values())).shape[1]
    seconds = time.perf_counter() - started
    flat_params = {k: v.reshape((-1, *v.shape[2:])) for k, v in grouped.items()}
    derived = jax.jit(jax.vmap(partial(threshold_model.reported, data=data)))(flat_params)
    flat = {k: np.asarray(v) for k, v in derived.items()}

    # group thresholds on the probability scale, weighted by all searches in each area (same for every group)
    weights = searches.sum(axis=1)
    weights = weights / weights.sum()
    p_group = np.einsum("nag,a->ng", flat["p_threshold"], weights).reshape(chains, draws, -1)
    diffs = p_group - p_group[..., ref_index : ref_index + 1]
    checks = {**grouped, "p_group": p_group}
    stats = mcmc_summary(checks, prob=0.95, group_by_chain=True)
    rhat = max(float(np.nanmax(s["r_hat"])) for s in stats.values())
    ess = min(float(np.nanmin(s["n_eff"])) for s in stats.values())
    total = chains * draws
    diagnostics = Diagnostics(
        max_rhat=rhat,
        min_ess=ess,
        divergences=divergences,
        seconds=seconds,
        seconds_per_effective_sample=seconds / max(ess, 1e-9),
        chains=chains,
        warmup=warmup,
        draws=draws,
    )
    converged = rhat < MAX_RHAT and ess >= MIN_ESS and divergences <= max(1, int(0.002 * total))

    p_flat = p_group.reshape(-1, len(inputs.groups))
    d_flat = diffs.reshape(-1, len(inputs.groups))
    groups: list[GroupThreshold] = []
    for j, name in enumerate(inputs.groups):
        lo, hi = np.quantile(p_flat[:, j], [0.025, 0.975])
        is_ref = j == ref_index
        dlo, dhi = np.quantile(d_flat[:, j], [0.025, 0.975])
        groups.append(
            GroupThreshold(
                group=name,
                threshold=float(p_flat[:, j].mean()),
                ci_low=float(lo),
                ci_high=float(hi),
                signal_threshold=float(flat["t_group"][:, j].mean()),
                diff_vs_reference=None if is_ref else float(d_flat[:, j].mean()),
                diff_ci_low=None if is_ref else float(dlo),
                diff_ci_high=None if is_ref else float(dhi),
                prob_diff_below_zero=None if is_ref else float((d_flat[:, j] < 0).mean()),
            )
        )

    pred_search = flat["search_rate"].mean(axis=0)
    pred_hit = flat["hit_rate"].mean(axis=0)
    obs_search = searches / exposure
    with np.errstate(invalid="ignore", divide="ignore"):
        obs_hit = np.where(searches > 0, hits / np.maximum(searches, 1), np.nan)
    rows = []
    for a, area in enumerate(inputs.areas):
        for g, group in enumerate(inputs.groups):
            rows.append(
                {
                    "area_code": area,
                    "group": group,
                    "exposure": int(inputs.exposure[a, g]),
                    "searches": int(inputs.searches[a, g]),
                    "hits": int(inputs.hits[a, g]),
                    "observed_search_rate": float(obs_search[a, g]),
                    "predicted_search_rate": float(pred_search[a, g]),
                    "observed_hit_rate": float(obs_hit[a, g]),
                    "predicted_hit_rate": float(pred_hit[a, g]),
                    "threshold": float(flat["p_threshold"][:, a, g].mean()),
                }
            )
    cells = pd.DataFrame(rows)
    known = searches > 0
    rms_search = float(np.sqrt(np.mean((pred_search - obs_search) ** 2)))
    rms_hit = float(np.sqrt(np.mean((pred_hit[known] - obs_hit[known]) ** 2)))

    if inputs.exposure_source.startswith("Census 2021 residents"):
        caveats = [RESIDENTS_CAVEAT, MODEL_CAVEAT]
    else:
        caveats = [CUSTOM_EXPOSURE_CAVEAT.format(source=inputs.exposure_source), MODEL_CAVEAT]
    if not converged:
        caveats.insert(0, "The fit failed its convergence checks; do not use these thresholds.")
    provenance = {
        "method": "threshold test (identified hierarchical normal-mixture form; Pierson et al. 2018)",
        "engine": f"numpyro {numpyro.__version__} NUTS on a JAX log posterior, jax {jax.__version__}",
        "seed": seed,
        "chains": chains,
        "warmup": warmup,
        "draws": draws,
        "exposure": inputs.exposure_source,
        "reference": inputs.reference,
        "areas": len(inputs.areas),
        "groups": list(inputs.groups),
        "weights": "all searches per area (same weights for every group)",
    }
    keep = ("t_group", "p_threshold", "search_rate", "hit_rate")
    return ThresholdResult(
        groups=groups,
        reference=inputs.reference,
        cells=cells,
        rms_search_rate=rms_search,
        rms_hit_rate=rms_hit,
        diagnostics=diagnostics,
        converged=converged,
        caveats=caveats,
        provenance=provenance,
        samples={"p_group": p_flat, **{k: flat[k] for k in keep}},
    )


def fit_threshold_test(
    exposure: np.ndarray,
    searches: np.ndarray,
    hits: np.ndarray,
    areas: Sequence[str],
    groups: Sequence[str],
    *,
    reference: str = REFERENCE,
    exposure_source: str = "Census 2021 residents (census_ts022)",
    **options: Any,
) -> ThresholdResult:
    """Arrays of shape (areas, groups) in, a ``ThresholdResult`` out; ``options`` go to ``fit``."""
    inputs = ThresholdInputs(
        list(areas),
        list(groups),
        np.rint(np.asarray(exposure)).astype(np.int64),
        np.asarray(searches).astype(np.int64),
        np.asarray(hits).astype(np.int64),
        reference,
        exposure_source,
    )
    return fit(inputs, **options)


@dataclass(frozen=True)
class Simulated:
    """Synthetic inputs and the planted truth (per-cell parameters and the group thresholds as reported)."""

    inputs: ThresholdInputs
    t_group: np.ndarray
    p_group: np.ndarray  # planted group thresholds on the probability scale, weighted as ``fit`` weights them
    p_threshold: np.ndarray


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return out


def simulate(
    *,
    n_areas: int = 30,
    groups: Sequence[str] = ("Asian", "Black", "Other", "White"),
    reference: str = REFERENCE,
    t_group: Sequence[float] = (2.8, 2.1, 2.9, 2.8),
    phi_group: Sequence[float] = (-0.3, 0.4, 0.1, 0.0),
    delta_group: Sequence[float] = (0.2, -0.1, 0.0, 0.0),
    mu_phi: float = -2.8,
    mu_delta: float = -0.3,
    sigma_t_area: float = 0.25,
    sigma_t_cell: float = 0.1,
    sigma_phi_area: float = 0.2,
    sigma_delta_area: float = 0.1,
    exposure_range: tuple[int, int] = (5_000, 150_000),
    seed: int = 0,
) -> Simulated:
    """Draw counts from the model with planted thresholds (a generator of known effects to test the fit).

    The defaults are near the fit to the Metropolitan Police's searches of April to September 2018 by
    borough (search rates of 0.2-2% of residents, hit rates near 0.3), with Black residents' bar lower.
    """
    rng = np.random.default_rng(seed)
    n_groups = len(groups)
    t_g = np.asarray(t_group, dtype=float)
    t_area = rng.normal(0, sigma_t_area, n_areas)
    t_area -= t_area.mean()
    t = t_g[None, :] + t_area[:, None] + rng.normal(0, sigma_t_cell, (n_areas, n_groups))
    phi_area = rng.normal(0, sigma_phi_area, n_areas)
    phi_area -= phi_area.mean()
    delta_area = rng.normal(0, sigma_delta_area, n_areas)
    delta_area -= delta_area.mean()
    logit_phi = mu_phi + np.asarray(phi_group)[None, :] + phi_area[:, None]
    delta = np.exp(mu_delta + np.asarray(delta_group)[None, :] + delta_area[:, None])
    phi = _sigmoid(logit_phi)
    from scrutiny.bias.threshold_model import upper_tail

    q = np.vectorize(upper_tail)
    found = phi * q(t - delta)
    search_rate = found + (1 - phi) * q(t)
    hit_rate = found / search_rate
    exposure = rng.integers(exposure_range[0], exposure_range[1], (n_areas, n_groups))
    searches = rng.binomial(exposure, search_rate)
    hits = rng.binomial(searches, hit_rate)
    p_cell = _sigmoid(logit_phi + delta * t - delta**2 / 2)
    weights = searches.sum(axis=1) / searches.sum()
    inputs = ThresholdInputs(
        areas=[f"A{i:02d}" for i in range(n_areas)],
        groups=list(groups),
        exposure=exposure.astype(np.int64),
        searches=searches.astype(np.int64),
        hits=hits.astype(np.int64),
        reference=reference,
        exposure_source="synthetic exposure (simulate)",
    )
    return Simulated(inputs=inputs, t_group=t_g, p_group=weights @ p_cell, p_threshold=p_cell)


def equal_threshold_parameters(
    p: float = 0.25, phi_group: Sequence[float] = (0.0, 0.5, -0.3, 0.0), mu_phi: float = -2.8, mu_delta: float = -0.3
) -> dict[str, Any]:
    """``simulate`` arguments whose groups differ in prevalence but share one probability-scale threshold p.

    With δ the same for every group, t_r = (logit p − logit φ_r + δ²/2) / δ gives p in every group (up to the
    small area and cell noise in δ and t), while search and hit rates still differ between groups.
    """
    delta = math.exp(mu_delta)
    logit_p = math.log(p / (1 - p))
    t_group = [(logit_p - (mu_phi + g) + delta**2 / 2) / delta for g in phi_group]
    return {
        "t_group": t_group,
        "phi_group": tuple(phi_group),
        "delta_group": (0.0,) * len(phi_group),
        "mu_phi": mu_phi,
        "mu_delta": mu_delta,
        "sigma_delta_area": 0.0,
    }
