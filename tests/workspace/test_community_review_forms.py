"""The community report and review forms parse into their schema family (schemas/community.py, review.py):
the public form and the API take one model, `CommunityReportCreate`; a refused form comes back, status 422,
with the field marked in the service's words and what was typed kept, escaped; a good one is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape
from pydantic import ValidationError
from sqlalchemy import select

from scrutiny.web.workspace import forms
from scrutiny.web.workspace.schemas.community import CommunityReportCreate, ModerationCreate
from scrutiny.web.workspace.schemas.review import DrawCreate, ReviewCreate
from scrutiny.workspace import accounts
from scrutiny.workspace.community import reports
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.community import CommunityReport
from scrutiny.workspace.models.review import Review, ReviewSample, SearchRecord
from tests.workspace.conftest import Browser
from tests.workspace.factories_community import valid
from tests.workspace.factories_review import add_record, count, sample_of

Web = Callable[[], Browser]
MakeUser = Callable[..., User]
HOSTILE = '"><script>alert(1)</script>'
ANSWERS = {"object_stated": "yes", "grounds_stated": "yes", "reasonable_suspicion": "no", "smell_only": "yes",
           "body_worn_video": "unknown", "conduct": "concerns", "grounds_class": "smell_only", "notes": ""}


def recent(**changes: Any) -> dict[str, Any]:
    day = (datetime.now(reports.LONDON).date() - timedelta(days=3)).isoformat()
    return valid(**{"date": day, **changes})


def _shown_escaped(text: str, value: str) -> bool:
    return value not in text and str(escape(value)) in text


# ---- the models ---------------------------------------------------------------------------------------

def test_a_report_form_parses_with_the_services_words() -> None:
    refused = forms.parse(CommunityReportCreate, {"date": "", "kind": "", "latitude": "north", "respect": "9",
                                                  "borough": "E09000099", "grounds_given": "maybe",
                                                  "contact_email": "not an address", "account": "x" * 6001})
    assert refused.model is None and refused.errors == {
        "date": "say which day it happened", "borough": "choose the council area (borough or district) from the list",
        "latitude": "must be a number, like 51.5074", "kind": "say whether you were searched or only stopped",
        "grounds_given": "choose one of: yes, no, not_sure",
        "respect": "choose from 1 (not at all) to 5 (very respectfully)",
        "account": "please keep this under 6000 characters (it has 6001)",
        "contact_email": "this does not look like an email address"}
    made = forms.parse(CommunityReportCreate, {**valid(), "contact_consent": "yes", "time": "17:30", "found": "  "})
    assert made.model is not None and made.model.contact_consent is True and made.model.found is None
    assert (made.model.kind, made.model.age_band, made.model.respect) == ("search", "18-24", 2)


def test_the_report_api_still_validates_json_for_shape_only() -> None:
    """Without the form context the readers stand aside: JSON gets the types and limits the API documents."""
    with pytest.raises(ValidationError) as raised:
        CommunityReportCreate.model_validate({"date": "2026-01-01", "kind": "", "respect": "9", "colour": "red"})
    assert [e["loc"] for e in raised.value.errors()] == [("kind",), ("respect",), ("colour",)]
    assert CommunityReportCreate.model_validate({"date": "2026-01-01", "kind": "stop", "borough": "E09000099"})


def test_the_api_and_the_form_share_one_model(web: Web) -> None:
    spec = web().get("/api/v1/openapi.json").json()
    post = spec["paths"]["/api/v1/community-reports"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["title"] == "CommunityReportCreate"
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CommunityReportAccepted")
    summary = spec["paths"]["/api/v1/community-reports/summary"]["get"]["responses"]["200"]
    assert summary["content"]["application/json"]["schema"]["$ref"].endswith("/CommunitySummaryPublic")
    results = spec["paths"]["/api/v1/review/results"]["get"]["responses"]["200"]
    assert results["content"]["application/json"]["schema"]["$ref"].endswith("/ReviewResultsPublic")


def test_moderation_and_review_models() -> None:
    assert forms.parse(ModerationCreate, {"action": "publish"}).model == ModerationCreate(action="publish")
    assert forms.parse(ModerationCreate, {"action": "explode"}).errors == {
        "action": "choose one of: publish, hide, flag, approve-text, withhold-text"}
    draw = forms.parse(DrawCreate, {"period_start": "2024-03-01", "period_end": "31/03/2024", "size": "0",
                                    "seed": "-1", "source": "workspace", "force": "", "area": ""})
    assert draw.errors == {"period_end": "'31/03/2024' is not a date like 2025-03-31",
                           "size": "a sample has 1 to 2000 records", "seed": "the seed is a whole number from 0"}
    assert forms.parse(DrawCreate, {"period_start": "", "period_end": "2024-03-31", "size": "",
                                    "seed": "x"}).errors == {
        "period_start": "give the first day of the period", "size": "a sample has 1 to 2000 records",
        "seed": "the seed is a whole number (or leave it empty for a random one)"}
    review = forms.parse(ReviewCreate, {**ANSWERS, "smell_only": "", "notes": "  kept  "})
    assert review.errors == {"smell_only": "answer 'Smell of cannabis the only ground' with yes or no"}
    kept = forms.parse(ReviewCreate, {**ANSWERS, "notes": "  kept  "}).model
    assert kept is not None and kept.notes == "kept" and kept.smell_only is True and kept.reasonable_suspicion is False


# ---- round trips through the pages ------------------------------------------------------------------

def test_the_report_form_round_trip(web: Web, ws: Workspace) -> None:
    public = web()
    refused = public.post("/report", recent(latitude=HOSTILE, longitude="-0.12", account=HOSTILE), csrf=False)
    assert refused.status_code == 422
    assert 'id="e-latitude"' in refused.text and "must be a number, like 51.5074" in refused.text
    assert 'href="#f-latitude"' in refused.text and _shown_escaped(refused.text, HOSTILE)
    assert f"{escape(HOSTILE)}</textarea>" in refused.text  # the account as typed, escaped
    future = public.post("/report", recent(date="2099-01-01"), csrf=False)  # the service's check of the whole
    assert future.status_code == 422 and 'id="e-date"' in future.text and "this is in the future" in future.text
    robot = public.post("/report", recent(kind="arrest", website="http://spam.example"), csrf=False)
    assert robot.status_code == 201 and "Thank you" in robot.text  # a robot is thanked, whatever else it sent
    with ws.session() as session:
        assert session.scalars(select(CommunityReport)).first() is None
    stored = public.post("/report", recent(account=HOSTILE, time="09:05"), csrf=False)
    assert stored.status_code == 201, stored.text
    with ws.session() as session:
        (row,) = session.scalars(select(CommunityReport))
        assert (row.account, row.occurred_time, row.respect, row.kind.value) == (HOSTILE, "09:05", 2, "search")


def test_a_refused_moderation_shows_the_report_again(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    """Approving words a report does not have: the report's page again, 422, with the reason (it was the
    generic error page)."""
    with ws.session(reports.PUBLIC_FORM) as session:
        ref = reports.submit(session, recent(account="")).reference
    member = web()
    member.login(make_user(Role.panel_member).email)
    refused = member.post(f"/workspace/community-reports/{ref}/approve-text")
    assert refused.status_code == 422 and "no text of the person&#39;s own to approve" in refused.text
    assert 'id="status"' in refused.text  # the report's own page
    assert member.post(f"/workspace/community-reports/{ref}/explode").status_code == 404
    assert member.post(f"/workspace/community-reports/{ref}/hide").status_code == 303


def test_the_draw_form_round_trip(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    """A date that is not one was FastAPI's JSON 422; it is now the page again with the field marked."""
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as session:
        add_record(session)
    b = web()
    b.login(member.email)
    draw = {"period_start": "2024-03-01", "period_end": "2024-03-31", "size": "5", "seed": "3",
            "source": "workspace", "force": "", "area": ""}
    bad_date = b.post("/workspace/review/samples", {**draw, "period_start": HOSTILE, "force": HOSTILE})
    assert bad_date.status_code == 422 and bad_date.headers["content-type"].startswith("text/html")
    assert 'id="e-period_start"' in bad_date.text and "is not a date like 2025-03-31" in bad_date.text
    assert _shown_escaped(bad_date.text, HOSTILE) and 'value="2024-03-31"' in bad_date.text
    bad_size = b.post("/workspace/review/samples", {**draw, "size": "5000"})
    assert bad_size.status_code == 422 and 'id="e-size"' in bad_size.text and 'value="5000"' in bad_size.text
    empty = b.post("/workspace/review/samples", {**draw, "period_start": "2023-01-01", "period_end": "2023-01-31"})
    assert empty.status_code == 422 and "no search records match" in empty.text and 'id="e-period_start"' in empty.text
    last_day = b.post("/workspace/review/samples", {**draw, "period_end": "9999-12-31"})  # was a 500
    assert last_day.status_code == 422 and 'id="e-period_end"' in last_day.text
    assert count(ws, ReviewSample) == 0
    made = b.post("/workspace/review/samples", draw)
    assert made.status_code == 303 and made.headers["location"] == "/workspace/review/samples/1"
    with ws.session() as session:
        sample = session.get(ReviewSample, 1)
        assert sample is not None and (sample.seed, sample.size, sample.population) == (3, 5, 1)


