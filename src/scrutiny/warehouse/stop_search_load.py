"""Stop-and-search rows into `stop_search`: read, map vocabularies, assign areas, check, in SQL.

Two ways in, one way out. Clean archive files (the usual case) arrive read once (`one_pass`): their records as
text columns that pyarrow split, which DuckDB converts and maps into `stop_search` in one statement per batch
(a file held too big to read whole is read by DuckDB's CSV reader instead). Any other file (a quote, a NUL
byte, a stray carriage return, a long field, an odd number of commas), and a clean-looking one with a value
DuckDB does not convert, is read record by record in bounded memory (`csv_records`), from the bytes that were
hashed, which writes the good records to a canonical CSV for DuckDB and sends each bad one to `rejects` with
its lines and whole raw text; values are then cast in SQL with reasons. API JSON is flattened in Python and
cast the same way. Rows whose values parse but make no sense (a date outside the month, a latitude of 95) are
then moved from `stop_search` to `rejects`. So every record of a file is either loaded or rejected, and that
is checked. Everything runs inside the caller's transaction: nothing commits.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

from scrutiny.catalog import catalog_path
from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import CsvRecords, TextRecords
from scrutiny.warehouse.areas import stage_location_areas
from scrutiny.warehouse.csv_records import RecordSplitter, Reject, line_spans, lines_note, read_raw, too_long_note
from scrutiny.warehouse.one_pass import FileRead


@dataclass(frozen=True)
class StopFile:
    path: Path
    source_id: int
    force: str
    month: date
    reading: CsvRecords | TextRecords  # what its adapter read: a CSV for DuckDB, or records as text
    records: int | None = None  # data lines counted while hashing; None when unknown
    careful: bool = True  # not plainly clean (a quote, a NUL, a long line...): read it record by record
    read: FileRead | None = None  # the file read once: its records as text (clean) or its bytes (careful)

    @property
    def data(self) -> bytes | None:
        """The bytes that were hashed, for the careful reading; None for a file too big to hold (re-read)."""
        return self.read.data if self.read is not None else None


class FileCounts(NamedTuple):
    """One file's outcome: every one of its `records` is either loaded or rejected.

    `outside_month` counts the records rejected because they are dated outside the file's month, and
    `outside_mode` is the month most of those are dated: set where the date is checked (ROW_CHECK), so a
    file of another month can be told without reading reasons back."""

    loaded: int
    rejected: int
    records: int
    outside_month: int = 0
    outside_mode: str | None = None


ETHNICITY_COLUMN = "Self-defined ethnicity"  # the archive column whose distinct values `self_group_map` maps

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
OUTSIDE_MONTH = "occurred_at < month - INTERVAL 1 DAY OR occurred_at >= month + INTERVAL 1 MONTH + INTERVAL 1 DAY"

# The month a row is dated when that is outside its file's month (else NULL): the structured twin of the
# reason ROW_CHECK gives it.
OUTSIDE_MONTH_DATED = f"CASE WHEN occurred_at IS NOT NULL AND ({OUTSIDE_MONTH}) THEN strftime(occurred_at, '%Y-%m') END"

ROW_CHECK = f"""
    CASE
      WHEN occurred_at IS NULL THEN 'no date'
      WHEN {OUTSIDE_MONTH}
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
    firsts = np.cumsum([0] + [f.records or 0 for f in files[:-1]]) + 1 if files else np.array([], np.int64)
    listed = pa.table({  # noqa: F841 (read by DuckDB below; one statement, not one per file)
        "file_idx": pa.array(range(len(files)), pa.int32()), "path": [str(f.path) for f in files],
        "source_id": pa.array([f.source_id for f in files], pa.int64()), "force": [f.force for f in files],
        "month": pa.array([f.month for f in files], pa.date32()),
        "records": pa.array([f.records for f in files], pa.int64()), "first_ord": pa.array(firsts, pa.int64()),
    })
    con.execute("CREATE OR REPLACE TEMP TABLE batch_files AS SELECT * FROM listed")


