"""Ingest: recognise every file first, then load them all in one transaction.

All or nothing: if any file is refused, or the process dies halfway, the warehouse holds exactly what it
held before (DuckDB rolls back an uncommitted transaction when the file is next opened).

No silent shrinking (docs/replacing-data.md): after the load, still inside the transaction, a replacement
that removes a whole force-month or more than SHRINK_LIMIT_PERCENT of it, and a file whose dates mostly fall
outside the month its name gives, are refused, so the transaction rolls back and nothing is written.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pyarrow as pa

from scrutiny.errors import BadInput, SourceRefused
from scrutiny.printable import printable
from scrutiny.sources.adapter import (
    CsvRecords,
    ReadsBinary,
    ReadsMany,
    Recognised,
    Source,
    SourceKind,
    TableRows,
    TextRecords,
)
from scrutiny.sources.recognise import SIDECAR_SUFFIX, expand, recognise
from scrutiny.sources.registry import SOURCES, Registry
from scrutiny.warehouse.arrow_memory import returned_soon
from scrutiny.warehouse.csv_records import MAX_FIELD_BYTES
from scrutiny.warehouse.derived import refresh
from scrutiny.warehouse.limits import SHRINK_LIMIT_PERCENT
from scrutiny.warehouse.one_pass import ONE_PASS_MAX_BYTES, FileRead, FileScan, ReadAhead
from scrutiny.warehouse.reference_load import write_batch, write_rejects
from scrutiny.warehouse.stop_search_load import ETHNICITY_COLUMN, StopFile, load_stop_files
from scrutiny.warehouse.table_upgrades import ensure_tables
from scrutiny.warehouse.writing import WriteSession

# The table whose force-months are loaded record by record (stop_search_load): each record loaded or
# rejected, replacements checked for shrinking and for being another month's file.
RECORDS_TABLE = "stop_search"
BATCH_BYTES = 1024 * 1024 * 1024  # bounds the staging table (and so peak memory) of one load step
# Files read once (one_pass) written at once: their rows sit in memory as text columns until DuckDB has them.
ONE_PASS_BATCH_BYTES = 96 * 1024 * 1024
ROWS_BATCH_BYTES = 128 * 1024 * 1024  # files of a table written at once (their rows sit in memory as arrow)


class IngestRefused(BadInput):
    """One or more files cannot be loaded; nothing was written."""

    def __init__(self, refusals: list[SourceRefused]) -> None:
        self.refusals = refusals
        lines = "\n".join(f"  {printable(r.path)}: {printable(r.reason)}" for r in refusals)
        super().__init__(f"{len(refusals)} file(s) refused, nothing was loaded:\n{lines}")


class ProgressSink(Protocol):
    def start(self, files: int, nbytes: int) -> None: ...

    def advance(self, files: int, nbytes: int, rows: int) -> None: ...


@dataclass
class FileResult:
    path: Path
    kind: str  # the adapter's kind, or what a skipped file is (a SourceKind)
    unit: str
    action: str  # new, replaced, unchanged, skipped
    force: str | None = None
    month: date | None = None
    rows_loaded: int = 0
    rows_rejected: int = 0
    records: int = 0  # records the loader found in the file: each one loaded or rejected
    note: str | None = None
    synthetic: bool = False
    rows_before: int | None = None  # rows the force-month held before this load replaced it
    source_id: int | None = None  # ingest_log.id of this load, once loaded
    source: Source | None = None  # the adapter that read it; None when skipped
    outside_month: int = 0  # records rejected as dated outside the file's month
    outside_mode: str | None = None  # the month most of those are dated

    @property
    def force_month(self) -> bool:
        """A force-month of records (stop-and-search), counted record by record; not a table replaced whole."""
        return self.source is not None and self.source.table.name == RECORDS_TABLE

    @property
    def table(self) -> str | None:
        """The canonical table the file was loaded into; None when skipped."""
        return self.source.table.name if self.source is not None else None

    @property
    def change(self) -> int:
        """Rows this load added to (positive) or removed from (negative) its unit."""
        return self.rows_loaded - (self.rows_before or 0)


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def loaded(self) -> list[FileResult]:
        return [r for r in self.results if r.action in ("new", "replaced", "unchanged")]

    @property
    def skipped(self) -> list[FileResult]:
        return [r for r in self.results if r.action == "skipped"]


class _LineShape:
    """Running tally, over the chunks of a file, of what DuckDB's fast path cannot be trusted with.

    numpy finds the newlines, commas and carriage returns of a chunk in one pass each, at C speed and
    without the GIL (two files are scanned at once): cheaper than the two `bytes.count` calls it replaced."""

    def __init__(self) -> None:
        self.lines = self.longest = self.partial = 0  # partial: length of the line still unfinished
        self.commas = self.header_commas = 0
        self.in_header = True
        self.quotes = self.lone_cr = self.ended_cr = False

    def add(self, chunk: bytes) -> None:
        data = np.frombuffer(chunk, dtype=np.uint8)
        newlines = np.flatnonzero(data == 10)
        commas = data == 44
        if self.in_header:
            self.header_commas += int(np.count_nonzero(commas[: newlines[0] if len(newlines) else None]))
            self.in_header = not len(newlines)
        self.commas += int(np.count_nonzero(commas))
        returns = np.flatnonzero(data == 13)
        inner = returns[returns + 1 < len(data)]
        self.lone_cr |= (self.ended_cr and data[0] != 10) or not bool((data[inner + 1] == 10).all())
        self.ended_cr = bool(len(returns)) and int(returns[-1]) == len(data) - 1
        self.quotes |= b'"' in chunk
        if len(newlines):
            between = int(np.diff(newlines).max()) - 1 if len(newlines) > 1 else 0
            self.longest = max(self.longest, self.partial + int(newlines[0]), between)
            self.partial = len(data) - int(newlines[-1]) - 1
        else:
            self.partial += len(data)
        self.lines += len(newlines)

    def clean(self, nul: bool) -> bool:
        """No quote, NUL, lone CR or line over MAX_FIELD_BYTES, and every line as many commas as the header."""
        lines = self.lines + (self.partial > 0)  # a last line without a newline is still a line
        return (not self.quotes and not nul and not self.lone_cr and not self.ended_cr
                and max(self.longest, self.partial) <= MAX_FIELD_BYTES and self.commas == self.header_commas * lines)


class _Lines:
    """Only the lines, for a file its adapter reads whole (the shape matters to stop_search_load alone)."""

    def __init__(self) -> None:
        self.lines = self.partial = 0

    def add(self, chunk: bytes) -> None:
        newlines = chunk.count(b"\n")
        self.lines += newlines
        self.partial = len(chunk) - chunk.rfind(b"\n") - 1 if newlines else self.partial + len(chunk)

    def clean(self, nul: bool) -> bool:
        return not nul


def scan_file(path: Path) -> FileScan:
    """Hash, count lines, check UTF-8 (DuckDB lets bad bytes through when skipping errors), find NUL bytes,
    and judge whether DuckDB's fast path can read the file (`careful` if not).

    Only chunks that are not pure ASCII are decoded, and the rest is counting in C over 4 MB chunks, so the
    scan costs little beside the hash; memory stays at a few chunks whatever the lines look like.
    """
    return _scan(path, _LineShape())


def scan_text(path: Path) -> FileScan:
    """`scan_file` without judging the lines' shape: for files an adapter reads whole (half the scan's cost)."""
    return _scan(path, _Lines())


def _scan(path: Path, shape: _LineShape | _Lines) -> FileScan:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    bad_line: int | None = None
    nul_line: int | None = None
    with path.open("rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            digest.update(chunk)
            if bad_line is None and (not chunk.isascii() or decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad_line = shape.lines + chunk[: exc.start].count(b"\n") + 1
            if nul_line is None and (nul := chunk.find(b"\x00")) >= 0:
                nul_line = shape.lines + chunk[:nul].count(b"\n") + 1
            shape.add(chunk)
    lines = shape.lines + (shape.partial > 0)
    return FileScan(digest.hexdigest(), max(lines - 1, 0), not shape.clean(nul_line is not None), bad_line, nul_line)


def scan_binary(path: Path) -> FileScan:
    """The hash of a file that is not text (a spreadsheet): its adapter reads and checks it whole."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            digest.update(chunk)
    return FileScan(digest.hexdigest(), 0, False)


