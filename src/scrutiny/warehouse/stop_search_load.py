"""Stop-and-search rows into `stop_search`: read, map vocabularies, assign areas, check, in SQL.

Two ways in, one way out. Clean archive files (the usual case) are read straight into `stop_search` in one
parallel scan; a file whose rows DuckDB had to skip, or that has quoted fields, is read again through a
staging table that keeps DuckDB's rejects with their lines. API JSON is flattened in Python and cast in SQL.
Rows whose values parse but make no sense (a date outside the month, a latitude of 95) are then moved from
`stop_search` to `rejects`. Everything runs inside the caller's transaction: nothing here commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from scrutiny.catalog import catalog_path
from scrutiny.sources import police_uk_json
from scrutiny.sources.police_uk_archive import READ_TYPES
from scrutiny.warehouse.areas import stage_location_areas


@dataclass(frozen=True)
class StopFile:
    path: Path
    source_id: int
    force: str
    month: date
    records: int | None = None  # data lines counted while hashing; None when unknown
    quoted: bool = True  # a quote anywhere means a record may span lines: take the careful path


CSV_OPTIONS = "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"'"

# Column names of the archive as the staging and mapping SQL calls them.
CSV_AS_STAGED = """
    r."Date" AS occurred_at, r."Type" AS search_type, r."Part of a policing operation" AS part_of_operation,
    r."Policing operation" AS operation_name, r."Latitude" AS latitude, r."Longitude" AS longitude,
    r."Gender" AS gender, r."Age range" AS age_range, r."Self-defined ethnicity" AS self_defined_ethnicity,
    r."Officer-defined ethnicity" AS officer_defined_ethnicity, r."Legislation" AS legislation,
    r."Object of search" AS object_of_search, r."Outcome" AS outcome,
    r."Outcome linked to object of search" AS outcome_linked,
    r."Removal of more than just outer clothing" AS strip_search
"""

STAGED_COLUMNS = """
    file_idx INTEGER, ord BIGINT, occurred_at TIMESTAMP, search_type VARCHAR,
    part_of_operation BOOLEAN, operation_name VARCHAR, latitude DOUBLE, longitude DOUBLE, gender VARCHAR,
    age_range VARCHAR, self_defined_ethnicity VARCHAR, officer_defined_ethnicity VARCHAR,
    legislation VARCHAR, object_of_search VARCHAR, outcome VARCHAR, outcome_linked BOOLEAN,
    strip_search BOOLEAN, reason VARCHAR
"""

# A month's file may start at 23:00 UTC on the previous day (BST) and end at 23:59 local time, so allow a
# day either side in UTC; anything further out is a wrong date, not a time-zone effect.
ROW_CHECK = """
    CASE
      WHEN occurred_at IS NULL THEN 'no date'
      WHEN occurred_at < month - INTERVAL 1 DAY OR occurred_at >= month + INTERVAL 1 MONTH + INTERVAL 1 DAY
        THEN 'date ' || strftime(occurred_at, '%Y-%m-%dT%H:%M:%S') || ' is outside the file''s month '
             || strftime(month, '%Y-%m')
      WHEN (latitude IS NULL) <> (longitude IS NULL) THEN 'latitude and longitude must both be given or both blank'
      WHEN latitude NOT BETWEEN -90 AND 90 THEN 'latitude ' || latitude || ' is out of range'
      WHEN longitude NOT BETWEEN -180 AND 180 THEN 'longitude ' || longitude || ' is out of range'
    END
"""

# Self-defined values map by prefix, or by the old one-letter codes such as `(W1)`; 'Not stated' is unknown.
SELF_GROUP = r"""
    CASE
      WHEN lower(value) LIKE '%not stated%' THEN 'unknown'
      WHEN regexp_matches(value, '\(([ABMWO])[0-9]+\)\s*$')
        THEN CASE regexp_extract(value, '\(([ABMWO])[0-9]+\)\s*$', 1)
               WHEN 'A' THEN 'Asian' WHEN 'B' THEN 'Black' WHEN 'M' THEN 'Mixed' WHEN 'W' THEN 'White'
               ELSE 'Other' END
      ELSE coalesce(p.ethnic_group, 'unknown')
    END
