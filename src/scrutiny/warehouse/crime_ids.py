"""Which crimes the warehouse holds for a force, month by month: what `scrutiny fetch --kind outcomes` asks the
API the outcome histories of. Anti-social behaviour has no Crime ID, so it is never among them."""

from __future__ import annotations

import duckdb

from scrutiny.sources.police_uk_crime import STREET_CRIME


def _has_street(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [STREET_CRIME.name]).fetchone()
    return bool(found and found[0])


def street_months(con: duckdb.DuckDBPyConnection, force: str) -> list[str]:
    """The months (YYYY-MM, in order) the force's street crimes are loaded for."""
    if not _has_street(con):
        return []
    rows = con.execute(f"SELECT DISTINCT strftime(month, '%Y-%m') AS m FROM {STREET_CRIME.name} WHERE force = ? "
                       "ORDER BY m", [force]).fetchall()
    return [str(r[0]) for r in rows]


def crime_ids(con: duckdb.DuckDBPyConnection, force: str, months: list[str],
              crime_type: str | None = None) -> dict[str, list[str]]:
    """Month (YYYY-MM) → the distinct Crime IDs of the force's street crimes of that month (of one `Crime type`
    if given), in order; a month with none is left out."""
    if not _has_street(con) or not months:
        return {}
    rows = con.execute(
        f"""SELECT strftime(month, '%Y-%m') AS m, list(DISTINCT crime_id ORDER BY crime_id)
            FROM {STREET_CRIME.name}
            WHERE force = $force AND crime_id IS NOT NULL AND strftime(month, '%Y-%m') IN (SELECT unnest($months))
              AND ($type IS NULL OR crime_type = $type)
            GROUP BY m ORDER BY m""",
        {"force": force, "months": months, "type": crime_type},
    ).fetchall()
    return {str(m): [str(i) for i in ids] for m, ids in rows}
