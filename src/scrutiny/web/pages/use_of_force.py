"""Use of force (`/use-of-force`, `/force/{force}/use-of-force`): the Home Office's police use of force statistics
for England and Wales or one force and one financial year (`year=2019/20`, the latest loaded by default).

Every figure is the use-of-force document (`metrics.use_of_force`), the very answer `/api/v1/use-of-force` and
`scrutiny force-use` give: incidents and tactic uses per 1,000 residents, by perceived ethnic group with the
ratio to White, Taser by type over the years, the force beside England and Wales and beside its own stop and
search. These pages do not need any stop and search to be loaded: the releases stand on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import ibis
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.scope import ALL_FORCES
from scrutiny.metrics.use_of_force import use_of_force_document
from scrutiny.vocab.ethnicity import REFERENCE
from scrutiny.vocab.use_of_force import CED_LABELS, NATIONAL, year_months
from scrutiny.vocab.use_of_force_words import (
    day,
    over_both_sentences,
    release_words,
    revision_rows,
    revision_sentences,
)
from scrutiny.web import charts
from scrutiny.web.charts_use_of_force import taser_years
from scrutiny.web.pages.common import cached_page, error_page, render, warehouse
from scrutiny.web.pages.errors import NoData, NotFound, PageError
from scrutiny.web.pages.lookups import force_name

router = APIRouter()
TABLE = "use_of_force"
YEAR = re.compile(r"([0-9]{4})/([0-9]{2})")  # ASCII digits only
NATIONAL_NAME = "England and Wales"
# The Taser table's rows in the order the releases publish them; the totals are marked as such.
TASER_ROWS = ("total", "total_non_discharge", "drawn", "aimed", "red_dot", "arced", "total_discharge", "drive_stun",
              "fired", "angled_drive_stun", "not_stated")
TASER_TOTALS = ("total", "total_non_discharge", "total_discharge")
TASER_LABELS = {**CED_LABELS, "total": "Every incident with a Taser", "total_non_discharge": "Not discharged, of which",
                "total_discharge": "Discharged, of which"}


@dataclass(frozen=True)
class Loaded:
    """What the use-of-force table holds: its financial years (oldest first) and forces (id, name; by name)."""

    years: tuple[str, ...]
    forces: tuple[tuple[str, str], ...]


def loaded(request: Request) -> Loaded:
    """The years and forces the warehouse's use-of-force table holds (a listing, not a figure); nothing loaded
    is NoData, saying how to load it."""

    def work(backend: ibis.BaseBackend) -> Loaded:
        if TABLE not in backend.list_tables():
            return Loaded((), ())
        rows = backend.table(TABLE).select("financial_year", "force").distinct().to_pyarrow().to_pylist()
        years = tuple(sorted({r["financial_year"] for r in rows}))
        ids = {r["force"] for r in rows} - {NATIONAL}
        return Loaded(years, tuple(sorted(((f, force_name(f)) for f in ids), key=lambda f: f[1])))

    found: Loaded = warehouse(request).read(work)
    if not found.years:
        raise NoData("No police use of force statistics are loaded yet: load the Home Office's data tables with "
                      "`scrutiny ingest` (the .ods files of 'Police use of force statistics, England and Wales').")
    return found


def check_year(value: str | None, years: tuple[str, ...]) -> str:
    """The financial year asked for (`2019/20`), or the latest loaded; one that is not a financial year is a
    PageError (400), one that is not loaded is NotFound (404), each naming the years loaded."""
    if value is None or value == "":
        return years[-1]
    shown = ", ".join(years)
    match = YEAR.fullmatch(value.strip())
    if match is None or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise PageError(f"The year {value!r} is not a financial year: write it as 2019/20 (April 2019 to March "
                        f"2020). Loaded: {shown}.")
    if value.strip() not in years:
        raise NotFound(f"No use of force figures are loaded for {value.strip()}. Loaded: {shown}.")
    return value.strip()


def check_force(force: str, known: Loaded) -> str:
    if force not in {f for f, _ in known.forces}:
        raise NotFound(f"No use of force figures are loaded for force {force!r}: the national page "
                       "(/use-of-force) lists the forces loaded.")
    return force


def _document(request: Request, force: str, year: str) -> dict[str, Any]:
    """The use-of-force document for `force` (or ALL_FORCES) and `year`, read through the app's warehouse."""

    def work(backend: ibis.BaseBackend) -> dict[str, Any]:
        found: dict[str, Any] = use_of_force_document(backend, force, year)
        return found

    doc: dict[str, Any] = warehouse(request).read(work)
    return doc


