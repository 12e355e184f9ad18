"""GET /api/v1/disposals, /api/v1/disposal-policies and the public /disposals pages, on the hand-counted Durham
month of tests/metrics/test_disposals.py. Public data only: no login, nothing written, no personal fields."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from scrutiny.web import create_app, get_settings
from tests.conftest import write_archive
from tests.metrics.test_disposals import FIXTURE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SCOPE = {"force": "durham", "from": "2024-01", "to": "2024-01"}
PERSONAL = {"name", "full_name", "surname", "date_of_birth", "dob", "birth_date", "address", "postcode", "email"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from scrutiny.cli import app

    folder = tmp_path_factory.mktemp("disposals-web")
    write_archive(folder, "2024-01", "durham", FIXTURE)
    db = folder / "web.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    settings = get_settings(db, workspace_url=f"sqlite:///{folder / 'workspace.sqlite'}")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def keys(value: Any) -> set[str]:
    """Every key of a JSON document, at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def test_api_disposals_hand_counted(client: TestClient) -> None:
    response = client.get("/api/v1/disposals", params=SCOPE)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert (doc["searches"], doc["person_searches"]) == (27, 25)
    black = next(g for g in doc["by_group"] if g["group"] == "Black")
    assert black["searches"] == 8 and black["outcomes"]["arrest"]["count"] == 4
    assert black["outcomes"]["arrest"]["ci_low"] == pytest.approx(0.215213, abs=1e-6)
    officer = client.get("/api/v1/disposals", params={**SCOPE, "ethnicity": "officer"}).json()
    assert next(g for g in officer["by_group"] if g["group"] == "Black")["searches"] == 10
    defaulted = client.get("/api/v1/disposals", params={"force": "durham"}).json()  # months loaded
    assert defaulted["scope"]["from"] == "2024-01" and defaulted["searches"] == 27
    assert not keys(doc) & PERSONAL


@pytest.mark.parametrize(("params", "name"), [
    ({**SCOPE, "force": "atlantis"}, "force"),
    ({**SCOPE, "from": "2024-13"}, "from"),
    ({**SCOPE, "to": "January"}, "to"),
    ({**SCOPE, "ethnicity": "guess"}, "ethnicity"),
    ({**SCOPE, "from": "2024-02", "to": "2024-01"}, "from"),
    ({"from": "2024-01"}, "force"),
    ({**SCOPE, "purpose": "cannabis"}, "purpose"),
    ({**SCOPE, "power": "s99"}, "power"),
])
def test_api_422_names_the_parameter(client: TestClient, params: dict[str, str], name: str) -> None:
    response = client.get("/api/v1/disposals", params=params)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["query", name]


def test_api_takes_the_lens(client: TestClient) -> None:
    """`purpose` (drugs unless chosen) and `power` narrow the searches as they do for /api/v1/metrics: the 3
    stolen-goods searches under PACE are key crime, the section 60 search is weapons."""
    key_crime = client.get("/api/v1/disposals", params={**SCOPE, "purpose": "key_crime"}).json()
    assert (key_crime["searches"], key_crime["person_searches"]) == (3, 3)
    assert key_crime["scope"]["purpose"] == "key_crime"
    white = next(g for g in key_crime["by_group"] if g["group"] == "White")
    assert white["outcomes"]["arrest"]["count"] == 3 and white["outcomes"]["arrest"]["share"] == 1.0
    weapons = client.get("/api/v1/disposals", params={**SCOPE, "purpose": "weapons", "power": "s60"}).json()
    assert weapons["searches"] == 1 and weapons["scope"]["power"] == "s60"
    none = client.get("/api/v1/disposals", params={**SCOPE, "power": "s1"}).json()  # no drug search under PACE
    assert none["searches"] == 0
    drugs = client.get("/api/v1/disposals", params=SCOPE).json()
    assert drugs["scope"]["purpose"] == "drugs" and drugs["searches"] == 27


def test_page_takes_the_lens(client: TestClient) -> None:
    response = client.get("/disposals", params={**SCOPE, "purpose": "key_crime", "power": "s1"})
    assert response.status_code == 200, response.text
    html = response.text
    assert "<h1>After a search for key crime (theft and damage) under PACE section 1" in html
    assert _cell(html, "searches") == "3" and _cell(html, "groups.White.arrest.share") == "1.0"
    assert re.search(r'<option value="key_crime" selected>', html) and re.search(r'<option value="s1" selected>', html)
    assert ('href="/api/v1/disposals?force=durham&amp;from=2024-01&amp;to=2024-01&amp;ethnicity=self'
            '&amp;purpose=key_crime&amp;power=s1"') in html
    bad = client.get("/disposals", params={**SCOPE, "purpose": "cannabis"})
    assert bad.status_code == 400 and "drugs, weapons, key_crime, other" in bad.text


