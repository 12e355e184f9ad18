"""GET /api/v1/metrics: the metrics document (docs/metrics.md), exactly as `scrutiny metrics` prints it."""

from __future__ import annotations

from typing import Any

import ibis
from fastapi import APIRouter, Request, Response

from scrutiny.metrics import metrics_document
from scrutiny.web.api.common import dump, scope_of
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, ScopeDep, ScopeParams, WarehouseDep
from scrutiny.web.schemas import MetricsDocument, error_responses

router = APIRouter(tags=["metrics"])


def document(backend: ibis.BaseBackend, params: ScopeParams) -> dict[str, Any]:
    """Fill in a missing month range with what is loaded, check the area, then ask metrics/ for the figures."""
    scope = scope_of(backend, params)
    return metrics_document(backend, scope)


@router.get(
    "/metrics", response_model=MetricsDocument, responses=error_responses(404, 422, 503),
    summary="The scrutiny figures for a force or area and a month range",
)
async def read_metrics(request: Request, params: ScopeDep, warehouse: WarehouseDep, cache: CacheDep) -> Response:
    """Searches, what they were for against the targets, outcomes, age, strip searches and
    disproportionality with 95% intervals: the document `scrutiny metrics --format json` prints.
    `from` and `to` default to the first and last month loaded for the force."""
    version = warehouse.version()
    entry, state = await cache.get(("metrics", params), version,
                                   lambda: dump(warehouse.read(lambda backend: document(backend, params))))
    return respond(request, entry, state)
