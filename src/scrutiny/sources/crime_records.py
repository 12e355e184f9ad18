"""Read a data.police.uk street-crime or outcomes CSV into checked rows and rejects, each reject with its line
and reason (docs/data-model.md, "street_crime" and "crime_outcome").

A clean file (one record per line, as published) is read by pyarrow in one go and checked column by column;
anything else (a quoted line break, a short or long row) is read record by record with Python's `csv`, so
line numbers are always those of the file. Checks, in order, the first failing one giving the reason:

- `Month` is the month the file's name gives (a file mostly dated otherwise is refused whole: it is another
  month's file renamed);
- `Crime ID` is 64 hexadecimal characters, or blank where blanks are allowed (street anti-social behaviour,
  and crimes some forces published without one); an outcome must name its crime;
- `Longitude`/`Latitude` are numbers or blank;
- `LSOA code` and `LSOA name` are both given or both blank, the code is an LSOA's (E01/W01 and six digits),
  the name is "<local authority> <3 digits><letter>", and a code lies in the same local authority on every
  row of the file (a row naming another authority than most rows give that code is rejected);
- the kind's required text (`Crime type`, `Outcome type`) is not blank.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import rejects_table

CRIME_ID = r"^[0-9a-fA-F]{64}$"
LSOA_CODE = r"^[EW]01[0-9]{6}$"
NUMBER = r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"
COORDINATES = ("Longitude", "Latitude")
LSOA_NAME = re.compile(r"^(?P<la>.+) (?P<number>[0-9]{3}[A-Z])$")
# Columns whose text repeats row after row (a file's month and force, a few thousand places, a dozen types):
# read dictionary-encoded, so each check and conversion runs once per distinct value (`per_value`).
REPEATED = frozenset({"Month", "Reported by", "Falls within", "Location", "LSOA code", "LSOA name", "Crime type",
                      "Last outcome category", "Outcome type"})
TEXT = pa.string()
CODED = pa.dictionary(pa.int32(), pa.string())


def _column_type(name: str) -> pa.DataType:
    return CODED if name in REPEATED else TEXT


def per_value(column: pa.Array | pa.ChunkedArray, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`fn` (row by row, same length out) over a column; over its distinct values only when it is
    dictionary-encoded, then spread back to the rows."""
    if not pa.types.is_dictionary(column.type):
        return fn(column)
    coded = single(column)
    return pc.take(fn(coded.dictionary), coded.indices)


def recode(column: pa.Array | pa.ChunkedArray, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`fn` (text to text, null for none) over a column; over a dictionary-encoded one's distinct values, the
    rows left pointing at them: nothing is spread back row by row (DuckDB reads codes as readily as text)."""
    if not pa.types.is_dictionary(column.type):
        return fn(column)
    coded = single(column)
    values, indices = fn(coded.dictionary), coded.indices
    if values.null_count:  # a value that becomes null: its rows' codes become null
        indices = pc.if_else(pc.take(pc.is_valid(values), indices), indices, pa.scalar(None, indices.type))
        values = pc.fill_null(values, "")
    return pa.DictionaryArray.from_arrays(indices, values)


def single(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The column as one array (without a copy when it is one chunk already)."""
    if isinstance(column, pa.Array):
        return column
    if column.num_chunks == 1:
        return column.chunk(0)
    return (column.unify_dictionaries() if pa.types.is_dictionary(column.type) else column).combine_chunks()


def as_text(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The column as plain text (dictionary-encoded ones decoded)."""
    return column.cast(TEXT) if pa.types.is_dictionary(column.type) else column


def text_or_null(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Published text as stored: blank is null."""
    return recode(values, lambda v: pc.if_else(pc.equal(v, ""), pa.scalar(None, TEXT), v))


def number(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A coordinate as stored, trimmed as `_number_check` trims it; blank is null."""
    return pc.cast(text_or_null(pc.ascii_trim_whitespace(values)), pa.float64())


def number_column(name: str) -> str:
    """The column `check_files` adds beside a coordinate's text: its value, parsed once by the check."""
    return f"{name} (number)"


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def _fast_read(path: Path, header: Sequence[str]) -> pa.Table | None:
    """The file as text columns when it is one record a line with the right number of fields; else None."""
    bad_rows: list[int] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row.number or 0)
        return "skip"

    data = path.read_bytes()  # read once: pyarrow parses these bytes, and they are counted for lines
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=8 << 20),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={name: _column_type(name) for name in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if bad_rows or tuple(table.column_names) != tuple(header) or table.num_rows != _count_lines(data) - 1:
        return None
    lines = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))  # range() was 0.35 s a million rows
    return table.append_column("source_row", lines)


