"""`scrutiny update` end to end against a loopback data.police.uk serving the recorded answers in
tests/fixtures/update (two months, three forces, a handful of searches each), with faults: 429 with
Retry-After, 503, a truncated body, the API down, a listed month answering 404, a second run while one is
running, and a run killed with SIGKILL halfway.

Expected rows are counted from the fixture files themselves (json), not copied from the command's output.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner, Result

from scrutiny.cli import app
from tests.loopback import LoopbackServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "update"
REPO = Path(__file__).resolve().parents[2]
LISTED = {  # force-month → searches in the recorded answer
    (force, month): len(json.loads((FIXTURES / f"stops-force-{force}-{month}.json").read_bytes()))
    for force, month in [("btp", "2024-09"), ("city-of-london", "2024-09"), ("city-of-london", "2024-10"),
                         ("metropolitan", "2024-09"), ("metropolitan", "2024-10")]
}
LISTING: list[tuple[str, dict[str, str]]] = [("/api/crimes-street-dates", {}), ("/api/crime-last-updated", {})]


SCRUTINY = [sys.executable, "-m", "scrutiny"]


@dataclass
class Api:
    """The recorded API, switchable between releases: its date, and whether metropolitan 2024-09 is republished."""

    last_updated: str = "2024-11-21"
    republished: str = ""  # "-republished" or "-shrunk": metropolitan 2024-09 as a later release gives it
    gone: set[tuple[str, str]] = field(default_factory=set)  # listed, yet answering 404

    def route(self, path: str, query: dict[str, str]) -> bytes | Path | None:
        if path == "/api/crimes-street-dates":
            return FIXTURES / "crimes-street-dates.json"
        if path == "/api/crime-last-updated":
            return json.dumps({"date": self.last_updated}).encode()
        if path != "/api/stops-force":
            return None
        force, month = query.get("force", ""), query.get("date", "")
        if (force, month) in self.gone:
            return None
        name = f"stops-force-{force}-{month}" + (self.republished if (force, month) == ("metropolitan", "2024-09")
                                                 else "")
        found = FIXTURES / f"{name}.json"
        return found if found.is_file() else None


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def server(api: Api) -> Iterator[LoopbackServer]:
    with LoopbackServer(route=api.route) as s:
        yield s


def run(server: LoopbackServer, db: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["update", "--db", str(db), "--base-url", f"{server.url}/api", *args])


def asked(server: LoopbackServer) -> list[tuple[str, dict[str, str]]]:
    """The requests made, in a stable order: the listing first, then the force-months asked for."""
    made = [(r.path, r.query) for r in server.requests]
    listing = [m for m in made if m[0] != "/api/stops-force"]
    return listing + sorted((m for m in made if m[0] == "/api/stops-force"), key=lambda m: sorted(m[1].items()))


def stops(*pairs: tuple[str, str]) -> list[tuple[str, dict[str, str]]]:
    return [("/api/stops-force", {"force": f, "date": m}) for f, m in sorted(pairs, key=lambda p: (p[1], p[0]))]


def held(db: Path) -> dict[tuple[str, str], int]:
    """(force, month) → rows in stop_search."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT force, strftime(month, '%Y-%m'), count(*) FROM stop_search GROUP BY ALL").fetchall()
    finally:
        con.close()
    return {(f, m): n for f, m, n in rows}


def log(db: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT id, file, sha256, unit, rows_loaded, action, loaded_at FROM ingest_log "
                           "ORDER BY id").fetchall()
    finally:
        con.close()


