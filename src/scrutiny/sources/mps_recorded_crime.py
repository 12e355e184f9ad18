"""Metropolitan Police recorded crime by borough and month: the MPS's own wide files
(`MajorText,MinorText,BoroughName,<YYYYMM>,<YYYYMM>,...`), read into the long table `mps_recorded_crime`.

They are the one published source that splits London's drug offences into possession and trafficking by
borough (data.police.uk's street files only say `Drugs`). The MPS publishes them as a long back series and a
rolling recent one, so a file is a run of consecutive months, and a later file may cover months an earlier one
did: a file **replaces every month it covers**, whichever file loaded them before, so no month is ever counted
twice and the last file loaded wins (a corrected re-publication). Its unit is that run of months
(`mps_recorded_crime/2010-04..2024-03`), so the same period published again replaces its earlier load whole.

A file whose header is not a run of months is refused whole; a bad line (wrong number of cells, an unknown
borough, a repeated category) or a bad cell (not a whole number, negative) is rejected with its line and
reason, and the rest of the file loads.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path

import pyarrow as pa

from scrutiny.catalog import read_catalog
from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import Head, Recognised, SourceKind, Table, TableRows, rejects_table
from scrutiny.vocab.months import add_months, label

HEADER = ("MajorText", "MinorText", "BoroughName")
MPS_CRIME = Table("mps_recorded_crime", {
    "borough_name": "VARCHAR NOT NULL",  # as the MPS spells it
    "la_code": "VARCHAR",  # the borough's E09 code; NULL for the MPS's rows that are no borough
    "major_text": "VARCHAR NOT NULL",
    "minor_text": "VARCHAR NOT NULL",
    "month": "DATE NOT NULL",
    "offences": "BIGINT NOT NULL",
    "source": "VARCHAR NOT NULL",  # the load unit, e.g. mps_recorded_crime/2010-04..2024-03 (ingest_log.unit)
})
# Rows the MPS publishes beside the 32 boroughs: kept (they are part of the Met's total), with no borough code.
NOT_A_BOROUGH = frozenset({"unknown", "london heathrow and london city airports"})
_MONTH_COLUMN = re.compile(r"([12][0-9]{3})(0[1-9]|1[0-2])")
_COUNT = re.compile(r"[0-9]+")  # ASCII digits only
_NEGATIVE = re.compile(r"-[0-9]+")
BIGINT_MAX = 2**63 - 1


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


@cache
def borough_codes() -> dict[str, str]:
    """London borough names (case and spacing folded) to E09 codes, from `catalog/london_boroughs.csv`."""
    return {_key(row["area_name"]): row["area_code"] for row in read_catalog("london_boroughs.csv")}


def header_months(path: Path, header: Sequence[str]) -> list[date]:
    """The months of the header's columns after the first three: consecutive `YYYYMM`s, else SourceRefused."""
    columns = [cell.strip() for cell in header[len(HEADER):]]
    if not columns:
        raise SourceRefused(path, "no month columns after MajorText, MinorText, BoroughName")
    months = []
    for position, column in enumerate(columns, start=len(HEADER) + 1):
        match = _MONTH_COLUMN.fullmatch(column)
        if match is None:
            raise SourceRefused(path, f"column {position} of the header is {column!r}, not a month as YYYYMM")
        months.append(date(int(match[1]), int(match[2]), 1))
    for before, after in pairwise(months):
        if after != add_months(before, 1):
            raise SourceRefused(path, f"month columns must run without a gap or repeat: {before:%Y%m} is "
                                           f"followed by {after:%Y%m}")
    return months


class MpsRecordedCrime:
    """MPS recorded crime by borough, major and minor category and month; a file replaces the months it covers."""

    kind = SourceKind.MPS_RECORDED_CRIME
    label = "mps"
    table = MPS_CRIME
    load_order = 0
    rejects_nul_lines = False

    def recognise(self, head: Head) -> Recognised | None:
        if head.is_json or head.csv_header[: len(HEADER)] != HEADER:
            return None
        months = header_months(head.path, head.csv_header)
        return Recognised(head.path, self.kind, variant=f"{label(months[0])}..{label(months[-1])}", source=self)

    def unit(self, item: Recognised) -> str:
        return f"mps_recorded_crime/{item.variant}"

    def read(self, item: Recognised) -> TableRows:
        try:
            text = item.path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceRefused(item.path, f"not UTF-8 text (invalid byte at offset {exc.start})") from None
        except OSError as exc:
            raise SourceRefused(item.path, f"cannot be read: {exc.strerror}") from None
        return _read_text(item, text, self.unit(item))


