"""What the web app needs to know, built by `get_settings()` when an app is made, never at import time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scrutiny import settings as declared
from scrutiny.config import resolve_db


@dataclass(frozen=True)
class Settings:
    db: Path  # the DuckDB warehouse, opened read-only for moments, never held between requests
    cache_entries: int = 2048  # responses kept, least recently used dropped first
    cache_bytes: int = 256 * 2**20  # and at most this many bytes of them
    query_slots: int = 4  # warehouse queries run at once; more requests wait their turn
    # threshold fits (GET /api/v1/bias?threshold=true) run in a background queue, each in its own process
    # (scrutiny.web.fit_queue; docs/threshold-fits.md): one fit costs about a minute and 1.3 GB
    fit_workers: int = 1  # fits run at once
    fit_queue: int = 8  # fits queued or running, all clients together; more answer 429
    fit_per_client: int = 2  # fits queued or running for one client address; more answer 429
    fit_max_months: int = 24  # months in one fit's scope; more answer 422
    fit_max_areas: int = 40  # areas in one fit (any one force's fits); more answer 422
    fit_draws: int = 1000  # draws and warm-up per chain, as `scrutiny bias --threshold` uses
    fit_warmup: int = 1000
    fit_timeout: float = 1800.0  # seconds a fit may run before it is stopped and reported failed
    fit_results: int = 64  # finished fits kept (results and failures), each for the warehouse version it read
    lock_wait: float = 3.0  # seconds to wait for an ingest holding the warehouse before answering 503
    tmp_dir: Path | None = None  # where downloads are written before they are sent (default: the system's)
    workspace_url: str = ""  # the workspace database (SQLAlchemy URL); "" = beside the warehouse
    secure_cookies: bool = False  # mark login cookies Secure: set when served over HTTPS ($SCRUTINY_SECURE_COOKIES)
    # proxies (IP addresses or networks) whose X-Forwarded-For is believed ($SCRUTINY_TRUSTED_PROXIES, comma-separated);
    # none by default: the connection's own address is the client's (see scrutiny.web.client_address)
    trusted_proxies: tuple[str, ...] = ()


def get_settings(db: Path | str | None = None, **overrides: Any) -> Settings:
    """Settings for `db` (else $SCRUTINY_DB, else ./scrutiny.duckdb), the rest of what the environment sets
    (scrutiny.settings declares each variable and checks it: a bad value raises `BadSetting` here, when an app
    is made), and the workspace from `workspace_url` (a URL or a SQLite file path), else $SCRUTINY_WORKSPACE,
    else a SQLite file beside the warehouse.

    Tests and callers change any other field by name: `get_settings(db, cache_entries=0)`."""
    from scrutiny.workspace.database import resolve_workspace_url

    env = declared.current()
    warehouse = resolve_db(db).resolve()
    base = Settings(db=warehouse, tmp_dir=env.tmp,
                    workspace_url=resolve_workspace_url(overrides.pop("workspace_url", None) or None, warehouse),
                    secure_cookies=env.secure_cookies, trusted_proxies=env.trusted_proxies)
    return replace(base, **overrides)
