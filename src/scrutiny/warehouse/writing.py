"""Write the warehouse on a copy and swap it in whole, so readers never lock a writer out (or it them).

DuckDB lets many processes read a file or one write it. The web server opens the warehouse for every
uncached request, so a steady stream of them kept `scrutiny ingest` from ever getting the file to itself.
A write session therefore never opens the live file for writing:

1. it takes `<db>.write.lock` (an exclusive `flock`, released by the kernel when its process dies), so
   writers queue one behind another;
2. it removes what a killed writer left (`<db>.writing`, its `.wal` and its `.tmp` spill folder): under the
   lock, no other writer is alive;
3. it holds a shared lock on the live file, as DuckDB's readers do, so that a program writing that file
   directly can neither change it under the copy nor be overwritten by the swap;
4. it copies the live file to `<db>.writing` in the same folder (`copy_file_range`: a reflink where the file
   system has them, an in-kernel copy elsewhere) and opens the copy for writing: that is `con`;
5. `publish()` checkpoints and closes the copy, fsyncs it and `os.replace`s it onto the live path (atomic on
   one file system), then fsyncs the folder. Readers with the old file open keep reading it whole; the next
   open reads the new one. The path always names a complete warehouse, so no reader ever waits on a write.

Killed at any point before the replace, a writer leaves the live warehouse untouched. See
docs/warehouse-writes.md for the cost of the copy.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import duckdb

from scrutiny.errors import Unavailable
from scrutiny.warehouse.connect import LOCK_WAIT_SECONDS, WarehouseBusy, connect, must_be_duckdb

log = logging.getLogger(__name__)

# How long a write waits for the one before it (an ingest of the whole archive takes minutes) before giving up.
WRITE_LOCK_WAIT_SECONDS = 30 * 60.0
COPY_CHUNK = 64 * 2**20
_NO_FAST_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF, errno.EPERM}


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".write.lock")


def copy_path(db: Path) -> Path:
    return db.with_name(db.name + ".writing")


def leftovers(db: Path) -> list[Path]:
    """What a writer killed before its swap leaves beside `db`: the copy, its log and its spill folder."""
    copy = copy_path(db)
    return [copy, Path(f"{copy}.wal"), Path(f"{copy}.tmp")]


class WriteSession:
    """One write to the warehouse at `db`: work on `con`, then `publish()`; `close()` always.

    Nothing is visible to readers before `publish()`; a session closed (or killed) without it changes nothing."""

    def __init__(self, db: Path, *, lock_wait: float = WRITE_LOCK_WAIT_SECONDS,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.db = db.resolve()
        self.copy = copy_path(self.db)
        self.existed = False
        self._published = False
        self._live_fd: int | None = None
        self.db.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _take_write_lock(self.db, lock_wait, on_wait or _tell)
        try:
            _remove(leftovers(self.db))
            self._copy_live()
            self.con: duckdb.DuckDBPyConnection = connect(self.copy)
        except BaseException:
            self.close()
            raise

    def _copy_live(self) -> None:
        must_be_duckdb(self.db)
        try:
            live = os.open(self.db, os.O_RDONLY)
        except FileNotFoundError:
            return  # a first write: the copy starts empty
        self._live_fd = live
        self.existed = True
        _share_lock(live, self.db)
        started = time.monotonic()
        try:
            _copy_file(live, self.copy)
            wal = Path(f"{self.db}.wal")
            if wal.exists():  # left by a writer from before this protocol: the copy replays it when opened
                shutil.copyfile(wal, Path(f"{self.copy}.wal"))
            shutil.copymode(self.db, self.copy)
        except OSError as exc:
            raise Unavailable(f"cannot copy warehouse {self.db} to {self.copy} to write it: "
                                f"{exc.strerror or exc} (a write needs free space for a second copy)") from None
        seconds = time.monotonic() - started
        log.debug("copied %s (%d bytes) in %.2f s", self.db, self.copy.stat().st_size, seconds)

    def publish(self, *, changed: bool = True) -> None:
        """Make the copy the warehouse. With `changed=False` the live file is kept (no swap, readers' caches
        stay warm) unless there was none yet."""
        if not changed and self.existed:
            return
        self.con.execute("CHECKPOINT")
        self.con.close()
        fsync_file(self.copy)
        old_wal = Path(f"{self.db}.wal")
        if old_wal.exists():  # folded into the copy; first, so no reader pairs it with the new file
            old_wal.unlink()
        os.replace(self.copy, self.db)
        fsync_folder(self.db.parent)
        self._published = True

    def close(self) -> None:
        """Release the locks; without `publish()`, discard the copy (the live warehouse is as it was)."""
        con = getattr(self, "con", None)
        if con is not None and not self._published:
            con.close()
        if not self._published:
            _remove(leftovers(self.db))
        if self._live_fd is not None:
            os.close(self._live_fd)
            self._live_fd = None
        os.close(self._lock_fd)  # releases the flock

    def __enter__(self) -> WriteSession:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _take_write_lock(db: Path, wait: float, on_wait: Callable[[str], None]) -> int:
    """Open and `flock` `<db>.write.lock`, waiting up to `wait` seconds for the writer that holds it (saying so
    once through `on_wait`)."""
    path = lock_path(db)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = _holder(path)
            if time.monotonic() > deadline:
                os.close(fd)
                raise WarehouseBusy(f"warehouse {db} is being written by another process ({holder}) for longer "
                                    f"than {wait:.0f} s; try again when it finishes") from None
            if not told:
                on_wait(f"waiting for another write to {db} to finish ({holder})")
                told = True
            time.sleep(0.1)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n".encode(), 0)
    return fd


def _tell(message: str) -> None:
    """By default a waiting writer says so on stderr: a user running `scrutiny ingest` sees why it pauses."""
    print(message, file=sys.stderr, flush=True)


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "a writer starting"
    except OSError:
        return "a writer"


def _share_lock(fd: int, db: Path) -> None:
    """A POSIX read lock on the live file, the kind DuckDB's readers take: refused while a program has the file
    open for writing itself, in which case wait as readers do."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            if time.monotonic() > deadline:
                raise WarehouseBusy(f"warehouse {db} is open for writing by another program; "
                                    "try again when it finishes") from None
            time.sleep(0.05)


def _copy_file(src: int, dst: Path) -> None:
    """Copy the open file `src` to `dst` without reopening (closing another descriptor of it would drop this
    process's POSIX locks on it): `copy_file_range`, else plain reads and writes."""
    size = os.fstat(src).st_size
    out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        done = _fast_copy(src, out, size)
        while done < size:
            chunk = os.pread(src, min(COPY_CHUNK, size - done), done)
            if not chunk:
                break
            os.pwrite(out, chunk, done)
            done += len(chunk)
    finally:
        os.close(out)


def _fast_copy(src: int, out: int, size: int) -> int:
    copy_range = getattr(os, "copy_file_range", None)
    done = 0
    if copy_range is None:
        return 0
    try:
        while done < size:
            n = copy_range(src, out, size - done, done, done)
            if n == 0:
                break
            done += n
    except OSError as exc:
        if exc.errno not in _NO_FAST_COPY:
            raise
    return done


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename itself is still atomic
    finally:
        os.close(fd)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
