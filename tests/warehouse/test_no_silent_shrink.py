"""No silent shrinking (docs/replacing-data.md): a replacement that empties a force-month or removes more than
SHRINK_LIMIT_PERCENT of it is refused with both counts unless --allow-shrink; a file mostly dated in another
month is refused whatever the flag; a header-only month is a true zero, not a missing month."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from typer.testing import Result

from scrutiny.warehouse.ingest import SHRINK_LIMIT_PERCENT
from tests.conftest import query, shared, snapshot, write_archive
from tests.warehouse.test_ingest_fixture import ROWS

Cli = Callable[..., object]
# Five June rows: 2020-05-31T23:30 (inside June's one-day margin), 06-10, 06-15, 06-20, 06-30T22:59.
TWENTY = ROWS * 4
JULY = [r.replace("2020-06-", "2020-07-").replace("2020-05-31", "2020-07-01") for r in ROWS]


def run(cli: Cli, *args: str | Path, ok: bool = True) -> Result:
    result = cli(*args, ok=ok)
    assert isinstance(result, Result)
    return result


def summary_row(output: str, unit: str) -> list[str]:
    """The cells of the summary table's row for `unit`: unit, records, loaded, rejected, change, action."""
    line = next(line for line in output.splitlines() if f" {unit} " in line)
    return [cell.strip() for cell in line.strip().strip("│").split("│")]


def refused(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), "a refusal must not be a traceback"
    assert "Traceback" not in result.output
    return " ".join(result.output.split())  # the message may be wrapped


def test_the_stated_limit_is_ten_percent() -> None:
    assert SHRINK_LIMIT_PERCENT == 10


def test_header_only_replacement_is_refused_with_both_counts(tmp_path: Path, db: Path, cli: Cli) -> None:
    write_archive(tmp_path / "a", "2020-06", "essex", ROWS)
    run(cli, "ingest", tmp_path / "a", "--db", db)
    before = snapshot(db)
    empty = write_archive(tmp_path / "b", "2020-06", "essex", [])
    message = refused(run(cli, "ingest", empty, "--db", db, ok=False))
    assert f"{empty}: would remove all 5 rows of essex/2020-06 (the file holds 0 records, 0 of them rejected)" \
        in message
    assert "--allow-shrink" in message
    assert snapshot(db) == before


def test_header_only_replacement_with_the_flag_is_a_true_zero(tmp_path: Path, db: Path, cli: Cli) -> None:
    write_archive(tmp_path / "a", "2020-06", "essex", ROWS)
    write_archive(tmp_path / "a", "2020-07", "essex", JULY[1:4])  # a July row count to compare with
    run(cli, "ingest", tmp_path / "a", "--db", db)
    empty = write_archive(tmp_path / "b", "2020-06", "essex", [])
    result = run(cli, "ingest", empty, "--db", db, "--allow-shrink")
    assert summary_row(result.output, "essex/2020-06") == ["essex/2020-06", "0", "0", "0", "-5", "replaced"]
    assert "replaced months held 5 rows, now 0 (-5)" in " ".join(result.output.split())
    assert "recorded as 0 searches" in " ".join(result.output.split())
    assert query(db, "SELECT count(*) FROM stop_search WHERE month = DATE '2020-06-01'") == [(0,)]
    assert query(db, "SELECT unit, action, rows_loaded, rows_rejected FROM ingest_log ORDER BY id DESC LIMIT 1") == [
        ("essex/2020-06", "replaced", 0, 0)]
    # covered with 0 searches in the figures, not missing
    doc = json.loads(run(cli, "metrics", "--force", "essex", "--from", "2020-06", "--to", "2020-08", "--db", db).output)
    assert doc["coverage"][0]["months_covered"] == 2 and doc["coverage"][0]["missing"] == ["2020-08"]
    assert [(m["month"], m["searches"], m["covered"]) for m in doc["monthly"]] == [
        ("2020-06", 0, True), ("2020-07", 3, True), ("2020-08", None, False)]
    assert doc["searches"] == 3


