"""The governance map: bodies, the relations between them, and who holds roles on them.

The public export (`export`) is bodies and relations only: the people are for logged-in users. The API, the
download link and `scrutiny governance export` all print this one dictionary.

A body of a panel's kind (scrutiny panel, monitoring group) is a panel (scrutiny.workspace.panels): it is made,
changed in kind and deleted through the panel, whose form holds the rest of its record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from scrutiny.workspace.deleted import name_held_by_deleted, now_utc, soft_delete
from scrutiny.workspace.errors import Invalid, NotFound
from scrutiny.workspace.models.governance import Body, BodyKind, Membership, Relation, RelationKind
from scrutiny.workspace.models.panels import PANEL_BODY_KINDS, Panel
from scrutiny.workspace.panels import choice, clean, refuse_if_named, web_url

BODY_KIND_LABELS = {
    BodyKind.community_safety_partnership: "Community Safety Partnership",
    BodyKind.combating_drugs_partnership: "Combating Drugs Partnership",
    BodyKind.scrutiny_panel: "Local Policing Scrutiny Panel",
    BodyKind.monitoring_group: "Community monitoring group",
    BodyKind.safer_neighbourhood_board: "Safer Neighbourhood Board",
    BodyKind.policing_and_crime_office: "Policing and crime office (e.g. MOPAC)",
    BodyKind.police: "Police force or command unit",
    BodyKind.local_authority: "Local authority",
    BodyKind.other: "Other",
}
RELATION_LABELS = {
    RelationKind.reports_to: "reports to",
    RelationKind.scrutinises: "scrutinises",
    RelationKind.funds: "funds",
    RelationKind.member_of: "is a member of",
}


def get_body(session: Session, body_id: int, field: str | None = None) -> Body:
    """The body, or NotFound (or Invalid naming `field`, when the id came from a form: a forged or stale
    choice)."""
    body = session.scalar(select(Body).where(Body.id == body_id))
    if body is None:
        if field:
            raise Invalid(field, f"there is no body {body_id}: choose one of the listed bodies")
        raise NotFound(f"no governance body {body_id}")
    return body


def panel_ids(session: Session) -> dict[int, int]:
    """The panel of each body that is one: body id -> panel id."""
    return dict(session.execute(select(Panel.body_id, Panel.id)).tuples().all())


def list_bodies(session: Session) -> list[Body]:
    return list(session.scalars(select(Body).order_by(Body.name, Body.id)))


def list_relations(session: Session) -> list[Relation]:
    """Relations between bodies that are there: the joins leave out those of a deleted body (SoftDeleted)."""
    source, target = aliased(Body), aliased(Body)
    return list(session.scalars(select(Relation).join(source, Relation.source_id == source.id)
                                .join(target, Relation.target_id == target.id).order_by(Relation.id)))


def get_relation(session: Session, relation_id: int) -> Relation:
    relation = session.get(Relation, relation_id)
    if relation is None or not _present(session, relation.source_id, relation.target_id):
        raise NotFound(f"no relation {relation_id}")
    return relation


def _present(session: Session, *body_ids: int) -> bool:
    """Whether every body is there (not deleted)."""
    return len(set(session.scalars(select(Body.id).where(Body.id.in_(body_ids))))) == len(set(body_ids))


def list_memberships(session: Session, body_id: int | None = None) -> list[Membership]:
    """People's roles on bodies that are there (the join leaves out a deleted body's)."""
    query = (select(Membership).join(Body, Membership.body_id == Body.id)
             .order_by(Membership.body_id, Membership.person_name, Membership.id))
    if body_id is not None:
        query = query.where(Membership.body_id == body_id)
    return list(session.scalars(query))


def _body_fields(session: Session, body: Body, name: str, kind: str, area: str, website: str | None) -> Body:
    body.name = clean("name", name, 200, required=True)
    clash = session.scalar(select(Body).where(Body.name == body.name, Body.id != body.id) if body.id
                           else select(Body).where(Body.name == body.name))
    if clash is not None:
        raise Invalid("name", f"there is already a body called {body.name!r}")
    held = name_held_by_deleted(session, body.name, body.id)
    if held:
        raise Invalid("name", held)
    chosen = choice("kind", BodyKind, kind)
    is_panel = body.id is not None and body.kind in PANEL_BODY_KINDS
    if chosen in PANEL_BODY_KINDS and not is_panel:
        raise Invalid("kind", "a scrutiny panel or monitoring group is added on the Panels page (its members, "
                              "meetings and terms of reference are kept there), and appears here at once")
    if is_panel and chosen not in PANEL_BODY_KINDS:
        raise Invalid("kind", f"{body.name} is a panel: it stays a scrutiny panel or monitoring group")
    body.kind = chosen
    body.area = clean("area", area, 100)
    body.website = web_url("website", website)
    return body


def create_body(session: Session, name: str, kind: str, area: str = "", website: str | None = None) -> Body:
    """A body that is not a panel (a panel is made with `panels.create_panel`, which makes its body)."""
    body = _body_fields(session, Body(), name, kind, area, website)
    session.add(body)
    session.flush()
    return body


def update_body(session: Session, body_id: int, name: str, kind: str, area: str = "",
                website: str | None = None) -> Body:
    body = _body_fields(session, get_body(session, body_id), name, kind, area, website)
    session.flush()
    return body


def delete_body(session: Session, body_id: int, now: datetime | None = None) -> None:
    """Deleted so an admin can restore it for 30 days (scrutiny.workspace.deleted): its relations and memberships
    are hidden with it and come back with it. Refused while recommendations name it (they are the panel's record). A
    panel's body goes only with the panel, on the panel's page, where its members and meetings are seen."""
    body = get_body(session, body_id)
    refuse_delete(session, body)
    soft_delete(session, body, now or now_utc())  # its relations and memberships are hidden with it


def refuse_delete(session: Session, body: Body) -> None:
    """Raises `Invalid` when the body cannot be deleted here: a panel's (deleted with its panel), or one named in
    recommendations."""
    if body.kind in PANEL_BODY_KINDS and session.scalar(select(Panel.id).where(Panel.body_id == body.id)):
        raise Invalid("body", f"{body.name} is a panel: delete it on its panel page, with its members and meetings")
    refuse_if_named(session, body)


def _relation_fields(session: Session, relation: Relation, source_id: int, target_id: int, kind: str) -> Relation:
    source = get_body(session, source_id, "source_id")
    target = get_body(session, target_id, "target_id")
    if source.id == target.id:
        raise Invalid("target_id", "a body cannot be related to itself")
    chosen = choice("kind", RelationKind, kind)
    clash = session.scalar(select(Relation).where(Relation.source_id == source.id, Relation.target_id == target.id,
                                                  Relation.kind == chosen))
    if clash is not None and clash.id != relation.id:
        raise Invalid("kind", f"{source.name} already {RELATION_LABELS[chosen]} {target.name}")
    relation.source_id, relation.target_id, relation.kind = source.id, target.id, chosen
    return relation


def add_relation(session: Session, source_id: int, target_id: int, kind: str) -> Relation:
    relation = _relation_fields(session, Relation(), source_id, target_id, kind)
    session.add(relation)
    session.flush()
    return relation


def update_relation(session: Session, relation_id: int, source_id: int, target_id: int, kind: str) -> Relation:
    relation = get_relation(session, relation_id)
    _relation_fields(session, relation, source_id, target_id, kind)
    session.flush()
    return relation


def delete_relation(session: Session, relation_id: int) -> None:
    session.delete(get_relation(session, relation_id))
    session.flush()


@dataclass(frozen=True)
class MembershipFields:
    body_id: int
    person_name: str
    organisation: str = ""
    role: str = ""
    since: date | None = None
    until: date | None = None


def _membership_fields(session: Session, membership: Membership, fields: MembershipFields) -> Membership:
    membership.body_id = get_body(session, fields.body_id, "body_id").id
    membership.person_name = clean("person_name", fields.person_name, 200, required=True)
    membership.organisation = clean("organisation", fields.organisation, 200)
    membership.role = clean("role", fields.role, 200)
    if fields.since and fields.until and fields.until < fields.since:
        raise Invalid("until", "the end date is before the start date")
    membership.since, membership.until = fields.since, fields.until
    return membership


def add_membership(session: Session, fields: MembershipFields) -> Membership:
    membership = _membership_fields(session, Membership(), fields)
    session.add(membership)
    session.flush()
    return membership


def get_membership(session: Session, membership_id: int) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None or not _present(session, membership.body_id):
        raise NotFound(f"no membership {membership_id}")
    return membership


def update_membership(session: Session, membership_id: int, fields: MembershipFields) -> Membership:
    membership = _membership_fields(session, get_membership(session, membership_id), fields)
    session.flush()
    return membership


def delete_membership(session: Session, membership_id: int) -> None:
    session.delete(get_membership(session, membership_id))
    session.flush()


def export(session: Session) -> dict[str, Any]:
    """The public governance map: bodies and relations (no people), ordered by id so exports diff cleanly."""
    bodies = session.scalars(select(Body).order_by(Body.id))
    return {
        "bodies": [{"id": b.id, "name": b.name, "kind": b.kind.value, "area": b.area, "website": b.website}
                   for b in bodies],
        "relations": [{"id": r.id, "source": r.source_id, "target": r.target_id, "kind": r.kind.value}
                      for r in list_relations(session)],
    }
