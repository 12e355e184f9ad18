"""GET /api/v1/bias: the tests of bias document, exactly as `scrutiny bias --format json` prints it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import ibis
from fastapi import APIRouter, Query, Request, Response

from scrutiny.bias.document import bias_document
from scrutiny.web.api.common import dump, scope_of
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, ScopeDep, ScopeParams, WarehouseDep
from scrutiny.web.schemas import error_responses

router = APIRouter(tags=["bias"])

By = Annotated[Literal["group", "area"], Query(description="group: over the whole scope; area: also per area.")]
Threshold = Annotated[
    bool, Query(description="Also run the threshold test (Bayesian, slow: tens of seconds or more; needs NumPyro).")
]


def document(backend: ibis.BaseBackend, params: ScopeParams, by: str, threshold: bool) -> dict[str, Any]:
    """The same scope rules as /api/v1/metrics (missing months are what is loaded), then bias/ for the figures."""
    scope = scope_of(backend, params)
    return bias_document(backend, scope, by_area=by == "area", run_threshold=threshold)


@router.get("/bias", responses=error_responses(404, 422, 503),
            summary="Tests of bias: hit rates by ethnic group (outcome test) and the threshold test")
async def read_bias(request: Request, params: ScopeDep, warehouse: WarehouseDep, cache: CacheDep,
                    by: By = "group", threshold: Threshold = False) -> Response:
    """Hit rates by group with Wilson 95% intervals and differences to White (outcome test); with
    `threshold=true`, also the threshold test's inferred search thresholds (slow; needs NumPyro). The
    document `scrutiny bias --format json` prints. `from` and `to` default to the months loaded."""
    version = warehouse.version()
    entry, state = await cache.get(
        ("bias", params, by, threshold), version,
        lambda: dump(warehouse.read(lambda backend: document(backend, params, by, threshold))))
    return respond(request, entry, state)
