"""The data.police.uk client against a real HTTP server on 127.0.0.1 serving recorded API responses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scrutiny.errors import ScrutinyError, SourceUnavailable, UnknownForce
from scrutiny.sources.police_uk_api import (
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    PoliceApiClient,
    check_month,
    month_range,
    resolve_base_url,
    stops_path,
)
from scrutiny.sources.ratelimit import RetryPolicy, TokenBucket, parse_retry_after
from tests.loopback import LoopbackServer, Route, shared_data

pytestmark = pytest.mark.shared_data

MONTHS = ["2024-09", "2024-10", "2024-11"]
FAST = RetryPolicy(max_tries=4, base_delay=0.01, max_delay=0.05)


def police_route(api: Path) -> Route:
    """The API's URL scheme over the recorded files; stops-no-location = the month's null-location rows."""

    def route(path: str, query: dict[str, str]) -> bytes | Path | None:
        force, month = query.get("force", ""), query.get("date", "")
        if path == "/api/forces":
            return api / "fixtures" / "forces.json"
        if path == "/api/crimes-street-dates":
            return api / "fixtures" / "available_dates.json"
        recorded = api / f"stops-force-{force}" / f"{month}.json"
        if not recorded.is_file():
            return None
        if path == "/api/stops-force":
            return recorded
        if path == "/api/stops-no-location":
            return json.dumps(no_location(recorded)).encode()
        return None

    return route


def no_location(recorded: Path) -> list[dict[str, object]]:
    return [r for r in json.loads(recorded.read_bytes()) if r["location"] is None]


@pytest.fixture
def api() -> Path:
    return shared_data("police_uk", "api")


@pytest.fixture
def server(api: Path) -> Iterator[LoopbackServer]:
    with LoopbackServer(route=police_route(api)) as s:
        yield s


def client_for(server: LoopbackServer, *, timeout: float = 10.0) -> PoliceApiClient:
    return PoliceApiClient(f"{server.url}/api", retry=FAST, timeout=timeout)


# token bucket and retry policy (no network) --------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_burst_then_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(15, 30, clock=clock)
    assert [bucket.reserve() for _ in range(30)] == [0.0] * 30
    assert bucket.reserve() == pytest.approx(1 / 15)
    assert bucket.reserve() == pytest.approx(2 / 15)
    clock.now = 100.0  # a long pause refills to the burst, never beyond it
    assert [bucket.reserve() for _ in range(30)] == [0.0] * 30
    assert bucket.reserve() > 0


def test_token_bucket_is_thread_safe() -> None:
    """With the clock frozen, 16 threads x 50 reservations get 800 distinct slots 1/rate apart."""
    bucket = TokenBucket(10, 5, clock=FakeClock())
    waits: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        mine = [bucket.reserve() for _ in range(50)]
        with lock:
            waits.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(round(w * 10) for w in waits) == [0] * 5 + list(range(1, 796))


def test_retry_policy_backoff_and_retry_after() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, max_retry_after=60.0, rng=lambda: 1.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    low = RetryPolicy(base_delay=1.0, rng=lambda: 0.0)
    assert low.backoff(3) == 2.0  # jitter never drops below half the ceiling
    assert policy.backoff(1, retry_after=3.0) == 3.0
    assert policy.backoff(1, retry_after=3600.0) == 60.0
    assert parse_retry_after("7") == 7.0
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# months, forces, base URL ----------------------------------------------------------------------------


def test_month_validation_names_the_bad_value() -> None:
    assert month_range("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert month_range("2024-09", "2024-09") == ["2024-09"]
    for bad in ("2024-13", "2024-9", "24-09", "2024/09", "", "2024-00"):
        with pytest.raises(ScrutinyError, match=f"bad month '{bad}'"):
            check_month(bad)
    with pytest.raises(ScrutinyError, match="2030-01 is in the future"):
        check_month("2030-01", today=date(2026, 11, 20))
    with pytest.raises(ScrutinyError, match="from 2024-11 is after to 2024-09"):
        month_range("2024-11", "2024-09")


def test_resolve_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BASE_URL_ENV, raising=False)
    assert resolve_base_url() == DEFAULT_BASE_URL
    monkeypatch.setenv(BASE_URL_ENV, "http://127.0.0.1:9/api/")
    assert resolve_base_url() == "http://127.0.0.1:9/api"
    assert resolve_base_url("http://127.0.0.1:8/x") == "http://127.0.0.1:8/x"


def test_unknown_force_and_bad_month_make_no_request(server: LoopbackServer, tmp_path: Path) -> None:
    with client_for(server) as client:
        with pytest.raises(UnknownForce, match="'atlantis'"):
            client.download_stops("atlantis", MONTHS, tmp_path)
        with pytest.raises(ScrutinyError, match="'2024-13'"):
            client.download_stops("metropolitan", ["2024-12", "2024-13"], tmp_path)
        with pytest.raises(UnknownForce):
            client.stops_force("atlantis", "2024-09")
    assert server.requests == []
    assert list(tmp_path.iterdir()) == []


# endpoints -------------------------------------------------------------------------------------------


def test_endpoints_return_parsed_json(server: LoopbackServer, api: Path) -> None:
    with client_for(server) as client:
        assert client.forces() == json.loads((api / "fixtures" / "forces.json").read_bytes())
        assert client.available_dates() == json.loads((api / "fixtures" / "available_dates.json").read_bytes())
        recorded = api / "stops-force-metropolitan" / "2024-10.json"
        assert client.stops_force("metropolitan", "2024-10") == json.loads(recorded.read_bytes())
        assert client.stops_no_location("metropolitan", "2024-10") == no_location(recorded)
        # the fixture lists 2023-04..2023-06 for every force
        assert client.latest_months("metropolitan", 2) == ["2023-05", "2023-06"]
        assert client.latest_months("metropolitan", 10) == ["2023-04", "2023-05", "2023-06"]
        with pytest.raises(ScrutinyError, match="at least 1"):
            client.latest_months("metropolitan", 0)
    assert server.requests[2].query == {"force": "metropolitan", "date": "2024-10"}


# downloads: content, resumability, atomicity ----------------------------------------------------------


def test_download_stops_saves_the_recorded_responses(server: LoopbackServer, api: Path, tmp_path: Path) -> None:
    seen: list[tuple[Path, bool]] = []
    with client_for(server) as client:
        paths = client.download_stops("metropolitan", MONTHS, tmp_path, progress=lambda p, f: seen.append((p, f)))
    assert len(paths) == 6 and len(server.requests) == 6
    assert sorted(seen) == sorted((p, True) for p in paths)
    for month in MONTHS:
        recorded = api / "stops-force-metropolitan" / f"{month}.json"
        saved = tmp_path / "stops-force-metropolitan" / f"{month}.json"
        assert saved in paths and saved.read_bytes() == recorded.read_bytes()
        saved_nl = tmp_path / "stops-no-location-metropolitan" / f"{month}.json"
        assert saved_nl in paths and json.loads(saved_nl.read_bytes()) == no_location(recorded)
    assert not list(tmp_path.rglob("*.part"))


def test_second_run_makes_no_requests(server: LoopbackServer, tmp_path: Path) -> None:
    with client_for(server) as client:
        first = client.download_stops("metropolitan", MONTHS, tmp_path)
        server.clear()
        seen: list[bool] = []
        second = client.download_stops("metropolitan", MONTHS, tmp_path, progress=lambda p, f: seen.append(f))
    assert second == first
    assert server.requests == []
    assert seen == [False] * 6


_KILLED_FETCH = """
import sys
from pathlib import Path
from scrutiny.sources.police_uk_api import PoliceApiClient
client = PoliceApiClient(sys.argv[1])
client.download_stops("metropolitan", sys.argv[3].split(","), Path(sys.argv[2]), workers=1)
"""


def test_killed_fetch_leaves_no_partial_file_and_resumes(server: LoopbackServer, api: Path, tmp_path: Path) -> None:
    """SIGKILL a real fetch while 2024-10 is half received: no 2024-10 file; a rerun fetches only the rest."""
    half_sent = server.stall(match="stops-force?force=metropolitan&date=2024-10")
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_FETCH, f"{server.url}/api", str(tmp_path), ",".join(MONTHS)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert half_sent.wait(timeout=15), "the fetch never reached 2024-10"
        time.sleep(0.2)  # let the client write the half it received to its temporary file
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    server.release()
    stops = tmp_path / "stops-force-metropolitan"
    assert (stops / "2024-09.json").read_bytes() == (api / "stops-force-metropolitan" / "2024-09.json").read_bytes()
    assert not (stops / "2024-10.json").exists()
    assert not (stops / "2024-11.json").exists()
    assert list(stops.glob(".2024-10.json.*.part")), "expected the killed download's temporary file"

    server.clear()
    with client_for(server) as client:
        client.download_stops("metropolitan", MONTHS, tmp_path)
    fetched = sorted((r.path, r.query["date"]) for r in server.requests)
    assert fetched == [
        ("/api/stops-force", "2024-10"),
        ("/api/stops-force", "2024-11"),
        ("/api/stops-no-location", "2024-10"),
        ("/api/stops-no-location", "2024-11"),
    ]
    for month in MONTHS:
        assert (stops / f"{month}.json").read_bytes() == (
            api / "stops-force-metropolitan" / f"{month}.json"
        ).read_bytes()
    assert not list(tmp_path.rglob("*.part")), "the stale temporary file was not cleared"


def test_truncated_body_is_retried_and_never_saved(server: LoopbackServer, api: Path, tmp_path: Path) -> None:
    server.truncate(times=2, match="stops-force")
    with client_for(server) as client:
        client.download_stops("metropolitan", ["2024-11"], tmp_path)
    saved = stops_path(tmp_path, "stops-force", "metropolitan", "2024-11")
    assert saved.read_bytes() == (api / "stops-force-metropolitan" / "2024-11.json").read_bytes()
    assert [r.path for r in server.requests].count("/api/stops-force") == 3


def test_slow_response_times_out_and_is_retried(server: LoopbackServer) -> None:
    server.slow(1.0, match="forces")
    with client_for(server, timeout=0.25) as client:
        assert client.forces()
    assert len(server.requests) == 2


def test_response_that_is_not_a_json_list_is_refused(api: Path, tmp_path: Path) -> None:
    def route(path: str, query: dict[str, str]) -> bytes:
        return b"<html>Service temporarily unavailable</html>"

    with (
        LoopbackServer(route=route) as server,
        client_for(server) as client,
        pytest.raises(SourceUnavailable, match="not JSON"),
    ):
        client.download_stops("metropolitan", ["2024-09"], tmp_path, workers=1)
    assert not list(tmp_path.rglob("*.json")) and not list(tmp_path.rglob("*.part"))


# rate limit and retries ------------------------------------------------------------------------------


def test_rate_limit_holds_across_threads(server: LoopbackServer) -> None:
    """Burst 30 then 15/s: 60 requests need at least (60 - 30) / 15 = 2 s, seen from the server."""
    with client_for(server) as client, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.forces(), range(60)))
    times = sorted(r.time for r in server.requests)
    assert len(times) == 60
    # Never faster than the limit allows: by time t after the first, at most 30 + 15 t requests (lower bounds hold
    # on any machine; a loaded one only makes them later).
    for i, t in enumerate(times):
        assert t - times[0] >= (i + 1 - 30) / 15 - 0.05, f"request {i + 1} came {t - times[0]:.3f} s in"
    # The burst is not throttled: without it the first 30 alone would take 30 / 15 = 2 s.
    assert times[29] - times[0] < 1.5
    assert times[-1] - times[0] < 30  # and the limiter never stalls


def test_429_retry_after_is_honoured(server: LoopbackServer) -> None:
    server.fail(429, times=1, retry_after="1", match="forces")
    with client_for(server) as client:
        assert client.forces()
    first, second = server.requests
    assert (first.status, second.status) == (429, 200)
    assert second.time - first.time >= 0.95


def test_503_twice_then_success(server: LoopbackServer, api: Path, tmp_path: Path) -> None:
    server.fail(503, times=2, match="stops-force")
    with client_for(server) as client:
        client.download_stops("metropolitan", ["2024-09"], tmp_path, workers=1)
    statuses = [r.status for r in server.requests if r.path == "/api/stops-force"]
    assert statuses == [503, 503, 200]
    saved = stops_path(tmp_path, "stops-force", "metropolitan", "2024-09")
    assert saved.read_bytes() == (api / "stops-force-metropolitan" / "2024-09.json").read_bytes()


def test_persistent_500_gives_up_with_the_url(server: LoopbackServer, tmp_path: Path) -> None:
    server.fail(500, times=100, match="stops-force")
    with client_for(server) as client, pytest.raises(SourceUnavailable) as info:
        client.download_stops("metropolitan", ["2024-09"], tmp_path, workers=1)
    message = str(info.value)
    assert f"{server.url}/api/stops-force?force=metropolitan&date=2024-09" in message
    assert "HTTP 500" in message and "4 tries" in message
    assert [r.status for r in server.requests if r.path == "/api/stops-force"] == [500] * 4
    assert not (tmp_path / "stops-force-metropolitan" / "2024-09.json").exists()


def test_404_is_not_retried(server: LoopbackServer, tmp_path: Path) -> None:
    with client_for(server) as client, pytest.raises(SourceUnavailable, match="HTTP 404"):
        client.download_stops("metropolitan", ["2023-01"], tmp_path, workers=1)
    assert len([r for r in server.requests if r.path == "/api/stops-force"]) == 1


def test_connection_refused_gives_up(tmp_path: Path) -> None:
    with LoopbackServer() as gone:
        url = gone.url
    retry = RetryPolicy(max_tries=2, base_delay=0.01)
    with (
        PoliceApiClient(f"{url}/api", retry=retry) as client,
        pytest.raises(SourceUnavailable, match="gave up after 2 tries"),
    ):
        client.forces()


def test_one_try_is_said_so_and_waits_for_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SCRUTINY_DOWNLOAD_TRIES=1: a client made without a policy tries once and says "1 try"."""
    monkeypatch.setenv("SCRUTINY_DOWNLOAD_TRIES", "1")
    with LoopbackServer() as gone:
        url = gone.url
    waits: list[float] = []
    with PoliceApiClient(f"{url}/api") as client:
        assert client.fetcher.retry.max_tries == 1
        client.fetcher.retry = replace(client.fetcher.retry, sleep=waits.append)
        with pytest.raises(SourceUnavailable, match=r"gave up after 1 try \(last: "):
            client.forces()
    assert waits == []


def test_parallel_failure_keeps_finished_months_whole(server: LoopbackServer, api: Path, tmp_path: Path) -> None:
    """One month missing upstream (404) while others download in parallel: an error, never a half file."""
    with client_for(server) as client, pytest.raises(SourceUnavailable, match="2023-01"):
        client.download_stops("metropolitan", ["2023-01", *MONTHS], tmp_path, workers=3)
    for saved in tmp_path.glob("stops-force-metropolitan/*.json"):
        assert saved.read_bytes() == (api / "stops-force-metropolitan" / saved.name).read_bytes()
    assert not list(tmp_path.rglob("*.part"))
