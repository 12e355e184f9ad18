"""Open the warehouse file, turning DuckDB's lock and missing-file errors into messages a user can act on.

Writers do not open the live file: they go through `scrutiny.warehouse.writing`, which works on a copy and
swaps it in whole (docs/warehouse-writes.md). So a reader waits on a lock only if some other program opens
the live file for writing directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from scrutiny.errors import BadInput, Busy, Unavailable
from scrutiny.warehouse.schema import ensure_schema

# Enough for DuckDB to stay fast while keeping ingest of tens of millions of rows well under 2 GB;
# staging beyond it spills to a temporary directory beside the warehouse.
MEMORY_LIMIT = "1GB"
# DuckDB lets many processes read a file or one write it. A process that finds it locked (a program writing
# the live file directly) waits this long, retrying, before giving up.
LOCK_WAIT_SECONDS = 5.0
# The name a snapshot (`attach_read_only`) gives the warehouse inside its own DuckDB instance.
ATTACHED = "warehouse"


class WarehouseBusy(Busy):
    """Another process kept the warehouse locked for longer than the wait (the web API answers 503)."""


def connect(db: Path, *, read_only: bool = False, lock_wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open `db`; while another process holds its lock, retry for `lock_wait` seconds (LOCK_WAIT_SECONDS).

    Opened for writing, `db` should be a writer's private copy (`scrutiny.warehouse.writing`), never the
    live warehouse that readers have open."""
    if read_only:
        _must_exist(db)
    else:
        db.parent.mkdir(parents=True, exist_ok=True)
    con = _open(db, lambda: duckdb.connect(str(db), read_only=read_only), _wait(lock_wait))
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    if not read_only:
        ensure_schema(con)
    return con


def attach_read_only(db: Path, *, temp_directory: Path, lock_wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """`db` read-only in a DuckDB instance of its own, as the connection's current database.

    For a long-lived process (the web server): `duckdb.connect(path)` hands back the instance this process
    already has open on that path, so while any connection is open it would keep answering from the file
    that was there before a write swapped a new one in. A fresh in-memory instance that ATTACHes the path
    reads whatever file the path names now. Its spills go to `temp_directory`, which the caller removes."""
    _must_exist(db)
    path = str(db).replace("'", "''")

    def attach() -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:", config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(temp_directory)})
        try:
            con.execute(f"ATTACH '{path}' AS {ATTACHED} (READ_ONLY)")
        except BaseException:
            con.close()
            raise
        con.execute(f"USE {ATTACHED}")
        return con

    return _open(db, attach, _wait(lock_wait))


def attach(con: duckdb.DuckDBPyConnection, db: Path, alias: str, *, lock_wait: float | None = None) -> None:
    """ATTACH `db` read-only as `alias` into the running instance `con` (the web server's one instance, which
    attaches each version of the file while work reads it and detaches it after: scrutiny.web.deps), with the
    checks, lock wait and messages of `connect`."""
    _must_exist(db)
    path = str(db).replace("'", "''")

    def attach_it() -> duckdb.DuckDBPyConnection:
        con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
        return con

    _open(db, attach_it, _wait(lock_wait))


DUCKDB_MAGIC = b"DUCK"  # bytes 8 to 12 of every DuckDB database file


def must_be_duckdb(db: Path) -> None:
    """Refuse a file that is not a DuckDB database before DuckDB opens it: given a SQLite file, DuckDB would try
    to download its SQLite extension, and anything else fails with a message about the file format."""
    try:
        with db.open("rb") as f:
            head = f.read(16)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return  # no file: created, or refused with a clearer reason elsewhere
    except OSError as exc:
        raise BadInput(f"cannot read warehouse {db}: {exc.strerror}") from None
    if head and head[8:12] != DUCKDB_MAGIC:
        kind = " (it is a SQLite database)" if head.startswith(b"SQLite format") else ""
        raise BadInput(f"{db} is not a DuckDB warehouse{kind}: give --db a file made by `scrutiny ingest`, or a "
                       "new file name")


def _must_exist(db: Path) -> None:
    if not db.exists():
        raise Unavailable(f"no warehouse at {db}: load data first with `scrutiny ingest PATH --db {db}`")


def _wait(lock_wait: float | None) -> float:
    return LOCK_WAIT_SECONDS if lock_wait is None else lock_wait


def _open(db: Path, opener: Callable[[], duckdb.DuckDBPyConnection], lock_wait: float) -> duckdb.DuckDBPyConnection:
    must_be_duckdb(db)
    deadline = time.monotonic() + lock_wait
    pause = 0.01
    while True:
        try:
            return opener()
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise BadInput(f"cannot open warehouse {db}: {exc}") from None
            if time.monotonic() + pause > deadline:
                message = f"warehouse {db} is in use by another process; try again when it finishes"
                raise WarehouseBusy(message) from None
        time.sleep(pause)
        pause = min(pause * 2, 0.25)
