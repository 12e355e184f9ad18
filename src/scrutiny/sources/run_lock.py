"""One run at a time: an exclusive `flock` on a file, refused at once (not waited for) when another process
holds it. The kernel drops the lock when its process ends, killed or not, so a crashed run never blocks the next.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from scrutiny.errors import Busy


@contextmanager
def run_lock(path: Path, what: str) -> Iterator[None]:
    """Hold `path` locked for the block; if another process holds it, Busy naming `what` and that process's pid."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "a process starting"
            raise Busy(f"another {what} is running ({holder}); this one did nothing") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the flock
