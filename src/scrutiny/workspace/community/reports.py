"""Checking and storing a community report: the one workspace write made without a logged-in account.

The public form and the JSON API both end here, with the submitted values as JSON scalars (parsed first into the
web's `CommunityReportCreate`, whose form readers are the `read_*` functions here); every refusal is
`Invalid(field, ...)` naming the form field, and `refusals` gives every one of a submission at once (the form
shows them together; `submit` raises the first). Text is stored as typed (only trimmed at the ends):
escaping is the job of whatever shows it. The session must act as `PUBLIC_FORM`, so the audit log says who
wrote it. Contact details are kept only with the consent box ticked, and only for `contact_retention_days()`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scrutiny import settings
from scrutiny.workspace.accounts import EMAIL
from scrutiny.workspace.audit import Actor
from scrutiny.workspace.community import places
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.community import (
    AdultPresent,
    AgeBand,
    Answer,
    CommunityReport,
    EthnicGroup,
    Outcome,
    StopKind,
)

PUBLIC_FORM = Actor(None, "public form")  # the only actor that writes without an account: see `submit`
LONDON = ZoneInfo("Europe/London")  # people give the date and time on the clock where they were stopped
MAX_YEARS = 2
HONEYPOT = "website"  # a field hidden from people; only a form-filling robot fills it in
TEXT_LIMITS = {"suspected_of": 2000, "power_stated": 500, "searched_for": 2000, "found": 2000,
               "ethnicity_text": 200, "account": 6000}
CONTACT_LIMITS = {"contact_email": 254, "contact_phone": 40}
ANSWERS = ("grounds_given", "name_given", "station_given", "power_given", "record_offered", "body_camera",
           "outer_clothing_removed")
PHONE = re.compile(r"^\+?[0-9 ()\-]{7,30}$")
REFERENCE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # a report's id as secrets.token_urlsafe makes it (the column's length)
E = TypeVar("E", bound=Enum)
T = TypeVar("T")


def contact_retention_days() -> int:
    """How long contact details are kept: $SCRUTINY_CONTACT_RETENTION_DAYS, else 90 days (a bad value is refused
    at start-up by scrutiny.settings, not replaced by the default)."""
    return settings.current().contact_retention_days


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Each value's reader takes (field, value) and gives the value or None for a blank one, or refuses with
# `Invalid(field, ...)`: `build` reads the submission with them, and the web form's schema (`FormValue`) reads
# each box with them, so a person sees the same words whichever checks first.

def read_text(name: str, value: Any, limit: int) -> str | None:
    """Text trimmed at the ends (None when blank), at most `limit` characters, no NUL."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(name, "must be text")
    value = value.strip()
    if "\x00" in value:
        raise Invalid(name, "contains a character that cannot be stored")
    if len(value) > limit:
        raise Invalid(name, f"please keep this under {limit} characters (it has {len(value)})")
    return value or None


def read_choice(name: str, value: Any, kind: type[E]) -> E | None:
    if value is None or value == "":
        return None
    for member in kind:
        if value == member.value:
            return member
    allowed = ", ".join(str(m.value) for m in kind)
    raise Invalid(name, f"choose one of: {allowed}")


