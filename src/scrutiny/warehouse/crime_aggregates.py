"""Prepared aggregates of street crime and crime outcomes (docs/data-model.md, "Crime aggregates"): what the
`crime` figures read instead of millions of rows, kept by `refresh` inside the ingest transaction.

Every table is keyed by the street force-month (or, for `crime_outcome_cells`, the outcome force-month) its
rows come from, so a refresh recomputes only the force-months a load touched, delete then insert:

- a street force-month loaded: it, the outcome force-months whose events named its old or new crimes, and the
  street force-months sharing a Crime ID with it (a repeated ID is counted once, `crime_repeats`);
- an outcomes force-month loaded: it, and the street force-months whose crimes its old or new events name
  (`crime_outcome_links` remembers, per pair of force-months, what linked before the load);
- an outcome history of one crime (the API's, replacing that crime's events wherever they were), or a warehouse
  without aggregates yet: everything, once;
- boundaries or Census tables loaded: the authority codes of every cell again (`crime_places.place`), as the
  rows' own codes are.

A Crime ID that appears on more than one street row is kept row by row in `crime_repeats`, with its events in
`crime_repeat_events`, because which of its rows a scope holds decides its month and whether it counts once:
the figures work those out when read. `crime_aggregates_state` holds the newest `ingest_log.id` the tables
reflect; a reader trusts them only when it is the warehouse's newest (metrics/crime_prepared.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from scrutiny.sources.police_uk_crime import CRIME_OUTCOME, STREET_CRIME
from scrutiny.sources.registry import SOURCES, Registry
from scrutiny.vocab.crime_outcomes import charged_classes
from scrutiny.warehouse.crime_places import place

STATE = "crime_aggregates_state"
_PLACE = "force VARCHAR NOT NULL, month DATE NOT NULL, la_name VARCHAR, la_code VARCHAR"
TABLES: dict[str, str] = {
    # Street rows by force-month, authority and type: all rows, those with a Crime ID, those with any outcome.
    "crime_street_cells": f"{_PLACE}, crime_type VARCHAR NOT NULL, crimes BIGINT NOT NULL, "
                          "numbered BIGINT NOT NULL, with_outcome BIGINT NOT NULL",
    # The `Last outcome category` each street file published, by class.
    "crime_published_cells": f"{_PLACE}, crime_type VARCHAR NOT NULL, last_outcome_class VARCHAR, "
                             "crimes BIGINT NOT NULL",
    # Crimes whose Crime ID is on one street row only: latest outcome class, months from the crime's month to
    # its first outcome, whether any outcome charged (all NULL with no outcome loaded).
    "crime_link_cells": f"{_PLACE}, crime_type VARCHAR NOT NULL, latest_class VARCHAR, delay INTEGER, "
                        "charged BOOLEAN, crimes BIGINT NOT NULL",
    # Their outcome events, by class.
    "crime_event_cells": f"{_PLACE}, crime_type VARCHAR NOT NULL, outcome_class VARCHAR NOT NULL, "
                         "events BIGINT NOT NULL",
    # Street rows whose Crime ID is on more than one street row, and those IDs' outcome events.
    "crime_repeats": f"link VARCHAR NOT NULL, crime_id VARCHAR NOT NULL, {_PLACE}, crime_type VARCHAR NOT NULL",
    "crime_repeat_events": "link VARCHAR NOT NULL, outcome_month DATE NOT NULL, outcome_force VARCHAR NOT NULL, "
                           "source_row BIGINT NOT NULL, outcome_class VARCHAR NOT NULL",
    # Outcome events by the force-month and authority they were published in, and how many name a loaded crime.
    "crime_outcome_cells": f"{_PLACE}, outcomes BIGINT NOT NULL, linked BIGINT NOT NULL",
    # Which street force-months each outcome force-month's events name: what a replaced month linked before.
    "crime_outcome_links": "outcome_force VARCHAR NOT NULL, outcome_month DATE NOT NULL, force VARCHAR NOT NULL, "
                           "month DATE NOT NULL, events BIGINT NOT NULL",
}
STREET_SIDE = ("crime_street_cells", "crime_published_cells", "crime_link_cells", "crime_event_cells",
               "crime_repeats")
PLACED = (*STREET_SIDE, "crime_outcome_cells")  # the tables with an authority code to follow


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {str(r[0]) for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {str(r[0]) for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main'", [table]).fetchall()}


def link_column(con: duckdb.DuckDBPyConnection, held: set[str]) -> str:
    """What crimes and outcomes are matched on, as metrics.crime matches them: `crime_key`, or the Crime ID in a
    warehouse whose tables predate the key."""
    tables = [t for t in (STREET_CRIME.name, CRIME_OUTCOME.name) if t in held]
    return "crime_key" if all("crime_key" in _columns(con, t) for t in tables) else "crime_id"


def present(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse has the aggregates and they reflect its newest load."""
    if STATE not in _tables(con):
        return False
    found = con.execute(f"SELECT (SELECT max(log_id) FROM {STATE}) = (SELECT max(id) FROM ingest_log)").fetchall()
    return bool(found[0][0])


