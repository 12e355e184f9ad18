"""Two scopes side by side (`/compare`): two areas in one period, or one area (or the whole force) in two.

Query: `force`, `ethnicity`, and for each side A and B an area (`area_a`, empty for the whole force) and a
period (`from_a`, `to_a`). Each side's figures are its own metrics document, shown as they are: the page
puts them next to each other and leaves the reading to the reader (it computes no differences).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.errors import ScrutinyError
from scrutiny.web import charts
from scrutiny.web.pages import formatting
from scrutiny.web.pages.common import (
    PageError,
    Selection,
    default_force,
    document,
    error_page,
    render,
    selection,
    status_of,
    warehouse,
)
from scrutiny.web.pages.lookups import Area, force_areas, loaded_forces

router = APIRouter()
SIDES = ("a", "b")


def _side_defaults(months: tuple[str, ...], side: str) -> tuple[str, str]:
    """Unless chosen: the latest loaded month (B) against the one before it (A), for the whole force."""
    month = months[-1] if side == "b" or len(months) == 1 else months[-2]
    return month, month


def _label(sel: Selection, areas: list[Area], force_name: str) -> str:
    where = next((a.name for a in areas if a.code == sel.area), sel.area) if sel.area else force_name
    return f"{where}, {formatting.period(sel.start, sel.end)}"


def _rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The measures shown side by side: (label, kind, value per side, key for data attributes)."""
    def pick(path: str) -> list[Any]:
        values = []
        for doc in docs:
            value: Any = doc
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            values.append(value)
        return values

    def group(g: str, field: str) -> list[Any]:
        return [next((r[field] for r in d["disproportionality"] if r["group"] == g), None) for d in docs]

    rows = [
        {"label": "Searches", "fmt": "count", "key": "searches", "values": pick("searches")},
        {"label": "Searches of people", "fmt": "count", "key": "person_searches", "values": pick("person_searches")},
        {"label": "For drugs", "fmt": "pct", "key": "object_groups.drugs.share",
         "values": pick("object_groups.drugs.share")},
        {"label": "For weapons", "fmt": "pct", "key": "object_groups.weapons.share",
         "values": pick("object_groups.weapons.share")},
        {"label": "For key crime", "fmt": "pct", "key": "object_groups.key_crime.share",
         "values": pick("object_groups.key_crime.share")},
        {"label": "Find rate", "fmt": "pct", "key": "outcomes.find_rate", "values": pick("outcomes.find_rate")},
        {"label": "Arrest rate", "fmt": "pct", "key": "outcomes.arrest_rate", "values": pick("outcomes.arrest_rate")},
        {"label": "Children searched (under 18)", "fmt": "count", "key": "children", "values": pick("children")},
        {"label": "Ethnicity not recorded", "fmt": "pct", "key": "unknown_ethnicity_share",
         "values": pick("unknown_ethnicity_share")},
    ]
    for g in charts.GROUPS:
        rows.append({"label": f"{g}: searches per 1,000 residents", "fmt": "rate",
                     "key": f"disproportionality.{g}.rate_per_1000", "values": group(g, "rate_per_1000")})
    for g in charts.GROUPS:
        if g == "White":
            continue
        rows.append({"label": f"{g}: times the White rate", "fmt": "ratio",
                     "key": f"disproportionality.{g}.ratio_vs_white", "values": group(g, "ratio_vs_white"),
                     "intervals": [(lo, hi) for lo, hi in zip(group(g, "ci_low"), group(g, "ci_high"), strict=True)],
                     "suppressed": group(g, "suppressed")})
    return rows


def _charts(docs: list[dict[str, Any]], labels: list[str]) -> dict[str, Any]:
    shares, ratios, rates = [], [], []
    for doc, side in zip(docs, labels, strict=True):
        for key, name in charts.OBJECT_LABELS.items():
            shares.append({"measure": f"For {name.lower()}", "side": side, "value": doc["object_groups"][key]["share"]})
        shares.append({"measure": "Find rate", "side": side, "value": doc["outcomes"]["find_rate"]})
        shares.append({"measure": "Arrest rate", "side": side, "value": doc["outcomes"]["arrest_rate"]})
        for row in doc["disproportionality"]:
            rates.append({"measure": row["group"], "side": side, "value": row["rate_per_1000"]})
            if row["group"] != "White":
                ratios.append({"measure": row["group"], "side": side, "value": row["ratio_vs_white"]})
    return {
        "shares": charts.compare_bars(shares, labels, title="What searches were for, and what they found",
                                      axis_title="Share of searches"),
        "rates": charts.compare_bars(rates, labels, title="Searches per 1,000 residents",
                                     axis_title="Searches per 1,000 residents", fmt=".2f", axis_fmt="~g"),
        "ratios": charts.compare_bars(ratios, labels, title="Times the White rate",
                                      axis_title="Times the White rate (1 = same)", fmt=".2f", axis_fmt="~g"),
    }


@router.get("/compare", response_class=HTMLResponse, name="compare")
def compare(request: Request) -> Response:
    """Two areas, or two periods, side by side."""
    db = warehouse(request)
    try:
        force = request.query_params.get("force") or default_force(loaded_forces(db))
        areas = force_areas(db, force)
        sides: list[Selection] = []
        for side in SIDES:
            sel, loaded = selection(request, force, suffix=f"_{side}")
            if not request.query_params.get(f"from_{side}") and not request.query_params.get(f"to_{side}"):
                start, end = _side_defaults(loaded.months, side)
                sel = Selection(force, None, start, end, sel.ethnicity)
            sides.append(sel.with_area(request.query_params.get(f"area_{side}") or None))
    except ScrutinyError as exc:
        return error_page(request, exc)
    unknown = [s.area for s in sides if s.area is not None and not any(a.code == s.area for a in areas)]
    labels = [_label(s, areas, loaded.name) for s in sides]
    if labels[0] == labels[1]:
        labels = [f"A: {labels[0]}", f"B: {labels[1]}"]
    context: dict[str, Any] = {
        "force": loaded, "forces": loaded_forces(db), "areas": areas, "sides": sides, "labels": labels,
        "ethnicity": sides[0].ethnicity, "error": None, "rows": [], "charts": {}, "docs": [],
        "api_queries": [urlencode({"force": force, **s.params(area=True)}) for s in sides],
    }
    try:
        if unknown:
            raise PageError(f"{loaded.name} has no searches in area {unknown[0]!r}: choose an area from the list.", 404)
        docs = [document(request, s.scope) for s in sides]
    except ScrutinyError as exc:
        context["error"] = str(exc)
        return render(request, "compare.html", context, status_of(exc))
    context.update(docs=docs, rows=_rows(docs), charts=_charts(docs, labels))
    return render(request, "compare.html", context)