def _prepare_mappings(con: duckdb.DuckDBPyConnection, values_sql: str) -> None:
    """Vocabulary and area tables for the distinct values in `values_sql` (columns: self_defined_ethnicity,
    latitude, longitude)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE batch_values AS {values_sql}")
    _map_values(con, "SELECT DISTINCT self_defined_ethnicity FROM batch_values "
                     "WHERE self_defined_ethnicity IS NOT NULL",
                "SELECT DISTINCT latitude, longitude FROM batch_values WHERE latitude IS NOT NULL")


def _map_values(con: duckdb.DuckDBPyConnection, ethnicities_sql: str, locations_sql: str,
                ethnicities: list[str] | None = None) -> None:
    """`self_group_map` for the self-defined ethnicities `ethnicities_sql` gives (one column, distinct, not
    null; it may read `fast_ethnicities`, the list `ethnicities`), `location_areas` for the locations
    `locations_sql` gives, and the outcome map."""
    # Read by name (a replacement scan), not registered: a view registered inside the ingest transaction, even
    # unregistered, is kept with its data until COMMIT.
    fast_ethnicities = pa.table({"value": pa.array(ethnicities or [], pa.string())})  # noqa: F841
    for table, name in (("outcome_map", "outcome_classes.csv"), ("ethnic_prefix", "ethnic_groups.csv")):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv($p, header = true, all_varchar = true)",
            {"p": str(catalog_path(name))},
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE self_group_map AS
        SELECT v.value, {SELF_GROUP} AS ethnic_group
        FROM ({ethnicities_sql}) v (value)
        LEFT JOIN ethnic_prefix p ON p.prefix = trim(split_part(v.value, ' - ', 1))
        """
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW batch_locations AS {locations_sql}")
    stage_location_areas(con, "batch_locations")


def _insert(con: duckdb.DuckDBPyConnection, rows_sql: str, params: dict[str, object] | None = None,
            rows: pa.Table | None = None) -> None:
    """Map and insert rows from `rows_sql` (staged column names plus file_idx and source_row), which may read
    the Arrow table `rows` as `fast_rows`."""
    fast_rows = rows  # noqa: F841 (a replacement scan reads it by name: see _map_values)
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


def _fast_csv(con: duckdb.DuckDBPyConnection, paths: list[str], types: Mapping[str, str]) -> list[int]:
    """Read clean files straight into `stop_search`; return file_idx of files where DuckDB skipped a row.

    With ignore_errors DuckDB drops a bad record silently, so each file's count is checked against the
    records counted while hashing; a file that falls short is deleted again and re-read carefully.
    """
    read = f"read_csv($files, columns = $types, {CSV_OPTIONS}, ignore_errors = true)"
    params: dict[str, object] = {"files": paths, "types": dict(types)}
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


# The archive's columns DuckDB converts from text, with the stop_search column each fills.
_TYPED = {"Date": "occurred_at", "Part of a policing operation": "part_of_operation", "Latitude": "latitude",
          "Longitude": "longitude", "Outcome linked to object of search": "outcome_linked",
          "Removal of more than just outer clothing": "strip_search"}


def _fast_rows(con: duckdb.DuckDBPyConnection, files: list[StopFile], types: Mapping[str, str]) -> list[int]:
    """Write files read once and split clean (`one_pass`) into `stop_search` in one statement; return file_idx of
    files with a value DuckDB did not convert, which are deleted again and read carefully for their reasons.

    A value that does not convert becomes NULL (TRY_CAST, as the careful path casts), so each typed column's
    NULLs per file are checked against its empty fields, counted by pyarrow."""
    _register_files(con, files)
    tables = []
    for i, f in enumerate(files):
        assert f.read is not None and f.read.rows is not None
        rows = f.read.rows
        tables.append(rows.append_column("file_idx", pa.array(np.full(rows.num_rows, i, np.int32)))
                      .append_column("source_row", pa.array(np.arange(2, rows.num_rows + 2, dtype=np.int64))))
    batch = pa.concat_tables(tables)
    ethnicities = sorted({v for f in files if f.read is not None for v in f.read.ethnicities})
    cast = {name: f'TRY_CAST(r."{name}" AS {types[name]})' if types[name] != "VARCHAR" else f'r."{name}"'
            for name in types}
    fast_rows = batch  # noqa: F841 (a replacement scan reads it by name: see _map_values)
    areas = con.execute("SELECT count(*) > 0 FROM areas").fetchone()
    con.execute("CREATE OR REPLACE TEMP TABLE fast_locations AS "
                f"SELECT DISTINCT {cast['Latitude']} AS latitude, {cast['Longitude']} AS longitude FROM fast_rows r "
                f"WHERE {'true' if areas and areas[0] else 'false'}")  # only placed when there are areas
    _map_values(con, "SELECT value FROM fast_ethnicities", "SELECT * FROM fast_locations", ethnicities)
    staged = ", ".join(f"{sql} AS {column}" for name, sql in cast.items()
                       if (column := _STAGED_NAME.get(name)) is not None)
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    # One DuckDB thread: a scan of an Arrow table in parallel interleaves its chunks, and rows must be stored in
    # file order (the next files are read and split on the other core meanwhile).
    con.execute("SET threads = 1")
    try:
        _insert(con, f"SELECT r.file_idx, r.source_row, {staged} FROM fast_rows r", rows=batch)
    finally:
        con.execute(f"SET threads = {int(threads[0]) if threads else 2}")
    nulls = ", ".join(f"count(*) - count({column})" for column in _TYPED.values())
    got = con.execute(f"SELECT b.file_idx, {nulls} FROM stop_search s JOIN batch_files b USING (source_id) "
                      "GROUP BY b.file_idx").fetchall()
    wrong = []
    for idx, *found in got:
        read = files[int(idx)].read
        assert read is not None
        if list(found) != [read.nulls[name] for name in _TYPED]:
            wrong.append(int(idx))
    return sorted(wrong)


