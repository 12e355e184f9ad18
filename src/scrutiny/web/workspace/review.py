"""Search-record review pages: import a force's CSV (upload, then map columns), draw seeded samples, review
records against the rubric, and the results; plus the public results page and JSON, with small cells hidden.

Who may do what: importing, drawing samples and typing in a warehouse record's grounds are panel tasks
(panel members and admins); reviewing is open to every workspace role (reviewers, panel members, admins),
since panel members review records too; the results are for every role inside and, suppressed, for anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import func, select

from scrutiny.web.schemas import error_responses
from scrutiny.web.workspace import forms
from scrutiny.web.workspace.deps import AnyRole, PanelMember, WorkspaceDep
from scrutiny.web.workspace.render import page
from scrutiny.web.workspace.schemas.review import (
    DrawCreate,
    GroundsUpdate,
    GroupFiguresPublic,
    ReviewCreate,
    ReviewResultsPublic,
)
from scrutiny.workspace import accounts
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.grounds import classify, highlight
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.review import Review, ReviewSample, SampleRecord, SearchRecord
from scrutiny.workspace.review import agreement, columns, records, results, reviews, sampling
from scrutiny.workspace.review.uploads import PendingUploads
from scrutiny.workspace.review.vocab import UnmappedEthnicity, read_ethnicity

router = APIRouter()
api_router = APIRouter()
ClassNames = {"smell_only": "Smell only", "smell_plus": "Smell plus other grounds", "no_smell": "No smell ground"}
NewDraw = Annotated[forms.Posted[DrawCreate], Depends(forms.posted(DrawCreate))]
NewReview = Annotated[forms.Posted[ReviewCreate], Depends(forms.posted(ReviewCreate))]
MAX_ROWS_SHOWN = 200  # refused rows listed on the page; the values with no group are summed up above them
ChangedGrounds = Annotated[forms.Posted[GroundsUpdate], Depends(forms.posted(GroundsUpdate))]


def _uploads(request: Request) -> PendingUploads:
    folder: Path | None = request.app.state.settings.tmp_dir
    return PendingUploads(folder)


# ---------------------------------------------------------------- samples


def _index(request: Request, ws: WorkspaceDep, user: User, *, errors: Mapping[str, str] | None = None,
           form: Mapping[str, Any] | None = None, status: int = 200) -> Response:
    with ws.session() as session:
        found = sampling.progress(session)
        total = session.scalar(select(func.count()).select_from(SearchRecord)) or 0
    return page(request, "workspace/review/index.html", {
        "title": "Search-record review", "samples": found, "total": total,
        "panel_task": accounts.may(user, Role.panel_member),
        "today": date.today().isoformat(), "errors": errors or {}, "form": form or {}}, status)


@router.get("/workspace/review")
def index(request: Request, ws: WorkspaceDep, user: AnyRole) -> Response:
    return _index(request, ws, user)


@router.post("/workspace/review/samples")
def draw(request: Request, ws: WorkspaceDep, user: PanelMember, form: NewDraw) -> Response:
    """A refused draw (a date that is not one, a size out of range, no records to draw from) shows the page
    again, status 422, with the field marked and what was typed kept."""
    db = request.app.state.settings.db
    work = forms.saving(
        request, ws, user,
        lambda s, d: sampling.draw_sample(s, user, sampling.Filters(d.period_start, d.period_end, d.force, d.area),
                                          d.size, d.seed, source=d.source, db=db),
        lambda sample: f"/workspace/review/samples/{sample.id}")
    return forms.submit(form, work, partial(_index, request, ws, user))


@router.get("/workspace/review/samples/{sample_id}")
def sample_page(request: Request, ws: WorkspaceDep, user: AnyRole, sample_id: int) -> Response:
    with ws.session() as session:
        ids = sampling.sample_record_ids(session, sample_id)
        sample = session.get(ReviewSample, sample_id)
        counts = sampling.review_counts(session, ids)
        by_id = {r.id: r for r in session.scalars(select(SearchRecord).where(SearchRecord.id.in_(ids)))}
        mine = {r.record_id for r in session.scalars(
            select(Review).where(Review.reviewer_id == user.id,
                                         Review.record_id.in_(ids)))}
        drawer = session.get(User, sample.drawn_by_id) if sample and sample.drawn_by_id else None
    rows = [{"record": by_id[i], "reviews": counts[i], "mine": i in mine} for i in ids]
    return page(request, "workspace/review/sample.html", {
        "title": f"Sample {sample_id}", "sample": sample, "rows": rows, "drawer": drawer, "classes": ClassNames})


# ---------------------------------------------------------------- import


@router.get("/workspace/review/import")
def import_form(request: Request, user: PanelMember) -> Response:
    return page(request, "workspace/review/import.html", {"title": "Import search records"})


def _mapping_page(request: Request, token: str, data: bytes, filename: str, *,
                  choices: Mapping[int, str] | None = None, errors: Mapping[str, str] | None = None,
                  status: int = 200) -> Response:
    """Every column of the file with its first rows and what it holds: the guess, or what the user chose."""
    header, rows = records.read_table(data)
    if choices is None:
        by_column = {column: key for key, column in columns.guess_mapping(header).items()}
        choices = {i: by_column.get(name, "") for i, name in enumerate(header)}
    samples = columns.column_samples(header, rows)
    chosen = set(choices.values())
    return page(request, "workspace/review/mapping.html", {
        "title": "Match the columns", "token": token, "rows": len(rows), "filename": filename,
        "columns": [{"index": i, "name": name, "samples": samples[i], "choice": choices.get(i, "")}
                    for i, name in enumerate(header)],
        "fields": records.FIELDS, "missing": [f for f in records.FIELDS if f.required and f.key not in chosen],
        "sample_rows": min(len(rows), columns.SAMPLE_ROWS), "errors": errors or {}}, status)


@router.post("/workspace/review/import")
async def upload(request: Request, user: PanelMember, file: Annotated[UploadFile, File()]) -> Response:
    data = await file.read(records.MAX_BYTES + 1)
    try:
        records.read_table(data)
    except Invalid as exc:
        return page(request, "workspace/review/import.html", {
            "title": "Import search records", "errors": {"file": exc.message}}, 422)
    token = _uploads(request).put(user.id, data)
    return _mapping_page(request, token, data, file.filename or "the file")


def _choices(form: Mapping[str, Any]) -> dict[int, str]:
    """The mapping form's `col_<n>` fields as column number -> our field ("" for not used)."""
    found: dict[int, str] = {}
    for name, value in form.items():
        number = name[4:] if name.startswith("col_") else ""
        if number.isdigit() and len(number) < 6:
            found[int(number)] = str(value)
    return found


