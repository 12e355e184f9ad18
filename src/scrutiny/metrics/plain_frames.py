"""A metrics query's answer from DuckDB as the pandas frame Ibis would give, without Ibis's general conversion.

Ibis turns every result into pandas column by column: through Python lists for any column holding a null, then
twice through its type converters, and a SUM comes back from DuckDB as a 128-bit integer that pandas holds as
Python `Decimal`s before Ibis casts them to int64. On the shared data that was about a tenth of an uncached
document's CPU. The queries behind a document return plain columns only: whole numbers, text, true/false and
dates. For those the Arrow table converts straight to the same frame (the same values and dtypes:
tests/metrics/test_plain_frames.py, and `ReaderCache.verify` compares every frame with Ibis's own). Anything
else is left to Ibis: an answer with a column of another type is run by Ibis from the start (`plain_schema`);
one whose plain-typed columns turn out to hold a null in a number, date or flag column, or a sum too large for
int64, is None here and is run again by Ibis (the file cannot change in between). Over the shared data's 64
benchmark documents, 314 answers were plain, 1 went to Ibis from the start and none was run twice.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis.expr.datatypes as dt
import ibis.expr.schema as sch
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _whole(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    kind = column.type
    if pa.types.is_int64(kind):
        return column
    if pa.types.is_decimal(kind) and kind.scale == 0:  # SUM of integers is HUGEINT in DuckDB
        try:
            return pc.cast(column, pa.int64())  # a safe cast: raises past int64's range
        except pa.ArrowInvalid:
            return None
    return None


def _text(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return column  # pandas' text dtype; a null is its missing value, as Ibis gives it
    return None


def _flag(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    return column if pa.types.is_boolean(column.type) else None


def _day(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    return pc.cast(column, pa.timestamp("s")) if pa.types.is_date32(column.type) else None  # Ibis: datetime64[s]


# Ibis type -> (the Arrow column that converts to its pandas dtype, or None; whether a null may be so converted)
_CONVERTERS: dict[type[dt.DataType], tuple[Callable[[pa.ChunkedArray], pa.ChunkedArray | None], bool]] = {
    dt.Int64: (_whole, False),
    dt.String: (_text, True),
    dt.Boolean: (_flag, False),
    dt.Date: (_day, False),
}


def plain_schema(schema: sch.Schema) -> bool:
    """Whether an answer of `schema` may be plain: asked before the query runs, so that one which cannot be is
    run once, by Ibis."""
    return all(type(dtype) in _CONVERTERS for dtype in schema.types)


def plain_frame(answer: pa.Table, schema: sch.Schema) -> pd.DataFrame | None:
    """`answer` as the frame Ibis's DuckDB backend would make of it for `schema`, or None when it is not plain."""
    if tuple(answer.column_names) != tuple(schema.names):
        return None
    columns: dict[str, pd.Series] = {}
    for name, dtype in schema.items():
        column = answer.column(name)
        found = _CONVERTERS.get(type(dtype))
        if found is None:
            return None
        convert, nulls_allowed = found
        if column.null_count and not nulls_allowed:
            return None
        converted = convert(column)
        if converted is None:
            return None
        columns[name] = converted.to_pandas()
    return pd.DataFrame(columns) if columns else None


def arrow_frame(answer: pa.Table) -> pd.DataFrame:
    """A small Arrow table of plain columns (whole numbers, text, flags, dates) worked on after its query, as
    the frame Ibis would have made of it: its dates as Ibis's datetime64[s]."""
    columns = {}
    for name, column in zip(answer.column_names, answer.columns, strict=True):
        day = _day(column)
        columns[name] = column if day is None else day
    frame: pd.DataFrame = pa.table(columns).to_pandas()
    return frame


def same_rows(frame: pd.DataFrame, ibis_frame: pd.DataFrame) -> None:
    """Raise unless `frame` holds what `ibis_frame` holds, dtypes included, in any row order (a query without
    ORDER BY may answer in another order when run again)."""
    if list(frame.dtypes) != list(ibis_frame.dtypes):
        raise AssertionError(f"dtypes {list(frame.dtypes)} against Ibis's {list(ibis_frame.dtypes)}")
    columns = list(frame.columns)
    pd.testing.assert_frame_equal(frame.sort_values(columns, ignore_index=True),
                                  ibis_frame.sort_values(columns, ignore_index=True), check_exact=True)