def _scan_for(item: Recognised) -> FileScan:
    source = _source(item)
    if isinstance(source, ReadsBinary):
        return scan_binary(item.path)
    return scan_file(item.path) if source.table.name == RECORDS_TABLE else scan_text(item.path)


def _scan_all(items: list[Recognised]) -> dict[Path, FileScan]:
    """The scan of each file, two files at a time (hashlib releases the GIL)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip([i.path for i in items], pool.map(_scan_for, items), strict=True))


def _source(item: Recognised) -> Source:
    assert item.source is not None, f"{item.path} is not loadable"
    return item.source


def unit_of(item: Recognised) -> str:
    """What a load replaces, as its adapter says: a force-month, a Census layout, the lookup, the boundaries."""
    return _source(item).unit(item)


def _recognise_all(paths: list[Path], sources: Registry) -> list[Recognised]:
    expanded = expand(paths)
    found, refused = list(expanded.unfollowed), []
    for path in expanded.files:
        try:
            found.append(recognise(path, sources))
        except SourceRefused as exc:
            refused.append(exc)
    if refused:
        raise IngestRefused(refused)
    return found


def _current_hashes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT unit, sha256 FROM ingest_log QUALIFY row_number() OVER (PARTITION BY unit ORDER BY id DESC) = 1"
    ).fetchall()
    return dict(rows)


def _plan(
    items: list[Recognised], scans: dict[Path, FileScan], current: dict[str, str], synthetic: set[Path]
) -> tuple[list[FileResult], list[tuple[Recognised, FileResult]]]:
    """Decide each file's action; within one ingest the last file for a unit wins."""
    results: list[FileResult] = []
    latest: dict[str, tuple[Recognised, FileResult]] = {}
    for item in items:
        if not item.loadable:
            results.append(FileResult(item.path, item.kind, item.kind, "skipped", item.force, item.month,
                                      note=item.note))
            continue
        unit = unit_of(item)
        if unit in latest:
            earlier = latest[unit][1]
            earlier.action, earlier.note = "skipped", f"superseded by {item.path} in the same ingest"
        known = current.get(unit)
        scan = scans.get(item.path)  # none yet for a file read once as it loads: its unit is new
        action = "unchanged" if scan is not None and known == scan.sha256 else ("replaced" if known else "new")
        result = FileResult(item.path, item.kind, unit, action, item.force, item.month,
                            synthetic=item.path in synthetic, source=item.source)
        results.append(result)
        latest[unit] = (item, result)
    to_load = [(item, result) for item, result in latest.values() if result.action != "unchanged"]
    return results, to_load