def _slow_read(path: Path, header: Sequence[str]) -> tuple[pa.Table, list[tuple[int, str, str]]]:
    """Record by record: rows with the header's number of fields, and rejects for the others."""
    columns: dict[str, list[str]] = {name: [] for name in header}
    lines: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader, None)
        start = reader.line_num + 1
        for record in reader:
            if not record:
                start = reader.line_num + 1
                continue
            if len(record) != len(header):
                rejects.append((start, f"expected {len(header)} fields, found {len(record)}", ",".join(record)))
            else:
                for name, value in zip(header, record, strict=True):
                    columns[name].append(value)
                lines.append(start)
            start = reader.line_num + 1
    text = {k: pa.array(v, TEXT) for k, v in columns.items()}
    table = pa.table({**{k: v.dictionary_encode() if k in REPEATED else v for k, v in text.items()},
                      "source_row": pa.array(lines, pa.int64())})
    return table, rejects


def _first_reason(reasons: list[pa.Array]) -> pa.Array:
    """Per row, the first non-null reason of the checks, in order."""
    return pc.coalesce(*reasons) if len(reasons) > 1 else reasons[0]


def _why(fails: pa.Array, text: pa.Array, template: str) -> pa.Array:
    """`template` with the row's value in place of `{}` where `fails`, else null. Messages are only built
    when some row fails: building them for every row cost more than the checks."""
    if not pc.any(fails).as_py():
        return pa.nulls(len(fails), pa.string())
    head, _, tail = template.partition("{}")
    quoted = pc.binary_join_element_wise(pa.scalar(head + "'"), pc.utf8_slice_codeunits(as_text(text), 0, 80),
                                         pa.scalar("'" + tail), pa.scalar(""))
    return pc.if_else(fails, quoted, pa.scalar(None, pa.string()))


def _month_check(table: pa.Table, month: date, path: Path) -> pa.Array:
    expected = f"{month:%Y-%m}"
    published = as_text(table["Month"].combine_chunks())
    wrong = pc.not_equal(published, expected)
    n_wrong = pc.sum(wrong).as_py() or 0
    if table.num_rows and 2 * n_wrong > table.num_rows:
        counts = pc.value_counts(pc.filter(published, wrong))
        most = pc.index(counts.field("counts"), pc.max(counts.field("counts"))).as_py()
        common, n_common = counts.field("values")[most].as_py(), counts.field("counts")[most].as_py()
        raise SourceRefused(path, f"{n_common:,} of its {table.num_rows:,} rows are dated {common}, not {expected} "
                                  f"as its name says: is it the {common} file renamed? Nothing was written")
    return _dated(wrong, published, pa.scalar(expected))


def _dated(wrong: pa.Array, published: pa.Array, expected: pa.Scalar | pa.Array) -> pa.Array:
    """The month check's reason where `wrong` (one wording for one file and for a batch of them)."""
    if not pc.any(wrong).as_py():
        return pa.nulls(len(wrong), TEXT)
    message = pc.binary_join_element_wise(pa.scalar("dated '"), pc.utf8_slice_codeunits(as_text(published), 0, 80),
                                          pa.scalar("', not "), expected, pa.scalar(" as the file's name says"),
                                          pa.scalar(""))
    return pc.if_else(wrong, message, pa.scalar(None, TEXT))


_HEX_ROWS = 16384  # Crime IDs checked at once: 1 MB of bytes


