"""GET /api/v1/change: did disproportionality change between two periods (the same force, area and lens)?"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import ibis
from fastapi import APIRouter, Query, Request, Response

from scrutiny.metrics.change import change_between
from scrutiny.metrics.document import metrics_document
from scrutiny.vocab.months import PATTERN as MONTH
from scrutiny.web.api.common import dump, scope_of
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, ScopeDep, ScopeParams, WarehouseDep, check_months
from scrutiny.web.errors import bad_parameter
from scrutiny.web.schemas import ChangeDocument, error_responses

router = APIRouter(tags=["metrics"])


def _month(alias: str, what: str) -> Any:
    return Query(alias=alias, pattern=MONTH, description=what)


def document(backend: ibis.BaseBackend, params: ScopeParams, before: tuple[str, str]) -> dict[str, Any]:
    after = scope_of(backend, params)
    earlier = scope_of(backend, replace(params, start=before[0], end=before[1]))
    return change_between(metrics_document(backend, earlier), metrics_document(backend, after))


@router.get("/change", response_model=ChangeDocument, responses=error_responses(404, 422, 503),
            summary="Did the ratio to White change between two periods? The ratio of the two rate ratios")
async def read_change(
    request: Request, params: ScopeDep, warehouse: WarehouseDep, cache: CacheDep,
    before_from: Annotated[str, _month("before_from", "First month of the earlier period, YYYY-MM.")],
    before_to: Annotated[str, _month("before_to", "Last month of the earlier period, YYYY-MM.")],
) -> Response:
    """For each group, its ratio to White in the earlier period (`before_from`..`before_to`) and in the later
    one (`from`..`to`, default: what is loaded), and the ratio of the two with its 95% interval
    exp(ln RRR ± 1.96 √(1/a₁ + 1/c₁ + 1/a₂ + 1/c₂)); suppressed when any of the four counts is below 10."""
    check_months(before_from, before_to)
    if params.start is not None and before_from > params.start:
        raise bad_parameter("before_from", f"the earlier period starts ({before_from}) after the later one "
                                           f"({params.start})")
    version = warehouse.version()
    entry, state = await cache.get(("change", params, before_from, before_to), version, lambda: dump(
        warehouse.read(lambda backend: document(backend, params, (before_from, before_to)))))
    return respond(request, entry, state)
