"""Which borough each stop's location falls in, computed once per distinct location.

data.police.uk snaps every stop to an anonymised point, so a month of a big force has a few thousand
distinct locations, not tens of thousands of rows: testing those is what makes assignment cheap.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import shapely

from scrutiny.sources.adapter import TableRows
from scrutiny.sources.boundaries import Area, AreaIndex
from scrutiny.warehouse.aggregates import REASSIGNED


def area_index(con: duckdb.DuckDBPyConnection) -> tuple[AreaIndex, list[Area]] | None:
    rows = con.execute("SELECT area_code, area_name, geometry_wkb, source FROM areas ORDER BY area_code").fetchall()
    if not rows:
        return None
    areas = [Area(code, name, shapely.from_wkb(wkb), source) for code, name, wkb, source in rows]
    return AreaIndex(areas), areas


def keep_finest(con: duckdb.DuckDBPyConnection, rows: TableRows) -> TableRows:
    """Of a new file's areas and the stored ones of other files, one outline per code: the one drawn with more
    points (London's exact boroughs over ONS's generalised ones), the file name first in order on a tie, so the
    order files are loaded in never matters. Stored outlines that lose are deleted; new ones that lose are
    dropped from `rows`."""
    new = rows.rows if isinstance(rows.rows, pa.Table) else pa.Table.from_pandas(rows.rows, preserve_index=False)
    stored = con.execute("SELECT area_code, geometry_wkb, source FROM areas WHERE area_code IN "
                         "(SELECT unnest($codes))", {"codes": new.column("area_code").to_pylist()}).fetchall()
    if not stored:
        return rows
    position = {code: i for i, code in enumerate(new.column("area_code").to_pylist())}
    points = shapely.get_num_coordinates(shapely.from_wkb(np.asarray(new.column("geometry_wkb").to_pylist(),
                                                                        dtype=object)))
    sources = new.column("source").to_pylist()
    beaten, dropped = [], set()
    for code, wkb, source in stored:
        mine = position[code]
        theirs = (-int(shapely.get_num_coordinates(shapely.from_wkb(wkb))), str(source))
        if (-int(points[mine]), str(sources[mine])) < theirs:
            beaten.append(code)
        else:
            dropped.add(mine)
    if beaten:
        con.execute("DELETE FROM areas WHERE area_code IN (SELECT unnest($codes))", {"codes": beaten})
    kept = [i for i in range(new.num_rows) if i not in dropped]
    return TableRows(rows=new.take(pa.array(kept, pa.int64())), replaces=rows.replaces, rejects=rows.rejects)


def stage_location_areas(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Temp table `location_areas` (latitude, longitude, area_code, area_name) for `table`'s locations."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE location_areas "
        "(latitude DOUBLE, longitude DOUBLE, area_code VARCHAR, area_name VARCHAR)"
    )
    loaded = area_index(con)
    if loaded is None:
        return
    index, areas = loaded
    points = con.execute(
        f"SELECT DISTINCT latitude, longitude FROM {table} WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    ).fetchnumpy()
    if len(points["latitude"]) == 0:
        return
    lat = np.asarray(points["latitude"], dtype=float)
    lon = np.asarray(points["longitude"], dtype=float)
    hit = np.asarray(index.assign(lat, lon))
    inside = hit >= 0
    codes = np.array([a.code for a in areas], dtype=object)
    names = np.array([a.name for a in areas], dtype=object)
    found = pa.table(
        {
            "latitude": lat[inside],
            "longitude": lon[inside],
            "area_code": pa.array(codes[hit[inside]].tolist(), pa.string()),
            "area_name": pa.array(names[hit[inside]].tolist(), pa.string()),
        }
    )
    con.register("found_areas", found)
    con.execute("INSERT INTO location_areas SELECT * FROM found_areas")
    con.unregister("found_areas")


def reassign_all(con: duckdb.DuckDBPyConnection) -> None:
    """After boundaries change, every stored stop gets the area of its location (load order never matters).
    The force-months whose stops moved are noted (aggregates.REASSIGNED) for their prepared counts."""
    stage_location_areas(con, "stop_search")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE reassigned_stops AS
        SELECT s.rowid AS rid, s.force, s.month, l.area_code, l.area_name
        FROM stop_search s LEFT JOIN location_areas l ON l.latitude = s.latitude AND l.longitude = s.longitude
        WHERE s.area_code IS DISTINCT FROM l.area_code
        """
    )
    con.execute(
        "UPDATE stop_search SET area_code = l.area_code, area_name = l.area_name "
        "FROM reassigned_stops l WHERE stop_search.rowid = l.rid"
    )
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {REASSIGNED} (force VARCHAR, month DATE)")
    con.execute(f"INSERT INTO {REASSIGNED} SELECT DISTINCT force, month FROM reassigned_stops")
    con.execute("DROP TABLE reassigned_stops")
