"""One form helper and one schema family per entity: a form parses into the same Create/Update model as the
API's JSON, with the services' own words per field; JSON is validated as before; a refused form comes back
once, status 422, every field at fault marked and what was typed shown escaped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from pydantic import ValidationError

from scrutiny.web.workspace import forms
from scrutiny.web.workspace.schemas.governance import MembershipCreate
from scrutiny.web.workspace.schemas.panels import MeetingCreate
from scrutiny.web.workspace.schemas.recommendations import RecommendationCreate, RecommendationUpdate
from scrutiny.web.workspace.schemas.strategy import PriorityCreate
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.recommendations import Status
from scrutiny.workspace.models.strategy import Granularity
from tests.workspace.conftest import Browser

SCRIPT = "<script>alert(1)</script>"


def test_a_form_parses_into_the_api_model_with_the_services_words() -> None:
    refused = forms.parse(RecommendationCreate, {"text": "t", "from_body_id": "", "to_body_id": "x",
                                                 "made_on": "", "panel_id": "", "response_due": "2025-02-30"})
    assert refused.model is None and refused.errors == {
        "from_body_id": "choose a body", "to_body_id": "choose one of the listed options",
        "made_on": "give the date the recommendation was made",
        "response_due": "'2025-02-30' is not a date like 2025-03-31"}
    made = forms.parse(RecommendationCreate, {"text": "t", "from_body_id": "3", "to_body_id": "4",
                                              "made_on": "2025-01-10", "panel_id": "", "response_due": ""})
    assert made.errors == {} and made.model is not None
    assert (made.model.from_body_id, made.model.to_body_id, made.model.made_on, made.model.panel_id,
            made.model.response_due, made.model.status) == (3, 4, date(2025, 1, 10), None, None, Status.open)
    status = forms.parse(RecommendationUpdate, {"status": "closed"})
    assert status.errors == {"status": "'closed' is not one of: open, answered, accepted, rejected, implemented"}
    assert forms.parse(PriorityCreate, {"granularity": "week"}).errors == {
        "granularity": "choose each month or each quarter"}
    assert forms.parse(PriorityCreate, {"granularity": "quarter"}).model == PriorityCreate(
        granularity=Granularity.quarter)


def test_json_is_validated_as_before() -> None:
    """The form converters do nothing without the form context: a blank id in JSON is not "no body"."""
    with pytest.raises(ValidationError) as raised:
        RecommendationCreate.model_validate({"text": "t", "from_body_id": "", "to_body_id": 2**63,
                                             "made_on": "2025-01-10"})
    assert [(e["loc"], e["type"]) for e in raised.value.errors()] == [
        (("from_body_id",), "int_parsing"), (("to_body_id",), "less_than_equal")]
    patch = RecommendationUpdate.model_validate({"status": "answered", "responded_on": "2025-02-01"})
    assert patch.model_fields_set == {"status", "responded_on"} and patch.status is Status.answered


def test_only_the_first_message_per_field_and_none_for_a_good_form() -> None:
    meeting = forms.parse(MeetingCreate, {"held_on": "31/01/2025", "title": "x" * 601, "minutes_url": ""})
    assert meeting.errors == {"held_on": "'31/01/2025' is not a date like 2025-03-31",
                              "title": "String should have at most 600 characters"}
    assert forms.parse(MembershipCreate, {"body_id": "2", "person_name": "A", "since": "", "until": ""}).model \
        == MembershipCreate(body_id=2, person_name="A")


def test_a_refused_form_is_shown_again_with_every_field_marked(web: Callable[[], Browser],
                                                              make_user: Callable[..., User]) -> None:
    b = web()
    b.login(make_user(Role.panel_member).email)
    form = {"name": SCRIPT, "area_name": "Greenwich", "kind": "scrutiny_panel", "area_code": "",
            "terms_of_reference": "", "contact_email": "", "website": "javascript:alert(1)", "how_to_join": ""}
    refused = b.post("/workspace/panels", form)
    assert refused.status_code == 422
    assert 'id="e-website"' in refused.text and "give a web address starting with http:// or https://" in refused.text
    assert SCRIPT not in refused.text and 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in refused.text
    made = b.post("/workspace/panels", {**form, "website": "https://example.org"})
    assert made.status_code == 303
    url = made.headers["location"]
    assert b.post("/workspace/governance/bodies", {"name": "MOPAC", "kind": "other"}).status_code == 303
    membership = b.post("/workspace/governance/memberships", {"body_id": "", "person_name": SCRIPT, "since": "soon",
                                                              "until": ""})
    assert membership.status_code == 422
    assert "choose a body" in membership.text and 'id="e-since"' in membership.text
    assert "&#39;soon&#39; is not a date like 2025-03-31" in membership.text and SCRIPT not in membership.text
    member = b.post(f"{url}/members", {"member_name": "", "age_band": "18-24"})
    assert member.status_code == 422 and 'id="e-member_name"' in member.text  # the service's "name", renamed
    assert b.post(f"{url}/members", {"member_name": "Ada", "age_band": "18-24"}).status_code == 303
