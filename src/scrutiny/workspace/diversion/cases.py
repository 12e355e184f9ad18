"""Diversion cases: parsing what a form or a CSV row says, checking it, and storing it.

One reading of each field (`READERS`) serves the form (the web schema's converters call it) and the CSV import,
so both refuse the same things with the same words and field names (the form field and the CSV column share a
name). Dates must follow the pathway's order — eligibility, first contact, assessment, completion and closure
not before the referral, and so on — because a case whose dates run backwards would give a negative wait and
skew the medians the panel publishes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scrutiny.workspace.errors import Invalid, NotFound
from scrutiny.workspace.models.diversion import (
    AgeBand,
    Completed,
    DiversionCase,
    DiversionRecontact,
    EthnicGroup,
    Intervention,
    RecontactKind,
    ReferralSource,
)

PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _./:#-]{0,63}$")
ONS_CODE = re.compile(r"^[EWSN]\d{8}$")
DATE_FIELDS = ("referral_date", "eligibility_date", "first_contact_date", "assessment_date", "completion_date",
               "closed_date")
# (later, earlier): the later stage may not be dated before the earlier one.
ORDER = (
    ("eligibility_date", "referral_date"),
    ("first_contact_date", "referral_date"),
    ("assessment_date", "referral_date"),
    ("assessment_date", "first_contact_date"),
    ("completion_date", "referral_date"),
    ("completion_date", "first_contact_date"),
    ("completion_date", "assessment_date"),
    ("closed_date", "referral_date"),
    ("closed_date", "eligibility_date"),
    ("closed_date", "first_contact_date"),
    ("closed_date", "assessment_date"),
    ("closed_date", "completion_date"),
)
LABELS = {
    "person_id": "person id", "referral_date": "referral", "eligibility_date": "eligibility check",
    "first_contact_date": "first contact", "assessment_date": "assessment", "completion_date": "completion",
    "closed_date": "closure",
}
E = TypeVar("E", bound=StrEnum)
STARTED = (Intervention.education, Intervention.treatment)
Recontacts = tuple[tuple[date, RecontactKind], ...]


@dataclass(frozen=True)
class CaseInput:
    """A case as checked values; `recontacts` None leaves the stored ones alone (the form edits them apart)."""

    person_id: str
    ethnic_group: EthnicGroup
    age_band: AgeBand
    borough: str
    drug: str
    referral_source: ReferralSource
    referral_date: date
    borough_code: str | None = None
    eligible: bool | None = None
    eligibility_reason: str = ""
    eligibility_date: date | None = None
    first_contact_date: date | None = None
    assessment_date: date | None = None
    intervention: Intervention | None = None
    completed: Completed = Completed.unknown
    completion_date: date | None = None
    closed_date: date | None = None
    closure_reason: str = ""
    recontacts: Recontacts | None = field(default=None)


def parse_date(name: str, text: str | None) -> date | None:
    """YYYY-MM-DD (what forms send), or DD/MM/YYYY (what UK spreadsheets write); blank is no date."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise Invalid(name, f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2024-03-31")


def _required_date(name: str, text: str | None) -> date:
    found = parse_date(name, text)
    if found is None:
        raise Invalid(name, "is required")
    return found


def parse_choice(name: str, kind: type[E], text: str | None, *, default: E | None = None) -> E | None:
    """One of the enum's values (what the page shows), any case; blank gives `default`."""
    text = (text or "").strip()
    if not text:
        return default
    for member in kind:
        if text.lower() in (member.value.lower(), member.name.lower()):
            return member
    allowed = ", ".join(m.value for m in kind)
    raise Invalid(name, f"{text!r} is not one of: {allowed}")


def _required_choice(name: str, kind: type[E], text: str | None) -> E:
    found = parse_choice(name, kind, text)
    if found is None:
        raise Invalid(name, "is required")
    return found


