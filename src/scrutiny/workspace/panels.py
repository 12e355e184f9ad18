"""Panels and monitoring groups: their public record (name, area, terms of reference, contact, meetings) and
their membership, published only as counts by age band and community (scrutiny.workspace.disclosure: rounded to
5, 1-4 as "<5", the total and the under-25s summed from the rounded bands).

A panel is a governance body (models.panels): one form saves both rows, the body's name, kind, area and website
and the panel's own details, so the panel is on the governance map and can make recommendations as soon as it is
entered, and renaming it renames it everywhere.

The small validators here (`clean`, `web_url`, `ons_code`, ...) are shared by the governance and
recommendation services, so a field is refused with the same words wherever it is typed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from scrutiny.workspace.deleted import name_held_by_deleted, now_utc, soft_delete
from scrutiny.workspace.disclosure import count, shown, total
from scrutiny.workspace.errors import Invalid, NotFound
from scrutiny.workspace.models.governance import Body, BodyKind
from scrutiny.workspace.models.panels import UNDER_25, AgeBand, Meeting, Panel, PanelKind, PanelMember
from scrutiny.workspace.models.recommendations import Recommendation
from scrutiny.workspace.record_ids import is_record_id

ONS_CODE = re.compile(r"^[EWSN]\d{8}$")
E = TypeVar("E", bound=StrEnum)
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,189}\.[^@\s<>\"']{2,}$")


def clean(field: str, value: str | None, limit: int, *, required: bool = False) -> str:
    """Trimmed text within `limit` characters; refused, naming the field, when required and empty."""
    text = (value or "").strip()
    if required and not text:
        raise Invalid(field, "this cannot be empty")
    if len(text) > limit:
        raise Invalid(field, f"use at most {limit} characters (this has {len(text)})")
    return text


def web_url(field: str, value: str | None) -> str | None:
    """An http(s) address or nothing: `javascript:`, `data:` and the like would run in a reader's browser."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 500:
        raise Invalid(field, "use at most 500 characters")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise Invalid(field, "give a web address starting with http:// or https://")
    return text


def email(field: str, value: str | None) -> str | None:
    text = (value or "").strip().lower()
    if not text:
        return None
    if not EMAIL.match(text):
        raise Invalid(field, f"{text!r} is not an email address")
    return text


def ons_code(field: str, value: str | None) -> str | None:
    text = (value or "").strip().upper()
    if not text:
        return None
    if not ONS_CODE.match(text):
        raise Invalid(field, f"{text!r} is not an ONS area code like E09000012")
    return text


def choice(field: str, kind: type[E], value: str | E) -> E:
    """A member of the enum `kind`, or a refusal that lists the choices."""
    try:
        return kind(value)
    except ValueError:
        raise Invalid(field, f"{value!r} is not one of: {', '.join(k.value for k in kind)}") from None


def get_panel(session: Session, panel_id: int) -> Panel:
    panel = session.scalar(select(Panel).where(Panel.id == panel_id)
                           .options(selectinload(Panel.members), selectinload(Panel.meetings)))
    if panel is None:
        raise NotFound(f"no panel {panel_id}")
    return panel


def list_panels(session: Session) -> list[Panel]:
    return list(session.scalars(select(Panel).join(Panel.body).order_by(Body.name, Panel.id)))


def panel_of_body(session: Session, body_id: int) -> Panel | None:
    """The panel a governance body is, if it is one."""
    return session.scalar(select(Panel).where(Panel.body_id == body_id))


@dataclass(frozen=True)
class PanelFields:
    """What a panel form or API call may set; every field is checked by `save_panel`."""

    name: str
    area_name: str
    kind: str = PanelKind.scrutiny_panel.value
    area_code: str | None = None
    terms_of_reference: str = ""
    contact_email: str | None = None
    website: str | None = None
    how_to_join: str = ""


def _apply(session: Session, panel: Panel, body: Body, fields: PanelFields) -> Panel:
    """Both rows from one form: the body's name (free among bodies), kind, area and website, then the panel's."""
    name = clean("name", fields.name, 200, required=True)
    clash = session.scalar(select(Body.name).where(Body.name == name, Body.id != body.id) if body.id
                           else select(Body.name).where(Body.name == name))
    if clash is not None:
        raise Invalid("name", f"there is already a body called {name!r} on the governance map: choose another name")
    held = name_held_by_deleted(session, name, body.id)
    if held:
        raise Invalid("name", held)
    body.name = name
    body.kind = BodyKind(choice("kind", PanelKind, fields.kind).value)
    body.area = clean("area_name", fields.area_name, 100, required=True)
    body.website = web_url("website", fields.website)
    panel.area_code = ons_code("area_code", fields.area_code)
    panel.terms_of_reference = clean("terms_of_reference", fields.terms_of_reference, 20000)
    panel.contact_email = email("contact_email", fields.contact_email)
    panel.how_to_join = clean("how_to_join", fields.how_to_join, 5000)
    return panel


