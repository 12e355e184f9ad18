"""GET /api/v1/forces: every data.police.uk force, with what of it is loaded."""

from __future__ import annotations

from typing import Any

import ibis
from fastapi import APIRouter, Request, Response

from scrutiny.catalog import forces
from scrutiny.warehouse.status import force_months
from scrutiny.web.api.common import dump
from scrutiny.web.cache import respond
from scrutiny.web.deps import CacheDep, WarehouseDep
from scrutiny.web.schemas import ForceInfo, error_responses

router = APIRouter(tags=["loaded data"])


def force_list(backend: ibis.BaseBackend) -> list[dict[str, Any]]:
    loaded = {f.force: f for f in force_months(backend.con)}
    out = []
    for force in forces().values():
        held = loaded.get(force.id)
        months = sorted(held.months) if held else []
        out.append({
            "id": force.id, "name": force.name, "pfa_code": force.pfa_code, "months": len(months),
            "first_month": months[0].strftime("%Y-%m") if months else None,
            "last_month": months[-1].strftime("%Y-%m") if months else None,
            "rows": held.rows if held else 0, "rejected": held.rejects if held else 0,
            "sources": held.sources if held else [], "synthetic": held.synthetic if held else False,
        })
    return out


@router.get("/forces", response_model=list[ForceInfo], responses=error_responses(503),
            summary="Forces, with the months of searches loaded for each")
async def read_forces(request: Request, warehouse: WarehouseDep, cache: CacheDep) -> Response:
    version = warehouse.version()
    entry, state = await cache.get(("forces",), version, lambda: dump(warehouse.read(force_list)))
    return respond(request, entry, state)
