"""Community report services on both databases: checking and storing, the ~200 m pin grid, the honeypot,
hostile text kept verbatim, the contact retention purge, moderation (audited), the suppressed summary, the
one-time complaint letter and the `scrutiny community purge` command."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from scrutiny.cli import community as community_cli
from scrutiny.workspace import accounts
from scrutiny.workspace.community import letters, moderation, places, reports, summary
from scrutiny.workspace.community.ratelimit import RateLimiter, TooMany
from scrutiny.workspace.community.retention import purge_expired_contacts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Forbidden, Gone, Invalid, LoginRequired, NotFound
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from scrutiny.workspace.models.community import Answer, CommunityReport, ReportStatus, StopKind
from tests.workspace.factories_community import (
    EMAIL,
    NOW,
    PAYLOADS,
    PHONE,
    TEXT_FIELDS,
    payload_submission,
    store,
    valid,
)


def _get(ws: Workspace, report_id: str) -> CommunityReport:
    with ws.session() as session:
        found = session.get(CommunityReport, report_id)
        assert found is not None
        return found


def _count(ws: Workspace) -> int:
    with ws.session() as session:
        return session.scalar(select(func.count()).select_from(CommunityReport)) or 0


def test_a_report_is_stored_as_given_with_a_random_id(ws: Workspace) -> None:
    first = store(ws)
    second = store(ws)
    assert first.stored and len(first.reference) == 22 and first.reference != second.reference
    report = _get(ws, first.reference)
    assert (report.occurred_on, report.occurred_time, report.borough_code) == (date(2026, 6, 1), "17:30",
                                                                             "E09000022")
    assert (report.kind, report.grounds_given, report.station_given) == (StopKind.search, Answer.no, Answer.not_sure)
    assert (report.respect, report.status, report.account_approved) == (2, ReportStatus.new, False)
    assert report.power_stated is None  # an empty field is stored as nothing, not ""
    assert report.contact_email is None and report.contact_expires_at is None
    assert report.letter_token_hash == reports.token_hash(first.letter_token)
    with ws.session() as session:  # the write is logged against the public form
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "community_reports")).first()
        assert entry is not None and (entry.actor, entry.user_id, entry.action) == ("public form", None, "create")


def test_a_public_write_needs_the_public_form_actor(ws: Workspace) -> None:
    with pytest.raises(LoginRequired), ws.session() as session:
        reports.submit(session, valid(), NOW)
    assert _count(ws) == 0


def test_a_map_pin_is_rounded_to_the_grid_before_it_is_stored(ws: Workspace) -> None:
    submitted = store(ws, borough="", latitude="51.50741", longitude="-0.12779")
    report = _get(ws, submitted.reference)
    # 51.50741 / 0.002 = 25753.7 -> 25754 * 0.002 = 51.508; -0.12779 / 0.003 = -42.6 -> -43 * 0.003 = -0.129
    assert (report.latitude, report.longitude, report.borough_code) == (51.508, -0.129, None)
    with ws.session() as session:
        logged = session.scalars(select(AuditEntry.after).where(AuditEntry.entity == "community_reports")).one()
    assert logged is not None and "51.50741" not in str(logged) and logged["latitude"] == 51.508


def test_grid_sizes() -> None:
    assert places.rounded_pin(51.5011, -0.0016) == (51.502, -0.003)  # 25750.55 -> 25751; -0.53 -> -1
    assert places.snap(51.5009, 0.002) == 51.5 and places.snap(-0.1604, 0.003) == -0.159



def test_every_local_authority_of_england_and_wales_and_its_force() -> None:
    """331 authorities (ONS, December 2022): 309 of England, 22 of Wales; London's 33 as before."""
    known = places.authorities()
    assert len(known) == 331
    assert sum(c.startswith("W06") for c in known) == 22 and all(c[:3] in {"E06", "E07", "E08", "E09", "W06"}
                                                                  for c in known)
    london = [a for c, a in known.items() if c.startswith("E09")]
    assert [a.code for a in london] == [f"E090000{n:02d}" for n in range(1, 34)]
    assert london[0].force == "city-of-london" and {a.force for a in london[1:]} == {"metropolitan"}
    assert {(c, known[c].name, known[c].force) for c in ("E06000023", "W06000015", "E08000035", "E06000061")} == {
        ("E06000023", "Bristol, City of", "avon-and-somerset"), ("W06000015", "Cardiff", "south-wales"),
        ("E08000035", "Leeds", "west-yorkshire"), ("E06000061", "North Northamptonshire", "northamptonshire")}
    assert len({a.force for a in known.values()}) == 43  # every territorial force of England and Wales
    names = [a.name for a in places.by_name()]
    assert names.index("Bristol, City of") < names.index("Broadland")  # "Bristol" as people say it


