"""GET /api/v1/crime: recorded crime and justice outcomes, exactly as `scrutiny crime` prints them."""

from __future__ import annotations

from typing import Annotated, Any

import ibis
from fastapi import APIRouter, Query, Request, Response

from scrutiny.metrics.crime import CrimeScope, crime_document, crime_months, resolve_crime_scope
from scrutiny.web.api.common import dump
from scrutiny.web.cache import respond
from scrutiny.web.deps import Area, CacheDep, Force, From, To, WarehouseDep, check_forces, check_months
from scrutiny.web.errors import not_found
from scrutiny.web.schemas import error_responses
from scrutiny.web.schemas_crime import CrimeDocument

router = APIRouter(tags=["crime"])
CrimeType = Annotated[str | None, Query(alias="type", min_length=1, max_length=100,
                                        description="Only this crime type, as published (e.g. Drugs); any case.")]


def document(backend: ibis.BaseBackend, force: str, area: str | None, start: str | None, end: str | None,
             crime_type: str | None) -> dict[str, Any]:
    """A missing month range is the months of street crime loaded for the force."""
    if start is None or end is None:
        loaded = crime_months(backend, force)
        if loaded is None:
            raise not_found(f"no street crime loaded for {force}", "force")
        start, end = start or loaded[0], end or loaded[1]
    return crime_document(backend, resolve_crime_scope(backend, CrimeScope(force, start, end, area, None, crime_type)))


@router.get("/crime", response_model=CrimeDocument, responses=error_responses(404, 422, 503),
            summary="Recorded crime by type and month, and what happened to drug crimes afterwards")
async def read_crime(request: Request, warehouse: WarehouseDep, cache: CacheDep, force: Force, area: Area = None,
                     start: From = None, end: To = None, crime_type: CrimeType = None) -> Response:
    """From data.police.uk's street-level crime and outcomes files: crimes by type and month (anti-social
    behaviour apart), the outcome mix of drug crimes (latest outcome per crime and every outcome event, with
    Wilson 95% intervals), the shares charged and with no further action, the months to a first outcome,
    drug searches per recorded drug crime, and how much has linked so far per force-month."""
    check_months(start, end)
    forces = check_forces(force)
    key = ("crime", forces, area, start, end, crime_type)
    entry, state = await cache.get(key, warehouse.version(), lambda: dump(warehouse.read(
        lambda backend: document(backend, forces, area.strip() if area else None, start, end, crime_type))))
    return respond(request, entry, state)
