"""The threshold fit stays contained: GET /api/v1/bias?threshold=true files a job in a bounded background queue
(each fit in a child process) and answers 202; the server keeps answering while fits run.

The warehouse is tests/bias's two-area Kent month (Maidstone and Sevenoaks, hand-counted there) repeated for
four months, so four different single-month fits can be asked for at once, as the attack did. Fits here are
small (20 warm-up and 20 draws per chain), but each still costs a JAX compilation: the one test that waits
for a fit to finish is bounded by FIT_WAIT.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import ibis
import pytest
from fastapi import FastAPI

from scrutiny.bias.document import bias_document, threshold_available, threshold_data
from scrutiny.metrics import Scope
from scrutiny.metrics.scope import resolve_scope
from scrutiny.web import create_app, get_settings
from scrutiny.web.fit_queue import FitQueue
from tests.bias.test_outcome_test import ROWS, build
from tests.conftest import write_archive
from tests.loopback import TLS
from tests.metrics.test_fixture_metrics import DRUGS_ACT, IN_MAIDSTONE, NFA, row
from tests.web.conftest import LiveServer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = [pytest.mark.slow_fit,
              pytest.mark.skipif(not threshold_available(), reason="the threshold test needs NumPyro: "
                                                                   "pip install 'scrutiny[bias]'")]

MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04"]
SMALL_FIT = {"fit_draws": 20, "fit_warmup": 20}
FIT_WAIT = 420.0  # seconds for one small fit: a JAX compilation, about 20 s on an idle two-core machine
ROUNDS = 10  # of `/` and /api/v1/metrics twice: 30 requests over 10 s or so
ARAB = "Other ethnic group - Arab"  # Census exposure of the Other group: 50 in each area (CATEGORIES)


def _dated(rows: list[str], month: str) -> list[str]:
    return [r.replace("2024-01-15T", f"{month}-15T") for r in rows]


@pytest.fixture(scope="module")
def fit_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four months of the two-area Kent month, and a fifth with 60 searches of Other people in Maidstone,
    where only 50 live: more searches than exposure, which the model cannot take."""
    folder = tmp_path_factory.mktemp("fit-queue")
    for month in MONTHS[1:]:
        write_archive(folder, month, "kent", _dated(list(ROWS), month))
    other = row("Person search", IN_MAIDSTONE, "18-24", ARAB, "Other", DRUGS_ACT, "Controlled drugs", NFA, "", "")
    write_archive(folder, "2024-05", "kent", _dated([other] * 60, "2024-05"))
    return build(folder)  # writes 2024-01 and the Census, lookup and boundaries, then ingests the folder


def scope_query(month: str, **extra: str) -> dict[str, str]:
    return {"force": "kent", "from": month, "to": month, "by": "area", "threshold": "true", **extra}


def close_fits(app: FastAPI) -> None:
    fits: FitQueue | None = getattr(app.state, "fits", None)
    if fits is not None:
        fits.close()


@pytest.fixture
def small_app(fit_db: Path) -> Iterator[FastAPI]:
    app = create_app(get_settings(fit_db, fit_per_client=1, fit_queue=2, fit_max_months=2, **SMALL_FIT))
    yield app
    close_fits(app)


def timed(client: httpx.Client, url: str, **params: str) -> float:
    started = time.perf_counter()
    response = client.get(url, params=params)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, params, response.text[:300])
    return elapsed


def latency_loop(client: httpx.Client, basis: str) -> tuple[list[float], list[float], list[float]]:
    """ROUNDS of `/`, /api/v1/metrics (answered before, so from the cache, as most requests are) and
    /api/v1/metrics for a month range not asked before (a real warehouse query): the latencies of each."""
    ranges = [(a, b) for i, a in enumerate(MONTHS) for b in MONTHS[i:]]  # 10 ranges
    pages, metrics, uncached = [], [], []
    for start, end in ranges[:ROUNDS]:
        pages.append(timed(client, "/"))
        metrics.append(timed(client, "/api/v1/metrics", force="kent"))
        uncached.append(timed(client, "/api/v1/metrics", force="kent", ethnicity=basis,
                              **{"from": start, "to": end}))
        time.sleep(0.3)
    return pages, metrics, uncached


def summary(name: str, values: list[float]) -> str:
    return f"{name}: median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def expected_parts(db: Path, month: str) -> tuple[dict[str, Any], Any]:
    """The bias document without the fit, and the fit's inputs, computed directly (not through the server)."""
    backend = ibis.duckdb.connect(str(db), read_only=True)
    try:
        scope = resolve_scope(backend, Scope("kent", None, month, month))
        return bias_document(backend, scope, by_area=True, run_threshold=False), threshold_data(backend, scope)
    finally:
        backend.disconnect()


