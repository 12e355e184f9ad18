"""Reading a CSV as a table of text cells that still knows which file line each row came from.

The Census and lookup files are small, and a wrong cell must be refused with its line and column, so
they are read whole as text with pandas and converted afterwards.
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np
import numpy.typing as npt
import pandas as pd

from scrutiny.errors import SourceRefused


def clean_header(name: str) -> str:
    """A header name with its line breaks and runs of spaces collapsed (spreadsheet exports wrap them)."""
    return " ".join(name.split())


@dataclass(frozen=True)
class TextTable:
    """A CSV read as text, with what is needed to point a user at the offending line."""

    path: Path
    frame: pd.DataFrame
    header_lines: int
    sep: str

    def line(self, row: int) -> int:
        """Physical line of data row `row`, assuming data rows do not span lines (true of all layouts)."""
        return self.header_lines + 1 + row

    def refuse(self, reason: str) -> NoReturn:
        raise SourceRefused(self.path, reason)

    def column(self, name: str) -> npt.NDArray[np.str_]:
        if name not in self.frame.columns:
            found = ", ".join(repr(clean_header(str(c))) for c in self.frame.columns[:6])
            self.refuse(f"missing column {name!r} (header has {found}{', ...' if self.frame.shape[1] > 6 else ''})")
        return self.frame[name].to_numpy(dtype=str)

    def refuse_cell(self, row: int, column: str, reason: str) -> NoReturn:
        """Refuse at a cell, saying so when the real problem is a short line rather than a bad value."""
        line = self.line(row)
        found = self._fields_on_line(line)
        if found is not None and found != self.frame.shape[1]:
            self.refuse(f"line {line}: expected {self.frame.shape[1]} fields, found {found}")
        self.refuse(f"line {line}, column {clean_header(column)!r}: {reason}")

    def _fields_on_line(self, line: int) -> int | None:
        lines = self.path.read_text(encoding="utf-8-sig").split("\n")
        if line > len(lines):
            return None
        return len(next(csv.reader([lines[line - 1].rstrip("\r")], delimiter=self.sep), []))


def read_text_table(path: Path, sep: str) -> TextTable:
    """Every cell as text, blank lines kept so row numbers map to lines; refuse what pandas cannot split."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                path,
                sep=sep,
                dtype=str,
                encoding="utf-8-sig",
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
                engine="c",
            )
    except UnicodeDecodeError as error:
        raise SourceRefused(path, f"not UTF-8 text (byte {error.start})") from None
    except pd.errors.EmptyDataError:
        raise SourceRefused(path, "empty file") from None
    except pd.errors.ParserWarning:  # pandas only warns when the first data row is the long one
        line = 2 + _header_line_breaks(path, sep)
        raise SourceRefused(path, f"line {line}: more fields than the header") from None
    except pd.errors.ParserError as error:
        raise SourceRefused(path, _parser_reason(str(error), path, sep)) from None
    header_lines = 1 + sum(str(name).count("\n") for name in frame.columns)
    table = TextTable(path, frame, header_lines, sep)
    return _drop_blank_lines(table)


def _parser_reason(message: str, path: Path, sep: str) -> str:
    """pandas' tokenizer error in our words; its line numbers count a multi-line header as one line."""
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if not match:
        return f"not a {sep!r}-separated file: {message.removeprefix('Error tokenizing data. C error: ')}"
    line = int(match[2]) + _header_line_breaks(path, sep)
    return f"line {line}: expected {match[1]} fields, found {match[3]}"


def _header_line_breaks(path: Path, sep: str) -> int:
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f, delimiter=sep), [])
    return sum(name.count("\n") for name in header)


def _drop_blank_lines(table: TextTable) -> TextTable:
    """Blank lines (a trailing one is common) carry nothing; keep the index so line numbers still hold."""
    if table.frame.empty:
        table.refuse("no data rows after the header")
    blank = (table.frame == "").all(axis=1)
    if blank.all():
        table.refuse("no data rows after the header")
    if blank.any():
        return TextTable(table.path, table.frame[~blank], table.header_lines, table.sep)
    return table
