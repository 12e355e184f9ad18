"""Strategic priorities on SQLite and PostgreSQL, against the small warehouse of tests/web/conftest.py.

Kent, hand-counted there: January 2024 has 42 searches, 26 for drugs (share 26/42 = 0.619) and a find rate
of 8/39 = 0.205; February has 12 searches, 4 for drugs (4/12 = 0.333) and 6 finds of 12 known outcomes
(0.5). March has no data. Both months together: drugs 30/54 = 0.556, finds 14/51 = 0.275.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import accounts, strategy
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.diversion.kpis import CaseRecord
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.strategy import Granularity, IndicatorMetric, StrategyIndicator, TargetDirection
from tests.web.conftest import ingest, write_sources
from tests.workspace.conftest import Browser

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_sources(tmp_path_factory.mktemp("strategy-sources"))
    db = tmp_path_factory.mktemp("strategy-db") / "w.duckdb"
    ingest(folder, "--db", db)
    return db


@pytest.fixture
def site(ws: Workspace, warehouse: Path, metrics: Any) -> Iterator[Callable[[], Browser]]:
    app = create_app(get_settings(warehouse, workspace_url=ws.url))
    app.state.metrics = metrics  # the module's cached getter: the same documents, computed once
    clients: list[TestClient] = []

    def browser() -> Browser:
        clients.append(TestClient(app, base_url="http://testserver"))
        return Browser(clients[-1])

    yield browser
    for client in clients:
        client.close()
    app.state.workspace.dispose()


@pytest.fixture(scope="module")
def metrics(warehouse: Path) -> Any:
    """One cached getter for the module: each scope's document is computed once."""
    return create_app(get_settings(warehouse)).state.metrics


def _statuses(row: strategy.IndicatorProgress) -> list[tuple[str, float | None, str]]:
    return [(p.label, None if p.value is None else round(p.value, 4), p.status) for p in row.points]


def test_indicators_met_or_not_by_month(ws: Workspace, make_user: Callable[..., User], metrics: Any) -> None:
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as session:
        priority = strategy.create_priority(session, "On-street drug markets", "", "2024-01", "2024-03")
        strategy.add_indicator(session, priority.id, IndicatorMetric.drugs_share, TargetDirection.at_most, 0.40,
                               "kent")
        strategy.add_indicator(session, priority.id, IndicatorMetric.find_rate, TargetDirection.at_least, 0.25,
                               "kent")
        strategy.add_indicator(session, priority.id, IndicatorMetric.diversion_completion, TargetDirection.at_least,
                               0.5)
        # an area typed before areas were chosen from a list, which the warehouse does not know: no data, no failure
        priority.indicators.append(StrategyIndicator(metric=IndicatorMetric.drugs_share, force="kent", area="Nowhere",
                                                     direction=TargetDirection.at_most, target=0.40))
        priority_id = priority.id
    cases = [  # referred in January: 1 of 2 completed; in March: 0 of 1
        CaseRecord("White", "18-24", "Lambeth", date(2024, 1, 10), True, date(2024, 1, 20), "education course", "yes"),
        CaseRecord("Black", "18-24", "Lambeth", date(2024, 1, 15), True, date(2024, 2, 5), "treatment", "no"),
        CaseRecord("Black", "25-34", "Lambeth", date(2024, 3, 1), True, date(2024, 3, 21), "education course"),
    ]
    with ws.session() as session:
        priority = strategy.get_priority(session, priority_id)
        drugs, finds, diversion, nowhere = strategy.progress(priority, metrics, cases, date(2025, 1, 31),
                                                             public=False)
        public = strategy.progress(priority, metrics, cases, date(2025, 1, 31), public=True)[2]
    # drugs share <= 0.40: January 26/42 = 0.619 not met, February 4/12 = 0.333 met, March no data
    assert _statuses(drugs) == [("2024-01", 0.619, "not met"), ("2024-02", 0.3333, "met"), ("2024-03", None, "no data")]
    assert (round(drugs.whole.value or 0, 4), drugs.whole.status) == (0.5556, "not met")  # 30/54
    assert drugs.latest is not None and drugs.latest.label == "2024-02"
    # find rate >= 0.25: January 8/39 = 0.205 not met, February 6/12 = 0.5 met; both 14/51 = 0.275 met
    assert _statuses(finds) == [("2024-01", 0.2051, "not met"), ("2024-02", 0.5, "met"), ("2024-03", None, "no data")]
    assert finds.whole.status == "met"
    # completion >= 0.5: January 1 of 2 = 0.5 met (equal counts as met), February none, March 0 of 1 not met
    assert _statuses(diversion) == [("2024-01", 0.5, "met"), ("2024-02", None, "no data"),
                                    ("2024-03", 0.0, "not met")]
    assert (diversion.whole.numerator, diversion.whole.denominator) == (1, 3)
    # in public, each cell rests on 1-4 cases and is withheld
    assert [p.status for p in public.points] == ["suppressed", "no data", "suppressed"]
    assert [p.status for p in nowhere.points] == ["no data"] * 3 and nowhere.notes


