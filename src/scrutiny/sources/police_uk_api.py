"""HTTP client for the data.police.uk API (https://data.police.uk/docs/): fetches and saves raw JSON.

Responses are saved byte for byte as the API sent them, so an ingest can be traced back to the exact
response; turning JSON into warehouse rows is the parser's job, not this module's.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from scrutiny import settings
from scrutiny.catalog import check_force
from scrutiny.errors import BadInput, NotFound, SourceUnavailable
from scrutiny.sources.ratelimit import Fetcher, RetryPolicy, atomic_file, is_json_list
from scrutiny.vocab import months as vocab_months

DEFAULT_BASE_URL = settings.DEFAULT_POLICE_API_URL
BASE_URL_ENV = settings.env_name("police_api_url")

#: Called once per file of a download, from worker threads: (path, True if fetched now / False if kept).
Progress = Callable[[Path, bool], None]

_KINDS = ("stops-force", "stops-no-location")


def resolve_base_url(base_url: str | None = None) -> str:
    """`--base-url`, else $SCRUTINY_POLICE_API_URL, else the public API."""
    return (base_url or settings.current().police_api_url).rstrip("/")


def _this_month(today: date | None) -> str:
    return (today or datetime.now(UTC).date()).strftime("%Y-%m")


def check_month(value: str, *, today: date | None = None) -> str:
    """A month as the API names it (YYYY-MM), not after the current month."""
    vocab_months.check_month(value)
    if value > _this_month(today):
        raise BadInput(f"month {value} is in the future (data.police.uk publishes past months only)")
    return value


def month_range(start: str, end: str, *, today: date | None = None) -> list[str]:
    """Every month from `start` to `end` inclusive, both checked."""
    check_month(start, today=today)
    check_month(end, today=today)
    return vocab_months.month_range(start, end, names=("from", "to"))


def stops_path(out_dir: Path, kind: str, force: str, month: str) -> Path:
    """Where a month's response lives: `out_dir/<kind>-<force>/YYYY-MM.json` (the shared-data layout)."""
    return Path(out_dir) / f"{kind}-{force}" / f"{month}.json"


def histories_path(out_dir: Path, force: str, month: str) -> Path:
    """Where the outcome histories of a force's crimes of one month live, as one JSON array of the answers:
    `out_dir/outcomes-for-crime-<force>-YYYY-MM.json` (sources/police_uk_crime_json.py loads it)."""
    return Path(out_dir) / f"outcomes-for-crime-{force}-{month}.json"


def _history_part(out_dir: Path, force: str, month: str, crime_id: str) -> Path:
    """One crime's answer while its month is downloading; `.response` is no data suffix, so ingest passes it by."""
    return Path(out_dir) / f"outcomes-for-crime-{force}-{month}.parts" / f"{crime_id}.response"


def is_history(path: Path) -> str | None:
    """None if the file holds an `outcomes-for-crime` answer (an object with its `outcomes`), else why not."""
    try:
        with path.open("rb") as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"response is not JSON ({exc})"
    if isinstance(data, dict) and isinstance(data.get("outcomes"), list):
        return None
    return "expected an object with a list of outcomes"


def _not_found(exc: SourceUnavailable) -> bool:
    """The API answered 404: it does not know the crime (it keeps about three years; the archive keeps more)."""
    return ": HTTP 404 " in str(exc)


def _join(parts: list[Path], out: Path) -> None:
    """The answers, byte for byte, as the elements of one JSON array."""
    with atomic_file(out) as f:
        f.write(b"[")
        for n, part in enumerate(parts):
            f.write((b",\n" if n else b"\n") + part.read_bytes().strip())
        f.write(b"\n]\n")


