"""Threshold-test benchmark (`make bench`): the full fit on the real Metropolitan months, against the
model as first committed (`bench/threshold_baseline.py`), both in this run on this machine.

Data: the shared data.police.uk archive, Census 2021 and geography, ingested once into
bench-results/threshold.duckdb; the Metropolitan Police's searches of April to September 2018 by borough
(32 boroughs x 5 groups; the City of London is another force's). There is no "plain pandas way" of fitting
a Bayesian model, so the yardstick is the earlier NumPyro parameterisation, run with the settings its
simulation tests used (300 warm-up, 300 draws, tree depth 8: at Scrutiny's defaults it would take hours).

Figures: wall time of the fit (model building, compilation and sampling, 2 chains on 2 cores), R-hat
max, ESS min over every parameter, and seconds per effective sample; the ratio is the baseline's seconds
per effective sample over Scrutiny's. Goal: the full fit in under 2 minutes, converged.

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
GOAL_S = 120.0
SCOPE = ("metropolitan", "2018-04", "2018-09")
BASELINE = {"warmup": 300, "draws": 300, "max_tree_depth": 8}


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
    from scrutiny.bias.threshold_test import _jax, fit_threshold_test
    from scrutiny.metrics.categories import GROUPS
    from scrutiny.metrics.scope import resolve_scope

    jax = _jax(2)
    backend = ibis.duckdb.connect(str(_warehouse()), read_only=True)
    exposure, searches, hits, areas, _, notes = threshold_inputs(backend, resolve_scope(backend, SCOPE[0], None,
                                                                                       *SCOPE[1:]))
    backend.disconnect()
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    result = fit_threshold_test(exposure, searches, hits, areas, list(GROUPS), seed=0)
    d = result.diagnostics
    rows.append({"model": "scrutiny", "warmup": d.warmup, "draws": d.draws, "wall_s": time.perf_counter() - started,
                 "max_rhat": d.max_rhat, "min_ess": d.min_ess, "divergences": d.divergences})
    if not args.skip_baseline:
        baseline = _baseline_module()
        started = time.perf_counter()
        out = baseline.fit_baseline(exposure, searches.astype(np.float64), hits.astype(np.float64),
                                    list(GROUPS).index("White"), **BASELINE)
        rows.append({"model": "baseline (first commit)", "warmup": BASELINE["warmup"], "draws": BASELINE["draws"],
                     "wall_s": time.perf_counter() - started, "max_rhat": out["max_rhat"],
                     "min_ess": out["min_ess"], "divergences": None})
    for row in rows:
        row["s_per_ess"] = row["wall_s"] / max(row["min_ess"], 1e-9)
    ratio = rows[1]["s_per_ess"] / rows[0]["s_per_ess"] if len(rows) > 1 else None
    verdict = {"under_2_min": rows[0]["wall_s"] < GOAL_S, "converged": result.converged}

    table = Table(title=f"Threshold test, {SCOPE[0]} {SCOPE[1]}..{SCOPE[2]}: {len(areas)} areas x {len(GROUPS)} "
                        f"groups, {int(searches.sum()):,} searches, 2 chains")
    for col in ("model", "warmup", "draws", "wall s", "R-hat max", "ESS min", "s per ESS"):
        table.add_column(col)
    for row in rows:
        table.add_row(row["model"], str(row["warmup"]), str(row["draws"]), f"{row['wall_s']:.1f}",
                      f"{row['max_rhat']:.3f}", f"{row['min_ess']:.0f}", f"{row['s_per_ess']:.3f}")
    console = Console()
    console.print(table)
    if ratio is not None:
        console.print(f"seconds per effective sample: baseline / scrutiny = {ratio:.0f}x")
    console.print(f"full fit under {GOAL_S:.0f} s: {'met' if verdict['under_2_min'] else 'NOT met'}; "
                  f"converged: {result.converged}")
    console.print(result.summary(), highlight=False)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "threshold.json").write_text(json.dumps({
        "scope": SCOPE, "areas": areas, "notes": notes, "runs": rows, "ratio_s_per_ess": ratio,
        "verdict": verdict, "jax_devices": jax.local_device_count(), "result": result.to_dict(),
    }, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
