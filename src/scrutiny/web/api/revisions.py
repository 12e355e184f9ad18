"""GET /api/v1/revisions: what republished files changed, as `scrutiny status --revisions --format json` prints it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from scrutiny.metrics.revisions import revisions_with
from scrutiny.metrics.scope import ALL_FORCES, normalise_forces
from scrutiny.web.api.common import dump
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, WarehouseDep
from scrutiny.web.schemas import error_responses
from scrutiny.web.schemas_revisions import Revisions

router = APIRouter(tags=["loaded data"])

RevisedForce = Annotated[str, Query(
    description="data.police.uk force id, several joined by commas, or `all`.", min_length=1, max_length=2000,
    json_schema_extra={"examples": ["metropolitan", ALL_FORCES]})]


@router.get("/revisions", response_model=Revisions, responses=error_responses(422, 503),
            summary="Force-months that republished files replaced: searches before and after, by purpose and group")
async def read_revisions(request: Request, warehouse: WarehouseDep, cache: CacheDep,
                         force: RevisedForce = ALL_FORCES) -> Response:
    """data.police.uk republishes earlier months. Each time a loaded force-month is replaced by a revised file,
    its searches before and after are kept, by purpose and by self-defined ethnic group, newest first. 422: an
    unknown force id."""
    spec = normalise_forces(force)
    key = ("revisions", spec)
    entry, state = await cache.get(key, warehouse.version(), lambda: dump(
        {"force": spec, "revisions": warehouse.read(lambda backend: revisions_with(backend, spec))}))
    return respond(request, entry, state)



