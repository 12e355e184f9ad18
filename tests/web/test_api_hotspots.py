"""GET /api/v1/hotspots on the small Kent warehouse (tests/web/conftest.py): the document `scrutiny hotspots`
computes, an area required, withheld cells without their counts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scrutiny.metrics.hotspots import compute_hotspots
from scrutiny.metrics.scope import Scope
from tests.web.conftest import make_client

MAIDSTONE = {"force": "kent", "area": "Maidstone", "from": "2024-01", "to": "2024-02"}


@pytest.fixture(scope="module")
def api(web_db: Path) -> Iterator[TestClient]:
    with make_client(web_db) as client:
        yield client


def test_the_api_serves_the_cli_document(api: TestClient, web_db: Path) -> None:
    answer = api.get("/api/v1/hotspots", params=MAIDSTONE)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == compute_hotspots(web_db, Scope("kent", "Maidstone", "2024-01", "2024-02"))
    assert body["searches"] > 0 and body["scope"]["area"] == "E07000110"
    assert all((c["searches"] is None) == c["suppressed"] for c in body["grid"])
    assert all(c["searches"] is None or c["searches"] >= 5 for c in body["grid"])


def test_without_an_area_it_says_one_is_needed(api: TestClient) -> None:
    answer = api.get("/api/v1/hotspots", params={"force": "kent", "from": "2024-01", "to": "2024-02"})
    assert answer.status_code == 422
    assert "give --area" in answer.text or "within one area" in answer.text
