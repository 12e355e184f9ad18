"""Community stop reports on the web: the public form (/report), know your rights (/rights), the published
counts (/community-reports), the complaint letter, and the panels' moderation pages.

The public submission (the form's POST /report and the API's POST /api/v1/community-reports) is the one
workspace write made without a logged-in account: its session acts as `reports.PUBLIC_FORM` ("public form"),
so the audit log still says who wrote. It carries no cookie authority, so it needs no CSRF token; instead it
is guarded by
  - a rate limit per client address (`ratelimit.LIMIT` reports per `ratelimit.WINDOW_SECONDS`; 429 with
    Retry-After), counting accepted reports (and honeypot catches) only, so a person fixing a mistake in the
    form is not locked out. Its slot is taken in the transaction that stores the report, in the database, so it
    holds under concurrent posts and across server processes; the address is the connection's unless it comes
    through a proxy named in the settings (`scrutiny.web.client_address`);
  - a body size limit (`MAX_BODY` bytes; 413), enforced while reading the body, not from Content-Length;
  - a honeypot: a field named "website", hidden from people, that robots fill in; when it is filled the answer
    is the same 201 as for a real report, but nothing is stored;
  - validation that names the field at fault (422). Both parse into one model, `CommunityReportCreate`
    (schemas/community.py): the form with the service's readers and words, beside each box on the page again;
    the API as JSON, in its one error shape. The service then checks the whole report the same way for both.
The report is committed (for SQLite: WAL with the default synchronous=FULL) before the 201 is sent.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from scrutiny.catalog import force_name
from scrutiny.errors import ScrutinyError
from scrutiny.metrics import Scope
from scrutiny.vocab.ethnicity import CENSUS_LABELS
from scrutiny.web.client_address import client_address
from scrutiny.web.pages.common import ENV
from scrutiny.web.workspace import forms
from scrutiny.web.workspace.deps import PanelMember, WorkspaceDep, workspace
from scrutiny.web.workspace.render import page
from scrutiny.web.workspace.schemas.community import (
    CommunityReportAccepted,
    CommunityReportCreate,
    CommunitySummaryCellPublic,
    CommunitySummaryPublic,
    ModerationCreate,
)
from scrutiny.workspace.community import letters, moderation, places, reports, safeguarding, summary
from scrutiny.workspace.community.ratelimit import RateLimiter, TooMany
from scrutiny.workspace.community.retention import RETENTION, purge_expired_contacts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Gone, Invalid, NotFound
from scrutiny.workspace.models.accounts import User
from scrutiny.workspace.models.community import (
    AdultPresent,
    AgeBand,
    Answer,
    CommunityReport,
    EthnicGroup,
    Outcome,
    ReportStatus,
)

CommunityReportIn = CommunityReportCreate  # its name before the schema family; tests/vocab still reads it here
router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["community reports"])
MAX_BODY = 16 * 1024
T = "workspace/community/"
FORM_TYPE = "application/x-www-form-urlencoded"

ANSWER_LABELS = {Answer.yes.value: "Yes", Answer.no.value: "No", Answer.not_sure.value: "Not sure"}
OUTCOME_LABELS = {
    Outcome.no_further_action.value: "Nothing: I was allowed to go", Outcome.arrest.value: "I was arrested",
    Outcome.penalty_notice.value: "A fine (penalty notice)", Outcome.drugs_warning.value: "A cannabis or khat warning",
    Outcome.community_resolution.value: "A community resolution", Outcome.summons.value: "A summons to court",
    Outcome.other.value: "Something else", Outcome.not_sure.value: "Not sure",
}
AGE_LABELS = {a.value: a.value.capitalize() for a in AgeBand}
GROUP_LABELS = {**{group.casefold(): label for group, label in CENSUS_LABELS.items()},  # the form's keys are lower case
                EthnicGroup.not_stated.value: "I'd rather not say"}
QUESTIONS = (
    ("grounds_given", "Did the officer tell you why (the grounds)?"),
    ("name_given", "Did the officer tell you their name or number?"),
    ("station_given", "Did they tell you which police station they work from?"),
    ("power_given", "Did they tell you which law (power) they were using?"),
    ("record_offered", "Were you told you could have a copy of the search record?"),
    ("body_camera", "Was the officer's body-worn camera on?"),
    ("outer_clothing_removed", "Were you asked to take off more than your coat, jacket or gloves?"),
)
ADULT_QUESTION = "If you were under 18: was a parent, carer or another adult there for you when you were searched?"
ADULT_HINT = ("An adult on your side, like a parent, carer, social worker or youth worker. A police officer does "
              "not count.")
ADULT_LABELS = {AdultPresent.yes.value: "Yes", AdultPresent.no.value: "No", AdultPresent.not_sure.value: "Not sure",
                AdultPresent.over_18.value: "I was 18 or over"}

FIELD_LABELS = {  # how the error summary at the top of the form names each box
    "date": "Date", "time": "Time", "borough": "Council area", "latitude": "Latitude", "longitude": "Longitude",
    "kind": "Searched or stopped", "suspected_of": "Suspected of", **dict(QUESTIONS),
    "appropriate_adult": "An adult there for you",
    "power_stated": "Law named", "searched_for": "Looking for", "found": "Found", "outcome": "What happened in the "
    "end", "age_band": "Age", "ethnicity_text": "Ethnicity", "ethnic_group": "Ethnic group", "respect": "Respect",
    "account": "Your own words", "contact_email": "Email", "contact_phone": "Phone",
    "contact_consent": "Keeping your contact details",
}

# --- guards for the public write ---------------------------------------------------------------------------

class TooLarge(Exception):
    pass


async def read_capped(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, refusing it as soon as it passes `limit` bytes (whatever Content-Length claims)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)


def limiter(request: Request) -> RateLimiter:
    """The app's limiter for public reports (made on first use; tests may replace it). It keeps no state of its
    own: the slots are in the workspace database."""
    state = request.app.state
    if not hasattr(state, "community_limiter"):
        state.community_limiter = RateLimiter()
    found: RateLimiter = state.community_limiter
    return found


def _store(ws: Workspace, data: Mapping[str, Any], limit: RateLimiter, address: str) -> reports.Submitted:
    """Take a rate-limit slot and store the report in one transaction (`TooMany` if no slot is free; a refused
    report gives its slot back), committed before returning, so the 201 that follows is never for a report
    that is lost."""
    with ws.session(reports.PUBLIC_FORM) as session:
        limit.take(session, address)
        return reports.submit(session, data)


def _check(ws: Workspace, limit: RateLimiter, address: str) -> int:
    with ws.session() as session:
        return limit.retry_after(session, address)


def purge_once(request: Request) -> None:
    """Contact details past their retention go at the app's first public request (as well as at start-up
    where the server runs `startup_purge`, by the CLI, and on each moderation page)."""
    state = request.app.state
    if getattr(state, "community_purged", False):
        return
    startup_purge(workspace(request))
    state.community_purged = True


def startup_purge(ws: Workspace) -> int:
    with ws.session() as session:  # a Core DELETE of expired slots: nothing for the audit log
        RateLimiter().forget_stale(session)
    with ws.session(RETENTION) as session:
        return purge_expired_contacts(session, datetime.now(UTC))


# --- the public form -------------------------------------------------------------------------------------

def _form_context(form: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, Any]:
    return {"title": "Report a stop or search", "form": form, "errors": errors,
            "authorities": places.by_name(), "questions": QUESTIONS, "answers": ANSWER_LABELS,
            "outcomes": OUTCOME_LABELS, "ages": AGE_LABELS, "groups": GROUP_LABELS, "labels": FIELD_LABELS,
            "adult_question": ADULT_QUESTION, "adult_hint": ADULT_HINT, "adult_answers": ADULT_LABELS,
            "today": datetime.now(reports.LONDON).date().isoformat(),
            "retention_days": reports.contact_retention_days()}


def _report_page(request: Request, *, errors: Mapping[str, str] | None = None,
                 form: Mapping[str, Any] | None = None, status: int = 200) -> Response:
    """The form, again with what was typed and each refusal beside its box when it comes back (`forms.submit`)."""
    return page(request, T + "report.html", _form_context(form or {}, errors or {}), status)


@router.get("/report")
def report_form(request: Request) -> Response:
    purge_once(request)
    return _report_page(request)


async def _too_many(request: Request) -> int:
    """Seconds to wait if this client has no slot free: an early refusal, before the body is read."""
    return await run_in_threadpool(_check, workspace(request), limiter(request), client_address(request))


def _refused_form(request: Request, wait: int) -> Response:
    response = page(request, T + "refused.html", {
        "title": "Too many reports", "message": f"Too many reports from this connection. Please wait "
        f"{max(1, -(-wait // 60))} minute(s) and try again."}, 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _refused_api(wait: int) -> Response:
    return JSONResponse({"detail": [{"loc": [], "msg": "too many reports from this address: try again later",
                                     "type": "rate_limited"}]}, 429, headers={"Retry-After": str(wait)})


def _form_values(body: bytes) -> dict[str, str]:
    """Each box of the form as typed (the first value sent; blank when not sent, as for an unticked box), read
    from the body `read_capped` let through. Anything else posted is ignored."""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=60)
    except (UnicodeDecodeError, ValueError):
        parsed = {}
    return {name: parsed.get(name, [""])[0] for name in CommunityReportCreate.model_fields}


def _submission(model: CommunityReportCreate) -> dict[str, Any]:
    """A parsed report as the service reads it (JSON scalars): the form's and the API's alike."""
    return model.model_dump(mode="json", exclude_none=True)


@router.post("/report")
async def report_submit(request: Request) -> Response:
    wait = await _too_many(request)
    if wait:
        return _refused_form(request, wait)
    try:
        body = await read_capped(request)
    except TooLarge:
        return page(request, T + "refused.html", {
            "title": "Too long", "message": "The report is too long to send. Please shorten what you wrote "
            "and try again."}, 413)
    values = _form_values(body)
    ws, limit, address = workspace(request), limiter(request), client_address(request)

    def store(data: Mapping[str, Any]) -> Response:
        try:
            submitted = _store(ws, data, limit, address)
        except TooMany as exc:
            return _refused_form(request, exc.retry_after)
        return page(request, T + "thanks.html", {"title": "Thank you", "reference": submitted.reference,
                                                 "until": _until(datetime.now(UTC))}, 201)

    if reports.is_robot(values):  # thanked whatever else it sent, as for a report: the robot learns nothing
        return await run_in_threadpool(store, values)
    form = forms.parse(CommunityReportCreate, values)
    errors = _every_refusal(values, form.errors)
    if errors:
        return _report_page(request, errors=errors, form=values, status=422)
    return await run_in_threadpool(forms.submit, form, lambda model: store(_submission(model)),
                                   partial(_report_page, request))


def _every_refusal(values: Mapping[str, str], parsed: Mapping[str, str]) -> dict[str, str]:
    """Every box at fault at once, in the form's order: the boxes the schema refused, and the whole-report
    checks of the service (a day in the future, no place, contact details without consent) beside them."""
    found = {**reports.refusals(values), **parsed}
    order = [name for name in CommunityReportCreate.model_fields if name in found]
    return {name: found[name] for name in order + [name for name in found if name not in order]}


LETTER_FORMATS = {"text": ("text/plain; charset=utf-8", "complaint-letter.txt"),
                  "pdf": ("application/pdf", "complaint-letter.pdf")}
MAX_REFERENCE = 100  # a reference is 22 characters, a letter token 43: anything longer is neither


def _until(now: datetime) -> str:
    until = now + timedelta(days=reports.contact_retention_days())
    return f"{until.day} {until:%B %Y}"


def _letter_page(request: Request, *, reference: str = "", error: str | None = None, gone: bool = False,
                 status: int = 200) -> Response:
    """Where a person gets their letter again with their reference, and what to do without one."""
    return page(request, T + "letter_again.html", {
        "title": "Get your complaint letter", "reference": reference, "error": error, "gone": gone,
        "retention_days": reports.contact_retention_days(), "iopc_form": places.IOPC_COMPLAINT_URL}, status)


@router.get("/report/letter")
def letter_again(request: Request) -> Response:
    return _letter_page(request)


@router.post("/report/letter")
def report_letter(request: Request, ws: WorkspaceDep, reference: Annotated[str, Form()] = "",
                  token: Annotated[str, Form()] = "", format: Annotated[str, Form()] = "text") -> Response:
    """The person's complaint letter, fetched with the reference they were shown (or the API's letter token),
    POSTed so it stays out of the address bar and history, as often as they like for the retention period. A
    reference that is unknown (404) or past its time (410) is told so on the page, with what to do instead."""
    reference, token = reference.strip()[:MAX_REFERENCE], token.strip()[:MAX_REFERENCE]
    if not reference and not token:
        return _letter_page(request, error="type or paste the reference you were given", status=422)
    kind, name = LETTER_FORMATS.get(format, LETTER_FORMATS["text"])
    try:
        with ws.session() as session:
            letter = letters.compose(letters.fetch(session, reference=reference, token=token))
    except NotFound as exc:  # Gone is a NotFound too
        gone = isinstance(exc, Gone)
        return _letter_page(request, reference=reference, error=str(exc), gone=gone, status=410 if gone else 404)
    content = letter_pdf(letter) if name.endswith(".pdf") else letter.text().encode()
    return Response(content, media_type=kind, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def letter_html(letter: letters.Letter) -> str:
    """The letter as an HTML page for the PDF (autoescaped: the person's words are text, never markup)."""
    return ENV.get_template(T + "letter.html").render(letter=letter)


def letter_pdf(letter: letters.Letter) -> bytes:
    from scrutiny.report.pdf import write_pdf

    with tempfile.TemporaryDirectory(prefix="scrutiny-letter-") as folder:
        out = Path(folder) / "letter.pdf"
        write_pdf(letter_html(letter), out)
        return out.read_bytes()


@router.get("/rights")
def rights(request: Request) -> Response:
    return page(request, T + "rights.html", {"title": "Your rights if you are stopped and searched"})


# --- published counts ------------------------------------------------------------------------------------

def _official(request: Request, cell: summary.Cell) -> int | None:
    """Searches the police recorded for the same borough and month, if that month is in the warehouse."""
    if cell.force is None or cell.borough_code is None:
        return None
    try:
        doc = request.app.state.metrics(Scope(force=cell.force, area=cell.borough_code, start=cell.month,
                                              end=cell.month))
    except ScrutinyError:
        return None
    searches = doc.get("searches")
    return int(searches) if isinstance(searches, int) else None


def _summary(request: Request) -> tuple[list[CommunitySummaryCellPublic], list[str]]:
    purge_once(request)
    with workspace(request).session() as session:
        cells = summary.cells(session)
        quotes = summary.approved_accounts(session)
    rows = [CommunitySummaryCellPublic(borough_code=c.borough_code, borough_name=c.borough_name, month=c.month,
                                       reports=c.reports, searched=c.searches,
                                       official_searches=_official(request, c))
            for c in cells]
    return rows, quotes


@router.get("/community-reports")
def public_summary(request: Request) -> Response:
    rows, quotes = _summary(request)
    return page(request, T + "public.html", {"title": "Community reports", "rows": rows, "quotes": quotes})


# --- moderation ------------------------------------------------------------------------------------------

STATUS_FILTERS = {s.value: s for s in ReportStatus}


@router.get("/workspace/community-reports")
def moderation_list(request: Request, user: PanelMember, ws: WorkspaceDep, status: str | None = None) -> Response:
    chosen = STATUS_FILTERS.get(status or "")
    now = datetime.now(UTC)
    with ws.session(RETENTION) as session:
        purge_expired_contacts(session, now)  # an expired address is never shown, even if the server ran long
    with ws.session() as session:
        found = moderation.reports(session, user, chosen)
        counts = moderation.counts(session, user)
    return page(request, T + "moderate.html", {
        "title": "Community reports", "reports": found, "counts": counts, "status": chosen,
        "borough": places.authority, "now": now, "concern": safeguarding.concern})


def _detail_page(request: Request, ws: Workspace, user: User, report_id: str, *,
                 errors: Mapping[str, str] | None = None, form: Mapping[str, Any] | None = None,
                 status: int = 200) -> Response:
    """One report for its moderators; again with the refusal (status 422) when a decision cannot be made."""
    now = datetime.now(UTC)
    with ws.session(RETENTION) as session:
        purge_expired_contacts(session, now)
    with ws.session() as session:
        report = moderation.get(session, user, report_id)
    return page(request, T + "detail.html", {**_detail_context(report, now), "errors": errors or {},
                                             "form": form or {}}, status)


@router.get("/workspace/community-reports/{report_id}")
def moderation_detail(request: Request, user: PanelMember, ws: WorkspaceDep, report_id: str) -> Response:
    return _detail_page(request, ws, user, report_id)


def _detail_context(report: CommunityReport, now: datetime) -> dict[str, Any]:
    borough = places.authority(report.borough_code)
    concern = safeguarding.concern(report)
    steps = safeguarding.steps(force_name(borough.force) if borough else None,
                               places.spoken_name(borough) if borough else None) if concern else []
    return {"title": "Community report", "report": report, "contact": moderation.contact(report, now),
            "borough": borough, "questions": QUESTIONS, "answers": ANSWER_LABELS,
            "adult_question": ADULT_QUESTION, "adult_answers": ADULT_LABELS,
            "outcomes": OUTCOME_LABELS, "groups": GROUP_LABELS, "concern": concern, "steps": steps}


@router.post("/workspace/community-reports/{report_id}/{action}")
def moderation_action(request: Request, user: PanelMember, ws: WorkspaceDep, report_id: str,
                      action: str) -> Response:
    """An address that names no action is a page that does not exist (404); a decision the service refuses
    (approving words the report does not have) shows the report again with the reason."""
    decision = forms.parse(ModerationCreate, {"action": action})
    if decision.model is None:
        raise NotFound(f"unknown action {action!r}")
    chosen = decision.model.action
    done = f"/workspace/community-reports/{report_id}"
    return forms.attempt(
        decision.values,
        lambda: forms.write(request, ws, user, lambda s: moderation.moderate(s, user, report_id, chosen), done),
        partial(_detail_page, request, ws, user, report_id))


# --- the JSON API ----------------------------------------------------------------------------------------

def _validation_error(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)])


