"""Panels and monitoring groups: the public directory (`/panels`) and page per panel (no login; membership
only as counts, suppressed below 5, never names), the workspace's forms, and the JSON API."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from scrutiny.web.schemas import ErrorResponse
from scrutiny.web.workspace import confirm, forms, panel_accounts
from scrutiny.web.workspace.deps import AnyRole, PanelMember, WorkspaceDep
from scrutiny.web.workspace.recommendations import outs
from scrutiny.web.workspace.render import page
from scrutiny.web.workspace.schemas.panels import (
    CompositionPublic,
    MeetingCreate,
    MeetingPublic,
    MemberCreate,
    PanelCreate,
    PanelPublic,
    PanelPublicDetail,
    PanelUpdate,
)
from scrutiny.workspace import accounts, panel_access
from scrutiny.workspace import panels as service
from scrutiny.workspace.governance import list_memberships, list_relations
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.panels import AgeBand, Panel, PanelKind
from scrutiny.workspace.recommendations import list_recommendations, london_today

router = APIRouter()
api_router = APIRouter(tags=["panels"])
router.include_router(panel_accounts.router)  # an admin assigns accounts on the panel's page
KIND_LABELS = {PanelKind.scrutiny_panel: "Scrutiny panel", PanelKind.monitoring_group: "Community monitoring group"}
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "No such panel."}}
NewPanel = Annotated[forms.Posted[PanelCreate], Depends(forms.posted(PanelCreate))]
ChangedPanel = Annotated[forms.Posted[PanelUpdate], Depends(forms.posted(PanelUpdate))]
NewMember = Annotated[forms.Posted[MemberCreate], Depends(forms.posted(MemberCreate))]
NewMeeting = Annotated[forms.Posted[MeetingCreate], Depends(forms.posted(MeetingCreate))]


def summary(panel: Panel) -> PanelPublic:
    return PanelPublic(id=panel.id, name=panel.name, kind=panel.kind, area_name=panel.area_name,
                        area_code=panel.area_code, contact_email=panel.contact_email, website=panel.website,
                        how_to_join=panel.how_to_join)


def _public(ws: WorkspaceDep, panel_id: int) -> PanelPublicDetail:
    today = london_today()
    with ws.session() as session:
        panel = service.get_panel(session, panel_id)
        recs = outs(session, list_recommendations(session, today, panel_id=panel.id), today)
        composition = service.composition(list(panel.members)).public()
        return PanelPublicDetail(
            **summary(panel).model_dump(), terms_of_reference=panel.terms_of_reference,
            meetings=[MeetingPublic(held_on=m.held_on, title=m.title, minutes_url=m.minutes_url)
                      for m in panel.meetings],
            composition=CompositionPublic.model_validate(composition), recommendations=recs)


# ---- JSON API ---------------------------------------------------------------------------------------------

@api_router.get("/panels", response_model=list[PanelPublic], summary="The directory of panels and groups")
def api_list(ws: WorkspaceDep) -> list[PanelPublic]:
    with ws.session() as session:
        return [summary(p) for p in service.list_panels(session)]


@api_router.get("/panels/{panel_id}", response_model=PanelPublicDetail, responses=ERRORS,
                summary="One panel: terms of reference, meetings, membership counts, recommendations")
def api_one(ws: WorkspaceDep, panel_id: int) -> PanelPublicDetail:
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

def _index(request: Request, ws: WorkspaceDep, user: User, *, errors: dict[str, str] | None = None,
           form: dict[str, Any] | None = None, status: int = 200) -> Response:
    with ws.session() as session:
        panels = service.list_panels(session)
    return page(request, "workspace/panels/index.html", {
        "title": "Panels", "panels": panels, "kinds": KIND_LABELS, "can_write": accounts.may(user, Role.panel_member),
        "errors": errors or {}, "form": form or {}}, status)


def _edit(request: Request, ws: WorkspaceDep, user: User, panel_id: int, *, errors: dict[str, str] | None = None,
          form: dict[str, Any] | None = None, status: int = 200) -> Response:
    with ws.session() as session:
        panel = service.get_panel(session, panel_id)
        composition = service.composition(list(panel.members))
        access = panel_access.page_context(session, user, panel.id)
    return page(request, "workspace/panels/edit.html", {
        "title": panel.name, "panel": panel, "composition": composition, "kinds": KIND_LABELS,
        "age_bands": list(AgeBand), "errors": errors or {}, "form": form or {}} | access,
        status)


@router.get("/workspace/panels")
def workspace_list(request: Request, ws: WorkspaceDep, user: AnyRole) -> Response:
    return _index(request, ws, user)


@router.post("/workspace/panels")
def workspace_create(request: Request, ws: WorkspaceDep, user: PanelMember, form: NewPanel) -> Response:
    work = forms.saving(
        request, ws, user,
        lambda s, fields: service.create_panel(s, service.PanelFields(**fields.model_dump())),
        lambda panel: f"/workspace/panels/{panel.id}")

    return forms.submit(form, work, partial(_index, request, ws, user))


@router.get("/workspace/panels/{panel_id}")
def workspace_edit(request: Request, ws: WorkspaceDep, user: AnyRole, panel_id: int) -> Response:
    return _edit(request, ws, user, panel_id)


@router.post("/workspace/panels/{panel_id}")
def workspace_update(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                     form: ChangedPanel) -> Response:
    work = forms.saving(
        request, ws, user,
        lambda s, fields: service.update_panel(s, panel_id, service.PanelFields(**fields.model_dump())),
        f"/workspace/panels/{panel_id}")

    return forms.submit(form, work, partial(_edit, request, ws, user, panel_id))


def _doomed(session: Session, panel_id: int) -> confirm.Doomed:
    panel = service.get_panel(session, panel_id)
    relations = [r for r in list_relations(session) if panel.body_id in (r.source_id, r.target_id)]
    people = list_memberships(session, panel.body_id)
    members, meetings = confirm.counted(len(panel.members), "member"), confirm.counted(len(panel.meetings), "meeting")
    return confirm.Doomed(
        "Delete this panel?", f"the panel {panel.name}", "Delete the panel", f"/workspace/panels/{panel.id}",
        goes=[f"its {members} and {meetings}",
              f"its place on the governance map: {confirm.counted(len(relations), 'relation')} and "
              f"{confirm.counted(len(people), 'office holder')}",
              "its public page and its place in the public directory"],
        restorable=True, blocked=confirm.refusal(lambda: service.refuse_if_named(session, panel.body)))


@router.get("/workspace/panels/{panel_id}/delete")
def workspace_confirm_delete(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed(s, panel_id))


@router.post("/workspace/panels/{panel_id}/delete")
def workspace_delete(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                     yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed(s, panel_id),
                           lambda s: service.delete_panel(s, panel_id), "/workspace/panels")


@router.post("/workspace/panels/{panel_id}/members")
def workspace_add_member(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                         form: NewMember) -> Response:
    work = forms.saving(
        request, ws, user,
        lambda s, member: service.add_member(
            s, panel_id, member.member_name, member.age_band, member.role, member.community),
        f"/workspace/panels/{panel_id}#members")

    return forms.submit(form, work, partial(_edit, request, ws, user, panel_id), rename={"name": "member_name"})


def _doomed_member(session: Session, panel_id: int, member_id: int) -> confirm.Doomed:
    member, panel = service.get_member(session, panel_id, member_id), service.get_panel(session, panel_id)
    return confirm.Doomed("Remove this member?", f"{member.name} ({member.role}) from {panel.name}",
                          "Remove the member", f"/workspace/panels/{panel_id}#members",
                          goes=["their place in the panel's published counts by age band and community"],
                          stays=[f"the panel's other {confirm.counted(len(panel.members) - 1, 'member')}"])


@router.get("/workspace/panels/{panel_id}/members/{member_id}/delete")
def workspace_confirm_remove_member(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                                    member_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed_member(s, panel_id, member_id))


@router.post("/workspace/panels/{panel_id}/members/{member_id}/delete")
def workspace_remove_member(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                            member_id: int, yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed_member(s, panel_id, member_id),
                           lambda s: service.remove_member(s, panel_id, member_id),
                           f"/workspace/panels/{panel_id}#members")


@router.post("/workspace/panels/{panel_id}/meetings")
def workspace_add_meeting(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                          form: NewMeeting) -> Response:
    work = forms.saving(
        request, ws, user,
        lambda s, meeting: service.add_meeting(s, panel_id, meeting.held_on, meeting.title, meeting.minutes_url),
        f"/workspace/panels/{panel_id}#meetings")

    return forms.submit(form, work, partial(_edit, request, ws, user, panel_id))


def _doomed_meeting(session: Session, panel_id: int, meeting_id: int) -> confirm.Doomed:
    meeting, panel = service.get_meeting(session, panel_id, meeting_id), service.get_panel(session, panel_id)
    title = f" “{meeting.title}”" if meeting.title else ""
    return confirm.Doomed("Remove this meeting?", f"the meeting{title} of {meeting.held_on:%d %B %Y} of {panel.name}",
                          "Remove the meeting", f"/workspace/panels/{panel_id}#meetings",
                          goes=["its line, and its link to the minutes, on the panel's public page"])


@router.get("/workspace/panels/{panel_id}/meetings/{meeting_id}/delete")
def workspace_confirm_remove_meeting(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                                     meeting_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed_meeting(s, panel_id, meeting_id))


@router.post("/workspace/panels/{panel_id}/meetings/{meeting_id}/delete")
def workspace_remove_meeting(request: Request, ws: WorkspaceDep, user: PanelMember, panel_id: int,
                             meeting_id: int, yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed_meeting(s, panel_id, meeting_id),
                           lambda s: service.remove_meeting(s, panel_id, meeting_id),
                           f"/workspace/panels/{panel_id}#meetings")
