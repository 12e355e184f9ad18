"""Strategy indicators bound to recorded crime (issue 17), on SQLite and PostgreSQL, against the hand-made
fixture of tests/crime_fixture.py, every value counted by eye from its table:

    Drugs crimes  A1 (2024-01, Hackney; charged in 02, fined in 03)   A2 (2024-01, Hackney; drugs warning)
                  B1 (2024-02, no location; no suspect: NFA)           C1 (2024-03, Lambeth; local resolution in 05)

Charged or summonsed: A1 only, so January 1/2, February 0/1, March 0/1, the quarter 1/4. No further action: B1
only, so January 0/2, February 1/1, March 0/1, the quarter 1/4. Residents (tests/fixtures/census/ts022_small.csv)
are read from the CSV here, independently of the loader; metropolitan as a whole has no residents loaded (the
fixture census holds two boroughs), so its rate has no data.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scrutiny.metrics.crime import CrimeScope
from scrutiny.metrics.crime_rates import crime_with_rate
from scrutiny.metrics.warehouse_backend import compute_metrics_with
from scrutiny.warehouse.ingest import ingest_paths
from scrutiny.web import create_app, get_settings
from scrutiny.web.workspace import forms
from scrutiny.web.workspace.schemas.strategy import IndicatorCreate
from scrutiny.workspace import accounts, strategy
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.strategy import Granularity, IndicatorMetric, TargetDirection
from tests.crime_fixture import write_fixture
from tests.workspace.conftest import Browser

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CENSUS = Path(__file__).parents[1] / "fixtures" / "census" / "ts022_small.csv"
PER_1000 = IndicatorMetric.drug_crimes_per_1000
CHARGED = IndicatorMetric.drug_crime_charge_share
NFA = IndicatorMetric.drug_crime_nfa_share
AT_MOST, AT_LEAST = TargetDirection.at_most, TargetDirection.at_least
Row = tuple[str, float | None, str]


def census_residents(name: str) -> int:
    """An authority's residents, summed from the fixture CSV: every category but `-8 Does not apply`."""
    with CENSUS.open(newline="", encoding="utf-8") as f:
        return sum(int(row["Observation"]) for row in csv.DictReader(f)
                   if row["Lower tier local authorities"] == name
                   and row["Ethnic Group (detailed) (288 categories) Code"] != "-8")


HACKNEY, LAMBETH = census_residents("Hackney"), census_residents("Lambeth")
HACKNEY_CODE = "E09000012"  # areas are chosen from the list of local authorities by ONS code


def _warehouse(folder: Path, *, later_outcomes: bool = True) -> Path:
    for path in write_fixture(folder):
        if not later_outcomes and path.name == "2024-05-metropolitan-outcomes.csv":
            path.unlink()  # C1's only outcome: without it, C1 is not linked yet
    db = folder / "w.duckdb"
    ingest_paths([folder, CENSUS], db)
    return db


def _getter(db: Path) -> strategy.CrimeGetter:
    """Each scope's `crime_with_rate` document, computed once."""
    memo: dict[CrimeScope, dict[str, Any]] = {}

    def crime(scope: CrimeScope) -> dict[str, Any]:
        if scope not in memo:
            memo[scope] = compute_metrics_with(db, lambda backend: crime_with_rate(backend, scope))
        return memo[scope]

    return crime


@pytest.fixture(scope="module")
def crime_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _warehouse(tmp_path_factory.mktemp("strategy-crime"))


@pytest.fixture(scope="module")
def crime(crime_db: Path) -> strategy.CrimeGetter:
    return _getter(crime_db)


@pytest.fixture
def member(make_user: Callable[..., User]) -> User:
    return make_user(Role.panel_member)


def _priority(ws: Workspace, user: User, indicators: list[tuple[IndicatorMetric, TargetDirection, float, str | None]],
              start: str = "2024-01", end: str = "2024-03", granularity: Granularity = Granularity.month) -> int:
    with ws.session(accounts.actor(user)) as session:
        priority = strategy.create_priority(session, "On-street drug markets", "", start, end, granularity)
        for metric, direction, target, area in indicators:
            strategy.add_indicator(session, priority.id, metric, direction, target, "metropolitan", area)
        return priority.id


