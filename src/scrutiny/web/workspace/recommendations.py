"""Recommendations: the public tracker (`/recommendations`, filters by status and body), one page per
recommendation with its linked KPIs' current values, the workspace's forms, and the JSON API."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny.web.schemas import ErrorResponse
from scrutiny.web.workspace import confirm, forms
from scrutiny.web.workspace.deps import AnyRole, PanelMember, WorkspaceDep
from scrutiny.web.workspace.render import page
from scrutiny.web.workspace.schemas.recommendations import (
    KpiCreate,
    KpiPublic,
    RecommendationCreate,
    RecommendationPublic,
    RecommendationUpdate,
    Ref,
)
from scrutiny.workspace import accounts
from scrutiny.workspace import recommendations as service
from scrutiny.workspace.governance import BODY_KIND_LABELS, list_bodies
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.governance import Body, BodyKind
from scrutiny.workspace.models.panels import Panel
from scrutiny.workspace.models.recommendations import Recommendation, Status
from scrutiny.workspace.panels import form_id, list_panels
from scrutiny.workspace.scope_choices import area_groups, force_options

router = APIRouter()
api_router = APIRouter(tags=["recommendations"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such recommendation."},
    422: {"model": ErrorResponse, "description": "A field is not valid; `loc` names it."},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    401: {"model": ErrorResponse, "description": "Log in first."},
    403: {"model": ErrorResponse, "description": "The role cannot write, or the X-CSRF-Token header is missing."},
}
MAIN_FIELDS = ("text", "from_body_id", "to_body_id", "panel_id", "made_on", "response_due")
NewRecommendation = Annotated[forms.Posted[RecommendationCreate],
                              Depends(forms.posted(RecommendationCreate, MAIN_FIELDS))]
Changed = Annotated[forms.Posted[RecommendationUpdate], Depends(forms.posted(RecommendationUpdate, MAIN_FIELDS))]
Response_ = Annotated[forms.Posted[RecommendationUpdate], Depends(forms.posted(
    RecommendationUpdate, ("response_text", "responded_on", "status"), {"status": Status.answered.value}))]
NewStatus = Annotated[forms.Posted[RecommendationUpdate], Depends(forms.posted(RecommendationUpdate, ("status",)))]
NewKpi = Annotated[forms.Posted[KpiCreate], Depends(forms.posted(KpiCreate))]


def _names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    bodies = {b.id: b.name for b in session.scalars(select(Body))}
    panels = {p.id: p.name for p in session.scalars(select(Panel))}
    return bodies, panels


def to_out(rec: Recommendation, bodies: dict[int, str], panels: dict[int, str], today: date) -> RecommendationPublic:
    return RecommendationPublic(
        id=rec.id, text=rec.text, from_body=Ref(id=rec.from_body_id, name=bodies.get(rec.from_body_id, "")),
        to_body=Ref(id=rec.to_body_id, name=bodies.get(rec.to_body_id, "")),
        panel=Ref(id=rec.panel_id, name=panels.get(rec.panel_id, "")) if rec.panel_id is not None else None,
        made_on=rec.made_on, response_due=rec.response_due, response_text=rec.response_text,
        responded_on=rec.responded_on, status=rec.status, overdue=service.is_overdue(rec, today),
        kpis=[KpiPublic(metric=k.metric, force=k.force, area_code=k.area_code, start=k.start, end=k.end,
                     label=service.KPIS.get(k.metric, k.metric)) for k in rec.kpis])


def outs(session: Session, recs: list[Recommendation], today: date) -> list[RecommendationPublic]:
    bodies, panels = _names(session)
    return [to_out(r, bodies, panels, today) for r in recs]


def body_groups(bodies: list[Body]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The bodies a recommendation is made by or to, under their kind (panels first), for a grouped <select>."""
    kinds = dict.fromkeys((BodyKind.scrutiny_panel, BodyKind.monitoring_group, *BodyKind))
    order = {kind: i for i, kind in enumerate(kinds)}
    grouped: dict[BodyKind, list[tuple[str, str]]] = {}
    for body in sorted(bodies, key=lambda b: (order[b.kind], b.name)):
        grouped.setdefault(body.kind, []).append((str(body.id), body.name))
    return [(BODY_KIND_LABELS[kind], options) for kind, options in grouped.items()]


def _kpis_in(items: list[KpiCreate]) -> list[service.KpiFields]:
    return [service.KpiFields(**k.model_dump()) for k in items]


# ---- JSON API ---------------------------------------------------------------------------------------------

@api_router.get("/recommendations", response_model=list[RecommendationPublic], responses=ERRORS,
                summary="Recommendations made by panels and oversight bodies, newest first")
def api_list(ws: WorkspaceDep, status: Status | None = None, panel: int | None = None, body: int | None = None,
             overdue: bool | None = None) -> list[RecommendationPublic]:
    """Filter by `status`, `panel` (id), `body` (id, as maker or recipient) and `overdue=true` (still open
    after its response date)."""
    today = service.london_today()
    with ws.session() as session:
        found = service.list_recommendations(session, today, status=status, body_id=body, panel_id=panel,
                                             overdue=overdue)
        return outs(session, found, today)


