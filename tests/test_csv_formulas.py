"""The one rule for formula cells in CSV we write (scrutiny.csv_formulas), case by case."""

from __future__ import annotations

import pytest

from scrutiny.csv_formulas import restore_cell, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tlead", "'\tlead"),
        ("\rlead", "'\rlead"),
        ("-12.5", "-12.5"),
        ("+44", "+44"),
        ("1e5", "1e5"),
        ("Controlled drugs", "Controlled drugs"),
        ("", ""),
    ],
)
def test_formula_cells_get_a_quote_and_come_back(value: str, written: str) -> None:
    assert safe_cell(value) == written
    assert restore_cell(written) == value


def test_a_users_own_leading_quote_is_kept() -> None:
    assert restore_cell("'quoted") == "'quoted"
