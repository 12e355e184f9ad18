"""Public CSV downloads with formula cells made inert, in the warehouse query (rule: scrutiny.csv_formulas).

The free text in a download comes from the police forces' published files, not from Scrutiny.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from scrutiny.csv_formulas import FORMULA_START, PLAIN_NUMBER


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
