"""The complaint letter a person sends themselves, built from their own report.

It is addressed to the professional standards department of the force that polices the council area (the
catalogue's `professional_standards.csv`, each contact as a public page showed it); for a force Scrutiny holds no
contact for, to that force's department by name, saying plainly that no contact is held and how to find one (the
force's own website, or the IOPC's complaint form, which passes a complaint to the force); with no area given,
to "the force's professional standards department"; always with the IOPC as another way in.
The letter holds the person's own words (and their contact details, when they gave them with consent), so it is
fetched only with the report's reference shown to them after submitting (or the API's letter token), as often
as they like, for the retention period (`available_until`); we cannot find a lost reference for anyone, which
is what keeps the letter theirs. This module makes the letter's content and its plain text; the web layer lays
the same content out as HTML for the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny.catalog import force_name
from scrutiny.workspace.community import places
from scrutiny.workspace.community.reports import REFERENCE, contact_retention_days, token_hash
from scrutiny.workspace.errors import Gone, NotFound
from scrutiny.workspace.models.community import AdultPresent, Answer, CommunityReport, Outcome, StopKind

Format = Literal["text", "pdf"]
ANSWER_WORDS = {Answer.yes: "yes", Answer.no: "no", Answer.not_sure: "I am not sure"}
OUTCOME_WORDS = {
    Outcome.no_further_action: "no further action", Outcome.arrest: "I was arrested",
    Outcome.penalty_notice: "a penalty notice (fine)", Outcome.drugs_warning: "a cannabis or khat warning",
    Outcome.community_resolution: "a community resolution", Outcome.summons: "a summons to court",
    Outcome.other: "something else", Outcome.not_sure: "I am not sure",
}
QUESTIONS = (  # (column, how the letter asks it)
    ("grounds_given", "Did the officer tell me why I was being searched (the grounds)?"),
    ("name_given", "Did the officer give their name or number?"),
    ("station_given", "Did the officer tell me which police station they work from?"),
    ("power_given", "Did the officer tell me which law (power) they were using?"),
    ("record_offered", "Was I told I could have a copy of the search record?"),
    ("body_camera", "Was the officer's body-worn camera on?"),
    ("outer_clothing_removed", "Was I asked to remove more than my outer coat, jacket or gloves?"),
)
ADULT_WORDS = {AdultPresent.yes: "yes", AdultPresent.no: "no", AdultPresent.not_sure: "I am not sure"}  # not 18+
NO_ADULT_REQUEST = ("tell me whether an appropriate adult was with me and, if not, why not: I was under 18, and PACE "
                    "Code A (with Code C, Annex A) says a search that exposes intimate parts of a child's body must be "
                    "made with an appropriate adult there, unless it is urgent;")
WORDS = ("suspected_of", "power_stated", "searched_for", "found")
WORD_LABELS = {"suspected_of": "What I was told I was suspected of", "power_stated": "The law (power) they named",
               "searched_for": "What they said they were looking for", "found": "What was found"}
GENERIC_DEPARTMENT = "The Professional Standards Department"  # a force's, where its own name for it is not held
SIGNATURE_BLANK = "[your address, email or phone, so they can reply]"


@dataclass(frozen=True)
class Letter:
    to: list[str]  # the addressee, line by line
    send_by: list[str]  # how to send it
    date: str
    subject: str
    opening: str
    facts: list[tuple[str, str]]  # (question, answer), the person's answers
    own_words: str | None  # the person's free text: only ever in their own letter
    requests: list[str]
    closing: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [*self.to, "", self.date, "", f"Subject: {self.subject}", "", "Dear Sir or Madam,", "",
                 self.opening]
        if self.facts:
            lines += ["", "What happened:"] + [f"- {question} {answer}" for question, answer in self.facts]
        if self.own_words:
            lines += ["", "In my own words:", self.own_words]
        lines += ["", "I ask you to:"] + [f"- {r}" for r in self.requests]
        lines += ["", *self.closing, "", "How to send this letter:", *[f"- {s}" for s in self.send_by]]
        return "\n".join(lines) + "\n"


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _where(report: CommunityReport) -> str:
    found = places.authority(report.borough_code)
    if found is not None:
        return f"in {places.where_words(found)}"
    return f"near latitude {report.latitude}, longitude {report.longitude} (to within about 200 metres)"


def _addressee(report: CommunityReport) -> tuple[list[str], list[str]]:
    contact = places.department_for(report.borough_code)
    iopc = (f"If you are not sure which force it was, you can also complain through the Independent Office for "
            f"Police Conduct (IOPC) at {places.IOPC_URL}, which passes complaints to the force.")
    if contact is None:
        found = places.authority(report.borough_code)
        if found is None:
            return ([GENERIC_DEPARTMENT, "of the police force that stopped me"],
                    ["Send it to the professional standards department of the force that stopped you (its website "
                     "has a complaints page).", iopc])
        name = force_name(found.force)
        return ([GENERIC_DEPARTMENT, name],
                [f"Scrutiny holds no complaints contact for {name}: we have not checked one on a public page. "
                 f"Find the complaints page on {name}'s own website (search for its name and \"complaint\") and "
                 f"copy this letter into it, or send it through the IOPC's complaint form at "
                 f"{places.IOPC_COMPLAINT_URL}, which passes it to {name}.", iopc])
    address = [line.strip() for line in contact.postal_address.split(";") if line.strip()]
    to = [contact.department or GENERIC_DEPARTMENT, contact.force_name, *address]
    send = []
    if contact.online_form:
        send.append(f"Online: copy this letter into the complaint form on {contact.force_name}'s complaints page, "
                    f"{contact.online_form}")
    if address:
        send.append(f"By post to the address at the top: {', '.join(to)}")
    send.append(f"Or through the Independent Office for Police Conduct (IOPC) at {places.IOPC_URL}.")
    return to, send


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reply_to(report: CommunityReport, now: datetime) -> list[str]:
    """How the force can reply, from the contact details the person gave with consent (only those are ever
    stored) while they are still kept; else a blank for them to fill in."""
    kept = report.contact_expires_at is not None and _aware(report.contact_expires_at) > now
    lines = [f"Email: {report.contact_email}"] if kept and report.contact_email else []
    lines += [f"Phone: {report.contact_phone}"] if kept and report.contact_phone else []
    return lines or [SIGNATURE_BLANK]


def _child_without_adult(report: CommunityReport) -> bool:
    """A child searched, asked to take off more than outer clothing (or not sure), with no appropriate adult there
    (or not sure): only then does the letter ask why, since only a search exposing intimate parts needs one."""
    removed = (Answer.yes, Answer.not_sure)
    return (report.kind == StopKind.search and report.outer_clothing_removed in removed
            and report.appropriate_adult in (AdultPresent.no, AdultPresent.not_sure))


def compose(report: CommunityReport, today: date | None = None, now: datetime | None = None) -> Letter:
    """The letter for `report`, in plain words, with only what the person told us."""
    now = now or datetime.now(UTC)
    today = today or now.date()
    what = "searched" if report.kind == StopKind.search else "stopped"
    when = _day(report.occurred_on) + (f" at about {report.occurred_time}" if report.occurred_time else "")
    facts: list[tuple[str, str]] = []
    for name in WORDS:
        value = getattr(report, name)
        if value:
            facts.append((f"{WORD_LABELS[name]}:", value))
    for name, question in QUESTIONS:
        answer = getattr(report, name)
        if answer is not None:
            facts.append((question, ANSWER_WORDS[answer]))
    if report.appropriate_adult in ADULT_WORDS:
        facts.append((f"I was under 18. Was a parent, carer or other appropriate adult with me when I was {what}?",
                      ADULT_WORDS[report.appropriate_adult]))
    if report.outcome is not None:
        facts.append(("What happened in the end:", OUTCOME_WORDS[report.outcome]))
    if report.respect is not None:
        facts.append(("How respectfully I was treated, from 1 (not at all) to 5 (very):", str(report.respect)))
    to, send_by = _addressee(report)
    requests = ["record my complaint and tell me who is dealing with it;",
                "send me a copy of the record of the search, if one was made (I am entitled to one under PACE "
                "Code A if I ask within three months);",
                "keep any body-worn video of the stop, so it is not deleted before my complaint is looked at;",
                "look into what happened and tell me the outcome."]
    if _child_without_adult(report):
        requests.insert(3, NO_ADULT_REQUEST)
    return Letter(
        to=to, send_by=send_by, date=_day(today), subject=f"Complaint about a stop and search on {when}",
        opening=f"I am complaining about how I was {what} by police officers on {when} {_where(report)}.",
        facts=facts, own_words=report.account, requests=requests,
        closing=["Yours faithfully,", "", "[your name]", *reply_to(report, now)],
    )


def available_until(report: CommunityReport) -> datetime:
    """When the letter stops being given out: the retention period after the report was made (contact details
    are kept as long). A report made when the letter was kept only a day is measured by today's period too."""
    stored = _aware(report.letter_expires_at) if report.letter_expires_at is not None else None
    retained = _aware(report.created_at) + timedelta(days=contact_retention_days())
    return max(stored, retained) if stored is not None else retained


def fetch(session: Session, *, reference: str | None = None, token: str | None = None,
          now: datetime | None = None) -> CommunityReport:
    """The report behind a reference (or the API's letter token), for its letter: as often as asked, until
    `available_until`. NotFound (404) for one that never was, Gone (410) for one past its time. Nothing is
    written: fetching a letter leaves no trace in the workspace."""
    now = now or datetime.now(UTC)
    found: CommunityReport | None = None
    if reference and reference.strip():
        if REFERENCE.fullmatch(reference.strip()):  # anything else (a NUL byte, say) is no reference at all
            found = session.get(CommunityReport, reference.strip())
    elif token and token.strip():
        found = session.scalar(select(CommunityReport)
                               .where(CommunityReport.letter_token_hash == token_hash(token.strip())))
    if found is None:
        raise NotFound("no report has this reference: check it was copied whole (it is 22 letters, digits, - and "
                       "_, and capitals matter)")
    until = available_until(found)
    if until <= now:
        raise Gone(f"the letter for this report is no longer kept: letters can be downloaded for "
                   f"{contact_retention_days()} days after a report, and this one was until {_day(until.date())}")
    return found
