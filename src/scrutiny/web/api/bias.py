"""GET /api/v1/bias: the tests of bias document, exactly as `scrutiny bias --format json` prints it.

Without `threshold=true` the document is answered at once (and cached, like every figure). With it, the
threshold fit (a minute or more of every core) runs in the background queue of `scrutiny.web.fit_queue`,
never on the request: the answer is 202 with the job's URL to poll, and the same URL answers 200 with the
whole document once the fit is done (docs/threshold-fits.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import ibis
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from scrutiny.bias.document import ThresholdData, bias_document, threshold_available, threshold_data
from scrutiny.bias.suite import TESTS, TestOptions, check_options, run_test
from scrutiny.errors import RETRY_AFTER_SECONDS
from scrutiny.vocab.ethnicity import COMPARED, HEADLINE_GROUP
from scrutiny.vocab.months import PATTERN as MONTH
from scrutiny.vocab.months import month_start, months_between
from scrutiny.web.api.common import dump, scope_of
from scrutiny.web.cache import respond
from scrutiny.web.client_address import client_address
from scrutiny.web.deps import CacheDep, ScopeDep, ScopeParams, SettingsDep, WarehouseDep
from scrutiny.web.errors import bad_parameter, error_item, not_found
from scrutiny.web.fit_queue import FitQueue, FitsBusy, JobView
from scrutiny.web.schemas import ErrorResponse, FitJob, error_responses
from scrutiny.web.settings import Settings

router = APIRouter(tags=["bias"])

By = Annotated[Literal["group", "area"], Query(description="group: over the whole scope; area: also per area.")]
Threshold = Annotated[
    bool, Query(description="Also run the threshold test (Bayesian, slow: a minute or more; needs NumPyro). The fit "
                            "runs in a background queue: the answer is 202 with a job to poll, or 200 at once when "
                            "the same question was answered for the data as loaded now.")
]
TestName = Annotated[str, Query(
    description="Which test: " + "; ".join(f"{k}: {v}" for k, v in TESTS.items()) + ".",
    pattern="^(" + "|".join(TESTS) + ")$")]
Group = Annotated[str, Query(description="darkness, change: the group compared with White people.",
                             pattern="^(" + "|".join(COMPARED) + ")$")]
At = Annotated[str | None, Query(description="change: the first month of the new policy, YYYY-MM.", pattern=MONTH)]
Control = Annotated[str | None, Query(
    description="change: areas to compare with (difference in differences), codes or names joined by commas.",
    max_length=400)]
ClockChange = Annotated[bool, Query(description="darkness: only the weeks either side of a clock change.")]
JobId = Annotated[str, Path(description="The job's id, from the 202 answer.", pattern=r"^[0-9a-f]{32}$")]
JOB_HEADERS = {"Location": {"description": "The job's URL.", "schema": {"type": "string"}}}
RETRY_HEADERS = {"Retry-After": {"description": "Seconds to wait before asking again.", "schema": {"type": "string"}}}


def document(backend: ibis.BaseBackend, params: ScopeParams, by: str, threshold: bool) -> dict[str, Any]:
    """The same scope rules as /api/v1/metrics (missing months are what is loaded), then bias/ for the figures."""
    scope = scope_of(backend, params)
    return bias_document(backend, scope, by_area=by == "area", run_threshold=threshold)


def fit_inputs(backend: ibis.BaseBackend, params: ScopeParams, by: str, settings: Settings) -> tuple[
    dict[str, Any], ThresholdData
]:
    """The document without the fit, and the fit's inputs, for a scope within the caps (else a 422 naming the
    parameter to change). Months only change the counts, not the model's size; areas set its size."""
    scope = scope_of(backend, params)
    months = len(months_between(month_start(scope.start), month_start(scope.end)))
    if months > settings.fit_max_months:
        raise bad_parameter("from", f"the threshold test takes at most {settings.fit_max_months} months at once, "
                                    f"this scope has {months} ({scope.start} to {scope.end}): choose a later `from`")
    data = threshold_data(backend, scope)
    if len(data.areas) > settings.fit_max_areas:
        raise bad_parameter("force", f"the threshold test takes at most {settings.fit_max_areas} areas at once, "
                                     f"this scope has {len(data.areas)}: choose one force")
    return bias_document(backend, scope, by_area=by == "area", run_threshold=False), data


async def _fits(request: Request) -> FitQueue:
    """The app's fit queue, made on first use (an app that is never asked for a fit starts no process)."""
    fits: FitQueue | None = getattr(request.app.state, "fits", None)
    if fits is None:
        fits = request.app.state.fits = FitQueue(request.app.state.settings)
    return fits


FitsDep = Annotated[FitQueue, Depends(_fits)]


def job_href(request: Request, job_id: str) -> str:
    return str(request.url_for("read_bias_job", job_id=job_id).path)


