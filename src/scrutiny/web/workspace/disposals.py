"""Drug-possession disposals: public figures and the written policies, as API and pages.

    GET /api/v1/disposals            outcome mix of drug searches (or of the `purpose` and `power` chosen) by
                                     ethnic group and age (public warehouse data)
    GET /api/v1/disposal-policies    the disposal policies and their rules
    GET /disposals                   the mix by ethnic group for a chosen force, area, period and lens
    GET /disposals/policies          the policies side by side, and a form that evaluates one case (no writes)

The figures come from metrics.disposals through the API's cache, so the page and the API show the same
bytes; nothing here is workspace data, so no login is needed and nothing is written.
"""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import urlencode

import ibis
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.disposals import disposals_document
from scrutiny.metrics.lens import Lens
from scrutiny.vocab.ethnicity import UNKNOWN, UNKNOWN_LABEL
from scrutiny.vocab.objects import DRUGS, PURPOSE_NAMES
from scrutiny.vocab.outcomes import DISPOSAL_PAGE_LABELS, OUTCOME_CLASSES
from scrutiny.web.api.common import dump, scope_of
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, ScopeDep, ScopeParams, Warehouse, WarehouseDep
from scrutiny.web.pages.common import Selection, default_force, document, month_choices, selection, status_of
from scrutiny.web.pages.formatting import short_period
from scrutiny.web.pages.lens import power_choices, purpose_choices
from scrutiny.web.pages.lookups import Area, force_areas, force_powers, loaded_forces
from scrutiny.web.schemas import GroupName, Model, OutcomeClassName, ScopeOut, Share, error_responses
from scrutiny.web.workspace import forms
from scrutiny.web.workspace.render import page
from scrutiny.web.workspace.schemas.disposals import EVALUATED_WHEN, PolicyCase
from scrutiny.workspace.disposal_policy import CaseBuilder, Decision, Disposal, Policy, compare, load_policies

router = APIRouter(include_in_schema=False)  # pages
api_router = APIRouter(tags=["disposals"])

DisposalName = Literal[
    "cannabis_warning", "penalty_notice", "community_resolution", "diversion", "caution", "youth_referral",
    "arrest_charge", "no_further_action", "not_eligible",
]
AgeName = Literal["under 10", "10-17", "18-24", "25-34", "over 34", "unknown"]
OUTCOME_LABELS = DISPOSAL_PAGE_LABELS
DISPOSAL_LABELS = {
    "cannabis_warning": "Cannabis warning", "penalty_notice": "Penalty notice for disorder",
    "community_resolution": "Community resolution", "diversion": "Diversion", "caution": "Caution",
    "youth_referral": "Youth justice route", "arrest_charge": "Arrest / charge",
    "no_further_action": "No further action", "not_eligible": "Not eligible (normal route)",
}
GROUP_LABELS = {UNKNOWN: UNKNOWN_LABEL}

# ---- response models ---------------------------------------------------------------------------------------


class Proportion(Model):
    count: int
    share: Share = Field(description="count ÷ searches of the row; null when there are none.")
    ci_low: float | None = Field(description="Wilson score 95% interval, lower end.")
    ci_high: float | None = Field(description="Wilson score 95% interval, upper end.")


class OutcomeMix(Model):
    no_further_action: Proportion
    arrest: Proportion
    drugs_warning: Proportion = Field(description="Khat or cannabis warning.")
    penalty_notice: Proportion
    community_resolution: Proportion
    caution: Proportion
    summons: Proportion = Field(description="Summons or charged by post.")
    other: Proportion
    unknown: Proportion


class Mix(Model):
    searches: int
    outcomes: OutcomeMix


class GroupMix(Mix):
    group: GroupName


class AgeMix(Mix):
    age_range: AgeName


class DisposalsDocument(Model):
    """What happened after searches of people for drugs (or the purpose and power chosen), by ethnic group and
    by age range."""

    scope: ScopeOut
    searches: int = Field(description="Searches for the purpose (drugs unless chosen), vehicle-only ones included.")
    person_searches: int = Field(description="Searches of people among them: the rows below count these.")
    outcome_classes: list[OutcomeClassName]
    all: Mix
    by_group: list[GroupMix]
    by_age: list[AgeMix]
    definitions: dict[str, str]