REFUSALS: list[tuple[dict[str, str], str]] = [
    ({"date": ""}, "date"),
    ({"date": "14/03/2026"}, "date"),
    ({"date": "2026-06-16"}, "date"),  # tomorrow
    ({"date": "2026-06-15", "time": "13:30"}, "time"),  # later today, London time (13:00 now)
    ({"date": "2024-06-14"}, "date"),  # more than 2 years ago
    ({"time": "25:00"}, "time"),
    ({"borough": "E09000034"}, "borough"),
    ({"borough": ""}, "borough"),  # neither borough nor pin
    ({"borough": "", "latitude": "51.5"}, "longitude"),
    ({"latitude": "fifty", "longitude": "0"}, "latitude"),
    ({"latitude": "40.0", "longitude": "0"}, "latitude"),  # not England or Wales
    ({"kind": ""}, "kind"),
    ({"kind": "arrest"}, "kind"),
    ({"grounds_given": "maybe"}, "grounds_given"),
    ({"outcome": "shot"}, "outcome"),
    ({"respect": "6"}, "respect"),
    ({"account": "x" * 6001}, "account"),
    ({"found": "a\x00b"}, "found"),
    ({"contact_email": EMAIL}, "contact_consent"),
    ({"contact_phone": PHONE, "contact_consent": ""}, "contact_consent"),
    ({"contact_email": "not-an-email", "contact_consent": "yes"}, "contact_email"),
    ({"contact_phone": "call me", "contact_consent": "yes"}, "contact_phone"),
]


def test_refusals_name_the_field(ws: Workspace) -> None:
    named = []
    for changes, _ in REFUSALS:
        with pytest.raises(Invalid) as refused, ws.session(reports.PUBLIC_FORM) as session:
            reports.submit(session, valid(**changes), NOW)
        named.append(refused.value.field)
    assert named == [field for _, field in REFUSALS]
    assert _count(ws) == 0


def test_the_oldest_and_newest_days_allowed(ws: Workspace) -> None:
    assert store(ws, date="2024-06-15", time="").stored  # exactly 2 years ago
    assert store(ws, date="2026-06-15", time="13:00").stored  # now, London time
    assert _count(ws) == 2


def test_the_honeypot_answers_as_if_accepted_but_stores_nothing(ws: Workspace) -> None:
    submitted = store(ws, website="http://spam.example")
    assert submitted.stored is False and submitted.reference and submitted.letter_token
    with ws.session(reports.PUBLIC_FORM) as session:  # even an invalid one: a robot learns nothing
        assert reports.submit(session, {"website": "x"}, NOW).stored is False
    assert _count(ws) == 0
    with ws.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_hostile_text_is_stored_verbatim_in_every_text_field(ws: Workspace) -> None:
    for payload in PAYLOADS:
        with ws.session(reports.PUBLIC_FORM) as session:
            submitted = reports.submit(session, payload_submission(payload), NOW)
        report = _get(ws, submitted.reference)
        assert {name: getattr(report, name) for name in TEXT_FIELDS} == dict.fromkeys(TEXT_FIELDS, payload)
    assert _count(ws) == len(PAYLOADS)  # and the table is still there