def _progress(ws: Workspace, priority_id: int, crime: strategy.CrimeGetter | None,
              public: bool = True) -> list[strategy.IndicatorProgress]:
    with ws.session() as session:
        return strategy.progress(strategy.get_priority(session, priority_id), lambda scope: {}, [],
                                 date(2025, 1, 31), public=public, crime=crime)


def rounded(value: float | None) -> float | None:
    """A value to 9 decimals, so a rate computed two ways compares equal."""
    return None if value is None else round(value, 9)


def _rows(row: strategy.IndicatorProgress) -> list[Row]:
    return [(p.label, rounded(p.value), p.status) for p in row.points]


def _whole(row: strategy.IndicatorProgress) -> Row:
    return row.whole.label, rounded(row.whole.value), row.whole.status


def test_each_month_against_its_target(ws: Workspace, member: User, crime: strategy.CrimeGetter) -> None:
    priority_id = _priority(ws, member, [
        (CHARGED, AT_LEAST, 0.3, None), (NFA, AT_MOST, 0.5, None), (PER_1000, AT_MOST, 1.0, HACKNEY_CODE),
        (PER_1000, AT_MOST, 50, "E09000022"), (PER_1000, AT_MOST, 1.0, None), (CHARGED, AT_LEAST, 0.5, HACKNEY_CODE)])
    charged, nfa, hackney, lambeth, force, hackney_charged = _progress(ws, priority_id, crime)
    assert _rows(charged) == [("2024-01", 0.5, "met"), ("2024-02", 0.0, "not met"), ("2024-03", 0.0, "not met")]
    assert _whole(charged) == ("whole period", 0.25, "not met")  # 1 of 4
    assert _rows(nfa) == [("2024-01", 0.0, "met"), ("2024-02", 1.0, "not met"), ("2024-03", 0.0, "met")]
    assert _whole(nfa) == ("whole period", 0.25, "met")
    # Hackney: A1 and A2 in January; B1 has no location, so February and March have none (a real zero)
    assert _rows(hackney) == [("2024-01", rounded(2 / HACKNEY * 1000), "not met"), ("2024-02", 0.0, "met"),
                              ("2024-03", 0.0, "met")]
    assert _whole(hackney) == ("whole period", rounded(2 / HACKNEY * 1000), "not judged")
    assert any("not judged against the target" in n for n in hackney.notes)
    assert not any("by age" in n for n in hackney.notes)  # the population's age notes do not concern this rate
    assert _rows(lambeth) == [("2024-01", 0.0, "met"), ("2024-02", 0.0, "met"),
                              ("2024-03", rounded(1 / LAMBETH * 1000), "not met")]
    # the whole force has no residents loaded: no data and a note, never a made-up rate
    assert _rows(force) == [(m, None, "no data") for m in ("2024-01", "2024-02", "2024-03")]
    assert force.whole.status == "no data"
    assert any("Census population" in n for n in force.notes)
    # Hackney's charge share: 1 of 2 in January, no drug crime there in February or March
    assert _rows(hackney_charged) == [("2024-01", 0.5, "met"), ("2024-02", None, "no data"),
                                      ("2024-03", None, "no data")]
    assert (charged.name, hackney.name, nfa.name) == (strategy.METRIC_LABELS[CHARGED],
                                                      strategy.METRIC_LABELS[PER_1000], strategy.METRIC_LABELS[NFA])
    assert hackney.target_text == "at most 1.00 per 1,000 residents" and charged.target_text == "at least 30%"
    assert charged.notes[0].startswith("Outcomes arrive months or years after a crime")
    assert not any(p.provisional for p in charged.points)  # every drug crime has an outcome loaded


