"""Boundaries: reading GeoJSON (names, CRS, refusals) and placing points, on squares and on London."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

from scrutiny.errors import SourceRefused
from scrutiny.sources.boundaries import AreaIndex, read_boundaries, sniff_boundaries

from .conftest import FIXTURES, head_of

SQUARES = FIXTURES / "geography" / "squares.geojson"
BOROUGHS = "london_boroughs.geojson"


def test_sniff() -> None:
    assert sniff_boundaries(SQUARES, head_of(SQUARES))
    assert sniff_boundaries(SQUARES, '\ufeff  {"features": [], "type" : "FeatureCollection"}')
    assert not sniff_boundaries(SQUARES, '{"type": "Feature"}')
    assert not sniff_boundaries(SQUARES, "Census Year,Geocode\n")
    assert not sniff_boundaries(SQUARES, '[{"type": "FeatureCollection"}]')


def test_squares() -> None:
    areas = read_boundaries(SQUARES)
    # CODE wins over AREA_CODE (which in the London file is "LBO", not an ONS code).
    assert [(a.code, a.name, a.geometry.geom_type) for a in areas] == [
        ("E09000002", "East", "Polygon"),
        ("E09000001", "West", "MultiPolygon"),
    ]
    assert areas[0].geometry.area == 1.0 and areas[1].geometry.area == 2.0


def test_assign_on_squares() -> None:
    index = AreaIndex(read_boundaries(SQUARES))
    lat = np.array([0.5, 0.5, 0.5, 0.5, 0.5, np.nan, 0.5, 2.0, 0.0])
    lon = np.array([0.5, -0.5, -2.5, 0.0, -1.5, 0.5, np.nan, 0.5, 1.0])
    # inside East, inside West, West's second part, on the shared edge (lowest code: West E09000001),
    # the gap between West's parts, NaN latitude, NaN longitude, north of both, East's corner.
    assert index.assign(lat, lon).tolist() == [0, 1, 1, 1, -1, -1, -1, -1, 0]
    assert index.assign(np.array([]), np.array([])).tolist() == []
    assert index.assign([None, 0.5], [0.5, 0.5]).tolist() == [-1, 0]


def test_border_ties_go_to_the_lowest_code_whatever_the_order() -> None:
    areas = read_boundaries(SQUARES)
    forward, backward = AreaIndex(areas), AreaIndex(list(reversed(areas)))
    assert forward.areas[int(forward.assign([0.5], [0.0])[0])].code == "E09000001"
    assert backward.areas[int(backward.assign([0.5], [0.0])[0])].code == "E09000001"


def geojson(tmp_path: Path, features: list[dict[str, Any]], crs: str | None = None) -> Path:
    document: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(document))
    return path


def square(properties: dict[str, Any], x: float = 0, y: float = 0, size: float = 1) -> dict[str, Any]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def refusal(path: Path) -> str:
    with pytest.raises(SourceRefused) as caught:
        read_boundaries(path)
    assert str(path) in str(caught.value)
    return caught.value.reason


def test_ons_property_names_and_epsg_4326(tmp_path: Path) -> None:
    path = geojson(
        tmp_path,
        [square({"FID": 1, "LAD22CD": "E09000012", "LAD22NM": "Hackney", "LAD22NMW": ""})],
        crs="urn:ogc:def:crs:EPSG::4326",
    )
    assert [(a.code, a.name) for a in read_boundaries(path)] == [("E09000012", "Hackney")]
    path = geojson(tmp_path, [square({"LAD21CD": "W06000024", "LAD21NM": "Merthyr Tydfil"})])  # no crs: CRS84
    assert [(a.code, a.name) for a in read_boundaries(path)] == [("W06000024", "Merthyr Tydfil")]


def test_refusals(tmp_path: Path) -> None:
    empty = tmp_path / "empty.geojson"
    empty.write_text("")
    assert refusal(empty).startswith("not JSON")
    bng = "urn:ogc:def:crs:EPSG::27700"
    assert refusal(geojson(tmp_path, [square({"CODE": "E09000012"})], crs=bng)) == (
        f"coordinate system '{bng}' is not WGS84 longitude/latitude (CRS84 or EPSG:4326)"
    )
    assert refusal(geojson(tmp_path, [square({"CODE": "E09000012"}, x=530000, y=180000, size=100)])) == (
        "coordinates span x 530000..530100, y 180000..180100: not longitude/latitude in degrees"
    )
    assert refusal(geojson(tmp_path, [square({"CODE": "E09000012"}), square({"NAME": "Nowhere"})])) == (
        "feature 2: no area code (a CODE, code or ONS ...CD property)"
    )
    point = {
        "type": "Feature",
        "properties": {"CODE": "E09000012"},
        "geometry": {"type": "Point", "coordinates": [0, 0]},
    }
    assert refusal(geojson(tmp_path, [point])) == "feature 1 (E09000012): geometry 'Point' is not a polygon"
    twice = [square({"CODE": "E09000012"}), square({"CODE": "E09000012"}, x=2)]
    assert refusal(geojson(tmp_path, twice)) == "feature 2: code E09000012 repeats feature 1"
    assert refusal(geojson(tmp_path, [])) == "no features"
    not_collection = tmp_path / "feature.geojson"
    not_collection.write_text(json.dumps(square({"CODE": "E09000012"})))
    assert refusal(not_collection) == "not a GeoJSON FeatureCollection"


@pytest.fixture(scope="module")
def london() -> AreaIndex:
    from .conftest import shared_data

    return AreaIndex(read_boundaries(shared_data() / "geography" / BOROUGHS))


@pytest.mark.shared_data
def test_real_boroughs(geography_dir: Path) -> None:
    path = geography_dir / BOROUGHS
    assert sniff_boundaries(path, head_of(path))
    areas = read_boundaries(path)
    assert len(areas) == 33
    assert sorted(a.code for a in areas) == [f"E090000{n:02d}" for n in range(1, 34)]
    names = {a.code: a.name for a in areas}
    assert names["E09000012"] == "Hackney" and names["E09000001"] == "City of London"
    assert all(a.geometry.is_valid and a.geometry.area > 0 for a in areas)


@pytest.mark.shared_data
def test_known_points(london: AreaIndex) -> None:
    places = {
        "Hackney Town Hall": (51.5450, -0.0553, "E09000012"),
        "Westminster, Parliament Square": (51.4995, -0.1248, "E09000033"),
        "St Paul's Cathedral": (51.5138, -0.0984, "E09000001"),
        "Brixton (Lambeth)": (51.4613, -0.1156, "E09000022"),
        "Croydon town centre": (51.3727, -0.1000, "E09000008"),
        "Paris": (48.8566, 2.3522, None),
        "Watford, outside London": (51.6565, -0.3903, None),
    }
    lat = np.array([p[0] for p in places.values()] + [np.nan])
    lon = np.array([p[1] for p in places.values()] + [-0.1])
    got = london.assign(lat, lon)
    codes = [london.areas[i].code if i >= 0 else None for i in got]
    assert codes == [p[2] for p in places.values()] + [None]


@pytest.mark.shared_data
def test_real_assignment_agrees_with_shapely_one_by_one(london: AreaIndex) -> None:
    rng = np.random.default_rng(2021)
    lat, lon = rng.uniform(51.28, 51.70, 2000), rng.uniform(-0.52, 0.34, 2000)
    got = london.assign(lat, lon)
    by_code = sorted(range(len(london.areas)), key=lambda i: london.areas[i].code)
    for i, point in enumerate(shapely.points(lon, lat)):
        hits = [j for j in by_code if london.areas[j].geometry.intersects(point)]
        assert got[i] == (hits[0] if hits else -1)
    assert 0.4 < (got >= 0).mean() < 0.8


@pytest.mark.shared_data
def test_random_points_agree_with_a_brute_force_search(london: AreaIndex) -> None:
    """The tree-and-prepared-geometry path gives what asking every borough in turn gives (speed: `make bench`)."""
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(51.28, 51.70, 2_000), rng.uniform(-0.52, 0.34, 2_000)
    got = london.assign(lat, lon)
    expected = []
    for x, y in zip(lon, lat, strict=True):
        inside = sorted(a.code for a in london.areas if shapely.intersects_xy(a.geometry, x, y))
        expected.append(inside[0] if inside else None)
    assert [london.areas[i].code if i >= 0 else None for i in got] == expected
    assert 0 < expected.count(None) < len(expected)  # the box holds points inside and outside London