class ConditionsOut(Model):
    age_min: int | None = None
    age_max: int | None = None
    drugs: list[str] | None = Field(None, description="Absent: any drug.")
    occasion: int | None = Field(None, description="Earlier counted disposals + 1.")
    occasion_min: int | None = None
    occasion_max: int | None = None
    prior_includes: list[DisposalName] | None = None
    admits: bool | None = None
    on_bail: bool | None = None
    intent: Literal["possession", "supply"] | None = None


class RuleOut(Model):
    id: str
    text: str
    when: ConditionsOut = Field(description="Every condition must hold; the first rule that matches fires.")
    disposal: DisposalName


class PolicyOut(Model):
    name: str
    title: str
    source: str
    summary: str
    prior_drugs: list[str] | Literal["any"] = Field(description="Whose earlier disposals count as occasions.")
    rules: list[RuleOut]


# ---- figures -----------------------------------------------------------------------------------------------


def _figures(backend: ibis.BaseBackend, params: ScopeParams) -> dict[str, Any]:
    """The /api/v1/metrics scope rules (missing months are what is loaded), then metrics/ for the figures."""
    return disposals_document(backend, scope_of(backend, params))


def _document_sync(request: Request, params: ScopeParams) -> dict[str, Any]:
    """The API's answer for `params`, through the same cache, for the page."""
    warehouse: Warehouse = request.app.state.warehouse
    entry, _ = request.app.state.cache.get_sync(
        ("disposals", params), warehouse.version(),
        lambda: dump(warehouse.read(lambda backend: _figures(backend, params))))
    doc: dict[str, Any] = json.loads(entry.body)
    return doc


@api_router.get("/disposals", response_model=DisposalsDocument, responses=error_responses(404, 422, 503),
                summary="Outcomes of searches for drugs (or another purpose or power) by ethnic group and age")
async def read_disposals(request: Request, params: ScopeDep, warehouse: WarehouseDep, cache: CacheDep) -> Response:
    """No further action, cannabis/khat warning, penalty notice, community resolution, caution, summons/charge
    and arrest after searches of people for drugs: counts and shares with Wilson 95% intervals, by ethnic
    group (5 groups and not stated) and by age range. `purpose` (default drugs) and `power` narrow the searches
    as they do for `/api/v1/metrics`; an unknown value is a 422 naming the parameter. `from` and `to` default
    to the months loaded."""
    version = warehouse.version()
    entry, state = await cache.get(("disposals", params), version,
                                   lambda: dump(warehouse.read(lambda backend: _figures(backend, params))))
    return respond(request, entry, state)


@api_router.get("/disposal-policies", response_model=list[PolicyOut],
                summary="The drug-possession disposal policies and their rules")
async def read_policies() -> Response:
    """Each policy with its source and its ordered rules (the first rule whose conditions hold fires)."""
    return JSONResponse([p.as_dict() for p in load_policies()])


# ---- pages -------------------------------------------------------------------------------------------------


def _rows(doc: dict[str, Any], key: str, label: str) -> list[dict[str, Any]]:
    return [{"label": GROUP_LABELS.get(r[label], r[label]), "key": r[label], "searches": r["searches"],
             "outcomes": r["outcomes"]} for r in doc[key]]


def _heading(purpose: str | None, power: str | None) -> str:
    """"After a search for drugs", "After a search for weapons under Section 60: ...": the page says its lens."""
    lens = Lens(purpose or DRUGS, power)
    words = f"for {PURPOSE_NAMES[lens.purpose or DRUGS]}"
    return f"After a search {words}" + (f" under {lens.power_name}" if lens.power else "")


