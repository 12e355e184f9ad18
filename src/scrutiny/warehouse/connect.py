"""Open the warehouse file, turning DuckDB's lock and missing-file errors into messages a user can act on."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from scrutiny.errors import ScrutinyError
from scrutiny.warehouse.schema import ensure_schema

# Enough for DuckDB to stay fast while keeping ingest of tens of millions of rows well under 2 GB;
# staging beyond it spills to a temporary directory beside the warehouse.
MEMORY_LIMIT = "1GB"
# DuckDB lets many processes read a file or one write it. Readers (the web server, a metrics command) hold it
# for moments, so a process that finds it locked waits this long, retrying, before giving up.
LOCK_WAIT_SECONDS = 5.0


class WarehouseBusy(ScrutinyError):
    """Another process kept the warehouse locked for longer than the wait (the web API answers 503)."""


def connect(db: Path, *, read_only: bool = False, lock_wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open `db`; while another process holds its lock, retry for `lock_wait` seconds (LOCK_WAIT_SECONDS)."""
    if read_only and not db.exists():
        raise ScrutinyError(f"no warehouse at {db}: load data first with `scrutiny ingest PATH --db {db}`")
    if not read_only:
        db.parent.mkdir(parents=True, exist_ok=True)
    con = _open(db, read_only, LOCK_WAIT_SECONDS if lock_wait is None else lock_wait)
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    if not read_only:
        ensure_schema(con)
    return con


def _open(db: Path, read_only: bool, lock_wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_wait
    pause = 0.01
    while True:
        try:
            return duckdb.connect(str(db), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise ScrutinyError(f"cannot open warehouse {db}: {exc}") from None
            if time.monotonic() + pause > deadline:
                message = f"warehouse {db} is in use by another process; try again when it finishes"
                raise WarehouseBusy(message) from None
        time.sleep(pause)
        pause = min(pause * 2, 0.25)
