"""Which months are loaded for each force (`/coverage`): every month from a force's first to its last loaded
month, as loaded, missing (nothing loaded: a gap, never zero) or small (far fewer searches than the force's
usual), from `metrics.coverage.coverage_table`. The page lays each force out as a year × month grid, with a
symbol and words in every cell, so nothing rests on colour alone.
"""

from __future__ import annotations

from typing import Any

import ibis
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.coverage import coverage_table
from scrutiny.metrics.scope import ALL_FORCES
from scrutiny.web.pages import formatting
from scrutiny.web.pages.common import cached_page, error_page, find_force, month_param, render, warehouse
from scrutiny.web.pages.errors import PageError
from scrutiny.web.pages.lookups import loaded_forces

router = APIRouter()

STATUS = {  # status: (symbol, words)
    "loaded": ("●", "loaded"),
    "small": ("▲", "loaded, but far fewer searches than usual"),
    "missing": ("✕", "missing: nothing loaded"),
}


def grid(months: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A force's months as years of 12 cells (January first); a cell outside its months is None."""
    by_month = {m["month"]: m for m in months}
    years = sorted({m["month"][:4] for m in months})
    return [{"year": y, "cells": [by_month.get(f"{y}-{n:02d}") for n in range(1, 13)]} for y in years]


@router.get("/coverage", response_class=HTMLResponse, name="coverage")
def coverage_page(request: Request) -> Response:
    """The force × month coverage, for every force or one (`force`), within `from`..`to` when given."""

    def page() -> Response:
        q = request.query_params
        try:
            db = warehouse(request)
            forces = loaded_forces(db)
            force = q.get("force") or ALL_FORCES
            if force != ALL_FORCES:
                find_force(forces, force)
            start, end = month_param(q.get("from"), "from"), month_param(q.get("to"), "to")
            if start and end and start > end:
                raise PageError(f"The period starts ({formatting.month(start)}) after it ends "
                                f"({formatting.month(end)}).")

            def work(backend: ibis.BaseBackend) -> list[dict[str, Any]]:
                return coverage_table(backend, force, start, end)

            table = db.read(work)
        except ScrutinyError as exc:
            return error_page(request, exc)
        every = sorted({m for f in forces for m in f.months})
        context = {
            "title": "", "force": force, "forces": [f for f in forces if f.id != ALL_FORCES], "table": table,
            "grids": {row["force"]: grid(row["months"]) for row in table}, "status": STATUS,
            "start": start or "", "end": end or "", "months": every,
            "name": "every force" if force == ALL_FORCES else next(f.name for f in forces if f.id == force),
        }
        return render(request, "coverage.html", context)

    return cached_page(request, page)
