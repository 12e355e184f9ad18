"""Stops get the borough containing them, whichever of stops and boundaries is loaded first."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import query, shared, write_archive
from tests.warehouse.test_ingest_fixture import ROWS


def _square(code: str, name: str, lon: float, lat: float) -> dict[str, object]:
    ring = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
    return {"type": "Feature", "properties": {"CODE": code, "NAME": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _boundaries(folder: Path) -> Path:
    # Fixture rows sit at (51.5, 0.1) and (51.6, 0.2); row 2 has no location.
    path = folder / "boroughs.geojson"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [
            _square("E09000901", "South Square", 0.05, 51.45),
            _square("E09000902", "North Square", 0.15, 51.55),
        ],
    }))
    return path


EXPECTED = [(2, "E09000901", "South Square"), (3, None, None), (4, "E09000902", "North Square"),
            (5, "E09000902", "North Square"), (6, "E09000902", "North Square")]
SQL = "SELECT source_row, area_code, area_name FROM stop_search ORDER BY source_row"


def test_boundaries_first(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    cli("ingest", _boundaries(tmp_path / "geo"), "--db", db)
    cli("ingest", write_archive(tmp_path / "stops", "2020-06", "essex", ROWS), "--db", db)
    assert query(db, SQL) == EXPECTED


def test_boundaries_after_stops(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    cli("ingest", write_archive(tmp_path / "stops", "2020-06", "essex", ROWS), "--db", db)
    assert query(db, "SELECT count(area_code) FROM stop_search") == [(0,)]
    cli("ingest", _boundaries(tmp_path / "geo"), "--db", db)
    assert query(db, SQL) == EXPECTED


def test_both_in_one_ingest(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    write_archive(tmp_path, "2020-06", "essex", ROWS)
    _boundaries(tmp_path / "geo")
    cli("ingest", tmp_path, "--db", db)
    assert query(db, SQL) == EXPECTED


def test_real_boroughs(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    """Points picked off a map: Hackney Town Hall, the Palace of Westminster, Croydon, and Paris."""
    rows = [
        ROWS[0].replace(",51.5,0.1,", f",{lat},{lon},")
        for lat, lon in [(51.5450, -0.0553), (51.4995, -0.1248), (51.3727, -0.1099), (48.8566, 2.3522)]
    ]
    write_archive(tmp_path, "2020-06", "metropolitan", rows)
    cli("ingest", tmp_path, shared("geography", "london_boroughs.geojson"), "--db", db)
    assert query(db, SQL) == [(2, "E09000012", "Hackney"), (3, "E09000033", "Westminster"),
                              (4, "E09000008", "Croydon"), (5, None, None)]
