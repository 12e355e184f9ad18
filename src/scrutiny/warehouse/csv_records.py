"""Archive CSV records one at a time, in bounded memory: the careful way in for files DuckDB cannot be trusted with.

DuckDB's reader is fast on clean files, but on a malformed one it loses records: an unbalanced quote swallows
the rest of the file into one record, a rejected line's text is cut at 10,000 characters, a line of 65,536
extra fields makes one reject (each with a copy of the line) per field. This pass reads the file as bytes, a
line at a time with a size limit, so no huge line is ever held whole, and sorts every record into

- good: written to a canonical CSV that DuckDB then reads as text (the expected number of fields, none over
  MAX_FIELD_BYTES, no NUL byte), each prefixed by where it came from: its lines and byte range;
- rejected: handed over with its first line, a reason naming its lines, and its whole raw text, or only its
  byte range when it is longer than MAX_RECORD_BYTES.

Archive records are one line each. A quoted field may still span lines: such a record is kept when it parses
to exactly the expected fields and none of its lines holds a whole record's commas by itself; otherwise only
its first line is rejected (a stray quote) and reading resumes at the next line, so one bad quote costs one
record. Every line is read at most twice, so time is linear.
Blank lines hold no record and are passed over (their numbers still count).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from scrutiny.errors import SourceRefused

MAX_FIELD_BYTES = 4 * 1024
"""Longest field accepted, in bytes. The longest field in the 236 real archive files is 84 bytes (an ethnicity
label) and their longest line 306, so 4 KiB is far above any real value; a longer field is an error (or an
attack) and sends its record to `rejects`."""

MAX_RECORD_BYTES = 64 * 1024
"""Longest record (all its lines, in bytes) that is read as a record and whose raw text a reject keeps. A
longer line is rejected by its byte range without being held in memory: 15 fields at MAX_FIELD_BYTES fit."""

MAX_REJECTED = 1000
"""A file with more rejected records than this, and more rejected than good, is refused whole: it is not an
archive file with a few bad lines but something else (another format, binary, an attack), and going through
millions of tiny bad lines one by one would take minutes."""

_SKIP_BYTES = 1024 * 1024  # how much of an over-long line is read at a time while skipping it


def open_bytes(path: Path, data: bytes | None) -> BinaryIO:
    """The file's bytes as read once (`one_pass`) when given, so the careful reading sees what was hashed;
    else the file itself (one too big to hold whole)."""
    return io.BytesIO(data) if data is not None else path.open("rb")


@dataclass(frozen=True)
class Reject:
    """One record that cannot be loaded: lines `line`..`last_line`, bytes `start`..`end` (end exclusive)."""

    line: int
    last_line: int
    start: int
    end: int
    reason: str
    raw: str | None  # None when the record is longer than MAX_RECORD_BYTES: the reason gives its byte range


def lines_note(line: int, last_line: int) -> str:
    """' (lines 102-105)' for a record over several lines, '' for one line."""
    return f" (lines {line}-{last_line})" if last_line > line else ""


def too_long_note(start: int, end: int) -> str:
    return (f"; its raw text ({end - start:,} bytes, over the {MAX_RECORD_BYTES:,}-byte limit) is not kept: "
            f"it is bytes {start:,}-{end:,} of the file")


def read_line(f: BinaryIO) -> tuple[bytes | None, int]:
    """The next line with its newline and its length; (None, length) for a line over MAX_RECORD_BYTES, which
    is skipped in pieces so it is never held whole. (b"", 0) at the end of the file."""
    line = f.readline(MAX_RECORD_BYTES + 1)
    if len(line) <= MAX_RECORD_BYTES or line.endswith(b"\n"):
        return line, len(line)
    size = len(line)
    while piece := f.readline(_SKIP_BYTES):
        size += len(piece)
        if piece.endswith(b"\n"):
            break
    return None, size


def skipped_body(f: BinaryIO, end: int) -> int:
    """Where the text of the line skipped by read_line, ending at offset `end`, ends: before its newline."""
    f.seek(max(end - 2, 0))
    tail = f.read(2)
    f.seek(end)
    return end - (2 if tail == b"\r\n" else 1 if tail.endswith(b"\n") else 0)


def _body(line: bytes) -> bytes:
    """The line without its newline (LF or CRLF)."""
    if line.endswith(b"\n"):
        line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
    return line


@dataclass
class SplitCounts:
    good: int = 0
    rejected: int = 0

    @property
    def records(self) -> int:
        return self.good + self.rejected


class RecordSplitter:
    """Reads one archive file after its header; good records go to `out`, bad ones to `reject`."""

    def __init__(
        self, path: Path, names: tuple[str, ...], out: BinaryIO, tag: int, reject: Callable[[Reject], None],
        data: bytes | None = None,
    ) -> None:
        self.path = path
        self.data = data
        self.names = names
        self.out = out
        self.tag = tag
        self.reject = reject
        self.counts = SplitCounts()

    def run(self) -> SplitCounts:
        with open_bytes(self.path, self.data) as f:
            _, offset = read_line(f)  # the header, already recognised
            number = 2
            while True:
                line, size = read_line(f)
                if size == 0:
                    return self.counts
                if line is None:
                    stop = skipped_body(f, offset + size)
                    self._reject(number, number, offset, stop, f"line {number} is {stop - offset:,} bytes, over the "
                                 f"{MAX_RECORD_BYTES:,}-byte limit for a record", None)
                    consumed, end = 1, offset + size
                elif b'"' in line:
                    consumed, end = self._quoted(f, line, number, offset)
                else:
                    consumed, end = 1, offset + size
                    self._plain(_body(line), number, offset)
                number += consumed
                offset = end

    def _reject(self, line: int, last: int, start: int, end: int, reason: str, raw: bytes | None) -> None:
        if raw is None or len(raw) > MAX_RECORD_BYTES:
            text, reason = None, reason + too_long_note(start, end)
        else:
            text = raw.decode("utf-8", errors="replace")
        self.counts.rejected += 1
        if self.counts.rejected > MAX_REJECTED and self.counts.rejected > self.counts.good:
            raise SourceRefused(self.path, f"{self.counts.rejected:,} of its first {self.counts.records:,} records "
                                           f"cannot be read (line {line}: {reason[:200]}): not an archive file with "
                                           "a few bad lines; nothing was written")
        self.reject(Reject(line, last, start, end, reason, text))

    def _write(self, line: int, last: int, start: int, end: int, record: bytes) -> None:
        self.counts.good += 1
        self.out.write(b"%d,%d,%d,%d,%d," % (self.tag, line, last, start, end))
        self.out.write(record)
        self.out.write(b"\n")

    def _problem(self, fields: list[bytes] | list[str], lines: str) -> str | None:
        """Why a record split into `fields` cannot be loaded, or None."""
        if len(fields) != len(self.names):
            return f"Expected Number of Columns: {len(self.names)} Found: {len(fields)}{lines}"
        for name, value in zip(self.names, fields, strict=True):
            size = len(value.encode("utf-8")) if isinstance(value, str) else len(value)
            if size > MAX_FIELD_BYTES:
                return f"field {name!r} is {size:,} bytes, over the {MAX_FIELD_BYTES:,}-byte limit for a field{lines}"
        return None

    def _plain(self, body: bytes, number: int, start: int) -> None:
        """A line without quotes: its fields are what lies between the commas."""
        if not body:
            return  # a blank line holds no record
        end = start + len(body)
        problem = _control_characters(body, number)
        if problem is None and not (body.count(b",") == len(self.names) - 1 and len(body) <= MAX_FIELD_BYTES):
            problem = self._problem(body.split(b","), "")
        if problem is None:
            self._write(number, number, start, end, body)
        else:
            self._reject(number, number, start, end, problem, body)

    def _quoted(self, f: BinaryIO, first: bytes, number: int, start: int) -> tuple[int, int]:
        """A line with a quote: let the csv module read it, and further lines only while a quoted field is open.

        Returns how many lines the record took and the offset after it."""
        body = _body(first)
        problem = _control_characters(body, number)
        if problem is not None:
            self._reject(number, number, start, start + len(body), problem, body)
            return 1, start + len(first)
        taken = [first]

        def lines() -> Iterator[str]:
            yield first.decode("utf-8", errors="replace")
            total = len(first)
            while total <= MAX_RECORD_BYTES:
                line, size = read_line(f)
                if line is None or size == 0:
                    return
                taken.append(line)
                total += size
                yield line.decode("utf-8", errors="replace")

        error = None
        try:
            row = next(csv.reader(lines(), strict=True))
        except csv.Error as exc:
            row, error = [], str(exc)
        last = number + len(taken) - 1
        # Two stray quotes in one column pair up into a record of the right size over the lines between them;
        # but a line with a full record's commas is a record of its own, not part of a field spanning lines.
        whole = len(taken) > 1 and any(line.count(b",") >= len(self.names) - 1 for line in taken)
        if error is not None or (len(taken) > 1 and len(row) != len(self.names)) or whole:
            # A stray quote: reject its line alone and read on from the next one.
            f.seek(start + len(first))
            found = f"csv error: {error}" if error else f"{len(row)} fields"
            where = f"read to line {last}" if len(taken) > 1 else "the line ends"
            self._reject(number, number, start, start + len(body),
                         f"unbalanced quote on line {number}: no record of {len(self.names)} fields closes it "
                         f"({where}: {found}); the line is rejected alone and reading resumes at line "
                         f"{number + 1}", body)
            return 1, start + len(first)
        raw = _body(b"".join(taken))
        span = lines_note(number, last)
        problem = self._problem(row, span) or next(
            (p for i, line in enumerate(taken[1:], start=number + 1)
             if (p := _control_characters(_body(line), i)) is not None), None)
        if problem is None:
            buffer = io.StringIO()
            # Every field quoted: with no line terminator to go by, minimal quoting would leave newlines bare.
            csv.writer(buffer, lineterminator="", quoting=csv.QUOTE_ALL).writerow(row)
            self._write(number, last, start, start + len(raw), buffer.getvalue().encode("utf-8"))
        else:
            self._reject(number, last, start, start + len(raw), problem, raw)
        return len(taken), start + sum(map(len, taken))


def _control_characters(body: bytes, number: int) -> str | None:
    """A NUL byte, or a carriage return that does not end the line: text no archive file holds."""
    nul = body.find(b"\x00")
    if nul >= 0:
        return f"NUL byte (\\x00) at byte {nul + 1} of line {number}: not text"
    cr = body.find(b"\r")
    if cr >= 0:
        return f"carriage return (\\r) inside line {number} at byte {cr + 1}, not at its end"
    return None


def read_raw(path: Path, spans: list[tuple[int, int]], data: bytes | None = None) -> list[str | None]:
    """The text of each (start, end) byte range of `path` (of `data`, its bytes, when given); None for one over
    MAX_RECORD_BYTES."""
    texts: list[str | None] = []
    with open_bytes(path, data) as f:
        for start, end in spans:
            if end - start > MAX_RECORD_BYTES:
                texts.append(None)
                continue
            f.seek(start)
            texts.append(f.read(end - start).decode("utf-8", errors="replace"))
    return texts


def line_spans(path: Path, lines: set[int], data: bytes | None = None) -> dict[int, tuple[int, int]]:
    """Byte range (without the newline) of each wanted line of `path` (or of `data`), reading lines in bounded
    pieces."""
    spans: dict[int, tuple[int, int]] = {}
    last = max(lines, default=0)
    with open_bytes(path, data) as f:
        offset = 0
        number = 1
        while number <= last:
            line, size = read_line(f)
            if size == 0:
                break
            if number in lines:
                spans[number] = (offset, offset + len(_body(line)) if line is not None
                                 else skipped_body(f, offset + size))
            offset += size
            number += 1
    return spans
