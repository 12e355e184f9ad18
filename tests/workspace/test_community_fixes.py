"""Issue 21, community reports: every error of a submission at once; the letter fetched again with the reference
for the retention period (and a clear page after it, or without a reference); the contact email, given with
consent, in the letter; the safeguarding flag for children; the audit log readable and free of a reporter's own
words; form attributes that reach the browser as attributes. Expected values are written out by hand."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from scrutiny.workspace import accounts
from scrutiny.workspace.community import letters, reports, safeguarding
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from scrutiny.workspace.models.community import AgeBand, Answer, CommunityReport, StopKind
from tests.workspace.conftest import Browser
from tests.workspace.factories_community import EMAIL, NOW, PHONE, store, valid

Web = Callable[[], Browser]
MakeUser = Callable[..., User]
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "scrutiny" / "web" / "templates"
PHRASE = "Quokka-lantern-4417"  # a reporter's words that must never reach the audit log
MARKER = "(free text, not kept in the log)"
BLANK_SIGNATURE = "[your address, email or phone, so they can reply]"


def _today() -> datetime:
    return datetime.now(reports.LONDON)


def recent(**changes: Any) -> dict[str, Any]:
    """A valid submission (Lambeth, searched, 18-24) dated three days ago, whenever the test runs."""
    return valid(**{"date": (_today().date() - timedelta(days=3)).isoformat(), **changes})


def _row(ws: Workspace, reference: str) -> CommunityReport:
    with ws.session() as session:
        found = session.get(CommunityReport, reference)
        assert found is not None
        return found


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


class Inputs(HTMLParser):
    """Each <input>'s attributes by id, as a browser's parser reads them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("id"):
            self.by_id[str(found["id"])] = found


# --- all errors at once ---------------------------------------------------------------------------------

def test_the_service_gives_every_refusal_of_a_submission_at_once() -> None:
    bad = valid(date="2026-06-16", borough="", contact_email="not-an-email", contact_consent="yes", respect="9")
    assert reports.refusals(bad, NOW) == {  # NOW is 15 June 2026, 13:00 in London
        "date": "this is in the future",
        "borough": "choose the council area where it happened (or drop a map pin)",
        "contact_email": "this does not look like an email address",
        "respect": "choose from 1 (not at all) to 5 (very respectfully)",
    }
    assert reports.refusals(valid(), NOW) == {}
    # a pin given by halves is one refusal, not also "no place"
    assert reports.refusals(valid(borough="", latitude="51.5"), NOW) == {
        "longitude": "a map pin needs both latitude and longitude"}


def test_the_report_form_with_three_bad_fields_shows_three_errors(web: Web, ws: Workspace) -> None:
    tomorrow = (_today().date() + timedelta(days=1)).isoformat()
    page = web().post("/report", recent(date=tomorrow, borough="", contact_email="not-an-email",
                                        contact_consent="yes"), csrf=False)
    assert page.status_code == 422
    summary = page.text.split('id="form-errors"')[1].split("</div>")[0]
    assert re.findall(r'<li><a href="#f-([a-z_]+)">([^<]+)</a></li>', summary) == [
        ("date", "Date: this is in the future"),
        ("borough", "Council area: choose the council area where it happened (or drop a map pin)"),
        ("contact_email", "Email: this does not look like an email address"),
    ]
    assert "3\n  things need changing" in summary
    assert page.text.count('class="field-error"') == 3
    assert ">They pushed me against the wall.</textarea>" in page.text  # what was typed stays
    with ws.session() as session:
        assert session.scalars(select(CommunityReport)).first() is None


# --- the letter, again, by reference -------------------------------------------------------------------

def test_the_letter_is_fetched_twice_in_each_format_with_the_reference(web: Web, ws: Workspace) -> None:
    public = web()
    sent = public.post("/report", recent(), csrf=False)
    assert sent.status_code == 201
    reference = re.findall(r'<strong class="cr-ref" id="reference">([^<]+)</strong>', sent.text)[0]
    assert len(reference) == 22
    until = datetime.now(UTC) + timedelta(days=90)
    assert f"again until {_day(until)}" in sent.text and 'href="/report/letter"' in sent.text
    for fmt, start in (("text", b"The Directorate of Professional Standards"), ("pdf", b"%PDF-")):
        for _ in range(2):
            answer = public.post("/report/letter", {"reference": reference, "format": fmt}, csrf=False)
            assert answer.status_code == 200, answer.text[:300]
            assert answer.content.startswith(start) or (fmt == "text" and b"Metropolitan Police" in answer.content)
    # with spaces around it, as pasted from a note
    assert public.post("/report/letter", {"reference": f"  {reference} \n", "format": "text"},
                       csrf=False).status_code == 200


