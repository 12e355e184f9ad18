"""Street crime + outcomes benchmark (`make bench`): `ingest_paths` against the plain pandas way, same run, and
the Drugs outcome mix of one force-year, warm.

Data: `scrutiny synth --kind street,outcomes --rows N` (default 6,000,000 street rows: one synthetic year of every
force, 2024-01..2024-12, with about 5M outcome rows), generated once into bench-results/crime-6m/ (crime-<N>/) and
reused while its sidecars add up to N street rows. Every file is marked synthetic.

Each side runs --runs times (default 3), the two sides alternating, and the run of median wall time is reported
(this machine's pandas side alone varied from 21 to 28 s between single runs). Each run is its own process under
a small wrapper that reports its wall time and peak RSS (wait4's
ru_maxrss of that one process):
- scrutiny: `scrutiny.warehouse.ingest.ingest_paths([folder], db)` into a fresh DuckDB file;
- pandas: `pandas.read_csv` every file with default options, add force and month from the name, `concat` per kind,
  and write both frames into tables of a fresh DuckDB file: the same rows into a DuckDB table, with no checks.
Then, in this process, on the scrutiny warehouse, for the Metropolitan Police's 2024:
`scrutiny.metrics.crime.compute_outcome_mix` (the Drugs outcome mix, what the goal times), the whole `crime`
document (`compute_crime`: the mix, recorded crime, and linking every force-month), and one SQL query of the
mix alone (latest outcome per Drugs crime by outcome month, grouped by class): one warm-up call, then
the median of --repeats calls.

    .venv/bin/python bench/crime_bench.py [--rows N] [--repeats 5] [--runs 3]  (or BENCH_CRIME_ROWS=600000)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
RESULTS = REPO / "bench-results"
FULL_ROWS = 6_000_000
FORCE, YEAR = "metropolitan", ("2024-01", "2024-12")
GOAL_RATIO = 1.0  # at least as fast as pandas (pandas wall time / scrutiny wall time)
GOAL_PEAK_MB = 2048.0
GOAL_WARM_S = 0.5
KINDS = {"street": "street_crime", "outcomes": "crime_outcome"}  # file kind -> table

# The Drugs outcome mix of one force-year: each Drugs crime's latest outcome (by outcome month, then the later row
# of the later file), crimes with none counted as NULL ("not linked yet").
MIX_SQL = """
WITH drugs AS (
    SELECT crime_id FROM street_crime
    WHERE force = ? AND month BETWEEN ? AND ? AND crime_type = 'Drugs' AND crime_id IS NOT NULL
), latest AS (
    SELECT o.crime_id, arg_max(o.outcome_class, (o.month, o.force, o.source_row)) AS outcome_class
    FROM crime_outcome o SEMI JOIN drugs d ON o.crime_id = d.crime_id
    GROUP BY o.crime_id
)
SELECT l.outcome_class, count(*) AS crimes
FROM drugs d LEFT JOIN latest l ON l.crime_id = d.crime_id
GROUP BY l.outcome_class ORDER BY crimes DESC
"""


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- the two sides (run as child processes of this script) -------------------------------------------------


def side_scrutiny(db: Path, folder: Path) -> dict[str, Any]:
    from scrutiny.warehouse.ingest import ingest_paths

    report = ingest_paths([folder], db)
    rows = dict.fromkeys(KINDS, 0)
    rejected = 0
    for r in report.results:
        for kind in KINDS:
            if r.path.name.endswith(f"-{kind}.csv"):
                rows[kind] += r.rows_loaded
                rejected += r.rows_rejected
    return {"rows": rows, "rejected": rejected}


def side_pandas(db: Path, folder: Path) -> dict[str, Any]:
    import duckdb
    import pandas as pd

    rows = {}
    with duckdb.connect(str(db)) as con:
        for kind, table in KINDS.items():
            frames = []
            for path in sorted(folder.rglob(f"*-{kind}.csv")):
                frame = pd.read_csv(path)
                frame["force"] = path.name[len("YYYY-MM-") : -len(f"-{kind}.csv")]
                frame["month"] = path.name[: len("YYYY-MM")]
                frames.append(frame)
            whole = pd.concat(frames, ignore_index=True)
            del frames
            con.register("frame", whole)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
            con.unregister("frame")
            rows[kind] = len(whole)
            del whole
    return {"rows": rows, "rejected": 0}


# --- the data set ----------------------------------------------------------------------------------------------


def sidecar_rows(folder: Path) -> dict[str, int] | None:
    """Rows per kind recorded in a set's sidecars; None when the set is absent or a sidecar is missing."""
    if not (folder / "SYNTHETIC.md").exists():
        return None
    rows = dict.fromkeys(KINDS, 0)
    for kind in KINDS:
        for path in folder.rglob(f"*-{kind}.csv"):
            sidecar = path.with_name(path.name + ".synthetic.json")
            if not sidecar.exists():
                return None
            rows[kind] += int(json.loads(sidecar.read_text())["rows"])
    return rows