def _batches(items: list[tuple[Recognised, FileResult]], once: frozenset[Path] | set[Path]
             ) -> Iterable[list[tuple[Recognised, FileResult]]]:
    """Load steps of at most BATCH_BYTES of files, ONE_PASS_BATCH_BYTES while they are files read once."""
    batch: list[tuple[Recognised, FileResult]] = []
    size = 0
    for pair in items:
        batch.append(pair)
        size += pair[0].path.stat().st_size
        if size >= (ONE_PASS_BATCH_BYTES if pair[0].path in once else BATCH_BYTES):
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _log_many(con: duckdb.DuckDBPyConnection, loads: list[tuple[FileResult, str]]) -> None:
    """`_log` for a batch of files in one statement (one INSERT per file cost more than the rows did)."""
    now = datetime.now()
    log_rows = pa.table({  # noqa: F841 (read by DuckDB below)
        "id": pa.array([r.source_id for r, _ in loads], pa.int64()),
        "file": [str(r.path) for r, _ in loads], "sha256": [sha for _, sha in loads],
        "kind": [str(r.kind) for r, _ in loads], "unit": [r.unit for r, _ in loads],
        "force": pa.array([r.force for r, _ in loads], pa.string()),
        "month": pa.array([r.month for r, _ in loads], pa.date32()),
        "rows_loaded": pa.array([r.rows_loaded for r, _ in loads], pa.int64()),
        "rows_rejected": pa.array([r.rows_rejected for r, _ in loads], pa.int64()),
        "action": [r.action for r, _ in loads], "synthetic": [r.synthetic for r, _ in loads],
        "loaded_at": pa.array([now] * len(loads), pa.timestamp("us")),
    })
    con.execute("INSERT INTO ingest_log SELECT * FROM log_rows")


def _read_rows(item: Recognised) -> TableRows:
    """What the adapter read from a file that replaces its unit whole."""
    source = _source(item)
    rows = source.read(item)
    if not isinstance(rows, TableRows):
        raise TypeError(f"{source.kind} reads {type(rows).__name__}, but only {RECORDS_TABLE} loads records")
    return rows