@router.post("/workspace/review/import/map")
async def apply_mapping(request: Request, ws: WorkspaceDep, user: PanelMember) -> Response:
    """A mistake in the choices (a needed field with no column, one field for two columns) shows the columns
    again with the file kept; once the choices are sound the file is used, and deleted whatever happens."""
    form = await request.form()
    token, filename = str(form.get("token", "")), str(form.get("filename", ""))[:200] or "the file"
    choices = _choices(form)
    uploads = _uploads(request)
    data = uploads.peek(user.id, token)
    header, _ = records.read_table(data)
    try:
        mapping = columns.mapping_from_choices(choices, header)
        records.check_mapping(mapping, header)
    except Invalid as exc:
        field = exc.field if exc.field.startswith("col_") else "mapping"
        return _mapping_page(request, token, data, filename, choices=choices, errors={field: exc.message},
                             status=422)
    uploads.take(user.id, token)  # deleted now, whatever happens next
    try:
        with ws.session(accounts.actor(user)) as session:
            result = records.import_csv(session, data, mapping)
    except records.RowsRefused as exc:
        return page(request, "workspace/review/import.html", {
            "title": "Import search records", "refusals": exc.refusals[:MAX_ROWS_SHOWN],
            "more": max(0, len(exc.refusals) - MAX_ROWS_SHOWN), "unmapped": records.unmapped_values(exc.refusals),
            "message": "Nothing was imported: fix these rows in the file and upload it again."}, 422)
    except Invalid as exc:
        return page(request, "workspace/review/import.html", {
            "title": "Import search records", "errors": {"file": f"{exc.field}: {exc.message}"},
            "message": "Nothing was imported: upload the file again and choose the columns."}, 422)
    return page(request, "workspace/review/imported.html", {"title": "Imported", "result": result}, 201)


# ---------------------------------------------------------------- one record


