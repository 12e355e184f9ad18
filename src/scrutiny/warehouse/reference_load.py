"""Census population, the local-authority-to-force lookup and boundaries: small tables, replaced whole.

Each returns the number of rows it wrote. They run inside the caller's transaction.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import shapely

from scrutiny.sources import boundaries, census, geography
from scrutiny.warehouse.areas import reassign_all

POPULATION_COLUMNS = (
    "area_code", "area_name", "ethnic_group", "age", "sex", "residents", "suppressed_cells", "census_year", "source",
)
FORCE_AREA_COLUMNS = ("force", "la_code", "la_name", "source")


def load_census(con: duckdb.DuckDBPyConnection, path: Path, layout: str) -> int:
    frame = census.read_census(path, layout)[list(POPULATION_COLUMNS)]
    con.execute("DELETE FROM population WHERE source = ?", [layout])
    con.register("census_frame", frame)
    con.execute(f"INSERT INTO population SELECT {', '.join(POPULATION_COLUMNS)} FROM census_frame")
    con.unregister("census_frame")
    return len(frame)


def load_la_force_lookup(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    frame = geography.read_la_force_lookup(path)[list(FORCE_AREA_COLUMNS)]
    con.execute("DELETE FROM force_areas")
    con.register("lookup_frame", frame)
    con.execute(f"INSERT INTO force_areas SELECT {', '.join(FORCE_AREA_COLUMNS)} FROM lookup_frame")
    con.unregister("lookup_frame")
    return len(frame)


def load_boundaries(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Replace all areas, then re-place every stored stop so boundaries may come before or after stops."""
    areas = boundaries.read_boundaries(path)
    table = pa.table(
        {
            "area_code": [a.code for a in areas],
            "area_name": [a.name for a in areas],
            "geometry_wkb": pa.array([shapely.to_wkb(a.geometry) for a in areas], pa.binary()),
            "source": [path.name] * len(areas),
        }
    )
    con.execute("DELETE FROM areas")
    con.register("area_rows", table)
    con.execute("INSERT INTO areas SELECT * FROM area_rows")
    con.unregister("area_rows")
    reassign_all(con)
    return len(areas)
