"""Ingest benchmark (`make bench`): `scrutiny ingest` against plain pandas, measured in the same run.

Two data sets: every real stop-and-search file under ../shared/data/police_uk/archive (skipped with a
message when absent), and a synthetic set of BENCH_ROWS rows (default 10,000,000) generated once into
bench-results/. Each tool runs in its own subprocess under a small wrapper that reports wall time and
peak RSS (getrusage of its children), so the figures are not coloured by this process. Results: a Rich
table and bench-results/ingest.json, judged against the goals below.

    .venv/bin/python bench/run.py [--rows N] [--only real|synthetic]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
SHARED_ARCHIVE = REPO.parent / "shared" / "data" / "police_uk" / "archive"
BASELINE = REPO / "bench" / "baseline_pandas.py"
TEN_MILLION = 10_000_000
GOAL_RATIO = 2.0  # Scrutiny at least 2x the rows/s of the pandas way (issue 22)
GOAL_10M_SECONDS = 15.0  # on an idle 2-core machine: compare the load average printed beside it
GOAL_PEAK_MB = 1024.0


@dataclass
class Run:
    tool: str
    rc: int
    wall_s: float
    peak_rss_mb: float
    rows: int | None = None
    log: str = ""
    load_before: float | None = None  # 1-minute load average as the run started (other work on the machine)

    @property
    def ok(self) -> bool:
        return self.rc == 0 and self.rows is not None

    def rows_per_s(self) -> float | None:
        return self.rows / self.wall_s if self.ok and self.rows and self.wall_s > 0 else None


@dataclass
class Dataset:
    name: str
    paths: list[Path]
    rows_expected: int | None
    files: int
    nbytes: int
    synth: dict[str, object] | None = None
    runs: list[Run] = field(default_factory=list)


# --- the measuring wrapper (run as a subprocess of this script) --------------------------------------


def measure_child(log: Path, cmd: list[str]) -> int:
    """Run cmd with output to log; print wall time and peak RSS of cmd as one JSON line."""
    start = time.perf_counter()
    with log.open("wb") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(json.dumps({"rc": rc, "wall_s": wall, "peak_rss_mb": peak_kb / 1024}))
    return 0


def measure(tool: str, cmd: list[str], log: Path) -> Run:
    log.parent.mkdir(parents=True, exist_ok=True)
    wrapper = [sys.executable, str(Path(__file__).resolve()), "--measure", str(log), "--", *cmd]
    load = os.getloadavg()[0]
    out = subprocess.run(wrapper, capture_output=True, text=True, check=True).stdout
    stats = json.loads(out.strip().splitlines()[-1])
    return Run(tool, stats["rc"], stats["wall_s"], stats["peak_rss_mb"], log=str(log.relative_to(REPO)),
               load_before=round(load, 2))


# --- data sets -------------------------------------------------------------------------------------------


def scrutiny_exe() -> str:
    local = REPO / ".venv" / "bin" / "scrutiny"
    found = str(local) if local.exists() else shutil.which("scrutiny")
    if not found:
        sys.exit("no `scrutiny` executable: run `pip install -e '.[dev]'` in .venv first")
    return found


def real_dataset() -> Dataset | None:
    files = sorted(SHARED_ARCHIVE.glob("*/*-stop-and-search.csv"))
    if not files:
        print(f"skipping the real files: none under {SHARED_ARCHIVE}")
        return None
    return Dataset("real (shared archive)", files, None, len(files), sum(f.stat().st_size for f in files))


def synthetic_rows(folder: Path) -> int | None:
    """Rows recorded in a synthetic set's sidecars, or None if it is absent or incomplete."""
    if not (folder / "SYNTHETIC.md").exists():
        return None
    total = 0
    for csv_path in folder.rglob("*-stop-and-search.csv"):
        sidecar = csv_path.with_name(csv_path.name + ".synthetic.json")
        if not sidecar.exists():
            return None
        total += int(json.loads(sidecar.read_text())["rows"])
    return total


