"""GET /api/v1/use-of-force and the `use_of_force` key of /api/v1/metrics on the hand-made releases of
tests/use_of_force_fixture.py: the CLI's document, and a clear JSON error for each mistake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scrutiny.metrics.use_of_force import compute_use_of_force
from scrutiny.web.schemas_use_of_force import UseOfForceDocument
from tests.use_of_force_fixture import build
from tests.web.conftest import make_client

API = "/api/v1/use-of-force"


@pytest.fixture(scope="module")
def uof_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("uof-api"))


@pytest.fixture(scope="module")
def api(uof_db: Path) -> Iterator[TestClient]:
    with make_client(uof_db) as client:
        yield client


def test_the_api_serves_the_cli_document(api: TestClient, uof_db: Path) -> None:
    answer = api.get(API, params={"force": "kent", "year": "2019/20"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == json.loads(json.dumps(compute_use_of_force(uof_db, "kent", "2019/20")))
    UseOfForceDocument.model_validate(body)
    black = next(r for r in body["by_ethnicity"] if r["group"] == "Black")
    assert (body["tactic_uses"]["count"], black["tactic_uses"], black["ratio_vs_white"]) == (400, 120,
                                                                                            pytest.approx(3.0))
    national = api.get(API, params={"force": "all", "year": "2019/20"}).json()
    assert national["force_name"] == "England and Wales" and national["tactic_uses"]["count"] == 2000


@pytest.mark.parametrize(("params", "status", "words", "where"), [
    ({"force": "kent", "year": "2019-20"}, 422, "bad financial year '2019-20'", ["query", "year"]),
    ({"force": "kent", "year": "2019"}, 422, "years loaded: 2017/18, 2018/19, 2019/20", ["query", "year"]),
    ({"force": "kent", "year": "2016/17"}, 404, "no use-of-force figures for 2016/17; years loaded: 2017/18",
     ["query", "year"]),
    ({"force": "kentt", "year": "2019/20"}, 422, "unknown force 'kentt': did you mean kent", ["query", "force"]),
    ({"force": "kent,essex", "year": "2019/20"}, 422, "one force or `all`", ["query", "force"]),
    ({"force": "kent"}, 422, "year", ["query", "year"]),
])
def test_mistakes_are_clear_json_errors(api: TestClient, params: dict[str, str], status: int, words: str,
                                        where: list[str]) -> None:
    answer = api.get(API, params=params)
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert len(detail) == 1 and detail[0]["loc"] == where
    assert words in detail[0]["msg"] or words in answer.text
    assert "Traceback" not in answer.text


def test_nothing_loaded_is_404(tmp_path: Path) -> None:
    bare = build(tmp_path / "bare", use_of_force=False)
    with make_client(bare) as client:
        answer = client.get(API, params={"force": "kent", "year": "2019/20"})
    assert answer.status_code == 404
    assert "no use-of-force figures are loaded" in answer.json()["detail"][0]["msg"]


def test_the_metrics_document_carries_it_for_a_financial_year(api: TestClient, uof_db: Path) -> None:
    year = api.get("/api/v1/metrics", params={"force": "kent", "from": "2019-04", "to": "2020-03"}).json()
    assert year["use_of_force"] == api.get(API, params={"force": "kent", "year": "2019/20"}).json()
    month = api.get("/api/v1/metrics", params={"force": "kent", "from": "2019-04", "to": "2019-04"}).json()
    assert month["use_of_force"] is None


def test_the_spec_describes_the_endpoint(api: TestClient) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    operation = spec["paths"][API]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"force", "year"}
    assert set(operation["responses"]) == {"200", "404", "422", "503"}
    document = spec["components"]["schemas"]["UseOfForceDocument"]
    assert {"financial_year", "force", "incidents", "tactic_uses", "by_ethnicity", "taser", "national",
            "stop_search", "revisions", "lacks", "caveats"} <= set(document["required"])