"""


def _register_files(con: duckdb.DuckDBPyConnection, files: list[StopFile]) -> None:
    """`batch_files`, with each file's first ORDINALITY if DuckDB accepts every record it counted."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE batch_files (file_idx INTEGER, path VARCHAR, source_id BIGINT, "
        "force VARCHAR, month DATE, records BIGINT, first_ord BIGINT)"
    )
    first = 1
    rows = []
    for i, f in enumerate(files):
        rows.append((i, str(f.path), f.source_id, f.force, f.month, f.records, first))
        first += f.records or 0
    con.executemany("INSERT INTO batch_files VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _prepare_mappings(con: duckdb.DuckDBPyConnection, values_sql: str) -> None:
    """Vocabulary and area tables for the distinct values in `values_sql` (columns: kind, a, b)."""
    for table, name in (("outcome_map", "outcome_classes.csv"), ("ethnic_prefix", "ethnic_groups.csv")):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv($p, header = true, all_varchar = true)",
            {"p": str(catalog_path(name))},
        )
    con.execute(f"CREATE OR REPLACE TEMP TABLE batch_values AS {values_sql}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE self_group_map AS
        SELECT v.value, {SELF_GROUP} AS ethnic_group
        FROM (SELECT DISTINCT self_defined_ethnicity AS value FROM batch_values
              WHERE self_defined_ethnicity IS NOT NULL) v
        LEFT JOIN ethnic_prefix p ON p.prefix = trim(split_part(v.value, ' - ', 1))
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW batch_locations AS "
        "SELECT DISTINCT latitude, longitude FROM batch_values WHERE latitude IS NOT NULL"
    )
    stage_location_areas(con, "batch_locations")


def _insert(con: duckdb.DuckDBPyConnection, rows_sql: str, params: dict[str, object] | None = None) -> None:
    """Map and insert rows from `rows_sql` (staged column names plus file_idx and source_row)."""
    con.execute(
        f"""
        INSERT INTO stop_search
        SELECT f.force, f.month, s.occurred_at, s.search_type, s.part_of_operation, s.operation_name,
               s.latitude, s.longitude, s.gender, s.age_range, s.self_defined_ethnicity,
               CASE WHEN s.self_defined_ethnicity IS NULL THEN 'unknown' ELSE g.ethnic_group END,
               s.officer_defined_ethnicity,
               CASE WHEN s.officer_defined_ethnicity IN ('Asian', 'Black', 'Mixed', 'White', 'Other')
                    THEN s.officer_defined_ethnicity ELSE 'unknown' END,
               s.legislation, s.object_of_search, s.outcome,
               CASE WHEN s.outcome IS NULL THEN 'unknown' ELSE coalesce(o.outcome_class, 'other') END,
               s.outcome_linked, s.strip_search, l.area_code, l.area_name, f.source_id, s.source_row
        FROM ({rows_sql}) s
        JOIN batch_files f USING (file_idx)
        LEFT JOIN self_group_map g ON g.value = s.self_defined_ethnicity
        LEFT JOIN outcome_map o ON o.outcome = s.outcome
        LEFT JOIN location_areas l ON l.latitude = s.latitude AND l.longitude = s.longitude
        """,
        params or {},
    )