def _not_hex64(column: pa.Array | pa.ChunkedArray) -> pa.Array | None:
    """Rows given but not 64 hexadecimal characters, decided over the bytes when every given ID is 64 bytes
    long (as published: matching each against CRIME_ID cost twice as much); None when some length differs
    or the column is not plain text, for the regex to decide."""
    ids = single(column)
    if not pa.types.is_string(ids.type) or ids.null_count:
        return None
    offsets = np.frombuffer(ids.buffers()[1], np.int32)[ids.offset: ids.offset + len(ids) + 1]
    lengths = np.diff(offsets)
    given = lengths > 0
    if not np.all(lengths[given] == 64):
        return None
    data = np.frombuffer(ids.buffers()[2], np.uint8)[offsets[0]: offsets[-1]]  # the given IDs, end to end
    wrong = np.empty(len(data) // 64, bool)
    for start in range(0, len(wrong), _HEX_ROWS):  # a block at a time: its temporaries stay in the cache
        block = data[start * 64: (start + _HEX_ROWS) * 64]
        hexadecimal = ((block - 48) < 10) | ((block - 65) < 6) | ((block - 97) < 6)  # 0-9 A-F a-f (uint8 wraps)
        wrong[start: start + _HEX_ROWS] = ~hexadecimal.reshape(-1, 64).all(axis=1)
    bad = np.zeros(len(ids), bool)
    bad[given] = wrong
    return pa.array(bad)


CRIME_KEY_DIGITS = 32  # of the Crime ID's 64 hex digits, the first 32 (128 bits) make its key
# The same key in SQL, to fill `crime_key` for rows loaded before the column existed (warehouse/table_upgrades.py);
# tests/sources/test_crime_key.py holds the two to the same value.
CRIME_KEY_SQL = ("CAST(substr(crime_id, 1, 8) || '-' || substr(crime_id, 9, 4) || '-' || substr(crime_id, 13, 4) "
                 "|| '-' || substr(crime_id, 17, 4) || '-' || substr(crime_id, 21, 12) AS UUID)")


def crime_id_columns(column: pa.Array | pa.ChunkedArray) -> dict[str, pa.Array]:
    """`crime_id` (lower case) and `crime_key` of checked Crime IDs (64 hex digits, or blank: null)."""
    ids = pc.ascii_lower(text_or_null(column))
    if isinstance(ids, pa.Array):
        return {"crime_id": ids, "crime_key": crime_key(ids)}
    # chunk by chunk: one array of a run's IDs is a copy, and DuckDB reads a table in parallel by its chunks
    return {"crime_id": ids, "crime_key": pa.chunked_array([crime_key(c) for c in ids.chunks], pa.uuid())}


def crime_key(ids: pa.Array) -> pa.Array:
    """The first 128 bits of each lower-case 64-hex Crime ID as a UUID (null for null). Crimes link to their
    outcomes on it: a 16-byte key joins about 2.5 times faster than the 64-character text, and two published
    IDs (SHA-256 digests) sharing their first 128 bits has a chance near 1e-22 among a hundred million."""
    if not pa.types.is_string(ids.type):
        ids = ids.cast(TEXT)
    offsets = np.frombuffer(ids.buffers()[1], np.int32)[ids.offset: ids.offset + len(ids) + 1]
    valid = np.asarray(ids.is_valid())
    if not np.all(np.diff(offsets)[valid] == 64):
        raise ValueError("crime_key needs checked Crime IDs: 64 hexadecimal digits or null")
    data = ids.buffers()[2]
    given = (np.frombuffer(data, np.uint8)[offsets[0]: offsets[-1]] if data is not None
             else np.empty(0, np.uint8)).reshape(-1, 64)
    keys = np.empty((len(given), 16), np.uint8)
    for start in range(0, len(given), _HEX_ROWS):  # a block at a time, as _not_hex64 does
        block = given[start: start + _HEX_ROWS, :CRIME_KEY_DIGITS]
        digits = (block & 15) + 9 * (block >> 6)  # '0'-'9' -> 0-9, 'a'-'f' -> 10-15
        keys[start: start + _HEX_ROWS] = (digits[:, 0::2] << 4) | digits[:, 1::2]
    validity = None
    if ids.null_count:
        keys, compact = np.zeros((len(ids), 16), np.uint8), keys
        keys[valid] = compact
        validity = pa.array(valid).buffers()[1]
    storage = pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), len(ids), [validity, pa.py_buffer(keys)],
                                                   null_count=ids.null_count)
    return pa.ExtensionArray.from_storage(pa.uuid(), storage)


