"""The plain pandas way to load archive files: the yardstick `scrutiny ingest` is measured against.

What an analyst would write without Scrutiny: `pandas.read_csv` each file with default options, add the
force and month from the file name, concatenate, write Parquet with pyarrow. No validation, no
normalisation, no area assignment, so it does less work than Scrutiny does.

    python bench/baseline_pandas.py OUT.parquet PATH [PATH ...]   (PATH: a CSV or a folder searched for them)

Prints one JSON line: {"rows": ..., "files": ...}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

SUFFIX = "-stop-and-search.csv"


def stop_search_files(paths: list[Path]) -> list[Path]:
    """The stop-and-search CSVs among the given files and folders, in name order."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.rglob("*" + SUFFIX)) if path.is_dir() else [path])
    return found


def load(files: list[Path]) -> pd.DataFrame:
    frames = []
    for path in files:
        frame = pd.read_csv(path)
        frame["force"] = path.name[len("YYYY-MM-") : -len(SUFFIX)]
        frame["month"] = path.name[: len("YYYY-MM")]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, paths = Path(argv[0]), [Path(p) for p in argv[1:]]
    files = stop_search_files(paths)
    if not files:
        print(f"no *{SUFFIX} files under {', '.join(map(str, paths))}", file=sys.stderr)
        return 1
    frame = load(files)
    frame.to_parquet(out, engine="pyarrow", index=False)
    print(json.dumps({"rows": len(frame), "files": len(files)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
