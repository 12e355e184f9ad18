"""One file, whatever its lines look like, is ingested in bounded memory and time, or refused.

Each case runs `ingest_paths` in a child process that reports its own peak RSS (VmHWM of its own memory
map: getrusage's ru_maxrss would carry over the forking pytest's peak across exec, so a long test run coloured
it) and the seconds the ingest took. Before this was bounded,
the real header followed by `x,y,` 65,536 times (256 KB) took 45 s and 4 GB, and 150 MB of it ran out of
memory at 17 GB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from scrutiny.warehouse.csv_records import MAX_REJECTED
from tests.conftest import query
from tests.warehouse.test_records_accounted import HEADER, loaded_lines, row

PEAK_LIMIT_MB = 1024
SECONDS_LIMIT = 30  # each case takes a few seconds alone; the margin is for a busy 2-core CI machine

CHILD = """
import json, sys, time
from pathlib import Path
from scrutiny.errors import ScrutinyError
from scrutiny.warehouse.ingest import ingest_paths
start = time.perf_counter()
try:
    [r] = ingest_paths([Path(sys.argv[1])], Path(sys.argv[2])).results
    out = {"records": r.records, "loaded": r.rows_loaded, "rejected": r.rows_rejected}
except ScrutinyError as exc:
    out = {"refused": str(exc)}
out["seconds"] = time.perf_counter() - start
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
out["peak_mb"] = int(hwm.split()[1]) / 1024
print(json.dumps(out))
"""


def ingest_in_child(path: Path, db: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(db)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    assert float(str(result["peak_mb"])) < PEAK_LIMIT_MB, result
    assert float(str(result["seconds"])) < SECONDS_LIMIT, result
    return result


def archive(tmp_path: Path, write_middle: Callable[[BinaryIO], None]) -> Path:
    """Lines 2-3 good, line 4 whatever `write_middle` writes (newline included), then lines after it good."""
    path = tmp_path / "2020-06" / "2020-06-essex-stop-and-search.csv"
    path.parent.mkdir(parents=True)
    with path.open("wb") as f:
        f.write(f"{HEADER}\n{row(2)}\n{row(3)}\n".encode())
        write_middle(f)
    return path


def finish(f: BinaryIO, first: int, last: int) -> None:
    f.write("".join(f"{row(n)}\n" for n in range(first, last + 1)).encode())


def test_the_issues_256_kb_line_of_fields(tmp_path: Path, db: Path) -> None:
    """The real header, then `x,y,` 65,536 times: one record, rejected by its byte range."""
    path = tmp_path / "2020-06" / "2020-06-essex-stop-and-search.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(f"{HEADER}\n".encode() + b"x,y," * 65_536)
    result = ingest_in_child(path, db)
    assert (result["records"], result["loaded"], result["rejected"]) == (1, 0, 1)
    [(line, reason, raw)] = query(db, "SELECT line, reason, raw FROM rejects")
    start = len(HEADER) + 1
    assert line == 2 and raw is None
    assert f"bytes {start:,}-{start + 262_144:,} of the file" in str(reason)


def test_a_150_mb_line_is_rejected_in_seconds(tmp_path: Path, db: Path) -> None:
    piece = b"x,y," * (1 << 18)  # 1 MiB

    def middle(f: BinaryIO) -> None:
        for _ in range(150):
            f.write(piece)
        f.write(b"\n")
        finish(f, 5, 6)

    path = archive(tmp_path, middle)
    result = ingest_in_child(path, db)
    assert (result["records"], result["loaded"], result["rejected"]) == (5, 4, 1)
    assert loaded_lines(db) == [2, 3, 5, 6]
    [(line, reason)] = query(db, "SELECT line, reason FROM rejects")
    assert line == 4 and "line 4 is 157,286,400 bytes, over the 65,536-byte limit for a record" in str(reason)


def test_a_quoted_field_opened_over_50_mb_of_lines(tmp_path: Path, db: Path) -> None:
    """An opening quote, then 50 MB of short lines and no closing quote: those lines are no records."""
    chunk = b"text inside a field\n" * 50_000  # 1 MB

    def middle(f: BinaryIO) -> None:
        f.write(row(4, operation='"opened').encode() + b"\n")
        for _ in range(50):
            f.write(chunk)

    path = archive(tmp_path, middle)
    result = ingest_in_child(path, db)
    # More rejected than loaded, past MAX_REJECTED: the file is refused whole, as soon as that is clear.
    assert "cannot be read" in str(result["refused"]) and "nothing was written" in str(result["refused"])


def test_many_long_bad_lines_keep_their_text_in_bounded_memory(tmp_path: Path, db: Path) -> None:
    """300 lines of 60 KB (under the record limit): each rejected with its whole text, memory bounded."""
    line = b"x,y," * 15_000

    def middle(f: BinaryIO) -> None:
        for _ in range(300):
            f.write(line + b"\n")
        finish(f, 304, 2_000)

    path = archive(tmp_path, middle)
    result = ingest_in_child(path, db)
    assert (result["records"], result["loaded"], result["rejected"]) == (1_999, 1_699, 300)
    assert loaded_lines(db) == [2, 3, *range(304, 2_001)]
    assert query(db, "SELECT count(*), min(line), max(line), min(length(raw)), max(length(raw)) FROM rejects") == [
        (300, 4, 303, 60_000, 60_000)]


def test_a_stray_quote_before_200_000_lines_costs_one_record(tmp_path: Path, db: Path) -> None:
    """Reading on from a stray quote is bounded (MAX_RECORD_BYTES), so time stays linear in the file."""
    block = "".join(f"{row(n)}\n" for n in range(5, 20_005)).encode()  # times stay inside June

    def middle(f: BinaryIO) -> None:
        f.write(row(4, operation='"opened').encode() + b"\n")
        for _ in range(10):
            f.write(block)

    path = archive(tmp_path, middle)
    result = ingest_in_child(path, db)
    assert (result["records"], result["loaded"], result["rejected"]) == (200_003, 200_002, 1)
    assert query(db, "SELECT line FROM rejects") == [(4,)]
    assert query(db, "SELECT count(DISTINCT source_row), min(source_row), max(source_row), "
                     "count(*) FILTER (WHERE source_row = 4) FROM stop_search") == [(200_002, 2, 200_004, 0)]
    # line n >= 5 holds row(5 + (n - 5) % 20,000): its time still says its line
    assert query(db, "SELECT count(*) FROM stop_search WHERE source_row >= 5 AND occurred_at <> "
                     "TIMESTAMP '2020-06-02' + to_minutes(5 + (source_row - 5) % 20000)") == [(0,)]


def test_millions_of_tiny_bad_lines_are_refused_fast(tmp_path: Path, db: Path) -> None:
    """20 MB of `x` lines: rather than ten million rejects, one refusal once MAX_REJECTED outnumber the good."""

    def middle(f: BinaryIO) -> None:
        for _ in range(20):
            f.write(b"x\n" * (512 * 1024))

    path = archive(tmp_path, middle)
    result = ingest_in_child(path, db)
    refused = str(result["refused"])
    assert f"{MAX_REJECTED + 1:,} of its first {MAX_REJECTED + 3:,} records cannot be read" in refused
    assert "(line 1004: Expected Number of Columns: 15 Found: 1)" in refused
    assert not db.exists() or query(db, "SELECT count(*) FROM stop_search") == [(0,)]
