"""Issue 21: the report form asks a young person whether a parent, carer or other appropriate adult was with them
(yes, no, not sure, or "I was 18 or over"); the answer is stored (migration 0011), a child who says no or not sure
is flagged for safeguarding on the moderation page with the steps to take, and someone 18 or over is not. On
SQLite and PostgreSQL; expected values are written out by hand."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from scrutiny.workspace.community import letters, reports, safeguarding
from scrutiny.workspace.database import Workspace, head_revisions
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from scrutiny.workspace.models.community import AdultPresent, AgeBand, Answer, CommunityReport, StopKind
from tests.workspace.conftest import Browser
from tests.workspace.factories_community import NOW, store, valid

Web = Callable[[], Browser]
MakeUser = Callable[..., User]
QUESTION = "If you were under 18: was a parent, carer or another adult there for you when you were searched?"
NO_REASON = "They say no parent, carer or other appropriate adult was with them when they were searched."
NOT_SURE_REASON = ("They are not sure whether a parent, carer or other appropriate adult was with them when they "
                   "were searched.")
FLAG = '<strong class="cr-flag">Child: act today</strong>'
QUIET = "They checked my pockets."  # own words that raise nothing by themselves


def _row(ws: Workspace, reference: str) -> CommunityReport:
    with ws.session() as session:
        found = session.get(CommunityReport, reference)
        assert found is not None
        return found


def recent(**changes: Any) -> dict[str, Any]:
    """A valid submission dated three days ago (the form refuses days more than two years back)."""
    return valid(**{"date": (datetime.now(reports.LONDON).date() - timedelta(days=3)).isoformat(), **changes})


# --- stored ---------------------------------------------------------------------------------------------

def test_each_answer_is_stored_and_a_blank_one_is_none(ws: Workspace) -> None:
    expected = {"yes": AdultPresent.yes, "no": AdultPresent.no, "not_sure": AdultPresent.not_sure,
                "over_18": AdultPresent.over_18, "": None}
    for sent, kept in expected.items():
        assert _row(ws, store(ws, appropriate_adult=sent).reference).appropriate_adult is kept
    assert _row(ws, store(ws).reference).appropriate_adult is None  # not sent at all
    with ws.engine.connect() as con:  # the column holds the plain value, as the other answers do
        stored = sorted(v for (v,) in con.execute(text("SELECT appropriate_adult FROM community_reports")) if v)
    assert stored == ["no", "not_sure", "over_18", "yes"]


def test_an_answer_not_offered_is_refused_naming_the_box(ws: Workspace) -> None:
    assert reports.refusals(valid(appropriate_adult="maybe"), NOW) == {
        "appropriate_adult": "choose one of: yes, no, not_sure, over_18"}
    with pytest.raises(Invalid) as caught, ws.session(reports.PUBLIC_FORM) as session:
        reports.submit(session, valid(appropriate_adult="maybe"), NOW)
    assert caught.value.field == "appropriate_adult"
    with ws.session() as session:
        assert session.scalars(select(CommunityReport)).all() == []


def test_the_form_and_the_api_store_the_answer(web: Web, ws: Workspace) -> None:
    public = web()
    sent = public.post("/report", recent(age_band="10-17", appropriate_adult="not_sure"), csrf=False)
    assert sent.status_code == 201
    reference = re.findall(r'id="reference">([^<]+)<', sent.text)[0]
    assert _row(ws, reference).appropriate_adult is AdultPresent.not_sure
    api = public.client.post("/api/v1/community-reports", json=recent(appropriate_adult="over_18"))
    assert api.status_code == 201
    assert _row(ws, api.json()["reference"]).appropriate_adult is AdultPresent.over_18
    refused = public.client.post("/api/v1/community-reports", json=recent(appropriate_adult="maybe"))
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "appropriate_adult"]]
    schema = public.get("/api/v1/openapi.json").json()
    shown = schema["paths"]["/api/v1/community-reports"]["post"]["requestBody"]["content"]["application/json"]
    assert shown["schema"]["properties"]["appropriate_adult"]["anyOf"][0]["enum"] == [
        "yes", "no", "not_sure", "over_18"]


# --- the form -------------------------------------------------------------------------------------------

def test_the_form_asks_the_question_with_four_answers(web: Web) -> None:
    page = web().get("/report").text
    fieldset = page[page.index('id="f-appropriate_adult"'):]
    fieldset = fieldset[:fieldset.index("</fieldset>")]
    assert f"<legend>{QUESTION}</legend>" in fieldset
    assert "A police officer does not count." in fieldset
    radios = re.findall(r'<input type="radio" name="appropriate_adult" value="([^"]+)"> ([^<]+?)\s*</label>',
                        fieldset)
    assert radios == [("yes", "Yes"), ("no", "No"), ("not_sure", "Not sure"), ("over_18", "I was 18 or over")]
    # after the clothing question, before the law they named
    assert (page.index('id="f-outer_clothing_removed"') < page.index('id="f-appropriate_adult"')
            < page.index('id="f-power_stated"'))


def test_a_refused_form_keeps_the_answer_and_names_a_bad_one(web: Web) -> None:
    public = web()
    kept = public.post("/report", recent(borough="", appropriate_adult="no"), csrf=False)
    assert kept.status_code == 422
    assert '<input type="radio" name="appropriate_adult" value="no" checked>' in kept.text
    bad = public.post("/report", recent(appropriate_adult="maybe"), csrf=False)
    assert bad.status_code == 422
    assert "An adult there for you: choose one of: yes, no, not_sure, over_18" in bad.text


# --- safeguarding ---------------------------------------------------------------------------------------

def _report(**fields: Any) -> CommunityReport:
    base: dict[str, Any] = {"age_band": AgeBand.age_10_17, "outer_clothing_removed": Answer.no,
                            "kind": StopKind.search, "account": QUIET, "suspected_of": None, "searched_for": None,
                            "found": None, "appropriate_adult": None}
    return CommunityReport(**{**base, **fields})


def test_a_child_who_says_no_or_not_sure_is_flagged_and_an_adult_is_not() -> None:
    assert safeguarding.concern(_report(appropriate_adult=AdultPresent.no)) == safeguarding.Concern(
        "a child (10 to 17) who was searched", [NO_REASON], [])
    assert safeguarding.concern(_report(appropriate_adult=AdultPresent.not_sure)) == safeguarding.Concern(
        "a child (10 to 17) who was searched", [NOT_SURE_REASON], [])
    # the answer itself says they were under 18, whatever age band (or none) they gave, short of 25 or over
    assert safeguarding.concern(_report(age_band=None, appropriate_adult=AdultPresent.no)) == safeguarding.Concern(
        "a child (they say they were under 18) who was searched", [NO_REASON], [])
    assert safeguarding.concern(_report(age_band=AgeBand.age_18_24, appropriate_adult=AdultPresent.not_sure)) == \
        safeguarding.Concern("a child (they say they were under 18; their age band is 18-24) who was searched",
                             [NOT_SURE_REASON], [])
    assert safeguarding.concern(_report(age_band=AgeBand.under_10, kind=StopKind.stop,
                                        appropriate_adult=AdultPresent.no)) == safeguarding.Concern(
        "a child under 10 who was stopped",
        ["They say no parent, carer or other appropriate adult was with them when they were stopped."], [])
    for quiet in (_report(age_band=AgeBand.age_18_24, appropriate_adult=AdultPresent.over_18),
                  _report(age_band=None, appropriate_adult=AdultPresent.over_18),
                  _report(age_band=AgeBand.age_25_34, appropriate_adult=AdultPresent.no),  # 23+ at any stop taken
                  _report(age_band=AgeBand.over_34, appropriate_adult=AdultPresent.not_sure),
                  _report(appropriate_adult=AdultPresent.yes),  # a child with an adult there, nothing else
                  _report(age_band=None, appropriate_adult=AdultPresent.yes)):
        assert safeguarding.concern(quiet) is None


def test_the_answer_and_the_words_are_two_ways_that_add_up() -> None:
    words = "They did not call my mum."
    both = safeguarding.concern(_report(appropriate_adult=AdultPresent.no, account=words,
                                        outer_clothing_removed=Answer.yes))
    assert both == safeguarding.Concern("a child (10 to 17) who was searched", [
        "They say they were asked to take off more than a coat, jacket or gloves. For a child, that needs an "
        "appropriate adult there, unless it was urgent.",
        NO_REASON,
        "Their own words say no appropriate adult or parent was there, or was called."], ["did not call my mum"])
    # the words still flag a child with no answer given, and with "yes" given
    for answer in (None, AdultPresent.yes):
        found = safeguarding.concern(_report(appropriate_adult=answer, account=words))
        assert found is not None and found.reasons == [
            "Their own words say no appropriate adult or parent was there, or was called."]
    # someone who answered "I was 18 or over" but whose age band says a child: the band still counts
    clothing = safeguarding.concern(_report(appropriate_adult=AdultPresent.over_18, outer_clothing_removed=Answer.yes))
    assert clothing is not None and clothing.who == "a child (10 to 17) who was searched"


def test_the_moderation_page_flags_the_answer_with_the_steps(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    no = store(ws, age_band="10-17", appropriate_adult="no", account=QUIET).reference
    unsure = store(ws, age_band=None, appropriate_adult="not_sure", account=QUIET).reference
    adult = store(ws, age_band="18-24", appropriate_adult="over_18", account=QUIET).reference
    grown = store(ws, age_band="25-34", appropriate_adult="no", account=QUIET).reference
    moderator = web()
    moderator.login(make_user(Role.panel_member).email)
    listing = moderator.get("/workspace/community-reports").text
    assert listing.count(FLAG) == 2
    for flagged in (no, unsure):
        assert f'href="/workspace/community-reports/{flagged}#safeguarding"' in listing
    for quiet in (adult, grown):
        assert f'href="/workspace/community-reports/{quiet}"' in listing
    page = moderator.get(f"/workspace/community-reports/{no}").text
    assert "Safeguarding: this may be about harm to a child" in page
    assert "<p>The report is from a child (10 to 17) who was searched.</p>" in page
    assert f"<li>{NO_REASON}</li>" in page
    assert "Metropolitan Police Service&#39;s safeguarding lead for children" in page  # Lambeth's force
    assert "Local Authority Designated Officer (LADO) for Lambeth" in page
    assert f'<tr><th scope="row">{QUESTION}</th><td>No</td></tr>' in page
    page = moderator.get(f"/workspace/community-reports/{unsure}").text
    assert "<p>The report is from a child (they say they were under 18) who was searched.</p>" in page
    assert f"<li>{NOT_SURE_REASON}</li>" in page
    for quiet in (adult, grown):
        page = moderator.get(f"/workspace/community-reports/{quiet}").text
        assert "Safeguarding" not in page
    assert f'<tr><th scope="row">{QUESTION}</th><td>I was 18 or over</td></tr>' in \
        moderator.get(f"/workspace/community-reports/{adult}").text


# --- the letter, the audit log, the public counts ------------------------------------------------------

LETTER_QUESTION = "I was under 18. Was a parent, carer or other appropriate adult with me when I was searched?"


def test_the_letter_gives_a_childs_answer_and_asks_why_only_when_clothing_came_off(ws: Workspace) -> None:
    stripped = letters.compose(_row(ws, store(ws, appropriate_adult="no", outer_clothing_removed="yes").reference))
    assert (LETTER_QUESTION, "no") in stripped.facts
    assert stripped.requests[3] == (
        "tell me whether an appropriate adult was with me and, if not, why not: I was under 18, and PACE Code A "
        "(with Code C, Annex A) says a search that exposes intimate parts of a child's body must be made with an "
        "appropriate adult there, unless it is urgent;")
    assert len(stripped.requests) == 5 and "PACE Code A (with Code C, Annex A)" in stripped.text()
    clothed = letters.compose(_row(ws, store(ws, appropriate_adult="not_sure", outer_clothing_removed="no").reference))
    assert (LETTER_QUESTION, "I am not sure") in clothed.facts
    assert len(clothed.requests) == 4 and "Code C" not in clothed.text()
    grown = letters.compose(_row(ws, store(ws, appropriate_adult="over_18", outer_clothing_removed="yes").reference))
    assert "appropriate adult" not in grown.text()


def test_the_audit_log_keeps_the_answer_as_a_value(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    reference = store(ws, appropriate_adult="not_sure").reference
    with ws.session(reports.PUBLIC_FORM) as session:  # a correction, as a fix by hand would be
        row = session.get(CommunityReport, reference)
        assert row is not None
        row.appropriate_adult = AdultPresent.no
    with ws.session() as session:
        entries = [e for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                   if e.entity == "community_reports"]
    assert [e.after["appropriate_adult"] for e in entries if e.after] == ["not_sure", "no"]
    admin = web()
    admin.login(make_user(Role.admin).email)
    page = admin.get("/workspace/audit").text
    assert ('<th scope="row">Appropriate adult</th><td class="wrap-any">not_sure</td>'
            '<td class="wrap-any">no</td>') in page


def test_the_public_counts_do_not_break_down_by_the_answer(web: Web, ws: Workspace) -> None:
    public = web()
    summary = public.get("/api/v1/community-reports/summary").json()
    assert summary == {"cells": []}
    page = public.get("/community-reports").text
    assert "appropriate" not in page.lower()


# --- the migration ------------------------------------------------------------------------------------

def _columns(ws: Workspace) -> set[str]:
    return {c["name"] for c in inspect(ws.engine).get_columns("community_reports")}


@pytest.mark.parametrize("empty_workspace_url", ["sqlite", "postgresql"], indirect=True)
def test_migration_0011_adds_the_column_and_takes_it_away(empty_workspace_url: str) -> None:
    ws = Workspace(empty_workspace_url)
    ws.upgrade("0010")
    assert "appropriate_adult" not in _columns(ws)
    with ws.engine.begin() as con:  # a report made before the question was asked
        con.execute(text(
            "INSERT INTO community_reports (id, occurred_on, kind, status, account_approved, letter_text_taken, "
            "letter_pdf_taken, created_at) VALUES ('before-0011', '2026-06-01', 'search', 'new', false, false, "
            "false, CURRENT_TIMESTAMP)"))
    ws.upgrade("0011")
    assert ws.revisions() == {"0011"}
    assert "appropriate_adult" in _columns(ws)
    with ws.engine.begin() as con:
        assert con.execute(text("SELECT appropriate_adult FROM community_reports")).scalars().all() == [None]
        con.execute(text("UPDATE community_reports SET appropriate_adult = 'no'"))
    ws.downgrade("0010")
    assert ws.revisions() == {"0010"}
    assert "appropriate_adult" not in _columns(ws)
    with ws.engine.connect() as con:  # the report itself stays
        assert con.execute(text("SELECT id FROM community_reports")).scalars().all() == ["before-0011"]
    ws.upgrade()
    assert ws.revisions() == head_revisions() and "appropriate_adult" in _columns(ws)
    ws.dispose()
