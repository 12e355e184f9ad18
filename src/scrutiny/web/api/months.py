"""GET /api/v1/months: each force-month loaded, where it came from and whether it is synthetic."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from scrutiny.metrics.selection import loaded_months
from scrutiny.web.api.common import dump
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, ForceFilterDep, WarehouseDep
from scrutiny.web.schemas import MonthInfo, error_responses

router = APIRouter(tags=["loaded data"])


@router.get("/months", response_model=list[MonthInfo], responses=error_responses(422, 503),
            summary="Force-months loaded: rows, rejected rows, archive or API, synthetic")
async def read_months(request: Request, force: ForceFilterDep, warehouse: WarehouseDep, cache: CacheDep) -> Response:
    version = warehouse.version()
    entry, state = await cache.get(("months", force), version,
                                   lambda: dump(warehouse.read(lambda backend: loaded_months(backend, force))))
    return respond(request, entry, state)