# Archive column -> the staged name `_insert` reads (CSV_AS_STAGED in a mapping).
_STAGED_NAME = {
    "Date": "occurred_at", "Type": "search_type", "Part of a policing operation": "part_of_operation",
    "Policing operation": "operation_name", "Latitude": "latitude", "Longitude": "longitude", "Gender": "gender",
    "Age range": "age_range", "Self-defined ethnicity": "self_defined_ethnicity",
    "Officer-defined ethnicity": "officer_defined_ethnicity", "Legislation": "legislation",
    "Object of search": "object_of_search", "Outcome": "outcome",
    "Outcome linked to object of search": "outcome_linked",
    "Removal of more than just outer clothing": "strip_search",
}


class _RejectSink:
    """Rejected records on their way to `rejects`, written in batches so their raw text never piles up."""

    FLUSH_BYTES = 16 * 1024 * 1024
    FLUSH_ROWS = 50_000

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.rows: list[tuple[object, ...]] = []
        self.size = 0

    def add(self, who: tuple[int, str, str, date], line: int, reason: str, raw: str | None) -> None:
        """Queue a reject of the file `who` (source_id, path, force, month)."""
        self.rows.append((*who, line, reason, raw))
        self.size += len(raw or "") + len(reason)
        if self.size > self.FLUSH_BYTES or len(self.rows) >= self.FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        columns = list(zip(*self.rows, strict=True))
        types = (pa.int64(), pa.string(), pa.string(), pa.date32(), pa.int64(), pa.string(), pa.string())
        table = pa.table({f"c{i}": pa.array(col, t) for i, (col, t) in enumerate(zip(columns, types, strict=True))})
        self.con.register("reject_batch", table)
        self.con.execute("INSERT INTO rejects (source_id, file, force, month, line, reason, raw) "
                         "SELECT * FROM reject_batch")
        self.con.unregister("reject_batch")
        self.rows, self.size = [], 0


def _who(f: StopFile) -> tuple[int, str, str, date]:
    return f.source_id, str(f.path), f.force, f.month


# The canonical CSV `csv_records` writes: where each record came from, then its fields as text.
SPLIT_PREFIX: dict[str, str] = {
    "file_idx": "INTEGER", "line": "BIGINT", "last_line": "BIGINT", "start_byte": "BIGINT", "end_byte": "BIGINT",
}


def _cast_sql(types: Mapping[str, str]) -> tuple[str, str]:
    """Typed columns and a reason naming each value that does not convert (as DuckDB's typed reader would)."""
    casts, checks = [], []
    for name, kind in types.items():
        column = f'"{name}"'
        if kind == "VARCHAR":
            casts.append(column)
            continue
        casts.append(f"TRY_CAST({column} AS {kind}) AS {column}")
        checks.append(f"CASE WHEN {column} IS NOT NULL AND TRY_CAST({column} AS {kind}) IS NULL "
                      f"THEN concat('column \"{name}\": could not convert \"', {column}, '\" to {kind}') END")
    return ", ".join(casts), f"nullif(concat_ws('; ', {', '.join(checks)}), '')"


