"""Documents in one process (`make bench`): the CPU a metrics document costs when a process computes several over
one warehouse file (a report, a notebook, the test suite), against a baseline commit, in the same run.

Both versions ingest the same files into their own warehouse (bench/startup_bench.py: three real Metropolitan
months with the Census and the force lookup, and here London's borough outlines; or synthetic rows without
../shared/data, and then no borough scopes), then one fresh process
per version computes the document for each of five scopes, three rounds over the same scopes. Reported: the
first document's CPU (it compiles every query), and the median CPU per document of the second and third rounds
(what repeated work costs). The documents of the two versions are compared.

    .venv/bin/python bench/documents_bench.py [--baseline REV]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from startup_bench import PYTHON, REPO, RESULTS, SHARED, WORK, _env, _git, baseline_tree, inputs, warehouse

BASELINE = "2228254"  # main before the compiled SQL was kept per file version for one-off work
SCOPES = [  # force, area, from, to
    ("metropolitan", None, "2021-06", "2021-08"),
    ("metropolitan", "E09000012", "2021-06", "2021-08"),
    ("metropolitan", "E09000030", "2021-07", "2021-07"),
    ("metropolitan", None, "2021-07", "2021-08"),
    ("metropolitan", "E09000022", "2021-06", "2021-07"),
]
WORKER = """
import json, statistics, sys, time
from pathlib import Path
from scrutiny.metrics import Scope, compute_metrics
db, scopes = Path(sys.argv[1]), [Scope(*s) for s in json.loads(sys.argv[2])]
def cpu(scope):
    start = time.process_time()
    doc = compute_metrics(db, scope)
    return time.process_time() - start, doc
first, _ = cpu(scopes[0])
docs, later = [], []
for round_ in range(3):
    for scope in scopes:
        used, doc = cpu(scope)
        if round_:
            later.append(used)
        else:
            docs.append(doc)
print(json.dumps({"first": first, "later": statistics.median(later), "docs": docs}, default=str))
"""


def run(src: Path, db: Path, scopes: list[tuple[str, str | None, str, str]]) -> dict[str, Any]:
    done = subprocess.run([PYTHON, "-c", WORKER, str(db), json.dumps(scopes)], check=True, capture_output=True,
                          text=True, env=_env(src))
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="commit to compare with")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    files, _, data = inputs()
    boroughs = SHARED / "geography" / "london_boroughs.geojson"  # the borough scopes need their outlines
    scopes = SCOPES if boroughs.exists() else [s for s in SCOPES if s[1] is None]
    files = [*files, boroughs] if boroughs.exists() else files
    trees = {"baseline": baseline_tree(args.baseline) / "src", "now": REPO / "src"}
    dbs = {name: warehouse(src, f"documents-{name}", files) for name, src in trees.items()}
    load_before = os.getloadavg()
    results = {name: run(trees[name], dbs[name], scopes) for name in trees}
    load_after = os.getloadavg()
    same = results["baseline"].pop("docs") == results["now"].pop("docs")
    summary = {
        "commit": _git("rev-parse", "--short", "HEAD"), "baseline": _git("rev-parse", "--short", args.baseline),
        "data": data, "scopes": scopes, "load_average_before": load_before, "load_average_after": load_after,
        "cpu_s": results, "documents_identical": same,
        "ratio_first": results["baseline"]["first"] / results["now"]["first"],
        "ratio_later": results["baseline"]["later"] / results["now"]["later"],
    }
    (RESULTS / "documents.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"documents in one process: {data}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"baseline {summary['baseline']}")
    for name, r in results.items():
        print(f"  {name:<8} first document {r['first'] * 1000:6.0f} ms CPU; later, per document "
              f"{r['later'] * 1000:6.0f} ms CPU")
    print(f"  baseline / now: first {summary['ratio_first']:.2f}x, later {summary['ratio_later']:.2f}x; documents "
          f"{'identical' if same else 'DIFFER'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
