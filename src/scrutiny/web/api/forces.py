"""GET /api/v1/forces: every data.police.uk force, with what of it is loaded and its figures for a period."""

from __future__ import annotations

from typing import Any

import ibis
from fastapi import APIRouter, Request, Response

from scrutiny.catalog import forces
from scrutiny.errors import ScrutinyError
from scrutiny.metrics.forces_table import forces_table, national_scope
from scrutiny.metrics.scope import resolve_scope
from scrutiny.metrics.selection import loaded_range
from scrutiny.vocab.months import default_period
from scrutiny.warehouse.status import force_months
from scrutiny.web.api.common import dump
from scrutiny.web.cache import respond
from scrutiny.web.deps import Basis, CacheDep, From, Power, Purpose, To, WarehouseDep, check_months, check_power
from scrutiny.web.schemas import ForceInfo, error_responses

router = APIRouter(tags=["loaded data"])


def _figures(backend: ibis.BaseBackend, start: str | None, end: str | None, ethnicity: str, purpose: str | None,
             power: str | None) -> dict[str, dict[str, Any]]:
    """Each force's figures for the period (default: scrutiny.vocab.months.default_period over every force)."""
    if start is None or end is None:
        loaded = loaded_range(backend, "all")
        if loaded is None:
            return {}
        default_start, default_end = default_period(loaded[0], end or loaded[1])
        start, end = start or default_start, end or default_end
    try:
        scope = resolve_scope(backend, national_scope(start, end, ethnicity, purpose, power))
    except ScrutinyError:  # nothing loaded in the period: every force has no figures
        return {}
    table = forces_table(backend, scope)
    period = {k: table[k] for k in ("from", "to", "ethnicity", "purpose", "power")}
    return {row["force"]: {**period, **row} for row in table["forces"]}


def force_list(backend: ibis.BaseBackend, start: str | None = None, end: str | None = None,
               ethnicity: str = "self", purpose: str | None = None, power: str | None = None) -> list[dict[str, Any]]:
    loaded = {f.force: f for f in force_months(backend.con)}
    figures = _figures(backend, start, end, ethnicity, purpose, power)
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
            "figures": figures.get(force.id),
        })
    return out


@router.get("/forces", response_model=list[ForceInfo], responses=error_responses(422, 503),
            summary="Forces: the months loaded for each, and each one's figures for a period and lens")
async def read_forces(request: Request, warehouse: WarehouseDep, cache: CacheDep, start: From = None, end: To = None,
                      ethnicity: Basis = "self", purpose: Purpose = None, power: Power = None) -> Response:
    """Every data.police.uk force. `figures` (null for a force with no searches in the period) holds its
    searches, rate per 1,000 residents, Black/White ratio with its 95% interval, drugs share, find rate and
    months covered for `from`..`to` (default: the latest 12 months loaded for any force, not before the first
    month loaded), the lens applied: each equal to the force's own `/api/v1/metrics` document for the same period
    and lens."""
    check_months(start, end)
    power = check_power(power)
    version = warehouse.version()
    entry, state = await cache.get(("forces", start, end, ethnicity, purpose, power), version, lambda: dump(
        warehouse.read(lambda backend: force_list(backend, start, end, ethnicity, purpose, power))))
    return respond(request, entry, state)