def synthetic_dataset(rows: int) -> Dataset:
    name = "synthetic-10m" if rows == TEN_MILLION else f"synthetic-{rows}"
    folder = RESULTS / name
    synth: dict[str, object] | None = None
    if synthetic_rows(folder) != rows:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {rows:,} synthetic rows into {folder.relative_to(REPO)} ...", flush=True)
        cmd = [scrutiny_exe(), "synth", "--rows", str(rows), "--out", str(folder)]
        run = measure("scrutiny synth", cmd, RESULTS / "logs" / f"{name}-synth.log")
        if run.rc != 0:
            sys.exit(f"scrutiny synth failed, see {run.log}")
        synth = {"wall_s": run.wall_s, "rows_per_s": rows / run.wall_s, "peak_rss_mb": run.peak_rss_mb}
        (RESULTS / f"{name}.synth.json").write_text(json.dumps(synth) + "\n")
    elif (RESULTS / f"{name}.synth.json").exists():  # generated by an earlier run: keep its figures
        synth = json.loads((RESULTS / f"{name}.synth.json").read_text()) | {"earlier_run": True}
    files = sorted(folder.rglob("*-stop-and-search.csv"))
    return Dataset(name, [folder], rows, len(files), sum(f.stat().st_size for f in files), synth)


# --- the two tools ----------------------------------------------------------------------------------------


def run_scrutiny(ds: Dataset, slug: str) -> Run:
    db = RESULTS / f"ingest-{slug}.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    cmd = [scrutiny_exe(), "ingest", *map(str, ds.paths), "--db", str(db)]
    run = measure("scrutiny", cmd, RESULTS / "logs" / f"{slug}-scrutiny.log")
    if run.rc == 0:
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute("SELECT count(*) FROM stop_search").fetchone()
            run.rows = int(row[0]) if row else None
    return run


def run_pandas(ds: Dataset, slug: str) -> Run:
    out = RESULTS / f"baseline-{slug}.parquet"
    out.unlink(missing_ok=True)
    log = RESULTS / "logs" / f"{slug}-pandas.log"
    run = measure("pandas", [sys.executable, str(BASELINE), str(out), *map(str, ds.paths)], log)
    if run.rc == 0:
        run.rows = int(json.loads(log.read_text().strip().splitlines()[-1])["rows"])
    out.unlink(missing_ok=True)  # large, and only its writing time matters
    return run


# --- judging and reporting ----------------------------------------------------------------------------


def judge(ds: Dataset) -> dict[str, object]:
    runs = {r.tool: r for r in ds.runs}
    scr, pds = runs.get("scrutiny"), runs.get("pandas")
    out: dict[str, object] = {}
    if scr and pds and scr.ok and pds.ok:
        ratio = pds.wall_s / scr.wall_s
        out["ratio"] = ratio
        out["ratio_goal_met"] = ratio >= GOAL_RATIO
        out["rows_agree"] = scr.rows == pds.rows
    if scr and scr.ok:
        out["peak_goal_met"] = scr.peak_rss_mb < GOAL_PEAK_MB
        if ds.rows_expected is not None:
            out["rows_agree_with_generated"] = scr.rows == ds.rows_expected
        if ds.rows_expected == TEN_MILLION:
            out["10m_goal_met"] = scr.wall_s < GOAL_10M_SECONDS
    return out


