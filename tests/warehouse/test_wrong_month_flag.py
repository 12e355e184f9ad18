"""Records dated outside their file's month are counted where the date is checked, not by reading reasons back:
the wrong-month refusal holds whatever words the reject reason uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrutiny.warehouse import stop_search_load
from scrutiny.warehouse.ingest import IngestRefused, ingest_paths
from tests.conftest import query, write_archive
from tests.warehouse.test_ingest_fixture import ROWS

# ROWS are five June 2020 rows: 2020-05-31T23:30 (inside June's one-day margin), 06-10, 06-15, 06-20, 06-30T22:59.


def test_stray_dates_are_counted_with_the_month_they_are_dated(tmp_path: Path) -> None:
    stray = [ROWS[1].replace("2020-06-", "2019-01-"), ROWS[2].replace("2020-06-", "2019-03-"),
             ROWS[3].replace("2020-06-", "2019-03-")]
    path = write_archive(tmp_path, "2020-06", "essex", [*ROWS, *stray])
    report = ingest_paths([path], tmp_path / "w.duckdb")
    [result] = report.results
    assert (result.records, result.rows_loaded, result.rows_rejected) == (8, 5, 3)
    assert (result.outside_month, result.outside_mode) == (3, "2019-03")


def test_a_month_without_stray_dates_counts_none(tmp_path: Path) -> None:
    path = write_archive(tmp_path, "2020-06", "essex", ROWS)
    [result] = ingest_paths([path], tmp_path / "w.duckdb").results
    assert (result.outside_month, result.outside_mode) == (0, None)


def test_the_refusal_does_not_depend_on_the_reason_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reworded = stop_search_load.ROW_CHECK.replace("' is outside the file''s month '", "' falls beyond '")
    assert reworded != stop_search_load.ROW_CHECK
    monkeypatch.setattr(stop_search_load, "ROW_CHECK", reworded)
    renamed = write_archive(tmp_path, "2020-07", "essex", ROWS)  # June's rows under July's name
    with pytest.raises(IngestRefused) as refused:
        ingest_paths([renamed], tmp_path / "w.duckdb")
    [why] = [r.reason for r in refused.value.refusals]
    assert why.startswith("4 of its 5 records are dated 2020-06, not 2020-07 as its name says")
    assert not (tmp_path / "w.duckdb").exists() or query(tmp_path / "w.duckdb", "SELECT count(*) FROM stop_search") == [
        (0,)]