class PoliceApiClient:
    """The few data.police.uk endpoints Scrutiny needs, rate limited (15/s, burst 30) and retried."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        rate: float = 15,
        burst: int = 30,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
    ) -> None:
        # Big forces' months take the real API tens of seconds to answer, hence the long read timeout.
        self.base_url = base_url.rstrip("/")
        self.fetcher = Fetcher(rate=rate, burst=burst, client=client, retry=retry, timeout=timeout)

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self) -> PoliceApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _url(self, endpoint: str) -> str:
        return f"{self.base_url}/{endpoint}"

    def _get_list(self, endpoint: str, params: dict[str, str] | None = None) -> list[Any]:
        data = self.fetcher.get_json(self._url(endpoint), params)
        if not isinstance(data, list):
            raise SourceUnavailable(f"{self._url(endpoint)}: expected a JSON list, got {type(data).__name__}")
        return data

    def forces(self) -> list[dict[str, Any]]:
        """`/forces`: [{id, name}] for every force the API knows."""
        return self._get_list("forces")

    def available_dates(self) -> list[dict[str, Any]]:
        """`/crimes-street-dates`: [{date: YYYY-MM, stop-and-search: [force ids]}], newest first."""
        return self._get_list("crimes-street-dates")

    def stops_force(self, force: str, month: str) -> list[dict[str, Any]]:
        """`/stops-force`: every stop and search the force reported for the month."""
        check_force(force)
        return self._get_list("stops-force", {"force": force, "date": check_month(month)})

    def stops_no_location(self, force: str, month: str) -> list[dict[str, Any]]:
        """`/stops-no-location`: the month's stops and searches that have no location."""
        check_force(force)
        return self._get_list("stops-no-location", {"force": force, "date": check_month(month)})

    def latest_months(self, force: str, n: int) -> list[str]:
        """The `n` most recent months the API lists stop-and-search data for the force, oldest first."""
        check_force(force)
        if n < 1:
            raise BadInput(f"--latest must be at least 1 (got {n})")
        months = sorted(
            str(entry["date"]) for entry in self.available_dates() if force in (entry.get("stop-and-search") or [])
        )
        if not months:
            raise NotFound(f"data.police.uk lists no stop-and-search months for force {force!r}")
        return months[-n:]

    def download_stops(
        self,
        force: str,
        months: list[str],
        out_dir: Path,
        *,
        progress: Progress | None = None,
        workers: int = 4,
    ) -> list[Path]:
        """Save `stops-force` and `stops-no-location` for each month; returns every month's two paths.

        Resumable: a file that exists is complete (files only appear by atomic rename), so it is not
        fetched again. Several months download at once because the API is slow per request; the shared
        token bucket keeps the total within the rate limit.
        """
        check_force(force)
        for month in months:
            check_month(month)
        jobs = [(kind, month, stops_path(out_dir, kind, force, month)) for month in months for kind in _KINDS]
        todo = []
        for kind, month, dest in jobs:
            if dest.exists():
                if progress is not None:
                    progress(dest, False)
            else:
                todo.append((kind, month, dest))

        def fetch(kind: str, month: str, dest: Path) -> None:
            params = {"force": force, "date": month}
            self.fetcher.download(self._url(kind), dest, params=params, check=is_json_list)
            if progress is not None:
                progress(dest, True)

        _run_all([partial(fetch, *job) for job in todo], workers)
        return [dest for _, _, dest in jobs]

    def download_histories(
        self,
        force: str,
        crimes: Mapping[str, list[str]],
        out_dir: Path,
        *,
        progress: Progress | None = None,
        workers: int = 4,
    ) -> tuple[list[Path], list[str]]:
        """Save `outcomes-for-crime` for every crime of `crimes` (month: crime ids), one file a month
        (`histories_path`); returns the month files and the crimes the API does not know (HTTP 404).

        Resumable, as `download_stops` is: a month file that exists is complete, and within a month each answer
        is kept (`_history_part`) until the month's file is written from them, so an interrupted month goes on
        where it stopped. `progress` is called once per crime.
        """
        check_force(force)
        unknown: list[str] = []
        todo: list[tuple[str, Path, Path]] = []  # crime id, its part, its month's file
        for month, ids in crimes.items():
            dest = histories_path(out_dir, force, check_month(month))
            for crime_id in ids:
                part = _history_part(out_dir, force, month, crime_id)
                if dest.exists() or part.exists():
                    if progress is not None:
                        progress(dest, False)
                else:
                    todo.append((crime_id, part, dest))

        def fetch(crime_id: str, part: Path, dest: Path) -> None:
            try:
                self.fetcher.download(self._url(f"outcomes-for-crime/{crime_id}"), part, check=is_history)
            except SourceUnavailable as exc:
                if not _not_found(exc):
                    raise
                unknown.append(crime_id)
            if progress is not None:
                progress(dest, True)

        _run_all([partial(fetch, *job) for job in todo], workers)
        paths = []
        for month, ids in crimes.items():
            dest = histories_path(out_dir, force, month)
            if not dest.exists():
                parts = [_history_part(out_dir, force, month, i) for i in ids]
                _join([p for p in parts if p.exists()], dest)
                for folder in {p.parent for p in parts}:  # the month's file holds them now
                    shutil.rmtree(folder, ignore_errors=True)
            paths.append(dest)
        return paths, sorted(unknown)


def _run_all(jobs: list[Callable[[], None]], workers: int) -> None:
    """Run the downloads a few at once (the API is slow per request; the shared token bucket keeps the total
    within the rate limit), re-raising the first failure; what finished stays on disk."""
    if not jobs:
        return
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="police-api")
    try:
        futures: list[Future[None]] = [pool.submit(job) for job in jobs]
        wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            if future.done() and future.exception() is not None:
                future.result()
    finally:
        # On failure or Ctrl-C, drop the queued downloads rather than fetching them all first.
        pool.shutdown(wait=True, cancel_futures=True)
