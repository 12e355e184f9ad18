"""CSV cells a spreadsheet would run as a formula, made inert (OWASP, "CSV Injection").

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is opened by Excel, LibreOffice
and Google Sheets as a formula (`=HYPERLINK(...)` can send a reader's data elsewhere). Such a cell is
written with a leading `'`, which the spreadsheet shows as text and does not run. Real numbers stay numbers:
numeric columns are never touched, and a text cell that is a plain number (`-0.5`, `+44`) is left as it is.
The free text in a download comes from the police forces' published files, not from Scrutiny.
"""

from __future__ import annotations

import re

import ibis
import ibis.expr.types as ir

FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_FORMULA_START = re.compile(FORMULA_START)
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def safe_cell(value: str) -> str:
    """`value` with a leading `'` if a spreadsheet would run it as a formula."""
    if _FORMULA_START.search(value) and not _PLAIN_NUMBER.search(value):
        return "'" + value
    return value


def _safe_column(column: ir.StringValue) -> ir.StringValue:
    risky = column.re_search(FORMULA_START) & ~column.re_search(PLAIN_NUMBER)
    safe: ir.StringValue = risky.ifelse(ibis.literal("'") + column, column)
    return safe


def neutralise(table: ir.Table) -> ir.Table:
    """`table` with every text column made safe as above (same columns, same order)."""
    text = [name for name, dtype in table.schema().items() if dtype.is_string()]
    if not text:
        return table
    return table.mutate(**{name: _safe_column(table[name]) for name in text})
