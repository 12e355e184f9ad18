"""What the pages need from the warehouse besides the figures: which forces and months are loaded, a force's
areas, the area outlines for the maps, and what `/methods` lists as loaded.

These are listings, not figures (every number a page shows comes from the metrics document). They are read
through the app's `Warehouse` (read-only, a bounded number at once, waiting out an ingest's lock) with the
metrics layer's listing functions, and kept until the warehouse's version changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, TypeVar

import ibis
import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from scrutiny.catalog import force_name as catalog_force_name
from scrutiny.metrics.lens import power_names, powers_of
from scrutiny.metrics.scope import ALL_FORCES, of_force
from scrutiny.metrics.selection import known_areas, loaded_months
from scrutiny.warehouse.status import ForceMonths, ReferenceSource, force_months, reference_sources
from scrutiny.web.deps import Warehouse

SIMPLIFY = 0.0004  # degrees (about 30 m): outlines stay true at dashboard size, the inline GeoJSON stays small
NATIONAL_SIMPLIFY = 0.005  # degrees (about 400 m): 43 forces on one map, a page the size of a borough map's
DIGITS = 5  # about 1 m

T = TypeVar("T")


@dataclass(frozen=True)
class LoadedForce:
    id: str
    name: str
    months: tuple[str, ...]  # YYYY-MM, ascending


@dataclass(frozen=True)
class Area:
    code: str
    name: str


_cache: dict[Hashable, tuple[Any, Any]] = {}
_lock = threading.Lock()


def _cached(warehouse: Warehouse, key: tuple[Any, ...], work: Callable[[ibis.BaseBackend], T]) -> T:
    """`work` on the warehouse, or its answer from before if the warehouse has not changed since (no warehouse
    yet: `Warehouse.version` raises Unavailable, which the pages answer with 503)."""
    version = warehouse.version()
    full = (str(warehouse.db), *key)
    with _lock:
        hit = _cache.get(full)
    if hit is not None and hit[0] == version:
        kept: T = hit[1]
        return kept
    value = warehouse.read(work)
    with _lock:
        _cache[full] = (version, value)
    return value


def force_name(force: str) -> str:
    return "All forces" if force == ALL_FORCES else catalog_force_name(force)


def loaded_forces(warehouse: Warehouse) -> list[LoadedForce]:
    """Forces with stop and search data loaded, by name; "All forces" first when more than one is loaded."""

    def work(backend: ibis.BaseBackend) -> list[LoadedForce]:
        months: dict[str, set[str]] = {}
        for row in loaded_months(backend):
            months.setdefault(row["force"], set()).add(row["month"])
        out = sorted((LoadedForce(f, force_name(f), tuple(sorted(m))) for f, m in months.items()),
                     key=lambda f: f.name)
        if len(out) > 1:
            every = tuple(sorted({m for f in out for m in f.months}))
            out.insert(0, LoadedForce(ALL_FORCES, force_name(ALL_FORCES), every))
        return out

    return _cached(warehouse, ("forces",), work)


def force_areas(warehouse: Warehouse, force: str) -> list[Area]:
    """The areas (boroughs) a force's searches were placed in, by name."""

    def work(backend: ibis.BaseBackend) -> list[Area]:
        return [Area(a["area_code"], a["area_name"]) for a in known_areas(backend, force)
                if a["searches"] > 0 and a["area_code"] != "unknown"]

    return _cached(warehouse, ("areas", force), work)


def force_powers(warehouse: Warehouse, force: str) -> list[str]:
    """The power keys some search of the force (any month) was made under, in catalogue order: the choices
    the power picker offers, so it lists no power with nothing to show."""

    def work(backend: ibis.BaseBackend) -> list[str]:
        stops = backend.table("stop_search")
        published = stops.filter(*of_force(stops, force)).select("legislation").distinct().to_pandas().legislation
        present = set(powers_of(published))
        return [key for key in power_names() if key in present]

    return _cached(warehouse, ("powers", force), work)


