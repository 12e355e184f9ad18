"""Panels and monitoring groups: the public directory (`/panels`) and page per panel (no login; membership
only as counts, suppressed below 5, never names), the workspace's forms, and the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from scrutiny.web.schemas import ErrorResponse
from scrutiny.web.workspace.deps import AnyRole, PanelMember, WorkspaceDep
from scrutiny.web.workspace.recommendations import RecommendationOut, outs
from scrutiny.web.workspace.render import page, redirect
from scrutiny.workspace import accounts
from scrutiny.workspace import panels as service
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.panels import AgeBand, Panel, PanelKind
from scrutiny.workspace.recommendations import list_recommendations, london_today

router = APIRouter()
api_router = APIRouter(tags=["panels"])
Text = Annotated[str, Form(max_length=20000)]
Short = Annotated[str, Form(max_length=600)]
KIND_LABELS = {PanelKind.scrutiny_panel: "Scrutiny panel", PanelKind.monitoring_group: "Community monitoring group"}
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "No such panel."}}
PublicCount = int | str  # a count rounded to 5, or "<5" for 1-4 (scrutiny.workspace.disclosure)


class PanelSummary(BaseModel):
    """A panel's public contact details: the panel's own, never a member's."""

    id: int
    name: str
    kind: PanelKind
    area_name: str
    area_code: str | None
    contact_email: str | None
    website: str | None
    how_to_join: str


class MeetingOut(BaseModel):
    held_on: date
    title: str
    minutes_url: str | None


class CompositionOut(BaseModel):
    """Members counted, rounded to 5 (1-4 shown as "<5"); total and under_25 are sums of the rounded bands."""

    total: PublicCount
    under_25: PublicCount = Field(description="members aged under 18 or 18-24")
    by_age_band: dict[str, PublicCount]
    by_community: dict[str, PublicCount]


class PanelOut(PanelSummary):
    terms_of_reference: str
    meetings: list[MeetingOut]
    composition: CompositionOut
    recommendations: list[RecommendationOut]


def summary(panel: Panel) -> PanelSummary:
    return PanelSummary(id=panel.id, name=panel.name, kind=panel.kind, area_name=panel.area_name,
                        area_code=panel.area_code, contact_email=panel.contact_email, website=panel.website,
                        how_to_join=panel.how_to_join)


def _public(ws: WorkspaceDep, panel_id: int) -> PanelOut:
    today = london_today()
    with ws.session() as session:
        panel = service.get_panel(session, panel_id)
        recs = outs(session, list_recommendations(session, today, panel_id=panel.id), today)
        composition = service.composition(list(panel.members)).public()
        return PanelOut(**summary(panel).model_dump(), terms_of_reference=panel.terms_of_reference,
                        meetings=[MeetingOut(held_on=m.held_on, title=m.title, minutes_url=m.minutes_url)
                                  for m in panel.meetings],
                        composition=CompositionOut.model_validate(composition), recommendations=recs)


# ---- JSON API ---------------------------------------------------------------------------------------------

@api_router.get("/panels", response_model=list[PanelSummary], summary="The directory of panels and groups")
def api_list(ws: WorkspaceDep) -> list[PanelSummary]:
    with ws.session() as session:
        return [summary(p) for p in service.list_panels(session)]


@api_router.get("/panels/{panel_id}", response_model=PanelOut, responses=ERRORS,
                summary="One panel: terms of reference, meetings, membership counts, recommendations")
def api_one(ws: WorkspaceDep, panel_id: int) -> PanelOut:
    return _public(ws, panel_id)


# ---- public pages -----------------------------------------------------------------------------------------

@router.get("/panels")
def directory(request: Request, ws: WorkspaceDep) -> Response:
    with ws.session() as session:
        panels = [summary(p) for p in service.list_panels(session)]
    return page(request, "workspace/panels/directory.html", {
        "title": "Panels and monitoring groups", "panels": panels, "kinds": KIND_LABELS})


@router.get("/panels/{panel_id}")
def public_page(request: Request, ws: WorkspaceDep, panel_id: int) -> Response:
    panel = _public(ws, panel_id)
    return page(request, "workspace/panels/public.html", {"title": panel.name, "panel": panel, "kinds": KIND_LABELS,
                                                          "under_25_bands": [b.value for b in AgeBand][:2]})


# ---- workspace pages --------------------------------------------------------------------------------------

def _can_write(user: User) -> bool:
    return user.role in (Role.admin, Role.panel_member)


def _index(request: Request, ws: WorkspaceDep, user: User, *, errors: dict[str, str] | None = None,
           form: dict[str, Any] | None = None, status: int = 200) -> Response:
    with ws.session() as session:
        panels = service.list_panels(session)
    return page(request, "workspace/panels/index.html", {
        "title": "Panels", "panels": panels, "kinds": KIND_LABELS, "can_write": _can_write(user),
        "errors": errors or {}, "form": form or {}}, status)


