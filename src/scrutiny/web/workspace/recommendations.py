"""Recommendations: the public tracker (`/recommendations`, filters by status and body), one page per
recommendation with its linked KPIs' current values, the workspace's forms, and the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny.web.schemas import ErrorResponse
from scrutiny.web.workspace.deps import AnyRole, PanelMember, WorkspaceDep
from scrutiny.web.workspace.render import page, redirect
from scrutiny.workspace import accounts
from scrutiny.workspace import recommendations as service
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.governance import list_bodies
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.governance import Body
from scrutiny.workspace.models.panels import Panel
from scrutiny.workspace.models.recommendations import Recommendation, Status
from scrutiny.workspace.panels import form_date, form_id
from scrutiny.workspace.record_ids import MAX_ID

router = APIRouter()
api_router = APIRouter(tags=["recommendations"])
Text = Annotated[str, Form(max_length=20000)]
Short = Annotated[str, Form(max_length=200)]
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]  # a larger number names no record and fails in SQL
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such recommendation."},
    422: {"model": ErrorResponse, "description": "A field is not valid; `loc` names it."},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    401: {"model": ErrorResponse, "description": "Log in first."},
    403: {"model": ErrorResponse, "description": "The role cannot write, or the X-CSRF-Token header is missing."},
}


class Ref(BaseModel):
    id: int
    name: str


class KpiIn(BaseModel):
    """A figure to watch: `metric` is a dotted key of the metrics document, e.g. `object_groups.drugs.share`."""

    model_config = ConfigDict(extra="forbid")
    metric: str = Field(max_length=100, examples=["object_groups.drugs.share"])
    force: str = Field(max_length=60, examples=["metropolitan"])
    area_code: str | None = Field(None, max_length=9, examples=["E09000012"])
    start: str = Field(max_length=7, examples=["2024-01"], description="first month, YYYY-MM")
    end: str = Field(max_length=7, examples=["2024-12"], description="last month, YYYY-MM")


class KpiOut(KpiIn):
    label: str


class RecommendationOut(BaseModel):
    id: int
    text: str
    from_body: Ref
    to_body: Ref
    panel: Ref | None
    made_on: date
    response_due: date | None
    response_text: str | None
    responded_on: date | None
    status: Status
    overdue: bool = Field(description="still open and its response date has passed")
    kpis: list[KpiOut]


class RecommendationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=10000)
    from_body_id: RecordId
    to_body_id: RecordId
    made_on: date
    panel_id: RecordId | None = None
    response_due: date | None = None
    response_text: str | None = Field(None, max_length=20000)
    responded_on: date | None = None
    status: Status = Status.open
    kpis: list[KpiIn] = Field(default_factory=list, max_length=50)


class RecommendationPatch(BaseModel):
    """Only the fields sent change; the result is checked as a whole (status rules, dates)."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=10000)
    from_body_id: RecordId | None = None
    to_body_id: RecordId | None = None
    made_on: date | None = None
    panel_id: RecordId | None = None
    response_due: date | None = None
    response_text: str | None = Field(None, max_length=20000)
    responded_on: date | None = None
    status: Status | None = None
    kpis: list[KpiIn] | None = Field(None, max_length=50)


def _names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    bodies = {b.id: b.name for b in session.scalars(select(Body))}
    panels = {p.id: p.name for p in session.scalars(select(Panel))}
    return bodies, panels


def to_out(rec: Recommendation, bodies: dict[int, str], panels: dict[int, str], today: date) -> RecommendationOut:
    return RecommendationOut(
        id=rec.id, text=rec.text, from_body=Ref(id=rec.from_body_id, name=bodies.get(rec.from_body_id, "")),
        to_body=Ref(id=rec.to_body_id, name=bodies.get(rec.to_body_id, "")),
        panel=Ref(id=rec.panel_id, name=panels.get(rec.panel_id, "")) if rec.panel_id is not None else None,
        made_on=rec.made_on, response_due=rec.response_due, response_text=rec.response_text,
        responded_on=rec.responded_on, status=rec.status, overdue=service.is_overdue(rec, today),
        kpis=[KpiOut(metric=k.metric, force=k.force, area_code=k.area_code, start=k.start, end=k.end,
                     label=service.KPIS.get(k.metric, k.metric)) for k in rec.kpis])


def outs(session: Session, recs: list[Recommendation], today: date) -> list[RecommendationOut]:
    bodies, panels = _names(session)
    return [to_out(r, bodies, panels, today) for r in recs]


def _kpis_in(items: list[KpiIn]) -> list[service.KpiFields]:
    return [service.KpiFields(k.metric, k.force, k.start, k.end, k.area_code) for k in items]


