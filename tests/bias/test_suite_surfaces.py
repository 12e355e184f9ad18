"""The tests of bias by name (bias.suite) on every surface: `scrutiny bias --test`, GET /api/v1/bias?test= and
the dashboard's /force/{force}/bias page, each giving the very document the test's module gives.

The warehouse is the 14 Kent months of tests/bias/test_change_series.py, where Maidstone's drug searches per
1,000 residents step from 20 to 40 in August 2023 and its Black/White ratio does not change (counted there).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import ibis
import pytest

from scrutiny.bias.policy_change import change_document
from scrutiny.bias.rates import rates_document
from scrutiny.metrics import Scope
from scrutiny.metrics.scope import resolve_scope
from scrutiny.web import create_app, get_settings
from tests.bias.test_bias_cli_api import run
from tests.bias.test_change_series import AT, build_change_db

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PERIOD = ["--force", "kent", "--from", "2023-01", "--to", "2024-02", "--purpose", "drugs"]
CHANGE = [*PERIOD, "--test", "change", "--area", "Maidstone", "--at", AT, "--control", "Sevenoaks"]
QUERY = {"force": "kent", "from": "2023-01", "to": "2024-02", "purpose": "drugs"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_change_db(tmp_path_factory.mktemp("suite"))


@pytest.fixture(scope="module")
def backend(db: Path) -> Iterator[ibis.BaseBackend]:
    con = ibis.duckdb.connect(str(db), read_only=True)
    yield con
    con.disconnect()


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(get_settings(db))) as test_client:
        yield test_client


def scope(backend: ibis.BaseBackend, area: str | None = None) -> Scope:
    return resolve_scope(backend, Scope("kent", area, "2023-01", "2024-02", purpose="drugs"))


def test_the_cli_prints_the_modules_documents(db: Path, backend: ibis.BaseBackend) -> None:
    doc = json.loads(run(*CHANGE, "--db", db))
    assert doc == json.loads(json.dumps(change_document(backend, scope(backend, "Maidstone"), AT, ["Sevenoaks"])))
    assert doc["test"] == "change" and doc["figures"]["its"]["search_rate"]["level_change"]["estimate"] == \
        pytest.approx(20, abs=1e-8)
    rates = json.loads(run(*PERIOD, "--test", "rates", "--db", db))
    assert rates == json.loads(json.dumps(rates_document(backend, scope(backend))))


def test_the_cli_table_puts_the_caveats_before_the_figures(db: Path) -> None:
    table = run(*CHANGE, "--format", "table", "--db", db)
    assert "step at the change 20" in table
    assert table.index("cannot show:") < table.index("step at the change")
    darkness = run(*PERIOD, "--test", "darkness", "--format", "table", "--db", db)
    assert "no figure:" in darkness  # a few hundred searches a month at noon: the test refuses, and says why


@pytest.mark.parametrize(("args", "message"), [
    (["--test", "change", "--at", AT], "area: the change test needs the area where the policy changed"),
    (["--test", "darkness", "--at", AT], "at, control: these are for the change test, not the darkness test"),
    (["--test", "change", "--area", "Maidstone", "--at", "2023-13"], "at: bad month '2023-13'"),
    (["--test", "darkness", "--group", "Purple"], "group: unknown group 'Purple'"),
    (["--test", "rates", "--clock-change"], "clock-change: this is for the darkness test"),
    (["--group", "Asian"], "--group, --at, --control and --clock-change are for --test darkness or change"),
])
def test_cli_mistakes_are_one_line_naming_the_option(db: Path, args: list[str], message: str) -> None:
    output = run(*PERIOD, *args, "--db", db, code=1)
    assert message in output and "Traceback" not in output and len(output.strip().splitlines()) <= 2


def test_the_api_answers_what_the_cli_prints(db: Path, client: TestClient) -> None:
    answer = client.get("/api/v1/bias", params={**QUERY, "test": "change", "area": "Maidstone", "at": AT,
                                                "control": "Sevenoaks"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == json.loads(run(*CHANGE, "--db", db))
    rates = client.get("/api/v1/bias", params={**QUERY, "test": "rates"})
    assert rates.status_code == 200 and rates.json() == json.loads(run(*PERIOD, "--test", "rates", "--db", db))


@pytest.mark.parametrize(("params", "where"), [
    ({"test": "change", "at": AT}, "area"),
    ({"test": "darkness", "group": "Purple"}, "group"),
    ({"test": "nope"}, "test"),
    ({"test": "rates", "threshold": "true"}, "test"),
    ({"group": "Asian"}, "test"),
    ({"test": "change", "area": "Maidstone", "at": "2023-13"}, "at"),
])
def test_api_mistakes_are_422_naming_the_parameter(client: TestClient, params: dict[str, str], where: str) -> None:
    answer = client.get("/api/v1/bias", params={**QUERY, **params})
    assert answer.status_code == 422, answer.text
    assert where in json.dumps(answer.json()["detail"])


def test_the_page_shows_the_caveats_first_then_the_figures(client: TestClient) -> None:
    page = client.get("/force/kent/bias", params={**QUERY, "test": "change", "area": "E07000110", "at": AT,
                                                  "control": "E07000111"})
    assert page.status_code == 200, page.text
    html = page.text
    assert html.index("Read this first") < html.index('id="table-change-fit"') < html.index("Notes on these data")
    row = re.search(r"Searches per 1,000 residents a month</th>\s*<td class=\"num\">([^<]+)</td>", html)
    assert row is not None and row.group(1).startswith("20 (")
    assert 'aria-current="page">Policy change' in html and 'href="/bias"' in html


def test_the_page_without_a_change_chosen_is_its_form(client: TestClient) -> None:
    html = client.get("/force/kent/bias", params={**QUERY, "test": "change"}).text
    assert "Which change?" in html and 'id="table-change-fit"' not in html


def test_the_rates_page_lists_every_area_by_ratio(client: TestClient, backend: ibis.BaseBackend) -> None:
    html = client.get("/force/kent/bias", params={**QUERY, "test": "rates"}).text
    doc = rates_document(backend, scope(backend))
    for area in doc["figures"]["areas"]:
        assert area["area_name"] in html
    assert html.index("Read this first") < html.index('id="table-rates-black"')


@pytest.mark.parametrize(("query", "status", "words"), [
    ({"test": "nope"}, 400, "Unknown test"),
    ({"test": "darkness", "group": "<script>x</script>"}, 400, "&lt;script&gt;"),
    ({"test": "change", "area": "E07000110", "at": "2023-13"}, 400, "not a month"),
])
def test_page_mistakes_say_what_is_wrong(client: TestClient, query: dict[str, str], status: int, words: str) -> None:
    page = client.get("/force/kent/bias", params={**QUERY, **query})
    assert page.status_code == status and words in page.text and "<script>x" not in page.text


def test_the_darkness_page_takes_a_group_and_the_clock_change_design(client: TestClient) -> None:
    html = client.get("/force/kent/bias", params={**QUERY, "test": "darkness", "group": "Asian",
                                                  "clock_change": "1"}).text
    assert '<option value="Asian" selected>' in html and 'name="clock_change" value="1" checked' in html
    assert "clock_change=true" in html  # the JSON link asks the API for the same document


def test_the_change_pages_json_link_gives_the_pages_figures(client: TestClient) -> None:
    html = client.get("/force/kent/bias", params={**QUERY, "test": "change", "area": "E07000110", "at": AT,
                                                  "control": "E07000111"}).text
    link = re.search(r'href="(/api/v1/bias\?[^"]+)">This test as JSON', html)
    assert link is not None
    doc = client.get(link.group(1).replace("&amp;", "&")).json()
    assert doc["figures"]["controls"] == [{"code": "E07000111", "name": "Sevenoaks"}]
    assert doc["figures"]["its"]["search_rate"]["level_change"]["estimate"] == pytest.approx(20, abs=1e-8)