def test_four_fits_queued_leave_the_server_answering(fit_db: Path) -> None:
    app = create_app(get_settings(fit_db, fit_per_client=4, **SMALL_FIT))
    try:
        with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30, verify=TLS) as client:
            timed(client, "/")  # the first page and figures are computed once; the loops measure what follows
            timed(client, "/api/v1/metrics", force="kent")
            quiet = latency_loop(client, "self")

            jobs = []
            for month in MONTHS:
                response = client.get("/api/v1/bias", params=scope_query(month))
                assert response.status_code == 202, response.text
                assert response.headers["location"] == response.json()["href"]
                jobs.append(response.json())
            assert len({job["id"] for job in jobs}) == 4
            assert [job["state"] for job in jobs] == ["running", "queued", "queued", "queued"]
            assert [job["position"] for job in jobs] == [None, 1, 2, 3]

            busy = latency_loop(client, "officer")
            live = app.state.fits.counts()
            names = ("/", "/api/v1/metrics", "/api/v1/metrics uncached")
            print("\nno fits:", " | ".join(summary(n, v) for n, v in zip(names, quiet, strict=True)))
            print("4 fits: ", " | ".join(summary(n, v) for n, v in zip(names, busy, strict=True)), "|", live)
            assert live["queued"] + live["running"] >= 2  # the loop ran while fits were waiting and running
            assert max(busy[0]) < 1.0 and max(busy[1]) < 1.0, (busy, quiet)
            # a query the warehouse must answer takes what it takes on this machine; the fits must not slow it
            assert statistics.median(busy[2]) < 2 * statistics.median(quiet[2]) + 0.5, (busy[2], quiet[2])

            deadline = time.monotonic() + FIT_WAIT
            while True:
                poll = client.get(jobs[0]["href"])
                if poll.status_code != 200:
                    break
                assert poll.json()["state"] == "running", poll.text
                assert time.monotonic() < deadline, f"the first fit did not finish within {FIT_WAIT:.0f} s"
                time.sleep(1)
            assert poll.status_code == 303 and poll.json()["state"] == "done"
            assert poll.headers["location"] == jobs[0]["result"]
            done = client.get(poll.headers["location"])
            assert done.status_code == 200 and done.headers["x-scrutiny-cache"] == "hit"
            doc = done.json()
    finally:
        close_fits(app)

    base, data = expected_parts(fit_db, "2024-01")
    assert list(doc) == list(base)  # the same document, the fit in the place bias_document puts it
    assert {k: v for k, v in doc.items() if k != "threshold_test"} == {
        k: v for k, v in base.items() if k != "threshold_test"}
    fit = doc["threshold_test"]
    assert fit["available"] is True and fit["run"] is True
    assert fit["areas"] == ["E07000110", "E07000111"] == data.areas  # Maidstone and Sevenoaks
    assert fit["exposure"] == data.exposure.to_dict() and fit["notes"] == data.notes + data.exposure.notes
    assert list(fit)[5:] == ["converged", "reference", "groups", "rms_search_rate", "rms_hit_rate", "diagnostics",
                             "cells", "caveats", "provenance"]  # ThresholdResult.to_dict(), as the CLI prints it
    assert (fit["diagnostics"]["warmup"], fit["diagnostics"]["chains"]) == (20, 2)
    # the server's 20 draws, extended by whole rounds of 20 (at most three) while twenty draws had not mixed
    assert fit["diagnostics"]["draws"] in (20, 40, 60, 80), fit["diagnostics"]
    assert (fit["provenance"]["seed"], fit["provenance"]["areas"]) == (0, 2)


