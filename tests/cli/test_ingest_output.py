"""What `scrutiny ingest` and `scrutiny status` print: names from outside are text, never markup nor terminal
commands; every record is accounted for per file; links that cannot be followed are reported, not skipped."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scrutiny.cli import app
from scrutiny.printable import printable
from tests.conftest import query, snapshot, write_archive
from tests.warehouse.test_ingest_fixture import ROWS

Cli = Callable[..., object]
ESC = "\x1b[31m"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def clean_exit(result: Result, code: int) -> str:
    """The output, after checking the exit code and that no traceback reached the user."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert "\x1b" not in result.output and "\r" not in result.output and "\x9b" not in result.output
    return " ".join(result.output.split())


def test_printable_escapes_controls_and_bidi_only() -> None:
    assert printable("a\x1b[31mb\rc\x9bd\x7fe\u202ef\tg\nh") == "a\\x1b[31mb\\rc\\x9bd\\x7fe\\u202ef\\tg\\nh"
    assert printable("Bürger x[/bold]y.csv") == "Bürger x[/bold]y.csv"


def test_markup_in_a_refused_file_name_and_header(tmp_path: Path, db: Path) -> None:
    bad = tmp_path / "x[" / "bold]y.csv"  # a folder `x[` holding `bold]y.csv`: the path reads x[/bold]y.csv
    bad.parent.mkdir()
    bad.write_text("a,[red]b,[/bold]c\n1,2,3\n", encoding="utf-8")
    out = clean_exit(invoke("ingest", bad, "--db", db), 1)
    assert f"error: 1 file(s) refused, nothing was loaded: {bad}: unrecognised header 'a,[red]b,[/bold]c'" in out
    assert not db.exists()


def test_control_characters_in_a_name_and_header_are_shown_escaped(tmp_path: Path, db: Path) -> None:
    bad = tmp_path / f"e{ESC}z\r\x9b.csv"
    bad.write_text(f"Type,Date{ESC},c\n1,2,3\n", encoding="utf-8")
    out = clean_exit(invoke("ingest", tmp_path, "--db", db), 1)
    assert f"{tmp_path}/e\\x1b[31mz\\r\\x9b.csv: unrecognised header 'Type,Date\\x1b[31m,c'" in out


def test_markup_in_folder_and_warehouse_names_after_a_load(tmp_path: Path) -> None:
    """The summary is printed after the commit: a name there must not crash it."""
    folder = tmp_path / "d[" / "bold][red]"
    write_archive(folder, "2020-06", "essex", ROWS)
    street = folder / "2020-06" / "wards.csv"  # a known file not loaded yet: reported by its path
    street.write_text("WD21CD,WD21NM,LAD21CD,LAD21NM\n", encoding="utf-8")
    db = tmp_path / "w[/red]" / f"h{ESC}.duckdb"
    db.parent.mkdir(parents=True)
    out = clean_exit(invoke("ingest", folder, "--db", db), 0)
    assert f"skipped {street} (unsupported: ward to local authority lookup: not yet supported" in out
    assert f"warehouse: {tmp_path}/w[/red]/h\\x1b[31m.duckdb" in out
    assert query(db, "SELECT count(*) FROM stop_search") == [(5,)]
    out = clean_exit(invoke("status", "--db", db), 0)
    assert f"Stopandsearchin{tmp_path}/w[/red]/h\\x1b[31m.duckdb" in out.replace(" ", "")  # title may wrap
    assert "essex" in out


def test_markup_in_a_missing_path_is_a_clear_error(tmp_path: Path, db: Path) -> None:
    out = clean_exit(invoke("ingest", tmp_path / "nowhere[/bold]", "--db", db), 1)
    assert f"error: {tmp_path}/nowhere[/bold]: no such file or directory" in out


def test_every_record_is_accounted_for_per_file(tmp_path: Path, db: Path) -> None:
    write_archive(tmp_path, "2020-06", "essex", [*ROWS, "Person search,not a date"])
    write_archive(tmp_path, "2020-06", "kent", ROWS[:2])
    result = invoke("ingest", tmp_path, "--db", db)
    clean_exit(result, 0)
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:6]]
            for line in result.output.splitlines() if "/2020-06" in line}
    assert rows == {"essex/2020-06": ["6", "5", "1", "+5"], "kent/2020-06": ["2", "2", "0", "+2"]}


def test_broken_and_looping_links_are_listed_as_skipped(tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "data"
    write_archive(folder, "2020-06", "essex", ROWS)
    (folder / "dead.csv").symlink_to(tmp_path / "gone" / "2020-07-essex-stop-and-search.csv")
    (folder / "gone-month").symlink_to(tmp_path / "unplugged" / "2020-08")
    (folder / "loop").symlink_to(folder)
    (folder / "self.csv").symlink_to("self.csv")
    out = clean_exit(invoke("ingest", folder, "--db", db), 0)
    gone = tmp_path / "gone" / "2020-07-essex-stop-and-search.csv"
    assert f"skipped {folder}/dead.csv (link: broken link: its target {gone} does not exist)" in out
    assert f"skipped {folder}/gone-month (link: broken link: its target {tmp_path}/unplugged/2020-08 " in out
    assert f"skipped {folder}/loop (link: link loop: leads back to {folder.resolve()}, which contains it)" in out
    assert f"skipped {folder}/self.csv (link: link loop: following it leads back to itself)" in out
    assert "1 new, 0 replaced, 0 unchanged; 5 rows loaded, 0 rejected" in out


def test_a_link_to_a_folder_is_followed(tmp_path: Path, db: Path) -> None:
    write_archive(tmp_path / "elsewhere", "2020-06", "essex", ROWS)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "2020-06").symlink_to(tmp_path / "elsewhere" / "2020-06")
    clean_exit(invoke("ingest", tmp_path / "data", "--db", db), 0)
    assert query(db, "SELECT count(*) FROM stop_search") == [(5,)]


def test_a_broken_link_named_directly_is_refused(tmp_path: Path, db: Path) -> None:
    link = tmp_path / "2020-06-essex-stop-and-search.csv"
    link.symlink_to(tmp_path / "gone.csv")
    out = clean_exit(invoke("ingest", link, "--db", db), 1)
    assert f"error: {link}: broken link: its target {tmp_path}/gone.csv does not exist" in out
    assert snapshot(db) == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder, so an unreadable one cannot be made")
def test_an_unreadable_folder_is_listed_as_skipped(tmp_path: Path, db: Path) -> None:
    write_archive(tmp_path, "2020-06", "essex", ROWS)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    try:
        out = clean_exit(invoke("ingest", tmp_path, "--db", db), 0)
    finally:
        locked.chmod(0o755)
    assert f"skipped {locked} (unreadable: folder cannot be read: Permission denied)" in out


def test_fetch_takes_allow_shrink() -> None:
    result = invoke("fetch", "--help")
    assert result.exit_code == 0 and "--allow-shrink" in result.output


def test_a_folder_with_no_data_files_is_an_error_not_an_empty_summary(tmp_path: Path, db: Path) -> None:
    (tmp_path / "notes.txt").write_text("not data\n")
    output = clean_exit(invoke("ingest", tmp_path, "--db", db), 1)
    assert f"no data files (.csv, .json, .geojson) in {tmp_path}: nothing to load" in output
    assert not db.exists()