def refuse_if_named(session: Session, body: Body) -> None:
    """A body named in recommendations stays (they are the panels' record): they are changed or removed first."""
    used = session.scalar(select(Recommendation.id).where(
        or_(Recommendation.from_body_id == body.id, Recommendation.to_body_id == body.id)).limit(1))
    if used is not None:
        raise Invalid("body", f"{body.name} is named in recommendations; remove or change them first")


def create_panel(session: Session, fields: PanelFields) -> Panel:
    """A panel and its governance body, made together."""
    body = Body()
    panel = _apply(session, Panel(body=body), body, fields)
    session.add(panel)
    session.flush()
    return panel


def update_panel(session: Session, panel_id: int, fields: PanelFields) -> Panel:
    panel = get_panel(session, panel_id)
    _apply(session, panel, panel.body, fields)
    session.flush()
    return panel


def delete_panel(session: Session, panel_id: int, now: datetime | None = None) -> None:
    """The panel and its body, deleted so that an admin can restore them for 30 days (scrutiny.workspace.deleted):
    its members and meetings, the body's relations and memberships, are hidden with them and come back with them.
    Refused while recommendations name the body, as for any body."""
    panel = get_panel(session, panel_id)
    refuse_if_named(session, panel.body)
    when = now or now_utc()
    soft_delete(session, panel.body, when)
    soft_delete(session, panel, when)


def add_member(session: Session, panel_id: int, name: str, age_band: str, role: str = "member",
               community: str = "") -> PanelMember:
    panel = get_panel(session, panel_id)
    member = PanelMember(panel_id=panel.id, name=clean("name", name, 200, required=True),
                         role=clean("role", role, 100) or "member", community=clean("community", community, 200),
                         age_band=choice("age_band", AgeBand, age_band))
    session.add(member)
    session.flush()
    return member


def get_member(session: Session, panel_id: int, member_id: int) -> PanelMember:
    """A member of a panel that is there (a deleted panel's members are kept for its restore, untouched)."""
    member = session.get(PanelMember, member_id)
    if member is None or member.panel_id != get_panel(session, panel_id).id:
        raise NotFound(f"no member {member_id} on panel {panel_id}")
    return member


def remove_member(session: Session, panel_id: int, member_id: int) -> None:
    session.delete(get_member(session, panel_id, member_id))
    session.flush()


def add_meeting(session: Session, panel_id: int, held_on: date | None, title: str = "",
                minutes_url: str | None = None) -> Meeting:
    panel = get_panel(session, panel_id)
    if held_on is None:
        raise Invalid("held_on", "give the meeting's date")
    meeting = Meeting(panel_id=panel.id, held_on=held_on, title=clean("title", title, 200),
                      minutes_url=web_url("minutes_url", minutes_url))
    session.add(meeting)
    session.flush()
    return meeting


def get_meeting(session: Session, panel_id: int, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.panel_id != get_panel(session, panel_id).id:
        raise NotFound(f"no meeting {meeting_id} for panel {panel_id}")
    return meeting


def remove_meeting(session: Session, panel_id: int, meeting_id: int) -> None:
    session.delete(get_meeting(session, panel_id, meeting_id))
    session.flush()


@dataclass(frozen=True)
class Composition:
    """Members counted by age band and by community: raw counts for the workspace; `public()` for the web."""

    total: int
    by_age_band: dict[str, int]  # every band, in order, zeros included
    under_25: int
    by_community: dict[str, int]  # communities as typed, sorted; "not stated" for a blank

    def public(self) -> dict[str, object]:
        """Each band rounded to 5; the total and the under-25s are sums of the rounded bands, so the total
        minus the bands shown is a multiple of 5, never a hidden count (scrutiny.workspace.disclosure)."""
        bands = {band: count(n) for band, n in self.by_age_band.items()}
        return {
            "total": total(bands.values()).shown,
            "by_age_band": {band: figure.shown for band, figure in bands.items()},
            "under_25": total(bands[band.value] for band in UNDER_25).shown,
            "by_community": {name: shown(n) for name, n in self.by_community.items()},
        }


def composition(members: list[PanelMember]) -> Composition:
    bands = Counter(m.age_band for m in members)
    communities = Counter(m.community.strip() or "not stated" for m in members)
    return Composition(
        total=len(members),
        by_age_band={band.value: bands.get(band, 0) for band in AgeBand},
        under_25=sum(bands.get(band, 0) for band in UNDER_25),
        by_community=dict(sorted(communities.items(), key=lambda kv: kv[0].lower())),
    )


def form_date(field: str, value: str | None) -> date | None:
    """A date typed in a form (YYYY-MM-DD, what <input type=date> sends), or None when left blank."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(field, f"{text!r} is not a date like 2025-03-31") from None


def form_id(field: str, value: str | None) -> int | None:
    """A record id chosen in a form's <select>, or None for the blank choice."""
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit() or not is_record_id(int(text)):
        raise Invalid(field, "choose one of the listed options")
    return int(text)
