"""Use-of-force benchmark: `scrutiny ingest` of the three Home Office releases in ../shared/data against the plain
pandas way of reading them (`pd.read_excel(..., sheet_name=None, engine="odf")` of every sheet, which is most
of the work: odfpy parses the whole workbook whichever sheets are asked for), then `scrutiny force-use` for the
Metropolitan Police in 2019/20 from that warehouse.

Figures: wall seconds of each, median of `--repeat` runs, and the ratio pandas / ingest (above 1: ingest is
faster). The ingest also recognises, hashes and writes every kept cell with its sheet and row, and counts the
revisions it logs, so a ratio a little under 1 is the cost of those guarantees.

    .venv/bin/python bench/use_of_force_bench.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench-results"
RELEASES = REPO.parent / "shared" / "data" / "home_office" / "use_of_force"
SCRUTINY = str(REPO / ".venv" / "bin" / "scrutiny")


def _pandas(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        pd.read_excel(path, sheet_name=None, header=None, engine="odf")
    return time.perf_counter() - start


def _ingest(files: list[Path], db: Path) -> float:
    db.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run([SCRUTINY, "ingest", *map(str, files), "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _force_use(db: Path) -> float:
    start = time.perf_counter()
    subprocess.run([SCRUTINY, "force-use", "--force", "metropolitan", "--year", "2019/20", "--format", "json",
                    "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(RELEASES.glob("*.ods"))
    if not files:
        print(f"use of force bench: skipped, no releases in {RELEASES}")
        sys.exit(0)
    RESULTS.mkdir(exist_ok=True)
    db = RESULTS / "use_of_force.duckdb"
    base = statistics.median(_pandas(files) for _ in range(args.repeat))
    ingest = statistics.median(_ingest(files, db) for _ in range(args.repeat))
    answer = statistics.median(_force_use(db) for _ in range(args.repeat))
    print(f"use of force: {len(files)} releases; pandas read_excel of every sheet {base:.2f} s, scrutiny ingest "
          f"{ingest:.2f} s (pandas / ingest {base / ingest:.2f}x); force-use Metropolitan 2019/20 {answer:.2f} s")


if __name__ == "__main__":
    main()
