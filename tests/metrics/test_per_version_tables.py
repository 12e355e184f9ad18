"""Small tables a document reads whole once per version of the warehouse (metrics.warehouse_backend.per_version)
and picks from in pandas: the picking is `in_period`'s, and a new load is a new version, so nothing read for an
earlier version answers for a later one in the same process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from scrutiny.metrics.document import compute_metrics
from scrutiny.metrics.scope import Scope, period_rows
from tests.conftest import write_archive
from tests.metrics.test_lens_fixture import CHEL, MAID, NFA, S23, WHITE, P, rows, write_reference

GOOD = ("Person search,{month}-15T12:00:00+00:00,False,,,,Male,18-24,"
        "White - English/Welsh/Scottish/Northern Irish/British,White,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,False,False")
BAD = "Person search,not a date,False,,,,Male,18-24,,,,,,,"


def frame() -> pd.DataFrame:
    """As Ibis gives such a table: strings with missing values, months as datetime64[s] with NaT."""
    months = pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-02-01", None, "2023-12-01"]))
    return pd.DataFrame({"force": ["kent", "kent", "kent", "essex", None, "kent"],
                         "month": months.astype("datetime64[s]"), "n": [1, 2, 3, 4, 5, 6]})


@pytest.mark.parametrize(("force", "expected"), [
    ("kent", [1, 2]),  # 2024-03 and 2023-12 are outside the period
    ("essex,kent", [1, 2, 4]),
    ("all", [1, 2, 4]),  # a row with no force (a Census load) is no force's
    ("surrey", []),
])
def test_period_rows_keeps_the_forces_of_the_spec_in_the_months_inclusive(force: str, expected: list[int]) -> None:
    picked = period_rows(frame(), Scope(force, None, "2024-01", "2024-02"))
    assert sorted(picked.n) == expected


def test_a_later_load_is_seen_by_the_same_process(tmp_path: Path, cli: Callable[..., object]) -> None:
    """Rejected rows and a month loaded empty come from tables kept per version: after more loads, the
    document in the same process counts them (1 rejected row, then 1 + 2; March loaded with no records)."""
    db = tmp_path / "w.duckdb"
    write_archive(tmp_path / "a", "2024-01", "kent", [GOOD.format(month="2024-01")] * 2 + [BAD])
    cli("ingest", tmp_path / "a", "--db", db)
    scope = Scope("kent", None, "2024-01", "2024-03")
    before = compute_metrics(db, scope)
    assert before["searches"] == 2
    assert before["data_quality"]["rejected_rows"] == 1
    assert before["scope"]["forces"] == ["kent"]
    assert [(m["month"], m["searches"], m["covered"]) for m in before["monthly"]] == [
        ("2024-01", 2, True), ("2024-02", None, False), ("2024-03", None, False)]

    write_archive(tmp_path / "b", "2024-02", "kent", [GOOD.format(month="2024-02")] + [BAD] * 2)
    write_archive(tmp_path / "b", "2024-03", "kent", [])  # the header alone: a month with no searches
    cli("ingest", tmp_path / "b", "--db", db)
    after = compute_metrics(db, scope)
    assert after["searches"] == 3
    assert after["data_quality"]["rejected_rows"] == 3
    # March was loaded with no records: a true zero, not a missing month
    assert [(m["month"], m["searches"], m["covered"]) for m in after["monthly"]] == [
        ("2024-01", 2, True), ("2024-02", 1, True), ("2024-03", 0, True)]

def test_the_period_of_a_kept_table_is_the_scopes(tmp_path: Path, cli: Callable[..., object]) -> None:
    """The same warehouse version, two periods: each counts only its own months' rejected rows."""
    db = tmp_path / "w.duckdb"
    write_archive(tmp_path / "a", "2024-01", "kent", [GOOD.format(month="2024-01"), BAD])
    write_archive(tmp_path / "a", "2024-02", "kent", [GOOD.format(month="2024-02"), BAD, BAD])
    cli("ingest", tmp_path / "a", "--db", db)
    assert compute_metrics(db, Scope("kent", None, "2024-01", "2024-01"))["data_quality"]["rejected_rows"] == 1
    assert compute_metrics(db, Scope("kent", None, "2024-02", "2024-02"))["data_quality"]["rejected_rows"] == 2
    assert compute_metrics(db, Scope("kent", None, "2024-01", "2024-02"))["data_quality"]["rejected_rows"] == 3


def test_strip_searches_are_published_or_not_per_area(tmp_path: Path, cli: Callable[..., object]) -> None:
    """Which force-months a document covers, and whether their rows say if each search was a strip search, come
    from the prepared counts' force-month-area cells: Kent's three January searches in Maidstone say "not a
    strip search", its two in Chelmsford leave it blank. Chelmsford's document cannot count strip searches;
    Maidstone's and Kent's whole count 0."""
    folder = tmp_path / "in"
    write_archive(folder, "2024-01", "kent", [
        *rows(3, "2024-01", P, MAID, "18-24", WHITE, "White", S23, "Controlled drugs", NFA, "False", "False"),
        *rows(2, "2024-01", P, CHEL, "18-24", WHITE, "White", S23, "Controlled drugs", NFA, "False", "")])
    write_reference(folder)
    db = tmp_path / "w.duckdb"
    cli("ingest", folder, "--db", db)
    documents = {area: compute_metrics(db, Scope("kent", area, "2024-01", "2024-01"))
                 for area in (None, "E07000110", "E07000070")}
    assert [documents[a]["searches"] for a in documents] == [5, 3, 2]
    assert [documents[a]["strip_searches"] for a in documents] == [0, 0, None]