def report(datasets: list[Dataset], verdicts: list[dict[str, object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Ingest: scrutiny vs the plain pandas way")
    for col in ("data set", "rows", "files", "MB", "tool", "wall s", "rows/s", "peak RSS MB", "pandas/scr", "load"):
        table.add_column(col, justify="left" if col in ("data set", "tool") else "right")
    for ds, verdict in zip(datasets, verdicts, strict=True):
        for i, run in enumerate(ds.runs):
            speed = run.rows_per_s()
            ratio = verdict.get("ratio") if run.tool == "scrutiny" else None
            table.add_row(
                ds.name if i == 0 else "",
                f"{run.rows:,}" if run.rows is not None else "-",
                f"{ds.files:,}" if i == 0 else "",
                f"{ds.nbytes / 1e6:,.0f}" if i == 0 else "",
                run.tool,
                f"{run.wall_s:.2f}" if run.rc == 0 else f"failed (rc {run.rc}, {run.log})",
                f"{speed:,.0f}" if speed else "-",
                f"{run.peak_rss_mb:,.0f}",
                f"{ratio:.2f}x" if isinstance(ratio, float) else "",
                f"{run.load_before:.1f}" if run.load_before is not None else "",
            )
    console = Console()
    if console.width < 120:  # piped output (make bench | tee) would otherwise wrap every cell
        console = Console(width=120)
    console.print(table)
    marks = {True: "[green]met[/]", False: "[red]NOT met[/]"}
    for ds, verdict in zip(datasets, verdicts, strict=True):
        lines = []
        if "ratio_goal_met" in verdict:
            lines.append(f"≥{GOAL_RATIO:.0f}x pandas throughput: {marks[bool(verdict['ratio_goal_met'])]}")
        if "10m_goal_met" in verdict:
            lines.append(f"10M rows < {GOAL_10M_SECONDS:.0f} s: {marks[bool(verdict['10m_goal_met'])]}")
        if "peak_goal_met" in verdict:
            lines.append(f"peak < {GOAL_PEAK_MB:,.0f} MB: {marks[bool(verdict['peak_goal_met'])]}")
        for key in ("rows_agree", "rows_agree_with_generated"):
            if verdict.get(key) is False:
                lines.append("[red]row counts differ[/]")
        if ds.synth:
            when = " (by an earlier run)" if ds.synth.get("earlier_run") else ""
            lines.append(
                f"generated in {ds.synth['wall_s']:.1f} s ({ds.synth['rows_per_s']:,.0f} rows/s, "
                f"peak {ds.synth['peak_rss_mb']:,.0f} MB per process){when}"
            )
        console.print(f"{ds.name}: " + "; ".join(lines), highlight=False)


def environment() -> dict[str, object]:
    import duckdb
    import pandas
    import pyarrow

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "commit": commit.stdout.strip() or None,
    }


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        return measure_child(Path(sys.argv[2]), sys.argv[4:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", TEN_MILLION)),
                        help="synthetic set size (default: $BENCH_ROWS, else 10,000,000)")
    parser.add_argument("--only", choices=["real", "synthetic"], help="run one data set only")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)

    datasets: list[Dataset] = []
    if args.only != "synthetic" and (real := real_dataset()):
        datasets.append(real)
    if args.only != "real":
        datasets.append(synthetic_dataset(args.rows))
    verdicts = []
    for ds in datasets:
        slug = "real" if ds.name.startswith("real") else ds.name
        print(f"{ds.name}: scrutiny ingest ...", flush=True)
        ds.runs.append(run_scrutiny(ds, slug))
        print(f"{ds.name}: pandas ...", flush=True)
        ds.runs.append(run_pandas(ds, slug))
        verdicts.append(judge(ds))
    report(datasets, verdicts)

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "goals": {"ratio_vs_pandas": GOAL_RATIO, "seconds_for_10m": GOAL_10M_SECONDS, "peak_mb": GOAL_PEAK_MB},
        "datasets": [
            {
                "name": ds.name,
                "paths": [str(p) for p in ds.paths] if len(ds.paths) == 1 else f"{len(ds.paths)} files",
                "files": ds.files,
                "bytes": ds.nbytes,
                "rows_expected": ds.rows_expected,
                "synth": ds.synth,
                "runs": [asdict(r) | {"rows_per_s": r.rows_per_s()} for r in ds.runs],
                "verdict": verdict,
            }
            for ds, verdict in zip(datasets, verdicts, strict=True)
        ],
    }
    (RESULTS / "ingest.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {(RESULTS / 'ingest.json').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