def test_a_new_header_only_month_needs_no_flag_and_counts_as_covered(tmp_path: Path, db: Path, cli: Cli) -> None:
    write_archive(tmp_path, "2020-06", "essex", ROWS)
    write_archive(tmp_path, "2020-07", "essex", [])
    result = run(cli, "ingest", tmp_path, "--db", db)
    assert summary_row(result.output, "essex/2020-07") == ["essex/2020-07", "0", "0", "0", "+0", "new"]
    doc = json.loads(run(cli, "metrics", "--force", "essex", "--from", "2020-06", "--to", "2020-07", "--db", db).output)
    assert doc["coverage"][0]["months_covered"] == 2 and doc["coverage"][0]["missing"] == []
    assert [m["searches"] for m in doc["monthly"]] == [5, 0]


def test_a_month_whose_records_were_all_rejected_is_missing_not_zero(tmp_path: Path, db: Path, cli: Cli) -> None:
    write_archive(tmp_path, "2020-06", "essex", ROWS)
    write_archive(tmp_path, "2020-07", "essex", ["Person search,not a date"])
    run(cli, "ingest", tmp_path, "--db", db)
    doc = json.loads(run(cli, "metrics", "--force", "essex", "--from", "2020-06", "--to", "2020-07", "--db", db).output)
    assert doc["coverage"][0]["missing"] == ["2020-07"]


def test_removing_more_than_the_limit_is_refused_at_most_the_limit_is_not(tmp_path: Path, db: Path, cli: Cli) -> None:
    write_archive(tmp_path / "a", "2020-06", "essex", TWENTY)
    run(cli, "ingest", tmp_path / "a", "--db", db)
    before = snapshot(db)
    seventeen = write_archive(tmp_path / "b", "2020-06", "essex", TWENTY[:17])  # 3 of 20 gone: 15 %
    message = refused(run(cli, "ingest", seventeen, "--db", db, ok=False))
    assert "would shrink essex/2020-06 from 20 rows to 17 (-3, 15%; the limit is 10%)" in message
    assert snapshot(db) == before
    eighteen = write_archive(tmp_path / "c", "2020-06", "essex", TWENTY[:18])  # 2 of 20 gone: 10 %, allowed
    result = run(cli, "ingest", eighteen, "--db", db)
    assert summary_row(result.output, "essex/2020-06") == ["essex/2020-06", "18", "18", "0", "-2", "replaced"]
    assert query(db, "SELECT count(*) FROM stop_search") == [(18,)]
    result = run(cli, "ingest", seventeen, "--db", db, "--allow-shrink")  # 1 of 18 gone: under the limit
    assert summary_row(result.output, "essex/2020-06") == ["essex/2020-06", "17", "17", "0", "-1", "replaced"]
    grown = write_archive(tmp_path / "d", "2020-06", "essex", TWENTY)
    result = run(cli, "ingest", grown, "--db", db)
    assert summary_row(result.output, "essex/2020-06") == ["essex/2020-06", "20", "20", "0", "+3", "replaced"]


def test_rejects_count_against_the_limit(tmp_path: Path, db: Path, cli: Cli) -> None:
    """Rows that become rejects are gone from the figures: a file of bad lines shrinks its month."""
    write_archive(tmp_path / "a", "2020-06", "essex", ROWS)
    run(cli, "ingest", tmp_path / "a", "--db", db)
    bad = write_archive(tmp_path / "b", "2020-06", "essex", [*ROWS[:3], "Person search,x", "Person search,y"])
    message = refused(run(cli, "ingest", bad, "--db", db, ok=False))
    assert "would shrink essex/2020-06 from 5 rows to 3 (-2, 40%; the limit is 10%) " \
           "(the file holds 5 records, 2 of them rejected)" in message


def test_one_refusal_refuses_the_whole_ingest(tmp_path: Path, db: Path, cli: Cli) -> None:
    write_archive(tmp_path / "a", "2020-06", "essex", ROWS)
    run(cli, "ingest", tmp_path / "a", "--db", db)
    before = snapshot(db)
    write_archive(tmp_path / "b", "2020-06", "essex", [])
    write_archive(tmp_path / "b", "2020-06", "kent", ROWS)
    message = refused(run(cli, "ingest", tmp_path / "b", "--db", db, ok=False))
    assert "1 file(s) refused, nothing was loaded" in message
    assert snapshot(db) == before