def test_the_review_form_round_trip(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    member, reviewer = make_user(Role.panel_member), make_user(Role.reviewer)
    with ws.session(accounts.actor(member)) as session:
        record = add_record(session).id
        sample_of(session, member, [record])
    b = web()
    b.login(reviewer.email)
    url = f"/workspace/review/records/{record}/reviews"
    refused = b.post(url, {**ANSWERS, "reasonable_suspicion": "", "notes": HOSTILE, "sample": "1"})
    assert refused.status_code == 422 and 'id="e-reasonable_suspicion"' in refused.text
    assert "answer &#39;Grounds amount to reasonable suspicion&#39; with yes or no" in refused.text
    assert _shown_escaped(refused.text, HOSTILE) and 'value="concerns" selected' in refused.text
    assert 'name="object_stated" value="yes" required checked' in refused.text
    assert 'href="/workspace/review/samples/1"' in refused.text  # still on the way back to the sample
    too_long = b.post(url, {**ANSWERS, "notes": "n" * 5001})
    assert too_long.status_code == 422 and "at most 5,000 characters" in too_long.text
    assert count(ws, Review) == 0
    done = b.post(url, {**ANSWERS, "notes": f"  {HOSTILE}  ", "sample": "1"})
    assert done.status_code == 303 and done.headers["location"] == "/workspace/review/samples/1"
    with ws.session() as session:
        (row,) = session.scalars(select(Review))
        assert (row.reasonable_suspicion, row.conduct, row.notes) == (False, "concerns", HOSTILE)
    again = b.post(url, ANSWERS)
    assert again.status_code == 422 and "you have already reviewed this record" in again.text


def test_the_grounds_form_round_trip(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as session:
        record = add_record(session, grounds="", source="warehouse").id
        imported = add_record(session).id
    b = web()
    b.login(member.email)
    long = b.post(f"/workspace/review/records/{record}/grounds", {"grounds": "g" * 20_001})
    assert long.status_code == 422 and "at most 20000 characters" in long.text
    refused = b.post(f"/workspace/review/records/{imported}/grounds", {"grounds": HOSTILE})
    assert refused.status_code == 422 and "only a record drawn from the warehouse" in refused.text
    assert b.post(f"/workspace/review/records/{record}/grounds", {"grounds": HOSTILE}).status_code == 303
    with ws.session() as session:
        row = session.get(SearchRecord, record)
        assert row is not None and row.grounds == HOSTILE
