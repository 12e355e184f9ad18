"""Two scopes side by side (`/compare`): two areas, two forces, or one place in two periods, through one lens.

Query: for each side A and B a force (`force_a`; `force` sets both, as older links do), an area (`area_a`,
empty for the whole force) and a period (`from_a`, `to_a`); for both, `ethnicity`, `purpose` and `power`. Each
side's figures are its own metrics document, shown as they are; "Did disproportionality change?" is
`metrics.change.change_between(A, B)`: the page only lays it out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.change import change_between
from scrutiny.vocab.ethnicity import COMPARED, REFERENCE
from scrutiny.web import charts
from scrutiny.web.pages import formatting
from scrutiny.web.pages.common import (
    Selection,
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
from scrutiny.web.pages.lens import power_choices, purpose_choices
from scrutiny.web.pages.lookups import Area, LoadedForce, force_areas, force_powers, loaded_forces

router = APIRouter()
SIDES = ("a", "b")


def _side_defaults(months: tuple[str, ...], side: str) -> tuple[str, str]:
    """Unless chosen: the latest loaded month (B) against the one before it (A), for the whole force."""
    month = months[-1] if side == "b" or len(months) == 1 else months[-2]
    return month, month


def _label(sel: Selection, areas: list[Area], force_name: str, *, with_force: bool) -> str:
    if sel.area:
        where = next((a.name for a in areas if a.code == sel.area), sel.area)
        if with_force:
            where = f"{where} ({force_name})"
    else:
        where = force_name
    return f"{where}, {formatting.period(sel.start, sel.end)}"


def _rows(docs: list[dict[str, Any]], purpose: str | None) -> list[dict[str, Any]]:
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
    ]
    if purpose is None:  # under a purpose lens every search is for it: the shares say nothing
        rows += [
            {"label": "For drugs", "fmt": "pct", "key": "object_groups.drugs.share",
             "values": pick("object_groups.drugs.share")},
            {"label": "For weapons", "fmt": "pct", "key": "object_groups.weapons.share",
             "values": pick("object_groups.weapons.share")},
            {"label": "For key crime", "fmt": "pct", "key": "object_groups.key_crime.share",
             "values": pick("object_groups.key_crime.share")},
        ]
    rows += [
        {"label": "Find rate", "fmt": "pct", "key": "outcomes.find_rate", "values": pick("outcomes.find_rate")},
        {"label": "Arrest rate", "fmt": "pct", "key": "outcomes.arrest_rate", "values": pick("outcomes.arrest_rate")},
        {"label": "Children searched (under 18)", "fmt": "count", "key": "children", "values": pick("children")},
        {"label": "Ethnicity not recorded", "fmt": "pct", "key": "unknown_ethnicity_share",
         "values": pick("unknown_ethnicity_share")},
    ]
    for g in charts.GROUPS:
        rows.append({"label": f"{g}: searches per 1,000 residents", "fmt": "rate",
                     "key": f"disproportionality.{g}.rate_per_1000", "values": group(g, "rate_per_1000")})
    for g in COMPARED:
        rows.append({"label": f"{g}: times the White rate", "fmt": "ratio",
                     "key": f"disproportionality.{g}.ratio_vs_white", "values": group(g, "ratio_vs_white"),
                     "intervals": [(lo, hi) for lo, hi in zip(group(g, "ci_low"), group(g, "ci_high"), strict=True)],
                     "suppressed": group(g, "suppressed")})
    return rows


def _charts(docs: list[dict[str, Any]], labels: list[str], purpose: str | None) -> dict[str, Any]:
    shares, ratios, rates = [], [], []
    for doc, side in zip(docs, labels, strict=True):
        for key, name in charts.OBJECT_LABELS.items() if purpose is None else ():
            shares.append({"measure": f"For {name.lower()}", "side": side, "value": doc["object_groups"][key]["share"]})
        shares.append({"measure": "Find rate", "side": side, "value": doc["outcomes"]["find_rate"]})
        shares.append({"measure": "Arrest rate", "side": side, "value": doc["outcomes"]["arrest_rate"]})
        for row in doc["disproportionality"]:
            rates.append({"measure": row["group"], "side": side, "value": row["rate_per_1000"]})
            if row["group"] != REFERENCE:
                ratios.append({"measure": row["group"], "side": side, "value": row["ratio_vs_white"]})
    return {
        "shares": charts.compare_bars(shares, labels, title="What searches were for, and what they found",
                                      axis_title="Share of searches"),
        "rates": charts.compare_bars(rates, labels, title="Searches per 1,000 residents",
                                     axis_title="Searches per 1,000 residents", fmt=".2f", axis_fmt="~r"),
        "ratios": charts.compare_bars(ratios, labels, title="Times the White rate",
                                      axis_title="Times the White rate (1 = same)", fmt=".2f", axis_fmt="~r"),
    }


def _side(request: Request, side: str, forces: list[LoadedForce]) -> tuple[Selection, LoadedForce, list[Area]]:
    """One side's selection: its force (`force_x`, else `force`, else the default), area and period."""
    q = request.query_params
    force = q.get(f"force_{side}") or q.get("force") or default_force(forces)
    sel, loaded = selection(request, force, suffix=f"_{side}")
    if not q.get(f"from_{side}") and not q.get(f"to_{side}"):
        start, end = _side_defaults(loaded.months, side)
        sel = replace(sel, start=start, end=end)
    areas = force_areas(warehouse(request), force)
    return sel.with_area(q.get(f"area_{side}") or None), loaded, areas