def test_a_file_mostly_of_another_month_is_refused_naming_both(tmp_path: Path, db: Path, cli: Cli) -> None:
    write_archive(tmp_path / "a", "2020-07", "essex", JULY)
    run(cli, "ingest", tmp_path / "a", "--db", db)
    before = snapshot(db)
    # June's rows named July: 05-31, 06-10, 06-15, 06-20 are outside July (06-30T22:59 is within its margin).
    renamed = write_archive(tmp_path / "b", "2020-07", "essex", ROWS)
    for flag in ((), ("--allow-shrink",)):
        message = refused(run(cli, "ingest", renamed, "--db", db, *flag, ok=False))
        assert f"{renamed}: 4 of its 5 records are dated 2020-06, not 2020-07 as its name says" in message
        assert snapshot(db) == before
    new = write_archive(tmp_path / "c", "2020-08", "essex", JULY)  # a month not loaded yet: refused as well
    message = refused(run(cli, "ingest", new, "--db", db, ok=False))
    assert "5 of its 5 records are dated 2020-07, not 2020-08 as its name says" in message
    assert snapshot(db) == before


def test_half_outside_is_not_mostly(tmp_path: Path, db: Path, cli: Cli) -> None:
    stray = [r.replace("2020-06-", "2019-01-") for r in ROWS[1:3]]
    write_archive(tmp_path, "2020-06", "essex", [ROWS[1], ROWS[2], *stray])
    result = run(cli, "ingest", tmp_path, "--db", db)
    assert summary_row(result.output, "essex/2020-06") == ["essex/2020-06", "4", "2", "2", "+2", "new"]


def test_same_file_twice_changes_nothing_and_shows_no_change(tmp_path: Path, db: Path, cli: Cli) -> None:
    write_archive(tmp_path, "2020-06", "essex", ROWS)
    run(cli, "ingest", tmp_path, "--db", db)
    before = snapshot(db)
    result = run(cli, "ingest", tmp_path, "--db", db)
    assert snapshot(db) == before
    assert summary_row(result.output, "essex/2020-06") == ["essex/2020-06", "-", "-", "-", "-", "unchanged"]


# ----------------------------------------------------------------------------------- the real files of the issue

def _real(month: str) -> Path:
    return shared("police_uk", "archive", month, f"{month}-metropolitan-stop-and-search.csv")


def _data_lines(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def test_real_header_only_replacement_is_refused(tmp_path: Path, db: Path, cli: Cli) -> None:
    april = _real("2018-04")
    rows = _data_lines(april)
    run(cli, "ingest", april, "--db", db)
    before = snapshot(db)
    header_only = tmp_path / "2018-04" / april.name
    header_only.parent.mkdir()
    header_only.write_text(april.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    message = refused(run(cli, "ingest", header_only, "--db", db, ok=False))
    assert f"would remove all {rows:,} rows of metropolitan/2018-04" in message
    assert snapshot(db) == before


def test_real_april_file_renamed_may_is_refused(tmp_path: Path, db: Path, cli: Cli) -> None:
    april, may = _real("2018-04"), _real("2018-05")
    run(cli, "ingest", may, "--db", db)
    before = snapshot(db)
    renamed = tmp_path / "2018-05" / may.name
    renamed.parent.mkdir()
    shutil.copyfile(april, renamed)
    # Independently: May's window runs from 2018-04-30T00:00 (a day of margin) to 2018-06-02T00:00.
    with april.open(encoding="utf-8", newline="") as f:
        dates = [datetime.fromisoformat(r["Date"]).replace(tzinfo=None) for r in csv.DictReader(f)]
    start = datetime(2018, 5, 1) - timedelta(days=1)
    outside = sum(1 for d in dates if d < start or d >= datetime(2018, 6, 2))
    assert 2 * outside > len(dates)
    message = refused(run(cli, "ingest", renamed, "--db", db, ok=False))
    assert f"{outside:,} of its {len(dates):,} records are dated 2018-04, not 2018-05 as its name says" in message
    assert snapshot(db) == before
