"""Strategy indicators bound to use of force (issue 20), on SQLite and PostgreSQL, against the hand-made releases
of tests/use_of_force_fixture.py, every value counted by eye there:

    Kent      tactic uses per 1,000   children share   Taser fired share   Taser children share
    2018/19   not published           not published    5 / 42              4 / 40
    2019/20   400 / 3,300 × 1,000     40 / 400         8 / 60              5 / 50

The figures are yearly (April to March): a priority's periods are its financial years, whatever its months.
The new figures are stored as text (no CHECK): no migration, and both databases take them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scrutiny.metrics.use_of_force import compute_use_of_force
from scrutiny.web import create_app, get_settings
from scrutiny.workspace import accounts, strategy
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.strategy import Granularity, IndicatorMetric, TargetDirection
from tests.use_of_force_fixture import build
from tests.workspace.conftest import Browser

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PER_1000 = IndicatorMetric.use_of_force_per_1000
CHILDREN = IndicatorMetric.use_of_force_children_share
FIRED = IndicatorMetric.taser_fired_share
TASER_CHILDREN = IndicatorMetric.taser_children_share
AT_MOST = TargetDirection.at_most
Row = tuple[str, float | None, str]


@pytest.fixture(scope="module")
def uof_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("strategy-uof"))


@pytest.fixture
def member(make_user: Callable[..., User]) -> User:
    return make_user(Role.panel_member)


def _priority(ws: Workspace, user: User, indicators: list[tuple[IndicatorMetric, float]], start: str, end: str,
              granularity: Granularity = Granularity.quarter) -> int:
    with ws.session(accounts.actor(user)) as session:
        priority = strategy.create_priority(session, "Safer use of force", "", start, end, granularity)
        for metric, target in indicators:
            strategy.add_indicator(session, priority.id, metric, AT_MOST, target, "kent")
        return priority.id


def _progress(ws: Workspace, priority_id: int, db: Path | None) -> list[strategy.IndicatorProgress]:
    getter = None if db is None else (lambda force, year: compute_use_of_force(db, force, year))
    with ws.session() as session:
        return strategy.progress(strategy.get_priority(session, priority_id), lambda scope: {}, [],
                                 date(2025, 1, 31), public=True, use_of_force=getter)


def _rows(row: strategy.IndicatorProgress) -> list[Row]:
    return [(p.label, None if p.value is None else round(p.value, 9), p.status) for p in row.points]


def test_each_financial_year_against_its_target(ws: Workspace, member: User, uof_db: Path) -> None:
    priority_id = _priority(ws, member, [(PER_1000, 100.0), (CHILDREN, 0.05), (FIRED, 0.12), (TASER_CHILDREN, 0.2)],
                            "2018-06", "2020-02")  # touches 2018/19 and 2019/20
    rate, children, fired, taser_children = _progress(ws, priority_id, uof_db)
    assert _rows(rate) == [("2018/19", None, "no data"), ("2019/20", round(400 / 3300 * 1000, 9), "not met")]
    assert rate.per_1000 and rate.target_text == "at most 100.00 per 1,000 residents"
    assert _rows(children) == [("2018/19", None, "no data"), ("2019/20", 0.1, "not met")]
    assert _rows(fired) == [("2018/19", round(5 / 42, 9), "met"), ("2019/20", round(8 / 60, 9), "not met")]
    assert _rows(taser_children) == [("2018/19", 0.1, "met"), ("2019/20", 0.1, "met")]
    assert (fired.whole.status, fired.whole.value) == ("not judged", None)  # two years: each is judged
    assert any("published once a year, April to March" in n for n in fired.notes)


def test_one_year_is_judged_whole_and_a_year_not_loaded_says_so(ws: Workspace, member: User, uof_db: Path) -> None:
    one = _priority(ws, member, [(FIRED, 0.12)], "2019-04", "2020-03", Granularity.month)
    [fired] = _progress(ws, one, uof_db)
    assert _rows(fired) == [("2019/20", round(8 / 60, 9), "not met")]
    assert (fired.whole.label, round(fired.whole.value or 0, 9), fired.whole.status) == (
        "whole period", round(8 / 60, 9), "not met")
    early = _priority(ws, member, [(FIRED, 0.12)], "2016-04", "2017-03")
    [none] = _progress(ws, early, uof_db)
    assert _rows(none) == [("2016/17", None, "no data")]
    assert any("No use-of-force figures are loaded for 2016/17" in n for n in none.notes)
    [without] = _progress(ws, one, None)  # no getter: no data, said in words
    assert without.points[0].status == "no data" and any("not available here" in n for n in without.notes)


def test_refusals_and_storage(ws: Workspace, member: User) -> None:
    priority_id = _priority(ws, member, [], "2019-04", "2020-03")
    with ws.session(accounts.actor(member)) as session:
        with pytest.raises(Invalid) as caught:
            strategy.add_indicator(session, priority_id, FIRED, AT_MOST, 0.1, "kent", "Maidstone")
        assert caught.value.field == "area" and "whole force" in caught.value.message
        with pytest.raises(Invalid) as caught:
            strategy.add_indicator(session, priority_id, PER_1000, AT_MOST, 5.0, "")
        assert caught.value.field == "force"
        for metric in (PER_1000, CHILDREN, FIRED, TASER_CHILDREN):
            strategy.add_indicator(session, priority_id, metric, AT_MOST, 0.5, "kent")
    with ws.session() as session:  # every new figure is stored and read back, with no migration
        stored = [i.metric for i in strategy.get_priority(session, priority_id).indicators]
    assert stored == [PER_1000, CHILDREN, FIRED, TASER_CHILDREN]
    with pytest.raises(Invalid) as refused:
        strategy.parse_target("5%", PER_1000)
    assert "write tactic uses per 1,000 residents such as 2.5" in refused.value.message
    assert strategy.parse_target("12.5", PER_1000) == 12.5 and strategy.parse_target("10%", FIRED) == 0.1
    assert strategy.financial_years("2019-03", "2020-04") == ["2018/19", "2019/20", "2020/21"]


@pytest.fixture
def site(ws: Workspace, uof_db: Path) -> Iterator[Callable[[], Browser]]:
    app = create_app(get_settings(uof_db, workspace_url=ws.url))
    clients: list[TestClient] = []

    def browser() -> Browser:
        clients.append(TestClient(app, base_url="http://testserver"))
        return Browser(clients[-1])

    yield browser
    for client in clients:
        client.close()
    app.state.workspace.dispose()


def test_the_pages_and_the_api(ws: Workspace, member: User, site: Callable[[], Browser]) -> None:
    b = site()
    b.login(member.email)
    priority_id = _priority(ws, member, [(FIRED, 0.12)], "2018-04", "2020-03")
    form = b.get(f"/workspace/strategy/{priority_id}").text
    for metric in (PER_1000, CHILDREN, FIRED, TASER_CHILDREN):
        assert f'<option value="{metric.value}"' in form and strategy.METRIC_LABELS[metric] in form
    made = b.post(f"/workspace/strategy/{priority_id}/indicators",
                  {"metric": "use_of_force_per_1000", "direction": "at_most", "target": "150", "force": "kent"})
    assert made.status_code == 303
    text = site().get(f"/strategy/{priority_id}").text
    assert "Taser: share of incidents where it was fired (each financial year): target at most 12%" in text
    assert "2018/19" in text and "11.9%" in text and "13.3%" in text  # 5/42 and 8/60
    assert f"{400 / 3.3:.2f} per 1,000" in text
    doc: dict[str, Any] = site().get(f"/api/v1/strategy/{priority_id}").json()
    fired, rate = doc["indicators"]
    assert [(p["period"], p["status"]) for p in fired["periods"]] == [("2018/19", "met"), ("2019/20", "not met")]
    assert rate["metric"] == "use_of_force_per_1000" and rate["periods"][1]["value"] == pytest.approx(400 / 3.3)
