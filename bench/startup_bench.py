"""Start-up benchmark (`make bench`): how long `scrutiny --help` and `scrutiny metrics ... --format json` on a small
warehouse take from a fresh process, against the same commands at the commit before imports were deferred
(issue 22, "Start-up"), with `python -c pass` as the floor, all in the same run.

The baseline is that commit's `src/`, extracted with `git archive` into bench-results/startup/ and run by the same
.venv Python with PYTHONPATH pointing at it; the current tree runs the same way with PYTHONPATH at ./src, so the
two differ only in their code. Each version ingests the same files into its own warehouse first (a version reads
the warehouse it writes): three months of the Metropolitan Police's real archive files with the Census and the
force lookup from ../shared/data, so the document has rates and exact intervals; without ../shared/data, 20,000
synthetic Metropolitan rows and no residents (said in the output). The two versions' documents are compared.

Rows, each a fresh process timed from start to exit, the median (and fastest) of --runs runs, the commands taken
in turn in every round so load changes hit them alike:
- `python -c pass`: the interpreter alone, the floor of any command;
- `import typer`, and `--help` of a two-command Typer app: the floor of any Typer command line and its help;
- `scrutiny --help`, baseline and now;
- the libraries the metrics command cannot do without (Typer, pydantic-settings for the settings check, pandas,
  scipy.special for the exact intervals, Ibis with its DuckDB backend connected to memory), nothing else: its floor;
- `scrutiny metrics --force metropolitan --from .. --to .. --format json`, baseline and now.
Beside the wall time, each process's CPU time (user + system): on a loaded machine it is close to what the wall
time would be on an idle one. Goal: each `scrutiny` command now under 0.5 s. Results: a table and
bench-results/startup.json.

    .venv/bin/python bench/startup_bench.py [--runs 15] [--baseline REV]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
WORK = RESULTS / "startup"
SHARED = REPO.parent / "shared" / "data"
FIXTURES = REPO / "tests" / "fixtures"
PYTHON = sys.executable
BASELINE = "c449305805582e45fcb8c11ef410d4c42d950344"  # main just before the CLI deferred its imports
GOAL_S = 0.5
LAUNCH = "import sys; from scrutiny.cli import main; sys.argv[0] = 'scrutiny'; sys.exit(main())"  # .venv/bin/scrutiny
MONTHS = ("2021-06", "2021-08")
METRICS_LIBRARIES = "import typer, pydantic_settings, pandas, scipy.special, ibis; ibis.duckdb.connect()"
TYPER_APP = ("import typer\napp = typer.Typer()\n@app.command()\ndef a() -> None:\n    'A.'\n"
             "@app.command()\ndef b() -> None:\n    'B.'\napp(prog_name='x')")  # the floor of any --help


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True).stdout.strip()


def baseline_tree(rev: str) -> Path:
    """The baseline's src/, extracted once per commit (git archive: no worktree to clean up)."""
    commit = _git("rev-parse", rev)
    tree = WORK / f"baseline-{commit[:10]}"
    if not (tree / "src" / "scrutiny" / "cli" / "__init__.py").exists():
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit, "src"], check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
    return tree


