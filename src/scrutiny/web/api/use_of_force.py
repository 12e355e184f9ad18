"""GET /api/v1/use-of-force: use of force and Taser for a force (or England and Wales) in one financial year,
exactly as `scrutiny force-use --format json` prints it (docs/metrics.md, "Use of force")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from scrutiny.metrics.scope import ALL_FORCES
from scrutiny.metrics.use_of_force import EXAMPLE_YEAR, use_of_force_document
from scrutiny.web.api.common import dump
from scrutiny.web.cache import respond
from scrutiny.web.deps import FORCE_IDS, CacheDep, WarehouseDep
from scrutiny.web.schemas import error_responses
from scrutiny.web.schemas_use_of_force import UseOfForceDocument

router = APIRouter(tags=["use of force"])

# The values are checked by metrics.use_of_force, so a mistake gets its own message (a close force id, how to write
# the year, the years loaded) rather than a bare pattern mismatch.
UseOfForceForce = Annotated[str, Query(
    description="data.police.uk force id (GET /api/v1/forces), or `all` for England and Wales.", min_length=1,
    max_length=64, json_schema_extra={"enum": [*FORCE_IDS, ALL_FORCES]})]
FinancialYear = Annotated[str, Query(
    description=f"Financial year, April to March, written like {EXAMPLE_YEAR}.", min_length=1, max_length=20,
    examples=[EXAMPLE_YEAR])]


@router.get("/use-of-force", response_model=UseOfForceDocument, responses=error_responses(404, 422, 503),
            summary="Use of force and Taser in a financial year: by perceived ethnicity, on children, beside stop "
                    "and search")
async def read_use_of_force(request: Request, warehouse: WarehouseDep, cache: CacheDep, force: UseOfForceForce,
                            year: FinancialYear) -> Response:
    """From the Home Office's police use of force statistics: incidents and tactic uses per 1,000 residents (2021
    Census), by perceived ethnicity with the ratio to White, its 95% interval and the bounds unknown ethnicity
    allows; by age and on children; Taser by type, the share fired and uses on children over the years; beside
    England and Wales and the force's own stop-and-search ratios for the same year; revisions between releases,
    what a year's releases lack, and the caveats. 422: a force id or a year that cannot be right; 404: a year or
    figures not loaded."""
    key = ("use-of-force", force, year)
    entry, state = await cache.get(key, warehouse.version(), lambda: dump(warehouse.read(
        lambda backend: use_of_force_document(backend, force, year))))
    return respond(request, entry, state)
