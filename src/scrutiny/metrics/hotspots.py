"""Where within an area searches concentrate (docs/metrics.md, "Hotspots within an area").

The published points (data.police.uk's anonymised snap points, never anything finer) are counted in square
cells of `CELL_METRES`, laid from the south-west corner of the area's bounding box on a local equirectangular
projection (east-west metres taken at the area's middle latitude: within a borough or authority the cells are
square to well under 1%). The area's cells are those that touch its boundary, searched or not, so "half of
the searches in X% of the area" counts the quiet cells too.

A cell *stands out* when its count is improbable for the area's other cells: a negative binomial with their
mean and variance (a Poisson when they are not over-dispersed) gives each cell the chance of a count at least
as high, and the Benjamini-Hochberg procedure keeps the expected share of false discoveries among the flagged
cells at `FALSE_DISCOVERY_RATE`. Other busy cells stay in each cell's yardstick, which makes the test cautious.
Snap points gather searches on a few streets by construction, so a cell that stands out says where the
published points cluster, not why.

A cell with fewer than `HOTSPOT_MIN_SEARCHES` searches is shown without its count (and without its p-value or
flag, which would give the count away); when only one cell is withheld, the smallest shown one is withheld too,
so the total less the shown cells does not give it away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import shapely

from scrutiny.errors import BadInput, NotFound
from scrutiny.metrics.area_rows import PSEUDO_AREAS
from scrutiny.metrics.scope import Scope, in_scope, resolve_scope, scope_json
from scrutiny.metrics.warehouse_backend import compute_metrics_with
from scrutiny.vocab.areas import region_prefix
from scrutiny.vocab.suppression import HOTSPOT_MIN_SEARCHES

CELL_METRES = 500
FALSE_DISCOVERY_RATE = 0.05
BUSIEST_SHARE = 0.10  # "the busiest 10% of cells"
BUSIEST_AREAS = 5  # a quarterly report maps the hotspots of its five busiest areas
EARTH_RADIUS_METRES = 6_371_008.8  # the mean radius (IUGG)


@dataclass(frozen=True)
class Grid:
    """Square cells of `size` metres from (`west`, `south`), east-west metres taken at latitude `middle`."""

    west: float
    south: float
    middle: float
    size: float = CELL_METRES

    def _metres_per_degree(self) -> tuple[float, float]:
        north = math.radians(1) * EARTH_RADIUS_METRES
        return north * math.cos(math.radians(self.middle)), north

    def cell(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Column and row of the cell each point lies in."""
        east, north = self._metres_per_degree()
        return (np.floor((lon - self.west) * east / self.size).astype(np.int64),
                np.floor((lat - self.south) * north / self.size).astype(np.int64))

    def bounds(self, column: np.ndarray, row: np.ndarray) -> np.ndarray:
        """(west, south, east, north) in degrees of each cell."""
        east, north = self._metres_per_degree()
        west, south = self.west + column * self.size / east, self.south + row * self.size / north
        return np.column_stack([west, south, west + self.size / east, south + self.size / north])


def grid_for(area: shapely.Geometry, size: float = CELL_METRES) -> Grid:
    west, south, _, north = shapely.bounds(area)
    return Grid(float(west), float(south), (float(south) + float(north)) / 2, size)