def _careful_csv(con: duckdb.DuckDBPyConnection, files: list[StopFile], sink: _RejectSink) -> dict[int, int]:
    """Read each file record by record (`csv_records`), then cast in SQL; return source_id -> records.

    Records cut out by the Python pass go to `rejects` as they are found; the rest reach DuckDB as a clean
    CSV that cannot fail to parse, so every record ends up loaded or rejected, each with its own lines.
    """
    _register_files(con, files)
    records: dict[int, int] = {}
    reading = files[0].reading  # one adapter reads every CSV of stop_search: one header, one set of types
    assert isinstance(reading, CsvRecords)
    casts, reason = _cast_sql(reading.types)
    with tempfile.TemporaryDirectory(prefix="scrutiny-ingest-") as tmp:
        split = Path(tmp) / "records.csv"
        with split.open("wb", buffering=1024 * 1024) as out:
            for idx, f in enumerate(files):

                def reject(r: Reject, who: tuple[int, str, str, date] = _who(f)) -> None:
                    sink.add(who, r.line, r.reason, r.raw)

                assert isinstance(f.reading, CsvRecords)
                records[f.source_id] = RecordSplitter(f.path, f.reading.header, out, idx, reject, f.data).run().records
        sink.flush()
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE staged AS
            SELECT r.file_idx, r.line AS ord, r.last_line, r.start_byte, r.end_byte, {CSV_AS_STAGED}, r.reason
            FROM (SELECT file_idx, line, last_line, start_byte, end_byte, {casts}, {reason} AS reason
                  FROM read_csv($file, columns = $columns, header = false, auto_detect = false, delim = ',',
                                quote = '"', escape = '"', new_line = '\\n')) r
            """,
            {"file": str(split), "columns": SPLIT_PREFIX | {name: "VARCHAR" for name in reading.header}},
        )
    bad = con.execute(
        "SELECT file_idx, ord, last_line, start_byte, end_byte, reason FROM staged WHERE reason IS NOT NULL "
        "ORDER BY file_idx, ord"
    ).fetchall()
    for idx, rows in _by_file(bad):
        f = files[idx]
        texts = read_raw(f.path, [(start, end) for _, _, _, start, end, _ in rows], f.data)
        for (_, line, last, start, end, why), text in zip(rows, texts, strict=True):
            note = lines_note(line, last) + ("" if text is not None else too_long_note(start, end))
            sink.add(_who(f), line, f"{why}{note}", text)
    sink.flush()
    con.execute(
        "INSERT INTO careful_spans SELECT b.source_id, s.ord, s.last_line, s.start_byte, s.end_byte "
        "FROM staged s JOIN batch_files b USING (file_idx) WHERE s.last_line > s.ord"
    )
    _prepare_mappings(con, "SELECT self_defined_ethnicity, latitude, longitude FROM staged WHERE reason IS NULL")
    _insert(con, "SELECT *, ord AS source_row FROM staged WHERE reason IS NULL")
    con.execute("DROP TABLE staged")
    return records


def _by_file(rows: list[tuple[object, ...]]) -> Iterable[tuple[int, list[tuple[int, int, int, int, int, str]]]]:
    """Rows whose first column is a file index, grouped by it (rows come sorted by it)."""
    groups: dict[int, list[tuple[int, int, int, int, int, str]]] = {}
    for idx, line, last, start, end, why in rows:
        groups.setdefault(int(str(idx)), []).append(
            (int(str(idx)), int(str(line)), int(str(last)), int(str(start)), int(str(end)), str(why)))
    return groups.items()


def _json(con: duckdb.DuckDBPyConnection, files: list[StopFile]) -> dict[int, int]:
    """API strings are cast here, so a bad value is a reject with a reason instead of a lost file.

    Returns source_id -> records (the elements of the file's array)."""
    _register_files(con, files)
    records: dict[int, int] = {}
    con.execute(f"CREATE OR REPLACE TEMP TABLE staged ({STAGED_COLUMNS}, raw VARCHAR)")
    for idx, f in enumerate(files):
        assert isinstance(f.reading, TextRecords)
        stops = f.reading.rows()
        records[f.source_id] = stops.num_rows
        con.register("json_stops", stops)
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
        del stops
    con.execute(
        """
        INSERT INTO rejects (source_id, file, force, month, line, reason, raw)
        SELECT b.source_id, b.path, b.force, b.month, s.ord, s.reason, s.raw
        FROM staged s JOIN batch_files b USING (file_idx) WHERE s.reason IS NOT NULL
        """
    )
    _prepare_mappings(con, "SELECT self_defined_ethnicity, latitude, longitude FROM staged WHERE reason IS NULL")
    _insert(con, "SELECT *, ord AS source_row FROM staged WHERE reason IS NULL")
    con.execute("DROP TABLE staged")
    return records


def _move_nonsense(
    con: duckdb.DuckDBPyConnection, files: list[StopFile], sink: _RejectSink
) -> dict[int, tuple[int, str]]:
    """Rows that parsed but cannot be right go to `rejects`, with their original text.

    Returns, for each file with any, how many rows are dated outside its month and the month most are dated."""
    con.execute("CREATE OR REPLACE TEMP TABLE loaded_ids AS SELECT unnest($ids) AS source_id",
                {"ids": [f.source_id for f in files]})
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE nonsense AS
        SELECT s.source_id, l.file, s.force, s.month, s.source_row, {ROW_CHECK} AS reason,
               sp.last_line, sp.start_byte, sp.end_byte, {OUTSIDE_MONTH_DATED} AS outside_month
        FROM stop_search s JOIN ingest_files l USING (source_id)
        LEFT JOIN careful_spans sp ON sp.source_id = s.source_id AND sp.line = s.source_row
        WHERE s.source_id IN (SELECT source_id FROM loaded_ids) AND ({ROW_CHECK}) IS NOT NULL
        """
    )
    if con.execute("SELECT count(*) FROM nonsense").fetchone() == (0,):
        return {}
    outside = con.execute(
        "SELECT source_id, count(outside_month), mode(outside_month) FROM nonsense "
        "WHERE outside_month IS NOT NULL GROUP BY source_id"
    ).fetchall()
    con.execute(
        "DELETE FROM stop_search USING nonsense n "
        "WHERE stop_search.source_id = n.source_id AND stop_search.source_row = n.source_row"
    )
    rows = con.execute("SELECT * EXCLUDE (outside_month) FROM nonsense ORDER BY file, source_row").fetchall()
    by_file: dict[int, list[tuple[object, ...]]] = {}
    for row in rows:
        by_file.setdefault(int(str(row[0])), []).append(row)
    of_id = {f.source_id: f for f in files}
    for source_id, items in by_file.items():
        for (_, file, force, month, line, reason, last, *_), text in zip(
            items, _raw_texts(of_id[source_id], items), strict=True
        ):
            assert isinstance(month, date)
            sink.add((int(str(source_id)), str(file), str(force), month), int(str(line)),
                     f"{reason}{lines_note(int(str(line)), int(str(last)))}" if last is not None else str(reason),
                     text)
    sink.flush()
    return {int(source_id): (int(n), str(month)) for source_id, n, month in outside}


def _raw_texts(f: StopFile, items: list[tuple[object, ...]]) -> list[str | None]:
    """Each rejected record's original text: its lines of a CSV, its published text (a JSON element).

    `items` are nonsense rows: (..., source_row at 4, ..., last_line, start_byte, end_byte at 6..8)."""
    lines = [int(str(r[4])) for r in items]
    path = f.path
    if isinstance(f.reading, TextRecords):
        return list(f.reading.raw_texts(lines))
    if f.read is not None and f.read.rows is not None and all(r[6] is None for r in items):
        return _line_texts(f.read.rows, lines)
    single = line_spans(path, {n for n, r in zip(lines, items, strict=True) if r[6] is None}, f.data)
    spans = [(int(str(r[7])), int(str(r[8]))) if r[6] is not None else single.get(n, (0, 0))
             for n, r in zip(lines, items, strict=True)]
    return read_raw(path, spans, f.data)


def _line_texts(rows: pa.Table, lines: list[int]) -> list[str | None]:
    """The text of lines of a clean file from its records: a clean line is its fields joined by commas (no quote,
    comma or line break inside a field), the same text the file holds."""
    picked = rows.take(pa.array([n - 2 for n in lines], pa.int64())).to_pylist()
    return [",".join(v or "" for v in record.values()) for record in picked]


def _reread(f: StopFile) -> StopFile:
    """A clean-looking file with a value DuckDB does not convert, for the careful reading: its bytes read again
    (only its rows were kept), refused if they are no longer the bytes that were hashed."""
    assert f.read is not None
    data = f.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != f.read.scan.sha256:
        raise SourceRefused(f.path, "the file changed while it was being loaded; nothing was written")
    return replace(f, read=replace(f.read, rows=None, data=data), careful=True)


def load_stop_files(con: duckdb.DuckDBPyConnection, files: list[StopFile], *, replacing: bool) -> dict[int, FileCounts]:
    """Write each file's force-month (replacing it if `replacing`); return source_id -> its counts.

    Refuses (SourceRefused) a file whose records are not all accounted for, loaded or rejected: that would
    be a bug here, and losing records quietly is worse than loading nothing."""
    csv_files = [f for f in files if isinstance(f.reading, CsvRecords)]
    json_files = [f for f in files if isinstance(f.reading, TextRecords)]
    every = csv_files + json_files
    if replacing:
        con.execute("CREATE OR REPLACE TEMP TABLE replaced AS SELECT unnest($f) AS force, unnest($m) AS month",
                    {"f": [f.force for f in every], "m": [f.month for f in every]})
        con.execute("DELETE FROM stop_search USING replaced r WHERE stop_search.force = r.force "
                    "AND stop_search.month = r.month")
        # Only the force-month's own rejects: a street or outcomes file of the same force and month keeps its.
        con.execute("DELETE FROM rejects WHERE source_id IN (SELECT l.id FROM ingest_log l JOIN replaced r "
                    "ON l.unit = r.force || '/' || strftime(r.month, '%Y-%m'))")
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_files AS SELECT unnest($i) AS source_id, unnest($p) AS file",
                {"i": [f.source_id for f in every], "p": [str(f.path) for f in every]})
    con.execute("CREATE OR REPLACE TEMP TABLE careful_spans "
                "(source_id BIGINT, line BIGINT, last_line BIGINT, start_byte BIGINT, end_byte BIGINT)")
    sink = _RejectSink(con)
    records: dict[int, int] = {}
    read_fast = [f for f in csv_files if f.read is not None and f.read.rows is not None]
    fast = [f for f in csv_files if f.read is None and f.records is not None and not f.careful]
    careful = [f for f in csv_files if f not in fast and f not in read_fast]
    if read_fast:
        assert isinstance(read_fast[0].reading, CsvRecords)
        retry = [read_fast[i] for i in _fast_rows(con, read_fast, read_fast[0].reading.types)]
        if retry:
            con.execute("DELETE FROM stop_search WHERE source_id IN (SELECT unnest($ids))",
                        {"ids": [f.source_id for f in retry]})
            careful += [_reread(f) for f in retry]
        records |= {f.source_id: f.records or 0 for f in read_fast if f not in retry}
    if fast:
        _register_files(con, fast)
        assert isinstance(fast[0].reading, CsvRecords)
        short = _fast_csv(con, [str(f.path) for f in fast], fast[0].reading.types)
        retry = [fast[i] for i in short]
        if retry:
            con.execute("DELETE FROM stop_search WHERE source_id IN (SELECT unnest($ids))",
                        {"ids": [f.source_id for f in retry]})
            careful += retry
        records |= {f.source_id: f.records or 0 for f in fast if f not in retry}
    if careful:
        records |= _careful_csv(con, careful, sink)
    if json_files:
        records |= _json(con, json_files)
    outside = _move_nonsense(con, every, sink)
    counts = con.execute(
        """
        SELECT i.source_id,
               (SELECT count(*) FROM stop_search s WHERE s.source_id = i.source_id),
               (SELECT count(*) FROM rejects r WHERE r.source_id = i.source_id)
        FROM ingest_files i
        """
    ).fetchall()
    result = {source_id: FileCounts(loaded, rejected, records[source_id], *outside.get(source_id, (0, None)))
              for source_id, loaded, rejected in counts}
    for f in every:
        got = result[f.source_id]
        if got.loaded + got.rejected != got.records:
            raise SourceRefused(f.path, f"{got.records:,} records but {got.loaded:,} loaded and {got.rejected:,} "
                                        "rejected: refused rather than lose any (a bug in Scrutiny: please report it)")
    return result