@router.get("/disposals", name="disposals")
def disposals_page(request: Request) -> Response:
    """The outcome mix of searches for drugs (or the purpose and power in the URL) by ethnic group and by age
    range, for the chosen scope."""
    q = request.query_params
    context: dict[str, Any] = {"title": "After a search for drugs", "doc": None, "error": None,
                               "labels": OUTCOME_LABELS, "classes": OUTCOME_CLASSES}
    try:
        db: Warehouse = request.app.state.warehouse
        forces = loaded_forces(db)
        force = q.get("force") or default_force(forces)
        sel, loaded = selection(request, force, q.get("area") or None)
        areas = force_areas(db, force)
        powers = power_choices(force_powers(db, force), sel.power)
    except ScrutinyError as exc:
        return page(request, "workspace/error.html", {"title": "Cannot show this page",
                                                                 "message": str(exc)}, status_of(exc))
    purpose = sel.purpose or DRUGS
    heading = _heading(sel.purpose, sel.power)
    context.update(sel=sel, force=loaded, forces=forces, areas=areas, heading=heading,
                   title=f"{heading}, {context_place(areas, sel, loaded.name)}, {short_period(sel.start, sel.end)}",
                   area_name=next((a.name for a in areas if a.code == sel.area), None),
                   months=month_choices(loaded.months, sel.start, sel.end),
                   purposes=[c for c in purpose_choices() if c.value], powers=powers, purpose=purpose,
                   searches_words=Lens(purpose, sel.power).describe(),
                   api_query=urlencode({"force": force, **sel.params(area=True)}),
                   force_page=f"/force/{force}" + (f"/area/{sel.area}" if sel.area else "") + f"?{sel.query()}")
    params = ScopeParams(force, sel.area, sel.start, sel.end, sel.ethnicity,  # type: ignore[arg-type]
                         sel.purpose, sel.power)
    try:
        doc = _document_sync(request, params)
    except ScrutinyError as exc:
        context["error"] = str(exc)
        return page(request, "workspace/disposals/index.html", context, status_of(exc))
    context.update(doc=doc, by_group=_rows(doc, "by_group", "group"), by_age=_rows(doc, "by_age", "age_range"),
                   crime=_crime(request, sel) if purpose == DRUGS else None)
    return page(request, "workspace/disposals/index.html", context)


def _crime(request: Request, sel: Selection) -> dict[str, Any] | None:
    """The `crime` figures of the metrics document for the same place and period (the force page's, from the
    same cache), to set recorded drug crimes' outcomes beside the searches'; None when none is loaded."""
    try:
        crime: dict[str, Any] | None = document(request, sel.scope)["crime"]
    except ScrutinyError:  # the searches' own figures are shown; the crime figures are an addition
        return None
    return crime


def context_place(areas: list[Area], sel: Selection, force_name: str) -> str:
    """The area's name (with its force), or the force's."""
    name = next((a.name for a in areas if a.code == sel.area), None)
    return f"{name} ({force_name})" if name else force_name


def _evaluate(case: PolicyCase, policies: list[Policy]) -> tuple[list[Decision], dict[str, str]]:
    """What each policy recommends for the case, or CaseBuilder's words for every field at fault (its
    "prior" is the form's "priors")."""
    builder = CaseBuilder()
    built = builder.build("case", case.date, case.drug, case.age, case.priors, case.admits, case.on_bail,
                          case.intent)
    errors = {("priors" if k == "prior" else k): v for k, v in builder.errors.items()}
    return (compare(policies, built) if built is not None else []), errors


@router.get("/disposals/policies", name="disposal_policies")
def policies_page(request: Request) -> Response:
    """Every policy's rules side by side; with a case in the query string, what each recommends for it."""
    q = request.query_params
    policies = load_policies()
    form = {k: q.get(k, "") for k in PolicyCase.model_fields}
    decisions: list[Decision] = []
    errors: dict[str, str] = {}
    if any(form[k] for k in EVALUATED_WHEN):
        case = forms.parse(PolicyCase, form)
        errors = case.errors
        if case.model is not None:
            decisions, errors = _evaluate(case.model, policies)
    context = {"title": "Disposal policies side by side", "policies": policies, "decisions": decisions,
               "errors": errors, "form": form, "labels": DISPOSAL_LABELS,
               "disposals": [d.value for d in Disposal]}
    return page(request, "workspace/disposals/policies.html", context, 422 if errors else 200)


__all__ = ["api_router", "router"]
