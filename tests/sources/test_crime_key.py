"""`crime_key`, the Crime ID's first 128 bits that crimes and outcomes are joined on: its value is what Python's
`uuid` module makes of the first 32 hex digits, the SQL that fills it in an older warehouse gives the same, and
such a warehouse, brought up to date by its next ingest, gives the same figures as one loaded afresh."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from scrutiny.metrics.crime import CrimeScope, compute_crime
from scrutiny.sources.crime_records import CRIME_KEY_SQL, crime_id_columns, crime_key
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import query
from tests.crime_fixture import A1, write_crime_file, write_fixture

SCOPE = CrimeScope("metropolitan", "2024-01", "2024-03")


def _in_duckdb(keys: pa.Array) -> list[uuid.UUID | None]:
    """The keys as DuckDB stores them in a UUID column (as ingest writes them)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k UUID)")
    con.register("given", pa.table({"k": keys}))
    con.execute("INSERT INTO t SELECT k FROM given")
    return [k for (k,) in con.execute("SELECT k FROM t").fetchall()]


def test_the_key_is_the_first_128_bits_and_null_stays_null() -> None:
    ids = pa.array(["27ccc0110537e46293286e37b1d26407d979bb7ac65e332fe8b66eeb0dbeb76f", None, "f" * 64, "0" * 64])
    assert _in_duckdb(crime_key(ids)) == [uuid.UUID("27ccc011-0537-e462-9328-6e37b1d26407"), None,
                                          uuid.UUID("f" * 32), uuid.UUID("0" * 32)]


def test_upper_case_and_blank_ids_as_published() -> None:
    columns = crime_id_columns(pa.array(["ABCDEF" + "0" * 58, ""]))
    assert columns["crime_id"].to_pylist() == ["abcdef" + "0" * 58, None]
    assert _in_duckdb(columns["crime_key"]) == [uuid.UUID("abcdef" + "0" * 26), None]


def test_the_sql_that_fills_an_older_warehouse_gives_the_same_keys() -> None:
    rng = random.Random(17)
    ids = [None if rng.random() < 0.1 else "".join(rng.choice("0123456789abcdef") for _ in range(64))
           for _ in range(40_000)]  # over two of crime_key's blocks of 16,384
    con = duckdb.connect()
    con.register("given", pa.table({"crime_id": pa.array(ids, pa.string())}))
    from_sql = [k for (k,) in con.execute(f"SELECT {CRIME_KEY_SQL} FROM given").fetchall()]
    expected = [None if i is None else uuid.UUID(i[:32]) for i in ids]
    assert from_sql == expected
    assert _in_duckdb(crime_key(pa.array(ids, pa.string()))) == expected


def test_unchecked_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="checked Crime IDs"):
        crime_key(pa.array(["abc"]))


def test_an_older_warehouse_gains_the_key_at_its_next_ingest_and_its_figures_stay(tmp_path: Path) -> None:
    paths = write_fixture(tmp_path / "files", stops=False)
    fresh, partial, old = tmp_path / "fresh.duckdb", tmp_path / "partial.duckdb", tmp_path / "old.duckdb"
    ingest_paths(paths, fresh)
    ingest_paths(paths[:-1], partial)
    ingest_paths(paths[:-1], old)  # all but the last outcomes file, loaded by the next ingest
    con = duckdb.connect(str(old))
    for table in ("street_crime", "crime_outcome"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN crime_key")  # as a warehouse made before the key was
    con.close()
    assert compute_crime(old, SCOPE) == compute_crime(partial, SCOPE)  # joined on crime_id, as it has no key
    ingest_paths(paths, old)
    for table in ("street_crime", "crime_outcome"):
        assert query(old, f"SELECT count(*) FROM {table} WHERE (crime_id IS NULL) != (crime_key IS NULL)") == [(0,)]
        assert query(old, f"SELECT count(*) FROM {table} WHERE crime_key != CAST(left(crime_id, 32) AS UUID)") \
            == [(0,)]
    assert query(old, f"SELECT DISTINCT crime_key FROM street_crime WHERE crime_id = '{A1}'") == [
        (uuid.UUID(A1[:32]),)]
    assert compute_crime(old, SCOPE) == compute_crime(fresh, SCOPE)


def test_a_later_file_into_an_upgraded_warehouse_keys_its_rows(tmp_path: Path) -> None:
    paths = write_fixture(tmp_path / "files", stops=False)
    db = tmp_path / "w.duckdb"
    ingest_paths(paths, db)
    extra = write_crime_file(tmp_path / "files", "2024-04", "street",
                             [f"{'d4' * 32},2024-04,Metropolitan Police Service,Metropolitan Police Service,,,"
                              "No location,,,Drugs,Under investigation,"])
    ingest_paths([extra], db)
    assert query(db, "SELECT crime_key FROM street_crime WHERE month = DATE '2024-04-01'") == [
        (uuid.UUID("d4" * 16),)]