def dataset(rows: int, run_process: Any) -> tuple[Path, dict[str, int], dict[str, Any] | None]:
    name = "crime-6m" if rows == FULL_ROWS else f"crime-{rows}"
    folder = RESULTS / name
    found = sidecar_rows(folder)
    synth: dict[str, Any] | None = None
    if found is None or found["street"] != rows:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {rows:,} synthetic street rows and their outcomes into {folder.relative_to(REPO)} ...",
              flush=True)
        exe = REPO / ".venv" / "bin" / "scrutiny"
        cmd = [str(exe) if exe.exists() else "scrutiny", "synth", "--kind", "street,outcomes", "--rows", str(rows),
               "--out", str(folder)]
        proc = run_process(cmd, RESULTS / "logs" / f"{name}-synth.log")
        found = sidecar_rows(folder)
        if proc.rc != 0 or found is None:
            sys.exit(f"scrutiny synth failed: see bench-results/logs/{name}-synth.log")
        synth = {"wall_s": proc.wall_s, "rows_per_s": sum(found.values()) / proc.wall_s,
                 "peak_rss_mb": proc.peak_rss_mb}
        (RESULTS / f"{name}.synth.json").write_text(json.dumps(synth) + "\n")
    elif (timing := RESULTS / f"{name}.synth.json").exists() and \
            timing.stat().st_mtime >= (folder / "SYNTHETIC.md").stat().st_mtime:  # not a set made since by hand
        synth = json.loads((RESULTS / f"{name}.synth.json").read_text()) | {"earlier_run": True}
    return folder, found, synth


# --- one side, measured ----------------------------------------------------------------------------------------