def area_cells(area: shapely.Geometry, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Column and row of every cell that touches the area."""
    _, _, east_edge, north_edge = shapely.bounds(area)
    last_column, last_row = grid.cell(np.array([east_edge]), np.array([north_edge]))
    column_grid, row_grid = np.meshgrid(np.arange(last_column[0] + 1), np.arange(last_row[0] + 1), indexing="ij")
    columns, rows = column_grid.ravel(), row_grid.ravel()
    boxes = shapely.box(*grid.bounds(columns, rows).T)
    touching = shapely.intersects(boxes, area)
    return columns[touching], rows[touching]


def stand_out(counts: np.ndarray, rate: float = FALSE_DISCOVERY_RATE) -> tuple[np.ndarray, np.ndarray]:
    """(p, flagged) for each cell's count among `counts` (every cell of the area, zeros included): each cell
    against a negative binomial with the mean and variance of the area's other cells (a Poisson where they are
    not over-dispersed), so a busy cell does not widen its own yardstick; Benjamini-Hochberg over the cells."""
    from scipy import stats  # here, not at the top: scipy.stats would add ~0.5 s to every server's start

    counts = np.asarray(counts, dtype=np.int64)
    n = len(counts)
    if n < 3 or counts.sum() == 0:
        return np.ones(n), np.zeros(n, bool)
    values = counts.astype(float)
    others = n - 1
    mean = (values.sum() - values) / others
    variance = np.maximum((np.sum(values ** 2) - values ** 2 - others * mean ** 2) / (others - 1), 0.0)
    at_least = counts - 1  # P(X >= k) = sf(k - 1)
    p = np.ones(n)
    spread = variance > mean
    size = mean[spread] ** 2 / (variance[spread] - mean[spread])
    p[spread] = stats.nbinom.sf(at_least[spread], size, size / (size + mean[spread]))
    poisson = ~spread & (mean > 0)
    p[poisson] = stats.poisson.sf(at_least[poisson], mean[poisson])
    p[counts == 0] = 1.0
    flagged = (stats.false_discovery_control(p, method="bh") <= rate) & (counts > 0)
    return p, flagged


def _withheld(counts: np.ndarray) -> np.ndarray:
    """Which searched cells are shown without their count: the small ones, and one more when only one is."""
    small = (counts > 0) & (counts < HOTSPOT_MIN_SEARCHES)
    if small.sum() == 1 and (counts >= HOTSPOT_MIN_SEARCHES).any():
        shown = np.flatnonzero(counts >= HOTSPOT_MIN_SEARCHES)
        small[shown[np.argmin(counts[shown])]] = True
    return small


def concentration(counts: np.ndarray, withheld: np.ndarray | None = None) -> dict[str, Any]:
    """How concentrated the searches are over the area's cells (zeros included). The busiest cells' share is
    withheld when a withheld cell is among them: with the shown counts it would give that cell's count away."""
    counts = np.asarray(counts, dtype=np.int64)
    cells, total = len(counts), int(counts.sum())
    order = np.argsort(-counts, kind="stable")
    busiest = math.ceil(cells * BUSIEST_SHARE)
    half = int(np.searchsorted(np.cumsum(counts[order]), total / 2) + 1) if total else 0
    hidden = withheld is not None and bool(withheld[order[:busiest]].any())
    return {
        "busiest_cells": busiest,
        "busiest_share_of_searches": int(counts[order[:busiest]].sum()) / total if total and not hidden else None,
        "busiest_share_suppressed": hidden,
        "cells_holding_half": half,
        "half_in_share_of_area": half / cells if total and cells else None,
    }


def _count(columns: np.ndarray, rows: np.ndarray, point_columns: np.ndarray, point_rows: np.ndarray,
           ) -> tuple[np.ndarray, int]:
    """Points per area cell (the cells given by column and row), and how many points fell in no area cell (on
    the edge, in a cell the generalised boundary misses: counted apart)."""
    height = int(max(rows.max(initial=0), point_rows.max(initial=0))) + 1
    cells = columns * height + rows  # one number per cell: rows run 0 .. height - 1
    points = point_columns * height + point_rows
    order = np.argsort(cells)
    ordered = cells[order]
    at = np.searchsorted(ordered, points)
    found = (point_columns >= 0) & (point_rows >= 0) & (at < len(ordered))
    found[found] = ordered[at[found]] == points[found]
    return np.bincount(order[at[found]], minlength=len(cells)).astype(np.int64), int((~found).sum())


def _area_shape(backend: ibis.BaseBackend, code: str) -> shapely.Geometry:
    areas = backend.table("areas")
    found = areas.filter(areas.area_code == code).select("geometry_wkb").to_pyarrow().column(0).to_pylist()
    if not found:
        raise NotFound(f"no boundary is loaded for area {code}: hotspots need the area's boundary",
                       loc=("query", "area"))
    return shapely.from_wkb(found[0])


