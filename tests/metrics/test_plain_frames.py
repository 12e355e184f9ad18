"""The Reader converts plain answers from Arrow itself (metrics.plain_frames): the frames must be the ones Ibis's
own DuckDB backend gives for the same query, values and dtypes, and anything not plain must be left to Ibis.

The table is small enough to check by eye: three rows, each kind of column a document reads, with and without
nulls. Every query is ordered, so Ibis's frame and the Reader's are compared row for row."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
import pytest
from ibis.backends.duckdb import Backend as DuckDBBackend

from scrutiny.metrics.plain_frames import plain_frame, plain_schema, same_rows
from scrutiny.metrics.warehouse_backend import Reader, ReaderCache

ROWS = """
CREATE TABLE t (force VARCHAR, area VARCHAR, month DATE, n BIGINT, n_null BIGINT, flag BOOLEAN, share DOUBLE,
                day_null DATE);
INSERT INTO t VALUES
  ('kent', 'E07000110', DATE '2024-01-01', 3, 1, true, 0.5, DATE '2024-01-01'),
  ('kent', NULL,        DATE '2024-02-01', 4, NULL, false, 0.25, NULL),
  ('btp',  'E09000001', DATE '2024-01-01', 5, 2, true, 0.125, DATE '2024-03-01');
"""


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(ROWS)
    yield connection
    connection.close()


def both(con: duckdb.DuckDBPyConnection, query: ir.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frame from the Reader and from Ibis's own DuckDB backend, for `query` built over table t."""
    reader = Reader.over(con, ReaderCache(object()))
    ibis_own = DuckDBBackend.from_connection(con)
    return reader.execute(query(reader.table("t"))), ibis_own.execute(query(ibis_own.table("t")))


def plain_of(con: duckdb.DuckDBPyConnection, query: ir.Table) -> pd.DataFrame | None:
    backend = DuckDBBackend.from_connection(con)
    expr = query(backend.table("t"))
    return plain_frame(backend.to_pyarrow(expr), expr.schema())


PLAIN = {  # each answer has only plain columns: converted from Arrow, not by Ibis
    "counts by force, with SUM as HUGEINT": lambda t: t.group_by("force").aggregate(
        searches=t.n.sum(), rows=t.count()).order_by("force"),
    "text with a null, dates, flags": lambda t: t.select("force", "area", "month", "flag", "n").order_by("n"),
    "nothing found": lambda t: t.filter(t.force == "nowhere").group_by("force", "month").aggregate(
        searches=t.n.sum(), any_flag=t.flag.any()),
}
NOT_PLAIN = {  # left to Ibis, and the Reader still gives Ibis's frame
    "a null among whole numbers": lambda t: t.select("force", "n_null").order_by("force", "n_null"),
    "a null among dates": lambda t: t.select("force", "day_null").order_by("force", "day_null"),
    "a fraction": lambda t: t.select("force", "share").order_by("share"),
}


@pytest.mark.parametrize("name", PLAIN)
def test_plain_answers_are_ibis_frames(con: duckdb.DuckDBPyConnection, name: str) -> None:
    mine, ibis_frame = both(con, PLAIN[name])
    assert list(mine.dtypes) == list(ibis_frame.dtypes)
    pd.testing.assert_frame_equal(mine, ibis_frame, check_exact=True)
    assert plain_of(con, PLAIN[name]) is not None  # the fast path was taken, not Ibis's


def test_the_counts_by_eye(con: duckdb.DuckDBPyConnection) -> None:
    mine, _ = both(con, PLAIN["counts by force, with SUM as HUGEINT"])
    assert mine.to_dict("list") == {"force": ["btp", "kent"], "searches": [5, 7], "rows": [1, 2]}
    assert [str(d) for d in mine.dtypes] == ["str", "int64", "int64"]
    rows, _ = both(con, PLAIN["text with a null, dates, flags"])
    assert rows["area"].isna().tolist() == [False, True, False]
    assert rows["month"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"),
                                      pd.Timestamp("2024-01-01")]
    assert str(rows["month"].dtype) == "datetime64[s]" and rows["flag"].tolist() == [True, False, True]


@pytest.mark.parametrize("name", NOT_PLAIN)
def test_other_answers_are_left_to_ibis(con: duckdb.DuckDBPyConnection, name: str) -> None:
    assert plain_of(con, NOT_PLAIN[name]) is None
    mine, ibis_frame = both(con, NOT_PLAIN[name])
    pd.testing.assert_frame_equal(mine, ibis_frame, check_exact=True)


def test_a_hugeint_sum_past_int64_is_not_cut_short() -> None:
    import pyarrow as pa

    answer = pa.table({"total": pa.array([2**63], type=pa.decimal128(38, 0))})
    assert plain_frame(answer, ibis.schema({"total": "int64"})) is None  # too large: left to Ibis
    fits = pa.table({"total": pa.array([2**63 - 1], type=pa.decimal128(38, 0))})
    frame = plain_frame(fits, ibis.schema({"total": "int64"}))
    assert frame is not None and frame["total"].tolist() == [2**63 - 1] and str(frame["total"].dtype) == "int64"


def test_verify_compares_in_any_row_order_and_catches_a_difference() -> None:
    frame = pd.DataFrame({"force": ["kent", "btp"], "n": [2, 1]})
    same_rows(frame, frame.iloc[::-1].reset_index(drop=True))  # another order: the same rows
    with pytest.raises(AssertionError):
        same_rows(frame, frame.assign(n=[2, 3]))
    with pytest.raises(AssertionError, match="dtypes"):
        same_rows(frame, frame.astype({"n": "float64"}))


def test_verify_mode_runs_ibis_beside_and_returns_its_frame(con: duckdb.DuckDBPyConnection) -> None:
    cache = ReaderCache(object())
    cache.verify = True
    reader = Reader.over(con, cache)
    query = PLAIN["counts by force, with SUM as HUGEINT"]
    frame = reader.execute(query(reader.table("t")))
    assert frame.to_dict("list") == {"force": ["btp", "kent"], "searches": [5, 7], "rows": [1, 2]}


def test_an_answer_that_cannot_be_plain_is_ibis_from_the_start() -> None:
    """Asked before the query runs: a fraction or a timestamp column sends the whole answer to Ibis, once."""
    assert plain_schema(ibis.schema({"force": "string", "month": "date", "n": "int64", "flag": "boolean"}))
    assert not plain_schema(ibis.schema({"force": "string", "share": "float64"}))
    assert not plain_schema(ibis.schema({"force": "string", "loaded_at": "timestamp"}))
    assert not plain_schema(ibis.schema({"n": "int32"}))