@api_router.get("/recommendations/{recommendation_id}", response_model=RecommendationPublic, responses=ERRORS,
                summary="One recommendation with its response and linked KPIs")
def api_one(ws: WorkspaceDep, recommendation_id: int) -> RecommendationPublic:
    with ws.session() as session:
        return outs(session, [service.get_recommendation(session, recommendation_id)], service.london_today())[0]


@api_router.post("/recommendations", response_model=RecommendationPublic, status_code=201, responses=WRITE_ERRORS,
                 summary="Record a recommendation (role panel_member; header X-CSRF-Token)")
def api_create(ws: WorkspaceDep, user: PanelMember, body: RecommendationCreate) -> JSONResponse:
    with ws.session(accounts.actor(user)) as session:
        rec = service.create_recommendation(session, _fields(body))
        out = outs(session, [rec], service.london_today())[0]
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@api_router.patch("/recommendations/{recommendation_id}", response_model=RecommendationPublic,
                  responses=WRITE_ERRORS, summary="Change a recommendation: a response, a status, dates, KPIs")
def api_update(ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
               body: RecommendationUpdate) -> RecommendationPublic:
    with ws.session(accounts.actor(user)) as session:
        rec = service.update_recommendation(session, recommendation_id, _changes(body))
        return outs(session, [rec], service.london_today())[0]


# ---- public pages -----------------------------------------------------------------------------------------

@router.get("/recommendations")
def public_list(request: Request, ws: WorkspaceDep, status: str | None = None, body: str | None = None) -> Response:
    today = service.london_today()
    chosen_status = status or None
    chosen_body = form_id("body", body)
    with ws.session() as session:
        found = service.list_recommendations(session, today, status=chosen_status, body_id=chosen_body)
        items = outs(session, found, today)
        bodies = list_bodies(session)
    return page(request, "workspace/recommendations/list.html", {
        "title": "Recommendations", "items": items, "bodies": bodies, "statuses": list(Status),
        "chosen_status": chosen_status or "", "chosen_body": chosen_body})


@router.get("/recommendations/{recommendation_id}")
def public_one(request: Request, ws: WorkspaceDep, recommendation_id: int) -> Response:
    today = service.london_today()
    with ws.session() as session:
        rec = service.get_recommendation(session, recommendation_id)
        item = outs(session, [rec], today)[0]
        readings = service.read_kpis(list(rec.kpis), request.app.state.metrics)
    return page(request, "workspace/recommendations/detail.html", {
        "title": f"Recommendation {item.id}", "item": item, "readings": readings})


# ---- workspace pages --------------------------------------------------------------------------------------

def _workspace_list(request: Request, ws: WorkspaceDep, user: User, *, errors: dict[str, str] | None = None,
                    form: dict[str, Any] | None = None, status: int = 200) -> Response:
    today = service.london_today()
    with ws.session() as session:
        items = outs(session, service.list_recommendations(session, today), today)
        bodies = list_bodies(session)
        panels = list_panels(session)
    return page(request, "workspace/recommendations/index.html", {
        "title": "Recommendations", "items": items, "bodies": bodies, "body_groups": body_groups(bodies),
        "panels": panels,
        "can_write": accounts.may(user, Role.panel_member), "errors": errors or {}, "form": form or {},
        "today": today}, status)


def _workspace_one(request: Request, ws: WorkspaceDep, user: User, recommendation_id: int, *,
                   errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                   status: int = 200) -> Response:
    today = service.london_today()
    with ws.session() as session:
        rec = service.get_recommendation(session, recommendation_id)
        item = outs(session, [rec], today)[0]
        kpi_ids = [k.id for k in rec.kpis]
        kpi_scopes = [service.kpi_scope(k) for k in rec.kpis]
        bodies = list_bodies(session)
        panels = list_panels(session)
    return page(request, "workspace/recommendations/edit.html", {
        "title": f"Recommendation {item.id}", "item": item, "kpi_ids": kpi_ids, "kpi_scopes": kpi_scopes,
        "bodies": bodies, "body_groups": body_groups(bodies), "panels": panels, "statuses": list(Status),
        "metric_groups": service.kpi_options(),
        "force_options": force_options(), "area_groups": area_groups(),
        "can_write": accounts.may(user, Role.panel_member),
        "errors": errors or {}, "form": form or {}}, status)


@router.get("/workspace/recommendations")
def workspace_list(request: Request, ws: WorkspaceDep, user: AnyRole) -> Response:
    return _workspace_list(request, ws, user)


def _fields(rec: RecommendationCreate) -> service.RecommendationFields:
    """What the service stores, from the API's body or the form alike."""
    return service.RecommendationFields(**{**rec.model_dump(exclude={"kpis"}), "status": rec.status.value,
                                           "kpis": _kpis_in(rec.kpis)})