def test_after_the_retention_period_the_letter_is_refused_with_a_clear_page(
        web: Web, ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRUTINY_CONTACT_RETENTION_DAYS", "30")
    made = datetime.now(UTC) - timedelta(days=31)
    with ws.session(reports.PUBLIC_FORM) as session:
        old = reports.submit(session, valid(date=(made - timedelta(days=1)).date().isoformat()), made)
    answer = web().post("/report/letter", {"reference": old.reference, "format": "text"}, csrf=False)
    assert answer.status_code == 410
    assert "This letter is no longer kept." in answer.text
    assert (f"The letter for this report is no longer kept: letters can be downloaded for 30 days after a "
            f"report, and this one was until {_day(made + timedelta(days=30))}.") in answer.text
    assert "Lost your reference, or the letter has gone?" in answer.text
    assert 'href="https://policeconduct.gov.uk/complaints/submit-a-complaint"' in answer.text
    assert "They pushed me against the wall." not in answer.text


def test_a_report_made_when_letters_lasted_a_day_is_measured_by_the_retention_period(ws: Workspace) -> None:
    made = datetime.now(UTC) - timedelta(days=10)
    with ws.session(reports.PUBLIC_FORM) as session:
        old = reports.submit(session, valid(date=(made - timedelta(days=1)).date().isoformat()), made)
    with ws.session(accounts.COMMAND_LINE) as session:  # as the old code stored it: a day after the report
        session.execute(update(CommunityReport).where(CommunityReport.id == old.reference)
                        .values(letter_expires_at=made + timedelta(days=1)))
    with ws.session() as session:
        assert letters.fetch(session, reference=old.reference).id == old.reference


def test_a_lost_or_wrong_reference_says_what_to_do(web: Web) -> None:
    public = web()
    lost = public.get("/report/letter")
    assert lost.status_code == 200
    for words in ("Lost your reference, or the letter has gone?", "We cannot look a reference up for you",
                  'href="https://policeconduct.gov.uk/complaints/submit-a-complaint"', 'href="/rights#complain"',
                  'href="/report"', "more than 12 months after the stop"):
        assert words in lost.text, words
    wrong = public.post("/report/letter", {"reference": "AAAAAAAAAAAAAAAAAAAAAA", "format": "pdf"}, csrf=False)
    assert wrong.status_code == 404
    assert "We could not find this letter." in wrong.text and "Lost your reference" in wrong.text
    assert 'value="AAAAAAAAAAAAAAAAAAAAAA"' in wrong.text  # the box keeps what was typed, to correct it
    blank = public.post("/report/letter", {"reference": " ", "format": "text"}, csrf=False)
    assert blank.status_code == 422 and "Type or paste the reference you were given." in blank.text
    assert 'id="complain"' in public.get("/rights").text
    for odd in ("\x00abc", "a" * 500, "é" * 22, "'; DROP TABLE community_reports; --", "%00"):
        answer = public.post("/report/letter", {"reference": odd, "format": "zip"}, csrf=False)
        assert answer.status_code == 404 and "We could not find this letter." in answer.text, odd


# --- the contact email fills the letter ----------------------------------------------------------------

def test_the_email_fills_the_letter_only_when_given_with_consent(web: Web, ws: Workspace) -> None:
    public = web()
    with_consent = public.post("/report", recent(contact_email=EMAIL, contact_phone=PHONE, contact_consent="yes"),
                               csrf=False)
    ref = re.findall(r'id="reference">([^<]+)<', with_consent.text)[0]
    letter = public.post("/report/letter", {"reference": ref, "format": "text"}, csrf=False).text
    assert f"Yours faithfully,\n\n[your name]\nEmail: {EMAIL}\nPhone: {PHONE}\n" in letter
    assert BLANK_SIGNATURE not in letter

    refused = public.post("/report", recent(contact_email=EMAIL), csrf=False)  # no consent: nothing kept
    assert refused.status_code == 422 and "tick the box to let us keep your contact details" in refused.text

    without = public.post("/report", recent(), csrf=False)
    ref = re.findall(r'id="reference">([^<]+)<', without.text)[0]
    letter = public.post("/report/letter", {"reference": ref, "format": "text"}, csrf=False).text
    assert f"Yours faithfully,\n\n[your name]\n{BLANK_SIGNATURE}\n" in letter and "Email:" not in letter


def test_contact_details_past_their_retention_leave_the_letter_even_before_the_purge(ws: Workspace) -> None:
    submitted = store(ws, contact_email=EMAIL, contact_consent="yes")  # made at NOW, kept 90 days
    report = _row(ws, submitted.reference)
    kept = letters.compose(report, now=NOW + timedelta(days=89))
    gone = letters.compose(report, now=NOW + timedelta(days=90))
    assert kept.closing[-1] == f"Email: {EMAIL}" and gone.closing[-1] == BLANK_SIGNATURE
    assert EMAIL not in gone.text()


# --- safeguarding --------------------------------------------------------------------------------------

def _report(**fields: Any) -> CommunityReport:
    base: dict[str, Any] = {"age_band": AgeBand.age_10_17, "outer_clothing_removed": Answer.no,
                            "kind": StopKind.search, "account": None, "suspected_of": None, "searched_for": None,
                            "found": None}
    return CommunityReport(**{**base, **fields})


NO_ADULT = "There was no appropriate adult and they did not call my mum."


def test_which_reports_raise_a_safeguarding_concern() -> None:
    clothing = safeguarding.concern(_report(outer_clothing_removed=Answer.yes))
    assert clothing == safeguarding.Concern("a child (10 to 17) who was searched", [
        "They say they were asked to take off more than a coat, jacket or gloves. For a child, that needs an "
        "appropriate adult there, unless it was urgent."], [])
    no_adult = safeguarding.concern(_report(account=NO_ADULT))
    assert no_adult == safeguarding.Concern("a child (10 to 17) who was searched", [
        "Their own words say no appropriate adult or parent was there, or was called."],
        ["no appropriate adult", "did not call my mum"])
    shoes = safeguarding.concern(_report(age_band=AgeBand.under_10, kind=StopKind.stop,
                                         account="It was cold. They made me take off my shoes! Then I went home."))
    assert shoes == safeguarding.Concern("a child under 10 who was stopped", [
        "Their own words tell of clothing being taken off."], ["They made me take off my shoes!"])
    said = safeguarding.concern(_report(age_band=None, account="I'm 15 and they strip searched me in the van"))
    assert said is not None and said.who == "a child (their words say 15) who was searched"
    assert said.words == ["I'm 15 and they strip searched me in the van"]
    long = "They searched me " + "and kept on " * 30 + "then pulled my trousers down in the street"
    quoted = safeguarding.concern(_report(account=long))
    assert quoted is not None and quoted.words[0].startswith("…") and quoted.words[0].endswith("in the street")
    for quiet in (_report(), _report(account="They looked in my jeans pocket. My mum was there."),
                  _report(age_band=AgeBand.age_18_24, outer_clothing_removed=Answer.yes, account=NO_ADULT),
                  _report(age_band=None, outer_clothing_removed=Answer.yes),
                  _report(age_band=None, account="I was 15 minutes late and they strip searched me")):
        assert safeguarding.concern(quiet) is None


def test_the_moderation_page_flags_a_child_with_the_steps_to_take(web: Web, ws: Workspace,
                                                                  make_user: MakeUser) -> None:
    clothing = store(ws, age_band="10-17", outer_clothing_removed="yes").reference
    no_adult = store(ws, age_band="10-17", account=NO_ADULT).reference
    adult = store(ws, age_band="18-24", outer_clothing_removed="yes", account=NO_ADULT).reference
    moderator = web()
    moderator.login(make_user(Role.panel_member).email)
    listing = moderator.get("/workspace/community-reports").text
    assert listing.count('<strong class="cr-flag">Child: act today</strong>') == 2
    assert f'href="/workspace/community-reports/{clothing}#safeguarding"' in listing
    assert f'href="/workspace/community-reports/{no_adult}#safeguarding"' in listing
    assert f'href="/workspace/community-reports/{adult}"' in listing
    for flagged in (clothing, no_adult):
        page = moderator.get(f"/workspace/community-reports/{flagged}").text
        assert "Safeguarding: this may be about harm to a child" in page
        assert "Metropolitan Police Service&#39;s safeguarding lead for children" in page  # Lambeth's force
        assert "Local Authority Designated Officer (LADO) for Lambeth" in page
        assert "Record the referral" in page
    assert "“no appropriate adult”" in moderator.get(f"/workspace/community-reports/{no_adult}").text
    assert "Safeguarding" not in moderator.get(f"/workspace/community-reports/{adult}").text
    for odd in ("%00abc", "a" * 300):  # no such report, not a database error
        assert moderator.get(f"/workspace/community-reports/{odd}").status_code == 404
        assert moderator.post(f"/workspace/community-reports/{odd}/publish").status_code == 404


# --- the audit log -------------------------------------------------------------------------------------

def test_audit_entries_never_contain_the_reporters_free_text(web: Web, ws: Workspace, make_user: MakeUser) -> None:
    public = web()
    words = {name: f"{PHRASE} {name}" for name in
             ("suspected_of", "power_stated", "searched_for", "found", "ethnicity_text", "account")}
    sent = public.post("/report", recent(contact_email=EMAIL, contact_consent="yes", **words), csrf=False)
    assert sent.status_code == 201
    ref = re.findall(r'id="reference">([^<]+)<', sent.text)[0]
    moderator = web()
    moderator.login(make_user(Role.panel_member).email)
    for action in ("flag", "publish", "approve-text", "withhold-text"):
        assert moderator.post(f"/workspace/community-reports/{ref}/{action}").status_code == 303
    assert PHRASE in public.post("/report/letter", {"reference": ref, "format": "text"}, csrf=False).text
    with ws.session(accounts.COMMAND_LINE) as session:  # a change to the words themselves, as a fix would be
        row = session.get(CommunityReport, ref)
        assert row is not None
        row.account = f"{PHRASE} corrected"
    with ws.session() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    reported = [e for e in entries if e.entity == "community_reports"]
    assert len(reported) == 6 and len(entries) == 7  # created, four decisions, a correction; the account made
    for entry in entries:
        logged = " ".join(str(part) for part in (entry.actor, entry.entity, entry.entity_id, entry.before,
                                                  entry.after))
        assert PHRASE not in logged and EMAIL not in logged
    created = reported[0].after
    assert created is not None and created["account"] == MARKER and created["power_stated"] == MARKER
    corrected = reported[-1]
    assert corrected.before is not None and corrected.after is not None
    assert (corrected.before["account"], corrected.after["account"]) == (
        MARKER, "(free text, changed; not kept in the log)")
    admin = web()
    admin.login(make_user(Role.admin).email)
    assert PHRASE not in admin.get("/workspace/audit").text


def test_old_audit_rows_holding_free_text_are_scrubbed_when_read(web: Web, ws: Workspace,
                                                                  make_user: MakeUser) -> None:
    with ws.engine.begin() as connection:  # as the log kept a report before it left the words out
        connection.execute(insert(AuditEntry), [{
            "actor": "public form", "action": "create", "entity": "community_reports", "entity_id": "old-report",
            "before": None, "after": {"account": f"{PHRASE} old", "found": f"{PHRASE} found", "kind": "search"}}])
    admin = web()
    admin.login(make_user(Role.admin).email)
    page = admin.get("/workspace/audit").text
    assert PHRASE not in page
    assert f'<th scope="row">Account</th><td class="wrap-any">{MARKER}</td>' in page
    assert '<th scope="row">Kind</th><td class="wrap-any">search</td>' in page


def test_the_audit_page_shows_changes_as_fields_before_and_after(web: Web, ws: Workspace,
                                                                 make_user: MakeUser) -> None:
    ref = store(ws).reference
    moderator = web()
    moderator.login(make_user(Role.panel_member).email)
    moderator.post(f"/workspace/community-reports/{ref}/publish")
    admin = web()
    admin.login(make_user(Role.admin).email)
    page = admin.get("/workspace/audit").text
    row = next(r for r in page.split("<section") if f"Changed: community reports <code class=\"wrap-any\">{ref}" in r)
    changed = re.findall(r'<th scope="row">([^<]+)</th><td class="wrap-any">([^<]*)</td>'
                         r'<td class="wrap-any">([^<]*)</td>', row)
    assert changed == [("Status", "new", "published")]  # only what changed
    assert "&#34;" not in page and "{&#" not in page  # no JSON left on the page


# --- attributes ----------------------------------------------------------------------------------------

def test_form_attributes_are_attributes_not_escaped_text(web: Web) -> None:
    public = web()
    report = public.get("/report").text
    login = public.get("/login").text
    for html in (report, login):
        for tag in re.findall(r"<input[^>]*>", html):
            assert "&#34;" not in tag and "&quot;" not in tag, tag
    inputs = Inputs(report).by_id
    assert inputs["f-date"]["max"] == _today().date().isoformat() and "required" in inputs["f-date"]
    assert (inputs["f-latitude"]["inputmode"], inputs["f-latitude"]["placeholder"]) == ("decimal", "51.5074")
    assert inputs["f-longitude"]["placeholder"] == "-0.1278"
    assert (inputs["f-contact_email"]["type"], inputs["f-contact_email"]["autocomplete"]) == ("email", "email")
    assert (inputs["f-contact_phone"]["type"], inputs["f-contact_phone"]["autocomplete"]) == ("tel", "tel")
    inputs = Inputs(login).by_id
    assert (inputs["f-email"]["type"], inputs["f-email"]["autocomplete"]) == ("email", "username")
    assert inputs["f-password"]["autocomplete"] == "current-password" and "required" in inputs["f-password"]


def test_no_template_passes_attributes_as_a_string_of_markup() -> None:
    """A string of markup for `attrs` is escaped into text: the attributes would be lost again."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"""attrs=['"]|\b(?:field|text)\(.*,\s*'[a-z-]+=\"""", line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}")
    assert offenders == []