class _Rows:
    """The long rows and rejects of one file, gathered column by column."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.columns: dict[str, list[object]] = {name: [] for name in MPS_CRIME.columns or {}}
        self.rejects: dict[str, list[object]] = {"line": [], "reason": [], "raw": []}

    def reject(self, line: int, reason: str, raw: str) -> None:
        self.rejects["line"].append(line)
        self.rejects["reason"].append(reason)
        self.rejects["raw"].append(raw)

    def add(self, borough: str, code: str | None, major: str, minor: str, month: date, offences: int) -> None:
        for name, value in (("borough_name", borough), ("la_code", code), ("major_text", major),
                            ("minor_text", minor), ("month", month), ("offences", offences),
                            ("source", self.source)):
            self.columns[name].append(value)

    def table_rows(self, months: list[date]) -> TableRows:
        types = {"borough_name": pa.string(), "la_code": pa.string(), "major_text": pa.string(),
                 "minor_text": pa.string(), "month": pa.date32(), "offences": pa.int64(), "source": pa.string()}
        rows = pa.table({name: pa.array(values, types[name]) for name, values in self.columns.items()})
        rejects = rejects_table(self.rejects["line"], self.rejects["reason"], self.rejects["raw"])
        return TableRows(rows, {"month": tuple(months)}, rejects)


def _cell_problem(text: str) -> str | None:
    """Why a month cell is not a count of offences, or None when it is one."""
    if _COUNT.fullmatch(text):
        return None if int(text) <= BIGINT_MAX else f"{text!r} is too large to be a count"
    if _NEGATIVE.fullmatch(text):
        return f"{text!r} is a negative count"
    return "empty, not a count" if not text else f"{text!r} is not a count"


def _read_text(item: Recognised, text: str, source: str) -> TableRows:
    """Every cell of the file as a row of `mps_recorded_crime`, or a reject naming its line and column."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]  # as csv counts them: ends at \n
    reader = csv.reader(io.StringIO(text), strict=True)  # an unclosed quote refuses the file, naming its line
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise SourceRefused(item.path, "no header line") from None
    months = header_months(item.path, header)
    out = _Rows(source)
    codes = borough_codes()
    seen: dict[tuple[str, str, str], int] = {}
    end = reader.line_num
    while True:
        start = end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SourceRefused(item.path, f"line {start}: {exc}") from None
        end = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # a blank line (the last line's newline, or a spreadsheet's empty row)
        raw = "\n".join(lines[start - 1: end])
        if len(record) != len(header):
            out.reject(start, f"{len(record)} cells where the header has {len(header)}", raw)
            continue
        major, minor, borough = (cell.strip() for cell in record[: len(HEADER)])
        if not (major and minor and borough):
            out.reject(start, "empty MajorText, MinorText or BoroughName", raw)
            continue
        code = codes.get(_key(borough))
        if code is None and _key(borough) not in NOT_A_BOROUGH:
            out.reject(start, f"BoroughName {borough!r} is not a London borough (catalog/london_boroughs.csv)", raw)
            continue
        key = (_key(major), _key(minor), _key(borough))
        if key in seen:
            out.reject(start, f"{major} / {minor} / {borough} repeats line {seen[key]}", raw)
            continue
        seen[key] = start
        for month, cell in zip(months, record[len(HEADER):], strict=True):
            value = cell.strip()
            problem = _cell_problem(value)
            if problem is None:
                out.add(borough, code, major, minor, month, int(value))
            else:
                out.reject(start, f"column {month:%Y%m} ({borough}, {minor}): {problem}", raw)
    return out.table_rows(months)


MPS_RECORDED_CRIME = MpsRecordedCrime()
