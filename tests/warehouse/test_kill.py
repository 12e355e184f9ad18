"""`kill -9` halfway through a big ingest leaves the warehouse exactly as it was before that ingest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import query, snapshot, write_archive
from tests.warehouse.test_ingest_fixture import ROWS

BIG_ROWS = 1_000_000
GROWN = 8 * 2**20  # the copy being written this much bigger than the warehouse it copied: rows are going in


def _kill_once_rows_are_going_in(proc: subprocess.Popen[bytes], db: Path) -> None:
    """SIGKILL the ingest once it is writing rows into its copy of the warehouse (scrutiny.warehouse.writing):
    midway by what it has done, not by a guess at how long it takes."""
    copy, start = db.with_name(db.name + ".writing"), db.stat().st_size
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        wal = copy.with_name(copy.name + ".wal")
        written = (copy.stat().st_size if copy.exists() else 0) + (wal.stat().st_size if wal.exists() else 0)
        if written > start + GROWN:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the ingest finished before it could be killed: make the data set bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.slow
def test_kill_9_midway_then_ingest_again(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    from scrutiny.sources.synthetic import write_synthetic

    write_archive(tmp_path / "small", "2020-06", "essex", ROWS)
    cli("ingest", tmp_path / "small", "--db", db)
    before = snapshot(db)

    big = tmp_path / "big"
    write_synthetic(big, BIG_ROWS, seed=7, forces=["metropolitan", "kent"])
    command = [sys.executable, "-m", "scrutiny", "ingest", str(big), "--db", str(db)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_once_rows_are_going_in(proc, db)

    assert snapshot(db) == before, "a killed ingest must leave nothing behind"

    cli("ingest", big, "--db", db)
    assert query(db, "SELECT sum(rows_loaded), sum(rows_rejected) FROM ingest_log WHERE force <> 'essex'") == [
        (BIG_ROWS, 0)]
    assert query(db, "SELECT count(*) FROM stop_search WHERE force <> 'essex'") == [(BIG_ROWS,)]
    assert query(db, "SELECT count(*) FROM stop_search WHERE force = 'essex'") == [(5,)]
