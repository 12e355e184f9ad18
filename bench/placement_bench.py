"""Placing stops in areas at ingest (`make bench`): every authority of England and Wales against London alone, and
against the plain shapely way, in the same run.

The step timed is the one every ingest of boundaries or stops runs (`scrutiny.warehouse.areas.reassign_all`:
the distinct locations of `stop_search`, each placed once with the STRtree index, then every row updated), on a
DuckDB table of --rows synthetic stops (default 10,000,000) at --points distinct locations (default 300,000;
data.police.uk snaps a month of a big force to a few thousand), each drawn uniformly inside the bounding box of
an authority, every authority as likely as another:

- london: stops in London's authorities' boxes, the areas table holding `geography/london_boroughs.geojson`
  (33 exact outlines), as a London-only warehouse has it;
- london_stops_every_authority: the same stops, with London's 33 and
  `geography_england_wales/local_authority_districts_dec2022_uk_buc.geojson` (341 more) loaded, as `make demo`;
- national: stops in the boxes of the 331 authorities of England and Wales, every authority loaded;
- shapely: the plain way for the national stops' distinct points alone: `STRtree.query(points,
  predicate="intersects")` and the lowest-coded hit per point (no file precedence, no table update).

Each is run --runs times (default 3), alternating, and the median reported.

    .venv/bin/python bench/placement_bench.py [--rows N] [--points N] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import shapely

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
LONDON = SHARED / "geography" / "london_boroughs.geojson"
NATIONAL = SHARED / "geography_england_wales" / "local_authority_districts_dec2022_uk_buc.geojson"


def _areas_rows(paths: list[Path]) -> pa.Table:
    from scrutiny.sources.boundaries import read_boundaries

    seen: set[str] = set()  # London's exact outline first: the one the warehouse keeps (warehouse.areas)
    areas = [a for path in paths for a in read_boundaries(path) if not (a.code in seen or seen.add(a.code))]
    return pa.table({"area_code": [a.code for a in areas], "area_name": [a.name for a in areas],
                     "geometry_wkb": pa.array([shapely.to_wkb(a.geometry) for a in areas], pa.binary()),
                     "source": [a.source for a in areas]})


def _points(count: int, path: Path, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """`count` points drawn uniformly inside the bounding box of an authority of England and Wales in `path`,
    each authority as likely as any other."""
    from scrutiny.sources.boundaries import read_boundaries

    boxes = np.array([a.geometry.bounds for a in read_boundaries(path) if a.code[0] in "EW"])
    rng = np.random.default_rng(seed)
    chosen = boxes[rng.integers(0, len(boxes), count)]
    lon = chosen[:, 0] + rng.random(count) * (chosen[:, 2] - chosen[:, 0])
    lat = chosen[:, 1] + rng.random(count) * (chosen[:, 3] - chosen[:, 1])
    return np.round(lat, 6), np.round(lon, 6)


def _warehouse(rows: int, lat: np.ndarray, lon: np.ndarray, areas: pa.Table) -> duckdb.DuckDBPyConnection:
    from scrutiny.warehouse.schema import ensure_schema

    con = duckdb.connect()
    ensure_schema(con)
    pick = np.random.default_rng(11).integers(0, len(lat), rows)
    stops = pa.table({"latitude": lat[pick], "longitude": lon[pick]})  # noqa: F841 (read by DuckDB)
    # Only the columns placing reads and writes (the rest of a stop's row plays no part in it).
    con.execute("DROP TABLE stop_search")
    con.execute("CREATE TABLE stop_search AS SELECT latitude, longitude, NULL::VARCHAR AS area_code, "
                "NULL::VARCHAR AS area_name FROM stops")
    con.register("areas_rows", areas)
    con.execute("INSERT INTO areas SELECT * FROM areas_rows")
    con.unregister("areas_rows")
    return con


def _place(con: duckdb.DuckDBPyConnection) -> float:
    from scrutiny.warehouse.areas import reassign_all

    con.execute("UPDATE stop_search SET area_code = NULL, area_name = NULL")
    started = time.perf_counter()
    reassign_all(con)
    return time.perf_counter() - started


def _shapely(lat: np.ndarray, lon: np.ndarray, areas: pa.Table) -> float:
    started = time.perf_counter()
    geometries = shapely.from_wkb(np.asarray(areas.column("geometry_wkb").to_pylist(), dtype=object))
    codes = np.asarray(areas.column("area_code").to_pylist(), dtype=object)
    tree = shapely.STRtree(geometries)
    point, area = tree.query(shapely.points(lon, lat), predicate="intersects")
    order = np.lexsort((codes[area], point))
    point, area = point[order], area[order]
    first = np.r_[True, point[1:] != point[:-1]]
    owner = np.full(len(lat), None, dtype=object)
    owner[point[first]] = codes[area[first]]
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--points", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (LONDON.exists() and NATIONAL.exists()):
        print(f"skipped: the boundary files are not in {SHARED}", file=sys.stderr)
        return 0
    london_points, national_points = _points(args.points, LONDON), _points(args.points, NATIONAL)
    london, national = _areas_rows([LONDON]), _areas_rows([LONDON, NATIONAL])
    cons = {  # (points, areas): London's stops as a London-only warehouse places them, the same stops with every
        # authority loaded, and stops across England and Wales with every authority loaded
        "london": _warehouse(args.rows, *london_points, london),
        "london_stops_every_authority": _warehouse(args.rows, *london_points, national),
        "national": _warehouse(args.rows, *national_points, national),
    }
    times: dict[str, list[float]] = {name: [] for name in [*cons, "shapely"]}
    for _ in range(args.runs):
        for name, con in cons.items():
            times[name].append(_place(con))
        times["shapely"].append(_shapely(*national_points, national))
    placed = {name: con.execute("SELECT count(area_code) FROM stop_search").fetchone()[0]  # type: ignore[index]
              for name, con in cons.items()}
    median = {name: statistics.median(t) for name, t in times.items()}
    result = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "rows": args.rows, "points": args.points,
              "seconds": median, "runs": times, "placed_rows": placed,
              "national_over_london": median["national"] / median["london"],
              "london_stops_every_authority_over_london": median["london_stops_every_authority"] / median["london"]}
    out = REPO / "bench-results" / "placement.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"placing {args.rows:,} stops at {args.points:,} locations (median of {args.runs}):\n"
          f"  London's stops, London's 33 boroughs loaded: {median['london']:.2f} s ({placed['london']:,} placed)\n"
          f"  the same stops, every authority loaded: {median['london_stops_every_authority']:.2f} s "
          f"({100 * (median['london_stops_every_authority'] / median['london'] - 1):+.0f}%)\n"
          f"  stops across England and Wales, every authority: {median['national']:.2f} s "
          f"({100 * (median['national'] / median['london'] - 1):+.0f}% on London's; {placed['national']:,} placed)\n"
          f"  plain shapely, the distinct national points only: {median['shapely']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