def test_the_quarter_and_periods_with_no_street_crime(ws: Workspace, member: User,
                                                      crime: strategy.CrimeGetter) -> None:
    quarter = _priority(ws, member, [(CHARGED, AT_LEAST, 0.3, None), (NFA, AT_MOST, 0.25, None),
                                     (PER_1000, AT_MOST, 1.0, HACKNEY_CODE)], granularity=Granularity.quarter)
    charged, nfa, hackney = _progress(ws, quarter, crime)
    assert _rows(charged) == [("2024 Q1", 0.25, "not met")] and _whole(charged)[1:] == (0.25, "not met")
    assert _rows(nfa) == [("2024 Q1", 0.25, "met")]
    assert _rows(hackney) == [("2024 Q1", rounded(2 / HACKNEY * 1000), "not met")]
    assert hackney.whole.status == "not met"  # one period: the whole period is that period, judged
    wider = _priority(ws, member, [(CHARGED, AT_LEAST, 0.3, None), (PER_1000, AT_MOST, 1.0, HACKNEY_CODE)],
                      start="2023-12", end="2024-04")
    charged, hackney = _progress(ws, wider, crime)
    assert [(p.label, p.status) for p in charged.points] == [
        ("2023-12", "no data"), ("2024-01", "met"), ("2024-02", "not met"), ("2024-03", "not met"),
        ("2024-04", "no data")]
    assert "No street crime is loaded for 2023-12, 2024-04." in charged.notes
    # residents count for the 3 of the 5 months the force's street files cover, as in the stop rates
    assert hackney.whole.value == pytest.approx(2 / (HACKNEY * 3 / 5) * 1000)
    quarters = _priority(ws, member, [(NFA, AT_MOST, 0.5, None)], start="2023-10", end="2024-06",
                         granularity=Granularity.quarter)
    [nfa] = _progress(ws, quarters, crime)
    assert _rows(nfa) == [("2023 Q4", None, "no data"), ("2024 Q1", 0.25, "met"), ("2024 Q2", None, "no data")]
    elsewhere = _priority(ws, member, [(CHARGED, AT_LEAST, 0.3, "E09000007")])  # Camden
    [camden] = _progress(ws, elsewhere, crime)  # an area with no street crime: no data and why
    assert [p.status for p in camden.points] == ["no data"] * 3 and "unknown area 'E09000007'" in camden.notes[0]
    [unavailable] = _progress(ws, elsewhere, None)
    assert unavailable.whole.status == "no data" and unavailable.notes == [
        "Recorded crime figures are not available here."]


def test_a_share_still_waiting_for_outcomes_is_provisional(ws: Workspace, member: User, tmp_path: Path) -> None:
    crime = _getter(_warehouse(tmp_path, later_outcomes=False))
    by_month = _priority(ws, member, [(CHARGED, AT_LEAST, 0.3, None)])
    by_quarter = _priority(ws, member, [(CHARGED, AT_LEAST, 0.3, None)], granularity=Granularity.quarter)
    [months] = _progress(ws, by_month, crime)
    [quarter] = _progress(ws, by_quarter, crime)
    # C1 (March) has no outcome yet: March has no share, the quarter is 1 of the 3 crimes with one, provisional
    assert [(p.label, p.value, p.status, p.provisional) for p in months.points] == [
        ("2024-01", 0.5, "met", False), ("2024-02", 0.0, "not met", False), ("2024-03", None, "no data", False)]
    assert months.whole.provisional and quarter.points[0].provisional
    assert quarter.points[0].value == pytest.approx(1 / 3)
    assert strategy.PROVISIONAL_NOTE in quarter.notes
    assert quarter.notes[0].startswith("Outcomes arrive months or years after a crime")


