"""The threshold test's log posterior as a plain JAX function, in coordinates NUTS can move through.

Why not a NumPyro model: building one (``initialize_model``) traced and compiled every distribution and
transform op by op, about 27 s per fit here, longer than sampling; a plain potential compiles once.

Why these coordinates. Each cell's search count pins its search rate to within a few per cent, and the
search rate is a steep function of the cell threshold t, φ and δ together; sampling t directly gives a
posterior ridge that NUTS crosses only with 1,000-step trajectories. So each cell is parameterised by its
search rate instead, s = logit⁻¹(logit ŝ + w z) with ŝ the observed rate and w its standard error on the
logit scale (z is about standard normal a posteriori), and t is solved from s, φ and δ (s falls in t, with
Q⁻¹(s) ≤ t ≤ Q⁻¹(s) + δ). The prior on t then needs the Jacobian |dt/dz| = s(1 − s) w / f(t), f the
signal density at t. Cells with fewer than ``FEW_SEARCHES`` searches, where the data cannot pin the rate,
keep a non-centred threshold instead. Area effects are centred (the data on each area is strong) and sum to
zero through an orthonormal basis of the zero-sum subspace, so their prior is a plain normal on n − 1
coordinates. And each group's logit φ is measured from the curve along which that group's pooled rates are
fitted as δ varies (``_ridges``), which turns the bent φ-δ ridge of the intercepts into a nearly straight one.
NUTS then runs with a dense mass matrix over the group and area parameters (``threshold_test.fit``).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

# prior scales; the means of t_group and of the prevalence are set from the data's overall rates
PRIOR = {
    "t_group": 1.0,
    "mu_phi": 2.0,
    "phi_group": 0.5,
    "mu_delta": 0.5,
    "delta_group": 0.25,
    # area effects on φ and δ have fixed scales, as in the Stanford model: the hit rates by area pin only a
    # combination of the two, and a learned scale for each made a funnel on the Met data (centred: 52
    # divergent draws, ESS 11; non-centred: ESS 55 and 63-step trajectories). The scales were 0.5 and 0.25,
    # several times the spread the data have: learned scales put it at 0.08 and 0.065 on the Met boroughs,
    # 0.23 and 0.14 on a simulated set planted at 0.2 and 0.1. So loose a prior lets the area effects absorb
    # the within-area covariation of search and hit rates that identifies δ, and the posterior's volume at
    # small δ put log δ 0.25-0.3 low on simulated sets (about 1.5 sd) and every group's threshold high: 35 of
    # 40 planted thresholds covered. 0.2 and 0.1 are the upper end of what was measured. Fixed scales cut
    # both ways: areas planted at 0.4 and 0.2 gave 17 of 24 covered, thresholds low (bench/README.md).
    "phi_area": 0.2,
    "delta_area": 0.1,
    # half-normal scales of the threshold's area and cell standard deviations
    "sigma_t_area": 0.5,
    "sigma_t_cell": 0.2,
}
MU_DELTA_MEAN = 0.5
SIGMAS = ("sigma_t_area", "sigma_t_cell")
FEW_SEARCHES = 30  # cells with fewer are parameterised by their threshold (non-centred), see ``cells``
# Newton for t runs until every cell's |log s(t) − log s| is below NEWTON_TOL (at most NEWTON_MAX_STEPS):
# 9 steps on the Met data, 17 over s 1e-7..0.5, logit φ -10..3, log δ -3..2.5. A fixed count was either
# wasteful or, with 6, left warm-up's far-out points with an inexact root, whose gradient disagreed with the
# potential (a Met chain stuck at 1,023-step trajectories, R-hat 32).
NEWTON_TOL = 1e-12
NEWTON_MAX_STEPS = 50


class ModelData(NamedTuple):
    exposure: Any  # (areas, groups), float64
    searches: Any
    hits: Any
    logit_s_hat: Any  # observed search rate (with a half-count correction) on the logit scale
    w: Any  # its standard error on the logit scale
    few: Any  # cells with too few searches to pin their rate: threshold non-centred instead
    basis: Any  # (areas, areas − 1) orthonormal basis of vectors summing to zero
    ref_index: int
    t_mean: float  # prior mean of the group thresholds: Q⁻¹ of the overall search rate
    mu_phi_mean: float
    ridge: Any  # (groups, 4): cubic in log δ giving the logit φ that fits each group's pooled rates


def zero_sum_basis(n: int) -> np.ndarray:
    """Columns orthonormal and orthogonal to the ones vector (from a QR of the centring matrix)."""
    centring = np.eye(n) - 1.0 / n
    q, _ = np.linalg.qr(centring[:, : n - 1])
    return q


def model_data(exposure: np.ndarray, searches: np.ndarray, hits: np.ndarray, ref_index: int) -> ModelData:
    import jax.numpy as jnp

    s_hat = (searches + 0.5) / (exposure + 1.0)
    w = 1.0 / np.sqrt((searches + 0.5) * (1.0 - s_hat))
    overall = searches.sum() / exposure.sum()
    overall_hit = max(hits.sum(), 1) / max(searches.sum(), 1)
    # prevalence prior centred where the pooled rates put it for δ at its prior mean (see initial_values)
    mu_phi_mean = _pooled_logit_phi(overall, overall_hit, math.exp(MU_DELTA_MEAN))
    return ModelData(
        exposure=jnp.asarray(exposure, dtype=jnp.float64),
        searches=jnp.asarray(searches, dtype=jnp.float64),
        hits=jnp.asarray(hits, dtype=jnp.float64),
        logit_s_hat=jnp.asarray(np.log(s_hat) - np.log1p(-s_hat)),
        w=jnp.asarray(w),
        few=jnp.asarray(searches < FEW_SEARCHES),
        basis=jnp.asarray(zero_sum_basis(exposure.shape[0])),
        ref_index=ref_index,
        t_mean=float(-_ndtri(overall)),
        mu_phi_mean=mu_phi_mean,
        ridge=jnp.asarray(_ridges(exposure, searches, hits)),
    )


def _ridges(exposure: np.ndarray, searches: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """Per group, the curve logit φ(log δ) along which its pooled search and hit rates are fitted.

    The data pin φ and δ only jointly: the posterior of the intercepts lies along this curve (correlation
    -0.99, and bent), which a fixed mass matrix cannot follow. Measuring logit φ from the curve instead
    straightens the ridge; the change of variables is triangular with unit diagonal, so has no Jacobian.
    """
    grid = np.linspace(-2.5, 1.5, 41)
    rows = []
    for g in range(exposure.shape[1]):
        s = max(searches[:, g].sum(), 1) / exposure[:, g].sum()
        h = max(hits[:, g].sum(), 0.5) / max(searches[:, g].sum(), 1)
        rows.append(np.polyfit(grid, [_pooled_logit_phi(s, h, math.exp(x)) for x in grid], 3))
    return np.asarray(rows)


def _ndtri(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def upper_tail(x: float) -> float:
    """Q(x) = 1 − Φ(x), from the standard library (for set-up work outside JAX)."""
    from statistics import NormalDist

    return 1.0 - NormalDist().cdf(x)


def _pooled_logit_phi(search_rate: float, hit_rate: float, delta: float) -> float:
    """logit φ for which one cell with δ = ``delta`` has the pooled search and hit rates.

    Bisection on t: φ = found / Q(t − δ) meets φ Q(t − δ) = found, and (1 − φ) Q(t) = s − found falls in t.
    """
    found = search_rate * min(max(hit_rate, 1e-6), 1 - 1e-6)
    lo, hi = -_ndtri(search_rate), -_ndtri(search_rate) + delta
    for _ in range(100):
        t = (lo + hi) / 2
        phi = found / upper_tail(t - delta)
        if (1 - phi) * upper_tail(t) > search_rate - found:
            lo = t
        else:
            hi = t
    phi = min(max(found / upper_tail((lo + hi) / 2 - delta), 1e-6), 1 - 1e-6)
    return math.log(phi / (1 - phi))


def _effects(params: dict[str, Any], data: ModelData) -> dict[str, Any]:
    """Cell-level logit φ, δ and the prior mean of t, from the group and area effects."""
    import jax.numpy as jnp

    n_groups = data.exposure.shape[1]
    not_ref = np.array([g for g in range(n_groups) if g != data.ref_index])

    def with_ref(free: Any) -> Any:  # the reference group's effect is pinned at zero
        return jnp.zeros(n_groups).at[not_ref].set(free)

    log_delta_group = params["mu_delta"] + with_ref(params["delta_group"])
    c = data.ridge
    ridge = ((c[:, 0] * log_delta_group + c[:, 1]) * log_delta_group + c[:, 2]) * log_delta_group + c[:, 3]
    logit_phi_group = ridge + params["phi_offset"] + with_ref(params["phi_group_offset"])
    mu_phi = logit_phi_group[data.ref_index]
    t_area = data.basis @ params["t_area"]
    phi_area = data.basis @ params["phi_area"]
    delta_area = data.basis @ params["delta_area"]
    return {
        "mu_phi": mu_phi,
        "phi_group": (logit_phi_group - mu_phi)[not_ref],
        "t_mean": params["t_group"][None, :] + t_area[:, None],
        "logit_phi": logit_phi_group[None, :] + phi_area[:, None],
        "log_delta": log_delta_group[None, :] + delta_area[:, None],
    }


def _log_rates(t: Any, logit_phi: Any, delta: Any) -> tuple[Any, Any]:
    """log φ Q(t − δ) (searched and found) and log (1 − φ) Q(t) (searched, nothing found)."""
    import jax
    from jax.scipy.special import log_ndtr

    return jax.nn.log_sigmoid(logit_phi) + log_ndtr(delta - t), jax.nn.log_sigmoid(-logit_phi) + log_ndtr(-t)


def _log_density(t: Any, logit_phi: Any, delta: Any) -> Any:
    """log of the signal density at t: φ N(t; δ, 1) + (1 − φ) N(t; 0, 1)."""
    import jax
    import jax.numpy as jnp

    half_log_2pi = 0.5 * math.log(2 * math.pi)
    return jnp.logaddexp(
        jax.nn.log_sigmoid(logit_phi) - 0.5 * (t - delta) ** 2, jax.nn.log_sigmoid(-logit_phi) - 0.5 * t**2
    ) - half_log_2pi


def _rate_and_slope(t: Any, phi: Any, delta: Any) -> tuple[Any, Any]:
    """s(t) and s(t) / f(t) directly from erfc: several times cheaper than the log-space rates, and as exact
    for the Newton iterations (float64 erfc keeps its relative accuracy far past any threshold met here)."""
    import jax.numpy as jnp
    from jax.scipy.special import erfc

    s = 0.5 * (phi * erfc((t - delta) / _SQRT2) + (1 - phi) * erfc(t / _SQRT2))
    f = (phi * jnp.exp(-0.5 * (t - delta) ** 2) + (1 - phi) * jnp.exp(-0.5 * t**2)) / _SQRT_2PI
    return s, s / f


_SQRT2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def solve_threshold(log_s: Any, logit_phi: Any, delta: Any) -> Any:
    """The t with search rate exp(log_s): safeguarded Newton on log s(t) to NEWTON_TOL, then one step in log
    space carrying gradients.

    The last step is differentiable in every input, so at the root its gradient is the implicit-function
    gradient; the iterations before it are constants to autodiff (a ``while_loop`` on stopped inputs).
    This solve was about 80% of the gradient's time while it ran 8 fixed steps in log space.
    """
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import ndtri

    lp, d, ls = (jax.lax.stop_gradient(x) for x in (logit_phi, delta, log_s))
    phi = jax.nn.sigmoid(lp)
    lo = -ndtri(jnp.exp(ls))  # s(lo) >= s: the root lies in [lo, lo + δ]
    hi = lo + d

    def step(carry: tuple[Any, Any, Any, Any, Any]) -> tuple[Any, Any, Any, Any, Any]:
        t, lo, hi, k, _ = carry
        s, s_over_f = _rate_and_slope(t, phi, d)
        r = jnp.log(s) - ls
        lo = jnp.where(r > 0, t, lo)  # rate too high: the threshold is higher
        hi = jnp.where(r > 0, hi, t)
        newton = t + r * s_over_f
        t = jnp.where((newton >= lo) & (newton <= hi), newton, (lo + hi) / 2)
        return t, lo, hi, k + 1, jnp.max(jnp.abs(r))

    def unsolved(carry: tuple[Any, Any, Any, Any, Any]) -> Any:
        return (carry[3] < NEWTON_MAX_STEPS) & (carry[4] > NEWTON_TOL)

    t = jax.lax.while_loop(unsolved, step, (hi, lo, hi, 0, jnp.asarray(jnp.inf, dtype=lo.dtype)))[0]
    t = jax.lax.stop_gradient(t)
    found, missed = _log_rates(t, logit_phi, delta)
    log_s_t = jnp.logaddexp(found, missed)
    slope = -jnp.exp(_log_density(t, logit_phi, delta) - log_s_t)  # d log s / dt
    return t - (log_s_t - log_s) / slope


def cells(params: dict[str, Any], data: ModelData) -> dict[str, Any]:
    """Every cell's search rate, threshold, φ, δ, hit rate and probability-scale threshold."""
    import jax
    import jax.numpy as jnp

    eff = _effects(params, data)
    z = params["z"]
    delta = jnp.exp(eff["log_delta"])
    # most cells: z is the search rate's deviation from the observed rate, t solved from it; cells with few
    # searches: z is the threshold's deviation from its prior mean (the data cannot pin the rate there, and
    # a centred threshold made a funnel with σ_t_cell). Both branches stay finite, so ``where`` is safe.
    x_pinned = data.logit_s_hat + data.w * jnp.where(data.few, 0.0, z)
    t_pinned = solve_threshold(jax.nn.log_sigmoid(x_pinned), eff["logit_phi"], delta)
    t = jnp.where(data.few, eff["t_mean"] + jnp.exp(params["log_sigma"][1]) * z, t_pinned)
    found, missed = _log_rates(t, eff["logit_phi"], delta)
    log_search = jnp.logaddexp(found, missed)
    log_s = jnp.where(data.few, log_search, jax.nn.log_sigmoid(x_pinned))
    log_1m_s = jnp.where(data.few, jnp.log1p(-jnp.exp(log_search)), jax.nn.log_sigmoid(-x_pinned))
    return {
        **eff,
        "log_s": log_s,
        "log_1m_s": log_1m_s,
        "delta": delta,
        "t": t,
        "log_hit": found - log_search,
        "log_miss": missed - log_search,
        "search_rate": jnp.exp(log_s),
        "hit_rate": jnp.exp(found - log_search),
        "p_threshold": jax.nn.sigmoid(eff["logit_phi"] + delta * t - delta**2 / 2),
    }


