"""CSV cells a spreadsheet would run as a formula (OWASP, "CSV Injection"): one rule for every CSV we write.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is opened by Excel, LibreOffice
and Google Sheets as a formula (`=HYPERLINK(...)` can send a reader's data elsewhere). Such a cell is
written with a leading `'`, which the spreadsheet shows as text and does not run. A text cell that is a plain
number (`-0.5`, `+44`) is left as it is, so real numbers stay numbers.
"""

from __future__ import annotations

import re

FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_FORMULA_START = re.compile(FORMULA_START)
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def is_formula(value: str) -> bool:
    return bool(_FORMULA_START.search(value)) and not _PLAIN_NUMBER.search(value)


def safe_cell(value: str) -> str:
    """`value` with a leading `'` if a spreadsheet would run it as a formula."""
    return "'" + value if is_formula(value) else value


def restore_cell(value: str) -> str:
    """Undo `safe_cell` when our own export is read back in (the `'` was ours, not the user's)."""
    return value[1:] if value.startswith("'") and is_formula(value[1:]) else value
