"""Metrics benchmark (`make bench`, after the ingest one): `compute_metrics` against pandas, same run.

The warehouse: the synthetic set `bench/run.py` generates (BENCH_ROWS rows, default 10,000,000: 44 forces
x 2024-01..2024-12) plus the real Census and geography from ../shared/data when present, ingested once
into bench-results/metrics-10m.duckdb (metrics-<N>.duckdb) and reused while it is complete.

Four scopes: the Metropolitan Police for 2024 (one force-year), every force for 2024 (national), and a borough
(Hackney) for 2024 without a lens and with `--purpose drugs`: the lensed document must take no more than 10%
longer than the unlensed one. For each, five figures:
- scrutiny cold: a fresh process, `scrutiny metrics ... --format json`, wall time (imports included);
- scrutiny warm: `compute_metrics` in this process, one warm-up call then the median of --repeats calls;
- scrutiny rows warm: the same from `stop_search` itself (`rows=True`), not the prepared counts: the path
  every figure took before them, the reference (its document must be the same JSON);
- pandas cold: a fresh process, `bench/baseline_metrics_pandas.py` (imports, read the columns from
  DuckDB into pandas, compute);
- pandas warm: the rows loaded into pandas once, untimed, then the median of --repeats `compute` calls.
The pandas figures are checked against the scrutiny document (counts exactly, rates to 1e-9).

Then the uncached documents (issue 22's goal: any borough or force-year in under 50 ms of server time): every
London borough's 2024 document and every force's 2024 document, each computed once (no two alike, so nothing
is answered from a cache), in this process, from the prepared counts and from the rows; each must be the same
JSON on both paths. Median, 90th percentile and largest time per document.

Results: a Rich table and bench-results/metrics.json, judged against the goals below.

    .venv/bin/python bench/metrics_bench.py [--rows N] [--repeats 5] [--cold 3] [--rebuild]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
RESULTS = REPO / "bench-results"
SHARED = REPO.parent / "shared" / "data"
REFERENCE = [SHARED / "census2021", SHARED / "geography"]
TEN_MILLION = 10_000_000
GOAL_NATIONAL_WARM_S = 1.0
GOAL_RATIO = 5.0
GOAL_LENS_OVERHEAD = 1.10  # a lensed document may take at most 10% longer than the same scope unlensed
GOAL_UNCACHED_S = 0.050  # any borough or force-year document, uncached, in under 50 ms of server time
YEAR = ("2024-01", "2024-12")
HACKNEY = "E09000012"
# label -> (force, area code, purpose)
SCOPES: dict[str, tuple[str, str | None, str | None]] = {
    "metropolitan 2024": ("metropolitan", None, None),
    "all forces 2024": ("all", None, None),
    "Hackney 2024": ("metropolitan", HACKNEY, None),
    "Hackney 2024, drugs": ("metropolitan", HACKNEY, "drugs"),
}
TIMINGS = ("scrutiny_cold_s", "scrutiny_warm_s", "scrutiny_rows_warm_s", "pandas_cold_s", "pandas_warm_s")


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


ingest_bench = _load("bench_ingest_run", BENCH / "run.py")  # synthetic set generation, environment()
baseline = _load("bench_baseline_metrics_pandas", BENCH / "baseline_metrics_pandas.py")


@dataclass
class Proc:
    rc: int
    wall_s: float
    peak_rss_mb: float
    stdout: str


# Run by a small separate Python, so that the measured process is forked from a small one: on Linux a
# child's peak RSS (ru_maxrss) counts the memory of the process it was forked from until its exec, and this
# one holds gigabytes of pandas data by the end. Prints {"rc", "wall_s", "peak_rss_mb"}.
MEASURE = """
import json, os, subprocess, sys, time
out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(out, "wb") as o, open(err, "wb") as e:
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=o, stderr=e)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024}))
"""


def run_process(cmd: list[str], log: Path) -> Proc:
    """Run cmd (stdout kept, stderr to log): wall time and peak RSS of that one process."""
    log.parent.mkdir(parents=True, exist_ok=True)
    out_path = log.with_suffix(".stdout")
    wrapper = [sys.executable, "-c", MEASURE, str(out_path), str(log), *cmd]
    stats = json.loads(subprocess.run(wrapper, capture_output=True, text=True, check=True, cwd=REPO).stdout)
    stdout = out_path.read_text()
    out_path.unlink()
    return Proc(stats["rc"], stats["wall_s"], stats["peak_rss_mb"], stdout)


# --- the warehouse -----------------------------------------------------------------------------------------


def warehouse(rows: int, rebuild: bool) -> tuple[Path, dict[str, Any]]:
    """The metrics warehouse for `rows` synthetic rows (+ Census and geography), built unless complete."""
    name = "metrics-10m" if rows == TEN_MILLION else f"metrics-{rows}"
    db = RESULTS / f"{name}.duckdb"
    sidecar = RESULTS / f"{name}.json"
    reference = [p for p in REFERENCE if p.exists()]
    if not reference:
        print(f"no Census or geography at {SHARED}: populations, rates and ratios will be empty")
    wanted = {"rows": rows, "reference": [str(p) for p in reference]}
    if not rebuild and db.exists() and sidecar.exists():
        info = json.loads(sidecar.read_text())
        if {k: info.get(k) for k in wanted} == wanted and _row_count(db) == rows:
            print(f"reusing {db.relative_to(REPO)} ({rows:,} rows, built {info.get('built')})")
            return db, info | {"reused": True, "prepared_built_s": _prepare(db)}
    dataset = ingest_bench.synthetic_dataset(rows)  # generated into bench-results/ unless already there
    for stale in (db, db.with_name(db.name + ".wal"), sidecar):
        stale.unlink(missing_ok=True)
    building = db.with_name(db.name + ".building")
    for stale in (building, building.with_name(building.name + ".wal")):
        stale.unlink(missing_ok=True)
    print(f"building {db.relative_to(REPO)}: scrutiny ingest of {rows:,} synthetic rows"
          f"{' + Census + geography' if reference else ''} ...", flush=True)
    cmd = [ingest_bench.scrutiny_exe(), "ingest", *map(str, dataset.paths), *map(str, reference),
           "--db", str(building)]
    proc = run_process(cmd, RESULTS / "logs" / f"{name}-ingest.log")
    if proc.rc != 0:
        sys.exit(f"scrutiny ingest failed (rc {proc.rc}), see bench-results/logs/{name}-ingest.log")
    if _row_count(building) != rows:
        sys.exit(f"{building} has {_row_count(building)} rows, expected {rows}")
    building.rename(db)
    info = wanted | {"built": datetime.now(UTC).isoformat(timespec="seconds"), "ingest_s": proc.wall_s,
                     "ingest_peak_rss_mb": proc.peak_rss_mb, "synthetic": str(dataset.paths[0])}
    sidecar.write_text(json.dumps(info, indent=2) + "\n")
    return db, info | {"reused": False}


def _prepare(db: Path) -> float | None:
    """Build the prepared counts (warehouse.aggregates) of a warehouse made before them, as its next ingest
    would; the seconds it took, or None when it has them."""
    import duckdb

    from scrutiny.warehouse import aggregates

    with duckdb.connect(str(db)) as con:
        present = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if all(c.name in present for c in aggregates.CUBES):
            return None
        print(f"building the prepared counts of {db.relative_to(REPO)} ...", flush=True)
        start = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        aggregates.build_missing(con)
        con.execute("COMMIT")
        return time.perf_counter() - start


def _row_count(db: Path) -> int | None:
    import duckdb

    try:
        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute("SELECT count(*) FROM stop_search").fetchone()
            return int(row[0]) if row else None
    except duckdb.Error:
        return None


# --- the measurements ----------------------------------------------------------------------------------------


@dataclass
class Result:
    scope: str
    force: str
    area: str | None = None
    purpose: str | None = None
    rows: int = 0
    scrutiny_cold_s: list[float] = field(default_factory=list)
    scrutiny_cold_peak_mb: float = 0.0
    scrutiny_warm_s: list[float] = field(default_factory=list)
    scrutiny_rows_warm_s: list[float] = field(default_factory=list)
    rows_json_matches: bool | None = None
    pandas_cold_s: list[float] = field(default_factory=list)
    pandas_cold_peak_mb: float = 0.0
    pandas_cold_load_s: float = 0.0
    pandas_warm_s: list[float] = field(default_factory=list)
    pandas_load_s: float = 0.0
    disagreements: list[str] = field(default_factory=list)
    cold_json_matches_warm: bool | None = None

    def median(self, name: str) -> float | None:
        values: list[float] = getattr(self, name)
        return statistics.median(values) if values else None

    @property
    def key(self) -> str:
        return "_".join(p for p in (self.force, self.area, self.purpose) if p)

    def options(self) -> list[str]:
        return [*(["--area", self.area] if self.area else []), *(["--purpose", self.purpose] if self.purpose else [])]

    def ratio(self, kind: str) -> float | None:
        pandas_s, scrutiny_s = self.median(f"pandas_{kind}_s"), self.median(f"scrutiny_{kind}_s")
        return pandas_s / scrutiny_s if pandas_s and scrutiny_s else None


def scrutiny_cold(db: Path, r: Result, runs: int) -> dict[str, Any] | None:
    cmd = [ingest_bench.scrutiny_exe(), "metrics", "--force", r.force, "--from", YEAR[0], "--to", YEAR[1],
           *r.options(), "--format", "json", "--db", str(db)]
    doc = None
    for i in range(runs):
        proc = run_process(cmd, RESULTS / "logs" / f"metrics-{r.key}-scrutiny-cold-{i}.log")
        if proc.rc != 0:
            sys.exit(f"{' '.join(cmd)} failed (rc {proc.rc}); see bench-results/logs")
        r.scrutiny_cold_s.append(proc.wall_s)
        r.scrutiny_cold_peak_mb = max(r.scrutiny_cold_peak_mb, proc.peak_rss_mb)
        doc = json.loads(proc.stdout)
    return doc


def scrutiny_warm(db: Path, r: Result, repeats: int) -> dict[str, Any]:
    """The document from the prepared counts, then from the rows (the path before them), each warmed up once."""
    from scrutiny.metrics.document import Scope, compute_metrics

    scope = Scope(r.force, r.area, *YEAR, "self", None, r.purpose)
    docs: dict[bool, dict[str, Any]] = {}
    for rows, times in ((False, r.scrutiny_warm_s), (True, r.scrutiny_rows_warm_s)):
        docs[rows] = compute_metrics(db, scope, rows=rows)  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            compute_metrics(db, scope, rows=rows)
            times.append(time.perf_counter() - start)
    r.rows = int(docs[False]["searches"])
    r.rows_json_matches = _same_document(docs[True], docs[False])
    return docs[False]


@dataclass
class Uncached:
    """Distinct documents of one kind (boroughs, or force-years), each computed once per path."""

    kind: str
    scopes: list[str] = field(default_factory=list)
    prepared_s: list[float] = field(default_factory=list)
    rows_s: list[float] = field(default_factory=list)
    same_json: bool = True

    def stats(self, name: str) -> dict[str, float | None]:
        values: list[float] = sorted(getattr(self, name))
        if not values:
            return {"median": None, "p90": None, "max": None}
        return {"median": statistics.median(values), "p90": values[min(len(values) - 1, int(0.9 * len(values)))],
                "max": values[-1]}


def uncached(db: Path, most: int | None = None) -> list[Uncached]:
    """Every London borough's and every force's 2024 document (or `most` of each, evenly spread), each once, on
    both paths (after one unrelated document to warm the process up)."""
    import duckdb

    from scrutiny.metrics.document import Scope, compute_metrics

    with duckdb.connect(str(db), read_only=True) as con:
        boroughs = [c for (c,) in con.execute("SELECT DISTINCT area_code FROM stop_search WHERE force = "
                                              "'metropolitan' AND area_code LIKE 'E09%' ORDER BY 1").fetchall()]
        forces = [f for (f,) in con.execute("SELECT DISTINCT force FROM stop_search ORDER BY 1").fetchall()]
    if most is not None:
        boroughs, forces = (names[:: max(1, len(names) // most)][:most] for names in (boroughs, forces))
    kinds = {"borough 2024": [Scope("metropolitan", code, *YEAR) for code in boroughs],
             "force-year 2024": [Scope(force, None, *YEAR) for force in forces]}
    compute_metrics(db, Scope("metropolitan", None, "2024-01", "2024-01"))  # imports, first connection
    out = []
    for kind, scopes in kinds.items():
        u = Uncached(kind)
        print(f"uncached {kind}: {len(scopes)} distinct documents, prepared counts and rows ...", flush=True)
        for scope in scopes:
            docs = []
            for rows, times in ((False, u.prepared_s), (True, u.rows_s)):
                start = time.perf_counter()
                docs.append(compute_metrics(db, scope, rows=rows))
                times.append(time.perf_counter() - start)
            u.scopes.append(scope.area or scope.force)
            u.same_json &= bool(_same_document(docs[0], docs[1]))
        out.append(u)
    return out


def pandas_cold(db: Path, r: Result, runs: int) -> dict[str, Any]:
    cmd = [sys.executable, str(BENCH / "baseline_metrics_pandas.py"), "--db", str(db), "--force", r.force,
           "--from", YEAR[0], "--to", YEAR[1], *r.options()]
    out: dict[str, Any] = {}
    for i in range(runs):
        proc = run_process(cmd, RESULTS / "logs" / f"metrics-{r.key}-pandas-cold-{i}.log")
        if proc.rc != 0:
            sys.exit(f"{' '.join(cmd)} failed (rc {proc.rc}); see bench-results/logs")
        r.pandas_cold_s.append(proc.wall_s)
        r.pandas_cold_peak_mb = max(r.pandas_cold_peak_mb, proc.peak_rss_mb)
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    r.pandas_cold_load_s = float(out["load_s"])
    return dict(out["figures"])


def pandas_warm(db: Path, r: Result, repeats: int) -> dict[str, Any]:
    start = time.perf_counter()
    frame = baseline.load(str(db), r.force, *YEAR, r.area)
    r.pandas_load_s = time.perf_counter() - start
    figures: dict[str, Any] = baseline.compute(frame, r.purpose)  # warm-up
    for _ in range(repeats):
        start = time.perf_counter()
        baseline.compute(frame, r.purpose)
        r.pandas_warm_s.append(time.perf_counter() - start)
    del frame
    return figures


def _same_document(a: dict[str, Any] | None, b: dict[str, Any]) -> bool | None:
    if a is None:
        return None
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# --- judging and reporting ----------------------------------------------------------------------------------


def verdicts(results: list[Result]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in results:
        if r.force == "all":
            warm = r.median("scrutiny_warm_s")
            out["national_warm_under_1s"] = warm is not None and warm < GOAL_NATIONAL_WARM_S
        for kind in ("warm", "cold"):
            ratio = r.ratio(kind)
            out[f"{r.key}_{kind}_ratio_at_least_5x"] = ratio is not None and ratio >= GOAL_RATIO
        out[f"{r.key}_counts_agree"] = not r.disagreements
        out[f"{r.key}_same_json_on_both_paths"] = bool(r.rows_json_matches)
    plain = {(r.force, r.area): r for r in results if r.purpose is None}
    for r in results:
        base = plain.get((r.force, r.area))
        if r.purpose is not None and base is not None:
            lensed, unlensed = r.median("scrutiny_warm_s"), base.median("scrutiny_warm_s")
            overhead = lensed / unlensed if lensed and unlensed else None
            out[f"{r.key}_lens_overhead"] = overhead
            out[f"{r.key}_within_10pct_of_unlensed"] = overhead is not None and overhead <= GOAL_LENS_OVERHEAD
    return out


def uncached_verdicts(found: list[Uncached]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for u in found:
        key = u.kind.replace(" ", "_")
        worst = u.stats("prepared_s")["max"]
        out[f"uncached_{key}_under_50ms"] = worst is not None and worst < GOAL_UNCACHED_S
        out[f"uncached_{key}_same_json_on_both_paths"] = u.same_json
    return out


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report(results: list[Result], verdict: dict[str, Any], rows: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Metrics on a {rows:,}-row synthetic warehouse: compute_metrics vs pandas groupby "
                        "(median seconds)")
    for col in ("scope", "rows", "tool", "cold s", "warm s", "load s", "peak MB (cold)", "pandas/scr cold",
                "pandas/scr warm", "rows/prepared warm"):
        table.add_column(col, justify="left" if col in ("scope", "tool") else "right")
    for r in results:
        cold, warm = r.ratio("cold"), r.ratio("warm")
        prepared, by_rows = r.median("scrutiny_warm_s"), r.median("scrutiny_rows_warm_s")
        table.add_row(r.scope, f"{r.rows:,}", "scrutiny", _s(r.median("scrutiny_cold_s")),
                      _s(prepared), "", f"{r.scrutiny_cold_peak_mb:,.0f}",
                      f"{cold:.2f}x" if cold else "-", f"{warm:.2f}x" if warm else "-",
                      f"{by_rows / prepared:.2f}x" if prepared and by_rows else "-")
        table.add_row("", "", "scrutiny rows", "", _s(by_rows), "", "", "", "", "")
        table.add_row("", "", "pandas", _s(r.median("pandas_cold_s")), _s(r.median("pandas_warm_s")),
                      f"{r.pandas_load_s:.3f}", f"{r.pandas_cold_peak_mb:,.0f}", "", "", "")
    console = Console()
    if console.width < 120:
        console = Console(width=120)
    console.print(table)
    marks = {True: "[green]met[/]", False: "[red]NOT met[/]"}
    if "national_warm_under_1s" in verdict:
        console.print(f"national warm < {GOAL_NATIONAL_WARM_S:.0f} s: {marks[verdict['national_warm_under_1s']]}")
    for r in results:
        parts = [f"≥{GOAL_RATIO:.0f}x pandas {kind}: {marks[verdict[f'{r.key}_{kind}_ratio_at_least_5x']]}"
                 for kind in ("warm", "cold")]
        if f"{r.key}_lens_overhead" in verdict:
            overhead = verdict[f"{r.key}_lens_overhead"]
            parts.append(f"lensed / unlensed warm {overhead:.2f} (≤ {GOAL_LENS_OVERHEAD:.2f}): "
                         f"{marks[verdict[f'{r.key}_within_10pct_of_unlensed']]}")
        agree = "[green]counts agree[/]" if not r.disagreements else f"[red]{len(r.disagreements)} disagreements[/]"
        same = {True: "cold JSON = warm JSON", False: "[red]cold JSON differs from warm[/]", None: ""}
        console.print(f"{r.scope}: " + "; ".join([*parts, agree, same[r.cold_json_matches_warm]]), highlight=False)
        for line in r.disagreements[:10]:
            console.print(f"  [red]{line}[/]", highlight=False)


def report_uncached(found: list[Uncached], verdict: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Uncached documents, each computed once (seconds per document, server side)")
    for col in ("kind", "documents", "path", "median", "p90", "max", "rows/prepared (median)"):
        table.add_column(col, justify="left" if col in ("kind", "path") else "right")
    for u in found:
        prepared, by_rows = u.stats("prepared_s"), u.stats("rows_s")
        ratio = by_rows["median"] / prepared["median"] if prepared["median"] and by_rows["median"] else None
        table.add_row(u.kind, str(len(u.scopes)), "prepared", _s(prepared["median"]), _s(prepared["p90"]),
                      _s(prepared["max"]), f"{ratio:.2f}x" if ratio else "-")
        table.add_row("", "", "rows", _s(by_rows["median"]), _s(by_rows["p90"]), _s(by_rows["max"]), "")
    console = Console(width=120)
    console.print(table)
    marks = {True: "[green]met[/]", False: "[red]NOT met[/]"}
    for u in found:
        key = u.kind.replace(" ", "_")
        console.print(f"{u.kind}: every document under {GOAL_UNCACHED_S * 1000:.0f} ms: "
                      f"{marks[verdict[f'uncached_{key}_under_50ms']]}; same JSON on both paths: "
                      f"{marks[verdict[f'uncached_{key}_same_json_on_both_paths']]}", highlight=False)


def environment() -> dict[str, Any]:
    import ibis

    # The load average says whether other work shared the machine.
    return dict(ingest_bench.environment()) | {"ibis": ibis.__version__, "load_average": os.getloadavg()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", TEN_MILLION)),
                        help="synthetic set size (default: $BENCH_ROWS, else 10,000,000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed warm calls after one warm-up (median)")
    parser.add_argument("--cold", type=int, default=3, help="fresh-process runs per tool and scope (median)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the metrics warehouse")
    parser.add_argument("--only-uncached", action="store_true",
                        help="only the uncached documents (no cold runs, no pandas)")
    parser.add_argument("--scope", action="append", choices=list(SCOPES),
                        help="only this scope of the four (repeatable; default: all)")
    parser.add_argument("--uncached", type=int, default=None,
                        help="at most this many uncached documents of each kind, evenly spread (default: all)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    db, built = warehouse(args.rows, args.rebuild)
    load_before = os.getloadavg()

    results = []
    chosen = {} if args.only_uncached else {k: v for k, v in SCOPES.items() if not args.scope or k in args.scope}
    for label, (force, area, purpose) in chosen.items():
        r = Result(label, force, area, purpose)
        print(f"{label}: scrutiny cold x{args.cold} ...", flush=True)
        cold_doc = scrutiny_cold(db, r, args.cold)
        print(f"{label}: scrutiny warm (1 + {args.repeats}) ...", flush=True)
        doc = scrutiny_warm(db, r, args.repeats)
        r.cold_json_matches_warm = _same_document(cold_doc, doc)
        print(f"{label}: pandas cold x{args.cold} ...", flush=True)
        pandas_cold(db, r, args.cold)
        print(f"{label}: pandas warm (load once, 1 + {args.repeats}) ...", flush=True)
        figures = pandas_warm(db, r, args.repeats)
        r.disagreements = baseline.disagreements(figures, doc)
        results.append(r)

    found = uncached(db, args.uncached)
    verdict = verdicts(results) | uncached_verdicts(found)
    if results:
        report(results, verdict, args.rows)
    report_uncached(found, verdict)
    load_after = os.getloadavg()
    print(f"load average (1 min) {load_before[0]:.1f} at start, {load_after[0]:.1f} at end ({os.cpu_count()} cores; "
          "well above 1, other work shared the machine and the figures are slower than alone)")
    out = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment() | {"load_average_at_start": load_before},
        "goals": {"national_warm_s": GOAL_NATIONAL_WARM_S, "ratio_vs_pandas": GOAL_RATIO,
                  "lens_overhead": GOAL_LENS_OVERHEAD, "uncached_s": GOAL_UNCACHED_S},
        "warehouse": {"path": str(db.relative_to(REPO)), "bytes": db.stat().st_size, **built},
        "months": list(YEAR),
        "repeats": args.repeats,
        "results": [
            asdict(r)
            | {f"{name}_median": r.median(name) for name in TIMINGS}
            | {f"{name}_min": min(getattr(r, name), default=None) for name in TIMINGS}
            | {"ratio_cold": r.ratio("cold"), "ratio_warm": r.ratio("warm")}
            for r in results
        ],
        "uncached": [asdict(u) | {"prepared": u.stats("prepared_s"), "rows": u.stats("rows_s")} for u in found],
        "verdict": verdict,
    }
    (RESULTS / "metrics.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {(RESULTS / 'metrics.json').relative_to(REPO)}")
    agree = all(verdict.get(f"{r.key}_counts_agree") and verdict.get(f"{r.key}_same_json_on_both_paths")
                for r in results)
    return 0 if agree and all(u.same_json for u in found) else 1


if __name__ == "__main__":
    raise SystemExit(main())
