"""The JSON API against the warehouse and metrics/: same figures, every record once, counts that add up."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, get_args

import duckdb
import httpx
import pyarrow.parquet as pq
import pytest

from scrutiny.metrics import Scope, compute_metrics
from scrutiny.metrics.categories import GROUPS, OUTCOME_CLASSES
from scrutiny.metrics.lens import OBJECT_GROUPS
from scrutiny.web import get_settings, schemas
from scrutiny.web.app import create_app, use_settings
from tests.loopback import TLS
from tests.web.conftest import LiveServer, TestClient, make_client, write_march

API = "/api/v1"
SCOPES = [
    {"force": "kent", "from": "2024-01", "to": "2024-01"},
    {"force": "kent", "from": "2024-01", "to": "2024-02"},
    {"force": "kent", "from": "2024-01", "to": "2024-02", "ethnicity": "officer"},
    {"force": "kent", "area": "Maidstone", "from": "2024-01", "to": "2024-02"},
    {"force": "kent", "area": "e07000110", "from": "2024-02", "to": "2024-02"},
    {"force": "btp", "from": "2024-01", "to": "2024-01"},
    {"force": "all", "from": "2024-01", "to": "2024-02"},
]


def scope_of(params: dict[str, str]) -> Scope:
    return Scope(params["force"], params.get("area"), params["from"], params["to"],
                 params.get("ethnicity", "self"))  # type: ignore[arg-type]


def keys_in(db: Path, where: str = "true") -> list[tuple[int, int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(f"SELECT source_id, source_row FROM stop_search WHERE {where} ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    return [(int(a), int(b)) for a, b in rows]


def all_pages(client: TestClient | httpx.Client, params: dict[str, Any]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10_000):
        r = client.get(f"{API}/searches", params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["records"]) <= page["limit"]
        records += page["records"]
        cursor = page["next_cursor"]
        if cursor is None:
            return records
        assert len(page["records"]) == page["limit"]
    raise AssertionError("pagination did not end")


# ---- metrics --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", SCOPES, ids=lambda p: "-".join(p.values()))
def test_metrics_equals_compute_metrics_exactly(client: TestClient, web_db: Path, params: dict[str, str]) -> None:
    r = client.get(f"{API}/metrics", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json() == compute_metrics(web_db, scope_of(params))
    schemas.MetricsDocument.model_validate(r.json())  # the OpenAPI spec describes it, key for key


def test_metrics_keeps_the_hand_counted_figures(client: TestClient) -> None:
    doc = client.get(f"{API}/metrics", params={"force": "kent", "from": "2024-01", "to": "2024-01"}).json()
    assert doc["searches"] == 42 and doc["person_searches"] == 40
    assert doc["data_quality"] == {"no_location": 2, "outside_boundaries": 15, "no_age": 3, "rejected_rows": 1}
    assert doc["scope"] == {"force": "kent", "forces": ["kent"], "area": None, "area_name": None, "from": "2024-01",
                            "to": "2024-01", "ethnicity": "self", "purpose": None, "power": None,
                            "purpose_name": None, "power_name": None}


def test_metrics_period_defaults_to_what_is_loaded(client: TestClient, web_db: Path) -> None:
    doc = client.get(f"{API}/metrics", params={"force": "kent"}).json()
    assert (doc["scope"]["from"], doc["scope"]["to"]) == ("2024-01", "2024-02")
    assert doc == compute_metrics(web_db, Scope("kent", None, "2024-01", "2024-02"))
    assert client.get(f"{API}/metrics", params={"force": "kent", "to": "2024-01"}).json()["searches"] == 42


def test_repeated_question_is_answered_from_the_cache_with_an_etag(web_db: Path) -> None:
    client = make_client(web_db)
    params = {"force": "kent", "from": "2024-01", "to": "2024-02"}
    first = client.get(f"{API}/metrics", params=params)
    second = client.get(f"{API}/metrics", params=params)
    assert first.headers["x-scrutiny-cache"] == "miss" and second.headers["x-scrutiny-cache"] == "hit"
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    again = client.get(f"{API}/metrics", params=params, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = client.get(f"{API}/metrics", params={**params, "ethnicity": "officer"})
    assert other.headers["x-scrutiny-cache"] == "miss" and other.headers["etag"] != first.headers["etag"]


# ---- parameters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "loc", "words"),
    [
        ("metrics", {"force": "kent", "from": "2024-13"}, "from", "pattern"),
        ("metrics", {"force": "kent", "to": "24-01"}, "to", "pattern"),
        ("metrics", {"force": "kent", "from": "2024-02", "to": "2024-01"}, "from", "after"),
        ("metrics", {"force": "gotham"}, "force", "unknown force 'gotham'"),
        ("metrics", {}, "force", "required"),
        ("metrics", {"force": "kent", "ethnicity": "both"}, "ethnicity", "self"),
        ("searches", {"limit": "0"}, "limit", "greater than or equal to 1"),
        ("searches", {"limit": "1001"}, "limit", "less than or equal to 1000"),
        ("searches", {"limit": "ten"}, "limit", "integer"),
        ("searches", {"cursor": "bm90LWEtY3Vyc29y"}, "cursor", "not a cursor"),
        ("searches", {"group": "Purple"}, "group", "Asian"),
        ("searches", {"object_group": "bananas"}, "object_group", "drugs"),
        ("searches", {"outcome_class": "acquitted"}, "outcome_class", "arrest"),
        ("searches.csv", {"from": "2024-1"}, "from", "pattern"),
        ("searches.parquet", {"force": "kent; DROP"}, "force", "unknown force"),
        ("areas", {"force": "narnia"}, "force", "unknown force"),
        ("months", {"force": "narnia"}, "force", "unknown force"),
    ],
)
def test_bad_parameter_is_a_422_naming_it(client: TestClient, path: str, params: dict[str, str], loc: str,
                                          words: str) -> None:
    r = client.get(f"{API}/{path}", params=params)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert [d["loc"] for d in detail] == [["query", loc]]
    assert words in detail[0]["msg"] and set(detail[0]) == {"loc", "msg", "type"}


@pytest.mark.parametrize(
    ("path", "params", "loc", "words"),
    [
        ("metrics", {"force": "kent", "area": "Narnia"}, ["query", "area"], "unknown area 'Narnia'"),
        ("metrics", {"force": "kent", "from": "2023-01", "to": "2023-12"}, ["query"],
         "no searches for kent from 2023-01 to 2023-12; months loaded for kent: 2024-01, 2024-02"),
        ("metrics", {"force": "surrey"}, ["query", "force"], "no searches loaded for surrey"),
        ("searches", {"area": "Narnia"}, ["query", "area"], "unknown area 'Narnia'"),
        ("searches.csv", {"area": "Narnia"}, ["query", "area"], "unknown area 'Narnia'"),
    ],
)
def test_nothing_there_is_a_404_with_the_message_from_metrics(
    client: TestClient, path: str, params: dict[str, str], loc: list[str], words: str
) -> None:
    r = client.get(f"{API}/{path}", params=params)
    assert r.status_code == 404, r.text
    assert r.json()["detail"][0]["loc"] == loc and words in r.json()["detail"][0]["msg"]


def test_literal_parameter_types_match_the_catalogue() -> None:
    assert set(get_args(schemas.GroupName)) == {*GROUPS, "unknown"}
    assert get_args(schemas.ObjectGroupName) == OBJECT_GROUPS
    assert get_args(schemas.OutcomeClassName) == OUTCOME_CLASSES


# ---- what is loaded --------------------------------------------------------------------------------------


def test_forces_months_and_areas(client: TestClient) -> None:
    forces = {f["id"]: f for f in client.get(f"{API}/forces").json()}
    kent = forces["kent"]
    figures = kent.pop("figures")  # the latest 12 months, from the first loaded (2024-01..2024-02): test_api_lens
    assert (figures["from"], figures["to"], figures["searches"], figures["months_covered"]) == ("2024-01", "2024-02",
                                                                                               54, 2)
    assert kent == {"id": "kent", "name": "Kent Police", "pfa_code": "E23000032", "months": 2,
                    "first_month": "2024-01", "last_month": "2024-02", "rows": 54, "rejected": 1,
                    "sources": ["archive"], "synthetic": False}
    assert forces["btp"]["rows"] == 12 and forces["surrey"]["months"] == 0 and len(forces) == 45
    months = client.get(f"{API}/months").json()
    assert [(m["force"], m["month"], m["rows"], m["rejected"], m["source"]) for m in months] == [
        ("btp", "2024-01", 12, 0, "archive"), ("kent", "2024-01", 42, 1, "archive"),
        ("kent", "2024-02", 12, 0, "archive"),
    ]
    assert months[1]["file"] == "2024-01-kent-stop-and-search.csv"  # a name, never the server's path
    assert [m["month"] for m in client.get(f"{API}/months", params={"force": "btp"}).json()] == ["2024-01"]
    assert client.get(f"{API}/areas", params={"force": "kent"}).json() == [
        {"area_code": "E07000110", "area_name": "Maidstone", "searches": 29, "boundary": True}]
    assert client.get(f"{API}/areas", params={"force": "btp"}).json() == []
    assert [a["area_code"] for a in client.get(f"{API}/areas").json()] == ["E07000110"]


# ---- records ---------------------------------------------------------------------------------------------


FILTERS = [
    {},
    {"force": "kent"},
    {"force": "all", "from": "2024-02"},
    {"force": "kent", "area": "Maidstone"},
    {"group": "Black"},
    {"group": "Black", "ethnicity": "officer"},
    {"object_group": "key_crime", "to": "2024-01"},
    {"outcome_class": "arrest", "force": "btp"},
    {"force": "kent", "group": "unknown", "object_group": "drugs", "outcome_class": "no_further_action"},
]


def matches(record: dict[str, Any], params: dict[str, str]) -> bool:
    group_column = "officer_defined_group" if params.get("ethnicity") == "officer" else "self_defined_group"
    area = {"Maidstone": "E07000110"}.get(params.get("area", ""))
    return (params.get("force", "all") in ("all", record["force"])
            and ("area" not in params or record["area_code"] == area)
            and record["month"][:7] >= params.get("from", "0000-00") and record["month"][:7] <= params.get("to", "9")
            and params.get("group", record[group_column]) == record[group_column]
            and params.get("object_group", record["object_group"]) == record["object_group"]
            and params.get("outcome_class", record["outcome_class"]) == record["outcome_class"])


@pytest.fixture(scope="module")
def every_record(client: TestClient, web_db: Path) -> list[dict[str, Any]]:
    records = all_pages(client, {"limit": "1000"})
    assert [(r["source_id"], r["source_row"]) for r in records] == keys_in(web_db)
    return records


@pytest.mark.parametrize("limit", [2, 7, 1000])
@pytest.mark.parametrize("params", FILTERS, ids=lambda p: "-".join(p.values()) or "none")
def test_pagination_visits_every_record_exactly_once(client: TestClient, every_record: list[dict[str, Any]],
                                                     params: dict[str, str], limit: int) -> None:
    records = all_pages(client, {**params, "limit": str(limit)})
    keys = [(r["source_id"], r["source_row"]) for r in records]
    assert len(keys) == len(set(keys)) and keys == sorted(keys)
    assert records == [r for r in every_record if matches(r, params)]
    assert records, "each filter selects something"


def test_records_have_the_canonical_columns(every_record: list[dict[str, Any]]) -> None:
    assert len(every_record) == 42 + 12 + 12
    first = every_record[0]
    assert first["occurred_at"].endswith("Z") and len(first["month"]) == 10
    for record in every_record:
        schemas.SearchRecord.model_validate(record)


def test_a_cursor_outlives_an_ingest(fresh_db: Path, tmp_path: Path) -> None:
    client = make_client(fresh_db)
    first = client.get(f"{API}/searches", params={"force": "kent", "limit": "40"}).json()
    write_march(tmp_path / "march")
    subprocess.run([sys.executable, "-m", "scrutiny", "ingest", str(tmp_path / "march"), "--db", str(fresh_db)],
                   check=True, capture_output=True)
    rest = all_pages(client, {"force": "kent", "limit": "40", "cursor": first["next_cursor"]})
    keys = [(r["source_id"], r["source_row"]) for r in first["records"] + rest]
    assert keys == keys_in(fresh_db, "force = 'kent'") and len(keys) == 54 + 9


# ---- downloads -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: "-".join(p.values()) or "none")
def test_downloads_hold_exactly_the_selection(client: TestClient, every_record: list[dict[str, Any]],
                                              params: dict[str, str]) -> None:
    expected = [r for r in every_record if matches(r, params)]
    csv_response = client.get(f"{API}/searches.csv", params=params)
    assert csv_response.status_code == 200 and csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert len(rows) == len(expected)
    assert [(int(r["source_id"]), int(r["source_row"])) for r in rows] == [
        (r["source_id"], r["source_row"]) for r in expected]
    assert list(rows[0]) == list(expected[0])
    parquet = client.get(f"{API}/searches.parquet", params=params)
    assert parquet.status_code == 200
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.num_rows == len(expected) and table.column_names == list(expected[0])
    assert table.column("source_row").to_pylist() == [r["source_row"] for r in expected]


def test_download_name_comes_from_checked_parameters(client: TestClient) -> None:
    r = client.get(f"{API}/searches.csv", params={"force": "kent", "area": "maidstone", "from": "2024-01",
                                                   "group": "Black", "object_group": "drugs"})
    assert r.headers["content-disposition"] == (
        'attachment; filename="scrutiny-searches_kent_E07000110_2024-01_Black_drugs_self.csv"')
    assert int(r.headers["content-length"]) == len(r.content)
    everything = client.get(f"{API}/searches.parquet")
    assert everything.headers["content-disposition"] == 'attachment; filename="scrutiny-searches_all.parquet"'


def test_downloads_leave_no_temporary_files(web_db: Path, tmp_path: Path) -> None:
    client = make_client(web_db, tmp_dir=tmp_path)
    for kind in ("csv", "parquet"):
        assert client.get(f"{API}/searches.{kind}").status_code == 200
    assert list(tmp_path.iterdir()) == []


# ---- the warehouse changing and missing ------------------------------------------------------------------


def ingest_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrutiny", "ingest", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


def test_ingest_while_the_server_runs_and_the_next_answer_shows_it(fresh_db: Path, tmp_path: Path) -> None:
    params = {"force": "kent", "from": "2024-01", "to": "2024-03"}
    with LiveServer(create_app(get_settings(fresh_db))) as server, \
            httpx.Client(base_url=server.url, verify=TLS) as http:
        before = http.get(f"{API}/metrics", params=params)
        march = {"month": "2024-03", "searches": None, "drugs_share": None, "find_rate": None, "covered": False,
                 "forces": 0}
        assert before.json()["searches"] == 54 and before.json()["monthly"][-1] == march  # missing, not zero
        assert http.get(f"{API}/metrics", params=params).headers["x-scrutiny-cache"] == "hit"
        months = http.get(f"{API}/months", params={"force": "kent"}).json()
        write_march(tmp_path / "march")
        done = ingest_process(tmp_path / "march", "--db", fresh_db)  # another process, while the server is up
        assert done.returncode == 0, done.stdout + done.stderr
        after = http.get(f"{API}/metrics", params=params)
        assert after.headers["x-scrutiny-cache"] == "miss"
        assert after.json()["searches"] == 54 + 9 and after.json()["monthly"][-1]["searches"] == 9
        assert after.json() == compute_metrics(fresh_db, scope_of(params))
        assert len(http.get(f"{API}/months", params={"force": "kent"}).json()) == len(months) + 1
        assert http.get(f"{API}/metrics", params=params).headers["x-scrutiny-cache"] == "hit"


def test_ingest_succeeds_while_the_server_is_busy(fresh_db: Path, tmp_path: Path) -> None:
    statuses: list[int] = []
    stop = threading.Event()
    with LiveServer(create_app(get_settings(fresh_db))) as server:

        def hammer() -> None:
            with httpx.Client(base_url=server.url, timeout=30, verify=TLS) as http:
                n = 0
                while not stop.is_set():
                    n += 1  # a different page size each time: every request opens the warehouse
                    statuses.append(http.get(f"{API}/searches", params={"limit": str(n % 1000 + 1)}).status_code)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        write_march(tmp_path / "march")
        done = ingest_process(tmp_path / "march", "--db", fresh_db)
        time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr
        assert len(keys_in(fresh_db)) == 66 + 9
        with httpx.Client(base_url=server.url, verify=TLS) as http:
            assert http.get(f"{API}/metrics", params={"force": "kent", "to": "2024-03"}).json()["searches"] == 63
    assert len(statuses) > 20 and set(statuses) <= {200, 503}, sorted(set(statuses))


def test_an_ingest_holding_the_warehouse_gives_503_or_the_last_answer(fresh_db: Path) -> None:
    client = make_client(fresh_db, lock_wait=0.3)
    params = {"force": "kent", "from": "2024-01", "to": "2024-01"}
    answer = client.get(f"{API}/metrics", params=params).json()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "c.execute('CREATE TABLE held (x INT)'); print('held', flush=True); time.sleep(60)", str(fresh_db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = client.get(f"{API}/metrics", params={**params, "ethnicity": "officer"})
        assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
        assert "in use by another process" in busy.json()["detail"][0]["msg"]
        stale = client.get(f"{API}/metrics", params=params)
        assert stale.status_code == 200 and stale.json() == answer
        assert stale.headers["x-scrutiny-cache"] == "stale"
    finally:
        holder.kill()
        holder.wait()


def test_a_short_hold_on_the_warehouse_is_waited_out(fresh_db: Path) -> None:
    client = make_client(fresh_db, lock_wait=10)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(0.8); c.close()", str(fresh_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        began = time.monotonic()
        r = client.get(f"{API}/metrics", params={"force": "kent"})
        assert r.status_code == 200 and r.json()["searches"] == 54
        assert time.monotonic() - began > 0.3  # it did wait for the lock
    finally:
        holder.wait(timeout=30)


def test_no_warehouse_is_a_503_saying_how_to_load_one(tmp_path: Path) -> None:
    client = make_client(tmp_path / "missing.duckdb")
    for path in ("metrics?force=kent", "forces", "months", "areas", "searches", "searches.csv"):
        r = client.get(f"{API}/{path}")
        assert r.status_code == 503 and "scrutiny ingest" in r.json()["detail"][0]["msg"], path
    assert not (tmp_path / "missing.duckdb").exists()


# ---- docs, spec, static, the command ---------------------------------------------------------------------


def test_openapi_describes_the_metrics_document(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    assert set(spec["paths"]) == {f"{API}/{p}" for p in (
        "metrics", "crime", "use-of-force", "hotspots", "change", "bias", "forces", "coverage", "areas", "months",
        "revisions", "searches",
        "searches.csv", "searches.parquet", "bias/jobs/{job_id}",  # a threshold fit's job (tests/web/test_fit_queue.py)
        # the workspace's public reads and writes (tests/workspace)
        "panels", "panels/{panel_id}", "recommendations", "recommendations/{recommendation_id}", "governance",
        "review/results", "disposals", "disposal-policies", "diversion/kpis", "strategy/{priority_id}",
        "community-reports", "community-reports/summary")}
    document = spec["components"]["schemas"]["MetricsDocument"]
    assert {"scope", "searches", "person_searches", "object_groups", "targets", "outcomes", "age", "children",
            "strip_searches", "child_strip_searches", "disproportionality", "age_specific",
            "unknown_ethnicity_share", "areas", "data_quality"} <= set(document["required"])
    metrics = spec["paths"][f"{API}/metrics"]["get"]
    assert {p["name"] for p in metrics["parameters"]} == {"force", "area", "from", "to", "ethnicity", "purpose",
                                                          "power"}
    assert set(metrics["responses"]) == {"200", "404", "422", "503"}


def test_docs_page_loads_only_local_files(client: TestClient) -> None:
    html = client.get(f"{API}/docs").text
    import re

    urls = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert urls and all(u.startswith("/static/vendor/swagger-ui/") for u in urls[:-1]), urls
    assert urls[-1] == "/static/js/api-docs.js"  # starts Swagger UI: no inline script (security_headers' CSP)
    assert "//" not in "".join(urls) and "https:" not in html and "http:" not in html
    settings = json.loads(html.split('id="swagger-settings">')[1].split("</script>")[0])
    assert settings["validatorUrl"] is None and settings["url"] == f"{API}/openapi.json"
    assert len(re.findall(r"<script[ >]", html)) == 3 and "<script>" not in html  # the data block and two files
    for url in urls:
        assert client.get(url).status_code == 200, url
    vendor = Path(__file__).resolve().parents[2] / "src/scrutiny/web/static/vendor/swagger-ui"
    assert (vendor / "LICENSE").is_file() and "swagger-ui-dist@" in (vendor / "VERSION").read_text()


def _serve(db: Path) -> tuple[subprocess.Popen[str], int]:
    """`scrutiny serve` on a free port; tried again on another if that one was taken in the meantime."""
    import socket

    code = ("import typer; from scrutiny.cli.serve import register; app = typer.Typer(); "
            "app.callback()(lambda: None); register(app); app()")
    output = ""
    for _ in range(3):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-c", code, "serve", "--db", str(db), "--port", str(port)],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while server.poll() is None and time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5, verify=TLS)
                return server, port
            except httpx.TransportError:
                time.sleep(0.1)
        server.kill()
        output = server.communicate()[0]
    raise AssertionError(f"scrutiny serve did not start:\n{output}")


def test_serve_command_runs_uvicorn_on_loopback(web_db: Path) -> None:
    server, port = _serve(web_db)
    try:
        r = httpx.get(f"http://127.0.0.1:{port}{API}/forces", timeout=30, verify=TLS)
        assert r.status_code == 200 and json.loads(r.content)[0]["id"] == "avon-and-somerset"
        assert "server" not in r.headers
    finally:
        server.terminate()
        server.wait(timeout=15)


# ---- the cache itself ------------------------------------------------------------------------------------


def test_cache_is_bounded_by_entries_and_bytes() -> None:
    from scrutiny.web.cache import ResponseCache

    cache = ResponseCache(max_entries=3, max_bytes=800)
    for i in range(10):
        cache.get_sync(i, (1,), lambda: b"x" * 90)
    assert len(cache) == 3 and cache.lookup(9, (1,)) is not None and cache.lookup(0, (1,)) is None
    for i in range(3):
        cache.get_sync(("big", i), (1,), lambda: b"x" * 100)
    assert len(cache) == 3
    cache.get_sync("huge", (1,), lambda: b"x" * 500)  # over an eighth of the budget: answered, not kept
    assert cache.lookup("huge", (1,)) is None
    assert cache.lookup(("big", 2), (2,)) is None  # another warehouse version: a miss


def test_cache_computes_a_question_once_however_many_ask_at_once() -> None:
    from scrutiny.web.cache import ResponseCache

    cache = ResponseCache(max_entries=10, max_bytes=10_000)
    calls: list[int] = []

    def slow() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"answer"

    states: list[str] = []
    threads = [threading.Thread(target=lambda: states.append(cache.get_sync("q", (1,), slow)[1])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and sorted(states) == ["hit"] * 7 + ["miss"]


def test_cache_version_follows_the_warehouse_file(fresh_db: Path, tmp_path: Path) -> None:
    from scrutiny.warehouse.version import warehouse_version

    before = warehouse_version(fresh_db)
    client = make_client(fresh_db)
    client.get(f"{API}/metrics", params={"force": "kent"})
    assert warehouse_version(fresh_db) == before  # reading does not touch the file
    write_march(tmp_path / "march")
    assert ingest_process(tmp_path / "march", "--db", fresh_db).returncode == 0
    assert warehouse_version(fresh_db) != before
    assert warehouse_version(tmp_path / "none.duckdb") is None


def test_405_lists_every_method_of_the_path_and_undecodable_json_is_a_422(client: TestClient) -> None:
    """GET and POST of /recommendations are separate routes: Allow must name both (Starlette names one)."""
    assert client.options(f"{API}/recommendations").headers["allow"] == "GET, POST"
    assert client.delete(f"{API}/recommendations/7").headers["allow"] == "GET, PATCH"
    assert client.delete(f"{API}/metrics").headers["allow"] == "GET"
    response = client.post(f"{API}/recommendations", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][0] == "body"


def test_new_settings_give_an_app_a_state_of_its_own(web_db: Path, tmp_path: Path) -> None:
    """`use_settings` (how the workspace tests reuse one app): the new warehouse answers, nothing a request or
    an earlier test left in the state survives, and the static files are still served."""
    app = create_app(get_settings(tmp_path / "missing.duckdb"))
    client = TestClient(app)
    assert client.get(f"{API}/forces").status_code == 503
    app.state.login_throttle = "left by an earlier test"
    assets = app.state.static_assets
    assert use_settings(app, get_settings(web_db, cache_entries=7)) is app
    forces = client.get(f"{API}/forces")
    assert forces.status_code == 200 and {f["id"] for f in forces.json()} >= {"kent"}
    assert not hasattr(app.state, "login_throttle") and app.state.settings.cache_entries == 7
    assert app.state.static_assets is assets
    asset = re.search(r'"(/static/[^"]+)"', client.get("/").text)
    assert asset and client.get(asset.group(1)).status_code == 200
