"""Engine benchmark (`make bench`): the same metrics documents from DuckDB over the warehouse file and from PySpark
(local mode, 2 cores) over a Parquet export of it, with the cost of the export itself; docs/scale.md quotes it.

The warehouse: bench-results/metrics-10m.duckdb when the metrics benchmark has built it (10M synthetic rows
plus the real Census and geography), else every real archive file with the Census and geography, ingested
into bench-results/engine-real.duckdb. Scopes: one force-year and every force for the same year.

For each engine: the time to be ready (DuckDB: none; Spark: start the JVM and register the export's tables),
then each document cold (first time) and warm (median of --repeats). The two engines' documents must be equal
(json.dumps with sorted keys), or the run fails: a fast wrong answer is no answer.

    .venv/bin/python bench/engine_bench.py [--db FILE] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
SHARED = REPO.parent / "shared" / "data"


def _warehouse(given: Path | None) -> tuple[Path, tuple[str, str], str]:
    """The warehouse to measure, its year and the force-year's force."""
    if given is not None:
        return given, ("2024-01", "2024-12"), "metropolitan"
    synthetic = RESULTS / "metrics-10m.duckdb"
    if synthetic.exists():
        return synthetic, ("2024-01", "2024-12"), "metropolitan"
    db = RESULTS / "engine-real.duckdb"
    if not db.exists():
        inputs = [SHARED / "police_uk" / "archive", SHARED / "census2021", SHARED / "geography"]
        missing = [p for p in inputs if not p.exists()]
        if missing:
            sys.exit(f"engine bench: real data not present at {missing[0]}; give --db FILE")
        RESULTS.mkdir(exist_ok=True)
        subprocess.run([str(REPO / ".venv" / "bin" / "scrutiny"), "ingest", *map(str, inputs), "--db", str(db)],
                       check=True, stdout=subprocess.DEVNULL)
    return db, ("2021-01", "2021-12"), "metropolitan"


def _timed(work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = work()
    return time.perf_counter() - start, out


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--from", dest="start", help="first month (YYYY-MM); the warehouse's year by default")
    parser.add_argument("--to", dest="end", help="last month (YYYY-MM)")
    args = parser.parse_args()

    from scrutiny.metrics import compute_metrics, metrics_document
    from scrutiny.metrics.scope import Scope, resolve_scope
    from scrutiny.warehouse import engine
    from scrutiny.warehouse.export import export_parquet
    from scrutiny.warehouse.spark_engine import java_version

    db, (start, end), force = _warehouse(args.db)
    start, end = args.start or start, args.end or end
    scopes = {f"{force} {start} to {end}": Scope(force, None, start, end, "self"),
              f"all forces {start} to {end}": Scope("all", None, start, end, "self")}
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT count(*) FROM stop_search").fetchone()
    rows = int(row[0]) if row else 0
    con.close()
    out = Path(tempfile.mkdtemp(prefix="scrutiny-engine-bench-"))
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
        "cores": os.cpu_count(), "load_average": os.getloadavg(), "warehouse": str(db), "rows": rows,
        "warehouse_bytes": _size(db), "java": java_version(), "scopes": {},
    }
    try:
        seconds, export = _timed(lambda: export_parquet(db, out / "export"))
        result["export_s"], result["export_bytes"] = seconds, _size(export.snapshot)
        documents: dict[str, dict[str, str]] = {}
        for label, scope in scopes.items():
            cold, doc = _timed(lambda scope=scope: compute_metrics(db, scope))
            warm = statistics.median(_timed(lambda scope=scope: compute_metrics(db, scope))[0]
                                     for _ in range(args.repeats))
            documents.setdefault(label, {})["duckdb"] = json.dumps(doc, sort_keys=True, default=str)
            result["scopes"][label] = {"duckdb_cold_s": cold, "duckdb_warm_s": warm}
        ready, _ = _timed(lambda: engine.use_pyspark(export.root))
        result["spark_ready_s"] = ready
        backend = engine.active_backend()
        assert backend is not None
        for label, scope in scopes.items():
            cold, doc = _timed(lambda scope=scope: metrics_document(backend, resolve_scope(backend, scope)))
            warm = statistics.median(
                _timed(lambda scope=scope: metrics_document(backend, resolve_scope(backend, scope)))[0]
                for _ in range(args.repeats))
            documents[label]["pyspark"] = json.dumps(doc, sort_keys=True, default=str)
            result["scopes"][label].update(spark_cold_s=cold, spark_warm_s=warm,
                                           equal=documents[label]["pyspark"] == documents[label]["duckdb"])
        engine.stop()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "engine.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"warehouse {db.name}: {rows:,} stop rows, {result['warehouse_bytes'] / 1e6:,.0f} MB; export "
          f"{result['export_s']:.1f} s, {result['export_bytes'] / 1e6:,.0f} MB of Parquet; Spark ready in "
          f"{result['spark_ready_s']:.1f} s; load average {result['load_average'][0]:.1f}")
    for label, s in result["scopes"].items():
        print(f"  {label}: DuckDB {s['duckdb_cold_s']:.2f} s cold, {s['duckdb_warm_s']:.2f} s warm; PySpark "
              f"{s['spark_cold_s']:.1f} s cold, {s['spark_warm_s']:.1f} s warm "
              f"({s['spark_warm_s'] / s['duckdb_warm_s']:.0f}x DuckDB); documents equal: {s['equal']}")
    if not all(s["equal"] for s in result["scopes"].values()):
        sys.exit("engine bench: the two engines gave different documents")


if __name__ == "__main__":
    main()
