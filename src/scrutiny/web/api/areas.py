"""GET /api/v1/areas: the areas (boroughs) known to the warehouse, optionally those of one force."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from scrutiny.metrics.selection import known_areas
from scrutiny.web.api.common import dump
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, ForceFilterDep, WarehouseDep
from scrutiny.web.schemas import AreaInfo, error_responses

router = APIRouter(tags=["loaded data"])


@router.get("/areas", response_model=list[AreaInfo], responses=error_responses(422, 503),
            summary="Areas with a boundary or with searches (of one force, with ?force=)")
async def read_areas(request: Request, force: ForceFilterDep, warehouse: WarehouseDep, cache: CacheDep) -> Response:
    version = warehouse.version()
    entry, state = await cache.get(("areas", force), version,
                                   lambda: dump(warehouse.read(lambda backend: known_areas(backend, force))))
    return respond(request, entry, state)
