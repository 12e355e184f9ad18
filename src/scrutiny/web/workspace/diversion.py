"""The diversion pathway: the workspace's case pages (role panel_member), CSV import and export, the public
outcome page `/diversion` and `GET /api/v1/diversion/kpis` (both suppressed below 5). The strategy pages are
the workspace part `strategy` beside this module."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from scrutiny.web.errors import bad_parameter
from scrutiny.web.schemas import ErrorResponse
from scrutiny.web.workspace import confirm, forms
from scrutiny.web.workspace.deps import PanelMember, WorkspaceDep
from scrutiny.web.workspace.render import page
from scrutiny.web.workspace.schemas.diversion import CaseCreate, CaseUpdate, DiversionKpisOut, RecontactCreate
from scrutiny.workspace import accounts
from scrutiny.workspace.diversion import cases as service
from scrutiny.workspace.diversion import csv_io, kpis
from scrutiny.workspace.models.diversion import (
    AgeBand,
    Completed,
    EthnicGroup,
    Intervention,
    RecontactKind,
    ReferralSource,
)

router = APIRouter()
api_router = APIRouter(tags=["diversion"])
LONDON = ZoneInfo("Europe/London")
FORM_FIELDS = (*CaseCreate.model_fields, *RecontactCreate.model_fields)  # the boxes on a case's page
BY_LABELS = {"ethnicity": "Ethnic group (self-defined)", "age_band": "Age band", "borough": "Borough"}
NewCase = Annotated[forms.Posted[CaseCreate], Depends(forms.posted(CaseCreate))]
ChangedCase = Annotated[forms.Posted[CaseUpdate], Depends(forms.posted(CaseUpdate))]
NewRecontact = Annotated[forms.Posted[RecontactCreate], Depends(forms.posted(RecontactCreate))]


def today() -> date:
    return datetime.now(LONDON).date()


def choices() -> dict[str, list[tuple[str, str]]]:
    """The select boxes' options: (value, text) pairs, a blank first where the field may be blank."""
    def of(kind: Any, blank: str | None = None) -> list[tuple[str, str]]:
        return ([("", blank)] if blank is not None else []) + [(m.value, m.value) for m in kind]
    return {"ethnic_group": of(EthnicGroup), "age_band": of(AgeBand), "referral_source": of(ReferralSource),
            "intervention": of(Intervention, "not decided yet"), "completed": of(Completed),
            "eligible": [("", "not checked yet"), ("yes", "yes"), ("no", "no")], "kind": of(RecontactKind)}


# ---- workspace pages --------------------------------------------------------------------------------------


@router.get("/workspace/diversion")
def index(request: Request, ws: WorkspaceDep, user: PanelMember) -> Response:
    with ws.session() as session:
        found = service.list_cases(session)
        summary = kpis.kpis([kpis.record(c) for c in found], today())
    return page(request, "workspace/diversion/index.html", {"title": "Diversion cases", "cases": found,
                                                            "summary": summary, "as_of": today()})


def _case_page(request: Request, ws: WorkspaceDep, case_id: int | None, *, errors: dict[str, str] | None = None,
               form: dict[str, str] | None = None, status: int = 200) -> Response:
    case = None
    values = {**dict.fromkeys(FORM_FIELDS, ""), "completed": Completed.unknown.value}
    if case_id is not None:
        with ws.session() as session:
            case = service.get_case(session, case_id)
            values.update(service.form_values(case))
            recontacts = list(case.recontacts)
    title = f"Diversion case {case.id}" if case is not None else "New diversion case"
    return page(request, "workspace/diversion/case.html", {
        "title": title, "case": case, "recontacts": recontacts if case is not None else [],
        "values": {**values, **(form or {})}, "choices": choices(), "errors": errors or {}}, status)


@router.get("/workspace/diversion/new")
def new_case(request: Request, ws: WorkspaceDep, user: PanelMember) -> Response:
    return _case_page(request, ws, None)


@router.post("/workspace/diversion")
def create_case(request: Request, ws: WorkspaceDep, user: PanelMember, form: NewCase) -> Response:
    work = forms.saving(request, ws, user, lambda s, case: service.create_case(s, case.case()),
                        lambda case: f"/workspace/diversion/{case.id}")
    return forms.submit(form, work, partial(_case_page, request, ws, None))


def _import_context() -> dict[str, Any]:
    return {"title": "Import diversion cases", "problems": [], "result": None}


@router.get("/workspace/diversion/import")
def import_form(request: Request, user: PanelMember) -> Response:
    return page(request, "workspace/diversion/import.html", _import_context())


@router.post("/workspace/diversion/import")
def import_file(request: Request, ws: WorkspaceDep, user: PanelMember, file: UploadFile) -> Response:
    """All or nothing: a faulty row leaves the workspace as it was and lists every fault by row and column."""
    data = file.file.read(csv_io.MAX_BYTES + 1)
    context = _import_context()
    try:
        with ws.session(accounts.actor(user)) as session:
            result = csv_io.import_cases(session, data)
    except csv_io.ImportRejected as exc:
        return page(request, "workspace/diversion/import.html", {**context, "problems": exc.problems}, 422)
    return page(request, "workspace/diversion/import.html", {**context, "result": result})