def test_quarters_and_refusals(ws: Workspace, make_user: Callable[..., User], metrics: Any) -> None:
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as session:
        priority = strategy.create_priority(session, "Drugs", "", "2023-12", "2024-04", Granularity.quarter)
        strategy.add_indicator(session, priority.id, IndicatorMetric.drugs_share, TargetDirection.at_most, 0.6,
                               "kent")
        for args, field in ((("", "2024-01", "2024-02"), "title"), (("x", "2024-13", "2024-02"), "start_month"),
                            (("x", "2024-03", "2024-02"), "end_month")):
            with pytest.raises(Invalid) as caught:
                strategy.create_priority(session, args[0], "", args[1], args[2])
            assert caught.value.field == field
        with pytest.raises(Invalid) as caught:
            strategy.add_indicator(session, priority.id, IndicatorMetric.find_rate, TargetDirection.at_least, 0.2,
                                   "atlantis")
        assert caught.value.field == "force"
        assert strategy.parse_target("40%") == pytest.approx(0.4)
        priority_id = priority.id
    with ws.session() as session:
        row = strategy.progress(strategy.get_priority(session, priority_id), metrics, [],
                                date(2025, 1, 1), public=True)[0]
    # 2023 Q4 (December only): nothing loaded; 2024 Q1: 30/54 = 0.556 <= 0.6 met; 2024 Q2 (April): nothing
    assert _statuses(row) == [("2023 Q4", None, "no data"), ("2024 Q1", 0.5556, "met"), ("2024 Q2", None, "no data")]


def test_pages_roles_and_escaping(ws: Workspace, make_user: Callable[..., User], site: Callable[[], Browser]) -> None:
    reviewer, member = make_user(Role.reviewer), make_user(Role.panel_member)
    form = {"title": f"Drug markets {SCRIPT}", "description": IMG, "start_month": "2024-01", "end_month": "2024-03",
            "granularity": "month"}
    visitor = site()
    assert visitor.post("/workspace/strategy", form).status_code == 401
    r = site()
    r.login(reviewer.email)
    assert r.get("/workspace/strategy").status_code == 403 and r.post("/workspace/strategy", form).status_code == 403
    b = site()
    b.login(member.email)
    assert b.post("/workspace/strategy", form, csrf=False).status_code == 403
    assert b.get("/workspace/strategy").status_code == 200
    made = b.post("/workspace/strategy", form)
    assert made.status_code == 303
    url = made.headers["location"]
    priority_id = url.rsplit("/", 1)[1]
    refused = b.post(f"{url}/indicators", {"metric": "drugs_share", "direction": "at_most", "target": "4"})
    assert refused.status_code == 422 and "between 0 and 1" in refused.text
    assert b.post(f"{url}/indicators", {"metric": "drugs_share", "direction": "at_most", "target": "40%",
                                        "force": "kent"}).status_code == 303
    assert r.post(f"{url}/indicators", {"metric": "find_rate", "direction": "at_least", "target": "0.2",
                                        "force": "kent"}).status_code == 403
    for page in (b.get(url), visitor.get(f"/strategy/{priority_id}")):
        assert page.status_code == 200
        assert SCRIPT not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;" in page.text
        assert "not met</strong>" in page.text and ">met</strong>" in page.text and "no data" in page.text
    doc = visitor.get(f"/api/v1/strategy/{priority_id}").json()
    assert [p["status"] for p in doc["indicators"][0]["periods"]] == ["not met", "met", "no data"]
    assert visitor.get("/strategy").status_code == 200
    assert "/api/v1/strategy/{priority_id}" in visitor.get("/api/v1/openapi.json").json()["paths"]
    assert visitor.get("/strategy/999").status_code == 404