def reported(params: dict[str, Any], data: ModelData) -> dict[str, Any]:
    """What a fit reports per draw: group thresholds (signal scale), and per cell the rates and thresholds."""
    c = cells(params, data)
    return {
        "t_group": params["t_group"],
        "p_threshold": c["p_threshold"],
        "search_rate": c["search_rate"],
        "hit_rate": c["hit_rate"],
    }


def _normal(x: Any, mean: Any, scale: Any) -> Any:
    """Normal log density without its constant; ``scale`` may be a parameter (so its log is kept)."""
    import jax.numpy as jnp

    return jnp.sum(-0.5 * ((x - mean) / scale) ** 2 - jnp.log(scale) * jnp.ones_like(x))


def log_posterior(params: dict[str, Any], data: ModelData) -> Any:
    """Log posterior density in the unconstrained coordinates (up to a constant)."""
    import jax.numpy as jnp

    sigma = {name: jnp.exp(params["log_sigma"][i]) for i, name in enumerate(SIGMAS)}
    c = cells(params, data)
    lp = sum(-0.5 * (sigma[n] / PRIOR[n]) ** 2 for n in SIGMAS) + params["log_sigma"].sum()  # half-normal + Jacobian
    lp += _normal(params["t_group"], data.t_mean, PRIOR["t_group"])
    lp += _normal(c["mu_phi"], data.mu_phi_mean, PRIOR["mu_phi"])
    lp += _normal(c["phi_group"], 0.0, PRIOR["phi_group"])
    lp += _normal(params["mu_delta"], MU_DELTA_MEAN, PRIOR["mu_delta"])
    lp += _normal(params["delta_group"], 0.0, PRIOR["delta_group"])
    lp += _normal(params["t_area"], 0.0, sigma["sigma_t_area"])
    lp += _normal(params["phi_area"], 0.0, PRIOR["phi_area"])
    lp += _normal(params["delta_area"], 0.0, PRIOR["delta_area"])
    pinned = ~data.few
    cell_prior = -0.5 * ((c["t"] - c["t_mean"]) / sigma["sigma_t_cell"]) ** 2 - params["log_sigma"][1]
    # Jacobian of z -> t where z is the search rate's: |dt/dz| = s (1 − s) w / f(t)
    jacobian = c["log_s"] + c["log_1m_s"] + jnp.log(data.w) - _log_density(c["t"], c["logit_phi"], c["delta"])
    lp += jnp.sum(jnp.where(pinned, cell_prior + jacobian, -0.5 * params["z"] ** 2))
    # binomial likelihoods without their constant terms
    lp += jnp.sum(data.searches * c["log_s"] + (data.exposure - data.searches) * c["log_1m_s"])
    lp += jnp.sum(data.hits * c["log_hit"] + (data.searches - data.hits) * c["log_miss"])
    return lp