def job_body(request: Request, job: JobView) -> dict[str, Any]:
    detail = None
    if job.error is not None:
        _, msg, kind = job.error
        detail = [error_item((), msg, kind)]
    return {"id": job.id, "state": job.state, "href": job_href(request, job.id), "result": job.url,
            "position": job.position, "detail": detail}


def failure(job: JobView) -> JSONResponse:
    assert job.error is not None
    status, msg, kind = job.error
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else None
    return JSONResponse({"detail": [error_item((), msg, kind)]}, status_code=status, headers=headers)


def too_many(busy: FitsBusy) -> JSONResponse:
    return JSONResponse({"detail": [error_item(("query", "threshold"), busy.msg, "too_many_fits")]},
                        status_code=429, headers={"Retry-After": str(busy.retry_after)})


def answer(request: Request, job: JobView) -> Response:
    """What the bias URL says of its job: the document when done, the failure, or 202 and where to poll."""
    if job.state == "done" and job.entry is not None:
        return respond(request, job.entry, "hit")
    if job.state == "failed":
        return failure(job)
    return JSONResponse(job_body(request, job), status_code=202, headers={"Location": job_href(request, job.id)})


@router.get("/bias",
            responses={**error_responses(404, 422, 503),
                       202: {"model": FitJob, "headers": JOB_HEADERS,
                             "description": "threshold=true: the fit is queued or running; poll `href`."},
                       429: {"model": ErrorResponse, "headers": RETRY_HEADERS,
                             "description": "threshold=true: too many fits queued, in all or from this client."}},
            summary="Tests of bias: hit rates by ethnic group (outcome test) and the threshold test")
async def read_bias(request: Request, params: ScopeDep, warehouse: WarehouseDep, cache: CacheDep,
                    settings: SettingsDep, fits: FitsDep, by: By = "group", threshold: Threshold = False,
                    test: TestName = "outcome", group: Group = HEADLINE_GROUP, at: At = None, control: Control = None,
                    clock_change: ClockChange = False) -> Response:
    """Hit rates by group with Wilson 95% intervals and differences to White (outcome test); with
    `threshold=true`, also the threshold test's inferred search thresholds (slow; needs NumPyro), fitted in a
    background queue: 202 and a job to poll, then 200 here with the whole document. With `test=darkness`,
    `change` or `rates`, that test's document instead. The document `scrutiny bias --format json` prints.
    `from` and `to` default to the months loaded."""
    version = warehouse.version()
    if test != "outcome":
        if threshold or by != "group":
            raise bad_parameter("test", "threshold and by are for the outcome test: drop them, or test=outcome")
        controls = tuple(c.strip() for c in (control or "").split(",") if c.strip())
        options = TestOptions(group=group, at=at, controls=controls, clock_change=clock_change)
        check_options(test, options, params.area)
        entry, state = await cache.get(
            ("bias", test, params, options), version,
            lambda: dump(warehouse.read(lambda backend: run_test(backend, scope_of(backend, params), test, options))))
        return respond(request, entry, state)
    if group != HEADLINE_GROUP or at is not None or control or clock_change:
        raise bad_parameter("test", "group, at, control and clock_change are for test=darkness or test=change")
    if not (threshold and threshold_available()):
        entry, state = await cache.get(
            ("bias", params, by, False), version,
            lambda: dump(warehouse.read(lambda backend: document(backend, params, by, False))))
        return respond(request, entry, state)
    key = ("bias", params, by)
    job = fits.find(key, version)
    if job is None:
        client = client_address(request)
        try:
            fits.check_room(client)  # before reading anything for a fit that would be refused anyway
        except FitsBusy as busy:
            return too_many(busy)
        base, data = await run_in_threadpool(
            warehouse.read, lambda backend: fit_inputs(backend, params, by, settings))
        url = f"{request.url.path}?{request.url.query}"
        try:
            job = fits.submit(key, version, client, url, base, data)
        except FitsBusy as busy:
            return too_many(busy)
    return answer(request, job)


@router.get("/bias/jobs/{job_id}", name="read_bias_job", response_model=FitJob,
            responses={**error_responses(404, 422),
                       303: {"headers": {"Location": {"description": "The bias document's URL.",
                                                      "schema": {"type": "string"}}},
                             "description": "The fit is done: the document is at `Location` (200 there)."}},
            summary="A threshold fit's state: queued, running, done (303 to the document) or failed")
async def read_bias_job(request: Request, job_id: JobId, fits: FitsDep) -> Response:
    """The state of a fit filed by GET /api/v1/bias?threshold=true. Queued and running answer 200 with the
    state (and the place in the queue); done answers 303 to the bias document; failed answers 200 with why.
    Finished jobs are kept for a while (the most recent few dozen)."""
    job = fits.get(job_id)
    if job is None:
        raise not_found(f"no threshold fit {job_id}: it finished long ago or never was; ask the bias URL again")
    body = job_body(request, job)
    if job.state == "done":
        return JSONResponse(body, status_code=303, headers={"Location": job.url})
    return JSONResponse(body)