def _crime_id_check(ids: pa.Array, allow_blank: bool) -> pa.Array:
    blank = pc.equal(ids, "")
    bad = _not_hex64(ids)
    if bad is None:
        bad = pc.and_(pc.invert(blank), pc.invert(pc.match_substring_regex(ids, CRIME_ID)))
    reasons = _why(bad, ids, "Crime ID {} is not 64 hexadecimal characters")
    if allow_blank:
        return reasons
    missing = pc.if_else(blank, pa.scalar("no Crime ID: an outcome must name its crime"), pa.scalar(None, pa.string()))
    return pc.coalesce(missing, reasons)


def _number_check(text: pa.Array, name: str, only: pa.Array | None = None) -> pa.Array:
    """Rows (among `only`, when given) whose trimmed text is not blank and not NUMBER."""
    stripped = pc.ascii_trim_whitespace(text)  # numbers are ASCII; the conversion trims the same way
    bad = pc.and_(pc.not_equal(stripped, "") if only is None else only,
                  pc.invert(pc.match_substring_regex(stripped, NUMBER)))
    return _why(bad, text, name + " {} is not a number")


def _coordinate(text: pa.Array, name: str) -> tuple[pa.Array | None, pa.Array]:
    """`number` and `_number_check` from one parse: the column's values (None when some value is no number,
    left to `number` on the rows that pass) and the check's reasons. Arrow's parse takes exactly what NUMBER
    does, and nan and inf besides: those few rows are matched against NUMBER (the regex over every row cost
    more than the parse)."""
    try:
        values = number(text)
    except pa.ArrowInvalid:
        return None, _number_check(text, name)
    odd = pc.fill_null(pc.invert(pc.is_finite(values)), False)
    if not pc.any(odd).as_py():
        return values, pa.nulls(len(text), TEXT)
    return values, _number_check(text, name, only=odd)


def _given_but_not(text: pa.Array, pattern: str) -> pa.Array:
    return pc.and_(pc.not_equal(text, ""), pc.invert(pc.match_substring_regex(text, pattern)))


def _lsoa_check(codes: pa.Array, names: pa.Array) -> pa.Array:
    no_code, no_name = per_value(codes, lambda v: pc.equal(v, "")), per_value(names, lambda v: pc.equal(v, ""))
    half = pc.not_equal(no_code, no_name)
    bad_code = per_value(codes, lambda v: _given_but_not(v, LSOA_CODE))
    bad_name = per_value(names, lambda v: _given_but_not(v, LSOA_NAME.pattern))
    reasons = [
        pc.if_else(half, pa.scalar("LSOA code and LSOA name must be given together"), pa.scalar(None, pa.string())),
        _why(bad_code, codes, "LSOA code {} is not an LSOA code (E01 or W01 and six digits)"),
        _why(bad_name, names, "LSOA name {} is not '<local authority> <3 digits><letter>'"),
    ]
    return _first_reason(reasons)


def _lsoa_consistency(codes: pa.Array, names: pa.Array) -> pa.Array:
    """A reason on each row whose LSOA name puts its code in another local authority than most rows of the
    file do. Only the authority is compared: the same code under two numbers of one authority is real (the
    published files mix 2011 and 2021 LSOA names), a code in two authorities is not."""
    authorities = la_name(names)
    pairs = pa.table({"code": codes, "la": authorities}).group_by(["code", "la"]).aggregate([([], "count_all")])
    if pairs.num_rows == pc.count_distinct(pairs["code"]).as_py():
        return pa.nulls(len(codes), pa.string())  # every code in one authority: nothing to say
    usual: dict[str, tuple[int, str]] = {}
    for code, la, n in zip(pairs["code"].to_pylist(), pairs["la"].to_pylist(), pairs["count_all"].to_pylist(),
                           strict=True):
        if code and la is not None and (code not in usual or (n, la) > usual[code]):
            usual[code] = (n, la)
    expected = pa.array([usual[c][1] if c in usual else a for c, a in zip(codes.to_pylist(),
                                                                          authorities.to_pylist(), strict=True)],
                        pa.string())
    wrong = pc.fill_null(pc.not_equal(authorities, expected), False)
    message = pc.binary_join_element_wise(pa.scalar("LSOA code "), codes, pa.scalar(" is in "), expected,
                                          pa.scalar(" on most rows of this file, but its name here is '"), names,
                                          pa.scalar("'"), pa.scalar(""))
    return pc.if_else(wrong, message, pa.scalar(None, pa.string()))


