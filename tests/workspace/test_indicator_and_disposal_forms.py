"""The indicator form, the disposal-records form and the policies page's case parse into their schema models
(IndicatorCreate, RecordsUpload, PolicyCase) with the services' own words: a bad field comes back once, status
422, marked beside its box with what was typed kept and escaped; a good one is stored or evaluated."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from scrutiny.web.workspace import forms
from scrutiny.web.workspace.schemas.disposals import PolicyCase, RecordsUpload
from scrutiny.web.workspace.schemas.strategy import IndicatorCreate
from scrutiny.workspace import accounts, strategy
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.strategy import IndicatorMetric, TargetDirection
from tests.workspace.conftest import Browser

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
CASES = Path(__file__).parent / "data" / "disposal_cases.csv"
CHOOSE = "choose a figure and a direction from the lists"


def test_the_models_read_a_form_with_the_services_words() -> None:
    refused = forms.parse(IndicatorCreate, {"metric": "wellbeing", "direction": "sideways", "target": "lots",
                                            "force": "", "area": ""})
    assert refused.model is None and refused.errors == {
        "metric": CHOOSE, "direction": CHOOSE,
        "target": "'lots' is not a number: write a share such as 0.40 or 40%"}
    assert forms.parse(IndicatorCreate, {"metric": "find_rate", "direction": "at_least", "target": "",
                                         "force": "kent", "area": ""}).errors == {
        "target": "'' is not a number: write a share such as 0.40 or 40%"}
    made = forms.parse(IndicatorCreate, {"metric": "drugs_share", "direction": "at_most", "target": "40%",
                                         "force": "kent", "area": "Medway"})
    assert made.model == IndicatorCreate(metric=IndicatorMetric.drugs_share, direction=TargetDirection.at_most,
                                         target=0.4, force="kent", area="Medway")
    assert forms.parse(RecordsUpload, {"policy": "/etc/passwd.toml"}).errors == {
        "policy": "choose one of the policies"}
    assert forms.parse(RecordsUpload, {"policy": "x" * 101}).errors == {"policy": "choose one of the policies"}
    assert forms.parse(RecordsUpload, {"policy": "durham_checkpoint"}).model == RecordsUpload(
        policy="durham_checkpoint")
    case = forms.parse(PolicyCase, {"date": "2024-03-01", "drug": "cannabis", "age": "19",
                                    "priors": "2024-01-03:cannabis:cannabis_warning, \n2024-02-01:cannabis:caution",
                                    "admits": "yes", "on_bail": "maybe", "intent": ""})
    assert case.model == PolicyCase(date="2024-03-01", drug="cannabis", age="19",
                                    priors=["2024-01-03:cannabis:cannabis_warning", "2024-02-01:cannabis:caution"],
                                    admits=True, on_bail=None, intent="possession")
    assert forms.parse(PolicyCase, {"drug": "x" * 601}).errors == {
        "drug": "String should have at most 600 characters"}


def _priority(ws: Workspace, user: User) -> int:
    with ws.session(accounts.actor(user)) as session:
        return strategy.create_priority(session, "Drugs", "", "2024-01", "2024-03").id


def test_an_indicator_round_trip(web: Callable[[], Browser], make_user: Callable[..., User],
                                 ws: Workspace) -> None:
    b = web()
    member = make_user(Role.panel_member)
    b.login(member.email)
    priority_id = _priority(ws, member)
    url = f"/workspace/strategy/{priority_id}/indicators"
    refused = b.post(url, {"metric": "find_rate", "direction": "at_least", "target": "0.2", "force": SCRIPT,
                           "area": SCRIPT})
    assert refused.status_code == 422
    assert '<p class="field-error" id="e-force" role="alert">' in refused.text
    assert SCRIPT not in refused.text and ESCAPED in refused.text  # the refusal quotes it, escaped
    both = b.post(url, {"metric": "drugs_share", "direction": "upwards", "target": "1.5", "force": "kent"})
    assert both.status_code == 422 and CHOOSE in both.text and "a share target lies between 0 and 1" in both.text
    assert 'id="e-target"' in both.text and 'value="1.5"' in both.text and 'value="kent"' in both.text
    assert b.post("/workspace/strategy/999/indicators", {"metric": "x"}).status_code == 404
    made = b.post(url, {"metric": "diversion_completion", "direction": "at_least", "target": "50%",
                        "area": "  e06000035  "})  # Medway, from the list of local authorities
    assert made.status_code == 303
    assert made.headers["location"].endswith(f"/workspace/strategy/{priority_id}#indicators")
    with ws.session() as session:
        [indicator] = strategy.get_priority(session, priority_id).indicators
        assert (indicator.metric, indicator.direction, indicator.target, indicator.force, indicator.area) == (
            IndicatorMetric.diversion_completion, TargetDirection.at_least, 0.5, "", "E06000035")


def test_a_records_upload_round_trip(web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    b = web()
    b.login(make_user(Role.panel_member).email)
    url = "/workspace/disposals/records"
    long = b.post(url, {"policy": "x" * 101}, files={"file": ("cases.csv", CASES.read_bytes(), "text/csv")})
    assert long.status_code == 422 and "choose one of the policies" in long.text
    empty = b.post(url, {"policy": "durham_checkpoint"}, files={"file": ("cases.csv", b"", "text/csv")})
    assert empty.status_code == 422 and "choose a CSV file of records" in empty.text
    assert '<option value="durham_checkpoint" selected>' in empty.text  # the choice is kept
    checked = b.post(url, {"policy": "durham_checkpoint"},
                     files={"file": ("cases.csv", CASES.read_bytes(), "text/csv")})
    assert checked.status_code == 200 and 'id="table-mix"' in checked.text
    assert '<option value="durham_checkpoint" selected>' in checked.text


def test_a_policy_case_round_trip(web: Callable[[], Browser]) -> None:
    b = web()
    refused = b.get("/disposals/policies", params={"date": "2024-03-01", "drug": "", "age": "19",
                                                   "intent": SCRIPT, "admits": "yes"})
    assert refused.status_code == 422
    assert 'id="e-drug"' in refused.text and "say which drug (e.g. cannabis)" in refused.text
    assert "intent must be one of possession, supply, not &#39;" in refused.text and SCRIPT not in refused.text
    assert 'value="2024-03-01"' in refused.text and 'value="19"' in refused.text
    assert '<option value="yes" selected>' in refused.text
    huge = b.get("/disposals/policies", params={"date": "2024-03-01", "drug": "x" * 601, "age": "19"})
    assert huge.status_code == 422 and "String should have at most 600 characters" in huge.text
    answer = b.get("/disposals/policies", params={"date": "2024-03-01", "drug": "cannabis", "age": "19",
                                                  "priors": "2024-01-03:cannabis:cannabis_warning,"})
    assert answer.status_code == 200 and 'id="decisions"' in answer.text
    found = dict(re.findall(r'data-policy="([a-z_]+)">.*?data-disposal="([a-z_]+)"', answer.text, re.S))
    assert found["national_cannabis"] == "penalty_notice"  # the comma-separated prior is the first occasion
