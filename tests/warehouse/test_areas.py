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


def _file(path: Path, features: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _dense_square(code: str, name: str, lon: float, lat: float, size: float, points_a_side: int) -> dict[str, object]:
    """A square drawn with `points_a_side` points on each side: an exact outline has many, a generalised few."""
    steps = [i * size / points_a_side for i in range(points_a_side)]
    ring = ([[lon + s, lat] for s in steps] + [[lon + size, lat + s] for s in steps]
            + [[lon + size - s, lat + size] for s in steps] + [[lon, lat + size - s] for s in steps] + [[lon, lat]])
    return {"type": "Feature", "properties": {"CODE": code, "NAME": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _fine_and_coarse(folder: Path) -> tuple[Path, Path]:
    """`exact.geojson`: South Square (lon 0.05-0.15, lat 51.45-51.55), 10 points a side. `generalised.geojson`:
    South Square again, coarser and shifted (lon 0-0.12, lat 51.4-51.52, 1 point a side), and a Neighbour
    (E07, a lower code than E09) over lon 0.08-0.3, lat 51.48-51.7, overlapping the exact South Square."""
    exact = _file(folder / "a" / "exact.geojson", [_dense_square("E09000901", "South Square", 0.05, 51.45, 0.1, 10)])
    generalised = _file(folder / "b" / "generalised.geojson", [
        _dense_square("E09000901", "South Square", 0.0, 51.4, 0.12, 1),
        _dense_square("E07000901", "Neighbour", 0.08, 51.48, 0.22, 1)])
    return exact, generalised


# (51.5, 0.1) lies in the exact South Square and in the generalised Neighbour: the exact file's area wins, though
# the Neighbour's code is lower. (51.6, 0.2) lies in the Neighbour only.
TWO_FILES = [(2, "E09000901", "South Square"), (3, None, None), (4, "E07000901", "Neighbour"),
             (5, "E07000901", "Neighbour"), (6, "E07000901", "Neighbour")]
KEPT = [("E07000901", "generalised.geojson"), ("E09000901", "exact.geojson")]


def test_two_boundary_files_keep_the_finer_outline_in_any_order(
        tmp_path: Path, cli: Callable[..., object]) -> None:
    exact, generalised = _fine_and_coarse(tmp_path / "geo")
    stops = write_archive(tmp_path / "stops", "2020-06", "essex", ROWS)
    for name, loads in {"exact first": [exact, generalised, stops], "generalised first": [generalised, exact, stops],
                        "stops first": [stops, generalised, exact], "one ingest": [tmp_path]}.items():
        db = tmp_path / f"{name}.duckdb"
        for load in loads:
            cli("ingest", load, "--db", db)
        assert query(db, SQL) == TWO_FILES, name
        assert query(db, "SELECT area_code, source FROM areas ORDER BY area_code") == KEPT, name


def test_a_boundary_file_again_replaces_only_its_own_areas(
        tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    exact, generalised = _fine_and_coarse(tmp_path / "geo")
    cli("ingest", exact, generalised, write_archive(tmp_path / "stops", "2020-06", "essex", ROWS), "--db", db)
    cli("ingest", generalised, "--db", db)  # the same file again: nothing changes
    assert query(db, "SELECT area_code, source FROM areas ORDER BY area_code") == KEPT
    # A new edition of the generalised file without the Neighbour: its area goes, the exact South Square stays.
    _file(generalised, [_dense_square("E09000901", "South Square", 0.0, 51.4, 0.12, 1)])
    cli("ingest", generalised, "--db", db)
    assert query(db, "SELECT area_code, source FROM areas ORDER BY area_code") == [("E09000901", "exact.geojson")]
    assert query(db, SQL) == EXPECTED[:1] + [(3, None, None)] + [(r, None, None) for r in (4, 5, 6)]
