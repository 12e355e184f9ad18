"""What tells one version of the warehouse file from the next, for whatever keeps work per version (the web
server's answers and attachments, the compiled SQL of metrics work)."""

from __future__ import annotations

from pathlib import Path

Version = tuple[int, ...]


def warehouse_version(db: Path) -> Version | None:
    """Changes whenever the warehouse does; None when there is no warehouse file."""
    try:
        main = db.stat()
    except FileNotFoundError:
        return None
    try:  # only a program writing the live file directly leaves a log beside it; readers then replay it
        wal = Path(f"{db}.wal").stat()
        log: Version = (wal.st_ino, wal.st_mtime_ns, wal.st_size)
    except FileNotFoundError:
        log = ()
    return (main.st_ino, main.st_mtime_ns, main.st_size, *log)


__all__ = ["Version", "warehouse_version"]
