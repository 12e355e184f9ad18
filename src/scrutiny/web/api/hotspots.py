"""GET /api/v1/hotspots: where within an area searches concentrate, exactly as `scrutiny hotspots` prints it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from scrutiny.metrics.hotspots import hotspots_document
from scrutiny.web.api.common import dump, scope_of
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, ScopeDep, WarehouseDep
from scrutiny.web.schemas import error_responses
from scrutiny.web.schemas_hotspots import HotspotsDocument

router = APIRouter(tags=["hotspots"])


@router.get("/hotspots", response_model=HotspotsDocument, responses=error_responses(404, 422, 503),
            summary="Where within an area searches concentrate (500 m cells)")
async def read_hotspots(request: Request, params: ScopeDep, warehouse: WarehouseDep, cache: CacheDep) -> Response:
    """An area's searches counted in 500 m cells at the points data.police.uk publishes: the share of the area
    holding half of them, the busiest tenth's share, and the cells that stand out against the area's other cells
    (negative binomial, Benjamini-Hochberg at 5%). A cell under 5 searches is shown without its count. `area` is
    required; `from` and `to` default to the months loaded for the force."""
    entry, state = await cache.get(("hotspots", params), warehouse.version(), lambda: dump(warehouse.read(
        lambda backend: hotspots_document(backend, scope_of(backend, params)))))
    return respond(request, entry, state)