def _row_batches(pairs: list[tuple[Recognised, FileResult]]) -> Iterable[list[tuple[Recognised, FileResult]]]:
    """Runs of files of one adapter (in load order), each run at most ROWS_BATCH_BYTES of files: what one
    `write_batch` writes, so memory holds one run's rows at a time."""
    batch: list[tuple[Recognised, FileResult]] = []
    size = 0
    for pair in pairs:
        if batch and (_source(batch[0][0]) is not _source(pair[0]) or size >= ROWS_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(pair)
        size += pair[0].path.stat().st_size
    if batch:
        yield batch


def _read_batch(batch: list[tuple[Recognised, FileResult]], pool: ThreadPoolExecutor) -> list[TableRows]:
    """What the adapter read from each file of a run: all at once when it can, else two files at a time."""
    source = _source(batch[0][0])
    if isinstance(source, ReadsMany):
        return source.read_many([item for item, _ in batch])
    return list(pool.map(lambda pair: _read_rows(pair[0]), batch))


def _stop_file(item: Recognised, source_id: int, scan: FileScan, read: FileRead | None = None) -> StopFile:
    """A force-month of stop-and-search records as its adapter reads it, for stop_search_load."""
    reading = _source(item).read(item)
    if not isinstance(reading, CsvRecords | TextRecords):
        raise TypeError(f"{item.kind} reads {type(reading).__name__} into {RECORDS_TABLE}: records expected")
    return StopFile(item.path, source_id, item.force or "", item.month or date.min, reading, scan.records,
                    scan.careful, read)


def _read_once(item: Recognised, current: dict[str, str], last: dict[str, Path]) -> bool:
    """Whether the file is read once, as it loads (one_pass): a stop-and-search CSV of a unit the warehouse does
    not hold yet (nothing to compare its hash with before loading), the last of its unit in this ingest, and
    small enough to hold whole. Any other file is hashed first, to tell unchanged files from changed ones."""
    source = item.source
    if source is None or source.table.name != RECORDS_TABLE or isinstance(source, ReadsBinary):
        return False
    unit = unit_of(item)
    return (unit not in current and last.get(unit) == item.path and isinstance(source.read(item), CsvRecords)
            and item.path.stat().st_size <= ONE_PASS_MAX_BYTES)


def _csv_header(items: list[Recognised]) -> tuple[str, ...]:
    reading = _source(items[0]).read(items[0]) if items else None
    return reading.header if isinstance(reading, CsvRecords) else ()


def _run_key(source: Source) -> tuple[int, str, str]:
    """Files in load order, those of one adapter together (they are read and written as runs)."""
    return source.load_order, source.table.name, str(source.kind)


def _write_run(con: duckdb.DuckDBPyConnection, batch: list[tuple[Recognised, FileResult]], readings: list[TableRows],
               scans: dict[Path, FileScan]) -> None:
    """Write a run of files of one adapter: their rows, their ids, their rejects, their log lines."""
    written = write_batch(con, _source(batch[0][0]).table, readings)
    new_ids = [int(i) for (i,) in con.execute("SELECT nextval('ingest_id') FROM range(?)", [len(batch)]).fetchall()]
    for (_, result), n, source_id in zip(batch, written, new_ids, strict=True):
        result.source_id, result.rows_loaded = source_id, n
    rejected = write_rejects(con, [(rows.rejects, int(result.source_id or 0), item)
                                   for (item, result), rows in zip(batch, readings, strict=True)])
    for (_, result), n in zip(batch, rejected, strict=True):
        result.rows_rejected, result.records = n, result.rows_loaded + n
    _log_many(con, [(result, scans[item.path].sha256) for item, result in batch])


def _load(
    con: duckdb.DuckDBPyConnection,
    to_load: list[tuple[Recognised, FileResult]],
    scans: dict[Path, FileScan],
    progress: ProgressSink | None,
    once: frozenset[Path] | set[Path] = frozenset(),
) -> None:
    def done(pairs: list[tuple[Recognised, FileResult]], rows: int) -> None:
        if progress:
            progress.advance(len(pairs), sum(p[0].path.stat().st_size for p in pairs), rows)

    # By the adapters' load_order: boundaries before stops, so new stops are placed with the new boundaries.
    to_load = sorted(to_load, key=lambda pair: _source(pair[0]).load_order)
    plain = sorted((p for p in to_load if not p[1].force_month), key=lambda pair: _run_key(_source(pair[0])))
    # While DuckDB writes one run of files, the next is read: reading is pyarrow's and writing DuckDB's, both
    # without the GIL, so on two cores the two overlap. At most two runs' rows are in memory at once.
    with ThreadPoolExecutor(max_workers=2) as pool, ThreadPoolExecutor(max_workers=1) as ahead:
        batches = list(_row_batches(plain))
        next_read = ahead.submit(_read_batch, batches[0], pool) if batches else None
        for i, batch in enumerate(batches):
            assert next_read is not None
            readings = next_read.result()
            next_read = ahead.submit(_read_batch, batches[i + 1], pool) if i + 1 < len(batches) else None
            _write_run(con, batch, readings, scans)
            done(batch, sum(r.rows_loaded for _, r in batch))
            del readings
    stops = [p for p in to_load if p[1].force_month]
    read_once = [item for item, _ in stops if item.path in once]
    with ReadAhead([i.path for i in read_once], _csv_header(read_once), ETHNICITY_COLUMN) as reader:
        for batch in _batches(stops, once):
            reads = {item.path: reader.take(item.path) for item, _ in batch if item.path in once}
            scans |= {path: read.scan for path, read in reads.items()}
            _refuse_not_text(reads, reader)
            _load_stops(con, batch, scans, reads)
            done(batch, sum(r.rows_loaded + r.rows_rejected for _, r in batch))


def _refuse_not_text(reads: dict[Path, FileRead], reader: ReadAhead) -> None:
    """Refuse files read once that are not text, with those of every file still to be read (drained)."""
    refused = [path for path, read in reads.items() if read.scan.bad_utf8_line is not None]
    if not refused:
        return
    scans = {path: read.scan for path, read in reads.items()}
    while reader.pending:  # the files still to read, in order
        path = reader.pending[0][0]
        scans[path] = reader.take(path).scan
    raise IngestRefused([SourceRefused(path, why) for path, scan in scans.items() if (why := scan.refusal(True))])


def _load_stops(con: duckdb.DuckDBPyConnection, batch: list[tuple[Recognised, FileResult]],
                scans: dict[Path, FileScan], reads: dict[Path, FileRead]) -> None:
    """One load step of stop-and-search files: their rows, their rejects, their counts and log lines."""
    new_ids = [int(i) for (i,) in con.execute("SELECT nextval('ingest_id') FROM range(?)", [len(batch)]).fetchall()]
    ids = {id(result): source_id for (_, result), source_id in zip(batch, new_ids, strict=True)}
    files = [_stop_file(item, ids[id(result)], scans[item.path], reads.get(item.path)) for item, result in batch]
    replacing = any(result.action == "replaced" for _, result in batch)
    counts = load_stop_files(con, files, replacing=replacing)
    for _, result in batch:
        result.source_id = ids[id(result)]
        got = counts[result.source_id]
        result.rows_loaded, result.rows_rejected, result.records = got.loaded, got.rejected, got.records
        result.outside_month, result.outside_mode = got.outside_month, got.outside_mode
    _log_many(con, [(result, scans[item.path].sha256) for item, result in batch])


def _count_before(con: duckdb.DuckDBPyConnection, to_load: list[tuple[Recognised, FileResult]]) -> None:
    """Set `rows_before` of every stop file: what its force-month holds now, before the load replaces it."""
    stops = [result for _, result in to_load if result.force_month]
    if not stops:
        return
    held = dict(con.execute(
        """
        SELECT u.unit, count(s.force) FROM (SELECT unnest($units) AS unit, unnest($f) AS force, unnest($m) AS month) u
        LEFT JOIN stop_search s ON s.force = u.force AND s.month = u.month GROUP BY u.unit
        """,
        {"units": [r.unit for r in stops], "f": [r.force for r in stops], "m": [r.month for r in stops]},
    ).fetchall())
    for result in stops:
        result.rows_before = int(held.get(result.unit, 0))


def _wrong_month(results: list[FileResult]) -> dict[int, SourceRefused]:
    """Files (by position in `results`) whose records are mostly dated outside the month their name gives:
    the file is another month's, not a month with a few stray dates."""
    refused: dict[int, SourceRefused] = {}
    for i, r in enumerate(results):
        n, month = r.outside_month, r.outside_mode or ""
        records = r.rows_loaded + r.rows_rejected
        if 2 * n > records:
            assert r.month is not None
            refused[i] = SourceRefused(
                r.path,
                f"{n:,} of its {records:,} records are dated {month}, not {r.month:%Y-%m} as its name says: "
                f"is it the {month} file renamed? Nothing was written",
            )
    return refused


def _shrinks(result: FileResult) -> bool:
    """More than SHRINK_LIMIT_PERCENT of a loaded force-month (or all of it) would go."""
    before, after = result.rows_before or 0, result.rows_loaded
    return before > 0 and (after == 0 or 100 * (before - after) > SHRINK_LIMIT_PERCENT * before)


def _shrink_refusal(r: FileResult) -> SourceRefused:
    before = r.rows_before or 0
    what = (f"would remove all {before:,} rows of {r.unit}" if r.rows_loaded == 0 else
            f"would shrink {r.unit} from {before:,} rows to {r.rows_loaded:,} "
            f"({r.change:+,}, {100 * (before - r.rows_loaded) // before}%; the limit is {SHRINK_LIMIT_PERCENT}%)")
    held = f"the file holds {r.rows_loaded + r.rows_rejected:,} records, {r.rows_rejected:,} of them rejected"
    return SourceRefused(r.path, f"{what} ({held}). Nothing was written; if the smaller month is right, "
                                 "ingest it again with --allow-shrink")


def _check_replacements(
    con: duckdb.DuckDBPyConnection, to_load: list[tuple[Recognised, FileResult]], allow_shrink: bool
) -> None:
    """Refuse, inside the open transaction, wrong-month files and (unless allowed) shrinking replacements."""
    stops = [result for _, result in to_load if result.force_month]
    if not stops:
        return
    refused = _wrong_month(stops)
    if not allow_shrink:
        refused |= {i: _shrink_refusal(r) for i, r in enumerate(stops) if i not in refused and _shrinks(r)}
    if refused:
        raise IngestRefused([refused[i] for i in sorted(refused)])


def ingest_paths(
    paths: list[Path], db: Path, *, progress: ProgressSink | None = None, allow_shrink: bool = False,
    sources: Registry = SOURCES,
) -> IngestReport:
    """Load every recognisable file under `paths` into the warehouse at `db`, atomically.

    `allow_shrink` lets a replacement remove more than SHRINK_LIMIT_PERCENT of a loaded force-month (a month
    truly republished with far fewer searches, or with none: a header-only file). `sources` are the adapters
    that recognise and read files (sources/registry.py).
    """
    items = _recognise_all(paths, sources)
    if not items:
        return IngestReport([])  # nothing to load: not even an empty warehouse is made
    sidecars = {i.path for i in items if i.kind == SourceKind.SYNTHETIC_SIDECAR}
    synthetic = {p.with_name(p.name.removesuffix(SIDECAR_SUFFIX)) for p in sidecars}
    loadable = [i for i in items if i.loadable]
    if progress:
        progress.start(len(loadable), sum(i.path.stat().st_size for i in loadable))
    with returned_soon():  # Arrow's freed batches go back soon: warehouse/arrow_memory.py
        writing = WriteSession(db)  # works on a copy, swapped in whole by publish(): warehouse/writing.py
        con = writing.con
        try:
            current = _current_hashes(con)
            last = {unit_of(i): i.path for i in loadable}
            once = {i.path for i in loadable if _read_once(i, current, last)}
            scans = _scan_all([i for i in loadable if i.path not in once])
            nul_lines = {i.path: _source(i).rejects_nul_lines for i in loadable}
            not_text = [SourceRefused(p, why) for p, scan in scans.items() if (why := scan.refusal(nul_lines[p]))]
            if not_text:  # refused before anything is written; those read once are checked too, to name them all
                later = _scan_all([i for i in loadable if i.path in once])
                raise IngestRefused(not_text + [SourceRefused(p, why) for p, scan in later.items()
                                                if (why := scan.refusal(nul_lines[p]))])
            results, to_load = _plan(items, scans, current, synthetic)
            if progress:  # unchanged files count as done at once
                unchanged = [r for r in results if r.action == "unchanged"]
                progress.advance(len(unchanged), sum(r.path.stat().st_size for r in unchanged), 0)
            if to_load:
                con.execute("BEGIN TRANSACTION")
                try:
                    ensure_tables(con, (s.table for s in sources))  # tables no schema declares yet, columns added since
                    _count_before(con, to_load)
                    _load(con, to_load, scans, progress, once)
                    _check_replacements(con, to_load, allow_shrink)
                    refresh(con, [result for _, result in to_load])  # prepared counts: warehouse/derived.py
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
            writing.publish(changed=bool(to_load))
        finally:
            writing.close()
        return IngestReport(results)
