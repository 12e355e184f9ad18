"""Area outlines for the report's map: read from the warehouse `areas` table, projected to SVG paths.

The projection is equirectangular with longitude scaled by cos(51.5°), London's latitude: at the scale of
a city it keeps shapes true to within a fraction of a percent, and needs no projection library.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from scrutiny.metrics.warehouse_backend import compute_metrics_with
from scrutiny.report.charts import WIDTH, MapPath, Square
from scrutiny.sources.boundaries import Area

LATITUDE = 51.5
SHRINK = math.cos(math.radians(LATITUDE))


def load_shapes(db: Path) -> list[Area]:
    """Every area in the warehouse (WGS84 longitude/latitude), by code; empty when none are loaded."""
    def read(backend: ibis.BaseBackend) -> list[tuple[str, str, bytes]]:
        if "areas" not in backend.list_tables():
            return []
        areas = backend.table("areas").select("area_code", "area_name", "geometry_wkb").order_by("area_code")
        return [(str(r["area_code"]), str(r["area_name"]), bytes(r["geometry_wkb"]))
                for r in areas.to_pyarrow().to_pylist()]

    return [Area(code, name, shapely.from_wkb(wkb)) for code, name, wkb in compute_metrics_with(db, read)]


def project(areas: Sequence[Area], width: float = WIDTH, tolerance: float = 0.4) -> tuple[list[MapPath], float]:
    """SVG paths fitted to `width` (north up) and the height they need; outlines simplified to `tolerance` px."""
    if not areas:
        return [], 0.0
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds([a.geometry for a in areas])
    scale = width / max((max_lon - min_lon) * SHRINK, 1e-9)

    def to_svg(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack(((coords[:, 0] - min_lon) * SHRINK * scale, (max_lat - coords[:, 1]) * scale))

    paths = []
    for area in areas:
        flat = shapely.transform(area.geometry, to_svg).simplify(tolerance, preserve_topology=True)
        paths.append(MapPath(area.code, area.name, _path_data(flat)))
    return paths, float((max_lat - min_lat) * scale)


def project_hotspots(outline: Area, cells: Sequence[dict[str, Any]], width: float = WIDTH,
                     max_height: float = 0.8 * WIDTH) -> tuple[MapPath, list[Square], float]:
    """An area's outline and its hotspot cells (`metrics.hotspots` grid rows) on one projection, narrower than
    `width` when a tall area would otherwise be taller than `max_height`."""
    boxes = [Area(f"cell-{i}", "", shapely.box(*cell["bounds"])) for i, cell in enumerate(cells)]
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds([a.geometry for a in (outline, *boxes)])
    tall = (max_lat - min_lat) / max((max_lon - min_lon) * SHRINK, 1e-9)
    paths, height = project([outline, *boxes], min(width, max_height / max(tall, 1e-9)))
    squares = [Square(path, cell["searches"], bool(cell["stands_out"]))
               for path, cell in zip(paths[1:], cells, strict=True)]
    return paths[0], squares, height


def _path_data(geometry: BaseGeometry) -> str:
    parts: list[str] = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:-1]
            parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)
