"""Methods and data sources (`/methods`) and downloads (`/downloads`).

The methods page reads the definitions from the catalogue files the metrics use, so it cannot drift from
them, and lists what the warehouse holds. The downloads page links to the open API's files for the
reader's current selection: the page itself serves no data.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.catalog import read_catalog
from scrutiny.errors import ScrutinyError
from scrutiny.warehouse.status import month_ranges
from scrutiny.web.pages import formatting
from scrutiny.web.pages.common import default_force, error_page, month_choices, render, selection, warehouse
from scrutiny.web.pages.lens import power_choices, purpose_choices
from scrutiny.web.pages.lookups import force_areas, force_powers, holdings, loaded_forces

router = APIRouter()
API = "/api/v1"


def _catalogue(name: str, key: str, value: str) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in read_catalog(name):
        grouped[row[value]].append(row[key])
    return dict(grouped)


def _object_rules() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for row in read_catalog("object_groups.csv"):
        text = row["value"] if row["kind"] == "object" else f"any search under {row['value']}"
        grouped[row["object_group"]].append(text)
    return dict(grouped)


def _powers() -> list[dict[str, str | list[str]]]:
    """Each power's short key, plain name and the published Legislation values it stands for."""
    out: dict[str, dict[str, str | list[str]]] = {}
    for row in read_catalog("powers.csv"):
        entry = out.setdefault(row["power"], {"key": row["power"], "name": row["name"], "legislation": []})
        laws = entry["legislation"]
        if isinstance(laws, list) and row["legislation"].strip() not in laws:
            laws.append(row["legislation"].strip())
    return list(out.values())


@router.get("/methods", response_class=HTMLResponse, name="methods")
def methods(request: Request) -> Response:
    """How every figure is defined, where the data comes from, and what is loaded."""
    try:
        held = holdings(warehouse(request))
        names = {f.id: f.name for f in loaded_forces(warehouse(request))}
    except ScrutinyError as exc:
        return error_page(request, exc)
    loaded = [{"force": f.force, "months": month_ranges(f.months), "rows": f.rows, "rejects": f.rejects,
               "sources": ", ".join(f.sources), "synthetic": f.synthetic} for f in held.forces]
    context = {
        "title": "Methods and data sources",
        "targets": read_catalog("targets.csv"),
        "objects": _object_rules(),
        "powers": _powers(),
        "outcomes": _catalogue("outcome_classes.csv", "outcome", "outcome_class"),
        "ethnic": _catalogue("ethnic_groups.csv", "prefix", "ethnic_group"),
        "loaded": loaded,
        "names": names,
        "references": held.references,
    }
    return render(request, "methods.html", context)


@router.get("/downloads", response_class=HTMLResponse, name="downloads")
def downloads(request: Request) -> Response:
    """Links to the searches (CSV, Parquet) and the figures (JSON) for the chosen force, area and period."""
    db = warehouse(request)
    try:
        force = request.query_params.get("force") or default_force(loaded_forces(db))
        area = request.query_params.get("area") or None
        sel, loaded = selection(request, force, area)
    except ScrutinyError as exc:
        return error_page(request, exc)
    query = urlencode({"force": force, **sel.params(area=True)})
    rows_query = urlencode({"force": force, **({"area": area} if area else {}), "from": sel.start, "to": sel.end,
                            **sel.lens()})
    where = next((a.name for a in force_areas(db, force) if a.code == sel.area), loaded.name)
    context = {
        "title": f"Downloads: {formatting.headline(where, sel.start, sel.end, sel.purpose, sel.power)}",
        "sel": sel,
        "force": loaded,
        "forces": loaded_forces(db),
        "areas": force_areas(db, force),
        "months": month_choices(loaded.months, sel.start, sel.end),
        "purposes": purpose_choices(),
        "powers": power_choices(force_powers(db, force), sel.power),
        "links": {
            "csv": f"{API}/searches.csv?{rows_query}",
            "parquet": f"{API}/searches.parquet?{rows_query}",
            "metrics": f"{API}/metrics?{query}",
        },
    }
    return render(request, "downloads.html", context)
