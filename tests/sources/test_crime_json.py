"""The API's crimes-street and outcomes-for-crime answers saved as files: recognised by their keys, read into
exact rows and rejects (position, reason, raw), and loaded through the real ingest beside the archive's files
without any crime or outcome event counted twice (docs/crime-api.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import TableRows
from scrutiny.sources.police_uk_crime_json import crime_categories
from scrutiny.sources.recognise import recognise
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import query, snapshot
from tests.crime_fixture import write_crime_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "crime_api"
STREET = FIXTURES / "crimes-street-city-of-london-2024-01.json"
MONTH_OF_HISTORIES = FIXTURES / "outcomes-for-crime-city-of-london-2024-01.json"
C1, C3 = "aaaa" + "0" * 59 + "1", "aaaa" + "0" * 59 + "3"  # the fixture's two good crimes (C3 is published upper case)
ONE_HISTORY = FIXTURES / "outcomes-for-crime-city-of-london" / f"{C1}.json"
CITY = "City of London Police,City of London Police"
CHEAPSIDE = "-0.093,51.515,On or near Cheapside,E01000001,City of London 001A"


def read(path: Path) -> TableRows:
    found = recognise(path)
    assert found.source is not None
    rows = found.source.read(found)
    assert isinstance(rows, TableRows)
    return rows


def records(rows: TableRows) -> list[dict[str, object]]:
    assert isinstance(rows.rows, pa.Table)
    return rows.rows.to_pylist()


def copy(path: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(path, folder / (name or path.name)))


def test_a_street_answer_is_recognised_by_its_keys_and_named_for_its_force_month() -> None:
    found = recognise(STREET)
    assert (found.kind, found.force, str(found.month), found.loadable) == ("crimes_json", "city-of-london",
                                                                          "2024-01-01", True)
    assert found.source is not None and found.source.unit(found) == "street/city-of-london/2024-01"


def test_street_rows_are_exact_and_bad_records_are_rejected_with_position_and_reason() -> None:
    rows = read(STREET)
    table = records(rows)
    assert [(r["crime_id"], r["crime_type"], r["last_outcome"], r["last_outcome_class"], r["longitude"],
             r["location"], r["context"], r["lsoa_code"], r["source_row"]) for r in table] == [
        (C1, "Drugs", "Offender given a drugs possession warning", "drugs_warning", -0.093, "On or near Cheapside",
         None, None, 1),
        (None, "Anti-social behaviour", None, None, -0.088, "On or near Bank", None, None, 2),
        (C3, "Violence and sexual offences", "Under investigation", "under_investigation", -0.089,
         "On or near Moorgate", "Reported at the station", None, 3),
    ]
    assert rows.replaces == {"force": "city-of-london", "month": table[0]["month"]}
    assert rows.rejects is not None
    assert list(zip(rows.rejects["line"].to_pylist(), rows.rejects["reason"].to_pylist(), strict=True)) == [
        (4, "Crime ID '" + "aaaa" + "0" * 58 + "4' is not 64 hexadecimal characters"),
        (5, "dated '2023-12', not 2024-01 as the file's name says"),
        (6, "a British Transport Police crime (location_type BTP), not city-of-london's"),
        (7, "category 'space-crime' is not in catalog/crime_categories.csv"),
    ]
    assert json.loads(rows.rejects["raw"][3].as_py())["category"] == "space-crime"


def test_the_category_words_are_the_archives() -> None:
    words = crime_categories()
    assert (words["drugs"], words["anti-social-behaviour"], words["violent-crime"]) == (
        "Drugs", "Anti-social behaviour", "Violence and sexual offences")
    assert len(words) == 15


def test_outcome_histories_keep_every_event_and_replace_their_crimes() -> None:
    one = read(ONE_HISTORY)
    assert recognise(ONE_HISTORY).source is not None
    assert [(r["crime_id"], str(r["month"]), r["outcome_type"], r["outcome_class"], r["source_row"])
            for r in records(one)] == [
        (C1, "2024-01-01", "Under investigation", "under_investigation", 1),
        (C1, "2024-02-01", "Offender given a drugs possession warning", "drugs_warning", 2)]
    assert one.replaces == {"crime_id": (C1,)}
    assert one.rejects is not None and one.rejects.to_pylist()[0]["line"] == 3
    assert one.rejects.to_pylist()[0]["reason"] == "date '2024-13' is not a month (YYYY-MM)"

    month = read(MONTH_OF_HISTORIES)
    assert [(r["crime_id"], str(r["month"]), r["outcome_class"]) for r in records(month)] == [
        (C1, "2024-01-01", "under_investigation"), (C1, "2024-03-01", "charged"),
        (C3, "2024-02-01", "unable_to_prosecute")]
    assert month.replaces == {"crime_id": (C1, C3)}
    assert month.rejects is not None
    assert [(r["line"], r["reason"]) for r in month.rejects.to_pylist()] == [
        (4, "no Crime ID: an outcome must name its crime")]


def test_units_of_histories_are_their_crime_or_their_month_and_carry_no_force_month() -> None:
    one, month = recognise(ONE_HISTORY), recognise(MONTH_OF_HISTORIES)
    assert one.source is not None and month.source is not None
    assert one.source.unit(one) == f"outcomes-for-crime/{C1}"
    assert month.source.unit(month) == "outcomes-for-crime/city-of-london/2024-01"
    assert (one.force, one.month, month.force, month.month) == (None, None, None, None)


def test_a_no_location_answer_is_recognised_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "crimes-no-location-city-of-london" / "2024-01.json"
    path.parent.mkdir()
    record = json.loads(STREET.read_text())[0] | {"location": None, "location_type": None}
    path.write_text(json.dumps([record]))
    found = recognise(path)
    assert (found.kind, found.force, found.loadable) == ("crimes_no_location_json", "city-of-london", False)
    assert "not loaded" in (found.note or "")
    report = ingest_paths([path], tmp_path / "w.duckdb")
    assert [r.action for r in report.results] == ["skipped"]


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("crimes.json", None, "cannot tell the force of this API answer"),
    ("crimes-street-atlantis-2024-01.json", None, "unknown force 'atlantis'"),
    ("crimes-street-city-of-london-2024-13.json", None, "'2024-13' is not a month"),
    ("outcomes-for-crime-city-of-london-2024-01.json", ONE_HISTORY, None),
    (f"outcomes-for-crime-city-of-london-{C3}.json", ONE_HISTORY, f"its name says crime {C3} but it holds crime"),
    (f"outcomes-for-crime-city-of-london-{C1}.json", MONTH_OF_HISTORIES, "an array of outcome histories is a month"),
    ("history.json", ONE_HISTORY, "save it as outcomes-for-crime-<force>/<crime id>.json"),
])
def test_a_name_that_does_not_say_the_force_or_disagrees_is_refused(tmp_path: Path, name: str, content: Path | None,
                                                                     reason: str | None) -> None:
    path = copy(content or STREET, tmp_path, name)
    if reason is None:  # a single history under a month's name is still one crime's history
        found = recognise(path)
        assert found.source is not None and found.source.unit(found) == f"outcomes-for-crime/{C1}"
        return
    with pytest.raises(SourceRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        recognise(path)


def test_an_empty_answer_is_claimed_only_by_its_name(tmp_path: Path) -> None:
    empty = tmp_path / "crimes-street-city-of-london-2024-02.json"
    empty.write_text("[]\n")
    found = recognise(empty)
    assert (found.kind, found.loadable) == ("crimes_json", True)
    other = tmp_path / "stops-force-city-of-london-2024-02.json"
    other.write_text("[]\n")
    assert recognise(other).kind == "stops_json"


def test_a_file_that_is_not_an_answer_is_refused_whole(tmp_path: Path) -> None:
    records = json.loads(STREET.read_text())
    broken = tmp_path / STREET.name
    broken.write_text(json.dumps([records[0], "not a crime"]))
    with pytest.raises(SourceRefused, match="record 2 is not a street-level crime record"):
        ingest_paths([broken], tmp_path / "w.duckdb")
    renamed = tmp_path / "other" / "crimes-street-city-of-london-2024-02.json"
    copy(STREET, renamed.parent, renamed.name)
    with pytest.raises(SourceRefused, match="6 of its 7 rows are dated 2024-01, not 2024-02"):
        ingest_paths([renamed], tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()


def test_the_same_answer_twice_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    ingest_paths([STREET, MONTH_OF_HISTORIES], db)
    assert query(db, "SELECT kind, unit, force, rows_loaded, rows_rejected FROM ingest_log ORDER BY id") == [
        ("crimes_json", "street/city-of-london/2024-01", "city-of-london", 3, 4),
        ("outcomes_for_crime_json", "outcomes-for-crime/city-of-london/2024-01", None, 3, 1)]
    assert query(db, "SELECT line, reason FROM rejects WHERE file LIKE '%outcomes-for-crime%'") == [
        (4, "no Crime ID: an outcome must name its crime")]
    before = snapshot(db)
    report = ingest_paths([STREET, MONTH_OF_HISTORIES], db)
    assert [r.action for r in report.results] == ["unchanged", "unchanged"]
    assert snapshot(db) == before


def test_the_api_and_the_archive_hold_a_street_force_month_in_turn(tmp_path: Path) -> None:
    """One unit a force-month: whichever file was loaded last holds it, whole; never both."""
    db = tmp_path / "w.duckdb"
    archive = write_crime_file(tmp_path / "archive", "2024-01", "street",
                               [f"{'b' * 64},2024-01,{CITY},{CHEAPSIDE},Burglary,,"], force="city-of-london")
    ingest_paths([archive], db)
    ingest_paths([STREET], db)
    assert query(db, "SELECT count(*), count(lsoa_code) FROM street_crime") == [(3, 0)]
    report = ingest_paths([archive], db)
    assert [r.action for r in report.results] == ["replaced"]
    assert query(db, "SELECT crime_id, crime_type, la_name FROM street_crime") == [
        ("b" * 64, "Burglary", "City of London")]


def test_an_outcome_event_is_never_counted_twice_whichever_loads_last(tmp_path: Path) -> None:
    """The archive's 2024-02 file has C3's event of that month; the history has it too."""
    db = tmp_path / "w.duckdb"
    archive = write_crime_file(tmp_path / "archive", "2024-02", "outcomes",
                               [f"{C3},2024-02,{CITY},{CHEAPSIDE},Unable to prosecute suspect",
                                f"{'c' * 64},2024-02,{CITY},{CHEAPSIDE},Offender given a caution"],
                               force="city-of-london")
    events = "SELECT crime_id, strftime(month, '%Y-%m'), outcome_type, lsoa_code FROM crime_outcome ORDER BY ALL"
    ingest_paths([archive], db)
    ingest_paths([MONTH_OF_HISTORIES], db)
    api_last = query(db, events)
    assert api_last == [
        (C1, "2024-01", "Under investigation", None), (C1, "2024-03", "Suspect charged", None),
        (C3, "2024-02", "Unable to prosecute suspect", None),
        ("c" * 64, "2024-02", "Offender given a caution", "E01000001")]
    corrected = write_crime_file(tmp_path / "fix", "2024-02", "outcomes",
                                 [f"{C3},2024-02,{CITY},{CHEAPSIDE},Unable to prosecute suspect"],
                                 force="city-of-london")
    ingest_paths([corrected], db)
    assert query(db, events) == [
        (C1, "2024-01", "Under investigation", None), (C1, "2024-03", "Suspect charged", None),
        (C3, "2024-02", "Unable to prosecute suspect", "E01000001")]