def _required(text: pa.Array, name: str) -> pa.Array:
    blank = per_value(text, lambda v: pc.equal(pc.utf8_trim_whitespace(v), ""))
    return pc.if_else(blank, pa.scalar(f"no {name}"), pa.scalar(None, pa.string()))


def _raw_lines(path: Path, wanted: list[int]) -> dict[int, str]:
    """The published text of these lines (the fast path's rejects: one record a line)."""
    targets, found = set(wanted), dict[int, str]()
    if not targets:
        return found
    with path.open(encoding="utf-8", newline="") as f:
        for number, line in enumerate(f, start=1):
            if number in targets:
                found[number] = line.rstrip("\r\n")
                if len(found) == len(targets):
                    break
    return found


@dataclass(frozen=True)
class RawFile:
    """One file as read, before any check: its text columns (plus `source_row`) and what reading rejected."""

    path: Path
    month: date  # the month its name gives
    table: pa.Table
    early: list[tuple[int, str, str]]  # records with the wrong number of fields (line, reason, raw)
    fast: bool  # one record a line: a row's raw text is its line


def read_raw(path: Path, header: Sequence[str], month: date) -> RawFile:
    """The file's records as text, by the fast path when it can take them, else record by record."""
    table = _fast_read(path, header)
    if table is not None:
        return RawFile(path, month, table, [], True)
    table, early = _slow_read(path, header)
    return RawFile(path, month, table, early, False)


@dataclass(frozen=True)
class CheckedBatch:
    """The rows of several files that passed, one table (`file`: each row's position in the batch), and per
    file how many passed and what was rejected."""

    rows: pa.Table
    passed: list[int]
    rejects: list[pa.Table]


def _file_slices(files: pa.Array, count: int) -> list[int]:
    """Rows per file of a table whose `file` column runs 0, 0, ..., 1, 1, ... (files in order)."""
    return [int(n) for n in np.bincount(files.to_numpy(zero_copy_only=False), minlength=count)]


def _month_checks(whole: pa.Table, files: list[RawFile]) -> pa.Array:
    """The month check over a batch; a file mostly dated otherwise is refused whole (`_month_check`)."""
    published = single(whole["Month"])
    expected = pa.array([f"{f.month:%Y-%m}" for f in files], TEXT)
    # compared as dictionary positions: a file's month is one value, whatever its rows
    expected_at = pc.fill_null(pc.index_in(expected, value_set=published.dictionary), -1)
    wrong = pc.not_equal(published.indices, pc.take(expected_at, whole["file"]))
    per_file = np.bincount(whole["file"].to_numpy(zero_copy_only=False),
                           weights=wrong.to_numpy(zero_copy_only=False), minlength=len(files))
    for f, n_wrong in zip(files, per_file, strict=True):
        if 2 * n_wrong > f.table.num_rows:
            _month_check(f.table, f.month, f.path)  # raises, naming the month most rows give
    return _dated(wrong, published, pc.take(expected, whole["file"]))


