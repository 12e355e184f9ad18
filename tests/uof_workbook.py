"""Small Home Office use of force releases written as real OpenDocument spreadsheets, for tests to count by eye.

The layout follows the 2019/20 release (a contents sheet listing the tables, one table a sheet, the table's
title in its first cell); each test changes one thing to see the loader read it or refuse it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

Rows = list[list[object]]

ETHNIC_HEAD = ["White", "Black (or Black British)", "Asian (or Asian British)", "Mixed", "Other", "Not reported"]
AGE_HEAD = ["Under 11 years", "11 - 17 years", "18 - 34 years", "35 - 49 years", "50 - 64 years", "65 and over",
            "Not reported"]
CED_HEAD = ["Financial year", "Region", "Police force", "Total", "Total non-discharge", "Drawn ", "Aimed", "Red-dot",
            "Arced", "Total discharge", "Drive stun", "Fired", "Angled drive stun", "CED not \nstated"]


def incidents_table(number: int = 12) -> Rows:
    return [[f"Table {number}. Incidents by police force, year ending March 2020", None, None],
            ["Contents", None, None], [None, None, None],
            ["Region", "Police force", "Total"],
            ["England and Wales", "Total England and Wales", 1000],
            ["London", "Total London ", 130],
            ["London", "City of London", 30],
            ["London", "Metropolitan", 100],
            ["South West", "Avon & Somerset", 870],
            [None, None, None], ["Notes", None, None], ["Figures are indicative.", None, None]]


def ced_table(number: int = 13) -> Rows:
    head = [f"Table {number}. Use of CED by type and police force: 1 April 2018 to 31 March 2020"]
    rows: Rows = [head + [None] * 13, ["Contents"] + [None] * 13, [None] * 14, list(CED_HEAD)]
    # year, region, force, total, non-discharge, drawn, aimed, red-dot, arced, discharge, drive stun, fired,
    # angled, not stated
    rows += [["2018/19", "England and Wales", "*Total England and Wales", 60, 40, 10, 10, 15, 5, 15, 2, 12, 1, 5],
             ["2018/19", "London", "Metropolitan", 50, 35, 8, 9, 14, 4, 12, 2, 10, 0, 3],
             ["2018/19", "London", "City of London", 10, 5, 2, 1, 1, 1, 3, 0, 2, 1, 2],
             ["2019/20", "England and Wales", "*Total England and Wales", 80, 60, 20, 10, 25, 5, 20, 1, 18, 1, 0],
             ["2019/20", "London", "Metropolitan", 70, 52, 18, 9, 20, 5, 18, 1, 16, 1, 0],
             ["2019/20", "London", "City of London", 10, 8, 2, 1, 5, 0, 2, 0, 2, 0, 0],
             [None] * 14, ["Notes"] + [None] * 13]
    return rows


def ethnicity_by_force_table(number: int = 16, met_black: object = 25) -> Rows:
    width = 3 + len(ETHNIC_HEAD) + 1
    rows: Rows = [[f"Table {number}. Number of times tactics were used, by police force and officer perceived "
                   "ethnicity of person involved, year ending March 2020"] + [None] * (width - 1),
                  ["Contents"] + [None] * (width - 1), [None] * width,
                  ["Total number of incidents involving group", None, None, "Perceived ethnicity", *[None] * 6],
                  ["Police force", "Type of force", "Tactic", *ETHNIC_HEAD, "Number of times tactic reported"]]
    total = "Total (excluding not reported and tactical communication)"
    for force, counts in (("Total England and Wales", [40, 30, 10, 5, 5, 10]),
                          ("Metropolitan", [20, met_black, 8, 4, 3, ":"])):
        rows.append([force, total, "*Total Tactics", *counts, None])
        rows.append([force, "Less lethal weapons", "CED of which", *[":" if c == ":" else 1 for c in counts], None])
    rows += [[None] * width, ["Notes"] + [None] * (width - 1)]
    return rows


def contents(tables: dict[int, str], first: int = 2019, published: str = "17 December 2020") -> Rows:
    rows: Rows = [[f"Police use of force statistics, England and Wales, 1 April {first} to 31 March {first + 1}", None],
                  [f"Publication Date: {published}", None], [None, None], ["Table", "Title"]]
    rows += [[number, title] for number, title in sorted(tables.items())]
    return rows


LISTED = {12: "Incidents by police force", 13: "Use of CED by type and police force",
          16: "Number of times tactics were used, by police force and officer perceived ethnicity of person involved"}


def standard_sheets() -> dict[str, Rows]:
    return {"Cover_sheet": [[None, "Police use of force statistics, England and Wales"],
                            [None, "Published: 17 December 2020"]],
            "Contents": contents(LISTED), "Table_12": incidents_table(), "Table_13": ced_table(),
            "Table_16": ethnicity_by_force_table()}


def write_workbook(path: Path, sheets: dict[str, Rows]) -> Path:
    """Each sheet's rows as cells (None an empty cell), in an .ods file pandas writes with odfpy."""
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, rows in sheets.items():
            width = max(len(r) for r in rows)
            frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    return path