def _changes(patch: RecommendationUpdate) -> dict[str, Any]:
    """The fields sent, as the service takes them (a status by its value, KPIs as the service's own)."""
    changes = patch.model_dump(exclude_unset=True, exclude={"kpis"})
    if patch.status is not None:
        changes["status"] = patch.status.value
    if "kpis" in patch.model_fields_set:
        changes["kpis"] = _kpis_in(patch.kpis or [])
    return changes


@router.post("/workspace/recommendations")
def workspace_create(request: Request, ws: WorkspaceDep, user: PanelMember, form: NewRecommendation) -> Response:
    work = forms.saving(request, ws, user, lambda s, rec: service.create_recommendation(s, _fields(rec)),
                        lambda made: f"/workspace/recommendations/{made.id}")

    return forms.submit(form, work, partial(_workspace_list, request, ws, user))


@router.get("/workspace/recommendations/{recommendation_id}")
def workspace_one(request: Request, ws: WorkspaceDep, user: AnyRole, recommendation_id: int) -> Response:
    return _workspace_one(request, ws, user, recommendation_id)


def _change(request: Request, ws: WorkspaceDep, user: User, recommendation_id: int,
            form: forms.Posted[RecommendationUpdate]) -> Response:
    """Apply the form's changes, back to the page; a refusal shows the page again with the field marked."""

    work = forms.saving(
        request, ws, user,
        lambda s, patch: service.update_recommendation(s, recommendation_id, _changes(patch)),
        f"/workspace/recommendations/{recommendation_id}")

    return forms.submit(form, work, partial(_workspace_one, request, ws, user, recommendation_id))


@router.post("/workspace/recommendations/{recommendation_id}")
def workspace_update(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                     form: Changed) -> Response:
    return _change(request, ws, user, recommendation_id, form)


@router.post("/workspace/recommendations/{recommendation_id}/response")
def workspace_response(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                       form: Response_) -> Response:
    return _change(request, ws, user, recommendation_id, form)


@router.post("/workspace/recommendations/{recommendation_id}/status")
def workspace_status(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                     form: NewStatus) -> Response:
    return _change(request, ws, user, recommendation_id, form)


@router.post("/workspace/recommendations/{recommendation_id}/kpis")
def workspace_add_kpi(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                      form: NewKpi) -> Response:
    work = forms.saving(request, ws, user, lambda s, kpi: service.add_kpi(s, recommendation_id, _kpis_in([kpi])[0]),
                        f"/workspace/recommendations/{recommendation_id}")

    return forms.submit(form, work, partial(_workspace_one, request, ws, user, recommendation_id))


def _doomed_kpi(session: Session, recommendation_id: int, kpi_id: int) -> confirm.Doomed:
    kpi = service.get_kpi(session, recommendation_id, kpi_id)
    area = f", {kpi.area_code}" if kpi.area_code else ""
    label = service.KPIS.get(kpi.metric, kpi.metric)
    return confirm.Doomed("Remove this figure?",
                          f"the figure “{label}” ({kpi.force}{area}, {kpi.start} to {kpi.end}) watched for "
                          f"recommendation {recommendation_id}", "Remove the figure",
                          f"/workspace/recommendations/{recommendation_id}",
                          stays=[f"recommendation {recommendation_id} and its other figures"])


@router.get("/workspace/recommendations/{recommendation_id}/kpis/{kpi_id}/delete")
def workspace_confirm_remove_kpi(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                                 kpi_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed_kpi(s, recommendation_id, kpi_id))


@router.post("/workspace/recommendations/{recommendation_id}/kpis/{kpi_id}/delete")
def workspace_remove_kpi(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                         kpi_id: int, yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed_kpi(s, recommendation_id, kpi_id),
                           lambda s: service.remove_kpi(s, recommendation_id, kpi_id),
                           f"/workspace/recommendations/{recommendation_id}")


def _doomed(session: Session, recommendation_id: int) -> confirm.Doomed:
    rec = service.get_recommendation(session, recommendation_id)
    words = " ".join(rec.text.split())
    return confirm.Doomed("Delete this recommendation?",
                          f"recommendation {rec.id}, “{words if len(words) <= 160 else words[:159] + '…'}”",
                          "Delete the recommendation", f"/workspace/recommendations/{rec.id}",
                          goes=[f"its response and status, and {confirm.counted(len(rec.kpis), 'linked figure')}"],
                          stays=["the bodies it names"], restorable=True)


@router.get("/workspace/recommendations/{recommendation_id}/delete")
def workspace_confirm_delete(request: Request, ws: WorkspaceDep, user: PanelMember,
                             recommendation_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed(s, recommendation_id))


@router.post("/workspace/recommendations/{recommendation_id}/delete")
def workspace_delete(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                     yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed(s, recommendation_id),
                           lambda s: service.delete_recommendation(s, recommendation_id), "/workspace/recommendations")


__all__ = ["api_router", "outs", "router"]