def _record(request: Request, ws: WorkspaceDep, user: User, record_id: int, sample: int | None = None, *,
            errors: Mapping[str, str] | None = None, form: Mapping[str, Any] | None = None,
            status: int = 200) -> Response:
    with ws.session() as session:
        record = reviews.get_record(session, record_id)
        all_reviews = reviews.reviews_of(session, record_id)
        shown = reviews.visible_reviews(session, user, record_id)
        names = {u.id: u.name for u in session.scalars(select(User).where(
            User.id.in_([r.reviewer_id for r in shown])))}
        in_sample = session.scalar(select(SampleRecord.id).where(
            SampleRecord.record_id == record_id).limit(1)) is not None
    grounds = classify(record.grounds)
    try:
        officer_group: str | None = read_ethnicity(record.officer_defined_ethnicity, "officer")
    except UnmappedEthnicity:
        officer_group = None
    mine = any(r.reviewer_id == user.id for r in all_reviews)
    return page(request, "workspace/review/record.html", {
        "title": f"Search record {record_id}", "record": record, "officer_group": officer_group,
        "highlighted": highlight(record.grounds, grounds),
        "evidence": grounds.evidence, "classes": ClassNames, "shown": shown, "names": names, "mine": mine,
        "count": len(all_reviews), "can_review": in_sample and not mine and len(all_reviews) < 2,
        "can_edit_grounds": accounts.may(user, Role.panel_member) and record.source == "warehouse" and not all_reviews,
        "sample": sample, "labels": agreement.ITEM_LABELS, "errors": errors or {}, "form": form or {}}, status)


@router.get("/workspace/review/records/{record_id}")
def record_page(request: Request, ws: WorkspaceDep, user: AnyRole, record_id: int,
                sample: Annotated[int | None, Query()] = None) -> Response:
    return _record(request, ws, user, record_id, sample)


def _sample_id(text: str) -> int | None:
    """The sample page a reviewer came from (a hidden field): only ever a place to go back to."""
    return int(text) if text.isdigit() else None


@router.post("/workspace/review/records/{record_id}/reviews")
def submit_review(request: Request, ws: WorkspaceDep, user: AnyRole, record_id: int, form: NewReview) -> Response:
    sample = _sample_id(form.values.get("sample", ""))
    done = f"/workspace/review/samples/{sample}" if sample is not None else f"/workspace/review/records/{record_id}"
    work = forms.saving(
        request, ws, user,
        lambda s, r: reviews.submit(s, user, record_id, reviews.Answers(**r.model_dump(exclude={"sample"}))),
        done)
    return forms.submit(form, work, partial(_record, request, ws, user, record_id, sample))


@router.post("/workspace/review/records/{record_id}/grounds")
def edit_grounds(request: Request, ws: WorkspaceDep, user: PanelMember, record_id: int,
                 form: ChangedGrounds) -> Response:
    work = forms.saving(request, ws, user, lambda s, g: records.edit_grounds(s, record_id, g.grounds),
                        f"/workspace/review/records/{record_id}")
    return forms.submit(form, work, partial(_record, request, ws, user, record_id))


# ---------------------------------------------------------------- results


def _scope(session: Any, sample: int | None) -> list[int] | None:
    return None if sample is None else sampling.sample_record_ids(session, sample)


@router.get("/workspace/review/results")
def results_page(request: Request, ws: WorkspaceDep, user: AnyRole,
                 sample: Annotated[int | None, Query()] = None) -> Response:
    with ws.session() as session:
        ids = _scope(session, sample)
        rows = results.results(session, ids)
        kappas = agreement.agreement(session, ids if ids is not None else _all_sampled(session))
        samples = list(session.scalars(select(ReviewSample).order_by(ReviewSample.id)))
    table = [{"group": r.group, "counts": r.counts, "rates": r.rates} for r in rows]
    return page(request, "workspace/review/results.html", {
        "title": "Review results", "table": table, "kappas": kappas, "labels": agreement.ITEM_LABELS,
        "samples": samples, "sample": sample, "public": False})


def _all_sampled(session: Any) -> list[int]:
    return list(session.scalars(select(SampleRecord.record_id).distinct()))


@router.get("/review/results")
def public_results_page(request: Request, ws: WorkspaceDep, sample: Annotated[int | None, Query()] = None) -> Response:
    with ws.session() as session:
        rows = results.public(results.results(session, _scope(session, sample)))
        samples = list(session.scalars(select(ReviewSample).order_by(ReviewSample.id)))
    return page(request, "workspace/review/results.html", {
        "title": "Search-record review: results", "table": rows, "samples": samples, "sample": sample,
        "public": True})


@api_router.get("/review/results", response_model=ReviewResultsPublic, responses=error_responses(404, 422),
                summary="Search-record review results by ethnic group (small counts suppressed)")
def public_results(ws: WorkspaceDep,
                   sample: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> ReviewResultsPublic:
    """Shares of reviewed records with insufficient grounds (both reviewers said no reasonable suspicion),
    disputed, smell-only, and find rates, by self-defined ethnic group; every count is rounded to 5 (1-4 as
    "<5"), shares come from the rounded counts, and any share resting on a count of 1-4 is null."""
    with ws.session() as session:
        rows = results.public(results.results(session, _scope(session, sample)))
    return ReviewResultsPublic(sample=sample, groups=[GroupFiguresPublic(**row) for row in rows])
