"""A minimal reader of OpenDocument spreadsheet cells, standard library only.

Tests of the use-of-force loader (which reads .ods with pandas and odfpy) need the published cells read another
way: this reads `content.xml` straight from the zip, expanding repeated rows and columns and counting covered
(merged-away) cells, so row and column positions are those a spreadsheet shows.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"

NUMERIC_TYPES = {"float", "percentage", "currency"}


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


@dataclass(frozen=True)
class Cell:
    """One cell: the text it shows, and its number when the cell is numeric (office:value)."""

    text: str = ""
    number: float | None = None

    @property
    def empty(self) -> bool:
        return self.text == "" and self.number is None


EMPTY = Cell()


class Sheet:
    """The cells of one sheet; `cell(row, col)` is 1-based like a spreadsheet's row numbers (col 1 = A)."""

    def __init__(self, name: str, rows: list[list[Cell]]) -> None:
        self.name = name
        self.rows = rows

    def cell(self, row: int, col: int) -> Cell:
        if row < 1 or col < 1 or row > len(self.rows):
            return EMPTY
        cells = self.rows[row - 1]
        return cells[col - 1] if col <= len(cells) else EMPTY

    def texts(self, row: int) -> list[str]:
        """The shown text of every cell in a row (1-based), trailing empties dropped."""
        return [c.text for c in self.rows[row - 1]] if 1 <= row <= len(self.rows) else []


def _inline_text(element: ET.Element) -> str:
    """Text of a text:p (or span inside it): text:s counts spaces, tab and line-break are whitespace."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == _q(TEXT, "s"):
            parts.append(" " * int(child.get(_q(TEXT, "c"), "1")))
        elif child.tag == _q(TEXT, "tab"):
            parts.append("\t")
        elif child.tag == _q(TEXT, "line-break"):
            parts.append("\n")
        elif child.tag != _q(OFFICE, "annotation"):
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _cell(element: ET.Element) -> Cell:
    paragraphs = [_inline_text(p) for p in element if p.tag == _q(TEXT, "p")]
    number = None
    if element.get(_q(OFFICE, "value-type")) in NUMERIC_TYPES and element.get(_q(OFFICE, "value")) is not None:
        number = float(element.get(_q(OFFICE, "value"), ""))
    return Cell("\n".join(paragraphs), number)


def _row(element: ET.Element) -> list[Cell]:
    cells: list[Cell] = []
    pending_empty = 0  # empty cells are only materialised when a non-empty one follows (rows end in 16,384 blanks)
    for child in element:
        if child.tag not in (_q(TABLE, "table-cell"), _q(TABLE, "covered-table-cell")):
            continue
        repeat = int(child.get(_q(TABLE, "number-columns-repeated"), "1"))
        cell = _cell(child)
        if cell.empty:
            pending_empty += repeat
            continue
        cells.extend([EMPTY] * pending_empty)
        pending_empty = 0
        cells.extend([cell] * repeat)
    return cells


def _rows(table: ET.Element) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    pending_empty = 0
    for element in table.iter(_q(TABLE, "table-row")):
        repeat = int(element.get(_q(TABLE, "number-rows-repeated"), "1"))
        cells = _row(element)
        if not cells:
            pending_empty += repeat
            continue
        rows.extend([] for _ in range(pending_empty))
        pending_empty = 0
        rows.extend(list(cells) for _ in range(repeat))
    return rows


def read_ods(path: Path) -> dict[str, Sheet]:
    """Every sheet of the workbook at `path`, by name, in workbook order."""
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
        root = ET.parse(content).getroot()
    sheets: dict[str, Sheet] = {}
    for table in root.iter(_q(TABLE, "table")):
        name = table.get(_q(TABLE, "name"), "")
        sheets[name] = Sheet(name, _rows(table))
    return sheets
