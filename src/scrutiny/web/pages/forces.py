"""Every force side by side (`/forces`): searches, rate per 1,000 residents, the Black/White ratio with its
interval, drugs share, find rate and months covered, for a period and lens in the URL.

The figures are `metrics.forces_table.forces_table` (each row what that force's own document gives); the page
sorts its rows by the `sort` and `dir` parameters (plain links, no JavaScript) and formats them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import ibis
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.forces_table import forces_table, national_scope
from scrutiny.metrics.scope import ALL_FORCES, resolve_scope
from scrutiny.web import charts
from scrutiny.web.pages.common import (
    Selection,
    cached_page,
    error_page,
    month_choices,
    render,
    selection,
    status_of,
    warehouse,
)
from scrutiny.web.pages.errors import NoData, PageError
from scrutiny.web.pages.lens import power_choices, purpose_choices
from scrutiny.web.pages.lookups import LoadedForce, force_outlines, force_powers, loaded_forces

router = APIRouter()

# sort key: (heading, how to read it from a row, the direction a first click sorts in)
COLUMNS: dict[str, tuple[str, Any, str]] = {
    "name": ("Force", lambda r: r["name"], "asc"),
    "searches": ("Searches", lambda r: r["searches"], "desc"),
    "rate": ("Per 1,000 residents", lambda r: r["rate_per_1000"], "desc"),
    "ratio": ("Black/White ratio", lambda r: r["black_white"]["ratio"], "desc"),
    "drugs": ("For drugs", lambda r: r["drugs_share"], "desc"),
    "find": ("Find rate", lambda r: r["find_rate"], "desc"),
    "months": ("Months with data", lambda r: r["months_covered"], "desc"),
}


def national(forces: list[LoadedForce]) -> LoadedForce:
    """Every loaded month of every force, as one pseudo-force (the "All forces" entry when there are several)."""
    if not forces:
        raise NoData("No stop and search data is loaded yet: load some with `scrutiny ingest`.")
    return next((f for f in forces if f.id == ALL_FORCES), forces[0])


def sort_rows(rows: list[dict[str, Any]], key: str, direction: str) -> list[dict[str, Any]]:
    """The rows in the chosen order; a force without the figure (no residents, too few) goes last either way."""
    read = COLUMNS[key][1]
    known = [r for r in rows if read(r) is not None]
    unknown = [r for r in rows if read(r) is None]
    known.sort(key=lambda r: (read(r), r["name"]), reverse=direction == "desc")
    return known + sorted(unknown, key=lambda r: r["name"])


def _order(request: Request) -> tuple[str, str]:
    q = request.query_params
    key = q.get("sort") or "name"
    if key not in COLUMNS:
        raise PageError(f"Unknown sort {key!r}: choose one of {', '.join(COLUMNS)}.")
    direction = q.get("dir") or COLUMNS[key][2]
    if direction not in ("asc", "desc"):
        raise PageError(f"Unknown sort direction {direction!r}: choose asc or desc.")
    return key, direction


def _table(request: Request, sel: Selection) -> dict[str, Any]:
    def work(backend: ibis.BaseBackend) -> dict[str, Any]:
        scope = national_scope(sel.start, sel.end, sel.ethnicity, sel.purpose, sel.power)
        return forces_table(backend, resolve_scope(backend, scope))

    return warehouse(request).read(work)


def _headers(sel: Selection, key: str, direction: str) -> list[dict[str, Any]]:
    """Each column's heading, its sort link (a second click reverses it) and its aria-sort."""
    out = []
    for column, (label, _, first) in COLUMNS.items():
        if column == "drugs" and sel.purpose:
            continue
        chosen = column == key
        then = ("asc" if direction == "desc" else "desc") if chosen else first
        out.append({"key": column, "label": label, "chosen": chosen,
                    "aria": ("ascending" if direction == "asc" else "descending") if chosen else None,
                    "href": f"/forces?{urlencode({**sel.params(), 'sort': column, 'dir': then})}"})
    return out


def _map(request: Request, sel: Selection, table: dict[str, Any]) -> dict[str, Any] | None:
    """England and Wales by force, shaded by the table's rate per 1,000; each force links to its page."""
    features = [{**f, "properties": {**f["properties"], "href": f"/force/{f['properties']['area_code']}?{sel.query()}"}}
                for f in force_outlines(warehouse(request))]
    if not features:
        return None
    rows = [{"area_code": r["force"], "rate_per_1000": r["rate_per_1000"], "searches": r["searches"]}
            for r in table["forces"]]
    return charts.borough_map(features, rows, title=f"{sel.title} per 1,000 residents by force", label="Force",
                               spread=True)


@router.get("/forces", response_class=HTMLResponse, name="forces")
def forces_page(request: Request) -> Response:
    """The table of forces for a period (default: the latest 12 months with data anywhere) and lens."""

    def page() -> Response:
        try:
            db = warehouse(request)
            every = national(loaded_forces(db))
            sel, _ = selection(request, every.id)
            key, direction = _order(request)
        except ScrutinyError as exc:
            return error_page(request, exc)
        context: dict[str, Any] = {
            "title": "", "sel": sel, "months": month_choices(every.months, sel.start, sel.end),
            "purposes": purpose_choices(), "powers": power_choices(force_powers(db, every.id), sel.power),
            "table": None, "rows": [], "map": None, "headers": _headers(sel, key, direction), "error": None,
            "order": {"sort": key, "dir": direction}, "national": f"/force/{every.id}?{sel.query()}",
        }
        try:
            table = _table(request, sel)
        except ScrutinyError as exc:
            context["error"] = str(exc)
            return render(request, "forces.html", context, status_of(exc))
        context.update(table=table, rows=sort_rows(table["forces"], key, direction), map=_map(request, sel, table))
        return render(request, "forces.html", context)

    return cached_page(request, page)
