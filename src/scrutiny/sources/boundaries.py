"""Area boundaries (GeoJSON) and the point-in-polygon index that puts each search in a borough.

Coordinates must be longitude/latitude in degrees, because data.police.uk locations are: a file in
British National Grid metres would put every point outside every area, so it is refused instead.

Several files can be loaded side by side (London's exact borough outlines beside ONS's generalised outlines of
every authority of England and Wales). A point inside areas of two files goes to the file drawn in more detail
(more outline points per degree of outline), so a generalised neighbour never takes a point from an exact
borough; within one file, a point on a shared border goes to the lowest code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import Head, Recognised, SourceKind, Table, TableRows
from scrutiny.sources.json_depth import load_json

# RFC 7946 GeoJSON is CRS84 when it names no CRS; GDAL writes EPSG:4326 but keeps longitude first.
_DEGREES_CRS = re.compile(r"(urn:ogc:def:crs:OGC:[\d.]*:CRS84|urn:ogc:def:crs:EPSG:[\d.]*:4326|EPSG:4326)")
_CODE_KEYS = ("CODE", "code", "area_code")
_NAME_KEYS = ("NAME", "name", "area_name")
# ONS boundary files: LAD22CD/LAD22NM, WD21CD/WD21NM, PFA20CD/PFA20NM, CTRY21CD...
_ONS_CODE = re.compile(r"[A-Z]{2,6}\d{2}CD")
_AREAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    geometry: BaseGeometry
    source: str = ""  # the file it came from: areas of the more detailed file win where files overlap


def detail(geometries: Sequence[BaseGeometry]) -> float:
    """Outline points per degree of outline: how finely a file draws its areas (a generalised file, fewer)."""
    length = float(shapely.length(np.asarray(geometries, dtype=object)).sum())
    points = int(shapely.get_num_coordinates(np.asarray(geometries, dtype=object)).sum())
    return points / length if length > 0 else 0.0


def sniff_boundaries(path: Path, head: str) -> bool:
    """True for a GeoJSON FeatureCollection (judged by its start; the whole file is checked on reading)."""
    text = head.removeprefix("\ufeff").lstrip()
    return text.startswith("{") and re.search(r'"type"\s*:\s*"FeatureCollection"', text) is not None


def read_boundaries(path: Path) -> list[Area]:
    """Every feature as an Area, in file order; refuse anything that would misplace points."""
    path = Path(path)
    document = _load(path)
    _check_crs(path, document.get("crs"))
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise SourceRefused(path, "no features")
    areas = [_area(path, number, feature) for number, feature in enumerate(features, start=1)]
    _check_unique(path, areas)
    _check_degrees(path, areas)
    return areas


def _load(path: Path) -> dict[str, Any]:
    try:
        document = load_json(path, path.read_bytes(), encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceRefused(path, f"not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise SourceRefused(path, f"not JSON: line {error.lineno}, column {error.colno}: {error.msg}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise SourceRefused(path, "not a GeoJSON FeatureCollection")
    return document


def _check_crs(path: Path, crs: object) -> None:
    if crs is None:
        return
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
    if not isinstance(name, str) or not _DEGREES_CRS.fullmatch(name.strip()):
        raise SourceRefused(
            path, f"coordinate system {name or crs!r} is not WGS84 longitude/latitude (CRS84 or EPSG:4326)"
        )


def _area(path: Path, number: int, feature: object) -> Area:
    """One feature: its code, name and polygonal geometry."""
    if not isinstance(feature, dict):
        raise SourceRefused(path, f"feature {number}: not a GeoJSON object")
    properties = feature.get("properties") or {}
    code = _property(properties, _CODE_KEYS, "CD")
    if not code:
        raise SourceRefused(path, f"feature {number}: no area code (a CODE, code or ONS ...CD property)")
    name = _property(properties, _NAME_KEYS, "NM") or code
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in _AREAL:
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        raise SourceRefused(path, f"feature {number} ({code}): geometry {kind!r} is not a polygon")
    try:
        shaped = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as error:
        raise SourceRefused(path, f"feature {number} ({code}): bad geometry: {error}") from None
    if not shaped.is_valid:
        shaped = shapely.make_valid(shaped)
    return Area(code, name, shaped, path.name)


def _property(properties: dict[str, Any], keys: Sequence[str], ons_suffix: str) -> str | None:
    """The first of `keys` present, else the ONS-style property (e.g. LAD22CD / LAD22NM)."""
    for key in keys:
        if properties.get(key) not in (None, ""):
            return str(properties[key]).strip()
    for key, value in properties.items():
        if _ONS_CODE.fullmatch(key[:-2] + "CD") and key.endswith(ons_suffix) and value not in (None, ""):
            return str(value).strip()
    return None


def _check_unique(path: Path, areas: list[Area]) -> None:
    seen: dict[str, int] = {}
    for number, area in enumerate(areas, start=1):
        first = seen.setdefault(area.code, number)
        if first != number:
            raise SourceRefused(path, f"feature {number}: code {area.code} repeats feature {first}")


def _check_degrees(path: Path, areas: list[Area]) -> None:
    """Projected coordinates (metres) look like huge degrees; refuse them rather than match nothing."""
    xmin, ymin, xmax, ymax = shapely.total_bounds([area.geometry for area in areas])
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise SourceRefused(
            path,
            f"coordinates span x {xmin:.0f}..{xmax:.0f}, y {ymin:.0f}..{ymax:.0f}: not longitude/latitude in degrees",
        )


class Boundaries:
    """Area boundaries (GeoJSON). A file replaces the areas of the earlier file of its name; where two files
    have an area's code, the warehouse keeps the outline drawn with more points (`warehouse.areas.keep_finest`),
    then places every stored stop again."""

    kind = SourceKind.BOUNDARIES
    label = "boundaries"
    table = Table("areas")
    load_order = 1  # before stops, so new stops are placed with the new boundaries
    rejects_nul_lines = False

    def recognise(self, head: Head) -> Recognised | None:
        if not sniff_boundaries(head.path, head.text):
            return None
        return Recognised(head.path, self.kind, source=self)

    def unit(self, item: Recognised) -> str:
        return f"{self.kind}/{item.path.name}"

    def read(self, item: Recognised) -> TableRows:
        areas = read_boundaries(item.path)
        return TableRows(replaces={"source": item.path.name}, rows=pa.table({
            "area_code": [a.code for a in areas],
            "area_name": [a.name for a in areas],
            "geometry_wkb": pa.array([shapely.to_wkb(a.geometry) for a in areas], pa.binary()),
            "source": [item.path.name] * len(areas),
        }))


BOUNDARIES = Boundaries()


class AreaIndex:
    """Which area contains each point, many points at a time.

    An STRtree of the areas narrows each point to the areas whose bounding box holds it; the exact test
    then runs per area on prepared geometry over arrays of coordinates, which is ~20x faster than asking
    the tree for the "intersects" predicate point by point.
    """

    def __init__(self, areas: Sequence[Area]) -> None:
        self.areas = list(areas)
        self._geometries = np.array([area.geometry for area in self.areas], dtype=object)
        shapely.prepare(self._geometries)
        self._tree = shapely.STRtree(self._geometries)
        # A point in two areas goes to the one from the more detailed file; on a shared border within a file, to
        # the lowest code, always.
        sources = {area.source for area in self.areas}
        finer = {s: -detail([a.geometry for a in self.areas if a.source == s]) for s in sources}
        order = sorted(range(len(self.areas)), key=lambda i: (finer[self.areas[i].source], self.areas[i].code))
        self._rank = np.empty(len(self.areas), dtype=np.int64)
        self._rank[order] = np.arange(len(self.areas))

    def assign(self, latitude: npt.ArrayLike, longitude: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Index into `areas` of the area containing each point; -1 outside every area or NaN."""
        lat = np.asarray(latitude, dtype=np.float64)
        lon = np.asarray(longitude, dtype=np.float64)
        if lat.shape != lon.shape:
            raise ValueError(f"latitude has shape {lat.shape} but longitude has {lon.shape}")
        result = np.full(lat.shape, -1, dtype=np.int64)
        known = np.isfinite(lat) & np.isfinite(lon)
        if not known.any() or not self.areas:
            return result
        # Search records sit on a limited set of snap points: look each distinct one up once.
        inverse, distinct = pd.factorize(lon[known] + 1j * lat[known])
        result[known] = self._assign_distinct(distinct.real, distinct.imag)[inverse]
        return result

    def _assign_distinct(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        point_index, area_index = self._tree.query(shapely.points(x, y))
        hit = np.zeros(len(point_index), dtype=bool)
        by_area = np.argsort(area_index, kind="stable")
        starts = np.searchsorted(area_index[by_area], np.arange(len(self.areas) + 1))
        for area in range(len(self.areas)):
            rows = by_area[starts[area] : starts[area + 1]]
            if len(rows):
                points = point_index[rows]
                hit[rows] = shapely.intersects_xy(self._geometries[area], x[points], y[points])
        point_index, area_index = point_index[hit], area_index[hit]
        # Sort hits by point, then by code rank, and keep the first hit of each point.
        order = np.lexsort((self._rank[area_index], point_index))
        point_index, area_index = point_index[order], area_index[order]
        first = np.r_[True, point_index[1:] != point_index[:-1]] if len(point_index) else np.zeros(0, bool)
        found = np.full(len(x), -1, dtype=np.int64)
        found[point_index[first]] = area_index[first]
        return found
