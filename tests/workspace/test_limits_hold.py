"""Limits that hold under concurrency, on SQLite and PostgreSQL, played by an attacker against real uvicorn
servers on loopback (configured as `scrutiny serve` configures them):
  - 30 concurrent valid community reports from one client, spread over two servers sharing the database
    (as two processes would): exactly 5 x 201 and 25 x 429 with Retry-After;
  - forwarding headers are ignored unless the peer is a trusted proxy; then the right-most untrusted address
    in X-Forwarded-For is the client;
  - six concurrent fetches of one complaint letter (fetched as often as asked): six letters, nothing written;
  - six concurrent accepts of one invitation: one account, five 409s (not 500s).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from scrutiny.cli.serve import uvicorn_config
from scrutiny.web import create_app, get_settings
from scrutiny.web.client_address import BadProxySetting, resolve, trusted_networks
from scrutiny.workspace import accounts
from scrutiny.workspace.community import reports
from scrutiny.workspace.community.ratelimit import RateLimiter, TooMany
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from scrutiny.workspace.models.community import CommunityReport
from scrutiny.workspace.models.rate_limits import RateSlot
from tests.loopback import TLS
from tests.workspace.conftest import PASSWORD
from tests.workspace.factories_community import valid

API = "/api/v1/community-reports"
Live = Callable[..., str]


def report() -> dict[str, Any]:
    """A valid report as JSON, dated three days ago whenever the test runs."""
    day = (datetime.now(reports.LONDON).date() - timedelta(days=3)).isoformat()
    return {k: v for k, v in valid(date=day).items() if v != ""} | {"respect": 2}


@pytest.fixture
def live(ws: Workspace, tmp_path: Path) -> Iterator[Live]:
    """Start a real uvicorn server (its own app and connection pool, as a separate process has) over `ws` on a
    free loopback port; returns its base URL. Every server started is stopped after the test."""
    running: list[tuple[uvicorn.Server, threading.Thread, Any]] = []

    def start(trusted_proxies: tuple[str, ...] = ()) -> str:
        settings = get_settings(tmp_path / "none.duckdb", workspace_url=ws.url, trusted_proxies=trusted_proxies)
        app = create_app(settings)
        config = uvicorn_config(app, settings, "127.0.0.1", 0, access_log=False)
        config.log_level = "warning"
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread, app))
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        # FastAPI builds each router's routes on the first request that reaches it, each router under a lock of
        # its own; pydantic's schema building for the query types the apps share is not thread-safe. Two servers
        # in one process (here, never with `scrutiny serve`: one event loop per process) would build them at
        # once in the burst below and warn now and then (UnsupportedFieldAttributeWarning). A path no route has
        # walks every router first, one server at a time.
        assert httpx.get(f"{url}/no-such-page", timeout=30, verify=TLS).status_code == 404
        return url

    yield start
    for server, thread, app in running:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.workspace.dispose()


def at_once(count: int, send: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """`count` requests released together from their own threads (a barrier), answers in order."""
    barrier = threading.Barrier(count)
    answers: list[httpx.Response | None] = [None] * count

    def one(i: int) -> None:
        barrier.wait()
        answers[i] = send(i)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(a is not None for a in answers), "a request did not finish"
    return [a for a in answers if a is not None]


def _reports(ws: Workspace) -> int:
    with ws.session() as session:
        return session.scalar(select(func.count()).select_from(CommunityReport)) or 0


def test_thirty_concurrent_reports_from_one_client_get_exactly_five_201s(ws: Workspace, live: Live) -> None:
    servers = [live(), live()]  # two servers over one database, as two processes would be
    body = report()
    answers = at_once(30, lambda i: httpx.post(servers[i % 2] + API, json=body, timeout=30, verify=TLS))
    assert Counter(a.status_code for a in answers) == {201: 5, 429: 25}, [a.text for a in answers]
    waits = [int(a.headers["retry-after"]) for a in answers if a.status_code == 429]
    assert len(waits) == 25 and all(1 <= w <= 600 for w in waits)
    assert _reports(ws) == 5
    with ws.session() as session:  # the database holds a keyed hash of the client, never its address
        clients = set(session.scalars(select(RateSlot.client)))
    assert len(clients) == 1 and "127.0.0.1" not in next(iter(clients))


def test_forwarding_headers_are_ignored_without_a_trusted_proxy(ws: Workspace, live: Live) -> None:
    url = live()
    statuses = [httpx.post(url + API, json=report(), timeout=30, headers={
        "X-Forwarded-For": f"198.51.100.{i}", "Forwarded": f"for=198.51.100.{i}"}, verify=TLS).status_code
        for i in range(7)]
    assert statuses == [201] * 5 + [429] * 2
    assert _reports(ws) == 5


def test_a_trusted_proxy_names_the_rightmost_untrusted_address(ws: Workspace, live: Live) -> None:
    url = live(("127.0.0.1",))  # a proxy on this machine: what it appends is believed, nothing left of it
    statuses = [httpx.post(url + API, json=report(), timeout=30, headers={
        "X-Forwarded-For": f"203.0.113.{i}, 198.51.100.7"}, verify=TLS).status_code for i in range(6)]
    assert statuses == [201] * 5 + [429]  # the forged left-hand entry changes nothing: the client is .7
    other = httpx.post(url + API, json=report(), timeout=30, headers={"X-Forwarded-For": "198.51.100.8"}, verify=TLS)
    assert other.status_code == 201  # another client behind the same proxy has its own slots
    assert _reports(ws) == 6


def test_resolving_the_client_address() -> None:
    proxies = ("127.0.0.1", "10.0.0.0/8")
    assert resolve("192.0.2.1", ["198.51.100.1"], ()) == "192.0.2.1"  # default: XFF ignored
    assert resolve("192.0.2.1", ["198.51.100.1"], proxies) == "192.0.2.1"  # peer not a proxy: ignored
    assert resolve("127.0.0.1", ["1.1.1.1, 198.51.100.1"], proxies) == "198.51.100.1"
    assert resolve("127.0.0.1", ["1.1.1.1, 198.51.100.1, 10.1.2.3"], proxies) == "198.51.100.1"  # two proxies
    assert resolve("127.0.0.1", ["1.1.1.1", "198.51.100.1:4711"], proxies) == "198.51.100.1"  # two headers, port
    assert resolve("127.0.0.1", ["[2001:db8::1]:443"], proxies) == "2001:db8::1"
    assert resolve("127.0.0.1", ["10.0.0.1, 10.0.0.2"], proxies) == "10.0.0.1"  # all proxies: the first
    assert resolve("127.0.0.1", [], proxies) == "127.0.0.1"
    with pytest.raises(BadProxySetting, match=r"'nginx' .* is not an IP address or network"):
        trusted_networks(("nginx",))


def test_serve_turns_uvicorns_proxy_headers_off_unless_proxies_are_named(tmp_path: Path) -> None:
    plain = get_settings(tmp_path / "none.duckdb")
    assert plain.trusted_proxies == ()
    config = uvicorn_config(create_app(plain), plain, "127.0.0.1", 8000)
    assert config.proxy_headers is False  # uvicorn's default would believe XFF from 127.0.0.1
    proxied = get_settings(tmp_path / "none.duckdb", trusted_proxies=("127.0.0.1", "10.0.0.0/8"))
    config = uvicorn_config(create_app(proxied), proxied, "127.0.0.1", 8000)
    assert config.proxy_headers is True and config.forwarded_allow_ips == ["127.0.0.1/32", "10.0.0.0/8"]


def test_settings_read_trusted_proxies_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRUTINY_TRUSTED_PROXIES", " 127.0.0.1, ::1 ,")
    assert get_settings(tmp_path / "none.duckdb").trusted_proxies == ("127.0.0.1", "::1")


def test_a_stale_slot_is_retaken_and_forgotten(ws: Workspace) -> None:
    clock = [1000.0]
    limiter = RateLimiter(limit=1, window=600, clock=lambda: clock[0])
    with ws.session() as session:
        limiter.take(session, "192.0.2.1")
        limiter.take(session, "192.0.2.2")
    clock[0] += 300
    with ws.session() as session:
        assert limiter.forget_stale(session) == 0
    clock[0] += 300  # both leave the window
    with ws.session() as session:
        limiter.take(session, "192.0.2.1")  # its one slot, reused
    with ws.session() as session:
        assert limiter.forget_stale(session) == 1  # only .2's
        assert session.scalar(select(func.count()).select_from(RateSlot)) == 1


def test_the_wait_promised_never_exceeds_the_window(ws: Workspace) -> None:
    # A request that read the clock (t=50) before waiting for the write lock, while five others took every slot
    # at t=100: told from when it answers (t=100), the wait is the whole window (600 s), not 650.
    times = iter([100.0] * 5 + [50.0, 100.0])
    limiter = RateLimiter(limit=5, window=600, clock=lambda: next(times))
    with ws.session() as session:
        for _ in range(5):
            limiter.take(session, "192.0.2.1")
    with ws.session() as session, pytest.raises(TooMany) as refused:
        limiter.take(session, "192.0.2.1")
    assert refused.value.retry_after == 600


def test_concurrent_fetches_of_one_letter_all_get_it(ws: Workspace, live: Live) -> None:
    with ws.session(reports.PUBLIC_FORM) as session:
        submitted = reports.submit(session, report())
    url = live()
    form = {"reference": submitted.reference, "format": "text"}
    answers = at_once(6, lambda i: httpx.post(url + "/report/letter", data=form, timeout=30, verify=TLS))
    assert Counter(a.status_code for a in answers) == {200: 6}, [a.text[:200] for a in answers]
    assert len({a.text for a in answers}) == 1 and "They pushed me against the wall." in answers[0].text
    with ws.session() as session:  # fetching writes nothing, so there is nothing to race for
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "update")) == 0
    pdf = httpx.post(url + "/report/letter", data={**form, "format": "pdf"}, timeout=60, verify=TLS)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_concurrent_accepts_of_one_invitation_make_one_account(ws: Workspace, live: Live,
                                                                make_user: Callable[..., User]) -> None:
    admin = make_user(Role.admin)
    with ws.session(accounts.actor(admin)) as session:
        made = accounts.invite(session, admin, "invited@example.org", Role.reviewer)
    url = live()
    clients = [httpx.Client(base_url=url, timeout=30, verify=TLS) for _ in range(6)]
    try:
        for client in clients:
            assert client.get("/login").status_code == 200  # a CSRF cookie, as a browser gets one
        answers = at_once(6, lambda i: clients[i].post(f"/invite/{made.token}", data={
            "name": f"Person {i}", "password": PASSWORD, "confirm": PASSWORD,
            "csrf_token": clients[i].cookies["scrutiny_csrf"]}, follow_redirects=False))
    finally:
        for client in clients:
            client.close()
    assert Counter(a.status_code for a in answers) == {303: 1, 409: 5}, [a.text[:300] for a in answers]
    assert all("already been accepted" in a.text for a in answers if a.status_code == 409)
    with ws.session() as session:
        assert session.scalar(select(func.count()).select_from(User).where(User.email == "invited@example.org")) == 1