def _env(src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")}
    return env | {"PYTHONPATH": str(src)}


def _scrutiny(*args: str) -> list[str]:
    """`scrutiny ARGS` of whichever tree PYTHONPATH points at."""
    return [PYTHON, "-c", LAUNCH, *args]


def inputs() -> tuple[list[Path], str, str]:
    """The files to ingest, the force, and what they are (real, or synthetic when ../shared/data is absent)."""
    archive = SHARED / "police_uk" / "archive"
    months = [f"2021-{m:02d}" for m in range(6, 9)]
    stops = [archive / m / f"{m}-metropolitan-stop-and-search.csv" for m in months]
    lookup = SHARED / "geography" / "local_authority_to_police_force_2020.csv"
    reference = [*sorted((SHARED / "census2021").glob("*.csv")), lookup]
    if all(p.exists() for p in stops + reference):
        return stops + reference, "metropolitan", "real: 3 Metropolitan months, the Census and the force lookup"
    synthetic = WORK / "synthetic"
    if not synthetic.exists():
        subprocess.run(_scrutiny("synth", "--rows", "20000", "--forces", "metropolitan", "--from",
                                 MONTHS[0], "--to", MONTHS[1], "--out", str(synthetic)),
                       check=True, env=_env(REPO / "src"), stdout=subprocess.DEVNULL)
    return [synthetic], "metropolitan", "SYNTHETIC: 20,000 Metropolitan rows, no residents (no ../shared/data)"


def warehouse(src: Path, name: str, files: list[Path]) -> Path:
    """A warehouse written by this version's own ingest (rebuilt each run: a few seconds)."""
    db = WORK / f"{name}.duckdb"
    db.unlink(missing_ok=True)
    subprocess.run(_scrutiny("ingest", *map(str, files), "--db", str(db)), check=True, env=_env(src),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return db


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system) of the process: on a loaded machine the CPU time is what
    the wall time would be on an idle one, near enough (start-up is one thread)."""
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (the median is reported)")
    parser.add_argument("--baseline", default=BASELINE, help="commit to compare with")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    now_src, base_src = REPO / "src", baseline_tree(args.baseline) / "src"
    files, force, data = inputs()
    dbs = {"baseline": warehouse(base_src, "baseline", files), "now": warehouse(now_src, "now", files)}
    metrics = ["metrics", "--force", force, "--from", MONTHS[0], "--to", MONTHS[1], "--format", "json"]
    docs = {name: subprocess.run(_scrutiny(*metrics, "--db", str(dbs[name])), check=True, capture_output=True,
                                 env=_env(src)).stdout for name, src in (("baseline", base_src), ("now", now_src))}
    plain = _env(now_src)
    rows: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": ([PYTHON, "-c", "pass"], plain),
        "import typer": ([PYTHON, "-c", "import typer"], plain),
        "a two-command Typer app --help": ([PYTHON, "-c", TYPER_APP, "--help"], plain),
        "scrutiny --help, baseline": (_scrutiny("--help"), _env(base_src)),
        "scrutiny --help, now": (_scrutiny("--help"), plain),
        "metrics' libraries imported": ([PYTHON, "-c", METRICS_LIBRARIES], plain),
        "scrutiny metrics, baseline": (_scrutiny(*metrics, "--db", str(dbs["baseline"])), _env(base_src)),
        "scrutiny metrics, now": (_scrutiny(*metrics, "--db", str(dbs["now"])), plain),
    }
    for cmd, env in rows.values():  # warm the page cache and write the bytecode of both trees
        timed(cmd, env)
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {label: [] for label in rows}
    cpu: dict[str, list[float]] = {label: [] for label in rows}
    for _ in range(args.runs):
        for label, (cmd, env) in rows.items():
            wall, used = timed(cmd, env)
            times[label].append(wall)
            cpu[label].append(used)
    load_after = os.getloadavg()
    median = {label: statistics.median(t) for label, t in times.items()}
    median_cpu = {label: statistics.median(t) for label, t in cpu.items()}
    commands = ("scrutiny --help", "scrutiny metrics")
    verdicts = {command: median[f"{command}, now"] < GOAL_S for command in commands}
    verdicts_cpu = {command: median_cpu[f"{command}, now"] < GOAL_S for command in commands}
    same = docs["baseline"] == docs["now"]
    result: dict[str, Any] = {
        "commit": _git("rev-parse", "--short", "HEAD"), "dirty": bool(_git("status", "--porcelain", "src")),
        "baseline": _git("rev-parse", "--short", args.baseline), "runs": args.runs, "data": data,
        "cores": os.cpu_count(), "load_average_before": load_before, "load_average_after": load_after,
        "median_s": median, "fastest_s": {label: min(t) for label, t in times.items()}, "all_s": times,
        "median_cpu_s": median_cpu, "all_cpu_s": cpu,
        "ratios": {command: median[f"{command}, baseline"] / median[f"{command}, now"] for command in commands},
        "ratios_cpu": {command: median_cpu[f"{command}, baseline"] / median_cpu[f"{command}, now"]
                       for command in commands},
        "documents_identical": same, "goal_s": GOAL_S, "met": verdicts, "met_cpu": verdicts_cpu,
    }
    (RESULTS / "startup.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"start-up: {data}; {args.runs} runs each; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after; baseline {result['baseline']}")
    print(f"{'command':<32} {'median s':>9} {'fastest s':>9} {'CPU s':>7}")
    for label in rows:
        print(f"{label:<32} {median[label]:>9.3f} {min(times[label]):>9.3f} {median_cpu[label]:>7.3f}")
    for command in commands:
        print(f"{command}: baseline / now {result['ratios'][command]:.2f}x wall, {result['ratios_cpu'][command]:.2f}x "
              f"CPU; under {GOAL_S} s: {'met' if verdicts[command] else 'NOT met'} (wall), "
              f"{'met' if verdicts_cpu[command] else 'NOT met'} (CPU)")
    print(f"metrics documents of the two versions {'identical' if same else 'DIFFER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
