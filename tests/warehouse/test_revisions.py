"""The revisions log: a republished force-month keeps what the replaced rows counted, by purpose and group."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from scrutiny.metrics.revisions import revision_note, revisions_with
from scrutiny.metrics.warehouse_backend import compute_metrics_with
from tests.conftest import query, write_archive
from tests.warehouse.test_ingest_fixture import PACE, ROWS

NEW_ROW = (f"Person search,2020-06-21T10:00:00+00:00,False,,51.6,0.2,Male,over 34,White - White British (W1),White,"
           f"{PACE},Offensive weapons,Arrest,True,False")
KEYS = "legislation, object_of_search, self_defined_group"


def _counts(db: Path) -> Counter[tuple[object, ...]]:
    return Counter({tuple(r[:3]): int(str(r[3])) for r in query(
        db, f"SELECT {KEYS}, count(*) FROM stop_search WHERE force = 'essex' GROUP BY ALL")})


def _logged(db: Path) -> tuple[Counter[tuple[object, ...]], Counter[tuple[object, ...]]]:
    rows = query(db, f"SELECT {KEYS}, rows_before, rows_after FROM revisions")
    before: Counter[tuple[object, ...]] = Counter()
    after: Counter[tuple[object, ...]] = Counter()
    for r in rows:
        before[tuple(r[:3])] += int(str(r[3]))
        after[tuple(r[:3])] += int(str(r[4]))
    return +before, +after  # unary plus drops zero counts


def test_a_replacement_logs_the_counts_before_and_after(tmp_path: Path, cli: Callable[..., object], db: Path) -> None:
    cli("ingest", write_archive(tmp_path / "v1", "2020-06", "essex", ROWS), "--db", db)
    assert query(db, "SELECT count(*) FROM revisions") == [(0,)]  # a first load revises nothing
    before = _counts(db)
    cli("ingest", write_archive(tmp_path / "v2", "2020-06", "essex", [*ROWS, NEW_ROW]), "--db", db)
    after = _counts(db)
    assert sum(after.values()) == sum(before.values()) + 1 == 6
    assert _logged(db) == (before, after)
    ids = query(db, "SELECT DISTINCT source_id, replaced_source_id FROM revisions")
    assert ids == [(2, 1)]  # the second load replaced the first


def test_the_document_of_revisions_groups_by_purpose_and_group(tmp_path: Path, cli: Callable[..., object],
                                                                db: Path) -> None:
    cli("ingest", write_archive(tmp_path / "v1", "2020-06", "essex", ROWS), "--db", db)
    cli("ingest", write_archive(tmp_path / "v2", "2020-06", "essex", [*ROWS, NEW_ROW]), "--db", db)
    revisions = compute_metrics_with(db, lambda backend: revisions_with(backend, "essex"))
    assert len(revisions) == 1
    r = revisions[0]
    assert (r["force"], r["month"], r["before"], r["after"], r["change"]) == ("essex", "2020-06", 5, 6, 1)
    # the new row is a PACE search for offensive weapons of a White person: one more of each
    purposes = {p["purpose"]: (p["before"], p["after"]) for p in r["by_purpose"]}
    assert purposes["weapons"] == (1, 2)
    groups = {g["self_defined_group"]: (g["before"], g["after"]) for g in r["by_group"]}
    assert groups["White"] == (1, 2)
    assert sum(b for b, _ in groups.values()) == 5 and sum(a for _, a in groups.values()) == 6
    assert r["replaced_loaded_at"] is not None and r["replaced_loaded_at"] <= r["revised_at"]
    note = revision_note(revisions)
    assert note is not None and "2020-06 (essex)" in note and "+1 searches" in note
    assert compute_metrics_with(db, lambda backend: revisions_with(backend, "kent")) == []


def test_a_refused_replacement_logs_nothing(tmp_path: Path, cli: Callable[..., object], db: Path) -> None:
    cli("ingest", write_archive(tmp_path / "v1", "2020-06", "essex", ROWS), "--db", db)
    result = cli("ingest", write_archive(tmp_path / "v2", "2020-06", "essex", ROWS[:2]), "--db", db, ok=False)
    assert isinstance(result, Result) and result.exit_code != 0  # shrinks 5 -> 2 without --allow-shrink
    assert query(db, "SELECT count(*) FROM revisions") == [(0,)]
    assert query(db, "SELECT count(*) FROM stop_search") == [(5,)]


@pytest.mark.parametrize("again", [1, 2])
def test_loading_the_same_file_again_logs_no_revision(tmp_path: Path, cli: Callable[..., object], db: Path,
                                                      again: int) -> None:
    path = write_archive(tmp_path / "v1", "2020-06", "essex", ROWS)
    for _ in range(1 + again):
        cli("ingest", path, "--db", db)
    assert query(db, "SELECT count(*) FROM revisions") == [(0,)]


def test_the_report_says_which_months_were_revised(tmp_path: Path, cli: Callable[..., object], db: Path) -> None:
    cli("ingest", write_archive(tmp_path / "v1", "2020-06", "essex", ROWS), "--db", db)
    out = tmp_path / "before.html"
    cli("report", "--force", "essex", "--from", "2020-06", "--to", "2020-06", "--out", out, "--db", db)
    assert "were revised" not in out.read_text()
    cli("ingest", write_archive(tmp_path / "v2", "2020-06", "essex", [*ROWS, NEW_ROW]), "--db", db)
    cli("report", "--force", "essex", "--from", "2020-06", "--to", "2020-06", "--out", out, "--db", db)
    text = out.read_text()
    assert "Figures were revised after a republished file replaced earlier data: 2020-06 (essex) on " in text
    assert "(+1 searches)" in text


def test_revision_options_without_revisions_are_refused(cli: Callable[..., object], db: Path) -> None:
    result = cli("status", "--force", "essex", "--db", db, ok=False)
    assert isinstance(result, Result) and result.exit_code == 1
    assert "--force and --format go with --revisions" in result.output and "Traceback" not in result.output