def test_contact_details_are_kept_for_the_retention_period_and_never_audited(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRUTINY_CONTACT_RETENTION_DAYS", "30")
    submitted = store(ws, contact_email=EMAIL, contact_phone=PHONE, contact_consent="yes")
    report = _get(ws, submitted.reference)
    assert (report.contact_email, report.contact_phone) == (EMAIL, PHONE)
    expires = report.contact_expires_at
    assert expires is not None and expires.replace(tzinfo=UTC) == NOW + timedelta(days=30)
    with ws.session() as session:
        logged = [str(e.before) + str(e.after) for e in session.scalars(select(AuditEntry))]
    assert logged and not any(EMAIL in text or PHONE in text for text in logged)
    assert not any(report.letter_token_hash in text for text in logged)  # type: ignore[operator]


def test_purge_deletes_exactly_the_expired_contact_details(ws: Workspace) -> None:
    kept_until = {}
    for days in (10, 20, 30, 40):
        with ws.session(reports.PUBLIC_FORM) as session:
            found = reports.submit(session, valid(date="2026-01-01", contact_email=f"p{days}@example.net",
                                                          contact_consent="on"),
                                   NOW - timedelta(days=days))
        kept_until[days] = found.reference
    no_contact = store(ws).reference
    # retention is 90 days: the ones made 30 and 40 days before `NOW` expire at NOW + 60 and NOW + 50 days
    at = NOW + timedelta(days=60)  # exactly the expiry of the 30-day-old one counts as expired
    with ws.session(accounts.COMMAND_LINE) as session:
        assert purge_expired_contacts(session, at) == 2
    emails = {days: _get(ws, ref).contact_email for days, ref in kept_until.items()}
    assert emails == {10: "p10@example.net", 20: "p20@example.net", 30: None, 40: None}
    assert _get(ws, no_contact).contact_email is None and _count(ws) == 5  # reports themselves stay
    with ws.session(accounts.COMMAND_LINE) as session:
        assert purge_expired_contacts(session, at) == 0  # nothing left to purge
    with ws.session() as session:
        purges = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).all()
    assert len(purges) == 2 and all(e.before["contact_email"] == "[redacted]" for e in purges)  # type: ignore[index]
    assert all(e.after["contact_email"] is None for e in purges)  # type: ignore[index]


def test_purge_from_the_command_line(ws: Workspace) -> None:
    with ws.session(reports.PUBLIC_FORM) as session:
        old = reports.submit(session, valid(date="2025-01-01", contact_phone=PHONE, contact_consent="yes"),
                             datetime(2025, 1, 2, tzinfo=UTC))
    app = typer.Typer()
    community_cli.register(app)
    result = CliRunner().invoke(app, ["community", "purge", "--workspace", ws.url])
    assert result.exit_code == 0, result.output
    assert "deleted the contact details of 1 report" in result.output
    assert _get(ws, old.reference).contact_phone is None


def test_moderation_is_for_panel_members_and_audited(ws: Workspace, make_user: Callable[..., User]) -> None:
    member, reviewer = make_user(Role.panel_member), make_user(Role.reviewer)
    ref = store(ws).reference
    with pytest.raises(Forbidden), ws.session(accounts.actor(reviewer)) as session:
        moderation.moderate(session, reviewer, ref, "publish")
    with pytest.raises(LoginRequired), ws.session() as session:
        moderation.moderate(session, None, ref, "publish")
    for action, expected in (("flag", ReportStatus.flagged), ("hide", ReportStatus.hidden),
                             ("publish", ReportStatus.published)):
        with ws.session(accounts.actor(member)) as session:
            assert moderation.moderate(session, member, ref, action).status == expected
    assert _get(ws, ref).account_approved is False  # publishing does not publish the words
    with ws.session(accounts.actor(member)) as session:
        moderation.moderate(session, member, ref, "approve-text")
    assert _get(ws, ref).account_approved is True
    with pytest.raises(NotFound), ws.session(accounts.actor(member)) as session:
        moderation.moderate(session, member, "no-such-report", "publish")
    with pytest.raises(Invalid) as refused, ws.session(accounts.actor(member)) as session:
        moderation.moderate(session, member, ref, "delete")
    assert refused.value.field == "action"
    with ws.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.user_id == member.id)
                                  .order_by(AuditEntry.id)).all()
    assert [(e.after or {}).get("status") for e in entries] == ["flagged", "hidden", "published", "published"]
    assert [(e.after or {}).get("account_approved") for e in entries] == [False, False, False, True]
    assert {e.actor for e in entries} == {member.email}


