"""The diversion case's schema family: the form's fields are the service's case fields (they cannot drift), each
read by the same reader the CSV import uses (same value, same words), and a refused form comes back 422 with
every field at fault marked, what was typed kept and escaped, and nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from scrutiny.web.workspace import forms
from scrutiny.web.workspace.schemas.diversion import MAX_FIELD, CaseCreate, CaseUpdate, RecontactCreate
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.diversion import cases, csv_io
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.diversion import DiversionCase, RecontactKind
from tests.workspace.conftest import Browser

SCRIPT = "<script>alert(1)</script>"
CASE = {"person_id": "P-77", "ethnic_group": "Mixed", "age_band": "25-34", "borough": "Lambeth", "drug": "cannabis",
        "referral_source": "custody", "referral_date": "2024-05-01", "eligible": "", "intervention": "",
        "completed": "unknown"}


def _form(**changes: str) -> dict[str, str]:
    """Every case box, as the page posts them (blank where not typed)."""
    return {name: changes.get(name, CASE.get(name, "")) for name in cases.CASE_FIELDS}


def test_the_schema_fields_are_the_services_case_fields() -> None:
    for model in (CaseCreate, CaseUpdate):
        schema = model.model_json_schema()
        assert tuple(schema["properties"]) == cases.CASE_FIELDS
        assert tuple(schema["required"]) == csv_io.REQUIRED  # a required box is a required CSV column
    assert set(cases.READERS) == set(cases.CASE_FIELDS)
    assert tuple(RecontactCreate.model_json_schema()["properties"]) == ("contact_date", "kind")


@pytest.mark.parametrize("changes", [
    {},
    {"eligible": "yes", "eligibility_date": "02/05/2024", "first_contact_date": "2024-05-06",
     "intervention": "Treatment", "completed": "yes", "completion_date": "2024-08-01", "borough_code": "e09000022",
     "closure_reason": "  done   well "},
])
def test_a_form_reads_each_field_as_the_csv_import_does(changes: dict[str, str]) -> None:
    posted = forms.parse(CaseCreate, _form(**changes))
    assert posted.errors == {} and posted.model is not None
    assert posted.model.case() == cases.parse_case(_form(**changes))


@pytest.mark.parametrize(("name", "value"), [
    ("ethnic_group", "Purple"), ("referral_date", "31/02/2024"), ("borough", ""), ("borough_code", "X1"),
    ("eligible", "maybe"), ("drug", "d" * 101), ("completed", "nearly"), ("person_id", "-lead"),
])
def test_a_refused_field_has_the_services_words(name: str, value: str) -> None:
    with pytest.raises(Invalid) as caught:
        cases.parse_case(_form(**{name: value}))
    assert forms.parse(CaseCreate, _form(**{name: value})).errors == {name: caught.value.message}


def test_an_over_long_box_is_refused_before_it_is_read() -> None:
    too_long = "2" * (MAX_FIELD + 1)
    assert forms.parse(CaseCreate, _form(referral_date=too_long)).errors == {
        "referral_date": f"at most {MAX_FIELD} characters"}
    assert forms.parse(RecontactCreate, {"contact_date": too_long, "kind": ""}).errors == {
        "contact_date": f"at most {MAX_FIELD} characters"}
    assert forms.parse(RecontactCreate, {"contact_date": "", "kind": ""}).model == RecontactCreate(
        contact_date=None, kind=RecontactKind.stop)


def test_a_refused_case_form_comes_back_marked_and_nothing_is_stored(
        web: Callable[[], Browser], make_user: Callable[..., User], ws: Workspace) -> None:
    b = web()
    b.login(make_user(Role.panel_member).email)
    bad = _form(borough=SCRIPT, drug="d" * (MAX_FIELD + 1), referral_date="soon")
    refused = b.post("/workspace/diversion", bad)
    assert refused.status_code == 422
    assert 'id="e-drug"' in refused.text and f"at most {MAX_FIELD} characters" in refused.text
    assert 'id="e-referral_date"' in refused.text and "&#39;soon&#39; is not a date" in refused.text
    assert SCRIPT not in refused.text and 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in refused.text
    with ws.session() as session:
        assert session.scalars(select(DiversionCase)).all() == []
    made = b.post("/workspace/diversion", _form(borough=SCRIPT, closure_reason="moved away"))
    assert made.status_code == 303
    url = made.headers["location"]
    with ws.session() as session:
        stored = session.scalars(select(DiversionCase)).one()
        assert (stored.person_ref, stored.borough, stored.referral_date, stored.closure_reason) == (
            "P-77", SCRIPT, date(2024, 5, 1), "moved away")
        assert url == f"/workspace/diversion/{stored.id}"
    recontact = b.post(f"{url}/recontacts", {"contact_date": "tomorrow", "kind": "arrest"})
    assert recontact.status_code == 422 and 'id="e-contact_date"' in recontact.text
    assert "&#39;tomorrow&#39; is not a date" in recontact.text
    blank = b.post(f"{url}/recontacts", {"contact_date": "", "kind": "arrest"})
    assert blank.status_code == 422 and "contact date: is required" in blank.text  # the service's words
    assert b.post(f"{url}/recontacts", {"contact_date": "2024-06-01", "kind": "arrest"}).status_code == 303
    with ws.session() as session:
        assert [(r.contact_date, r.kind) for r in cases.get_case(session, stored.id).recontacts] == [
            (date(2024, 6, 1), RecontactKind.arrest)]
