"""The Home Office use of force adapter on small releases counted by eye: recognised by content, each kept cell a
row traced to its sheet and row, markers kept as markers, and every layout surprise refusing the whole file
with its sheet, row and reason, leaving the warehouse as it was."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scrutiny.errors import BadInput, SourceRefused
from scrutiny.sources.home_office_use_of_force import HOME_OFFICE_USE_OF_FORCE
from scrutiny.sources.recognise import recognise
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import query, shared, snapshot
from tests.uof_workbook import (
    AGE_HEAD,
    Rows,
    ced_table,
    contents,
    ethnicity_by_force_table,
    standard_sheets,
    write_workbook,
)


def release(tmp_path: Path, name: str = "release.ods", **changes: object) -> Path:
    sheets = standard_sheets()
    for sheet, rows in changes.items():
        if rows is None:
            del sheets[sheet]
        else:
            sheets[sheet] = rows  # type: ignore[assignment]
    return write_workbook(tmp_path / name, sheets)


def refusal(path: Path) -> str:
    with pytest.raises(SourceRefused) as caught:
        HOME_OFFICE_USE_OF_FORCE.read(recognise(path))
    return caught.value.reason


def test_recognised_by_content_whatever_its_name(tmp_path: Path) -> None:
    item = recognise(release(tmp_path, "renamed-download.ods"))
    assert (item.kind, item.variant, item.source) == ("use_of_force_ods", "2019/20", HOME_OFFICE_USE_OF_FORCE)
    assert HOME_OFFICE_USE_OF_FORCE.unit(item) == "use_of_force/2019-20"


def test_other_spreadsheets_and_archives_are_refused_by_what_they_are(tmp_path: Path) -> None:
    other = write_workbook(tmp_path / "budget.ods", {"Sheet1": [["Budget 2024", 12]]})
    with pytest.raises(SourceRefused, match="OpenDocument spreadsheet that is not a Home Office police use of force"):
        recognise(other)
    xlsx = tmp_path / "tables.xlsx"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(SourceRefused, match="an Excel workbook that is not"):
        recognise(xlsx)


def test_every_kept_cell_counted_by_eye(tmp_path: Path, db: Path) -> None:
    ingest_paths([release(tmp_path)], db)
    rows = query(db, "SELECT financial_year, force, figure, tactic, value, sheet, sheet_row FROM use_of_force "
                     "WHERE figure IN ('incidents', 'ced') AND tactic IN ('incidents', 'total', 'fired') "
                     "ORDER BY figure, financial_year, force, tactic")
    assert rows == [
        ("2018/19", "city-of-london", "ced", "fired", 2, "Table_13", 7),
        ("2018/19", "city-of-london", "ced", "total", 10, "Table_13", 7),
        ("2018/19", "england-and-wales", "ced", "fired", 12, "Table_13", 5),
        ("2018/19", "england-and-wales", "ced", "total", 60, "Table_13", 5),
        ("2018/19", "metropolitan", "ced", "fired", 10, "Table_13", 6),
        ("2018/19", "metropolitan", "ced", "total", 50, "Table_13", 6),
        ("2019/20", "city-of-london", "ced", "fired", 2, "Table_13", 10),
        ("2019/20", "city-of-london", "ced", "total", 10, "Table_13", 10),
        ("2019/20", "england-and-wales", "ced", "fired", 18, "Table_13", 8),
        ("2019/20", "england-and-wales", "ced", "total", 80, "Table_13", 8),
        ("2019/20", "metropolitan", "ced", "fired", 16, "Table_13", 9),
        ("2019/20", "metropolitan", "ced", "total", 70, "Table_13", 9),
        # The London region's total (row 6) is not kept; Avon & Somerset is the catalogue's avon-and-somerset.
        ("2019/20", "avon-and-somerset", "incidents", "incidents", 870, "Table_12", 9),
        ("2019/20", "city-of-london", "incidents", "incidents", 30, "Table_12", 7),
        ("2019/20", "england-and-wales", "incidents", "incidents", 1000, "Table_12", 5),
        ("2019/20", "metropolitan", "incidents", "incidents", 100, "Table_12", 8),
    ]
    published = query(db, "SELECT DISTINCT release, published FROM use_of_force")
    assert [(r, str(p)) for r, p in published] == [("use_of_force/2019-20", "2020-12-17")]


def test_groups_and_markers(tmp_path: Path, db: Path) -> None:
    ingest_paths([release(tmp_path)], db)
    met = query(db, "SELECT grp, label, value, marker FROM use_of_force WHERE force = 'metropolitan' "
                    "AND figure = 'tactic_uses' AND tactic = 'total_tactics' ORDER BY label")
    assert met == [("Asian", "Asian (or Asian British)", 8, None), ("Black", "Black (or Black British)", 25, None),
                   ("Mixed", "Mixed", 4, None), ("unknown", "Not reported", None, ":"), ("Other", "Other", 3, None),
                   ("White", "White", 20, None)]
    ced = query(db, "SELECT count(*), sum(value) FROM use_of_force WHERE force = 'metropolitan' "
                    "AND figure = 'tactic_uses' AND tactic = 'ced'")
    assert ced == [(6, 5)]


def test_loading_twice_changes_nothing(tmp_path: Path, db: Path) -> None:
    path = release(tmp_path)
    ingest_paths([path], db)
    before = snapshot(db)
    report = ingest_paths([path], db)
    assert [r.action for r in report.results] == ["unchanged"]
    assert snapshot(db) == before


@pytest.mark.parametrize(("changes", "expected"), [
    ({"Table_16": ethnicity_by_force_table(met_black="many")},
     "sheet Table_16, row 8: column E: 'many' is not a count nor a known marker"),
    ({"Table_16": ethnicity_by_force_table(met_black=-3)},
     "sheet Table_16, row 8: column E: -3 is not a count"),
    ({"Table_16": [r[:4] + ["Black" if c == "Black (or Black British)" else c for c in r[4:5]] + r[5:]
                   for r in ethnicity_by_force_table()]},
     "sheet Table_16, row 5: column E is headed 'Black', not a perceived ethnicity group"),
    ({"Table_16": None}, "the Contents sheet lists Table 16 (Number of times tactics were used, by police force "
                         "and officer perceived ethnicity of person involved) but the workbook has no sheet Table_16"),
    ({"Table_12": [r if r[1] != "Metropolitan" else [r[0], "Metropolis", r[2]] for r in
                   standard_sheets()["Table_12"]]},
     "sheet Table_12, row 8: police force 'Metropolis' is not a force of England and Wales"),
    ({"Table_16": [[c.replace("ethnicity", "age") if isinstance(c, str) and c.startswith("Table") else c
                    for c in r] for r in ethnicity_by_force_table()]},
     "is not the table the Contents sheet lists as Table 16"),
    ({"Contents": [r for r in contents({}) if "Publication" not in str(r[0])], "Cover_sheet": [[None, "x"]]},
     "does not give a publication date"),
])
def test_bad_layouts_refuse_the_whole_file_and_change_nothing(tmp_path: Path, db: Path, changes: dict[str, object],
                                                              expected: str) -> None:
    good = release(tmp_path, "good.ods")
    ingest_paths([good], db)
    before = snapshot(db)
    bad = release(tmp_path, "bad.ods", **changes)
    assert expected in refusal(bad)
    with pytest.raises(BadInput):
        ingest_paths([bad], db)
    assert snapshot(db) == before


def test_an_age_table_reads_children_columns(tmp_path: Path, db: Path) -> None:
    width = 3 + len(AGE_HEAD) + 1
    title = ("Table 14. Number of times tactics were used, by police force and officer perceived age of person "
             "involved, year ending March 2020")
    age: Rows = [[title, *[None] * (width - 1)], [None] * width,
           ["Police force", "Type of force", "Tactic", *AGE_HEAD, "Number of times tactic reported"],
           ["Metropolitan", "Less lethal weapons", "CED1", 1, 9, 50, 20, 5, 1, 0, 86]]
    sheets = standard_sheets()
    listed = {12: "Incidents by police force", 14: "Number of times tactics were used, by police force and "
              "officer perceived age of person involved"}
    sheets = {"Cover_sheet": sheets["Cover_sheet"], "Contents": contents(listed), "Table_12": sheets["Table_12"],
              "Table_14": age}
    ingest_paths([write_workbook(tmp_path / "age.ods", sheets)], db)
    rows = query(db, "SELECT grp, value FROM use_of_force WHERE breakdown = 'age' AND tactic = 'ced' ORDER BY grp")
    assert rows == [("11_17", 9), ("18_34", 50), ("35_49", 20), ("50_64", 5), ("65_plus", 1), ("under_11", 1),
                    ("unknown", 0)]


def test_the_three_real_releases_are_recognised_by_their_years() -> None:
    folder = shared("home_office", "use_of_force")
    years = sorted(recognise(p).variant or "" for p in folder.glob("*.ods"))
    assert years == ["2017/18", "2018/19", "2019/20"]


def test_ingest_logs_what_a_later_release_revised(tmp_path: Path, db: Path, cli: Callable[..., Any]) -> None:
    earlier = standard_sheets()
    listed = {13: "Use of CED by type and police force"}
    earlier["Contents"] = contents(listed, first=2018, published="19 December 2019")
    earlier["Table_13"] = [[c.replace("2020", "2019") if isinstance(c, str) else c for c in r]
                           for r in ced_table() if r[0] != "2019/20"]
    earlier["Table_13"][5][3] = 45  # the Metropolitan's 2018/19 total, revised to 50 in the later release
    del earlier["Table_12"], earlier["Table_16"]
    first = write_workbook(tmp_path / "earlier.ods", earlier)
    assert "revises" not in cli("ingest", first, "--db", db).output
    second = release(tmp_path)
    later = cli("ingest", second, "--db", db).output
    assert ("use of force: use_of_force/2019-20 revises 1 figure of 2018/19 that use_of_force/2018-19 published"
            in " ".join(later.split()))
    assert "revises" not in cli("ingest", second, "--db", db).output  # unchanged: nothing new to say