def _edit(request: Request, ws: WorkspaceDep, user: User, panel_id: int, *, errors: dict[str, str] | None = None,
          form: dict[str, Any] | None = None, status: int = 200) -> Response:
    with ws.session() as session:
        panel = service.get_panel(session, panel_id)
        composition = service.composition(list(panel.members))
    return page(request, "workspace/panels/edit.html", {
        "title": panel.name, "panel": panel, "composition": composition, "kinds": KIND_LABELS,
        "age_bands": list(AgeBand), "can_write": _can_write(user), "errors": errors or {}, "form": form or {}},
        status)


def _fields(form: dict[str, str]) -> service.PanelFields:
    return service.PanelFields(name=form["name"], area_name=form["area_name"], kind=form["kind"],
                               area_code=form["area_code"], terms_of_reference=form["terms_of_reference"],
                               contact_email=form["contact_email"], website=form["website"],
                               how_to_join=form["how_to_join"])


@router.get("/workspace/panels")
def workspace_list(request: Request, ws: WorkspaceDep, user: AnyRole) -> Response:
    return _index(request, ws, user)


@router.post("/workspace/panels")
def workspace_create(request: Request, ws: WorkspaceDep, user: PanelMember, name: Short = "",
                     area_name: Short = "", kind: Short = PanelKind.scrutiny_panel.value, area_code: Short = "",
                     terms_of_reference: Text = "", contact_email: Short = "", website: Short = "",
                     how_to_join: Text = "") -> Response:
    form = {"name": name, "area_name": area_name, "kind": kind, "area_code": area_code,
            "terms_of_reference": terms_of_reference, "contact_email": contact_email, "website": website,
            "how_to_join": how_to_join}
    try:
        with ws.session(accounts.actor(user)) as session:
            panel = service.create_panel(session, _fields(form))
    except Invalid as exc:
        return _index(request, ws, user, errors={exc.field: exc.message}, form=form, status=422)
    return redirect(request, f"/workspace/panels/{panel.id}")


@router.get("/workspace/panels/{panel_id}")
def workspace_edit(request: Request, ws: WorkspaceDep, user: AnyRole, panel_id: int) -> Response:
    return _edit(request, ws, user, panel_id)


@router.post("/workspace/panels/{panel_id}")
def workspace_update(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int, name: Short = "",
                     area_name: Short = "", kind: Short = PanelKind.scrutiny_panel.value, area_code: Short = "",
                     terms_of_reference: Text = "", contact_email: Short = "", website: Short = "",
                     how_to_join: Text = "") -> Response:
    form = {"name": name, "area_name": area_name, "kind": kind, "area_code": area_code,
            "terms_of_reference": terms_of_reference, "contact_email": contact_email, "website": website,
            "how_to_join": how_to_join}
    try:
        with ws.session(accounts.actor(user)) as session:
            service.update_panel(session, panel_id, _fields(form))
    except Invalid as exc:
        return _edit(request, ws, user, panel_id, errors={exc.field: exc.message}, form=form, status=422)
    return redirect(request, f"/workspace/panels/{panel_id}")


@router.post("/workspace/panels/{panel_id}/delete")
def workspace_delete(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int) -> Response:
    with ws.session(accounts.actor(user)) as session:
        service.delete_panel(session, panel_id)
    return redirect(request, "/workspace/panels")


@router.post("/workspace/panels/{panel_id}/members")
def workspace_add_member(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                         member_name: Short = "", role: Short = "", community: Short = "",
                         age_band: Short = AgeBand.not_stated.value) -> Response:
    form = {"member_name": member_name, "role": role, "community": community, "age_band": age_band}
    try:
        with ws.session(accounts.actor(user)) as session:
            service.add_member(session, panel_id, member_name, age_band, role, community)
    except Invalid as exc:
        field = "member_name" if exc.field == "name" else exc.field
        return _edit(request, ws, user, panel_id, errors={field: exc.message}, form=form, status=422)
    return redirect(request, f"/workspace/panels/{panel_id}#members")


@router.post("/workspace/panels/{panel_id}/members/{member_id}/delete")
def workspace_remove_member(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                            member_id: int) -> Response:
    with ws.session(accounts.actor(user)) as session:
        service.remove_member(session, panel_id, member_id)
    return redirect(request, f"/workspace/panels/{panel_id}#members")


@router.post("/workspace/panels/{panel_id}/meetings")
def workspace_add_meeting(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                          held_on: Short = "", title: Short = "", minutes_url: Short = "") -> Response:
    form = {"held_on": held_on, "title": title, "minutes_url": minutes_url}
    try:
        with ws.session(accounts.actor(user)) as session:
            service.add_meeting(session, panel_id, service.form_date("held_on", held_on), title, minutes_url)
    except Invalid as exc:
        return _edit(request, ws, user, panel_id, errors={exc.field: exc.message}, form=form, status=422)
    return redirect(request, f"/workspace/panels/{panel_id}#meetings")


@router.post("/workspace/panels/{panel_id}/meetings/{meeting_id}/delete")
def workspace_remove_meeting(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                             meeting_id: int) -> Response:
    with ws.session(accounts.actor(user)) as session:
        service.remove_meeting(session, panel_id, meeting_id)
    return redirect(request, f"/workspace/panels/{panel_id}#meetings")