def measure_side(side: str, folder: Path, db: Path, run_process: Any) -> dict[str, Any]:
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--side", side, str(db), str(folder)]
    proc = run_process(cmd, RESULTS / "logs" / f"{folder.name}-{side}.log")
    out: dict[str, Any] = {"side": side, "rc": proc.rc, "wall_s": proc.wall_s, "peak_rss_mb": proc.peak_rss_mb}
    if proc.rc == 0:
        out |= json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def median_run(measured: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (the lower middle one of an even number), with every run's wall time beside
    it and the highest peak of any run (the memory goal holds for every run); a failed run stands for the side."""
    failed = [m for m in measured if m["rc"] != 0]
    if failed:
        return failed[0]
    ordered = sorted(measured, key=lambda m: m["wall_s"])
    return ordered[(len(ordered) - 1) // 2] | {"runs_wall_s": [m["wall_s"] for m in measured],
                                               "peak_rss_mb": max(m["peak_rss_mb"] for m in measured)}


def warm(fn: Any, repeats: int) -> dict[str, Any]:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "min_s": min(times), "repeats": repeats}


def drugs_mix(db: Path, repeats: int) -> dict[str, Any]:
    """The force-year's Drugs outcome mix, warm: the crime metrics module's document, and the bare SQL."""
    import duckdb

    from scrutiny.metrics.crime import CrimeScope, compute_crime, compute_outcome_mix
    from scrutiny.vocab.months import month_start

    scope = CrimeScope(FORCE, *YEAR)
    document = compute_crime(db, scope)
    args = [FORCE, month_start(YEAR[0]), month_start(YEAR[1])]
    with duckdb.connect(str(db), read_only=True) as con:
        mix = con.execute(MIX_SQL, args).fetchall()
        sql = warm(lambda: con.execute(MIX_SQL, args).fetchall(), repeats)
    outcomes = document["outcomes"]
    return {
        "scope": f"{FORCE} {YEAR[0]}..{YEAR[1]}",
        "drug_crimes": outcomes["crimes"],
        "with_outcome": outcomes["with_outcome"],
        "latest_outcome": outcomes["latest_outcome"],
        "sql_mix": [{"class": c, "crimes": n} for c, n in mix],
        "outcome_mix": warm(lambda: compute_outcome_mix(db, scope), repeats),
        "compute_crime": warm(lambda: compute_crime(db, scope), repeats),
        "sql": sql,
    }


# --- report ----------------------------------------------------------------------------------------------------


def verdict(sides: dict[str, dict[str, Any]], generated: dict[str, int], mix: dict[str, Any] | None) -> dict[str, Any]:
    scr, pds = sides["scrutiny"], sides["pandas"]
    out: dict[str, Any] = {}
    if scr["rc"] == 0 and pds["rc"] == 0:
        out["ratio"] = pds["wall_s"] / scr["wall_s"]
        out["ratio_goal_met"] = out["ratio"] >= GOAL_RATIO
        out["rows_agree"] = scr["rows"] == pds["rows"] == generated
    if scr["rc"] == 0:
        out["peak_goal_met"] = scr["peak_rss_mb"] < GOAL_PEAK_MB
        out["no_rejects"] = scr["rejected"] == 0
    if mix:
        out["warm_goal_met"] = mix["outcome_mix"]["median_s"] < GOAL_WARM_S
        # the stand-in SQL and the metrics module must agree on the mix (crimes with no outcome aside)
        sql = {m["class"]: m["crimes"] for m in mix["sql_mix"] if m["class"] is not None}
        out["sql_mix_matches"] = sql == {m["class"]: m["n"] for m in mix["latest_outcome"] if m["n"]}
    return out


def report(sides: dict[str, dict[str, Any]], generated: dict[str, int], mix: dict[str, Any] | None,
           judged: dict[str, Any], synth: dict[str, Any] | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Street crime + outcomes: ingest_paths vs the plain pandas way")
    for col in ("tool", "street rows", "outcome rows", "median wall s", "rows/s", "peak RSS MB", "pandas/scr"):
        table.add_column(col, justify="left" if col == "tool" else "right")
    for side in ("scrutiny", "pandas"):
        run = sides[side]
        if run["rc"] != 0:
            table.add_row(side, "-", "-", f"failed (rc {run['rc']})", "-", f"{run['peak_rss_mb']:,.0f}", "")
            continue
        total = sum(run["rows"].values())
        ratio = judged.get("ratio") if side == "scrutiny" else None
        table.add_row(side, f"{run['rows']['street']:,}", f"{run['rows']['outcomes']:,}", f"{run['wall_s']:.2f}",
                      f"{total / run['wall_s']:,.0f}", f"{run['peak_rss_mb']:,.0f}",
                      f"{ratio:.2f}x" if ratio is not None else "")
    console = Console(width=max(Console().width, 120))
    console.print(table)
    marks = {True: "[green]met[/]", False: "[red]NOT met[/]"}
    lines = []
    if "ratio_goal_met" in judged:
        lines.append(f"at least as fast as pandas: {marks[judged['ratio_goal_met']]}")
    if "peak_goal_met" in judged:
        lines.append(f"peak < {GOAL_PEAK_MB / 1024:.0f} GB: {marks[judged['peak_goal_met']]}")
    if judged.get("rows_agree") is False:
        lines.append(f"[red]row counts differ[/] (generated {generated})")
    if judged.get("sql_mix_matches") is False:
        lines.append("[red]the mix's SQL and compute_crime disagree[/]")
    if judged.get("no_rejects") is False:
        lines.append(f"[red]{sides['scrutiny']['rejected']:,} rows rejected[/]")
    console.print("; ".join(lines), highlight=False)
    walls = {side: run.get("runs_wall_s") for side, run in sides.items()}
    if all(walls.values()):
        console.print("runs (wall s, in order; the median is shown): " + "; ".join(
            f"{side} {', '.join(f'{w:.1f}' for w in wall or [])}" for side, wall in walls.items()), highlight=False)
    if mix:
        console.print(
            f"Drugs outcome mix, {mix['scope']} ({mix['drug_crimes']:,} drug crimes, {mix['with_outcome']:,} with an "
            f"outcome): compute_outcome_mix warm {mix['outcome_mix']['median_s']:.3f} s (median of "
            f"{mix['outcome_mix']['repeats']}), the mix's SQL alone {mix['sql']['median_s']:.3f} s; "
            f"< {GOAL_WARM_S} s: {marks[judged['warm_goal_met']]}. The whole crime document (linking every "
            f"force-month too) {mix['compute_crime']['median_s']:.3f} s", highlight=False)
    if synth:
        when = " (by an earlier run)" if synth.get("earlier_run") else ""
        console.print(f"generated in {synth['wall_s']:.1f} s ({synth['rows_per_s']:,.0f} rows/s, peak "
                      f"{synth['peak_rss_mb']:,.0f} MB per process){when}", highlight=False)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--side":
        side, db, folder = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
        result = side_scrutiny(db, folder) if side == "scrutiny" else side_pandas(db, folder)
        print(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_CRIME_ROWS", FULL_ROWS)),
                        help="street rows of the synthetic set (default: $BENCH_CRIME_ROWS, else 6,000,000)")
    parser.add_argument("--repeats", type=int, default=5, help="warm query calls timed (median reported)")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_CRIME_RUNS", 3)),
                        help="ingest runs of each side, alternating (the median run is reported; default 3)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    metrics_bench = _load("bench_metrics_bench", BENCH / "metrics_bench.py")  # run_process, environment()

    folder, generated, synth = dataset(args.rows, metrics_bench.run_process)
    runs: dict[str, list[dict[str, Any]]] = {"scrutiny": [], "pandas": []}
    for n in range(args.runs):  # the sides alternate, so a slow spell of the machine falls on both
        for side in runs:
            print(f"{folder.name}: {side} (run {n + 1} of {args.runs}) ...", flush=True)
            db = RESULTS / f"{folder.name}-{side}.duckdb"
            runs[side].append(measure_side(side, folder, db, metrics_bench.run_process))
    sides = {side: median_run(measured) for side, measured in runs.items()}
    (RESULTS / f"{folder.name}-pandas.duckdb").unlink(missing_ok=True)  # large, and only its writing time matters
    mix = drugs_mix(RESULTS / f"{folder.name}-scrutiny.duckdb", args.repeats) if sides["scrutiny"]["rc"] == 0 else None
    judged = verdict(sides, generated, mix)
    report(sides, generated, mix, judged, synth)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": metrics_bench.ingest_bench.environment() | {"load_average": os.getloadavg()},
        "goals": {"ratio_vs_pandas": GOAL_RATIO, "peak_mb": GOAL_PEAK_MB, "warm_s": GOAL_WARM_S},
        "data": {"folder": str(folder.relative_to(REPO)), "rows": generated, "synth": synth},
        "sides": sides,
        "drugs_mix": mix,
        "verdict": judged,
    }
    (RESULTS / "crime.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {(RESULTS / 'crime.json').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