def read_number(name: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid(name, "must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(name, "must be a number, like 51.5074") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Invalid(name, "must be a number, like 51.5074")
    return number


def read_consent(name: str, value: Any) -> bool:
    """A ticked box: what a form's checkbox sends ("yes", "on"), or JSON's true; anything else is unticked."""
    return value is True or (isinstance(value, str) and value.lower() in ("on", "yes", "true", "1"))


def read_day(name: str, value: Any) -> date | None:
    """The day as typed (YYYY-MM-DD), None when blank; whether it is too early or late is `_when`'s question."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(name, "give the day as a date, like 2026-03-14") from None


def read_time(name: str, value: Any) -> time | None:
    """The time of day to the minute (HH:MM), None when blank."""
    if isinstance(value, str) and value.strip():
        try:
            return time.fromisoformat(value.strip()).replace(second=0, microsecond=0, tzinfo=None)
        except ValueError:
            raise Invalid(name, "give the time like 17:30") from None
    if value not in (None, ""):
        raise Invalid(name, "give the time like 17:30")
    return None


def read_borough(name: str, value: Any) -> str | None:
    code = value or None
    if code is not None and (not isinstance(code, str) or places.authority(code) is None):
        raise Invalid(name, "choose the council area (borough or district) from the list")
    return code


def read_email(name: str, value: Any) -> str | None:
    email = read_text(name, value, CONTACT_LIMITS["contact_email"])
    if email and not EMAIL.match(email):
        raise Invalid(name, "this does not look like an email address")
    return email


def read_phone(name: str, value: Any) -> str | None:
    phone = read_text(name, value, CONTACT_LIMITS["contact_phone"])
    if phone and not (PHONE.match(phone) and 7 <= sum(c.isdigit() for c in phone) <= 15):
        raise Invalid(name, "use digits, spaces and + only, like 07700 900123")
    return phone


def read_respect(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or str(value) not in {"1", "2", "3", "4", "5"}:
        raise Invalid(name, "choose from 1 (not at all) to 5 (very respectfully)")
    return int(value)


class Problems:
    """Every refusal of one submission, the first for each field, so a person sees all of them at once rather
    than one per try. `read(reader, *args)` gives the reader's value, or None after noting its refusal."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}

    def read(self, reader: Callable[..., T], *args: Any) -> T | None:
        try:
            return reader(*args)
        except Invalid as exc:
            self.found.setdefault(exc.field, exc.message)
            return None

    def refuse(self, name: str, message: str) -> None:
        self.found.setdefault(name, message)


def _when(data: Mapping[str, Any], now: datetime, problems: Problems) -> tuple[date | None, time | None]:
    """The day and time, each checked on its own, then together against the clock (never in the future, at most
    `MAX_YEARS` back)."""
    day = problems.read(read_day, "date", data.get("date"))
    if day is None and "date" not in problems.found:
        problems.refuse("date", "say which day it happened")
    at = problems.read(read_time, "time", data.get("time"))
    if day is None:
        return None, at
    local = now.astimezone(LONDON)
    today = local.date()
    if day > today:
        problems.refuse("date", "this is in the future")
    elif day == today and at is not None and at > local.time().replace(tzinfo=None):
        problems.refuse("time", "this is in the future")
    try:
        earliest = today.replace(year=today.year - MAX_YEARS)
    except ValueError:  # 29 February
        earliest = today.replace(year=today.year - MAX_YEARS, day=28)
    if day < earliest:
        problems.refuse("date", f"reports can only be about the last {MAX_YEARS} years")
    return day, at


def _where(data: Mapping[str, Any], problems: Problems) -> tuple[str | None, float | None, float | None]:
    """A council area, a map pin, or both; "none given" only when nothing about the place was refused already."""
    before = len(problems.found)
    code = problems.read(read_borough, "borough", data.get("borough"))
    latitude = problems.read(read_number, "latitude", data.get("latitude"))
    longitude = problems.read(read_number, "longitude", data.get("longitude"))
    if len(problems.found) > before:
        return code, None, None
    if (latitude is None) != (longitude is None):
        problems.refuse("longitude" if longitude is None else "latitude",
                        "a map pin needs both latitude and longitude")
        return code, None, None
    if latitude is not None and longitude is not None:
        pin = problems.read(places.rounded_pin, latitude, longitude)
        latitude, longitude = pin if pin is not None else (None, None)
    elif code is None:
        problems.refuse("borough", "choose the council area where it happened (or drop a map pin)")
    return code, latitude, longitude


def _contact(data: Mapping[str, Any], problems: Problems) -> tuple[str | None, str | None]:
    """The consent comes first: details given without it are refused (and named first) whatever their form."""
    given = any(value.strip() if isinstance(value, str) else value is not None
                for value in (data.get(name) for name in CONTACT_LIMITS))
    if given and not read_consent("contact_consent", data.get("contact_consent")):
        problems.refuse("contact_consent", "tick the box to let us keep your contact details, or leave them out")
    email = problems.read(read_email, "contact_email", data.get("contact_email"))
    return email, problems.read(read_phone, "contact_phone", data.get("contact_phone"))


def is_robot(data: Mapping[str, Any]) -> bool:
    """The honeypot: a field people never see (and so leave empty) but form-filling robots fill in."""
    value = data.get(HONEYPOT)
    return isinstance(value, str) and value != ""  # anything else in it is checked, and refused, like any field


def check(data: Mapping[str, Any], now: datetime) -> tuple[CommunityReport | None, dict[str, str]]:
    """A new report from submitted values, every value checked: the report, or None and every refusal by field
    (in the form's order: when, where, what happened, about you, contact)."""
    problems = Problems()
    day, at = _when(data, now, problems)
    code, latitude, longitude = _where(data, problems)
    kind = problems.read(read_choice, "kind", data.get("kind"), StopKind)
    if kind is None and "kind" not in problems.found:
        problems.refuse("kind", "say whether you were searched or only stopped")
    texts = {name: problems.read(read_text, name, data.get(name), limit) for name, limit in TEXT_LIMITS.items()}
    answers = {name: problems.read(read_choice, name, data.get(name), Answer) for name in ANSWERS}
    adult = problems.read(read_choice, "appropriate_adult", data.get("appropriate_adult"), AdultPresent)
    email, phone = _contact(data, problems)
    outcome = problems.read(read_choice, "outcome", data.get("outcome"), Outcome)
    age_band = problems.read(read_choice, "age_band", data.get("age_band"), AgeBand)
    ethnic_group = problems.read(read_choice, "ethnic_group", data.get("ethnic_group"), EthnicGroup)
    respect = problems.read(read_respect, "respect", data.get("respect"))
    if problems.found or day is None or kind is None:
        return None, problems.found
    report = CommunityReport(
        id=secrets.token_urlsafe(16), occurred_on=day, occurred_time=f"{at:%H:%M}" if at else None,
        borough_code=code, latitude=latitude, longitude=longitude, kind=kind, outcome=outcome, age_band=age_band,
        appropriate_adult=adult, ethnic_group=ethnic_group, respect=respect, contact_email=email,
        contact_phone=phone,
        contact_expires_at=now + timedelta(days=contact_retention_days()) if email or phone else None,
        account_approved=False, letter_text_taken=False, letter_pdf_taken=False,
        **texts, **answers,
    )
    return report, {}


def refusals(data: Mapping[str, Any], now: datetime | None = None) -> dict[str, str]:
    """Every refusal `submit` would give for these values, by field (empty when it would store them)."""
    return check(data, (now or datetime.now(UTC)).astimezone(UTC))[1]


def build(data: Mapping[str, Any], now: datetime) -> CommunityReport:
    """A new report from submitted values, every value checked; raises `Invalid` naming the first bad field
    (`refusals` gives them all)."""
    report, found = check(data, now)
    if report is None:
        name, message = next(iter(found.items()))
        raise Invalid(name, message)
    return report


@dataclass(frozen=True)
class Submitted:
    reference: str  # the report's id: random, shown to the person
    letter_token: str  # given once to the person (the API's answer); only its hash is stored
    stored: bool  # False for a honeypot catch: nothing was written


def submit(session: Session, data: Mapping[str, Any], now: datetime | None = None) -> Submitted:
    """Check and store a report (open the session with `PUBLIC_FORM`). A filled-in honeypot is answered the
    same way as a real report but nothing is stored, so a robot learns nothing from the answer."""
    now = (now or datetime.now(UTC)).astimezone(UTC)  # SQLite keeps times as UTC text without a zone
    letter_token = secrets.token_urlsafe(32)
    if is_robot(data):
        return Submitted(secrets.token_urlsafe(16), letter_token, stored=False)
    report = build(data, now)
    report.created_at = now
    report.letter_token_hash = token_hash(letter_token)
    report.letter_expires_at = now + timedelta(days=contact_retention_days())  # see letters.available_until
    session.add(report)
    session.flush()
    return Submitted(report.id, letter_token, stored=True)