def test_identical_requests_share_a_job_and_clients_are_limited(small_app: FastAPI, fit_db: Path) -> None:
    first = TestClient(small_app, client=("10.0.0.1", 1000), follow_redirects=False)
    a = first.get("/api/v1/bias", params=scope_query("2024-01"))
    assert a.status_code == 202 and a.json()["state"] == "running"
    again = first.get("/api/v1/bias", params=scope_query("2024-01"))
    assert again.status_code == 202 and again.json()["id"] == a.json()["id"]  # one job for one question
    poll = first.get(a.headers["location"])
    assert poll.status_code == 200 and poll.json()["state"] == "running"

    second_of_mine = first.get("/api/v1/bias", params=scope_query("2024-02"))
    assert second_of_mine.status_code == 429, second_of_mine.text
    assert int(second_of_mine.headers["retry-after"]) >= 1
    assert second_of_mine.json()["detail"][0]["loc"] == ["query", "threshold"]
    assert "1 threshold fits queued or running" in second_of_mine.json()["detail"][0]["msg"]

    other = TestClient(small_app, client=("10.0.0.2", 1000), follow_redirects=False)
    b = other.get("/api/v1/bias", params=scope_query("2024-02"))
    assert b.status_code == 202 and b.json()["state"] == "queued" and b.json()["position"] == 1
    third = TestClient(small_app, client=("10.0.0.3", 1000), follow_redirects=False)
    full = third.get("/api/v1/bias", params=scope_query("2024-03"))
    assert full.status_code == 429 and "2 threshold fits are queued or running" in full.json()["detail"][0]["msg"]
    assert small_app.state.fits.counts() == {"queued": 1, "running": 1, "done": 0, "failed": 0}

    # the same question asked by a client over its limit joins the job already filed
    assert third.get("/api/v1/bias", params=scope_query("2024-02")).json()["id"] == b.json()["id"]
    # without threshold=true the route answers at once, as before
    plain = third.get("/api/v1/bias", params={"force": "kent", "from": "2024-03", "to": "2024-03"})
    assert plain.status_code == 200 and plain.json()["threshold_test"]["run"] is False


def test_caps_on_months_and_areas_name_the_parameter(fit_db: Path) -> None:
    months_app = create_app(get_settings(fit_db, fit_max_months=2))
    areas_app = create_app(get_settings(fit_db, fit_max_areas=1))
    try:
        many = TestClient(months_app).get("/api/v1/bias", params={**scope_query("2024-01"), "to": "2024-03"})
        assert many.status_code == 422
        assert many.json()["detail"][0]["loc"] == ["query", "from"]
        assert "at most 2 months" in many.json()["detail"][0]["msg"] and "has 3" in many.json()["detail"][0]["msg"]
        wide = TestClient(areas_app).get("/api/v1/bias", params=scope_query("2024-01"))
        assert wide.status_code == 422
        assert wide.json()["detail"][0]["loc"] == ["query", "force"]
        assert "at most 1 areas" in wide.json()["detail"][0]["msg"] and "has 2" in wide.json()["detail"][0]["msg"]
        assert months_app.state.fits.counts() == areas_app.state.fits.counts() == {
            "queued": 0, "running": 0, "done": 0, "failed": 0}  # refused before any job was filed
    finally:
        close_fits(months_app)
        close_fits(areas_app)


def test_a_new_warehouse_version_is_a_new_job(fit_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(fit_db, db)
    app = create_app(get_settings(db, **SMALL_FIT))
    try:
        client = TestClient(app, follow_redirects=False)
        first = client.get("/api/v1/bias", params=scope_query("2024-01")).json()["id"]
        assert client.get("/api/v1/bias", params=scope_query("2024-01")).json()["id"] == first
        stat = db.stat()
        os.utime(db, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # as any write changes it
        second = client.get("/api/v1/bias", params=scope_query("2024-01"))
        assert second.status_code == 202 and second.json()["id"] != first
        assert second.json()["state"] == "queued"  # behind the first, which read the older version
    finally:
        close_fits(app)


def test_a_failed_fit_answers_json(fit_db: Path) -> None:
    """More searches than residents in one cell: the model refuses it in the child process, and both the job
    and the bias URL say so as JSON (never a 500)."""
    app = create_app(get_settings(fit_db, **SMALL_FIT))
    try:
        client = TestClient(app, follow_redirects=False)
        filed = client.get("/api/v1/bias", params=scope_query("2024-05"))
        assert filed.status_code == 202, filed.text
        deadline = time.monotonic() + 120
        while (poll := client.get(filed.headers["location"])).json()["state"] != "failed":
            assert poll.status_code == 200 and time.monotonic() < deadline, poll.text
            time.sleep(0.5)
        detail = poll.json()["detail"][0]
        assert poll.status_code == 200 and detail["type"] == "fit_failed"
        assert "need hits <= searches <= exposure" in detail["msg"]
        again = client.get("/api/v1/bias", params=scope_query("2024-05"))
        assert again.status_code == 422 and again.json()["detail"][0] == detail  # remembered for this version
        assert client.get("/api/v1/bias/jobs/" + "0" * 32).status_code == 404
        assert client.get("/api/v1/bias/jobs/not-a-job").status_code == 422
    finally:
        close_fits(app)
