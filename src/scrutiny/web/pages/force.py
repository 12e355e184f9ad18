"""The force overview (`/`, `/force/{force}`) and the page of one area (`/force/{force}/area/{code}`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.hotspots import hotspots_document
from scrutiny.metrics.scope import resolve_scope
from scrutiny.vocab.areas import find_area
from scrutiny.vocab.ethnicity import COMPARED, REFERENCE
from scrutiny.web import charts
from scrutiny.web.pages import formatting
from scrutiny.web.pages.common import (
    Selection,
    cached_page,
    default_force,
    document,
    error_page,
    month_choices,
    render,
    selection,
    status_of,
    warehouse,
)
from scrutiny.web.pages.errors import NotFound
from scrutiny.web.pages.lens import TREND_VIEWS, power_choices, purpose_choices, trend_view
from scrutiny.web.pages.lookups import Area, LoadedForce, force_areas, force_powers, loaded_forces, outlines

router = APIRouter()
TREND_GROUPS = COMPARED


def _doc_charts(doc: dict[str, Any], view: str) -> dict[str, Any]:
    """The charts every scope's page shows, from its document; `view` picks the trend windows."""
    out = {
        "trend": charts.trend(doc["monthly"]),
        "ratios": charts.disproportionality(doc["disproportionality"]),
        "rates": charts.rates(doc["disproportionality"]),
        "ratio_trend": {  # a chart for each group with a ratio in some window (the table has every group)
            g: charts.ratio_trend(doc["trend"][view], g, view,
                                  title=f"{g} people: times the White rate, {TREND_VIEWS[view].lower()}")
            for g in TREND_GROUPS
            if any(r["group"] == g and r["ratio_vs_white"] is not None for w in doc["trend"][view] for r in w["groups"])
        },
    }
    if not any(r["ratio_vs_white"] is not None for r in doc["disproportionality"] if r["group"] != REFERENCE):
        del out["ratios"]  # every ratio suppressed: the table says so, an empty chart would not
    if doc["targets"]:
        out["targets"] = charts.targets(doc["targets"])
    if doc.get("crime") and doc["crime"]["recorded"]["by_type"]:
        out["crime_types"] = charts.crime_types(doc["crime"]["recorded"]["by_type"])
    return out


def _with_links(features: list[dict[str, Any]], sel: Selection) -> list[dict[str, Any]]:
    """Each outline links to its area's page for the same period, basis and lens."""
    return [
        {**f, "properties": {**f["properties"],
                             "href": f"/force/{sel.force}/area/{f['properties']['area_code']}?{sel.query()}"}}
        for f in features
    ]


def links(sel: Selection) -> dict[str, str]:
    """Where a scope's page sends the reader next, each with the same force, area, period, basis and lens."""
    scope = {"force": sel.force, **sel.params(area=True)}
    side = {"area_a": sel.area or "", "from_a": sel.start, "to_a": sel.end}
    other = {"area_b": sel.area or "", "from_b": sel.start, "to_b": sel.end}
    return {
        "api": f"/api/v1/metrics?{urlencode(scope)}",
        "crime_api": "/api/v1/crime?" + urlencode({"force": sel.force, **({"area": sel.area} if sel.area else {}),
                                                   "from": sel.start, "to": sel.end}),
        "downloads": f"/downloads?{urlencode(scope)}",
        "compare": "/compare?" + urlencode({"force_a": sel.force, **side, "force_b": sel.force, **other,
                                            "ethnicity": sel.ethnicity, **sel.lens()}),
        "disposals": f"/disposals?{urlencode(scope)}",
        "bias": f"/force/{sel.force}/bias?{sel.query()}",
        "coverage": f"/coverage?{urlencode({'force': sel.force})}",
        "forces": f"/forces?{urlencode({'from': sel.start, 'to': sel.end, 'ethnicity': sel.ethnicity, **sel.lens()})}",
        "pdf": (f"/force/{sel.force}/area/{sel.area}/report.pdf?{sel.query()}" if sel.area
                else f"/force/{sel.force}/report.pdf?{sel.query()}"),
    }


def _page(request: Request, sel: Selection, loaded: LoadedForce) -> HTMLResponse:
    """The overview or area page for a selection; a scope with no data shows why, beside the form to fix it."""
    template = "area.html" if sel.area else "overview.html"
    try:
        db = warehouse(request)
        areas = force_areas(db, sel.force)
        view = trend_view(request)
        context: dict[str, Any] = {
            "sel": sel, "force": loaded, "forces": loaded_forces(db), "areas": areas, "doc": None, "charts": {},
            "error": None, "area_name": next((a.name for a in areas if a.code == sel.area), sel.area),
            "months": month_choices(loaded.months, sel.start, sel.end), "purposes": purpose_choices(),
            "powers": power_choices(force_powers(db, sel.force), sel.power), "view": view, "views": TREND_VIEWS,
            "trend_groups": TREND_GROUPS,
            "links": links(sel),
        }
    except ScrutinyError as exc:
        return error_page(request, exc)
    try:
        doc = document(request, sel.scope)
        context.update(doc=doc, charts=_doc_charts(doc, view),
                       monthly_rows=formatting.with_gaps(doc["monthly"], lambda m: not m["covered"]),
                       window_rows=formatting.with_gaps(doc["trend"][view], lambda w: w["months_covered"] == 0))
        if sel.area:
            context["area_name"] = doc["scope"].get("area_name") or sel.area
            features = _with_links(outlines(db, [a.code for a in areas]), sel)
            if any(f["properties"]["area_code"] == doc["scope"]["area"] for f in features):
                context["charts"]["map"] = charts.locator_map(
                    features, doc["scope"]["area"], title=f"Where {context['area_name']} is among the force's areas"
                )
            outline = next((f for f in features if f["properties"]["area_code"] == doc["scope"]["area"]), None)
            if outline is not None:
                spots = db.read(lambda backend: hotspots_document(backend, resolve_scope(backend, sel.scope)))
                context["hotspots"] = spots
                context["charts"]["hotspots"] = charts.hotspot_map(
                    spots["grid"], outline, title=f"Searches in {context['area_name']}, by 500 m square")
        else:
            features = _with_links(outlines(db, [a["area_code"] for a in doc["areas"]]), sel)
            if features:
                context["charts"]["map"] = charts.borough_map(features, doc["areas"])
    except ScrutinyError as exc:
        context.update(doc=None, charts={}, error=str(exc))
        return render(request, template, context, status_of(exc))
    return render(request, template, context)


def _area_by_code_or_name(areas: list[Area], wanted: str) -> Area | None:
    found = find_area({a.code: a.name for a in areas}, wanted)
    return Area(*found) if found else None


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
    if not any(sel.start <= m <= sel.end for m in loaded.months):  # no data of this force then: its own default
        return RedirectResponse(f"/force/{force}?{urlencode({'ethnicity': sel.ethnicity, **sel.lens()})}",
                                status_code=303)
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
            raise NotFound(f"No searches by this force are placed in an area called {area!r}.")
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