def test_first_run_loads_every_listed_month_and_a_second_changes_nothing(server: LoopbackServer,
                                                                         tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = run(server, db)
    assert first.exit_code == 0, first.output
    assert asked(server) == LISTING + stops(*LISTED)
    assert held(db) == LISTED
    for (force, month), n in LISTED.items():
        assert f"new: {force} {month}: {n} rows" in first.output
    assert "missing: data.police.uk lists no stop and search of btp for 2024-10" in first.output
    assert "5 new, 0 replaced, 0 unchanged" in first.output
    # the responses are kept, byte for byte, where ingest_log says each month came from
    files = {unit: Path(str(file)) for _, file, _, unit, *_ in log(db)}
    for force, month in LISTED:
        kept = files[f"{force}/{month}"]
        assert kept == tmp_path / "police_uk_updates" / "2024-11-21" / f"stops-force-{force}" / f"{month}.json"
        assert kept.read_bytes() == (FIXTURES / f"stops-force-{force}-{month}.json").read_bytes()
    before = log(db)

    server.clear()
    second = run(server, db)
    assert second.exit_code == 0, second.output
    assert asked(server) == LISTING  # nothing new listed, nothing republished since: no month asked for
    assert "nothing changed" in second.output
    assert log(db) == before and held(db) == LISTED


def test_force_list_and_unknown_force(server: LoopbackServer, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    empty = run(server, db, "--force", " , ")
    assert empty.exit_code == 1 and "--force names no force" in empty.stderr
    bad = run(server, db, "--force", "metropolitan,atlantis")
    assert bad.exit_code == 1
    assert "unknown force 'atlantis'" in bad.output and "Traceback" not in bad.output
    assert server.requests == [] and not db.exists()

    result = run(server, db, "--force", "metropolitan, btp")
    assert result.exit_code == 0, result.output
    assert asked(server) == LISTING + stops(("btp", "2024-09"), ("metropolitan", "2024-09"),
                                            ("metropolitan", "2024-10"))
    assert held(db) == {k: n for k, n in LISTED.items() if k[0] in ("metropolitan", "btp")}
    assert "updating 2 force(s)" in result.output

    server.clear()  # the other forces' months are still missing: a run for every force fetches only them
    rest = run(server, db)
    assert rest.exit_code == 0, rest.output
    assert asked(server) == LISTING + stops(("city-of-london", "2024-09"), ("city-of-london", "2024-10"))
    assert held(db) == LISTED


def test_republished_month_is_replaced_with_its_difference(api: Api, server: LoopbackServer, tmp_path: Path) -> None:
    """A new API release (a date on or after the load) makes every API-loaded month be fetched again; ingest's
    hash tells the one republished with another search from the four republished byte for byte."""
    db = tmp_path / "w.duckdb"
    assert run(server, db).exit_code == 0
    api.last_updated = date.today().isoformat()  # released on the day the months were loaded: may be newer
    api.republished = "-republished"
    server.clear()
    result = run(server, db)
    assert result.exit_code == 0, result.output
    assert asked(server) == LISTING + stops(*LISTED)
    n = LISTED[("metropolitan", "2024-09")]
    assert f"replaced: metropolitan 2024-09: {n} -> {n + 1} rows (+1)" in result.output
    assert "unchanged: 4 force-month(s)" in result.output
    assert "0 new, 1 replaced, 4 unchanged" in result.output
    assert held(db) == LISTED | {("metropolitan", "2024-09"): n + 1}
    folder = tmp_path / "police_uk_updates" / api.last_updated
    # only the response that changed the warehouse is kept from this release
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.json")) == [
        "stops-force-metropolitan/2024-09.json"]

    server.clear()  # the same release again: checked already, nothing is asked for
    again = run(server, db)
    assert again.exit_code == 0, again.output
    assert asked(server) == LISTING and "nothing changed" in again.output


def test_republished_month_that_shrinks_is_refused_until_allowed(api: Api, server: LoopbackServer,
                                                                 tmp_path: Path) -> None:
    """Ingest's shrink check holds for update: nothing is written, the release is not marked checked, and
    --allow-shrink loads the response already downloaded without asking for it again."""
    db = tmp_path / "w.duckdb"
    assert run(server, db, "--force", "metropolitan").exit_code == 0
    before = log(db)
    api.last_updated, api.republished = date.today().isoformat(), "-shrunk"
    refused = run(server, db, "--force", "metropolitan")
    assert refused.exit_code == 1
    assert "would shrink metropolitan/2024-09 from 6 rows to 2" in refused.stderr
    assert "the next `scrutiny update` (with --allow-shrink if a smaller month is right) loads them" in refused.stderr
    assert log(db) == before
    server.clear()
    allowed = run(server, db, "--force", "metropolitan", "--allow-shrink")
    assert allowed.exit_code == 0, allowed.output
    assert asked(server) == LISTING  # both months' responses of this release were kept from the refused run
    assert "replaced: metropolitan 2024-09: 6 -> 2 rows (-4)" in allowed.output
    assert held(db) == {("metropolitan", "2024-09"): 2,
                        ("metropolitan", "2024-10"): LISTED[("metropolitan", "2024-10")]}


def test_dry_run_says_what_it_would_fetch_and_writes_nothing(server: LoopbackServer, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    result = run(server, db, "--dry-run", "--force", "city-of-london")
    assert result.exit_code == 0, result.output
    assert "would fetch city-of-london 2024-09 (not in the warehouse)" in result.output
    assert "would fetch city-of-london 2024-10 (not in the warehouse)" in result.output
    assert asked(server) == LISTING
    assert list(tmp_path.iterdir()) == []


def test_429_with_retry_after_and_503_and_a_truncated_body_are_retried(server: LoopbackServer,
                                                                        tmp_path: Path) -> None:
    server.fail(429, retry_after="1", match="force=metropolitan&date=2024-09")
    server.fail(503, times=2, match="force=metropolitan&date=2024-10")
    server.truncate(match="force=city-of-london&date=2024-10")
    db = tmp_path / "w.duckdb"
    result = run(server, db)
    assert result.exit_code == 0, result.output
    assert held(db) == LISTED  # every month whole, the truncated one fetched again
    met = [r for r in server.requests if r.query == {"force": "metropolitan", "date": "2024-09"}]
    assert [r.status for r in met] == [429, 200]
    assert met[1].time - met[0].time >= 0.95  # Retry-After: 1 was obeyed
    assert [r.status for r in server.requests if r.query == {"force": "metropolitan", "date": "2024-10"}] == [
        503, 503, 200]
    assert len([r for r in server.requests if r.query == {"force": "city-of-london", "date": "2024-10"}]) == 2


def test_api_down_is_one_line_and_exit_1(server: LoopbackServer, tmp_path: Path) -> None:
    """As cron sees it (a process without a terminal): exit 1 and one line on stderr, the retries in it; as many
    tries as SCRUTINY_DOWNLOAD_TRIES says (three here: the default five would wait 4-8 s)."""
    server.fail(503, times=5, match="crimes-street-dates")
    db = tmp_path / "w.duckdb"
    env = {**os.environ, "PYTHONPATH": str(REPO), "SCRUTINY_DOWNLOAD_TRIES": "3"}
    done = subprocess.run([*SCRUTINY, "update", "--db", str(db), "--base-url", f"{server.url}/api"], cwd=REPO,
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: data.police.uk did not say what it has")
    assert "gave up after 3 tries (last: HTTP 503)" in line and line.endswith("nothing was fetched or loaded")
    assert len([r for r in server.requests if "crimes-street-dates" in r.path]) == 3
    assert not db.exists()


def test_listing_that_is_not_json_is_one_line(tmp_path: Path) -> None:
    with LoopbackServer(route=lambda path, query: b"<html>Service temporarily unavailable</html>") as server:
        result = run(server, tmp_path / "w.duckdb")
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert "crimes-street-dates: response is not JSON" in line


def test_listed_month_answering_404_loses_nothing(api: Api, server: LoopbackServer, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert run(server, db, "--force", "btp").exit_code == 0
    before = log(db)
    api.gone = {("city-of-london", "2024-10")}
    server.clear()
    result = run(server, db)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    [line] = lines
    assert line == ("error: data.police.uk lists stop and search of city-of-london for 2024-10 but answers HTTP 404 "
                    "for it; nothing was loaded")
    assert log(db) == before  # the warehouse as it was

    api.gone = set()  # the API mends: the months fetched before the 404 are not asked for again
    fetched = {(r.query["force"], r.query["date"]) for r in server.requests if r.status == 200 and r.query}
    server.clear()
    again = run(server, db)
    assert again.exit_code == 0, again.output
    assert held(db) == LISTED
    refetched = {(r.query["force"], r.query["date"]) for r in server.requests if r.query}
    assert refetched == set(LISTED) - {("btp", "2024-09")} - fetched


_STALL = "force=metropolitan&date=2024-10"


def test_second_run_is_refused_and_a_killed_run_leaves_the_warehouse_as_it_was(
    server: LoopbackServer, tmp_path: Path
) -> None:
    """A run holds the lock while it downloads; another run exits 1 naming its pid. SIGKILL the first midway:
    the kernel drops its lock, the warehouse is as before, and the next run completes it, fetching only what
    the killed one had not finished."""
    db = tmp_path / "w.duckdb"
    assert run(server, db, "--force", "btp").exit_code == 0
    before = log(db)
    server.clear()
    half_sent = server.stall(match=_STALL)
    proc = subprocess.Popen(
        [*SCRUTINY, "update", "--db", str(db), "--base-url", f"{server.url}/api", "--workers", "1"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert half_sent.wait(timeout=60), "the update never reached metropolitan 2024-10"
        busy = run(server, db)
        assert busy.exit_code == 1
        [line] = busy.stderr.strip().splitlines()
        assert line.startswith(f"error: another `scrutiny update` is running (pid {proc.pid} since ")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    server.release()
    assert log(db) == before and held(db) == {("btp", "2024-09"): LISTED[("btp", "2024-09")]}
    answered = [(r.query["force"], r.query["date"]) for r in server.requests if r.query]
    # with one worker, in order: the three before metropolitan 2024-10 were whole when the kill came
    assert answered == [("city-of-london", "2024-09"), ("city-of-london", "2024-10"), ("metropolitan", "2024-09"),
                        ("metropolitan", "2024-10")]

    server.clear()
    time.sleep(0.1)
    after = run(server, db)
    assert after.exit_code == 0, after.output
    assert held(db) == LISTED
    assert asked(server) == LISTING + stops(("metropolitan", "2024-10"))
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.parametrize("delay", [0.05, 0.2, 0.35])  # the ingest of these takes about half a second
def test_killed_during_ingest_leaves_the_warehouse_as_before_or_complete(
    server: LoopbackServer, tmp_path: Path, delay: float
) -> None:
    """SIGKILL `delay` seconds after the last response was sent, while the run checks and ingests them: the
    warehouse is as before or holds every month, never some; the next run leaves it complete."""
    db = tmp_path / "w.duckdb"
    assert run(server, db, "--force", "btp").exit_code == 0
    before = log(db)
    server.clear()
    proc = subprocess.Popen(
        [*SCRUTINY, "update", "--db", str(db), "--base-url", f"{server.url}/api"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 60
        while len(server.requests) < len(LISTING) + 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(delay)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    now = held(db)
    assert now in ({("btp", "2024-09"): LISTED[("btp", "2024-09")]}, LISTED), now
    assert log(db)[: len(before)] == before
    after = run(server, db)
    assert after.exit_code == 0, after.output
    assert held(db) == LISTED
    assert not (tmp_path / "w.duckdb.writing").exists()


@pytest.mark.shared_data
def test_real_responses_of_the_metropolitan_police(tmp_path: Path) -> None:
    """Two real `stops-force` answers (../shared/data), listed as one release: every record loaded or rejected."""
    from tests.loopback import shared_data

    recorded = shared_data("police_uk", "api", "stops-force-metropolitan")
    months = ["2024-09", "2024-10"]
    dates = json.dumps([{"date": m, "stop-and-search": ["metropolitan"]} for m in reversed(months)]).encode()

    def route(path: str, query: dict[str, str]) -> bytes | Path | None:
        if path == "/api/crimes-street-dates":
            return dates
        if path == "/api/crime-last-updated":
            return b'{"date": "2025-01-23"}'
        found = recorded / f"{query.get('date')}.json"
        asked_for = path == "/api/stops-force" and query.get("force") == "metropolitan"
        return found if asked_for and found.is_file() else None

    db = tmp_path / "w.duckdb"
    with LoopbackServer(route=route) as server:
        result = run(server, db)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = dict(con.execute("SELECT strftime(month, '%Y-%m'), rows_loaded + rows_rejected FROM ingest_log")
                   .fetchall())
    finally:
        con.close()
    assert got == {m: len(json.loads((recorded / f"{m}.json").read_bytes())) for m in months}
    assert got["2024-09"] == 3253


def test_a_failed_runs_responses_of_an_earlier_release_are_cleared(api: Api, server: LoopbackServer,
                                                                   tmp_path: Path) -> None:
    """Responses a failed run left are kept for its release and removed once the API has a newer one; the
    responses the warehouse was loaded from stay."""
    db = tmp_path / "w.duckdb"
    updates = tmp_path / "police_uk_updates"
    assert run(server, db).exit_code == 0
    loaded = sorted(updates.rglob("*.json"))
    assert len(loaded) == len(LISTED)
    api.last_updated, api.gone = "2999-01-01", {("city-of-london", "2024-10")}  # a release after every load
    assert run(server, db, "--workers", "1").exit_code == 1
    left = sorted((updates / "2999-01-01").rglob("*.json"))
    assert left  # fetched before the 404: kept for the next run of this release
    api.last_updated, api.gone = "2999-02-01", set()
    again = run(server, db)
    assert again.exit_code == 0, again.output
    assert "unchanged: 5 force-month(s)" in again.output and "nothing changed" in again.output
    assert sorted(updates.rglob("*.json")) == loaded  # the failed run's gone, the unchanged ones not kept
    assert sorted(p.name for p in updates.iterdir()) == ["2024-11-21"]
