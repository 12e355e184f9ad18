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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import rejects_table

CRIME_ID = r"^[0-9a-fA-F]{64}$"
LSOA_CODE = r"^[EW]01[0-9]{6}$"
LSOA_NAME = re.compile(r"^(?P<la>.+) (?P<number>[0-9]{3}[A-Z])$")


@dataclass(frozen=True)
class CheckedRows:
    """The rows that passed (all text, plus `source_row`, the line), and the rejects (line, reason, raw)."""

    rows: pa.Table
    rejects: pa.Table
    records: int  # every record found: rows + rejects


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
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if bad_rows or tuple(table.column_names) != tuple(header) or table.num_rows != _count_lines(data) - 1:
        return None
    lines = pa.array(range(2, table.num_rows + 2), pa.int64())
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
    table = pa.table({**{k: pa.array(v, pa.string()) for k, v in columns.items()},
                      "source_row": pa.array(lines, pa.int64())})
    return table, rejects


def _first_reason(reasons: list[pa.Array]) -> pa.Array:
    """Per row, the first non-null reason of the checks, in order."""
    return pc.coalesce(*reasons) if len(reasons) > 1 else reasons[0]


def _why(fails: pa.Array, text: pa.Array, template: str) -> pa.Array:
    """`template` with the row's value in place of `{}` where `fails`, else null."""
    head, _, tail = template.partition("{}")
    quoted = pc.binary_join_element_wise(pa.scalar(head + "'"), pc.utf8_slice_codeunits(text, 0, 80),
                                         pa.scalar("'" + tail), pa.scalar(""))
    return pc.if_else(fails, quoted, pa.scalar(None, pa.string()))


def _month_check(table: pa.Table, month: date, path: Path) -> pa.Array:
    expected = f"{month:%Y-%m}"
    published = table["Month"].combine_chunks()
    wrong = pc.not_equal(published, expected)
    n_wrong = pc.sum(wrong).as_py() or 0
    if table.num_rows and 2 * n_wrong > table.num_rows:
        counts = pc.value_counts(pc.filter(published, wrong))
        most = pc.index(counts.field("counts"), pc.max(counts.field("counts"))).as_py()
        common, n_common = counts.field("values")[most].as_py(), counts.field("counts")[most].as_py()
        raise SourceRefused(path, f"{n_common:,} of its {table.num_rows:,} rows are dated {common}, not {expected} "
                                  f"as its name says: is it the {common} file renamed? Nothing was written")
    return _why(wrong, published, "dated {}, not " + expected + " as the file's name says")


def _crime_id_check(ids: pa.Array, allow_blank: bool) -> pa.Array:
    blank = pc.equal(ids, "")
    bad = pc.and_(pc.invert(blank), pc.invert(pc.match_substring_regex(ids, CRIME_ID)))
    reasons = _why(bad, ids, "Crime ID {} is not 64 hexadecimal characters")
    if allow_blank:
        return reasons
    missing = pc.if_else(blank, pa.scalar("no Crime ID: an outcome must name its crime"), pa.scalar(None, pa.string()))
    return pc.coalesce(missing, reasons)


def _number_check(text: pa.Array, name: str) -> pa.Array:
    stripped = pc.utf8_trim_whitespace(text)
    number = pc.match_substring_regex(stripped, r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
    bad = pc.and_(pc.not_equal(stripped, ""), pc.invert(number))
    return _why(bad, text, name + " {} is not a number")


def _lsoa_check(codes: pa.Array, names: pa.Array) -> pa.Array:
    no_code, no_name = pc.equal(codes, ""), pc.equal(names, "")
    half = pc.not_equal(no_code, no_name)
    bad_code = pc.and_(pc.invert(no_code), pc.invert(pc.match_substring_regex(codes, LSOA_CODE)))
    bad_name = pc.and_(pc.invert(no_name), pc.invert(pc.match_substring_regex(names, LSOA_NAME.pattern)))
    reasons = [
        pc.if_else(half, pa.scalar("LSOA code and LSOA name must be given together"), pa.scalar(None, pa.string())),
        _why(bad_code, codes, "LSOA code {} is not an LSOA code (E01 or W01 and six digits)"),
        _why(bad_name, names, "LSOA name {} is not '<local authority> <3 digits><letter>'"),
        _lsoa_consistency(codes, names),
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
    blank = pc.equal(pc.utf8_trim_whitespace(text), "")
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


def read_checked(path: Path, header: Sequence[str], month: date, *, blank_crime_id: bool,
                 required: str) -> CheckedRows:
    """The file's checked rows and rejects (see the module's doc); SourceRefused for a whole-file fault."""
    table = _fast_read(path, header)
    early: list[tuple[int, str, str]] = []
    fast = table is not None
    if table is None:
        table, early = _slow_read(path, header)
    reasons = _first_reason([
        _month_check(table, month, path),
        _crime_id_check(table["Crime ID"].combine_chunks(), blank_crime_id),
        _number_check(table["Longitude"].combine_chunks(), "Longitude"),
        _number_check(table["Latitude"].combine_chunks(), "Latitude"),
        _lsoa_check(table["LSOA code"].combine_chunks(), table["LSOA name"].combine_chunks()),
        _required(table[required].combine_chunks(), required),
    ])
    bad = pc.is_valid(reasons)
    good = table.filter(pc.invert(bad))
    failed = table.filter(bad)
    lines = failed["source_row"].to_pylist()
    if fast:
        texts = _raw_lines(path, lines)
        raws = [texts.get(n, "") for n in lines]
    else:
        raws = [",".join(values) for values in zip(*(failed[c].to_pylist() for c in header), strict=True)]
    rejected = early + list(zip(lines, pc.filter(reasons, bad).to_pylist(), raws, strict=True))
    rejected.sort()
    rejects = rejects_table([r[0] for r in rejected], [r[1] for r in rejected], [r[2] for r in rejected])
    return CheckedRows(good, rejects, good.num_rows + rejects.num_rows)


def la_name(lsoa_names: pa.Array) -> pa.Array:
    """The local authority an LSOA's published name begins with ("Hackney 001A" → "Hackney"); null if none."""
    stripped = pc.replace_substring_regex(lsoa_names, r" [0-9]{3}[A-Z]$", "")
    return pc.if_else(pc.equal(lsoa_names, ""), pa.scalar(None, pa.string()), stripped)
