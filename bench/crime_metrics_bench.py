"""Crime figures from the prepared aggregates (`make bench`): the `crime` document of a force-year and of a
borough-year read from the aggregates (warehouse/crime_aggregates.py), from the rows (`rows=True`, the
reference), and by plain pandas over the same rows already in memory, in the same run, warm.

Data: the synthetic street + outcomes set of bench/crime_bench.py (`scrutiny synth --kind street,outcomes`, reused
from bench-results/crime-<N>/ when present), ingested once into bench-results/crime-metrics-<N>.duckdb with the
London boroughs' outlines (../shared/data/geography/london_boroughs.geojson, when present) so boroughs have codes.
Also timed: building the aggregates from scratch (`rebuild`), and the refresh after one force-month of street crime
and one of outcomes are replaced (`_update` of those two), each in a transaction rolled back, beside the ingest.

The pandas side computes recorded crimes by type and month, each drug crime's latest outcome and the events by
class from DataFrames of the two tables held in memory (the figures a pandas service would keep warm), and its
figures are checked against the document's.

    .venv/bin/python bench/crime_metrics_bench.py [--rows N] [--repeats 5]  (or BENCH_CRIME_METRICS_ROWS=...)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
RESULTS = REPO / "bench-results"
BOROUGHS = REPO.parent / "shared" / "data" / "geography" / "london_boroughs.geojson"
DEFAULT_ROWS = 1_200_000
FORCE, YEAR = "metropolitan", ("2024-01", "2024-12")
BOROUGH = "E09000012"  # Hackney
GOAL_S = 0.05  # a borough or force-year document, uncached, under 50 ms (issue 22)


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def warm(fn: Callable[[], Any], repeats: int) -> dict[str, Any]:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "min_s": min(times), "repeats": repeats}


def warehouse(folder: Path, rows: int) -> tuple[Path, float]:
    """The set ingested once (with the boroughs), and the ingest's wall time (0 when reused)."""
    from scrutiny.warehouse.ingest import ingest_paths

    db = RESULTS / f"crime-metrics-{rows}.duckdb"
    if db.exists() and db.stat().st_mtime >= (folder / "SYNTHETIC.md").stat().st_mtime:
        return db, 0.0
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    ingest_paths([folder], db)
    took = time.perf_counter() - start
    if BOROUGHS.exists():
        ingest_paths([BOROUGHS], db)
    return db, took


def aggregate_costs(db: Path) -> dict[str, Any]:
    """Building every aggregate, and refreshing after one street and one outcomes force-month are replaced."""
    import duckdb

    from scrutiny.warehouse import crime_aggregates

    out: dict[str, Any] = {}
    with duckdb.connect(str(db)) as con:
        held = crime_aggregates._tables(con)
        for name, work in (("rebuild_s", lambda: crime_aggregates.rebuild(con)),
                           ("refresh_one_month_s", lambda: crime_aggregates._update(
                               con, {(FORCE, date(2024, 6, 1))}, {(FORCE, date(2024, 6, 1))}, held))):
            con.execute("BEGIN TRANSACTION")
            start = time.perf_counter()
            work()
            out[name] = time.perf_counter() - start
            con.execute("ROLLBACK")
        out["cells"] = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in crime_aggregates.TABLES}
        out["rows"] = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                       for t in ("street_crime", "crime_outcome")}
    return out


class PandasCrime:
    """The two tables in memory, and the main crime figures of a scope from them by filtering and grouping."""

    def __init__(self, db: Path) -> None:
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            self.street = con.execute("SELECT force, month, la_code, crime_type, crime_id, crime_key "
                                      "FROM street_crime").df()
            self.outcomes = con.execute("SELECT crime_key, month, force, source_row, outcome_class "
                                        "FROM crime_outcome").df()

    def figures(self, force: str, start: str, end: str, area: str | None) -> dict[str, Any]:
        import pandas as pd

        s = self.street
        rows = s[(s.force == force) & (s.month >= pd.Timestamp(start)) & (s.month <= pd.Timestamp(end + "-01"))]
        if area is not None:
            rows = rows[rows.la_code == area]
        recorded = rows[rows.crime_type != "Anti-social behaviour"].groupby(["month", "crime_type"]).size()
        drugs = rows[(rows.crime_type == "Drugs") & rows.crime_id.notna()]
        ids = drugs.groupby("crime_id", as_index=False).agg(crime_month=("month", "min"), link=("crime_key", "first"))
        linked = ids.merge(self.outcomes, left_on="link", right_on="crime_key")
        linked = linked.sort_values(["crime_id", "month", "force", "source_row"], kind="stable")
        latest = linked.groupby("crime_id", sort=False).tail(1).outcome_class.value_counts()
        return {"crimes": int(recorded.sum()), "drug_crime_ids": len(ids),
                "latest": {str(k): int(v) for k, v in latest.items()}, "events": len(linked)}


