"""Strategic priorities and their indicators: the workspace's forms (role panel_member), the progress page
in the workspace and in public (`/strategy/{id}`), and the progress as JSON (the workspace part `strategy`).

The figures come from the warehouse through `app.state.metrics` (the API's cache), from recorded crime through
`metrics.crime_rates.crime_with_rate` and from use of force through `metrics.use_of_force` (cached the same way)
and from the diversion cases; the public page withholds a diversion figure resting on 1-4 cases, the workspace
page does not."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from scrutiny.metrics.crime import CrimeScope
from scrutiny.metrics.crime_rates import crime_with_rate
from scrutiny.metrics.use_of_force import use_of_force_document
from scrutiny.web.api.common import dump
from scrutiny.web.cache import ResponseCache
from scrutiny.web.deps import Warehouse
from scrutiny.web.schemas import ErrorResponse
from scrutiny.web.workspace import confirm, forms
from scrutiny.web.workspace.deps import PanelMember, WorkspaceDep
from scrutiny.web.workspace.render import page
from scrutiny.web.workspace.schemas.strategy import (
    IndicatorCreate,
    IndicatorPublic,
    PointPublic,
    PriorityCreate,
    PriorityPublic,
    PriorityUpdate,
)
from scrutiny.workspace import strategy as service
from scrutiny.workspace.diversion import cases as case_service
from scrutiny.workspace.diversion.kpis import record
from scrutiny.workspace.errors import NotFound
from scrutiny.workspace.models.strategy import IndicatorMetric, StrategyPriority, TargetDirection
from scrutiny.workspace.scope_choices import area_groups, force_options

router = APIRouter()
api_router = APIRouter(tags=["strategy"])
LONDON = ZoneInfo("Europe/London")
NewPriority = Annotated[forms.Posted[PriorityCreate], Depends(forms.posted(PriorityCreate))]
ChangedPriority = Annotated[forms.Posted[PriorityUpdate], Depends(forms.posted(PriorityUpdate))]
NewIndicator = Annotated[forms.Posted[IndicatorCreate], Depends(forms.posted(IndicatorCreate))]


def _today() -> date:
    return datetime.now(LONDON).date()


def _metrics(request: Request) -> service.MetricsGetter:
    getter: service.MetricsGetter = request.app.state.metrics
    return getter


def _crime(request: Request) -> service.CrimeGetter:
    """A crime scope's figures through the API's cache, so a page of indicators asks each period once per
    warehouse version (the same cache and version rule as `app.state.metrics`)."""
    warehouse: Warehouse = request.app.state.warehouse
    cache: ResponseCache = request.app.state.cache

    def crime(scope: CrimeScope) -> dict[str, Any]:
        key = ("strategy-crime", scope.force, scope.area, scope.start, scope.end, scope.crime_type)
        entry, _ = cache.get_sync(key, warehouse.version(),
                                  lambda: dump(warehouse.read(lambda backend: crime_with_rate(backend, scope))))
        doc: dict[str, Any] = json.loads(entry.body)
        return doc

    return crime


def _use_of_force(request: Request) -> service.UseOfForceGetter:
    """A force's use-of-force document for a financial year through the API's cache (the key GET
    /api/v1/use-of-force uses), so the page and the API share one answer per warehouse version."""
    warehouse: Warehouse = request.app.state.warehouse
    cache: ResponseCache = request.app.state.cache

    def use_of_force(force: str, year: str) -> dict[str, Any]:
        entry, _ = cache.get_sync(("use-of-force", force, year), warehouse.version(), lambda: dump(warehouse.read(
            lambda backend: use_of_force_document(backend, force, year))))
        doc: dict[str, Any] = json.loads(entry.body)
        return doc

    return use_of_force


def _choices() -> dict[str, Any]:
    return {
        "metric": [(m.value, service.METRIC_LABELS[m]) for m in IndicatorMetric],
        "direction": [(d.value, service.DIRECTION_WORDS[d]) for d in TargetDirection],
        "granularity": [("month", "each month"), ("quarter", "each quarter")],
        "force": [("", "None (diversion figures)"), *force_options()],
    }


def _progress(request: Request, ws: WorkspaceDep, priority_id: int, *,
              public: bool) -> tuple[StrategyPriority, list[service.IndicatorProgress]]:
    with ws.session() as session:
        priority = service.get_priority(session, priority_id)
        cases = [record(c) for c in case_service.list_cases(session)] if any(
            i.metric == IndicatorMetric.diversion_completion for i in priority.indicators) else []
        rows = service.progress(priority, _metrics(request), cases, _today(), public=public, crime=_crime(request),
                                use_of_force=_use_of_force(request))
    return priority, rows


# ---- workspace pages --------------------------------------------------------------------------------------


def _index(request: Request, ws: WorkspaceDep, *, errors: dict[str, str] | None = None,
           form: dict[str, str] | None = None, status: int = 200) -> Response:
    with ws.session() as session:
        priorities = service.list_priorities(session)
    return page(request, "workspace/strategy/index.html", {
        "title": "Strategic priorities", "priorities": priorities, "choices": _choices(), "errors": errors or {},
        "form": form or {"title": "", "description": "", "start_month": "", "end_month": "", "granularity": "month"}},
        status)


@router.get("/workspace/strategy")
def index(request: Request, ws: WorkspaceDep, user: PanelMember) -> Response:
    return _index(request, ws)


@router.post("/workspace/strategy")
def create(request: Request, ws: WorkspaceDep, user: PanelMember, form: NewPriority) -> Response:
    work = forms.saving(
        request, ws, user,
        lambda s, fields: service.create_priority(
            s, fields.title, fields.description, fields.start_month, fields.end_month, fields.granularity),
        lambda priority: f"/workspace/strategy/{priority.id}")

    return forms.submit(form, work, partial(_index, request, ws))


def _detail(request: Request, ws: WorkspaceDep, priority_id: int, *, errors: dict[str, str] | None = None,
            form: dict[str, str] | None = None, status: int = 200) -> Response:
    priority, rows = _progress(request, ws, priority_id, public=False)
    values = {"title": priority.title, "description": priority.description, "start_month": priority.start_month,
              "end_month": priority.end_month, "granularity": priority.granularity.value,
              "metric": IndicatorMetric.drugs_share.value, "direction": TargetDirection.at_most.value, "target": "",
              "force": "", "area": ""}
    return page(request, "workspace/strategy/priority.html", {
        "title": priority.title, "priority": priority, "rows": rows, "choices": _choices(), "public": False,
        "area_groups": area_groups(),
        "errors": errors or {}, "form": {**values, **(form or {})}}, status)


@router.get("/workspace/strategy/{priority_id}")
def detail(request: Request, ws: WorkspaceDep, user: PanelMember, priority_id: int) -> Response:
    return _detail(request, ws, priority_id)


@router.post("/workspace/strategy/{priority_id}")
def update(request: Request, ws: WorkspaceDep, user: PanelMember, priority_id: int,
           form: ChangedPriority) -> Response:
    work = forms.saving(
        request, ws, user,
        lambda s, fields: service.update_priority(
            s, priority_id, fields.title, fields.description, fields.start_month, fields.end_month,
            fields.granularity),
        f"/workspace/strategy/{priority_id}")

    return forms.submit(form, work, partial(_detail, request, ws, priority_id))


@router.post("/workspace/strategy/{priority_id}/indicators")
def add_indicator(request: Request, ws: WorkspaceDep, user: PanelMember, priority_id: int,
                  form: NewIndicator) -> Response:
    work = forms.saving(
        request, ws, user,
        lambda s, fields: service.add_indicator(
            s, priority_id, fields.metric, fields.direction, fields.target, fields.force, fields.area),
        f"/workspace/strategy/{priority_id}#indicators")

    return forms.submit(form, work, partial(_detail, request, ws, priority_id))


def _doomed_indicator(session: Session, priority_id: int, indicator_id: int) -> confirm.Doomed:
    priority = service.get_priority(session, priority_id)
    indicator = next((i for i in priority.indicators if i.id == indicator_id), None)
    if indicator is None:
        raise NotFound(f"no indicator {indicator_id} on priority {priority_id}")
    return confirm.Doomed(
        "Remove this indicator?",
        f"the indicator “{service.METRIC_LABELS[indicator.metric]}” ({service.describe_scope(indicator)}; target "
        f"{service.describe_target(indicator)}) of the priority “{priority.title}”", "Remove the indicator",
        f"/workspace/strategy/{priority_id}#indicators",
        goes=["its progress, period by period, on the priority's pages"],
        stays=[f"the priority “{priority.title}” and its other indicators"])


@router.get("/workspace/strategy/{priority_id}/indicators/{indicator_id}/delete")
def confirm_delete_indicator(request: Request, ws: WorkspaceDep, user: PanelMember, priority_id: int,
                             indicator_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed_indicator(s, priority_id, indicator_id))


@router.post("/workspace/strategy/{priority_id}/indicators/{indicator_id}/delete")
def delete_indicator(request: Request, ws: WorkspaceDep, user: PanelMember, priority_id: int,
                     indicator_id: int, yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed_indicator(s, priority_id, indicator_id),
                           lambda s: service.delete_indicator(s, priority_id, indicator_id),
                           f"/workspace/strategy/{priority_id}#indicators")


# ---- public -------------------------------------------------------------------------------------------------


@router.get("/strategy")
def public_list(request: Request, ws: WorkspaceDep) -> Response:
    with ws.session() as session:
        priorities = service.list_priorities(session)
    return page(request, "workspace/strategy/public_list.html", {"title": "Strategic priorities",
                                                                 "priorities": priorities})


@router.get("/strategy/{priority_id}")
def public_page(request: Request, ws: WorkspaceDep, priority_id: int) -> Response:
    priority, rows = _progress(request, ws, priority_id, public=True)
    return page(request, "workspace/strategy/public.html", {"title": priority.title, "priority": priority,
                                                            "rows": rows, "public": True})


def _point(p: service.Point) -> PointPublic:
    return PointPublic(period=p.label, value=p.value, status=p.status, provisional=p.provisional)


@api_router.get("/strategy/{priority_id}", response_model=PriorityPublic,
                responses={404: {"model": ErrorResponse, "description": "No such priority."}},
                summary="A strategic priority's indicators against their targets, period by period")
def api_priority(request: Request, ws: WorkspaceDep, priority_id: int) -> PriorityPublic:
    """Each indicator per month or quarter: its value and "met", "not met", "no data" or "suppressed" (a
    diversion figure resting on 1-4 cases); "not judged" for a rate per 1,000 residents over a whole period of
    several months, and `provisional` for a recorded-crime share some of whose crimes have no outcome yet."""
    priority, rows = _progress(request, ws, priority_id, public=True)
    indicators = [IndicatorPublic(id=r.indicator.id, metric=r.indicator.metric, name=r.name,
                               direction=r.indicator.direction, target=r.indicator.target, scope=r.scope_text,
                               whole_period=_point(r.whole), periods=[_point(p) for p in r.points], notes=r.notes)
                  for r in rows]
    return PriorityPublic(id=priority.id, title=priority.title, description=priority.description,
                       start_month=priority.start_month, end_month=priority.end_month,
                       granularity=priority.granularity, indicators=indicators)