def _fast_csv(con: duckdb.DuckDBPyConnection, paths: list[str]) -> list[int]:
    """Read clean files straight into `stop_search`; return file_idx of files where DuckDB skipped a row.

    With ignore_errors DuckDB drops a bad record silently, so each file's count is checked against the
    records counted while hashing; a file that falls short is deleted again and re-read carefully.
    """
    read = f"read_csv($files, columns = $types, {CSV_OPTIONS}, ignore_errors = true)"
    params: dict[str, object] = {"files": paths, "types": READ_TYPES}
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE fast_values AS
        SELECT "Self-defined ethnicity" AS self_defined_ethnicity, "Latitude" AS latitude, "Longitude" AS longitude
        FROM {read} GROUP BY GROUPING SETS (("Self-defined ethnicity"), ("Latitude", "Longitude"))
        """,
        params,
    )
    _prepare_mappings(con, "SELECT * FROM fast_values")
    _insert(
        con,
        f"""SELECT r.file_index AS file_idx, r.ordinality - b.first_ord + 2 AS source_row, {CSV_AS_STAGED}
            FROM {read} WITH ORDINALITY r JOIN batch_files b ON b.file_idx = r.file_index""",
        params,
    )
    short = con.execute(
        """
        SELECT b.file_idx FROM batch_files b
        LEFT JOIN (SELECT source_id, count(*) AS n FROM stop_search
                   WHERE source_id IN (SELECT source_id FROM batch_files) GROUP BY 1) c USING (source_id)
        WHERE coalesce(c.n, 0) <> b.records ORDER BY 1
        """
    ).fetchall()
    return [idx for (idx,) in short]


def _careful_csv(con: duckdb.DuckDBPyConnection, files: list[StopFile]) -> None:
    """Stage with DuckDB's rejects kept, so every bad record is reported with its line.

    DuckDB numbers the records it accepts (ORDINALITY, contiguous per file) and reports rejected lines, so
    accepted record k of a file is on line k + 1 (header) + the number of rejected lines before it.
    """
    _register_files(con, files)
    con.execute("DROP TABLE IF EXISTS csv_rejects")
    con.execute("DROP TABLE IF EXISTS csv_scans")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE staged AS
        SELECT r.file_index AS file_idx, r.ordinality AS ord, {CSV_AS_STAGED}
        FROM read_csv($files, columns = $types, {CSV_OPTIONS},
                      store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')
             WITH ORDINALITY r
        """,
        {"files": [str(f.path) for f in files], "types": READ_TYPES},
    )
    con.execute(
        """
        INSERT INTO rejects
        SELECT b.source_id, b.path, b.force, b.month, e.line,
               string_agg(e.error_message, '; ' ORDER BY e.column_idx),
               trim(any_value(e.csv_line), chr(13) || chr(10))
        FROM csv_rejects e JOIN batch_files b ON b.file_idx = e.file_id
        GROUP BY b.source_id, b.path, b.force, b.month, e.line
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE reject_steps AS
        WITH numbered AS (
            SELECT file_id AS file_idx, line, row_number() OVER (PARTITION BY file_id ORDER BY line) AS n
            FROM (SELECT DISTINCT file_id, line FROM csv_rejects))
        SELECT file_idx, line - 1 - n AS accepted_before, max(n) AS rejected_so_far FROM numbered GROUP BY ALL
        """
    )
    _prepare_mappings(con, "SELECT self_defined_ethnicity, latitude, longitude FROM staged")
    _insert(
        con,
        """
        WITH numbered AS (
            SELECT s.*, s.ord - min(s.ord) OVER (PARTITION BY s.file_idx) + 1 AS k FROM staged s)
        SELECT n.*, n.k + 1 + coalesce(st.rejected_so_far, 0) AS source_row
        FROM numbered n ASOF LEFT JOIN reject_steps st ON n.file_idx = st.file_idx AND n.k > st.accepted_before
        """,
    )
    con.execute("DROP TABLE staged")


def _json(con: duckdb.DuckDBPyConnection, files: list[StopFile]) -> None:
    """API strings are cast here, so a bad value is a reject with a reason instead of a lost file."""
    _register_files(con, files)
    con.execute(f"CREATE OR REPLACE TEMP TABLE staged ({STAGED_COLUMNS}, raw VARCHAR)")
    for idx, f in enumerate(files):
        con.register("json_stops", police_uk_json.read_stops(f.path))
        con.execute(
            """
            INSERT INTO staged
            SELECT $idx, source_row, TRY_CAST(occurred_at AS TIMESTAMP), search_type,
                   TRY_CAST(part_of_operation AS BOOLEAN), operation_name, TRY_CAST(latitude AS DOUBLE),
                   TRY_CAST(longitude AS DOUBLE), gender, age_range, self_defined_ethnicity,
                   officer_defined_ethnicity, legislation, object_of_search, outcome,
                   TRY_CAST(outcome_linked AS BOOLEAN), TRY_CAST(strip_search AS BOOLEAN),
                   CASE
                     WHEN occurred_at IS NOT NULL AND TRY_CAST(occurred_at AS TIMESTAMP) IS NULL
                       THEN 'bad date ' || occurred_at
                     WHEN latitude IS NOT NULL AND TRY_CAST(latitude AS DOUBLE) IS NULL
                       THEN 'bad latitude ' || latitude
                     WHEN longitude IS NOT NULL AND TRY_CAST(longitude AS DOUBLE) IS NULL
                       THEN 'bad longitude ' || longitude
                   END,
                   raw
            FROM json_stops
            """,
            {"idx": idx},
        )
        con.unregister("json_stops")
    con.execute(
        """
        INSERT INTO rejects
        SELECT b.source_id, b.path, b.force, b.month, s.ord, s.reason, s.raw
        FROM staged s JOIN batch_files b USING (file_idx) WHERE s.reason IS NOT NULL
        """
    )
    _prepare_mappings(con, "SELECT self_defined_ethnicity, latitude, longitude FROM staged WHERE reason IS NULL")
    _insert(con, "SELECT *, ord AS source_row FROM staged WHERE reason IS NULL")
    con.execute("DROP TABLE staged")


