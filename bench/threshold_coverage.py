"""Threshold-test simulation study as a benchmark (too slow for CI): do 95% intervals cover planted thresholds?

Each seed draws a data set from ``simulate(n_areas=30, seed=FIRST + i)`` (30 areas x 4 groups, thresholds
planted near the Metropolitan Police's fit) and fits it as ``scrutiny bias`` does (2 chains, 1,000 warm-up,
1,000 draws, fit seed i). A group threshold is covered when the planted value lies inside its 95% credible
interval; coverage is counted over all groups and seeds, with a Clopper-Pearson 95% interval, and the
differences against the reference group are counted the same way. Goal: at least 92% of planted thresholds
covered over 20 seeds, every fit converged. Results are written after each seed to
bench-results/threshold_coverage.json (so a stopped run keeps what it measured).

    nice -n 10 .venv/bin/python bench/threshold_coverage.py [--seeds 20] [--first 100] [--phi-area 0.2 --delta-area 0.1]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
GOAL = 0.92
NOMINAL = 0.95


def clopper_pearson(covered: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval for a coverage proportion."""
    from scipy.stats import binomtest

    if total == 0:
        return (0.0, 1.0)
    ci = binomtest(covered, total).proportion_ci(confidence_level=level, method="exact")
    return (float(ci.low), float(ci.high))


