"""Where things live: the warehouse file and the shared real-data folder."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path("scrutiny.duckdb")


def resolve_db(db: Path | str | None = None) -> Path:
    """`--db`, else `$SCRUTINY_DB`, else `./scrutiny.duckdb` (the order the CLI documents)."""
    if db is not None:
        return Path(db)
    env = os.environ.get("SCRUTINY_DB")
    return Path(env) if env else DEFAULT_DB
