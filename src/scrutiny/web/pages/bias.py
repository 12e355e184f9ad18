"""A force's tests of bias (`/force/{force}/bias`): one test at a time, chosen by `test`, each with what it can
and cannot show above its figures, as `scrutiny bias --test` and GET /api/v1/bias?test= give them.

The outcome test is the bias document's (`bias.document`, without the slow threshold fit: the API queues that);
the others come through `bias.suite.run_test`. The change test needs an area and a month: until both are
chosen the page shows only its form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import ibis
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scrutiny.bias.document import METHODS, bias_document
from scrutiny.bias.rates import areas_by_ratio
from scrutiny.bias.suite import TESTS, TestOptions, check_options, run_test
from scrutiny.errors import ScrutinyError
from scrutiny.metrics.scope import resolve_scope
from scrutiny.vocab.ethnicity import COMPARED, HEADLINE_GROUP
from scrutiny.web import charts
from scrutiny.web.pages.common import (
    Selection,
    cached_page,
    default_force,
    error_page,
    month_choices,
    month_param,
    render,
    selection,
    status_of,
    warehouse,
)
from scrutiny.web.pages.errors import PageError
from scrutiny.web.pages.lens import power_choices, purpose_choices
from scrutiny.web.pages.lookups import force_areas, force_powers, loaded_forces

router = APIRouter()

TAB_NAMES = {"outcome": "Outcome test", "rates": "Rates and uncertainty", "darkness": "Veil of darkness",
             "change": "Policy change"}


def _options(request: Request, test: str) -> TestOptions:
    """The test's own choices from the query string; a bad one is a PageError naming it."""
    q = request.query_params
    group = q.get("group") or HEADLINE_GROUP
    if group not in COMPARED:
        raise PageError(f"Unknown group {group!r}: choose one of {', '.join(COMPARED)}.")
    if test == "darkness":
        return TestOptions(group=group, clock_change=q.get("clock_change") in ("1", "true", "on"))
    if test != "change":
        return TestOptions(group=group)
    at = month_param(q.get("at"), "policy")
    controls = tuple(c for c in q.getlist("control") if c)
    return TestOptions(group=group, at=at, controls=controls)


def _tabs(sel: Selection, chosen: str) -> list[dict[str, Any]]:
    query = {"force": sel.force, **sel.params()}
    return [{"test": t, "label": TAB_NAMES[t], "current": t == chosen,
             "href": f"/force/{sel.force}/bias?{urlencode({**query, 'test': t})}"} for t in TESTS]


def _document(request: Request, sel: Selection, test: str, options: TestOptions) -> dict[str, Any]:
    def work(backend: ibis.BaseBackend) -> dict[str, Any]:
        scope = resolve_scope(backend, sel.scope)
        if test == "outcome":
            return bias_document(backend, scope, by_area=False, run_threshold=False)
        return run_test(backend, scope, test, options)

    found: dict[str, Any] = warehouse(request).read(work)
    return found


def _change_chart(doc: dict[str, Any]) -> dict[str, Any] | None:
    figures = doc.get("figures") or {}
    rate = (figures.get("its") or {}).get("search_rate")
    if not rate or not rate.get("available") or not rate.get("months"):
        return None
    return charts.counterfactual(rate["months"], str(figures["at"]),
                                 title="Searches per 1,000 residents: observed, and the trend before the change "
                                       "carried on")


@router.get("/bias", name="bias_home")
def bias_home(request: Request) -> Response:
    """The navigation's "Tests of bias": the default force's page (the force picker there changes it)."""
    try:
        force = default_force(loaded_forces(warehouse(request)))
    except ScrutinyError as exc:
        return error_page(request, exc)
    return RedirectResponse(f"/force/{force}/bias", status_code=303)


@router.get("/force/{force}/bias", response_class=HTMLResponse, name="bias_page")
def bias_page(request: Request, force: str) -> Response:
    """One test of bias for a force's searches in a period and lens (`test`, default the outcome test)."""

    def page() -> Response:
        q = request.query_params
        try:
            test = q.get("test") or "outcome"
            if test not in TESTS:
                raise PageError(f"Unknown test {test!r}: choose one of {', '.join(TESTS)}.")
            area = q.get("area") or None
            sel, loaded = selection(request, force, area)
            options = _options(request, test)
            db = warehouse(request)
            context: dict[str, Any] = {
                "sel": sel, "force": loaded, "forces": loaded_forces(db), "test": test, "tabs": _tabs(sel, test),
                "areas": force_areas(db, sel.force), "months": month_choices(loaded.months, sel.start, sel.end),
                "purposes": purpose_choices(), "powers": power_choices(force_powers(db, sel.force), sel.power),
                "options": options, "groups": COMPARED, "doc": None, "change_chart": None, "rates_rows": {},
                "error": None,
                "outcome_method": METHODS["outcome_test"], "title_words": TESTS[test],
            }
        except ScrutinyError as exc:
            return error_page(request, exc)
        if test == "change" and (options.at is None or sel.area is None):
            return render(request, "bias.html", context)  # the form only, until an area and a month are chosen
        try:
            if test != "outcome":
                check_options(test, options, sel.area)
            doc = _document(request, sel, test, options)
            context.update(doc=doc, change_chart=_change_chart(doc) if test == "change" else None,
                           rates_rows={g: areas_by_ratio(doc, g) for g in COMPARED}
                           if test == "rates" and doc["available"] else {})
        except ScrutinyError as exc:
            context["error"] = str(exc)
            return render(request, "bias.html", context, status_of(exc))
        return render(request, "bias.html", context)

    return cached_page(request, page)
