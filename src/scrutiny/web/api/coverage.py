"""GET /api/v1/coverage: which force-months are loaded, missing between a force's first and last, or small."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from scrutiny.metrics.coverage import coverage_table
from scrutiny.metrics.scope import ALL_FORCES
from scrutiny.web.api.common import dump
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, ForcesFilter, From, To, WarehouseDep, check_months
from scrutiny.web.schemas import ForceMonthsCoverage, error_responses

router = APIRouter(tags=["loaded data"])


@router.get("/coverage", response_model=list[ForceMonthsCoverage], responses=error_responses(422, 503),
            summary="Force × month coverage: loaded, missing (never zero) and suspiciously small months")
async def read_coverage(request: Request, warehouse: WarehouseDep, cache: CacheDep, force: ForcesFilter = ALL_FORCES,
                        start: From = None, end: To = None) -> Response:
    """For each force, every month from its first to its last loaded month (within `from`..`to` if given):
    `loaded`, `missing` (nothing loaded: a gap, not zero searches) or `small` (fewer searches than a fifth of
    the median of the force's loaded months among the 12 before)."""
    check_months(start, end)
    version = warehouse.version()
    entry, state = await cache.get(("coverage", force, start, end), version, lambda: dump(
        warehouse.read(lambda backend: coverage_table(backend, force, start, end))))
    return respond(request, entry, state)