def test_api_404_for_a_scope_with_no_data(client: TestClient) -> None:
    assert client.get("/api/v1/disposals", params={**SCOPE, "force": "kent"}).status_code == 404
    unknown_area = client.get("/api/v1/disposals", params={**SCOPE, "area": "Nowhere"})
    assert unknown_area.status_code == 404 and unknown_area.json()["detail"][0]["loc"] == ["query", "area"]


def test_api_policies(client: TestClient) -> None:
    response = client.get("/api/v1/disposal-policies")
    assert response.status_code == 200
    policies = response.json()
    assert [p["name"] for p in policies] == ["avon_somerset", "durham_checkpoint", "london_proposed",
                                             "national_cannabis"]
    national = policies[3]
    assert [r["id"] for r in national["rules"]] == [
        "supply-out-of-scope", "under-18-youth-route", "first-occasion-warning", "second-occasion-penalty-notice",
        "third-occasion-arrest", "other-drug-out-of-scope"]
    assert national["rules"][2]["when"] == {"drugs": ["cannabis"], "occasion": 1}
    assert national["prior_drugs"] == ["cannabis"] and policies[0]["prior_drugs"] == "any"
    assert keys(policies) & PERSONAL == {"name"}  # the policy's own name, at the top of each policy only
    assert all(set(r) == {"id", "text", "when", "disposal"} for p in policies for r in p["rules"])
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/disposals", "/api/v1/disposal-policies"} <= set(spec["paths"])
    assert not any(p.startswith("/disposals") for p in spec["paths"])


def _cell(html: str, key: str) -> str:
    match = re.search(rf'<data value="([^"]*)" data-key="{re.escape(key)}">', html)
    assert match, key
    return match[1]


def test_page_shows_the_mix_by_group_with_intervals(client: TestClient) -> None:
    response = client.get("/disposals", params=SCOPE)
    assert response.status_code == 200, response.text
    html = response.text
    assert _cell(html, "groups.Black.arrest.share") == "0.5"
    assert _cell(html, "groups.Black.searches") == "8"
    assert _cell(html, "ages.18-24.searches") == "18"
    assert "50.0%" in html and "21.5–78.5%" in html
    assert "Not stated or not recorded" in html
    assert '<div class="table-wrap"' in html
    assert 'href="/api/v1/disposals?force=durham&amp;from=2024-01&amp;to=2024-01&amp;ethnicity=self"' in html
    default = client.get("/disposals")  # the first loaded force and its period
    assert default.status_code == 200 and _cell(default.text, "person_searches") == "25"


def test_page_refuses_a_bad_scope_plainly(client: TestClient) -> None:
    assert client.get("/disposals", params={**SCOPE, "force": "kent"}).status_code == 404
    bad = client.get("/disposals", params={**SCOPE, "from": "soon"})
    assert bad.status_code == 400 and "is not a month" in bad.text


def test_policies_page_evaluates_a_case_without_writing(client: TestClient) -> None:
    page = client.get("/disposals/policies")
    assert page.status_code == 200
    for name in ("avon_somerset", "durham_checkpoint", "london_proposed", "national_cannabis"):
        assert f'id="policy-{name}"' in page.text
    assert 'method="post"' not in page.text
    answer = client.get("/disposals/policies", params={
        "date": "2024-03-01", "drug": "cannabis", "age": "19", "priors": "2024-01-03:cannabis:cannabis_warning",
        "admits": "yes", "on_bail": "no", "intent": "possession"})
    assert answer.status_code == 200
    pattern = r'<li class="disposal-card" data-policy="([a-z_]+)">.*?data-disposal="([a-z_]+)"'
    found = dict(re.findall(pattern, answer.text, re.S))
    assert found == {"avon_somerset": "not_eligible", "durham_checkpoint": "diversion",
                     "london_proposed": "penalty_notice", "national_cannabis": "penalty_notice"}


def test_policies_page_escapes_and_names_bad_fields(client: TestClient) -> None:
    hostile = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']
    for text in hostile:
        answer = client.get("/disposals/policies", params={"date": "2024-03-01", "drug": text, "age": "19"})
        assert answer.status_code == 200
        assert text not in answer.text
        assert "&lt;script&gt;" in answer.text or "&#34;&gt;&lt;img" in answer.text
        bad = client.get("/disposals/policies", params={"date": text, "drug": "cannabis", "age": "x",
                                                        "priors": text})
        assert bad.status_code == 422 and text not in bad.text
        assert 'id="e-date"' in bad.text and 'id="e-age"' in bad.text and 'id="e-priors"' in bad.text


def test_pages_need_no_login_and_keep_no_personal_fields(client: TestClient) -> None:
    for url in ("/disposals", "/disposals/policies"):
        response = client.get(url, params=SCOPE if url == "/disposals" else {})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        for field in ("date_of_birth", "address", 'name="name"'):
            assert field not in response.text


def test_no_write_methods(client: TestClient) -> None:
    for url in ("/disposals", "/disposals/policies", "/api/v1/disposals", "/api/v1/disposal-policies"):
        assert client.post(url).status_code in (403, 405)