def _move_nonsense(con: duckdb.DuckDBPyConnection, source_ids: list[int]) -> None:
    """Rows that parsed but cannot be right go to `rejects`, with their original text."""
    con.execute("CREATE OR REPLACE TEMP TABLE loaded_ids AS SELECT unnest($ids) AS source_id", {"ids": source_ids})
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE nonsense AS
        SELECT s.source_id, l.file, s.force, s.month, s.source_row, {ROW_CHECK} AS reason
        FROM stop_search s JOIN ingest_files l USING (source_id)
        WHERE s.source_id IN (SELECT source_id FROM loaded_ids) AND ({ROW_CHECK}) IS NOT NULL
        """
    )
    if con.execute("SELECT count(*) FROM nonsense").fetchone() == (0,):
        return
    con.execute(
        "DELETE FROM stop_search USING nonsense n "
        "WHERE stop_search.source_id = n.source_id AND stop_search.source_row = n.source_row"
    )
    rows = con.execute("SELECT source_id, file, force, month, source_row, reason FROM nonsense ORDER BY 2, 5")
    con.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?, ?, ?, ?)", _with_raw_text(rows.fetchall()))


def _with_raw_text(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Attach each rejected record's original text: its line of a CSV, its element of a JSON array."""
    out: list[tuple[object, ...]] = []
    by_file: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        by_file.setdefault(str(row[1]), []).append(row)
    for path, items in by_file.items():
        if path.endswith(".json"):
            records = json.loads(Path(path).read_text(encoding="utf-8"))
            texts = {int(str(r[4])): json.dumps(records[int(str(r[4])) - 1], sort_keys=True) for r in items}
        else:
            wanted = {int(str(r[4])) for r in items}
            texts = {}
            with open(path, encoding="utf-8", newline="") as f:
                for number, text in enumerate(f, start=1):
                    if number in wanted:
                        texts[number] = text.rstrip("\r\n")
        out.extend((*r, texts.get(int(str(r[4])))) for r in items)
    return out


def load_stop_files(
    con: duckdb.DuckDBPyConnection, csv_files: list[StopFile], json_files: list[StopFile], *, replacing: bool
) -> dict[int, tuple[int, int]]:
    """Write each file's force-month (replacing it if `replacing`); return source_id -> (loaded, rejected)."""
    every = csv_files + json_files
    if replacing:
        con.execute("CREATE OR REPLACE TEMP TABLE replaced AS SELECT unnest($f) AS force, unnest($m) AS month",
                    {"f": [f.force for f in every], "m": [f.month for f in every]})
        con.execute("DELETE FROM stop_search USING replaced r WHERE stop_search.force = r.force "
                    "AND stop_search.month = r.month")
        con.execute("DELETE FROM rejects USING replaced r WHERE rejects.force = r.force AND rejects.month = r.month")
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_files AS SELECT unnest($i) AS source_id, unnest($p) AS file",
                {"i": [f.source_id for f in every], "p": [str(f.path) for f in every]})
    fast = [f for f in csv_files if f.records is not None and not f.quoted]
    careful = [f for f in csv_files if f not in fast]
    if fast:
        _register_files(con, fast)
        short = _fast_csv(con, [str(f.path) for f in fast])
        if short:
            retry = [fast[i] for i in short]
            con.execute("DELETE FROM stop_search WHERE source_id IN (SELECT unnest($ids))",
                        {"ids": [f.source_id for f in retry]})
            careful += retry
    if careful:
        _careful_csv(con, careful)
    if json_files:
        _json(con, json_files)
    ids = [f.source_id for f in every]
    _move_nonsense(con, ids)
    counts = con.execute(
        """
        SELECT i.source_id,
               (SELECT count(*) FROM stop_search s WHERE s.source_id = i.source_id),
               (SELECT count(*) FROM rejects r WHERE r.source_id = i.source_id)
        FROM ingest_files i
        """
    ).fetchall()
    return {source_id: (loaded, rejected) for source_id, loaded, rejected in counts}