def _changes(con: duckdb.DuckDBPyConnection, since: int,
             sources: Registry) -> tuple[set[tuple[str, object]], set[tuple[str, object]], bool, bool]:
    """From the loads after `since`: the street force-months and outcome force-months written, whether an
    outcome history (not a force-month) was, and whether authorities' names were (boundaries, Census)."""
    tables = {str(s.kind): s.table.name for s in sources}
    street: set[tuple[str, object]] = set()
    outcomes: set[tuple[str, object]] = set()
    everything = places = False
    for kind, force, month in con.execute(
            "SELECT kind, force, month FROM ingest_log WHERE id > ?", [since]).fetchall():
        table = tables.get(str(kind))
        if table == STREET_CRIME.name and force is not None and month is not None:
            street.add((str(force), month))
        elif table == CRIME_OUTCOME.name and force is not None and month is not None:
            outcomes.add((str(force), month))
        elif table in (STREET_CRIME.name, CRIME_OUTCOME.name):
            everything = True
        elif table in ("areas", "population"):
            places = True
    return street, outcomes, everything, places


def refresh(con: duckdb.DuckDBPyConnection, written: Sequence[object] = (), *, sources: Registry = SOURCES) -> None:
    """Bring the aggregates up to the loads `ingest_log` records since they were last brought up to date (all of
    them the first time), inside the caller's transaction: a derived.py refresher. What was `written` is read
    from `ingest_log` instead, so loads by a Scrutiny older than the aggregates are caught up too."""
    held = _tables(con)
    if STREET_CRIME.name not in held:
        return
    first = STATE not in held
    for table, columns in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
    con.execute(f"CREATE TABLE IF NOT EXISTS {STATE} (log_id BIGINT)")
    (known,), = con.execute(f"SELECT max(log_id) FROM {STATE}").fetchall()
    since = -1 if first or known is None else int(known)
    street, outcomes, everything, places = _changes(con, since, sources)
    if first or everything:
        rebuild(con)
    else:
        if places:
            for table in PLACED:
                place(con, table)
        if street or outcomes:
            _update(con, street, outcomes, held)
    con.execute(f"DELETE FROM {STATE}")
    con.execute(f"INSERT INTO {STATE} SELECT coalesce(max(id), 0) FROM ingest_log")


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Every aggregate again from the rows."""
    held = _tables(con)
    for table in TABLES:
        con.execute(f"DELETE FROM {table}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE agg_street AS SELECT DISTINCT force, month FROM {STREET_CRIME.name}")
    outcome_months = (f"SELECT DISTINCT force, month FROM {CRIME_OUTCOME.name}" if CRIME_OUTCOME.name in held
                      else "SELECT NULL::VARCHAR AS force, NULL::DATE AS month WHERE false")
    con.execute(f"CREATE OR REPLACE TEMP TABLE agg_outcome AS {outcome_months}")
    _recompute(con, held)


def _update(con: duckdb.DuckDBPyConnection, street: set[tuple[str, object]], outcomes: set[tuple[str, object]],
            held: set[str]) -> None:
    """Recompute the force-months the loaded ones touch (module docstring), judged before their cells go."""
    link = link_column(con, held)
    has_outcomes = CRIME_OUTCOME.name in held
    con.execute("CREATE OR REPLACE TEMP TABLE agg_sc (force VARCHAR, month DATE)")
    con.execute("CREATE OR REPLACE TEMP TABLE agg_oc (force VARCHAR, month DATE)")
    if street:
        con.executemany("INSERT INTO agg_sc VALUES (?, ?)", [list(fm) for fm in sorted(street, key=str)])
    if outcomes:
        con.executemany("INSERT INTO agg_oc VALUES (?, ?)", [list(fm) for fm in sorted(outcomes, key=str)])
    # The Crime IDs the written force-months now hold: crimes that may now repeat, events that may now link.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE agg_keys AS
        SELECT DISTINCT {link} AS link FROM {STREET_CRIME.name} SEMI JOIN agg_sc USING (force, month)
        WHERE crime_id IS NOT NULL""")
    if has_outcomes:
        con.execute(f"""INSERT INTO agg_keys SELECT DISTINCT {link} FROM {CRIME_OUTCOME.name}
                        SEMI JOIN agg_oc USING (force, month)""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE agg_street AS
        SELECT force, month FROM agg_sc
        UNION SELECT l.force, l.month FROM crime_outcome_links l
              SEMI JOIN agg_oc o ON l.outcome_force = o.force AND l.outcome_month = o.month
        UNION SELECT r2.force, r2.month FROM crime_repeats r1 SEMI JOIN agg_sc USING (force, month)
              JOIN crime_repeats r2 ON r2.link = r1.link
        UNION SELECT DISTINCT force, month FROM {STREET_CRIME.name}
              WHERE {link} IN (SELECT link FROM agg_keys)""")
    street_keys = (f"SELECT DISTINCT {link} AS link FROM {STREET_CRIME.name} SEMI JOIN agg_sc USING (force, month) "
                   "WHERE crime_id IS NOT NULL")
    linked_now = (f"UNION SELECT DISTINCT force, month FROM {CRIME_OUTCOME.name} WHERE {link} IN ({street_keys})"
                  if has_outcomes else "")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE agg_outcome AS
        SELECT force, month FROM agg_oc
        UNION SELECT outcome_force, outcome_month FROM crime_outcome_links SEMI JOIN agg_sc USING (force, month)
        {linked_now}""")
    for table in STREET_SIDE:
        con.execute(f"DELETE FROM {table} t USING agg_street a WHERE t.force = a.force AND t.month = a.month")
    con.execute("DELETE FROM crime_outcome_links t USING agg_street a WHERE t.force = a.force AND t.month = a.month")
    con.execute("DELETE FROM crime_outcome_cells t USING agg_outcome a WHERE t.force = a.force AND t.month = a.month")
    _recompute(con, held)


def _recompute(con: duckdb.DuckDBPyConnection, held: set[str]) -> None:
    """Insert the cells of the street force-months in `agg_street` and the outcome ones in `agg_outcome`."""
    link = link_column(con, held)
    has_outcomes = CRIME_OUTCOME.name in held
    # Every hash below is built on the few rows recomputed and probed with a scan of the big table, not built
    # on the big table: a month's refresh then costs scans, not hashes of every crime and outcome.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE agg_base AS
        SELECT force, month, la_name, la_code, crime_type, last_outcome_class, crime_id, {link} AS link
        FROM {STREET_CRIME.name} SEMI JOIN agg_street USING (force, month)""")
    events = (f"""SELECT {link} AS link, month AS outcome_month, force AS outcome_force, source_row, outcome_class
                  FROM {CRIME_OUTCOME.name} WHERE {link} IN (SELECT link FROM agg_base WHERE crime_id IS NOT NULL)"""
              if has_outcomes else
              "SELECT NULL AS link, NULL::DATE AS outcome_month, NULL::VARCHAR AS outcome_force, "
              "NULL::BIGINT AS source_row, NULL::VARCHAR AS outcome_class WHERE false")
    con.execute(f"CREATE OR REPLACE TEMP TABLE agg_events AS {events}")
    con.execute("""CREATE OR REPLACE TEMP TABLE agg_rows AS
        SELECT *, crime_id IS NOT NULL AND link IN (SELECT link FROM agg_events) AS hit FROM agg_base""")
    con.execute("""INSERT INTO crime_street_cells
        SELECT force, month, la_name, la_code, crime_type, count(*), count(crime_id), count(*) FILTER (WHERE hit)
        FROM agg_rows GROUP BY ALL""")
    con.execute("""INSERT INTO crime_published_cells
        SELECT force, month, la_name, la_code, crime_type, last_outcome_class, count(*) FROM agg_rows GROUP BY ALL""")
    # How many street rows hold each of these Crime IDs, across the whole table.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE agg_count AS
        SELECT {link} AS link, count(*) AS n FROM {STREET_CRIME.name}
        WHERE crime_id IS NOT NULL AND {link} IN (SELECT link FROM agg_rows WHERE crime_id IS NOT NULL)
        GROUP BY ALL""")
    con.execute("""CREATE OR REPLACE TEMP TABLE agg_single AS
        SELECT r.* FROM agg_rows r JOIN agg_count c USING (link) WHERE c.n = 1""")
    con.execute("""CREATE OR REPLACE TEMP TABLE agg_per AS
        SELECT link, arg_max(outcome_class, (outcome_month, outcome_force, source_row)) AS latest,
               min(outcome_month) AS first, bool_or(list_contains($charged, outcome_class)) AS charged
        FROM agg_events WHERE link IN (SELECT link FROM agg_single) GROUP BY link""",
                {"charged": sorted(charged_classes())})
    con.execute("""INSERT INTO crime_link_cells
        SELECT s.force, s.month, s.la_name, s.la_code, s.crime_type, p.latest,
               (year(p.first) - year(s.month)) * 12 + month(p.first) - month(s.month), p.charged, count(*)
        FROM agg_single s LEFT JOIN agg_per p USING (link) GROUP BY ALL""")
    con.execute("""INSERT INTO crime_event_cells
        SELECT s.force, s.month, s.la_name, s.la_code, s.crime_type, e.outcome_class, count(*)
        FROM agg_single s JOIN agg_events e USING (link) GROUP BY ALL""")
    con.execute("""INSERT INTO crime_repeats
        SELECT r.link::VARCHAR, r.crime_id, r.force, r.month, r.la_name, r.la_code, r.crime_type
        FROM agg_rows r JOIN agg_count c USING (link) WHERE c.n > 1""")
    con.execute("""DELETE FROM crime_repeat_events WHERE link NOT IN (SELECT link FROM crime_repeats)
                   OR link IN (SELECT link::VARCHAR FROM agg_count WHERE n > 1)""")
    con.execute("""INSERT INTO crime_repeat_events
        SELECT link::VARCHAR, outcome_month, outcome_force, source_row, outcome_class FROM agg_events
        WHERE link IN (SELECT link FROM agg_count WHERE n > 1)""")
    con.execute("""INSERT INTO crime_outcome_links
        SELECT e.outcome_force, e.outcome_month, r.force, r.month, count(*)
        FROM agg_rows r JOIN agg_events e USING (link) GROUP BY ALL""")
    if has_outcomes:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE agg_outcome_rows AS
            SELECT force, month, la_name, la_code, {link} AS link
            FROM {CRIME_OUTCOME.name} SEMI JOIN agg_outcome USING (force, month)""")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE agg_found AS
            SELECT DISTINCT {link} AS link FROM {STREET_CRIME.name}
            WHERE crime_id IS NOT NULL AND {link} IN (SELECT link FROM agg_outcome_rows)""")
        con.execute("""INSERT INTO crime_outcome_cells
            SELECT force, month, la_name, la_code, count(*),
                   count(*) FILTER (WHERE link IN (SELECT link FROM agg_found))
            FROM agg_outcome_rows GROUP BY ALL""")
    for temp in ("agg_base", "agg_rows", "agg_count", "agg_events", "agg_single", "agg_per", "agg_outcome_rows",
                 "agg_found"):
        con.execute(f"DROP TABLE IF EXISTS {temp}")


__all__ = ["PLACED", "STATE", "TABLES", "present", "rebuild", "refresh"]