def hotspots_document(backend: ibis.BaseBackend, scope: Scope, size: float = CELL_METRES) -> dict[str, Any]:
    """The hotspots of a checked scope (`resolve_scope`) with one area."""
    if scope.area is None:
        raise BadInput("hotspots are counted within one area: give an area (--area, or area= in the API), a borough or "
                       "local authority",
                       loc=("query", "area"))
    if region_prefix(scope.area):
        raise BadInput(f"hotspots are counted within one local authority, not across {scope.area_name}: give a "
                       "borough or district", loc=("query", "area"))
    area = _area_shape(backend, scope.area)
    grid = grid_for(area, size)
    stops = in_scope(backend.table("stop_search"), scope)
    placed = stops.filter(stops.latitude.notnull(), stops.longitude.notnull())
    points = placed.select("longitude", "latitude").to_pyarrow()
    lon = points.column("longitude").to_numpy(zero_copy_only=False)
    lat = points.column("latitude").to_numpy(zero_copy_only=False)
    columns, rows = area_cells(area, grid)
    counts, outside = _count(columns, rows, *grid.cell(lon, lat))
    p, flagged = stand_out(counts)
    withheld = _withheld(counts)
    bounds = grid.bounds(columns, rows)
    cells = [{"column": int(columns[i]), "row": int(rows[i]), "bounds": [round(float(b), 6) for b in bounds[i]],
              "searches": None if withheld[i] else int(counts[i]), "suppressed": bool(withheld[i]),
              "stands_out": None if withheld[i] else bool(flagged[i]),
              "p_value": None if withheld[i] else float(p[i])}
             for i in sorted(np.flatnonzero(counts > 0),  # busiest first, withheld cells last
                             key=lambda i: (0 if withheld[i] else -counts[i], columns[i], rows[i]))]
    return {
        "scope": scope_json(scope),
        "cell_metres": size,
        "searches": int(counts.sum()) + outside,
        "searches_in_cells": int(counts.sum()),
        "searches_outside_cells": outside,
        "cells": len(counts),
        "cells_with_searches": int((counts > 0).sum()),
        **concentration(counts, withheld),
        "cells_standing_out": int((flagged & ~withheld).sum()),
        "false_discovery_rate": FALSE_DISCOVERY_RATE,
        "grid": cells,
    }


def compute_hotspots(db: Path, scope: Scope, size: float = CELL_METRES) -> dict[str, Any]:
    """The hotspots for `scope` from the DuckDB warehouse at `db` (scope checked against it first)."""
    return compute_metrics_with(db, lambda backend: hotspots_document(backend, resolve_scope(backend, scope), size))


def busiest_hotspots(backend: ibis.BaseBackend, scope: Scope, document: dict[str, Any],
                     n: int = BUSIEST_AREAS) -> list[dict[str, Any]]:
    """The hotspots of the `n` areas with most searches in `document` (the metrics document of `scope`, a checked
    scope over several areas): its own areas only, not another force's nor the rows placed in no area; an
    area without a boundary is passed over."""
    own = [a for a in document.get("areas", [])
           if a["area_code"] not in PSEUDO_AREAS and not a.get("neighbour") and a["searches"]]
    busiest = sorted(own, key=lambda a: (-a["searches"], a["area_name"]))
    out: list[dict[str, Any]] = []
    for row in busiest:
        if len(out) == n:
            break
        area = replace(scope, area=row["area_code"], area_name=row["area_name"])
        try:
            out.append(hotspots_document(backend, area))
        except NotFound:  # no boundary for it
            continue
    return out


def compute_busiest_hotspots(db: Path, scope: Scope, document: dict[str, Any],
                             n: int = BUSIEST_AREAS) -> list[dict[str, Any]]:
    return compute_metrics_with(db, lambda backend: busiest_hotspots(backend, resolve_scope(backend, scope),
                                                                     document, n))
