"""The governance map: the public page (`/governance`: an SVG diagram drawn on the server, and the same
relations as a table), its JSON export, and the workspace's forms for bodies, relations and memberships.
People's names (memberships) appear only on the logged-in pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel

from scrutiny.web.workspace.deps import AnyRole, PanelMember, WorkspaceDep
from scrutiny.web.workspace.render import page, redirect
from scrutiny.workspace import accounts
from scrutiny.workspace import governance as service
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.governance_diagram import layout
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.governance import BodyKind, RelationKind
from scrutiny.workspace.panels import form_date, form_id

router = APIRouter()
api_router = APIRouter(tags=["governance"])
Short = Annotated[str, Form(max_length=600)]
EXPORT_URL = "/api/v1/governance"


class BodyOut(BaseModel):
    id: int
    name: str
    kind: BodyKind
    area: str
    website: str | None


class RelationOut(BaseModel):
    """`source` <kind> `target`, e.g. a Community Safety Partnership `reports_to` MOPAC."""

    id: int
    source: int
    target: int
    kind: RelationKind


class GovernanceOut(BaseModel):
    bodies: list[BodyOut]
    relations: list[RelationOut]


@api_router.get("/governance", response_model=GovernanceOut,
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


def _can_write(user: User) -> bool:
    return user.role in (Role.admin, Role.panel_member)


def _index(request: Request, ws: WorkspaceDep, user: User, *, errors: dict[str, str] | None = None,
           form: dict[str, Any] | None = None, status: int = 200) -> Response:
    return page(request, "workspace/governance/index.html", {
        "title": "Governance map", **_map_context(ws), "body_kinds": list(BodyKind),
        "relation_kinds": list(RelationKind), "can_write": _can_write(user), "errors": errors or {},
        "form": form or {}}, status)


def _membership_fields(body_id: str, person_name: str, organisation: str, role: str, since: str,
                       until: str) -> service.MembershipFields:
    chosen = form_id("body_id", body_id)
    if chosen is None:
        raise Invalid("body_id", "choose a body")
    return service.MembershipFields(chosen, person_name, organisation, role, form_date("since", since),
                                    form_date("until", until))


@router.get("/workspace/governance")
def workspace_index(request: Request, ws: WorkspaceDep, user: AnyRole) -> Response:
    return _index(request, ws, user)


def _write(request: Request, ws: WorkspaceDep, user: User, work: Any, form: dict[str, Any],
           done: str = "/workspace/governance") -> Response:
    """Run `work(session)` as `user`; a refusal shows the page again with the field marked."""
    try:
        with ws.session(accounts.actor(user)) as session:
            work(session)
    except Invalid as exc:
        return _index(request, ws, user, errors={exc.field: exc.message}, form=form, status=422)
    return redirect(request, done)


@router.post("/workspace/governance/bodies")
def create_body(request: Request, ws: WorkspaceDep, user: PanelMember, name: Short = "",
                kind: Short = BodyKind.other.value, area: Short = "", website: Short = "") -> Response:
    form = {"name": name, "kind": kind, "area": area, "website": website}
    return _write(request, ws, user, lambda s: service.create_body(s, name, kind, area, website), form,
                  "/workspace/governance#bodies")


@router.get("/workspace/governance/bodies/{body_id}")
def edit_body(request: Request, ws: WorkspaceDep, user: AnyRole, body_id: int) -> Response:
    return _body_page(request, ws, user, body_id)


def _body_page(request: Request, ws: WorkspaceDep, user: User, body_id: int, *,
               errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
               status: int = 200) -> Response:
    with ws.session() as session:
        body = service.get_body(session, body_id)
        memberships = service.list_memberships(session, body_id)
    return page(request, "workspace/governance/body.html", {
        "title": body.name, "body": body, "memberships": memberships, "body_kinds": list(BodyKind),
        "kind_labels": service.BODY_KIND_LABELS, "can_write": _can_write(user), "errors": errors or {},
        "form": form or {}}, status)


@router.post("/workspace/governance/bodies/{body_id}")
def update_body(request: Request, ws: WorkspaceDep, user: PanelMember, body_id: int, name: Short = "",
                kind: Short = BodyKind.other.value, area: Short = "", website: Short = "") -> Response:
    form = {"name": name, "kind": kind, "area": area, "website": website}
    try:
        with ws.session(accounts.actor(user)) as session:
            service.update_body(session, body_id, name, kind, area, website)
    except Invalid as exc:
        return _body_page(request, ws, user, body_id, errors={exc.field: exc.message}, form=form, status=422)
    return redirect(request, f"/workspace/governance/bodies/{body_id}")


@router.post("/workspace/governance/bodies/{body_id}/delete")
def delete_body(request: Request, ws: WorkspaceDep, user: PanelMember, body_id: int) -> Response:
    return _write(request, ws, user, lambda s: service.delete_body(s, body_id), {}, "/workspace/governance#bodies")


@router.post("/workspace/governance/relations")
def create_relation(request: Request, ws: WorkspaceDep, user: PanelMember, source_id: Short = "",
                    target_id: Short = "", kind: Short = "") -> Response:
    form = {"source_id": source_id, "target_id": target_id, "kind": kind}

    def work(session: Any) -> None:
        source, target = form_id("source_id", source_id), form_id("target_id", target_id)
        if source is None or target is None:
            raise Invalid("source_id" if source is None else "target_id", "choose a body")
        service.add_relation(session, source, target, kind)

    return _write(request, ws, user, work, form, "/workspace/governance#relations")


@router.post("/workspace/governance/relations/{relation_id}/delete")
def delete_relation(request: Request, ws: WorkspaceDep, user: PanelMember, relation_id: int) -> Response:
    return _write(request, ws, user, lambda s: service.delete_relation(s, relation_id), {},
                  "/workspace/governance#relations")


@router.post("/workspace/governance/memberships")
def create_membership(request: Request, ws: WorkspaceDep, user: PanelMember, body_id: Short = "",
                      person_name: Short = "", organisation: Short = "", role: Short = "", since: Short = "",
                      until: Short = "") -> Response:
    form = {"body_id": body_id, "person_name": person_name, "organisation": organisation, "role": role,
            "since": since, "until": until}
    return _write(request, ws, user, lambda s: service.add_membership(
        s, _membership_fields(body_id, person_name, organisation, role, since, until)), form,
        "/workspace/governance#memberships")


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
        "title": "Edit membership", "membership": membership, "bodies": bodies, "can_write": _can_write(user),
        "errors": errors or {}, "form": form or {}}, status)


@router.post("/workspace/governance/memberships/{membership_id}")
def update_membership(request: Request, ws: WorkspaceDep, user: PanelMember, membership_id: int,
                      body_id: Short = "", person_name: Short = "", organisation: Short = "", role: Short = "",
                      since: Short = "", until: Short = "") -> Response:
    form = {"body_id": body_id, "person_name": person_name, "organisation": organisation, "role": role,
            "since": since, "until": until}
    try:
        with ws.session(accounts.actor(user)) as session:
            service.update_membership(session, membership_id,
                                      _membership_fields(body_id, person_name, organisation, role, since, until))
    except Invalid as exc:
        return _membership_page(request, ws, user, membership_id, errors={exc.field: exc.message}, form=form,
                                status=422)
    return redirect(request, "/workspace/governance#memberships")


@router.post("/workspace/governance/memberships/{membership_id}/delete")
def delete_membership(request: Request, ws: WorkspaceDep, user: PanelMember, membership_id: int) -> Response:
    return _write(request, ws, user, lambda s: service.delete_membership(s, membership_id), {},
                  "/workspace/governance#memberships")
