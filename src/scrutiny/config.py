"""Where the warehouse lives: `--db`, else the declared setting (scrutiny.settings)."""

from __future__ import annotations

from pathlib import Path

from scrutiny import settings


def resolve_db(db: Path | str | None = None) -> Path:
    """`--db`, else `$SCRUTINY_DB`, else `./scrutiny.duckdb` (the order the CLI documents)."""
    if db is not None:
        return Path(db)
    return settings.current().db
