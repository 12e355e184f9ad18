"""GET /api/v1/crime and the `crime` key of /api/v1/metrics on the hand-made fixture (tests/crime_fixture.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scrutiny.metrics.crime import CrimeScope, compute_crime
from scrutiny.warehouse.ingest import ingest_paths
from tests.crime_fixture import write_fixture
from tests.web.conftest import make_client

CENSUS = Path(__file__).parents[1] / "fixtures" / "census" / "ts022_small.csv"


@pytest.fixture(scope="module")
def crime_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crime_api")
    write_fixture(folder)
    db = folder / "w.duckdb"
    ingest_paths([folder, CENSUS], db)
    return db


@pytest.fixture(scope="module")
def api(crime_db: Path) -> Iterator[TestClient]:
    with make_client(crime_db) as client:
        yield client


def test_the_api_serves_the_cli_document(api: TestClient, crime_db: Path) -> None:
    answer = api.get("/api/v1/crime", params={"force": "metropolitan", "from": "2024-01", "to": "2024-03"})
    assert answer.status_code == 200
    assert answer.json() == compute_crime(crime_db, CrimeScope("metropolitan", "2024-01", "2024-03"))
    assert answer.json()["outcomes"]["charged"]["n"] == 1


def test_the_month_range_defaults_to_what_is_loaded(api: TestClient) -> None:
    body = api.get("/api/v1/crime", params={"force": "metropolitan", "area": "Lambeth", "type": "drugs"}).json()
    assert (body["scope"]["from"], body["scope"]["to"], body["scope"]["area"]) == ("2024-01", "2024-03", "E09000022")
    assert body["recorded"]["crimes"] == 1


@pytest.mark.parametrize(("params", "status", "words"), [
    ({"force": "metropolitan", "type": "Drug"}, 422, "unknown crime type 'Drug'"),
    ({"force": "metropolitan", "area": "Camden"}, 404, "unknown area 'Camden'"),
    ({"force": "kent"}, 404, "no street crime loaded for kent"),
    ({"force": "metropolitan", "from": "2024-13"}, 422, "from"),
    ({"force": "<script>"}, 422, "force"),
])
def test_mistakes_are_clear_json_errors(api: TestClient, params: dict[str, str], status: int, words: str) -> None:
    answer = api.get("/api/v1/crime", params=params)
    assert answer.status_code == status
    assert words in answer.text and "Traceback" not in answer.text


def test_the_metrics_document_carries_the_crime_figures(api: TestClient, crime_db: Path) -> None:
    body = api.get("/api/v1/metrics", params={"force": "metropolitan", "from": "2024-01", "to": "2024-01"}).json()
    assert body["crime"] == compute_crime(crime_db, CrimeScope("metropolitan", "2024-01", "2024-01"))
