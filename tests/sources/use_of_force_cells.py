"""What the three Home Office use-of-force releases publish, read from their cells (tests/ods_cells.py).

Written from the spreadsheets and the contract (notes/uof_contract.md) without reading the project's loader or
figures, so that tests can compare the two. Every reading keeps where it came from (sheet, row, column), so a
disagreement can be reported as a cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path

from tests.ods_cells import Sheet, read_ods

NATIONAL = "england-and-wales"
NATIONAL_LABEL = "Total England and Wales"
FORCES = {"metropolitan": "Metropolitan", "west-midlands": "West Midlands", "avon-and-somerset": "Avon & Somerset"}

CED_COLUMNS = {  # Table 13's headings (whitespace collapsed, lower case) -> the contract's CED column keys
    "total": "total", "total non-discharge": "total_non_discharge", "drawn": "drawn", "aimed": "aimed",
    "red-dot": "red_dot", "arced": "arced", "total discharge": "total_discharge", "drive stun": "drive_stun",
    "fired": "fired", "angled drive stun": "angled_drive_stun", "not stated": "not_stated",
    "ced not stated": "not_stated",
}
ETHNICITY = {"White": "White", "Black (or Black British)": "Black", "Asian (or Asian British)": "Asian",
             "Chinese": "Asian", "Mixed": "Mixed", "Other": "Other", "Don't know": "unknown",
             "Not reported": "unknown"}
AGE = {"Under 11 years": "under_11", "11 - 17 years": "11_17", "18 - 34 years": "18_34", "35 - 49 years": "35_49",
       "50 - 64 years": "50_64", "65 and over": "65_plus", "Not reported": "unknown"}
CHILDREN = ("under_11", "11_17")
TYPE_TOTALS = ("Total Restraint", "Total Unarmed skills", "Total Other equipment", "Total Less lethal weapons",
               "Total Firearms", "Total Other")  # the six kinds of force; 'Total Not reported' is not one
CED_ROWS = {"CED", "CED1", "CED of which", "CED, of which"}  # the CED row of Tables 2/4/14/16 across releases


def norm(text: str) -> str:
    """A label as a reader sees it: runs of whitespace (spaces, line breaks) as one space, ends trimmed."""
    return " ".join(text.split())


def row_label(text: str) -> str:
    """A force or tactic label without the publisher's decorations ('*Total ...', 'Hampshire (R)')."""
    return norm(text).lstrip("*").removesuffix("(R)").strip()


@dataclass(frozen=True)
class Figure:
    """One published cell: its number, or the marker (':') it holds instead."""

    sheet: str
    row: int
    col: int
    heading: str
    number: int | None
    marker: str | None

    @property
    def where(self) -> str:
        return f"{self.sheet} row {self.row} col {self.col} ({self.heading!r})"


def figure(sheet: Sheet, row: int, col: int, heading: str) -> Figure:
    cell = sheet.cell(row, col)
    if cell.number is not None:
        assert cell.number == int(cell.number), f"{sheet.name} row {row} col {col}: {cell.number} is not a count"
        return Figure(sheet.name, row, col, heading, int(cell.number), None)
    marker = norm(cell.text)
    assert marker, f"{sheet.name} row {row} col {col}: empty where a figure is published"
    return Figure(sheet.name, row, col, heading, None, marker)


def find_row(sheet: Sheet, heading: str, col: int | None = None) -> int:
    """The first row holding `heading` (in column `col`, or anywhere)."""
    for r in range(1, len(sheet.rows) + 1):
        texts = [norm(t) for t in sheet.texts(r)]
        if (col is None and heading in texts) or (col is not None and sheet.cell(r, col).text.strip() == heading):
            return r
    raise AssertionError(f"{sheet.name}: no row holds {heading!r}")


def total(figures: list[Figure]) -> int | None:
    """The sum of published counts; None (not published) when any holds a marker."""
    numbers = [f.number for f in figures]
    return None if any(n is None for n in numbers) else sum(n for n in numbers if n is not None)


@dataclass(frozen=True)
class TacticRow:
    """One tactic row of a by-group table: its cells by published column heading."""

    row: int
    label: str
    cells: dict[str, Figure]

    def by_group(self, groups: dict[str, str]) -> dict[str, int | None]:
        """Columns summed into the contract's groups (Chinese into Asian; Don't know and Not reported unknown)."""
        out: dict[str, list[Figure]] = {}
        for heading, fig in self.cells.items():
            out.setdefault(groups[heading], []).append(fig)
        return {g: total(figs) for g, figs in out.items()}

    def group_sum(self, groups: dict[str, str], wanted: tuple[str, ...]) -> int | None:
        figs = [f for h, f in self.cells.items() if groups[h] in wanted]
        return total(figs)