def potential(params: dict[str, Any], data: ModelData) -> Any:
    return -log_posterior(params, data)


def initial_values(data: ModelData, chains: int, seed: int, spread: float = 0.3) -> dict[str, np.ndarray]:
    """Per-chain starting points near the data (t from the observed rates), jittered so R-hat can see
    chains that stay apart; leading axis is the chain."""
    import jax.numpy as jnp

    n_areas, n_groups = data.exposure.shape
    centre = {
        "z": jnp.zeros((n_areas, n_groups)),
        "t_group": jnp.zeros(n_groups),
        "t_area": jnp.zeros(n_areas - 1),
        "phi_offset": jnp.asarray(0.0),
        "phi_group_offset": jnp.zeros(n_groups - 1),
        "phi_area": jnp.zeros(n_areas - 1),
        "mu_delta": jnp.asarray(MU_DELTA_MEAN),
        "delta_group": jnp.zeros(n_groups - 1),
        "delta_area": jnp.zeros(n_areas - 1),
        "log_sigma": jnp.log(jnp.asarray([0.1, 0.05])),
    }
    t = np.asarray(cells(centre, data)["t"])  # thresholds the observed rates imply with φ, δ at the centre
    t_group = t.mean(axis=0)
    t_area = t.mean(axis=1) - t.mean()
    centre["t_group"] = jnp.asarray(t_group)
    centre["t_area"] = jnp.asarray(np.asarray(data.basis).T @ t_area)
    resid_sd = float(np.std(t - t_group[None, :] - t_area[:, None]))
    centre["log_sigma"] = jnp.log(jnp.asarray([max(float(np.std(t_area)), 0.02), max(resid_sd, 0.02)]))
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for name, value in centre.items():
        start = np.asarray(value, dtype=np.float64)
        out[name] = start[None, ...] + spread * rng.standard_normal((chains, *start.shape))
    return out