def test_no_text_to_approve(ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    ref = store(ws, account="").reference
    with pytest.raises(Invalid), ws.session(accounts.actor(member)) as session:
        moderation.moderate(session, member, ref, "approve-text")


def test_contact_shown_only_while_retained(ws: Workspace) -> None:
    report = _get(ws, store(ws, contact_email=EMAIL, contact_consent="yes").reference)
    shown = moderation.contact(report, NOW + timedelta(days=89))
    assert shown is not None and shown.email == EMAIL and shown.phone is None
    assert moderation.contact(report, NOW + timedelta(days=90)) is None  # expired, even before the purge


def _publish(ws: Workspace, member: User, refs: list[str]) -> None:
    with ws.session(accounts.actor(member)) as session:
        for ref in refs:
            moderation.moderate(session, member, ref, "publish")


def test_summary_counts_only_published_reports_and_suppresses_small_cells(
        ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    lambeth_june = [store(ws, kind="search" if i < 4 else "stop").reference for i in range(6)]
    hackney_may = [store(ws, borough="E09000012", date="2026-05-31").reference for _ in range(2)]
    store(ws, borough="E09000012", date="2026-05-02")  # never published: not counted
    pin = store(ws, borough="", latitude="51.5", longitude="-0.1").reference
    _publish(ws, member, lambeth_june[:5] + hackney_may + [pin])
    with ws.session() as session:
        cells = summary.cells(session)
    got = [(c.month, c.borough_code, c.borough_name, c.force, c.reports, c.searches) for c in cells]
    assert got == [
        ("2026-06", "E09000022", "Lambeth", "metropolitan", 5, "<5"),  # 5 published, 4 of them searches
        ("2026-06", None, "Not given (map pin only)", None, "<5", "<5"),
        ("2026-05", "E09000012", "Hackney", "metropolitan", "<5", "<5"),
    ]
    _publish(ws, member, lambeth_june[5:])
    with ws.session() as session:
        # reports are searches + stops each rounded to 5 (docs/disclosure.md): 4 -> 5 and 2 -> 0, so 5, not 6
        assert summary.cells(session)[0].reports == 5


def test_approved_words_are_public_only_when_published_and_approved(
        ws: Workspace, make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    refs = [store(ws, account=f"words {i}", date=f"2026-06-0{i + 1}").reference for i in range(3)]
    with ws.session(accounts.actor(member)) as session:
        moderation.moderate(session, member, refs[0], "publish")  # published, words not approved
        moderation.moderate(session, member, refs[1], "approve-text")  # approved, not published
        moderation.moderate(session, member, refs[2], "publish")
        moderation.moderate(session, member, refs[2], "approve-text")
    with ws.session() as session:
        assert summary.approved_accounts(session) == ["words 2"]


def test_the_letter_goes_to_the_right_department(ws: Workspace) -> None:
    met = letters.compose(_get(ws, store(ws).reference), today=date(2026, 6, 15))
    assert met.to == ["Directorate of Professional Standards", "Metropolitan Police Service"]
    assert met.send_by[0] == ("Online: copy this letter into the complaint form on Metropolitan Police Service's "
                              "complaints page, https://www.met.police.uk/ro/report/ocr/af/how-to-make-a-complaint/")
    assert met.subject == "Complaint about a stop and search on 1 June 2026 at about 17:30"
    text = met.text()
    assert "I am complaining about how I was searched by police officers on 1 June 2026 at about 17:30 in " \
           "Lambeth, London." in text
    assert "- Did the officer tell me why I was being searched (the grounds)? no\n" in text
    assert "In my own words:\nThey pushed me against the wall.\n" in text
    assert text.startswith("Directorate of Professional Standards\nMetropolitan Police Service\n\n15 June 2026\n")
    pin = letters.compose(_get(ws, store(ws, borough="", latitude="51.5", longitude="-0.1").reference))
    assert pin.to == ["The Professional Standards Department", "of the police force that stopped me"]
    assert "https://www.policeconduct.gov.uk/" in pin.send_by[1]
    assert "near latitude 51.5, longitude -0.099 (to within about 200 metres)" in pin.opening


def test_a_letter_to_a_force_beyond_the_met_names_its_department_address_and_page(ws: Workspace) -> None:
    sheffield = letters.compose(_get(ws, store(ws, borough="E08000019").reference), today=date(2026, 6, 15))
    assert sheffield.to == ["Professional Standards Department", "South Yorkshire Police", "Unit 20",
                            "Sheffield 35A Business Park", "Churchill Way", "Sheffield", "S35 2PY"]
    assert sheffield.send_by[0] == ("Online: copy this letter into the complaint form on South Yorkshire Police's "
                                    "complaints page, https://southyorks.police.uk/contact-us/feedback/"
                                    "compliments-complaints/")
    assert sheffield.send_by[1] == ("By post to the address at the top: Professional Standards Department, South "
                                    "Yorkshire Police, Unit 20, Sheffield 35A Business Park, Churchill Way, "
                                    "Sheffield, S35 2PY")
    assert sheffield.send_by[2] == "Or through the Independent Office for Police Conduct (IOPC) at " \
                                   "https://www.policeconduct.gov.uk/."
    assert sheffield.text().startswith("Professional Standards Department\nSouth Yorkshire Police\nUnit 20\n")
    assert "in Sheffield." in sheffield.opening
    # A force held with its page but not its own name for the department: the department described, not named.
    manchester = letters.compose(_get(ws, store(ws, borough="E08000003").reference))
    assert manchester.to == ["The Professional Standards Department", "Greater Manchester Police"]
    assert "https://www.gmp.police.uk/advice/advice-and-information/c/complaints/what-is-a-complaint/" \
           in manchester.send_by[0]
    city = letters.compose(_get(ws, store(ws, borough="E09000001").reference))
    assert city.to == ["Professional Standards Directorate", "City of London Police"]
    assert "in City of London, London." in city.text()
    canterbury = letters.compose(_get(ws, store(ws, borough="E07000106").reference))  # Kent, held since 2026-12-06
    assert canterbury.to == ["Professional Standards Department", "Kent Police"]
    assert "https://www.kent.police.uk/advice/advice-and-information/st-s/stop-and-search/your-feedback-matters/" \
           in canterbury.send_by[0]


def test_a_letter_to_a_force_without_a_contact_says_so_plainly(ws: Workspace) -> None:
    # Surrey Police and Thames Valley Police: no stored page of the force showed where to complain.
    guildford = letters.compose(_get(ws, store(ws, borough="E07000209").reference))
    oxford = letters.compose(_get(ws, store(ws, borough="E07000178").reference))
    for letter, force in ((guildford, "Surrey Police"), (oxford, "Thames Valley Police")):
        assert letter.to == ["The Professional Standards Department", force]
        assert letter.send_by[0] == (
            f"Scrutiny holds no complaints contact for {force}: we have not checked one on a public page. Find the "
            f"complaints page on {force}'s own website (search for its name and \"complaint\") and copy this letter "
            f"into it, or send it through the IOPC's complaint form at "
            f"https://policeconduct.gov.uk/complaints/submit-a-complaint, which passes it to {force}.")
        assert "https://www.policeconduct.gov.uk/" in letter.send_by[1]
        assert "http" not in " ".join(letter.to)
    assert "in Guildford." in guildford.text() and "in Oxford." in oxford.text()


def test_the_letter_is_fetched_by_reference_or_token_as_often_as_asked_for_the_retention_period(
        ws: Workspace) -> None:
    first = store(ws)
    last_moment = NOW + timedelta(days=90) - timedelta(seconds=1)  # 90 days: the default retention
    for _ in range(3):  # nothing is used up: each fetch gives the same report
        with ws.session() as session:
            assert letters.fetch(session, reference=first.reference, now=last_moment).id == first.reference
            assert letters.fetch(session, token=first.letter_token, now=NOW).id == first.reference
    assert _get(ws, first.reference).letter_token_hash == reports.token_hash(first.letter_token)
    with pytest.raises(Gone, match="until 13 September 2026"), ws.session() as session:  # 15 June + 90 days
        letters.fetch(session, reference=first.reference, now=NOW + timedelta(days=90))
    with pytest.raises(NotFound) as unknown, ws.session() as session:
        letters.fetch(session, reference="guessed-reference-0000", now=NOW)
    assert not isinstance(unknown.value, Gone)
    with pytest.raises(NotFound), ws.session() as session:
        letters.fetch(session, token="guessed-token", now=NOW)


def test_rate_limiter_window(ws: Workspace) -> None:
    clock = [1000.0]
    limiter = RateLimiter(limit=2, window=600, clock=lambda: clock[0])
    with ws.session() as session:
        assert limiter.retry_after(session, "a") == 0
        limiter.take(session, "a")
        clock[0] += 100
        limiter.take(session, "a")
        assert limiter.retry_after(session, "a") == 500 and limiter.retry_after(session, "b") == 0
        with pytest.raises(TooMany) as refused:
            limiter.take(session, "a")
        assert refused.value.retry_after == 500
        clock[0] += 500  # the first take leaves the window
        assert limiter.retry_after(session, "a") == 0
        limiter.take(session, "a")