def _feature(code: str, name: str, geometry: BaseGeometry, tolerance: float = SIMPLIFY) -> dict[str, Any]:
    """A GeoJSON feature with d3's winding (exterior rings clockwise), simplified and rounded."""
    simple = shapely.transform(geometry.simplify(tolerance, preserve_topology=True), lambda xy: np.round(xy, DIGITS))
    polygons = getattr(simple, "geoms", [simple])
    wound = shapely.MultiPolygon([orient(p, sign=-1.0) for p in polygons if p.geom_type == "Polygon"])
    return {"type": "Feature", "geometry": mapping(wound), "properties": {"area_code": code, "area_name": name}}


def outlines(warehouse: Warehouse, codes: Sequence[str]) -> list[dict[str, Any]]:
    """GeoJSON features (WGS84) for those of `codes` that have a boundary in the warehouse's `areas` table."""

    def work(backend: ibis.BaseBackend) -> dict[str, dict[str, Any]]:
        rows = backend.table("areas").select("area_code", "area_name", "geometry_wkb").to_pyarrow().to_pylist()
        return {r["area_code"]: _feature(r["area_code"], r["area_name"], shapely.from_wkb(r["geometry_wkb"]))
                for r in rows}

    every = _cached(warehouse, ("outlines",), work)
    return [every[c] for c in codes if c in every]


def force_outlines(warehouse: Warehouse) -> list[dict[str, Any]]:
    """One GeoJSON feature per force (`area_code` is its id): the union of its authorities' outlines in the ONS
    lookup. An authority whose code is newer than the lookup (North and West Northamptonshire, 2021) joins the
    force, among those with authorities, whose searches are most often placed there, so the map has no holes
    (England and Wales only: a search snapped to a point in Scotland does not give a force a Scottish council)."""

    def work(backend: ibis.BaseBackend) -> list[dict[str, Any]]:
        if not {"areas", "force_areas"} <= set(backend.list_tables()):
            return []
        rows = backend.con.execute("""
            WITH known AS (SELECT la_code, min(force) AS force FROM force_areas GROUP BY la_code),
            guessed AS (
                SELECT area_code, arg_max(force, n) AS force FROM (
                    SELECT area_code, force, count(*) AS n FROM stop_search
                    WHERE area_code IN (SELECT area_code FROM areas WHERE regexp_matches(area_code, '^[EW]')
                                        EXCEPT SELECT la_code FROM known)
                      AND force IN (SELECT force FROM known)
                    GROUP BY ALL)
                GROUP BY area_code)
            SELECT coalesce(k.force, g.force) AS force, a.geometry_wkb FROM areas a
            LEFT JOIN known k ON k.la_code = a.area_code LEFT JOIN guessed g ON g.area_code = a.area_code
            WHERE coalesce(k.force, g.force) IS NOT NULL ORDER BY 1""").fetchall()
        parts: dict[str, list[BaseGeometry]] = {}
        for force, wkb in rows:
            parts.setdefault(force, []).append(shapely.from_wkb(wkb))
        # Simplified together (shapely's coverage simplification keeps a shared border shared): simplified one
        # by one, the Metropolitan Police's outline covered a sixth of the City's.
        joined = shapely.coverage_simplify(np.array([shapely.union_all(shapes) for shapes in parts.values()]),
                                           NATIONAL_SIMPLIFY)
        return [_feature(force, force_name(force), outline, 0.0) for force, outline in zip(parts, joined, strict=True)]

    return _cached(warehouse, ("force outlines",), work)


@dataclass(frozen=True)
class Holdings:
    """What `/methods` lists: force-months loaded and the reference files, by file name only."""

    forces: list[ForceMonths]
    references: list[ReferenceSource]


def holdings(warehouse: Warehouse) -> Holdings:
    def work(backend: ibis.BaseBackend) -> Holdings:
        con = backend.con  # the DuckDB connection under Ibis's DuckDB backend
        references = [ReferenceSource(r.kind, r.unit, PurePath(r.file).name, r.rows, r.loaded_at, r.synthetic)
                      for r in reference_sources(con)]
        return Holdings(force_months(con), references)

    return _cached(warehouse, ("holdings",), work)
