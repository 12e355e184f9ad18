"""Threshold-test benchmark (`make bench`): the full fit on the real Metropolitan months, against the
model as first committed (`bench/threshold_baseline.py`), both in this run on this machine.

Data: the shared data.police.uk archive, Census 2021 and geography, ingested once into
bench-results/threshold.duckdb; the Metropolitan Police's searches of April to September 2018 by borough
(32 boroughs x 5 groups; the City of London is another force's); and the simulation study's first data set
(30 areas x 4 groups, `simulate(seed=100)`). There is no "plain pandas way" of fitting a Bayesian model, so
the yardstick is the earlier NumPyro parameterisation with the same chains, warm-up and draws.

Figures: wall time of the fit (model building, compilation and sampling, 2 chains on 2 cores), R-hat
max, ESS min over every parameter, and seconds per effective sample; the ratio is the baseline's seconds
per effective sample over Scrutiny's. Goal: the full Met fit in under 60 s, converged (2 minutes until issue 19
made the Newton solve cheaper and the area priors tighter). Results: a Rich table and
bench-results/threshold.json. Timing the model as it was before a change: run this twice in a row, once
with PYTHONPATH pointing at a copy of the old src/.

    .venv/bin/python bench/threshold_bench.py [--skip-baseline]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
SHARED = REPO.parent / "shared" / "data"
SOURCES = [SHARED / "police_uk" / "archive", SHARED / "census2021", SHARED / "geography"]
GOAL_S = 60.0
SCOPE = ("metropolitan", "2018-04", "2018-09")
BASELINE = {"warmup": 1000, "draws": 1000, "max_tree_depth": 10}  # the same settings as Scrutiny's fit


def _warehouse() -> Path:
    db = RESULTS / "threshold.duckdb"
    if not db.exists():
        RESULTS.mkdir(exist_ok=True)
        cmd = [str(REPO / ".venv" / "bin" / "scrutiny"), "ingest", *map(str, SOURCES), "--db", str(db)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return db


def _baseline_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_threshold_baseline", REPO / "bench" / "threshold_baseline.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-baseline", action="store_true", help="only Scrutiny's fit")
    args = parser.parse_args()
    missing = [str(p) for p in SOURCES if not p.is_dir()]
    if missing:
        print(f"threshold benchmark skipped: shared data not found ({', '.join(missing)})")
        return 0
    if importlib.util.find_spec("numpyro") is None:
        print("threshold benchmark skipped: needs the optional extra, pip install 'scrutiny[bias]'")
        return 0

    import ibis
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from scrutiny.bias.document import threshold_inputs
    from scrutiny.bias.threshold_test import _jax, fit_threshold_test, simulate
    from scrutiny.metrics.categories import GROUPS
    from scrutiny.metrics.scope import Scope, resolve_scope

    jax = _jax(2)
    backend = ibis.duckdb.connect(str(_warehouse()), read_only=True)
    exposure, searches, hits, areas, _, notes = threshold_inputs(backend, resolve_scope(backend, Scope(SCOPE[0], None,
                                                                                             *SCOPE[1:])))
    backend.disconnect()
    sim = simulate(n_areas=30, seed=100).inputs
    datasets = {
        f"{SCOPE[0]} {SCOPE[1]}..{SCOPE[2]} ({len(areas)} x {len(GROUPS)})": (exposure, searches, hits, areas,
                                                                             list(GROUPS)),
        "simulated, seed 100 (30 x 4)": (sim.exposure, sim.searches, sim.hits, sim.areas, sim.groups),
    }
    baseline = None if args.skip_baseline else _baseline_module()
    rows: list[dict[str, Any]] = []
    results = {}
    for name, (n, s, h, area_codes, groups) in datasets.items():
        started = time.perf_counter()
        result = fit_threshold_test(n, s, h, area_codes, groups, seed=0)
        results[name] = result
        d = result.diagnostics
        rows.append({"data": name, "model": "scrutiny", "wall_s": time.perf_counter() - started,
                     "max_rhat": d.max_rhat, "min_ess": d.min_ess, "divergences": d.divergences})
        if baseline is not None:
            started = time.perf_counter()
            out = baseline.fit_baseline(np.asarray(n, np.float64), np.asarray(s, np.float64),
                                                  np.asarray(h, np.float64), groups.index("White"), **BASELINE)
            rows.append({"data": name, "model": "baseline (first commit)", "wall_s": time.perf_counter() - started,
                         "max_rhat": out["max_rhat"], "min_ess": out["min_ess"], "divergences": None})
    for row in rows:
        row["s_per_ess"] = row["wall_s"] / max(row["min_ess"], 1e-9)
    met = results[next(iter(datasets))]
    wall = rows[0]["wall_s"]
    verdict = {"under_goal_s": wall < GOAL_S, "goal_s": GOAL_S, "converged": met.converged}

    table = Table(title=f"Threshold test, 2 chains x ({BASELINE['warmup']} warm-up + {BASELINE['draws']} draws), "
                        f"{jax.local_device_count()} devices")
    for col in ("data", "model", "wall s", "R-hat max", "ESS min", "s per ESS", "baseline / scrutiny"):
        table.add_column(col)
    ratios = {}
    for row in rows:
        ours = next(r for r in rows if r["data"] == row["data"] and r["model"] == "scrutiny")
        ratio = row["s_per_ess"] / ours["s_per_ess"]
        if row is not ours:
            ratios[row["data"]] = ratio
        table.add_row(row["data"], row["model"], f"{row['wall_s']:.1f}", f"{row['max_rhat']:.3f}",
                      f"{row['min_ess']:.0f}", f"{row['s_per_ess']:.3f}", "" if row is ours else f"{ratio:.1f}x")
    console = Console()
    console.print(table)
    console.print(f"full Met fit under {GOAL_S:.0f} s: {'met' if verdict['under_goal_s'] else 'NOT met'} "
                  f"({wall:.1f} s); converged: {met.converged}")
    console.print(met.summary(), highlight=False)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "threshold.json").write_text(json.dumps({
        "scope": SCOPE, "areas": areas, "notes": notes, "runs": rows, "ratio_s_per_ess": ratios,
        "verdict": verdict, "jax_devices": jax.local_device_count(), "result": met.to_dict(),
    }, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