def test_targets_and_refusals() -> None:
    assert strategy.parse_target("2.5", PER_1000) == 2.5 and strategy.parse_target("40%", CHARGED) == 0.4
    for text, metric, words in (("40%", PER_1000, "write crimes per 1,000 residents"), ("-1", PER_1000, "0 or more"),
                                ("inf", PER_1000, "0 or more"), ("2.5", CHARGED, "between 0 and 1")):
        with pytest.raises(Invalid) as caught:
            strategy.parse_target(text, metric)
        assert caught.value.field == "target" and words in caught.value.message
    made = forms.parse(IndicatorCreate, {"metric": "drug_crimes_per_1000", "direction": "at_most", "target": "2.5",
                                         "force": "metropolitan", "area": "Hackney"})
    assert made.model is not None and made.model.target == 2.5
    assert forms.parse(IndicatorCreate, {"metric": "drug_crime_nfa_share", "direction": "at_most", "target": "2.5",
                                         "force": "metropolitan", "area": ""}).errors == {
        "target": "a share target lies between 0 and 1 (or 0% and 100%)"}
    assert IndicatorCreate.model_validate({"metric": "drug_crimes_per_1000", "direction": "at_most",
                                           "target": 12.0}).target == 12.0  # JSON: no share's upper bound


def test_the_service_refuses_without_a_force_or_out_of_range(ws: Workspace, member: User) -> None:
    priority_id = _priority(ws, member, [])
    with ws.session(accounts.actor(member)) as session:
        for metric, target, force, field in ((CHARGED, 0.3, "", "force"), (PER_1000, -2.0, "metropolitan", "target"),
                                             (NFA, 1.5, "metropolitan", "target")):
            with pytest.raises(Invalid) as caught:
                strategy.add_indicator(session, priority_id, metric, AT_MOST, target, force)
            assert caught.value.field == field
        strategy.add_indicator(session, priority_id, PER_1000, AT_MOST, 12.5, "metropolitan", HACKNEY_CODE)
    with ws.session() as session:  # each new figure is stored and read back on both databases
        [indicator] = strategy.get_priority(session, priority_id).indicators
        assert (indicator.metric, indicator.target, indicator.area) == (PER_1000, 12.5, HACKNEY_CODE)


@pytest.fixture
def site(ws: Workspace, crime_db: Path) -> Iterator[Callable[[], Browser]]:
    app = create_app(get_settings(crime_db, workspace_url=ws.url))
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
    priority_id = _priority(ws, member, [(CHARGED, AT_LEAST, 0.3, None)])
    url = f"/workspace/strategy/{priority_id}"
    form = b.get(url).text
    for metric in (PER_1000, CHARGED, NFA):
        assert f'<option value="{metric.value}"' in form and strategy.METRIC_LABELS[metric] in form
    made = b.post(f"{url}/indicators", {"metric": "drug_crimes_per_1000", "direction": "at_most", "target": "1",
                                        "force": "metropolitan", "area": HACKNEY_CODE})
    assert made.status_code == 303
    refused = b.post(f"{url}/indicators", {"metric": "drug_crimes_per_1000", "direction": "at_most", "target": "5%",
                                           "force": "metropolitan"})
    assert refused.status_code == 422 and "write crimes per 1,000 residents such as 2.5" in refused.text
    page = site().get(f"/strategy/{priority_id}")
    assert page.status_code == 200
    text = page.text
    assert "Share of recorded drug crimes charged or summonsed: target at least 30%" in text
    assert "Recorded drug crimes per 1,000 residents: target at most 1.00 per 1,000 residents" in text
    assert f"{2 / HACKNEY * 1000:.2f} per 1,000" in text and "50.0%" in text and "not judged" in text
    assert "Outcomes arrive months or years after a crime" in text
    doc = site().get(f"/api/v1/strategy/{priority_id}").json()
    charged, rate = doc["indicators"]
    assert [(p["period"], p["value"], p["status"], p["provisional"]) for p in charged["periods"]] == [
        ("2024-01", 0.5, "met", False), ("2024-02", 0.0, "not met", False), ("2024-03", 0.0, "not met", False)]
    assert rate["metric"] == "drug_crimes_per_1000" and rate["whole_period"]["status"] == "not judged"
    assert rate["periods"][0]["value"] == pytest.approx(2 / HACKNEY * 1000)
