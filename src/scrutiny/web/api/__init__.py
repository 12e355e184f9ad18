"""The open JSON API under /api/v1/: one router per resource, gathered here."""

from __future__ import annotations

from fastapi import APIRouter

from scrutiny.web.api import (
    areas,
    bias,
    change,
    coverage,
    crime,
    docs,
    forces,
    hotspots,
    metrics,
    months,
    revisions,
    searches,
    use_of_force,
)

PREFIX = "/api/v1"

router = APIRouter(prefix=PREFIX)
for module in (metrics, crime, use_of_force, hotspots, change, bias, forces, coverage, areas, months, revisions,
               searches, docs):
    router.include_router(module.router)

__all__ = ["PREFIX", "router"]