def _lsoa_consistency_checks(whole: pa.Table, counts: list[int]) -> pa.Array:
    """`_lsoa_consistency` for each file of a batch, run only on the files where a code is in two authorities."""
    codes, names = single(whole["LSOA code"]), single(whole["LSOA name"])
    pairs = pa.table({"code": codes.indices, "name": names.indices}).group_by(["code", "name"]).aggregate([])
    authority_of_name = la_name(names.dictionary)
    authorities = pa.table({"code": pc.take(codes.dictionary, pairs["code"]),
                            "la": pc.take(authority_of_name, pairs["name"])}).group_by(["code", "la"]).aggregate([])
    if authorities.num_rows == pc.count_distinct(authorities["code"]).as_py():
        return pa.nulls(whole.num_rows, TEXT)  # every code in one authority across the batch
    rows = pa.table({"file": whole["file"], "code": codes.indices, "la": pc.take(authority_of_name, names.indices)})
    distinct = rows.group_by(["file", "code", "la"]).aggregate([])
    per_code = distinct.group_by(["file", "code"]).aggregate([([], "count_all")])
    torn = set(pc.filter(per_code["file"], pc.greater(per_code["count_all"], 1)).to_pylist())
    pieces, start = [], 0
    for i, n in enumerate(counts):
        piece = whole.slice(start, n)
        pieces.append(_lsoa_consistency(as_text(piece["LSOA code"]).combine_chunks(),
                                        as_text(piece["LSOA name"]).combine_chunks())
                      if i in torn else pa.nulls(n, TEXT))
        start += n
    return pa.concat_arrays(pieces)


def check_files(files: list[RawFile], header: Sequence[str], *, blank_crime_id: bool,
                required: str) -> CheckedBatch:
    """Every check of the module's doc over several files at once (per file, a check's fixed cost was most of
    the load); SourceRefused for a whole-file fault."""
    counts = [f.table.num_rows for f in files]
    whole = pa.concat_tables([f.table.select([*header, "source_row"]) for f in files])
    whole = whole.unify_dictionaries().combine_chunks()  # one chunk a column: `per_value` works on it once
    whole = whole.append_column("file", pa.array(np.repeat(np.arange(len(files), dtype=np.int32), counts)))
    coordinates = {name: _coordinate(whole[name], name) for name in COORDINATES}
    for name, (values, _) in coordinates.items():
        if values is not None:
            whole = whole.append_column(number_column(name), values)
    reasons = _first_reason([
        _month_checks(whole, files),
        _crime_id_check(whole["Crime ID"], blank_crime_id),
        *(why for _, why in coordinates.values()),
        _lsoa_check(whole["LSOA code"], whole["LSOA name"]),
        _lsoa_consistency_checks(whole, counts),
        _required(whole[required], required),
    ])
    bad = pc.is_valid(reasons)
    if pc.any(bad).as_py():
        good = whole.filter(pc.invert(bad))
        failed = whole.filter(bad).append_column("reason", pc.filter(reasons, bad))
    else:  # the usual case, and filtering a table is not free even when it keeps every row
        good, failed = whole, whole.slice(0, 0).append_column("reason", pa.array([], pa.string()))
    failed_counts = _file_slices(failed["file"].combine_chunks(), len(files))
    rejects, start = [], 0
    for f, n in zip(files, failed_counts, strict=True):
        rejects.append(_file_rejects(f, failed.slice(start, n), header))
        start += n
    for name, (values, _) in coordinates.items():
        if values is None:  # some value was no number: the rows left are
            good = good.append_column(number_column(name), number(good[name]))
    return CheckedBatch(good, _file_slices(good["file"].combine_chunks(), len(files)), rejects)


def _file_rejects(f: RawFile, failed: pa.Table, header: Sequence[str]) -> pa.Table:
    """A file's rejects (line, reason, raw): those of reading and those of the checks, in line order."""
    lines = failed["source_row"].to_pylist()
    if f.fast:
        texts = _raw_lines(f.path, lines)
        raws = [texts.get(n, "") for n in lines]
    else:
        raws = [",".join(values) for values in zip(*(failed[c].to_pylist() for c in header), strict=True)]
    rejected = f.early + list(zip(lines, failed["reason"].to_pylist(), raws, strict=True))
    rejected.sort()
    return rejects_table([r[0] for r in rejected], [r[1] for r in rejected], [r[2] for r in rejected])


def la_name(lsoa_names: pa.Array) -> pa.Array:
    """The local authority an LSOA's published name begins with ("Hackney 001A" → "Hackney"); null if none."""
    stripped = pc.replace_substring_regex(lsoa_names, r" [0-9]{3}[A-Z]$", "")
    return pc.if_else(pc.equal(lsoa_names, ""), pa.scalar(None, pa.string()), stripped)
