"""Hostile requests get a clean 4xx in the one error shape, never a 5xx, and change nothing.

SQL fragments, path traversal, control characters and huge values in every parameter of every endpoint;
huge month ranges; absurd page sizes and forged cursors; traversal out of /static.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from tests.conftest import snapshot
from tests.web.conftest import TestClient, make_client

API = "/api/v1"
ENDPOINTS = {
    "metrics": ("force", "area", "from", "to", "ethnicity", "purpose", "power"),
    "change": ("force", "area", "from", "to", "before_from", "before_to", "purpose", "power"),
    "forces": ("from", "to", "purpose", "power"),
    "coverage": ("force", "from", "to"),
    "areas": ("force",),
    "months": ("force",),
    "searches": ("force", "area", "from", "to", "group", "purpose", "power", "object_group", "outcome_class",
                 "ethnicity", "cursor", "limit"),
    "searches.csv": ("force", "area", "from", "to", "group", "purpose", "power", "object_group", "outcome_class",
                     "ethnicity"),
    "searches.parquet": ("force", "area", "from", "to", "group", "purpose", "power", "object_group",
                         "outcome_class", "ethnicity"),
}
NASTY = [
    "' OR '1'='1",
    "kent'; DROP TABLE stop_search; --",
    "1 UNION SELECT * FROM ingest_log",
    '"); COPY stop_search TO \'/tmp/x.csv\'; --',
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "Maidstone\r\nSet-Cookie: x=1",
    "\x00",
    "☃" * 50,
    "x" * 10_000,
    "",
    " ",
    "-1",
    "99999999999999999999999999",
    "NaN",
    "{{7*7}}",
    "<script>alert(1)</script>",
]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory, web_db: Path) -> Path:
    import shutil

    db = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copy(web_db, db)
    return db


@pytest.fixture(scope="module")
def hostile(hostile_db: Path) -> TestClient:
    return make_client(hostile_db, cache_entries=64)


def clean_4xx(response_status: int, body: dict[str, object]) -> None:
    assert 400 <= response_status < 500, (response_status, body)
    detail = body["detail"]
    assert isinstance(detail, list) and detail and {"loc", "msg", "type"} == set(detail[0])


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_nasty_values_in_every_parameter(hostile: TestClient, hostile_db: Path, path: str) -> None:
    before = snapshot(hostile_db)
    base = {"metrics": {"force": "kent"}, "change": {"force": "kent", "before_from": "2024-01",
                                                     "before_to": "2024-01"}}.get(path, {})
    for name in ENDPOINTS[path]:
        for value in NASTY:
            r = hostile.get(f"{API}/{path}", params={**base, name: value})
            assert r.status_code < 500, (path, name, value, r.status_code, r.text[:300])
            if r.status_code >= 400:
                clean_4xx(r.status_code, r.json())
            for header, text in r.headers.items():
                assert "\n" not in text and "\r" not in text and header.lower() != "set-cookie"
            if path.startswith("searches.") and r.status_code == 200:
                assert re.fullmatch(r'attachment; filename="[A-Za-z0-9_.-]+"', r.headers["content-disposition"])
    for value in NASTY[:6]:  # unknown parameters are ignored, not interpreted
        assert hostile.get(f"{API}/{path}", params={**base, value or "x": value}).status_code < 500
    assert snapshot(hostile_db) == before


@pytest.mark.parametrize("value", ["0", "-1", "1001", "10" * 30, "1e3", "NaN", "", "1.5", "0x10", "∞"])
def test_absurd_page_sizes(hostile: TestClient, value: str) -> None:
    r = hostile.get(f"{API}/searches", params={"limit": value})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "limit"]


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("text", ["9" * 19 + ".1", "1." + "9" * 40, "-1.5", "1.-5", "1", "a.b", "1.2.3", "",
                                  "1 . 2", "١.٢"])
def test_forged_cursors(hostile: TestClient, text: str) -> None:
    r = hostile.get(f"{API}/searches", params={"cursor": cursor_of(text) or "="})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_a_cursor_past_the_end_is_an_empty_last_page(hostile: TestClient) -> None:
    page = hostile.get(f"{API}/searches", params={"cursor": cursor_of("999999999999999999.999999999999999999")})
    assert page.status_code == 200 and page.json() == {"records": [], "next_cursor": None, "limit": 100}


@pytest.mark.parametrize(
    ("start", "end"), [("1000-01", "2999-12"), ("1900-01", "2024-01"), ("2024-01", "2999-12")]
)
def test_huge_month_ranges(hostile: TestClient, start: str, end: str) -> None:
    metrics = hostile.get(f"{API}/metrics", params={"force": "all", "from": start, "to": end})
    assert metrics.status_code == 200 and metrics.json()["searches"] > 0
    searches = hostile.get(f"{API}/searches", params={"from": start, "to": end, "limit": "1000"})
    assert searches.status_code == 200 and searches.json()["records"]
    assert hostile.get(f"{API}/searches.csv", params={"from": start, "to": end}).status_code == 200


@pytest.mark.parametrize("month", ["0000-01", "0999-12", "3000-01", "2024-00", "2024-1", "2024-011", "２０２４-01"])
def test_months_outside_the_calendar(hostile: TestClient, month: str) -> None:
    r = hostile.get(f"{API}/metrics", params={"force": "kent", "from": month})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "from"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../pyproject.toml",
        "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "/static/..%2f..%2f..%2fpyproject.toml",
        "/static/vendor/../../app.py",
        "/static/%2e%2e/app.py",
        "/static//etc/passwd",
        f"{API}/searches.csv/../../../../etc/passwd",
        f"{API}/searches.csv%00.txt",
        f"{API}/searches..csv",
        f"{API}/..%2f..%2fetc%2fpasswd",
    ],
)
def test_path_traversal_finds_nothing(hostile: TestClient, path: str) -> None:
    r = hostile.get(path)
    assert r.status_code in (404, 405), (path, r.status_code)
    assert b"[project]" not in r.content and b"root:" not in r.content and b"create_app" not in r.content


def test_many_distinct_questions_keep_the_cache_bounded(hostile: TestClient) -> None:
    for n in range(1, 90):
        assert hostile.get(f"{API}/searches", params={"limit": str(n)}).status_code == 200
    cache = hostile.app.state.cache  # type: ignore[attr-defined]
    assert len(cache) <= 64


def test_other_methods_are_refused(hostile: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = hostile.request(method, f"{API}/metrics", params={"force": "kent"})
        assert r.status_code == 405 and r.json()["detail"][0]["type"] == "http"