@dataclass(frozen=True)
class Block:
    """A by-group table's rows for one force (or the national block / national table)."""

    sheet: str
    groups: dict[str, str]
    rows: list[TacticRow]
    incidents: dict[str, Figure] | None = None  # national Tables 2/3/4 only: incidents involving each group

    def row(self, labels: set[str]) -> TacticRow:
        found = [r for r in self.rows if r.label in labels]
        assert len(found) == 1, f"{self.sheet}: {len(found)} rows labelled {sorted(labels)}"
        return found[0]

    def total_tactics(self) -> dict[str, int | None]:
        """The 'Total Tactics' row by group; the 2017/18 release has none: the sum of the six kinds then."""
        if any(r.label == "Total Tactics" for r in self.rows):
            return self.row({"Total Tactics"}).by_group(self.groups)
        parts = [self.row({t}).by_group(self.groups) for t in TYPE_TOTALS]
        return {g: (None if any(p[g] is None for p in parts) else sum(p[g] or 0 for p in parts)) for g in parts[0]}

    def ced(self) -> TacticRow:
        return self.row(CED_ROWS)


class Release:
    """One release (one .ods file) and what its tables say."""

    def __init__(self, path: Path) -> None:
        found = re.search(r"apr(\d{4})-mar(\d{4})", path.name)
        assert found and int(found[2]) == int(found[1]) + 1, f"not a financial-year release name: {path.name}"
        self.path = path
        self.year = f"{found[1]}/{found[2][2:]}"
        self.id = f"use_of_force/{found[1]}-{found[2][2:]}"

    def __repr__(self) -> str:
        return self.id

    @cached_property
    def sheets(self) -> dict[str, Sheet]:
        return read_ods(self.path)

    @cached_property
    def published(self) -> date:
        for row in self.sheets["Cover_sheet"].rows:
            for cell in row:
                if (m := re.fullmatch(r"Published: (\d{1,2} \w+ \d{4})", norm(cell.text))):
                    return datetime.strptime(m[1], "%d %B %Y").date()
        raise AssertionError(f"{self.path.name}: no 'Published:' date on the cover sheet")

    # Table 12: incidents by force
    @cached_property
    def incidents(self) -> dict[str, Figure]:
        """Incidents by force label, and NATIONAL_LABEL; regional totals left out."""
        sheet = self.sheets["Table_12"]
        header = find_row(sheet, "Police force")
        col_force = sheet.texts(header).index("Police force") + 1
        col_total = sheet.texts(header).index("Total") + 1
        out: dict[str, Figure] = {}
        for r in range(header + 1, len(sheet.rows) + 1):
            label = row_label(sheet.cell(r, col_force).text)
            if not label:
                break
            if label.startswith("Total ") and label != NATIONAL_LABEL:
                continue
            assert label not in out, f"Table_12: {label!r} twice"
            out[label] = figure(sheet, r, col_total, "Total")
        return out

    # Table 13: CED by type, force and financial year
    @cached_property
    def ced(self) -> dict[tuple[str, str], dict[str, Figure]]:
        """(financial year, force label) -> CED column key -> figure; regional totals left out."""
        sheet = self.sheets["Table_13"]
        header = find_row(sheet, "Police force")
        headings = [norm(t) for t in sheet.texts(header)]
        col_force = headings.index("Police force") + 1
        col_year = headings.index("Financial year") + 1 if "Financial year" in headings else None
        columns = {c: CED_COLUMNS[h.lower()] for c, h in enumerate(headings, 1) if c > col_force}
        assert sorted(columns.values()) == sorted(set(CED_COLUMNS.values())), f"Table_13 headings {headings}"
        out: dict[tuple[str, str], dict[str, Figure]] = {}
        for r in range(header + 1, len(sheet.rows) + 1):
            label = row_label(sheet.cell(r, col_force).text)
            if not label:
                break
            if label.startswith("Total ") and label != NATIONAL_LABEL:
                continue
            year = norm(sheet.cell(r, col_year).text) if col_year else self.year
            assert re.fullmatch(r"\d{4}/\d{2}", year), f"Table_13 row {r}: year {year!r}"
            out[(year, label)] = {key: figure(sheet, r, c, headings[c - 1]) for c, key in columns.items()}
        return out

    @property
    def ced_years(self) -> list[str]:
        return sorted({y for y, _ in self.ced})

    # Tables 14 and 16: tactics by force and age / ethnicity (2018/19 and later releases)
    def by_force(self, sheet_name: str, groups: dict[str, str]) -> dict[str, Block] | None:
        """Force label (and NATIONAL_LABEL) -> its block of the table; None when the release has no such table."""
        sheet = self.sheets.get(sheet_name)
        if sheet is None or "by police force and officer perceived" not in norm(sheet.cell(1, 1).text):
            return None
        header = find_row(sheet, "Police force", col=1)
        headings = [norm(t) for t in sheet.texts(header)]
        col_tactic = headings.index("Tactic") + 1
        columns = {c: h for c, h in enumerate(headings, 1) if c > col_tactic and not h.startswith("Number of times")}
        unknown = set(columns.values()) - set(groups)
        assert not unknown, f"{sheet_name}: headings {sorted(unknown)} are not in the contract's groups"
        blocks: dict[str, list[TacticRow]] = {}
        for r in range(header + 1, len(sheet.rows) + 1):
            force = row_label(sheet.cell(r, 1).text)
            if not force:
                break
            cells = {h: figure(sheet, r, c, h) for c, h in columns.items()}
            blocks.setdefault(force, []).append(TacticRow(r, row_label(sheet.cell(r, col_tactic).text), cells))
        return {force: Block(sheet_name, groups, rows) for force, rows in blocks.items()}

    def reported(self, sheet_name: str, force: str, tactic_row: int) -> Figure:
        """The 'Number of times tactic reported' cell of a by-force row (the row's total over every column)."""
        sheet = self.sheets[sheet_name]
        headings = [norm(t) for t in sheet.texts(find_row(sheet, "Police force", col=1))]
        col = next(c for c, h in enumerate(headings, 1) if h.startswith("Number of times"))
        assert row_label(sheet.cell(tactic_row, 1).text) == force
        return figure(sheet, tactic_row, col, headings[col - 1])

    @cached_property
    def ethnicity_by_force(self) -> dict[str, Block] | None:
        return self.by_force("Table_16", ETHNICITY)

    @cached_property
    def age_by_force(self) -> dict[str, Block] | None:
        return self.by_force("Table_14", AGE)

    # Tables 2 and 4: national tactics (and incidents) by age / ethnicity
    def national(self, sheet_name: str, groups: dict[str, str]) -> Block:
        sheet = self.sheets[sheet_name]
        first = next(iter(groups))
        header = next(r for r in range(1, len(sheet.rows) + 1) if first in [norm(t) for t in sheet.texts(r)])
        columns = {c: norm(t) for c, t in enumerate(sheet.texts(header), 1) if norm(t) in groups}
        incidents_row = next(r for r in range(header + 1, len(sheet.rows) + 1) if sheet.texts(r))
        incidents = {h: figure(sheet, incidents_row, c, h) for c, h in columns.items()}
        start = find_row(sheet, "Type of force", col=1)
        rows: list[TacticRow] = []
        for r in range(start + 1, len(sheet.rows) + 1):
            label = row_label(sheet.cell(r, 2).text)
            if norm(sheet.cell(r, 1).text) == "Notes":
                break
            if not label:
                continue  # the blank row before 'Tactical communication' in the earlier releases
            rows.append(TacticRow(r, label, {h: figure(sheet, r, c, h) for c, h in columns.items()}))
        return Block(sheet_name, groups, rows, incidents)

    @cached_property
    def ethnicity_national(self) -> Block:
        return self.national("Table_4", ETHNICITY)

    @cached_property
    def age_national(self) -> Block:
        return self.national("Table_2", AGE)

    @cached_property
    def table1_rows(self) -> dict[str, int]:
        """Table 1's tactic rows by label; the value column is C ('Total' or 'Number of times tactic reported')."""
        sheet = self.sheets["Table_1"]
        top = find_row(sheet, "Type of force", col=1)
        assert {norm(sheet.cell(r, 3).text) for r in range(1, top + 1)} & {"Total", "Number of times tactic reported"}
        return {row_label(sheet.cell(r, 2).text): r for r in range(top + 1, len(sheet.rows) + 1)}

    @cached_property
    def total_tactics_row(self) -> Figure | None:
        """Table 1's 'Total Tactics' cell; None in the 2017/18 release, which has no such row."""
        row = self.table1_rows.get("Total Tactics")
        return None if row is None else figure(self.sheets["Table_1"], row, 3, "Total Tactics")

    @cached_property
    def tactic_uses_national(self) -> int:
        """Table 1's total tactic uses: its 'Total Tactics' row, else (2017/18) the sum of the six kinds."""
        if self.total_tactics_row is not None:
            assert self.total_tactics_row.number is not None
            return self.total_tactics_row.number
        value = total([figure(self.sheets["Table_1"], self.table1_rows[label], 3, label) for label in TYPE_TOTALS])
        assert value is not None
        return value


@cache
def releases(folder: Path) -> tuple[Release, ...]:
    """Every release in the folder, oldest first."""
    found = tuple(sorted((Release(p) for p in folder.glob("police-use-of-force-apr*-mar*-tables.ods")),
                         key=lambda r: r.year))
    assert found, f"no use-of-force release in {folder}"
    return found
