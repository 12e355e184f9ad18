"""The downloads of `scrutiny update`: one `stops-force` response per force-month, into the folder of the API's
release, each file written whole or not at all (Fetcher.download: a temporary file renamed into place).

`stops-no-location` is not fetched: ingest skips it, as the `stops-force` response of the month holds its records.
A file already in the release's folder was fetched after that release (a run that failed or was killed before
its ingest), so it is kept and not asked for again.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path

from scrutiny.errors import SourceUnavailable
from scrutiny.sources.police_uk_api import PoliceApiClient, stops_path
from scrutiny.sources.ratelimit import is_json_list

#: Called once per force-month from worker threads: (path, True if fetched now / False if already there).
Progress = Callable[[Path, bool], None]

_RELEASE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ListedButMissing(SourceUnavailable):
    """The API lists a force-month and then answers HTTP 404 for it."""


def release_folder(out: Path, release: str) -> Path:
    """`out/<YYYY-MM-DD>`: the responses fetched since the API's release of that date."""
    return out / release


def response_path(folder: Path, force: str, month: str) -> Path:
    return stops_path(folder, "stops-force", force, month)


def download(client: PoliceApiClient, jobs: list[tuple[str, str]], folder: Path, *, workers: int = 4,
             progress: Progress | None = None) -> list[Path]:
    """Save `stops-force` of every (force, month) of `jobs` in `folder`; returns their paths in the order of `jobs`.

    Several at once (the API is slow per request; the client's token bucket keeps the rate). The first failure
    stops the rest and is raised naming its force and month; what finished stays for the next run."""
    todo: list[tuple[str, str, Path]] = []
    for force, month in jobs:
        dest = response_path(folder, force, month)
        if dest.exists():
            if progress is not None:
                progress(dest, False)
        else:
            todo.append((force, month, dest))

    def fetch(force: str, month: str, dest: Path) -> None:
        try:
            client.fetcher.download(f"{client.base_url}/stops-force", dest, params={"force": force, "date": month},
                                    check=is_json_list)
        except SourceUnavailable as exc:
            if ": HTTP 404 " in str(exc):
                raise ListedButMissing(f"data.police.uk lists stop and search of {force} for {month} but answers "
                                       f"HTTP 404 for it; nothing was loaded") from None
            raise SourceUnavailable(f"stop and search of {force} for {month}: {exc}; nothing was loaded") from None
        if progress is not None:
            progress(dest, True)

    if todo:
        pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="police-api")
        try:
            futures: list[Future[None]] = [pool.submit(fetch, *job) for job in todo]
            wait(futures, return_when=FIRST_EXCEPTION)
            for future in futures:
                if future.done() and future.exception() is not None:
                    future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # on failure or Ctrl-C, drop the queued downloads
    return [response_path(folder, force, month) for force, month in jobs]


def clear_old_releases(out: Path, keep: str, loaded: set[str]) -> int:
    """Remove, from the folders of earlier releases in `out`, the responses no load names (`loaded`: the
    `ingest_log.file` values): a failed run's downloads, older than the API's current release. Returns how many."""
    removed = 0
    if not out.is_dir():
        return 0
    for folder in out.iterdir():
        if not folder.is_dir() or folder.name == keep or not _RELEASE.match(folder.name):
            continue
        for path in sorted(folder.rglob("*"), reverse=True):  # files before their folders
            if path.is_file() and str(path) not in loaded:
                path.unlink()
                removed += not path.name.startswith(".")
            elif path.is_dir():
                with contextlib.suppress(OSError):
                    path.rmdir()  # only when empty
        with contextlib.suppress(OSError):
            folder.rmdir()
    return removed


def drop(paths: list[Path], folder: Path) -> None:
    """Delete responses that changed nothing (identical to what is loaded) and the folders they leave empty."""
    for path in paths:
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()