def one_seed(
    index: int, first: int, n_areas: int, fit_options: dict[str, Any], planted: dict[str, float]
) -> dict[str, Any]:
    import numpy as np

    from scrutiny.bias.threshold_test import fit, simulate

    sim = simulate(n_areas=n_areas, seed=first + index, sigma_phi_area=planted["sigma_phi_area"],
                   sigma_delta_area=planted["sigma_delta_area"])
    started = time.perf_counter()
    result = fit(sim.inputs, seed=index, **fit_options)
    wall = time.perf_counter() - started
    ref = sim.inputs.groups.index(sim.inputs.reference)
    truth_diff = sim.p_group - sim.p_group[ref]
    p = result.samples["p_group"]
    groups = []
    for j, g in enumerate(result.groups):
        d_lo = d_hi = None
        if g.diff_vs_reference is not None:
            d_lo, d_hi = g.diff_ci_low, g.diff_ci_high
        groups.append({
            "group": g.group,
            "truth": float(sim.p_group[j]),
            "mean": g.threshold,
            "ci": [g.ci_low, g.ci_high],
            "covered": bool(g.ci_low <= sim.p_group[j] <= g.ci_high),
            # where the truth falls in the posterior: 0.5 is the middle; near 0 or 1 is a miss
            "truth_quantile": float((p[:, j] < sim.p_group[j]).mean()),
            "diff_truth": None if d_lo is None else float(truth_diff[j]),
            "diff_ci": None if d_lo is None else [d_lo, d_hi],
            "diff_covered": None if d_lo is None else bool(d_lo <= truth_diff[j] <= d_hi),
        })
    # cell-level thresholds: where in each cell's posterior the planted value lies
    cell_q = (result.samples["p_threshold"] < sim.p_threshold[None]).mean(axis=0)
    cell_lo, cell_hi = np.quantile(result.samples["p_threshold"], [0.025, 0.975], axis=0)
    cells_covered = int(((cell_lo <= sim.p_threshold) & (sim.p_threshold <= cell_hi)).sum())
    d = result.diagnostics
    return {
        "data_seed": first + index,
        "fit_seed": index,
        "wall_s": wall,
        "converged": result.converged,
        "max_rhat": d.max_rhat,
        "min_ess": d.min_ess,
        "divergences": d.divergences,
        "draws": d.draws,
        "groups": groups,
        "cells_covered": cells_covered,
        "cells": int(sim.p_threshold.size),
        "cell_truth_quantile_mean": float(cell_q.mean()),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [g for r in runs for g in r["groups"]]
    covered = sum(g["covered"] for g in rows)
    diffs = [g for g in rows if g["diff_covered"] is not None]
    diff_covered = sum(g["diff_covered"] for g in diffs)
    cells = sum(r["cells"] for r in runs)
    cells_covered = sum(r["cells_covered"] for r in runs)
    coverage = covered / len(rows) if rows else 0.0
    return {
        "seeds": len(runs),
        "covered": covered,
        "total": len(rows),
        "coverage": coverage,
        "coverage_ci": clopper_pearson(covered, len(rows)),
        "diff_covered": diff_covered,
        "diff_total": len(diffs),
        "diff_coverage_ci": clopper_pearson(diff_covered, len(diffs)),
        "cells_covered": cells_covered,
        "cells": cells,
        "all_converged": all(r["converged"] for r in runs),
        "misses_above": sum(1 for g in rows if not g["covered"] and g["truth"] > g["ci"][1]),
        "misses_below": sum(1 for g in rows if not g["covered"] and g["truth"] < g["ci"][0]),
        "mean_truth_quantile": sum(g["truth_quantile"] for g in rows) / len(rows) if rows else None,
        "median_wall_s": sorted(r["wall_s"] for r in runs)[len(runs) // 2] if runs else None,
        "goal": GOAL,
        "goal_met": coverage >= GOAL and all(r["converged"] for r in runs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first", type=int, default=100, help="data seed of the first simulated set")
    parser.add_argument("--areas", type=int, default=30)
    parser.add_argument("--out", type=Path, default=RESULTS / "threshold_coverage.json")
    # the spread of the planted area effects (simulate's defaults 0.2 and 0.1); larger values test how far the
    # model's fixed prior scales for them (threshold_model.PRIOR) can be exceeded
    parser.add_argument("--phi-area", type=float, default=0.2)
    parser.add_argument("--delta-area", type=float, default=0.1)
    args = parser.parse_args()
    if importlib.util.find_spec("numpyro") is None:
        print("threshold coverage skipped: needs the optional extra, pip install 'scrutiny[bias]'")
        return 0
    from scrutiny.bias.threshold_test import _jax

    _jax(2)
    fit_options = {"warmup": 1000, "draws": 1000, "chains": 2}
    planted = {"sigma_phi_area": args.phi_area, "sigma_delta_area": args.delta_area}
    runs: list[dict[str, Any]] = []
    args.out.parent.mkdir(exist_ok=True)
    for i in range(args.seeds):
        run = one_seed(i, args.first, args.areas, fit_options, planted)
        runs.append(run)
        missed = [f"{g['group']} (truth at q={g['truth_quantile']:.3f})" for g in run["groups"] if not g["covered"]]
        print(f"seed {run['data_seed']}: {run['wall_s']:.1f} s, R-hat {run['max_rhat']:.3f}, ESS {run['min_ess']:.0f}, "
              f"converged {run['converged']}, missed: {', '.join(missed) or 'none'}", flush=True)
        summary = summarise(runs)
        args.out.write_text(json.dumps({"fit": fit_options, "areas": args.areas, "planted": planted, "summary": summary,
                                        "runs": runs},
                                       indent=2))
    s = summarise(runs)
    lo, hi = s["coverage_ci"]
    print(f"coverage of group thresholds: {s['covered']}/{s['total']} = {s['coverage']:.1%} "
          f"(95% Clopper-Pearson {lo:.1%}..{hi:.1%}); nominal {NOMINAL:.0%}, goal >= {GOAL:.0%}: "
          f"{'met' if s['goal_met'] else 'NOT met'}")
    dlo, dhi = s["diff_coverage_ci"]
    print(f"coverage of differences vs reference: {s['diff_covered']}/{s['diff_total']} ({dlo:.1%}..{dhi:.1%}); "
          f"cells: {s['cells_covered']}/{s['cells']}; misses above/below the interval: "
          f"{s['misses_above']}/{s['misses_below']}; all converged: {s['all_converged']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