@api_router.post(
    "/community-reports", status_code=201, response_model=CommunityReportAccepted,
    summary="Report a stop or search (public, no account)",
    responses={413: {"description": "Body larger than 16 KB"}, 422: {"description": "A field is not valid"},
               429: {"description": "Too many reports from this address; see Retry-After"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": CommunityReportCreate.model_json_schema()}}}},
)
async def api_submit(request: Request) -> Response:
    """Store a community report. Public: no login, no CSRF token (it carries no cookie authority). Limited to
    5 accepted reports per address per 10 minutes and 16 KB. Contact details need `contact_consent`."""
    wait = await _too_many(request)
    if wait:
        return _refused_api(wait)
    try:
        body = await read_capped(request)
    except TooLarge:
        return JSONResponse({"detail": [{"loc": ["body"], "msg": f"the report is larger than {MAX_BODY} bytes",
                                         "type": "too_large"}]}, 413)
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise Invalid("body", "not valid JSON") from None
    if not isinstance(raw, dict):
        raise Invalid("body", "send a JSON object")
    try:  # checked even for a robot: a body the spec refuses is a 422 whatever is in the honeypot
        model = CommunityReportCreate.model_validate(raw)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    if not reports.is_robot(raw):
        raw = _submission(model)
    try:
        submitted = await run_in_threadpool(_store, workspace(request), raw, limiter(request), client_address(request))
    except TooMany as exc:
        return _refused_api(exc.retry_after)
    accepted = CommunityReportAccepted(reference=submitted.reference, letter_token=submitted.letter_token)
    return JSONResponse(accepted.model_dump(), 201, headers={"Cache-Control": "no-store"})


@api_router.get("/community-reports/summary", response_model=CommunitySummaryPublic,
                summary="Published community reports by borough and month (rounded to 5, 1-4 shown as \"<5\")")
def api_summary(request: Request) -> CommunitySummaryPublic:
    """Only reports a panel has published count. Beside each cell, the searches the police recorded for the
    same borough and month, when that month is loaded."""
    rows, _ = _summary(request)
    return CommunitySummaryPublic(cells=rows)
