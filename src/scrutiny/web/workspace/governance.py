"""The governance map: the public page (`/governance`: an SVG diagram drawn on the server, and the same
relations as a table), its JSON export, and the workspace's forms for bodies, relations and memberships.
People's names (memberships) appear only on the logged-in pages."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from scrutiny.web.workspace import confirm, forms
from scrutiny.web.workspace.deps import AnyRole, PanelMember, WorkspaceDep
from scrutiny.web.workspace.render import page
from scrutiny.web.workspace.schemas.governance import (
    BodyCreate,
    BodyUpdate,
    GovernancePublic,
    MembershipBase,
    MembershipCreate,
    MembershipUpdate,
    RelationCreate,
)
from scrutiny.workspace import accounts
from scrutiny.workspace import governance as service
from scrutiny.workspace.governance_diagram import layout
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.governance import BodyKind, RelationKind
from scrutiny.workspace.models.panels import PANEL_BODY_KINDS
from scrutiny.workspace.panels import panel_of_body

router = APIRouter()
api_router = APIRouter(tags=["governance"])
EXPORT_URL = "/api/v1/governance"
BODY_KINDS = [k for k in BodyKind if k not in PANEL_BODY_KINDS]  # a panel is made and changed as a panel
NewBody = Annotated[forms.Posted[BodyCreate], Depends(forms.posted(BodyCreate))]
ChangedBody = Annotated[forms.Posted[BodyUpdate], Depends(forms.posted(BodyUpdate))]
NewRelation = Annotated[forms.Posted[RelationCreate], Depends(forms.posted(RelationCreate))]
NewMembership = Annotated[forms.Posted[MembershipCreate], Depends(forms.posted(MembershipCreate))]
ChangedMembership = Annotated[forms.Posted[MembershipUpdate], Depends(forms.posted(MembershipUpdate))]


@api_router.get("/governance", response_model=GovernancePublic,
                summary="The governance map: bodies and how they relate (no people)")
def api_export(ws: WorkspaceDep) -> dict[str, Any]:
    """The same document as `scrutiny governance export`."""
    with ws.session() as session:
        return service.export(session)


def _map_context(ws: WorkspaceDep) -> dict[str, Any]:
    with ws.session() as session:
        bodies = service.list_bodies(session)
        relations = service.list_relations(session)
        memberships = service.list_memberships(session)
    by_id = {b.id: b for b in bodies}
    return {"bodies": bodies, "relations": relations, "by_id": by_id, "memberships": memberships,
            "diagram": layout(bodies, relations), "kind_labels": service.BODY_KIND_LABELS,
            "relation_labels": service.RELATION_LABELS, "export_url": EXPORT_URL}


@router.get("/governance")
def public_map(request: Request, ws: WorkspaceDep) -> Response:
    context = _map_context(ws)
    context.pop("memberships")  # people are for logged-in users only
    return page(request, "workspace/governance/public.html", {"title": "Governance map", **context})


def _index(request: Request, ws: WorkspaceDep, user: User, *, errors: dict[str, str] | None = None,
           form: dict[str, Any] | None = None, status: int = 200) -> Response:
    return page(request, "workspace/governance/index.html", {
        "title": "Governance map", **_map_context(ws), "body_kinds": BODY_KINDS,
        "relation_kinds": list(RelationKind), "can_write": accounts.may(user, Role.panel_member),
        "errors": errors or {},
        "form": form or {}}, status)


def _membership(fields: MembershipBase) -> service.MembershipFields:
    return service.MembershipFields(**fields.model_dump())


@router.get("/workspace/governance")
def workspace_index(request: Request, ws: WorkspaceDep, user: AnyRole) -> Response:
    return _index(request, ws, user)


@router.post("/workspace/governance/bodies")
def create_body(request: Request, ws: WorkspaceDep, user: PanelMember, form: NewBody) -> Response:
    work = forms.saving(request, ws, user, lambda s, b: service.create_body(s, b.name, b.kind, b.area, b.website),
                        "/workspace/governance#bodies")
    return forms.submit(form, work, partial(_index, request, ws, user))


@router.get("/workspace/governance/bodies/{body_id}")
def edit_body(request: Request, ws: WorkspaceDep, user: AnyRole, body_id: int) -> Response:
    return _body_page(request, ws, user, body_id)


def _body_page(request: Request, ws: WorkspaceDep, user: User, body_id: int, *,
               errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
               status: int = 200) -> Response:
    with ws.session() as session:
        body = service.get_body(session, body_id)
        memberships = service.list_memberships(session, body_id)
        panel = panel_of_body(session, body_id)
    return page(request, "workspace/governance/body.html", {
        "title": body.name, "body": body, "memberships": memberships, "body_kinds": BODY_KINDS,
        "panel_id": panel.id if panel else None,
        "kind_labels": service.BODY_KIND_LABELS, "can_write": accounts.may(user, Role.panel_member),
        "errors": errors or {},
        "form": form or {}}, status)


@router.post("/workspace/governance/bodies/{body_id}")
def update_body(request: Request, ws: WorkspaceDep, user: PanelMember, body_id: int, form: ChangedBody) -> Response:
    work = forms.saving(
        request, ws, user,
        lambda s, b: service.update_body(s, body_id, b.name, b.kind, b.area, b.website),
        f"/workspace/governance/bodies/{body_id}")
    return forms.submit(form, work, partial(_body_page, request, ws, user, body_id))


def _doomed_body(session: Session, body_id: int) -> confirm.Doomed:
    body = service.get_body(session, body_id)
    relations = [r for r in service.list_relations(session) if body.id in (r.source_id, r.target_id)]
    memberships = service.list_memberships(session, body.id)
    return confirm.Doomed(
        "Delete this body?", f"the body {body.name}", "Delete the body", f"/workspace/governance/bodies/{body.id}",
        goes=[f"{confirm.counted(len(relations), 'relation')} to other bodies",
              f"{confirm.counted(len(memberships), 'membership')} (people's roles on it)"],
        restorable=True, blocked=confirm.refusal(lambda: service.refuse_delete(session, body)))


@router.get("/workspace/governance/bodies/{body_id}/delete")
def confirm_delete_body(request: Request, ws: WorkspaceDep, user: PanelMember, body_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed_body(s, body_id))


@router.post("/workspace/governance/bodies/{body_id}/delete")
def delete_body(request: Request, ws: WorkspaceDep, user: PanelMember, body_id: int,
                yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed_body(s, body_id),
                           lambda s: service.delete_body(s, body_id), "/workspace/governance#bodies")


@router.post("/workspace/governance/relations")
def create_relation(request: Request, ws: WorkspaceDep, user: PanelMember, form: NewRelation) -> Response:
    work = forms.saving(request, ws, user, lambda s, r: service.add_relation(s, r.source_id, r.target_id, r.kind),
                        "/workspace/governance#relations")
    return forms.submit(form, work, partial(_index, request, ws, user))


def _doomed_relation(session: Session, relation_id: int) -> confirm.Doomed:
    relation = service.get_relation(session, relation_id)
    source, target = service.get_body(session, relation.source_id), service.get_body(session, relation.target_id)
    return confirm.Doomed("Remove this relation?",
                          f"the relation “{source.name} {service.RELATION_LABELS[relation.kind]} {target.name}”",
                          "Remove the relation", "/workspace/governance#relations",
                          stays=[f"{source.name} and {target.name} themselves"])


@router.get("/workspace/governance/relations/{relation_id}/delete")
def confirm_delete_relation(request: Request, ws: WorkspaceDep, user: PanelMember, relation_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed_relation(s, relation_id))


@router.post("/workspace/governance/relations/{relation_id}/delete")
def delete_relation(request: Request, ws: WorkspaceDep, user: PanelMember, relation_id: int,
                    yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed_relation(s, relation_id),
                           lambda s: service.delete_relation(s, relation_id), "/workspace/governance#relations")


@router.post("/workspace/governance/memberships")
def create_membership(request: Request, ws: WorkspaceDep, user: PanelMember, form: NewMembership) -> Response:
    work = forms.saving(request, ws, user, lambda s, m: service.add_membership(s, _membership(m)),
                        "/workspace/governance#memberships")
    return forms.submit(form, work, partial(_index, request, ws, user))


@router.get("/workspace/governance/memberships/{membership_id}")
def edit_membership(request: Request, ws: WorkspaceDep, user: AnyRole, membership_id: int) -> Response:
    return _membership_page(request, ws, user, membership_id)


def _membership_page(request: Request, ws: WorkspaceDep, user: User, membership_id: int, *,
                     errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                     status: int = 200) -> Response:
    with ws.session() as session:
        membership = service.get_membership(session, membership_id)
        bodies = service.list_bodies(session)
    return page(request, "workspace/governance/membership.html", {
        "title": "Edit membership", "membership": membership, "bodies": bodies,
        "can_write": accounts.may(user, Role.panel_member),
        "errors": errors or {}, "form": form or {}}, status)


@router.post("/workspace/governance/memberships/{membership_id}")
def update_membership(request: Request, ws: WorkspaceDep, user: PanelMember, membership_id: int,
                      form: ChangedMembership) -> Response:
    work = forms.saving(request, ws, user, lambda s, m: service.update_membership(s, membership_id, _membership(m)),
                        "/workspace/governance#memberships")
    return forms.submit(form, work, partial(_membership_page, request, ws, user, membership_id))


def _doomed_membership(session: Session, membership_id: int) -> confirm.Doomed:
    membership = service.get_membership(session, membership_id)
    body = service.get_body(session, membership.body_id)
    role = f" as {membership.role}" if membership.role else ""
    return confirm.Doomed("Remove this membership?", f"{membership.person_name}'s role{role} on {body.name}",
                          "Remove the membership", f"/workspace/governance/memberships/{membership.id}",
                          stays=[f"{body.name} and its other memberships"])


@router.get("/workspace/governance/memberships/{membership_id}/delete")
def confirm_delete_membership(request: Request, ws: WorkspaceDep, user: PanelMember, membership_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed_membership(s, membership_id))


@router.post("/workspace/governance/memberships/{membership_id}/delete")
def delete_membership(request: Request, ws: WorkspaceDep, user: PanelMember, membership_id: int,
                      yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed_membership(s, membership_id),
                           lambda s: service.delete_membership(s, membership_id), "/workspace/governance#memberships")