def links(force: str, year: str) -> dict[str, str]:
    """Where the page sends the reader next, for the same force and year."""
    start, end = year_months(year)
    period = {"from": start, "to": end}
    national = force == ALL_FORCES
    return {
        "api": "/api/v1/use-of-force?" + urlencode({"force": force, "year": year}),
        "stop_search": "/force/" + ("all" if national else force) + "?" + urlencode(period),
        "bias": "" if national else f"/force/{force}/bias?" + urlencode(period),
        "pdf": "/force/" + ("all" if national else force) + "/report.pdf?" + urlencode(period),
        "national": "/use-of-force?" + urlencode({"year": year}),
    }


def _page(request: Request, force: str) -> Response:
    try:
        known = loaded(request)
        year = check_year(request.query_params.get("year"), known.years)
        if force != ALL_FORCES:
            check_force(force, known)
        doc = _document(request, force, year)
    except ScrutinyError as exc:
        return error_page(request, exc)
    name = NATIONAL_NAME if force == ALL_FORCES else doc.get("force_name") or force_name(force)
    rows = [r for r in doc["by_ethnicity"] if r["group"] != "unknown"]
    national_rows = {r["group"]: r for r in (doc["national"] or {}).get("by_ethnicity", [])}
    context: dict[str, Any] = {
        "title": f"Use of force: {name}, {year}", "doc": doc, "year": year, "years": known.years,
        "force_id": force, "name": name, "national": force == ALL_FORCES, "forces": known.forces,
        "groups": rows, "unknown": next((r for r in doc["by_ethnicity"] if r["group"] == "unknown"), None),
        "national_groups": national_rows, "links": links(force, year), "period": year_months(year),
        "charts": _charts(doc, rows, name), "taser_types": TASER_ROWS, "taser_totals": TASER_TOTALS,
        "taser_labels": TASER_LABELS, "release_words": release_words, "day": day,
        "has_ethnicity": any(r["tactic_uses"] is not None for r in doc["by_ethnicity"]),
        "has_age": any(a["tactic_uses"] is not None for a in doc["by_age"]),
        "both_words": over_both_sentences(doc["stop_search"], "across England and Wales" if force == ALL_FORCES
                                          else f"by {name}", year) if doc.get("stop_search") else [],
        "revisions": revision_rows(doc),
        "revision_words": revision_sentences([r["row"] for r in revision_rows(doc)], doc.get("releases") or []),
    }
    return render(request, "use_of_force.html", context)


def _charts(doc: dict[str, Any], rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if any(r["ratio_vs_white"] is not None for r in rows if r["group"] != REFERENCE):
        out["ratios"] = charts.disproportionality(rows, title=f"Use of force in {name}: tactic uses per resident "
                                                              "compared with White people")
    years = doc["taser"]["years"]
    if any(y["total"] is not None for y in years):
        out["taser"] = taser_years(years, title="Incidents with a Taser, and those where it was fired, by year")
    return out


@router.get("/use-of-force", response_class=HTMLResponse, name="use_of_force_national")
def national_page(request: Request) -> Response:
    """England and Wales for a financial year; the force picker (`force`) goes on to a force's own page."""
    force = request.query_params.get("force") or ""
    if force and force not in (ALL_FORCES, NATIONAL):
        year = request.query_params.get("year")
        query = f"?{urlencode({'year': year})}" if year else ""
        return RedirectResponse(f"/force/{quote(force, safe='')}/use-of-force{query}", status_code=303)
    return cached_page(request, lambda: _page(request, ALL_FORCES))


@router.get("/force/{force}/use-of-force", response_class=HTMLResponse, name="use_of_force_page")
def force_page(request: Request, force: str) -> Response:
    """One force for a financial year, beside England and Wales and its own stop and search."""
    if force in (ALL_FORCES, NATIONAL):
        query = request.url.query
        return RedirectResponse("/use-of-force" + (f"?{query}" if query else ""), status_code=303)
    return cached_page(request, lambda: _page(request, force))