@router.get("/workspace/diversion/export.csv")
def export(ws: WorkspaceDep, user: PanelMember) -> Response:
    """Every case in the import's columns; by construction no name, date of birth or address (none is kept)."""
    with ws.session() as session:
        text = csv_io.export_cases(session)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="diversion-cases-{today().isoformat()}.csv"',
        "Cache-Control": "no-store"})


@router.get("/workspace/diversion/{case_id}")
def edit_case(request: Request, ws: WorkspaceDep, user: PanelMember, case_id: int) -> Response:
    return _case_page(request, ws, case_id)


@router.post("/workspace/diversion/{case_id}")
def update_case(request: Request, ws: WorkspaceDep, user: PanelMember, case_id: int, form: ChangedCase) -> Response:
    work = forms.saving(request, ws, user, lambda s, case: service.update_case(s, case_id, case.case()),
                        f"/workspace/diversion/{case_id}")
    return forms.submit(form, work, partial(_case_page, request, ws, case_id))


@router.post("/workspace/diversion/{case_id}/recontacts")
def add_recontact(request: Request, ws: WorkspaceDep, user: PanelMember, case_id: int,
                  form: NewRecontact) -> Response:
    work = forms.saving(request, ws, user,
                        lambda s, recontact: service.add_recontact(s, case_id, recontact.contact_date, recontact.kind),
                        f"/workspace/diversion/{case_id}#recontacts")
    # the page again shows the case's stored values; this small form's boxes start blank, its error marked
    return forms.submit(form, work, partial(_case_page, request, ws, case_id))


def _doomed_recontact(session: Session, case_id: int, recontact_id: int) -> confirm.Doomed:
    recontact = service.get_recontact(session, case_id, recontact_id)
    return confirm.Doomed(
        "Remove this re-contact?",
        f"the police re-contact of {recontact.contact_date:%d %B %Y} ({recontact.kind.value}) recorded on case "
        f"{case_id}", "Remove the re-contact", f"/workspace/diversion/{case_id}#recontacts",
        goes=["its place in the re-contact figures of the scheme's outcomes"], stays=[f"case {case_id} itself"])


@router.get("/workspace/diversion/{case_id}/recontacts/{recontact_id}/delete")
def confirm_delete_recontact(request: Request, ws: WorkspaceDep, user: PanelMember, case_id: int,
                             recontact_id: int) -> Response:
    return confirm.ask(request, ws, lambda s: _doomed_recontact(s, case_id, recontact_id))


@router.post("/workspace/diversion/{case_id}/recontacts/{recontact_id}/delete")
def delete_recontact(request: Request, ws: WorkspaceDep, user: PanelMember, case_id: int,
                     recontact_id: int, yes: confirm.Confirmed) -> Response:
    return confirm.destroy(request, ws, user, yes, lambda s: _doomed_recontact(s, case_id, recontact_id),
                           lambda s: service.delete_recontact(s, case_id, recontact_id),
                           f"/workspace/diversion/{case_id}#recontacts")


# ---- public: page and API ---------------------------------------------------------------------------------


By = Annotated[kpis.By | None,
               Query(description="a breakdown: ethnic group (self-defined), age band or borough")]
AsOf = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                                   description="count what was recorded by this date (YYYY-MM-DD); today if left out")]


def _as_of(value: str | None) -> date | None:
    """The date, strictly YYYY-MM-DD (a bare number is not a date here, whatever pydantic would make of it)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise bad_parameter("as_of", f"{value!r} is not a date: use YYYY-MM-DD") from None


def public_report(ws: WorkspaceDep, as_of: date | None, by: kpis.By | None) -> dict[str, Any]:
    when = as_of or today()
    with ws.session() as session:
        records = [kpis.record(c) for c in service.list_cases(session)]
    return kpis.report(records, when, by, public=True)


@api_router.get("/diversion/kpis", response_model=DiversionKpisOut,
                responses={422: {"model": ErrorResponse, "description": "A parameter is not valid."}},
                summary="Diversion scheme outcomes: referrals, uptake, completion, waits, police re-contact")
def api_kpis(ws: WorkspaceDep, as_of: AsOf = None, by: By = None) -> DiversionKpisOut:
    """Overall and, with `by`, per ethnic group, age band or borough. Counts are rounded to the nearest 5
    (1-4 as "<5"), the overall row is the sum of the groups' rounded figures, shares and intervals come from
    the rounded counts, and a share resting on 1-4 cases is withheld. Re-contact counts only cases whose
    6 / 12 months had passed by `as_of` (the notes give the dates)."""
    return DiversionKpisOut.model_validate(public_report(ws, _as_of(as_of), by))


@router.get("/diversion")
def public_page(request: Request, ws: WorkspaceDep, as_of: AsOf = None, by: By = None) -> Response:
    report = public_report(ws, _as_of(as_of), by)
    return page(request, "workspace/diversion/kpis.html", {
        "title": "Drug diversion scheme: outcomes", "report": report, "by_labels": BY_LABELS, "by": by,
        "as_of": report["as_of"]})
