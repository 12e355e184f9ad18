"""Read a stop-and-search CSV once: its hash, its UTF-8 check, its record count and its parse from the same bytes.

The file's bytes are read whole, once. sha256 (which releases the GIL), the checks (`bytes.count` and `find`,
in C) and pyarrow's parse (also without the GIL) all work on those bytes, so what is hashed is what is loaded,
and a pool of two threads reads the next files while DuckDB writes this batch. A clean file (no quote, NUL
byte or stray carriage return, every line the header's commas, pyarrow splitting it into exactly one row per
line, no field over MAX_FIELD_BYTES) hands over its records as text columns, for DuckDB to convert (so values
convert exactly as in the careful path); any other file keeps its bytes for the careful reading
(`csv_records`). Files over ONE_PASS_MAX_BYTES are not held whole: they are hashed in chunks and read again
(`ingest.scan_file`).
"""

from __future__ import annotations

import codecs
import hashlib
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from scrutiny.warehouse.csv_records import MAX_FIELD_BYTES

ONE_PASS_MAX_BYTES = 512 * 1024 * 1024  # a bigger file is hashed in chunks and read again: memory stays bounded
READ_AHEAD_BYTES = 64 * 1024 * 1024  # files read ahead of the one DuckDB writes (their rows wait in memory)
_UTF8_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class FileScan:
    """What one read of a file tells: its hash, its records, whether DuckDB's fast path can have it, if text."""

    sha256: str
    records: int  # lines after the header
    careful: bool  # anything the fast path could mishandle: the file is read record by record (csv_records)
    bad_utf8_line: int | None = None
    nul_line: int | None = None  # first line holding a NUL byte

    def refusal(self, rejects_nul_lines: bool) -> str | None:
        """Why the whole file is refused, if it is. A stop-and-search CSV rejects its NUL lines one by one."""
        if self.bad_utf8_line is not None:
            return f"not UTF-8 text (line {self.bad_utf8_line})"
        if self.nul_line is not None and not rejects_nul_lines:
            return f"NUL byte (\\x00) on line {self.nul_line}: not a text file"
        return None


@dataclass
class FileRead:
    """A file read once: its scan, and either its records as text columns (clean) or its bytes (careful)."""

    path: Path
    scan: FileScan
    rows: pa.Table | None = None  # clean: one text column per header name, null for an empty field
    data: bytes | None = None  # not clean: the bytes hashed, for the careful reading
    ethnicities: list[str] = field(default_factory=list)  # distinct self-defined ethnicities of `rows`
    nulls: dict[str, int] = field(default_factory=dict)  # empty fields per column of `rows`
    nbytes: int = 0


def _bad_utf8_line(data: bytes) -> int | None:
    """The line of the first byte that is not UTF-8, decoding in chunks so no copy of the whole file is made."""
    if data.isascii():
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), _UTF8_CHUNK):
        chunk = view[start: start + _UTF8_CHUNK]
        try:
            decoder.decode(chunk, final=start + _UTF8_CHUNK >= len(data))
        except UnicodeDecodeError as exc:
            return data.count(b"\n", 0, start + exc.start) + 1
    return None


def _lone_cr(data: bytes) -> bool:
    """A carriage return not followed by a newline (pyarrow would take it for a line break)."""
    return b"\r" in data and data.count(b"\r") != data.count(b"\r\n")


def parse(data: bytes, header: Sequence[str]) -> pa.Table | None:
    """The records as text columns, or None if pyarrow does not split them as one record a line."""
    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=list(header), skip_rows=1, use_threads=False,
                                           block_size=4 * 1024 * 1024),
            parse_options=pacsv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                                 strings_can_be_null=True, null_values=[""], check_utf8=False),
        )
    except pa.ArrowInvalid:
        return None


def read_once(path: Path, header: Sequence[str], ethnicity: str) -> FileRead:
    """Read `path` whole once and tell everything the load needs from those bytes."""
    with path.open("rb") as f:
        data = f.read()
    sha = hashlib.sha256(data).hexdigest()
    bad = _bad_utf8_line(data)
    nul = data.find(b"\x00")
    nul_line = data.count(b"\n", 0, nul) + 1 if nul >= 0 else None
    first_end = data.find(b"\n")
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    records = max(lines - 1, 0)
    clean = (bad is None and nul_line is None and b'"' not in data and not _lone_cr(data)
             and data.count(b",") == data.count(b",", 0, first_end if first_end >= 0 else len(data)) * lines)
    rows = parse(data, header) if clean else None
    if rows is not None and (rows.num_rows != records or _longest_field(rows) > MAX_FIELD_BYTES):
        rows = None
    scan = FileScan(sha, records, rows is None, bad, nul_line)
    if rows is None:
        return FileRead(path, scan, data=data if bad is None else None, nbytes=len(data))
    values = pc.unique(rows[ethnicity]).to_pylist()
    return FileRead(path, scan, rows, None, [v for v in values if v is not None],
                    {name: rows[name].null_count for name in rows.column_names}, len(data))


def _longest_field(rows: pa.Table) -> int:
    longest = 0
    for column in rows.columns:
        if column.null_count < len(column):
            longest = max(longest, int(pc.max(pc.binary_length(column)).as_py() or 0))
    return longest


class ReadAhead:
    """`read_once` of files in order, two at a time, at most READ_AHEAD_BYTES of files ahead of the one taken."""

    def __init__(self, paths: list[Path], header: Sequence[str], ethnicity: str) -> None:
        self.paths = deque(paths)
        self.header, self.ethnicity = header, ethnicity
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="scrutiny-read")
        self.pending: deque[tuple[Path, int, Future[FileRead]]] = deque()
        self.ahead = 0
        self._top_up()

    def _top_up(self) -> None:
        while self.paths and (not self.pending or self.ahead < READ_AHEAD_BYTES):
            path = self.paths.popleft()
            size = path.stat().st_size
            self.pending.append((path, size, self.pool.submit(read_once, path, self.header, self.ethnicity)))
            self.ahead += size

    def take(self, path: Path) -> FileRead:
        """The read of `path`, which must be the next file in order."""
        queued, size, future = self.pending.popleft()
        assert queued == path, f"read {queued} where {path} was expected"
        self.ahead -= size
        self._top_up()
        return future.result()

    def close(self) -> None:
        for _, _, future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