def _change_links(sides: list[Selection]) -> str | None:
    """The same question on the open API (`/api/v1/change`), when both sides are one place in two periods."""
    a, b = sides
    if (a.force, a.area) != (b.force, b.area):
        return None
    return "/api/v1/change?" + urlencode({"force": b.force, **b.params(area=True), "before_from": a.start,
                                          "before_to": a.end})


def merged_notes(docs: list[dict[str, Any]], key: str) -> list[tuple[str, str]]:
    """Each side's notes once, with the sides it is about ("A", "B", or "A and B"), in first-seen order."""
    sides: dict[str, list[str]] = {}
    for side, doc in zip("AB", docs, strict=True):
        for note in doc[key]:
            sides.setdefault(note, []).append(side)
    return [(note, " and ".join(who)) for note, who in sides.items()]


@router.get("/compare", response_class=HTMLResponse, name="compare")
def compare(request: Request) -> Response:
    """Two areas, two forces or two periods side by side, and whether disproportionality changed."""
    db = warehouse(request)
    try:
        forces = loaded_forces(db)
        found = [_side(request, side, forces) for side in SIDES]
    except ScrutinyError as exc:
        return error_page(request, exc)
    sides = [f[0] for f in found]
    same_force = sides[0].force == sides[1].force
    labels = [_label(s, areas, loaded.name, with_force=not same_force) for s, loaded, areas in found]
    if labels[0] == labels[1]:
        labels = [f"A: {labels[0]}", f"B: {labels[1]}"]
    lens = sides[0]
    context: dict[str, Any] = {
        "forces": forces, "found": found, "sides": sides, "labels": labels, "sel": lens,
        "ethnicity": lens.ethnicity, "error": None, "rows": [], "charts": {}, "docs": [], "change": None,
        "months": [month_choices(loaded.months, s.start, s.end) for s, loaded, _ in found],
        "purposes": purpose_choices(),
        "powers": power_choices(sorted({p for s in sides for p in force_powers(db, s.force)}), lens.power),
        "api_queries": [urlencode({"force": s.force, **s.params(area=True)}) for s in sides],
        "pages": [f"/force/{s.force}" + (f"/area/{s.area}" if s.area else "") + f"?{s.query()}" for s in sides],
        "change_api": _change_links(sides), "same_place": (sides[0].force, sides[0].area) == (sides[1].force,
                                                                                            sides[1].area),
    }
    try:
        for s, loaded, areas in found:
            if s.area is not None and not any(a.code == s.area for a in areas):
                raise NotFound(f"{loaded.name} has no searches in area {s.area!r}: choose an area from the list.")
        docs = [document(request, s.scope) for s in sides]
    except ScrutinyError as exc:
        context["error"] = str(exc)
        return render(request, "compare.html", context, status_of(exc))
    context.update(docs=docs, rows=_rows(docs, lens.purpose), charts=_charts(docs, labels, lens.purpose),
                   change=change_between(docs[0], docs[1]), notes=merged_notes(docs, "notes"),
                   notes_detail=merged_notes(docs, "notes_detail"))
    return render(request, "compare.html", context)
