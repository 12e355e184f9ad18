"""The force overview (`/`, `/force/{force}`) and the page of one area (`/force/{force}/area/{code}`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scrutiny.errors import ScrutinyError
from scrutiny.web import charts
from scrutiny.web.pages.common import (
    PageError,
    Selection,
    cached_page,
    default_force,
    document,
    error_page,
    render,
    selection,
    status_of,
    warehouse,
)
from scrutiny.web.pages.lookups import Area, LoadedForce, force_areas, loaded_forces, outlines

router = APIRouter()


def _doc_charts(doc: dict[str, Any]) -> dict[str, Any]:
    """The charts every scope's page shows, from its document."""
    return {
        "trend": charts.trend(doc["monthly"]),
        "targets": charts.targets(doc["targets"]),
        "ratios": charts.disproportionality(doc["disproportionality"]),
        "rates": charts.rates(doc["disproportionality"]),
    }


def _with_links(features: list[dict[str, Any]], sel: Selection) -> list[dict[str, Any]]:
    """Each outline links to its area's page for the same period and basis."""
    return [
        {**f, "properties": {**f["properties"],
                             "href": f"/force/{sel.force}/area/{f['properties']['area_code']}?{sel.query()}"}}
        for f in features
    ]


def _page(request: Request, sel: Selection, loaded: LoadedForce) -> HTMLResponse:
    """The overview or area page for a selection; a scope with no data shows why, beside the form to fix it."""
    template = "area.html" if sel.area else "overview.html"
    try:
        db = warehouse(request)
        areas = force_areas(db, sel.force)
        context: dict[str, Any] = {
            "sel": sel, "force": loaded, "forces": loaded_forces(db), "areas": areas, "doc": None, "charts": {},
            "error": None, "area_name": next((a.name for a in areas if a.code == sel.area), sel.area),
            "api_query": urlencode({"force": sel.force, **sel.params(area=True)}),
            "compare_query": urlencode({"force": sel.force, "area_a": sel.area or "", "from_a": sel.start,
                                        "to_a": sel.end, "from_b": sel.start, "to_b": sel.end,
                                        "ethnicity": sel.ethnicity}),
        }
    except ScrutinyError as exc:
        return error_page(request, exc)
    try:
        doc = document(request, sel.scope)
        context.update(doc=doc, charts=_doc_charts(doc))
        if sel.area:
            context["area_name"] = doc["scope"].get("area_name") or sel.area
            features = _with_links(outlines(db, [a.code for a in areas]), sel)
            if any(f["properties"]["area_code"] == doc["scope"]["area"] for f in features):
                context["charts"]["map"] = charts.locator_map(
                    features, doc["scope"]["area"], title=f"Where {context['area_name']} is among the force's areas"
                )
        else:
            features = _with_links(outlines(db, [a["area_code"] for a in doc["areas"]]), sel)
            if features:
                context["charts"]["map"] = charts.borough_map(features, doc["areas"])
    except ScrutinyError as exc:
        context.update(doc=None, charts={}, error=str(exc))
        return render(request, template, context, status_of(exc))
    return render(request, template, context)


def _area_by_code_or_name(areas: list[Area], wanted: str) -> Area | None:
    key = wanted.strip().lower()
    return next((a for a in areas if key in (a.code.lower(), a.name.lower())), None)


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request) -> Response:
    """The overview of the default force (the Metropolitan Police when loaded)."""
    def page() -> Response:
        try:
            force = default_force(loaded_forces(warehouse(request)))
            sel, loaded = selection(request, force)
        except ScrutinyError as exc:
            return error_page(request, exc)
        return _page(request, sel, loaded)

    return cached_page(request, page)


@router.get("/force/{force}", response_class=HTMLResponse, name="force_overview")
def force_overview(request: Request, force: str) -> Response:
    """Headline figures, trend, targets, disproportionality with intervals and the map of a force's areas."""

    def page() -> Response:
        try:
            sel, loaded = selection(request, force)
        except ScrutinyError as exc:
            return error_page(request, exc)
        return _page(request, sel, loaded)

    return cached_page(request, page)


@router.get("/force", name="choose_force")
def choose_force(request: Request, force: str = "") -> Response:
    """Where the force picker (a GET form) lands: on to the force's page, keeping the period if it is loaded."""
    if not force:
        return RedirectResponse("/", status_code=303)
    try:
        sel, loaded = selection(request, force)
    except ScrutinyError as exc:
        return error_page(request, exc)
    if sel.start not in loaded.months or sel.end not in loaded.months:  # another force's period: its own default
        return RedirectResponse(f"/force/{force}?ethnicity={sel.ethnicity}", status_code=303)
    return RedirectResponse(f"/force/{force}?{sel.query()}", status_code=303)


@router.get("/force/{force}/area", name="choose_area")
def choose_area(request: Request, force: str, area: str = "") -> Response:
    """Where the area picker (a GET form) lands: on to the area's own page, keeping the period and basis."""
    try:
        sel, _ = selection(request, force)
        if not area:
            return RedirectResponse(f"/force/{force}?{sel.query()}", status_code=303)
        found = _area_by_code_or_name(force_areas(warehouse(request), force), area)
        if found is None:
            raise PageError(f"No searches by this force are placed in an area called {area!r}.", 404)
    except ScrutinyError as exc:
        return error_page(request, exc)
    return RedirectResponse(f"/force/{force}/area/{found.code}?{sel.query()}", status_code=303)


@router.get("/force/{force}/area/{code}", response_class=HTMLResponse, name="area_page")
def area_page(request: Request, force: str, code: str) -> Response:
    """One area's figures for the period, and where it lies among the force's areas."""
    try:
        areas = force_areas(warehouse(request), force)
        found = _area_by_code_or_name(areas, code)
        sel, loaded = selection(request, force, found.code if found else code)
    except ScrutinyError as exc:
        return error_page(request, exc)
    if found is not None and found.code != code:  # a name in the URL: send the reader to the code's URL
        return RedirectResponse(f"/force/{force}/area/{found.code}?{sel.query()}", status_code=301)
    return cached_page(request, lambda: _page(request, sel, loaded))