# ---- JSON API ---------------------------------------------------------------------------------------------

@api_router.get("/recommendations", response_model=list[RecommendationOut], responses=ERRORS,
                summary="Recommendations made by panels and oversight bodies, newest first")
def api_list(ws: WorkspaceDep, status: Status | None = None, panel: int | None = None, body: int | None = None,
             overdue: bool | None = None) -> list[RecommendationOut]:
    """Filter by `status`, `panel` (id), `body` (id, as maker or recipient) and `overdue=true` (still open
    after its response date)."""
    today = service.london_today()
    with ws.session() as session:
        found = service.list_recommendations(session, today, status=status, body_id=body, panel_id=panel,
                                             overdue=overdue)
        return outs(session, found, today)


@api_router.get("/recommendations/{recommendation_id}", response_model=RecommendationOut, responses=ERRORS,
                summary="One recommendation with its response and linked KPIs")
def api_one(ws: WorkspaceDep, recommendation_id: int) -> RecommendationOut:
    with ws.session() as session:
        return outs(session, [service.get_recommendation(session, recommendation_id)], service.london_today())[0]


@api_router.post("/recommendations", response_model=RecommendationOut, status_code=201, responses=WRITE_ERRORS,
                 summary="Record a recommendation (role panel_member; header X-CSRF-Token)")
def api_create(ws: WorkspaceDep, user: PanelMember, body: RecommendationIn) -> JSONResponse:
    fields = service.RecommendationFields(**{**body.model_dump(exclude={"kpis"}), "status": body.status.value,
                                             "kpis": _kpis_in(body.kpis)})
    with ws.session(accounts.actor(user)) as session:
        rec = service.create_recommendation(session, fields)
        out = outs(session, [rec], service.london_today())[0]
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@api_router.patch("/recommendations/{recommendation_id}", response_model=RecommendationOut,
                  responses=WRITE_ERRORS, summary="Change a recommendation: a response, a status, dates, KPIs")
def api_update(ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
               body: RecommendationPatch) -> RecommendationOut:
    changes = body.model_dump(exclude_unset=True, exclude={"kpis"})
    if body.status is not None:
        changes["status"] = body.status.value
    if "kpis" in body.model_fields_set:
        changes["kpis"] = _kpis_in(body.kpis or [])
    with ws.session(accounts.actor(user)) as session:
        rec = service.update_recommendation(session, recommendation_id, changes)
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

def _can_write(user: User) -> bool:
    return user.role in (Role.admin, Role.panel_member)


def _workspace_list(request: Request, ws: WorkspaceDep, user: User, *, errors: dict[str, str] | None = None,
                    form: dict[str, Any] | None = None, status: int = 200) -> Response:
    today = service.london_today()
    with ws.session() as session:
        items = outs(session, service.list_recommendations(session, today), today)
        bodies = list_bodies(session)
        panels = list(session.scalars(select(Panel).order_by(Panel.name)))
    return page(request, "workspace/recommendations/index.html", {
        "title": "Recommendations", "items": items, "bodies": bodies, "panels": panels,
        "can_write": _can_write(user), "errors": errors or {}, "form": form or {}, "today": today}, status)


def _workspace_one(request: Request, ws: WorkspaceDep, user: User, recommendation_id: int, *,
                   errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                   status: int = 200) -> Response:
    today = service.london_today()
    with ws.session() as session:
        rec = service.get_recommendation(session, recommendation_id)
        item = outs(session, [rec], today)[0]
        kpi_ids = [k.id for k in rec.kpis]
        bodies = list_bodies(session)
        panels = list(session.scalars(select(Panel).order_by(Panel.name)))
    return page(request, "workspace/recommendations/edit.html", {
        "title": f"Recommendation {item.id}", "item": item, "kpi_ids": kpi_ids, "bodies": bodies,
        "panels": panels, "statuses": list(Status), "metrics": service.KPIS, "can_write": _can_write(user),
        "errors": errors or {}, "form": form or {}}, status)


@router.get("/workspace/recommendations")
def workspace_list(request: Request, ws: WorkspaceDep, user: AnyRole) -> Response:
    return _workspace_list(request, ws, user)