def compare(doc: dict[str, Any], figures: dict[str, Any]) -> bool:
    out = doc["outcomes"]
    latest = {r["class"]: r["n"] for r in out["latest_outcome"] if r["n"]}
    return (doc["recorded"]["crimes"] == figures["crimes"] and out["crime_ids"] == figures["drug_crime_ids"]
            and latest == figures["latest"] and out["events"] == figures["events"])


def scopes_timed(db: Path, repeats: int) -> list[dict[str, Any]]:
    import ibis

    from scrutiny.metrics.crime import CrimeScope, crime_document, resolve_crime_scope
    from scrutiny.metrics.crime_prepared import available

    start = time.perf_counter()
    in_memory = PandasCrime(db)
    load_s = time.perf_counter() - start
    results = []
    backend = ibis.duckdb.connect(str(db), read_only=True)
    try:
        assert available(backend), "the warehouse has no up-to-date crime aggregates"
        for name, area in (("force-year", None), ("borough-year", BOROUGH)):
            scope = resolve_crime_scope(backend, CrimeScope(FORCE, *YEAR, area=area), rows=True)
            from_rows = crime_document(backend, scope, rows=True)
            from_cells = crime_document(backend, scope)
            same = json.dumps(from_rows, sort_keys=True) == json.dumps(from_cells, sort_keys=True)
            figures = in_memory.figures(FORCE, *YEAR, scope.area)
            timed = {
                "aggregates": warm(lambda s=scope: crime_document(backend, s), repeats),
                "rows": warm(lambda s=scope: crime_document(backend, s, rows=True), repeats),
                "pandas": warm(lambda a=scope.area: in_memory.figures(FORCE, *YEAR, a), repeats),
            }
            results.append({"scope": name, "force": FORCE, "period": YEAR, "area": scope.area,
                            "area_name": scope.area_name, "documents_equal": same,
                            "pandas_agrees": compare(from_cells, figures), "timed": timed,
                            "drug_crimes": from_cells["outcomes"]["crimes"],
                            "crimes": from_cells["recorded"]["crimes"], "pandas_load_s": load_s})
    finally:
        backend.disconnect()
    return results


def report(costs: dict[str, Any], scopes: list[dict[str, Any]], ingest_s: float) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 120))
    table = Table(title="Crime document, warm: aggregates vs rows vs pandas (same run)")
    for col in ("scope", "crimes", "aggregates ms", "rows ms", "pandas ms", "rows/agg", "pandas/agg", "equal"):
        table.add_column(col, justify="left" if col == "scope" else "right")
    for s in scopes:
        t = s["timed"]
        agg, rows, pds = (t[k]["median_s"] for k in ("aggregates", "rows", "pandas"))
        label = s["scope"] + (f" ({s['area_name']})" if s["area"] else "")
        table.add_row(label, f"{s['crimes']:,}", f"{agg * 1000:.1f}", f"{rows * 1000:.1f}", f"{pds * 1000:.1f}",
                      f"{rows / agg:.1f}x", f"{pds / agg:.1f}x",
                      "yes" if s["documents_equal"] and s["pandas_agrees"] else "[red]NO[/]")
    console.print(table)
    build = f"ingest {ingest_s:.1f} s; " if ingest_s else ""
    console.print(f"{build}aggregates built from scratch in {costs['rebuild_s']:.2f} s, refreshed after one street and "
                  f"one outcomes force-month in {costs['refresh_one_month_s']:.2f} s; "
                  f"{costs['rows']['street_crime']:,} street and {costs['rows']['crime_outcome']:,} outcome rows in "
                  f"{sum(costs['cells'].values()):,} aggregate rows; goal {GOAL_S * 1000:.0f} ms a document",
                  highlight=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_CRIME_METRICS_ROWS", DEFAULT_ROWS)),
                        help=f"street rows of the synthetic set (default {DEFAULT_ROWS:,})")
    parser.add_argument("--repeats", type=int, default=5, help="warm calls timed (median reported)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "logs").mkdir(exist_ok=True)
    metrics_bench = _load("bench_metrics_bench", BENCH / "metrics_bench.py")  # run_process
    crime_bench = _load("bench_crime_bench", BENCH / "crime_bench.py")  # the data set
    folder, _, _ = crime_bench.dataset(args.rows, metrics_bench.run_process)
    db, ingest_s = warehouse(folder, args.rows)
    costs = aggregate_costs(db)
    scopes = scopes_timed(db, args.repeats)
    report(costs, scopes, ingest_s)
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "load_average": os.getloadavg(),
              "rows": args.rows, "ingest_s": ingest_s, "aggregates": costs, "scopes": scopes, "goal_s": GOAL_S}
    (RESULTS / "crime_metrics.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {(RESULTS / 'crime_metrics.json').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
