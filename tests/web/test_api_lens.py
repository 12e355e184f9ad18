"""The lens, several forces, coverage, change and the forces table through the API, on the small warehouse of
tests/web/conftest.py (Kent 2024-01 and 2024-02, BTP 2024-01; only Kent has residents).

Each answer must be exactly what the metrics layer gives for the same question, and the counts named here are
counted by hand from the fixture rows (tests/metrics/test_fixture_metrics.py and tests/web/conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scrutiny.metrics import Scope, compute_metrics
from scrutiny.metrics.change import change_between
from scrutiny.metrics.coverage import coverage_table
from scrutiny.metrics.document import compute_metrics_with
from scrutiny.web import schemas
from tests.web.conftest import TestClient

API = "/api/v1"


def get(client: TestClient, path: str, **params: str) -> Any:
    r = client.get(f"{API}/{path}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(("params", "drug_person_searches"), [
    ({"force": "kent", "from": "2024-01", "to": "2024-01", "purpose": "drugs"}, 24),  # 20 Black + 4 Asian (s23)
    ({"force": "kent", "from": "2024-01", "to": "2024-02", "purpose": "drugs"}, 28),  # + 4 Black in February
    ({"force": "kent", "from": "2024-01", "to": "2024-02", "power": "s23"}, 28),  # the same rows, by power
    ({"force": "btp,kent", "from": "2024-01", "to": "2024-01", "purpose": "drugs"}, 29),  # + 5 BTP Black
])
def test_lensed_metrics_equal_the_metrics_layer(client: TestClient, web_db: Path, params: dict[str, str],
                                                drug_person_searches: int) -> None:
    doc = get(client, "metrics", **params)
    assert doc["person_searches"] == drug_person_searches
    scope = Scope(params["force"], None, params["from"], params["to"], "self", None, params.get("purpose"),
                  params.get("power"))
    assert doc == compute_metrics(web_db, scope)
    schemas.MetricsDocument.model_validate(doc)


def test_btp_adds_searches_but_not_rates(client: TestClient) -> None:
    doc = get(client, "metrics", force="kent,btp", **{"from": "2024-01", "to": "2024-01"})
    assert doc["scope"]["force"] == "btp,kent" and doc["scope"]["forces"] == ["btp", "kent"]
    assert doc["searches"] == 42 + 12
    black = next(r for r in doc["disproportionality"] if r["group"] == "Black")
    assert black["searches"] == 20 and black["population"] == 400  # Kent's 20; BTP's 5 left out of rates
    assert any("British Transport Police: 12 searches are counted" in n for n in doc["notes"])


@pytest.mark.parametrize(("params", "name"), [
    ({"purpose": "cannabis"}, "purpose"), ({"power": "s99"}, "power"), ({"force": "kent,gotham"}, "force"),
    ({"force": "all,kent"}, "force"),
])
def test_bad_lens_or_forces_is_a_422_naming_the_parameter(client: TestClient, params: dict[str, str],
                                                            name: str) -> None:
    r = client.get(f"{API}/metrics", params={"force": "kent", **params})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", name]


def test_a_lens_with_no_searches_is_zeros_not_an_error(client: TestClient) -> None:
    doc = get(client, "metrics", force="kent", power="s139b", **{"from": "2024-01", "to": "2024-02"})
    assert doc["searches"] == 0 and doc["outcomes"]["find_rate"] is None
    assert all(r["suppressed"] for r in doc["disproportionality"])


def test_coverage(client: TestClient, web_db: Path) -> None:
    rows = get(client, "coverage")
    assert rows == compute_metrics_with(web_db, lambda b: coverage_table(b))
    kent = next(r for r in rows if r["force"] == "kent")
    assert (kent["first"], kent["last"], kent["loaded"], kent["missing"]) == ("2024-01", "2024-02", 2, [])
    # February's 12 searches against January's 42: not below a fifth, so not small
    assert [(m["month"], m["searches"], m["status"]) for m in kent["months"]] == [
        ("2024-01", 42, "loaded"), ("2024-02", 12, "loaded")]
    assert [r["force"] for r in get(client, "coverage", force="btp")] == ["btp"]
    assert client.get(f"{API}/coverage", params={"force": "gotham"}).status_code == 422


def test_change_equals_the_two_documents(client: TestClient, web_db: Path) -> None:
    doc = get(client, "change", force="kent", before_from="2024-01", before_to="2024-01",
              **{"from": "2024-02", "to": "2024-02"})
    expected = change_between(compute_metrics(web_db, Scope("kent", None, "2024-01", "2024-01")),
                              compute_metrics(web_db, Scope("kent", None, "2024-02", "2024-02")))
    assert doc == expected
    black = next(r for r in doc["change"] if r["group"] == "Black")
    # February has 4 Black and 6 White person searches: below 10, so no test of change
    assert (black["suppressed"], black["ratio_of_ratios"], black["changed"]) == (True, None, None)
    schemas.ChangeDocument.model_validate(doc)
    bad = client.get(f"{API}/change", params={"force": "kent", "before_from": "2024-13", "before_to": "2024-01"})
    assert bad.status_code == 422


def test_forces_table_equals_each_force_document(client: TestClient, web_db: Path) -> None:
    rows = {f["id"]: f for f in get(client, "forces", purpose="drugs", **{"from": "2024-01", "to": "2024-02"})}
    kent = rows["kent"]["figures"]
    doc = compute_metrics(web_db, Scope("kent", None, "2024-01", "2024-02", "self", None, "drugs"))
    black = next(r for r in doc["disproportionality"] if r["group"] == "Black")
    white = next(r for r in doc["disproportionality"] if r["group"] == "White")
    assert kent["searches"] == doc["searches"] == 30  # 26 in January (2 vehicle) + 4 in February
    assert (kent["black_white"]["black"], kent["black_white"]["white"]) == (black["searches"], white["searches"])
    assert kent["black_white"]["ratio"] == black["ratio_vs_white"]
    assert kent["find_rate"] == doc["outcomes"]["find_rate"]
    assert kent["months_covered"] == 2 and kent["population"] == 3300  # Maidstone and Sevenoaks, 1,650 each
    assert rows["btp"]["figures"]["population"] is None and rows["btp"]["figures"]["months_covered"] == 1
    assert rows["essex"]["figures"] is None
    for force in rows.values():
        schemas.ForceInfo.model_validate(force)


@pytest.mark.parametrize("params", [{"power": "s23"}, {"purpose": "weapons"}, {"object_group": "weapons"}])
def test_records_and_downloads_take_the_lens(client: TestClient, params: dict[str, str]) -> None:
    records = get(client, "searches", force="kent", limit="1000", **params)["records"]
    assert records
    for r in records:
        assert r["power"] == params.get("power", r["power"])
        assert r["object_group"] == params.get("purpose", params.get("object_group", r["object_group"]))
    csv = client.get(f"{API}/searches.csv", params={"force": "kent", **params})
    assert csv.status_code == 200 and csv.text.count("\n") == len(records) + 1
    clash = client.get(f"{API}/searches", params={"purpose": "drugs", "object_group": "weapons"})
    assert clash.status_code == 422 and clash.json()["detail"][0]["loc"] == ["query", "object_group"]


def test_bias_takes_the_lens(client: TestClient) -> None:
    doc = get(client, "bias", force="kent", purpose="drugs", **{"from": "2024-01", "to": "2024-01"})
    assert doc["scope"]["purpose"] == "drugs"
    assert doc["outcome_test"]["person_searches"] == 24