@router.post("/workspace/recommendations")
def workspace_create(request: Request, ws: WorkspaceDep, user: PanelMember, text: Text = "",
                     from_body_id: Short = "", to_body_id: Short = "", panel_id: Short = "", made_on: Short = "",
                     response_due: Short = "") -> Response:
    form = {"text": text, "from_body_id": from_body_id, "to_body_id": to_body_id, "panel_id": panel_id,
            "made_on": made_on, "response_due": response_due}
    try:
        made = form_date("made_on", made_on)
        if made is None:
            raise Invalid("made_on", "give the date the recommendation was made")
        source, target = form_id("from_body_id", from_body_id), form_id("to_body_id", to_body_id)
        if source is None or target is None:
            raise Invalid("from_body_id" if source is None else "to_body_id", "choose a body")
        fields = service.RecommendationFields(text=text, from_body_id=source, to_body_id=target, made_on=made,
                                              panel_id=form_id("panel_id", panel_id),
                                              response_due=form_date("response_due", response_due))
        with ws.session(accounts.actor(user)) as session:
            rec = service.create_recommendation(session, fields)
    except Invalid as exc:
        return _workspace_list(request, ws, user, errors={exc.field: exc.message}, form=form, status=422)
    return redirect(request, f"/workspace/recommendations/{rec.id}")


@router.get("/workspace/recommendations/{recommendation_id}")
def workspace_one(request: Request, ws: WorkspaceDep, user: AnyRole, recommendation_id: int) -> Response:
    return _workspace_one(request, ws, user, recommendation_id)


def _change(request: Request, ws: WorkspaceDep, user: User, recommendation_id: int,
            make: Any, form: dict[str, Any]) -> Response:
    """Apply `make()`'s changes, back to the page; a refusal shows the page again with the field marked."""
    try:
        changes = make()
        with ws.session(accounts.actor(user)) as session:
            service.update_recommendation(session, recommendation_id, changes)
    except Invalid as exc:
        return _workspace_one(request, ws, user, recommendation_id, errors={exc.field: exc.message}, form=form,
                              status=422)
    return redirect(request, f"/workspace/recommendations/{recommendation_id}")


@router.post("/workspace/recommendations/{recommendation_id}")
def workspace_update(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                     text: Text = "", from_body_id: Short = "", to_body_id: Short = "", panel_id: Short = "",
                     made_on: Short = "", response_due: Short = "") -> Response:
    form = {"text": text, "from_body_id": from_body_id, "to_body_id": to_body_id, "panel_id": panel_id,
            "made_on": made_on, "response_due": response_due}
    return _change(request, ws, user, recommendation_id, lambda: {
        "text": text, "from_body_id": form_id("from_body_id", from_body_id),
        "to_body_id": form_id("to_body_id", to_body_id), "panel_id": form_id("panel_id", panel_id),
        "made_on": form_date("made_on", made_on), "response_due": form_date("response_due", response_due)}, form)


@router.post("/workspace/recommendations/{recommendation_id}/response")
def workspace_response(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                       response_text: Text = "", responded_on: Short = "",
                       status: Short = Status.answered.value) -> Response:
    form = {"response_text": response_text, "responded_on": responded_on, "status": status}
    return _change(request, ws, user, recommendation_id, lambda: {
        "response_text": response_text, "responded_on": form_date("responded_on", responded_on),
        "status": status}, form)


@router.post("/workspace/recommendations/{recommendation_id}/status")
def workspace_status(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                     status: Short = "") -> Response:
    return _change(request, ws, user, recommendation_id, lambda: {"status": status}, {"status": status})


@router.post("/workspace/recommendations/{recommendation_id}/kpis")
def workspace_add_kpi(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                      metric: Short = "", force: Short = "", area_code: Short = "", start: Short = "",
                      end: Short = "") -> Response:
    form = {"metric": metric, "force": force, "area_code": area_code, "start": start, "end": end}
    try:
        with ws.session(accounts.actor(user)) as session:
            service.add_kpi(session, recommendation_id, service.KpiFields(metric, force, start, end, area_code))
    except Invalid as exc:
        return _workspace_one(request, ws, user, recommendation_id, errors={exc.field: exc.message}, form=form,
                              status=422)
    return redirect(request, f"/workspace/recommendations/{recommendation_id}")


@router.post("/workspace/recommendations/{recommendation_id}/kpis/{kpi_id}/delete")
def workspace_remove_kpi(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int,
                         kpi_id: int) -> Response:
    with ws.session(accounts.actor(user)) as session:
        service.remove_kpi(session, recommendation_id, kpi_id)
    return redirect(request, f"/workspace/recommendations/{recommendation_id}")


@router.post("/workspace/recommendations/{recommendation_id}/delete")
def workspace_delete(request: Request, ws: WorkspaceDep, user: PanelMember, recommendation_id: int) -> Response:
    with ws.session(accounts.actor(user)) as session:
        service.delete_recommendation(session, recommendation_id)
    return redirect(request, "/workspace/recommendations")


__all__ = ["RecommendationOut", "api_router", "outs", "router"]
