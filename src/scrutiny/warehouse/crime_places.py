"""The local authority code of each street crime and outcome, from the authority name its LSOA's name begins
with ("Hackney 001A" → Hackney → E09000012), matched against the authorities the warehouse knows (boundaries
and Census tables): no spatial join, and a crime with no location has no authority.

Like stops and boundaries, load order never matters: writing crimes places them with what is loaded, and
loading boundaries or Census tables places every crime again.
"""

from __future__ import annotations

import duckdb

from scrutiny.sources.police_uk_crime import CRIME_TABLES
from scrutiny.vocab.areas import OFFICIAL_SUFFIX

# Codes of local authorities (unitary, district, metropolitan, London borough, Welsh principal area).
LA_CODE_PATTERN = "^(E06|E07|E08|E09|W06)[0-9]{6}$"


def _known_names(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table `la_names(name_key, known_code)`: each authority's name as LSOA names spell it, lower case.
    Official names put 'City of' or 'County of' after a comma (`Bristol, City of`); LSOA names do not."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE la_names AS
        SELECT lower(regexp_replace(area_name, '{OFFICIAL_SUFFIX}', '', 'i')) AS name_key,
               min(area_code) AS known_code
        FROM (SELECT area_code, area_name FROM areas UNION SELECT area_code, area_name FROM population)
        WHERE regexp_matches(area_code, '{LA_CODE_PATTERN}')
        GROUP BY 1""")


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    names = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    return [t for t in CRIME_TABLES if t in names]


def place(con: duckdb.DuckDBPyConnection, table: str, where: str = "true", params: list[object] | None = None) -> None:
    """Set `la_code` of `table`'s rows matching `where` from their `la_name`; a row whose authority no loaded
    table names is left as it is (null), so placing new rows never rewrites the rest."""
    _known_names(con)
    if where == "true":  # every row again: the names known have changed, and a row may lose its code
        con.execute(f"UPDATE {table} SET la_code = NULL WHERE la_code IS NOT NULL")
    con.execute(f"UPDATE {table} SET la_code = n.known_code FROM la_names n "
                f"WHERE n.name_key = lower({table}.la_name) AND ({where})", params or [])


def place_all(con: duckdb.DuckDBPyConnection) -> None:
    """Every crime and outcome again: the authorities known have changed."""
    for table in _tables(con):
        place(con, table)