def parse_yes_no(name: str, text: str | None) -> bool | None:
    text = (text or "").strip().lower()
    if not text:
        return None
    if text in ("yes", "y", "true", "1"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    raise Invalid(name, f"{text!r} is not yes or no")


def _text(name: str, text: str | None, limit: int, *, required: bool = False) -> str:
    value = " ".join((text or "").split())
    if required and not value:
        raise Invalid(name, "is required")
    if len(value) > limit:
        raise Invalid(name, f"is {len(value)} characters long; at most {limit}")
    return value


def parse_recontacts(name: str, text: str | None) -> Recontacts:
    """`2024-05-01:stop; 2024-07-02:arrest` (a date alone is a stop)."""
    found: list[tuple[date, RecontactKind]] = []
    for part in (text or "").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        day, _, kind = part.partition(":")
        when = parse_date(name, day)
        assert when is not None
        found.append((when, parse_choice(name, RecontactKind, kind, default=RecontactKind.stop)
                      or RecontactKind.stop))
    return tuple(sorted(found))


def format_recontacts(recontacts: Recontacts) -> str:
    return "; ".join(f"{d.isoformat()}:{k.value}" for d, k in recontacts)


def parse_person_id(name: str, text: str | None) -> str:
    """The provider's pseudonymous id: required, at most 64 characters, and not shaped like a name."""
    person = _text(name, text, 64, required=True)
    if not PERSON_ID.match(person):
        raise Invalid(name, "use the provider's pseudonymous id (letters, digits, - _ . / : #), never a name")
    return person


def parse_borough_code(name: str, text: str | None) -> str | None:
    code = _text(name, text, 9).upper() or None
    if code is not None and not ONS_CODE.match(code):
        raise Invalid(name, f"{code!r} is not an ONS code such as E09000022")
    return code


Reader = Callable[[str, str | None], Any]  # (field, text as typed) -> the value, or `Invalid` naming the field
# Each case field's one reading, for the form (the web schema's converters) and the CSV import alike. The order
# is the order faults are found in: a CSV row reports its first.
READERS: dict[str, Reader] = {
    "person_id": parse_person_id,
    "borough_code": parse_borough_code,
    "ethnic_group": lambda name, text: _required_choice(name, EthnicGroup, text),
    "age_band": lambda name, text: _required_choice(name, AgeBand, text),
    "borough": lambda name, text: _text(name, text, 100, required=True),
    "drug": lambda name, text: _text(name, text, 100, required=True),
    "referral_source": lambda name, text: _required_choice(name, ReferralSource, text),
    "referral_date": _required_date,
    "eligible": parse_yes_no,
    "eligibility_reason": lambda name, text: _text(name, text, 500),
    "eligibility_date": parse_date,
    "first_contact_date": parse_date,
    "assessment_date": parse_date,
    "intervention": lambda name, text: parse_choice(name, Intervention, text),
    "completed": lambda name, text: parse_choice(name, Completed, text, default=Completed.unknown),
    "completion_date": parse_date,
    "closed_date": parse_date,
    "closure_reason": lambda name, text: _text(name, text, 500),
}


def parse_case(values: Mapping[str, str | None], *, with_recontacts: bool = False) -> CaseInput:
    """A checked case from form fields or a CSV row (same names); the first fault raises `Invalid`."""
    fields = {name: read(name, values.get(name)) for name, read in READERS.items()}
    recontacts = parse_recontacts("recontacts", values.get("recontacts")) if with_recontacts else None
    case = CaseInput(**fields, recontacts=recontacts)
    check(case)
    return case


def check(case: CaseInput) -> None:
    """Dates in the pathway's order, and a completion only where an intervention was started."""
    for later, earlier in ORDER:
        late, early = getattr(case, later), getattr(case, earlier)
        if late is not None and early is not None and late < early:
            raise Invalid(later, f"the {LABELS[later]} date ({late.isoformat()}) is before the "
                                 f"{LABELS[earlier]} date ({early.isoformat()})")
    if case.completion_date is not None and case.completed != Completed.yes:
        raise Invalid("completion_date", "a completion date needs completed = yes")
    if case.completed == Completed.yes and case.intervention not in STARTED:
        raise Invalid("completed", "only an education course or treatment can be completed: record the intervention")
    for when, _ in case.recontacts or ():
        check_recontact(case.referral_date, when)


def check_recontact(referral: date, when: date) -> None:
    if when < referral:
        raise Invalid("recontacts", f"a police re-contact ({when.isoformat()}) cannot be before the referral "
                                    f"({referral.isoformat()})")


COLUMNS = {  # CaseInput field -> DiversionCase attribute, where they differ
    "person_id": "person_ref",
}
CASE_FIELDS = ("person_id", "ethnic_group", "age_band", "borough", "borough_code", "drug", "referral_source",
               "referral_date", "eligible", "eligibility_reason", "eligibility_date", "first_contact_date",
               "assessment_date", "intervention", "completed", "completion_date", "closed_date", "closure_reason")


def stored_recontacts(case: DiversionCase) -> Recontacts:
    return tuple(sorted((r.contact_date, r.kind) for r in case.recontacts))


def _apply(case: DiversionCase, data: CaseInput) -> bool:
    """Copy `data` onto the row, touching only what differs (so an unchanged re-import logs nothing)."""
    changed = False
    for name in CASE_FIELDS:
        attribute = COLUMNS.get(name, name)
        value = getattr(data, name)
        if getattr(case, attribute) != value:
            setattr(case, attribute, value)
            changed = True
    for recontact in case.recontacts:
        check_recontact(data.referral_date, recontact.contact_date)
    if data.recontacts is not None and stored_recontacts(case) != data.recontacts:
        case.recontacts.clear()
        for when, kind in data.recontacts:
            case.recontacts.append(DiversionRecontact(contact_date=when, kind=kind))
        changed = True
    return changed


def find(session: Session, person_id: str, referral: date) -> DiversionCase | None:
    return session.scalar(select(DiversionCase).where(DiversionCase.person_ref == person_id,
                                                      DiversionCase.referral_date == referral))


def _refuse_duplicate(session: Session, data: CaseInput, case_id: int | None) -> None:
    other = find(session, data.person_id, data.referral_date)
    if other is not None and other.id != case_id:
        raise Invalid("person_id", f"there is already a case for {data.person_id} referred on "
                                   f"{data.referral_date.isoformat()} (case {other.id})")


def create_case(session: Session, data: CaseInput) -> DiversionCase:
    check(data)  # however the case was made (the form's schema reads each field; only this sees them together)
    _refuse_duplicate(session, data, None)
    case = DiversionCase(person_ref=data.person_id, referral_date=data.referral_date)
    session.add(case)
    _apply(case, data)
    session.flush()
    return case


def get_case(session: Session, case_id: int) -> DiversionCase:
    case = session.get(DiversionCase, case_id, options=[selectinload(DiversionCase.recontacts)])
    if case is None:
        raise NotFound(f"no diversion case {case_id}")
    return case


def update_case(session: Session, case_id: int, data: CaseInput) -> DiversionCase:
    case = get_case(session, case_id)
    check(data)
    _refuse_duplicate(session, data, case_id)
    _apply(case, data)
    session.flush()
    return case


def upsert_case(session: Session, data: CaseInput) -> str:
    """Create, update or leave alone the case with this person id and referral date: "created", "updated"
    or "unchanged"."""
    case = find(session, data.person_id, data.referral_date)
    if case is None:
        create_case(session, data)
        return "created"
    changed = _apply(case, data)
    session.flush()
    return "updated" if changed else "unchanged"


def add_recontact(session: Session, case_id: int, when: date | None, kind: RecontactKind) -> DiversionRecontact:
    case = get_case(session, case_id)
    if when is None:
        raise Invalid("contact_date", "is required")
    if when < case.referral_date:
        raise Invalid("contact_date", f"a police re-contact ({when.isoformat()}) cannot be before the referral "
                                      f"({case.referral_date.isoformat()})")
    recontact = DiversionRecontact(contact_date=when, kind=kind)
    case.recontacts.append(recontact)
    session.flush()
    return recontact


def get_recontact(session: Session, case_id: int, recontact_id: int) -> DiversionRecontact:
    recontact = session.get(DiversionRecontact, recontact_id)
    if recontact is None or recontact.case_id != case_id:
        raise NotFound(f"no re-contact {recontact_id} on case {case_id}")
    return recontact


def delete_recontact(session: Session, case_id: int, recontact_id: int) -> None:
    session.delete(get_recontact(session, case_id, recontact_id))
    session.flush()


def list_cases(session: Session) -> Sequence[DiversionCase]:
    return session.scalars(select(DiversionCase).options(selectinload(DiversionCase.recontacts))
                           .order_by(DiversionCase.referral_date.desc(), DiversionCase.id.desc())).all()


def form_values(case: DiversionCase) -> dict[str, str]:
    """The stored case as the strings a form or CSV row holds."""
    out: dict[str, str] = {}
    for name in CASE_FIELDS:
        value = getattr(case, COLUMNS.get(name, name))
        if value is None:
            out[name] = ""
        elif isinstance(value, bool):
            out[name] = "yes" if value else "no"
        elif isinstance(value, date):
            out[name] = value.isoformat()
        elif isinstance(value, StrEnum):
            out[name] = value.value
        else:
            out[name] = str(value)
    out["recontacts"] = format_recontacts(stored_recontacts(case))
    return out
