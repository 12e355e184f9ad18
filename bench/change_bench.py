"""Policy-change benchmark: the whole `change_document` (series from the warehouse, both interrupted time
series, difference in differences against two control boroughs) on the real Metropolitan months.

Data: every Metropolitan stop-and-search file of the shared archive (158,186 rows, 12 months from 2016-06 to
2022-09), Census 2021 and geography, ingested once into bench-results/change.duckdb (the build is not timed).
Scope: Lambeth, searches for drugs, 2016-06 to 2022-09, the change at 2018-09, Southwark and Lewisham as
controls. Figure: wall seconds of each of `--repeat` runs (the first pays for imports and DuckDB's warm-up) and
their median. Goal: under 5 s. There is no pandas yardstick: the figure is the time a reader waits.

    .venv/bin/python bench/change_bench.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
SHARED = REPO.parent / "shared" / "data"
GOAL_S = 5.0
SCOPE = ("metropolitan", "E09000022", "2016-06", "2022-09")
AT = "2018-09"
CONTROLS = ["Southwark", "Lewisham"]


def _warehouse() -> Path:
    db = RESULTS / "change.duckdb"
    if not db.exists():
        RESULTS.mkdir(exist_ok=True)
        files = sorted(str(p) for p in (SHARED / "police_uk" / "archive").glob("*/*-metropolitan-stop-and-search.csv"))
        cmd = [str(REPO / ".venv" / "bin" / "scrutiny"), "ingest", *files, str(SHARED / "census2021"),
               str(SHARED / "geography"), "--db", str(db)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not (SHARED / "police_uk" / "archive").is_dir():
        print(f"change benchmark skipped: shared data not found ({SHARED})")
        return 0
    db = _warehouse()
    start = time.perf_counter()
    import ibis

    from scrutiny.bias.policy_change import change_document
    from scrutiny.metrics.scope import Scope, resolve_scope

    imports = time.perf_counter() - start
    seconds = []
    doc = None
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        backend = ibis.duckdb.connect(str(db), read_only=True)
        scope = resolve_scope(backend, Scope(SCOPE[0], SCOPE[1], SCOPE[2], SCOPE[3], purpose="drugs"))
        doc = change_document(backend, scope, AT, CONTROLS)
        backend.disconnect()
        seconds.append(time.perf_counter() - t0)
    assert doc is not None and doc["available"], doc and doc["refused"]
    median = statistics.median(seconds)
    print(f"imports {imports:.2f} s; change_document (resolve_scope included) per run: "
          f"{', '.join(f'{s:.2f}' for s in seconds)} s; median {median:.2f} s; "
          f"goal under {GOAL_S:.0f} s: {'met' if max(seconds) < GOAL_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
