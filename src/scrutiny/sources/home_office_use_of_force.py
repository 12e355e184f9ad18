"""Home Office "Police use of force statistics, England and Wales" data tables (OpenDocument spreadsheets, one
table a sheet), read into the long table `use_of_force`.

A release is recognised by its content (the workbook's title), not its name. Only the tables the figures need
are read, each found by its title (table numbers shift between releases): incidents by force; tactic uses by
perceived age, gender and ethnicity, nationally and by force; CED (Taser) use by type and force, for every
financial year the release's CED table carries. Every kept cell becomes a row with its sheet and row, so a
figure can be traced to the cell it came from.

A file is the unit: loading a release replaces that release's rows, and every release's rows are kept, so a
later release's revised figures for an earlier year sit beside the first ones; the figures use the latest
publication for each year and table and list the differences (`metrics/use_of_force.py`). Anything unexpected
(a table the contents list but the workbook lacks, a renamed column heading, an unknown force, text where a
count belongs) refuses the whole file with its sheet, row and reason: nothing of it is written.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa

from scrutiny.catalog import forces
from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import Head, Recognised, SourceKind, Table, TableRows
from scrutiny.vocab import use_of_force as v

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
TITLE = "Police use of force statistics, England and Wales"
USE_OF_FORCE = Table("use_of_force", {
    "release": "VARCHAR NOT NULL",  # the load unit: use_of_force/2019-20
    "published": "DATE NOT NULL",
    "financial_year": "VARCHAR NOT NULL",  # 2019/20
    "force": "VARCHAR NOT NULL",  # a catalogue force id, or england-and-wales
    "figure": "VARCHAR NOT NULL",  # incidents, tactic_uses, ced
    "breakdown": "VARCHAR NOT NULL",  # all, age, gender, ethnicity
    "grp": "VARCHAR NOT NULL",  # the canonical group of the published column (vocab/use_of_force.py)
    "label": "VARCHAR NOT NULL",  # the published column heading
    "tactic": "VARCHAR NOT NULL",  # the canonical row (or CED column) key
    "tactic_label": "VARCHAR NOT NULL",
    "value": "BIGINT",  # NULL where the cell holds a marker
    "marker": "VARCHAR",  # the marker (':' not available) where value is NULL
    "sheet": "VARCHAR NOT NULL",
    "sheet_row": "INTEGER NOT NULL",  # 1-based, as a spreadsheet shows it
})
_YEAR_SPAN = re.compile(r"1 April (\d{4}) to 31 March (\d{4})")
_PUBLISHED = re.compile(r"Publi(?:shed|cation [Dd]ate)\s*:\s*(\d{1,2} [A-Z][a-z]+ \d{4})")
_FINANCIAL_YEAR = re.compile(r"(\d{4})/(\d{2})")
_COUNT_TEXT = re.compile(r"[0-9]{1,3}(,[0-9]{3})*|[0-9]+")
MARKERS = frozenset({":", "..", "-", "*", "x", "[x]", "[c]", "[z]", "[u]", "n/a"})
BIGINT_MAX = 2**63 - 1


@cache
def _force_names() -> dict[str, str]:
    """Folded force names as the releases write them ("Avon & Somerset", "Metropolitan") to catalogue ids."""
    names: dict[str, str] = {}
    for force in forces().values():
        names[_force_key(force.id.replace("-", " "))] = force.id
        names[_force_key(force.name)] = force.id
    return names


def _force_key(name: str) -> str:
    """A force's name folded for matching; a revision mark "(R)" after it is dropped (the release's notes say
    what it marks, and the figures find revisions by comparing releases themselves)."""
    words = re.sub(r"\s*\(r\)$", "", v.fold(name)).replace("&", " and ").replace("-", " ").split()
    return " ".join(w for w in words if w not in ("police", "constabulary", "service", "of", "the"))


def _table_kind(title: str) -> tuple[str, str, bool] | None:
    """What a table holds, from its title: (figure, breakdown, by force); None for a table not read."""
    t = re.sub(r"^table [0-9]+\.\s*", "", v.fold(title))
    if t.startswith("incidents by police force"):
        return v.INCIDENTS, v.ALL, True
    if t.startswith("use of ced by type and police force"):
        return (v.CED, v.ALL, True) if _YEAR_SPAN.search(title) else None  # not the calendar or quarter tables
    if not t.startswith("number of times tactics were used"):
        return None
    for breakdown in (v.AGE, v.GENDER, v.ETHNICITY):
        if f"perceived {breakdown}" in t:
            return v.TACTIC_USES, breakdown, "by police force" in t
    return None if "by " in t else (v.TACTIC_USES, v.ALL, False)


def _wanted(listed_title: str) -> bool:
    """Whether the contents sheet lists a table Scrutiny reads (a CED table's title there may omit its span)."""
    return _table_kind(listed_title) is not None or v.fold(listed_title).startswith("use of ced by type and police")


_COLUMNS = {v.AGE: v.AGE_COLUMNS, v.GENDER: v.GENDER_COLUMNS, v.ETHNICITY: v.ETHNIC_COLUMNS}
_TOTAL_COLUMNS = frozenset({"total incidents per tactic", "number of times tactic reported",
                            "total number of incidents", "number of incidents involving tactic", "total"})


@dataclass
class _Release:
    """What a release's title page says, and the rows read so far."""

    path: Path
    year: str
    published: date
    columns: dict[str, list[object]] = field(default_factory=lambda: {n: [] for n in USE_OF_FORCE.columns or {}})

    @property
    def unit(self) -> str:
        return f"use_of_force/{self.year.replace('/', '-')}"

    def refuse(self, sheet: str, row: int | None, reason: str) -> SourceRefused:
        where = f"sheet {sheet}" + (f", row {row}" if row is not None else "")
        return SourceRefused(self.path, f"{where}: {reason}")

    def add(self, year: str, force: str, figure: str, breakdown: str, grp: str, label: str, tactic: str,
            tactic_label: str, cell: object, sheet: str, row: int, column: int) -> None:
        value, marker = self.count(cell, sheet, row, column)
        for name, item in (("release", self.unit), ("published", self.published), ("financial_year", year),
                           ("force", force), ("figure", figure), ("breakdown", breakdown), ("grp", grp),
                           ("label", label), ("tactic", tactic), ("tactic_label", tactic_label),
                           ("value", value), ("marker", marker), ("sheet", sheet), ("sheet_row", row)):
            self.columns[name].append(item)

    def count(self, cell: object, sheet: str, row: int, column: int) -> tuple[int | None, str | None]:
        """A cell as a count, or its marker; anything else refuses the file naming the cell."""
        where = f"column {_column_name(column)}"
        if isinstance(cell, bool):
            raise self.refuse(sheet, row, f"{where}: {cell!r} is not a count")
        if isinstance(cell, int | float) and not pd.isna(cell):
            if cell != int(cell) or cell < 0 or cell > BIGINT_MAX:
                raise self.refuse(sheet, row, f"{where}: {cell!r} is not a count (a whole number, 0 or more)")
            return int(cell), None
        text = "" if cell is None or (isinstance(cell, float) and pd.isna(cell)) else str(cell).strip()
        if not text:
            raise self.refuse(sheet, row, f"{where}: empty, where a count or a marker such as ':' belongs")
        if text.casefold() in MARKERS:
            return None, text
        if _COUNT_TEXT.fullmatch(text):
            return int(text.replace(",", "")), None
        raise self.refuse(sheet, row, f"{where}: {text!r} is not a count nor a known marker "
                                      f"({', '.join(sorted(MARKERS))})")

    def table(self) -> pa.Table:
        types = {"published": pa.date32(), "value": pa.int64(), "sheet_row": pa.int32()}
        return pa.table({n: pa.array(values, types.get(n, pa.string())) for n, values in self.columns.items()})


def _column_name(index: int) -> str:
    """0 -> A, 26 -> AA: the column as a spreadsheet names it."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _text(cell: object) -> str:
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return ""
    return " ".join(str(cell).split())


def _rows(frame: pd.DataFrame) -> Iterator[tuple[int, list[object]]]:
    for index, values in enumerate(frame.itertuples(index=False, name=None)):
        yield index + 1, list(values)


def _header(release: _Release, sheet: str, frame: pd.DataFrame, breakdown: str) -> tuple[int, dict[int, str]]:
    """The row heading the group columns, and each group column's published label; a heading that is not
    known refuses the file."""
    known = _COLUMNS[breakdown]
    for row, cells in _rows(frame):
        labels = {i: _text(c) for i, c in enumerate(cells) if _text(c)}
        if sum(v.fold(label) in known for label in labels.values()) < 2:
            continue
        columns: dict[int, str] = {}
        first_group = min(i for i, label in labels.items() if v.fold(label) in known)
        for i, label in labels.items():
            if i < first_group:
                continue
            if v.fold(label) in known:
                columns[i] = label
            elif v.fold(label) not in _TOTAL_COLUMNS:
                raise release.refuse(sheet, row, f"column {_column_name(i)} is headed {label!r}, not a perceived "
                                                 f"{breakdown} group this release layout uses "
                                                 f"({', '.join(sorted(known))})")
        return row, columns
    raise release.refuse(sheet, None, f"no row heading the perceived {breakdown} groups")


def _read_breakdown(release: _Release, sheet: str, frame: pd.DataFrame, breakdown: str, by_force: bool) -> None:
    """Tactic uses by group (national, or by force), and the national "incidents involving group" row."""
    header_row, columns = _header(release, sheet, frame, breakdown)
    first = min(columns)
    label_columns = 3 if by_force else 2  # (force,) type of force, tactic
    parent: str | None = None
    kind_of_force = ""
    group_of = _COLUMNS[breakdown]
    for row, cells in _rows(frame):
        if row <= header_row:
            continue
        labels = [_text(c) for c in cells[:label_columns]]
        values = [cells[i] if i < len(cells) else None for i in columns]
        if v.fold(labels[0]) == "notes":
            break  # the notes below the table
        if not any(_text(c) for c in values):
            continue  # a blank row, or a note's text
        if v.fold(labels[0]) in ("type of force", "police force"):
            continue  # the row naming the label columns
        if not any(labels) or v.fold(labels[0]) == "total number of incidents involving group":
            if by_force:
                raise release.refuse(sheet, row, "counts without a force, type of force or tactic")
            for i, label in columns.items():
                release.add(release.year, v.NATIONAL, v.INCIDENTS, breakdown, group_of[v.fold(label)], label,
                            "incidents", "Total number of incidents involving group", cells[i], sheet, row, i)
            continue
        force = v.NATIONAL
        if by_force:
            force = _force_id(release, sheet, row, labels[0])
        tactic_label = labels[-1]
        if not tactic_label:
            raise release.refuse(sheet, row, "counts without a tactic")
        if labels[-2] != kind_of_force:
            kind_of_force, parent = labels[-2], None  # a "Not stated" belongs to a parent of its own type
        if v.fold(tactic_label).endswith("of which"):
            parent = v.tactic_key(tactic_label)
        tactic = v.tactic_key(tactic_label, parent)
        if first < label_columns:
            raise release.refuse(sheet, header_row, "group columns overlap the tactic columns")
        for i, label in columns.items():
            release.add(release.year, force, v.TACTIC_USES, breakdown, group_of[v.fold(label)], label, tactic,
                        tactic_label, cells[i] if i < len(cells) else None, sheet, row, i)


def _read_all_tactics(release: _Release, sheet: str, frame: pd.DataFrame) -> None:
    """Table 1: every tactic's uses nationally (the column of times used; incidents per tactic are not kept)."""
    column = None
    parent: str | None = None
    for row, cells in _rows(frame):
        labels = [_text(c) for c in cells]
        if column is None:
            for i, label in enumerate(labels):
                if v.fold(label) in ("number of times tactic reported", "total") and i >= 2:
                    column = i
                    break
            continue
        if v.fold(labels[0]) == "notes":
            break
        tactic_label = labels[1] if len(labels) > 1 else ""
        if not tactic_label or v.fold(labels[0]) == "type of force" or column >= len(cells):
            continue
        if not _text(cells[column]):
            continue
        if v.fold(tactic_label).endswith("of which"):
            parent = v.tactic_key(tactic_label)
        release.add(release.year, v.NATIONAL, v.TACTIC_USES, v.ALL, v.ALL, "Total", v.tactic_key(tactic_label, parent),
                    tactic_label, cells[column], sheet, row, column)
    if column is None:
        raise release.refuse(sheet, None, "no column headed 'Number of times tactic reported' or 'Total'")


def _force_id(release: _Release, sheet: str, row: int, name: str) -> str:
    key = _force_key(name)
    if key in ("total england and wales", "england and wales"):
        return v.NATIONAL
    found = _force_names().get(key)
    if found is None:
        raise release.refuse(sheet, row, f"police force {name!r} is not a force of England and Wales "
                                         "(catalog/forces.csv)")
    return found


def _named_columns(release: _Release, sheet: str, frame: pd.DataFrame, wanted: dict[str, str],
                   required: tuple[str, ...]) -> tuple[int, dict[int, str]]:
    """The header row of a table with named columns (Region, Police force, ...), and which column is which."""
    for row, cells in _rows(frame):
        labels = {i: v.fold(_text(c)) for i, c in enumerate(cells)}
        if "police force" not in labels.values():
            continue
        columns = {i: wanted[label] for i, label in labels.items() if label in wanted}
        missing = [name for name in required if name not in columns.values()]
        if missing:
            raise release.refuse(sheet, row, f"no column headed {', '.join(missing)}")
        unknown = [label for i, label in labels.items() if label and label not in wanted]
        if unknown:
            raise release.refuse(sheet, row, f"column heading {unknown[0]!r} is not one this release layout uses")
        return row, columns
    raise release.refuse(sheet, None, "no header row with a 'Police force' column")


def _force_rows(release: _Release, sheet: str, frame: pd.DataFrame, header_row: int,
                force_column: int) -> Iterator[tuple[int, list[object], str]]:
    """Rows of a by-force table below its header, with the force id; region totals are skipped."""
    for row, cells in _rows(frame):
        if row <= header_row:
            continue
        name = _text(cells[force_column]) if force_column < len(cells) else ""
        if not name:
            if any(_text(c) for c in cells[:force_column]) and v.fold(_text(cells[0])) == "notes":
                return
            if not any(_text(c) for c in cells):
                continue
            if v.fold(_text(cells[0])) == "notes":
                return
            raise release.refuse(sheet, row, "a row without a police force")
        folded = _force_key(name)
        if folded.startswith("total ") and folded != "total england and wales":
            continue  # a region's total
        yield row, cells, _force_id(release, sheet, row, name)


def _read_incidents(release: _Release, sheet: str, frame: pd.DataFrame) -> None:
    wanted = {"region": "region", "police force": "force", "total": "total"}
    header_row, columns = _named_columns(release, sheet, frame, wanted, ("force", "total"))
    where = {name: i for i, name in columns.items()}
    for row, cells, force in _force_rows(release, sheet, frame, header_row, where["force"]):
        release.add(release.year, force, v.INCIDENTS, v.ALL, v.ALL, "Total", "incidents", "Incidents",
                    cells[where["total"]], sheet, row, where["total"])


def _read_ced(release: _Release, sheet: str, frame: pd.DataFrame, title: str) -> None:
    wanted = {"financial year": "year", "region": "region", "police force": "force", **v.CED_COLUMNS}
    header_row, columns = _named_columns(release, sheet, frame, wanted, ("force", "total", "fired"))
    where = {name: i for i, name in columns.items()}
    span = _YEAR_SPAN.search(title)
    assert span is not None  # _table_kind reads only CED tables with a span of financial years
    years = {v.financial_year(y) for y in range(int(span[1]), int(span[2]))}
    for row, cells, force in _force_rows(release, sheet, frame, header_row, where["force"]):
        year = release.year
        if "year" in where:
            year = _text(cells[where["year"]])
            match = _FINANCIAL_YEAR.fullmatch(year)
            if match is None or year not in years:
                raise release.refuse(sheet, row, f"financial year {year!r} is not one of the table's "
                                                 f"({', '.join(sorted(years))})")
        elif len(years) != 1:
            raise release.refuse(sheet, header_row, "a CED table over several years without a Financial year column")
        else:
            year = next(iter(years))
        headings = {i: _text(frame.iat[header_row - 1, i]) for i in columns}
        for i, key in columns.items():
            if key in ("year", "region", "force"):
                continue
            release.add(year, force, v.CED, v.ALL, v.ALL, headings[i], key, v.CED_LABELS.get(key, key),
                        cells[i] if i < len(cells) else None, sheet, row, i)


def _title_page(path: Path, sheets: dict[str, pd.DataFrame]) -> tuple[str, date]:
    """The release's financial year and publication date, from its contents and cover sheets."""
    text = "\n".join(_text(c) for name in ("Contents", "Cover_sheet") if name in sheets
                     for c in sheets[name].to_numpy().ravel())
    span = _YEAR_SPAN.search(text) or re.search(r"April (\d{4}) - March (\d{4})", text)
    if span is None or int(span[2]) != int(span[1]) + 1:
        raise SourceRefused(path, "its contents sheet does not say which financial year it covers "
                                  "('1 April YYYY to 31 March YYYY')")
    published = _PUBLISHED.search(text)
    if published is None:
        raise SourceRefused(path, "its contents or cover sheet does not give a publication date ('Published: ...')")
    return v.financial_year(int(span[1])), datetime.strptime(published[1], "%d %B %Y").date()


def _listed_tables(path: Path, sheets: dict[str, pd.DataFrame]) -> dict[int, str]:
    """Table number -> title, as the contents sheet lists them."""
    contents = sheets.get("Contents")
    if contents is None:
        raise SourceRefused(path, "no Contents sheet: not a Home Office use of force release layout")
    listed: dict[int, str] = {}
    for _, cells in _rows(contents):
        first, title = (_text(c) for c in [*cells, None, None][:2])
        if re.fullmatch(r"[0-9]+(\.0)?", first) and title:
            listed[int(float(first))] = title
    if not listed:
        raise SourceRefused(path, "the Contents sheet lists no tables")
    return listed


def read_release(path: Path) -> TableRows:
    """Every kept cell of a release as rows of `use_of_force`, replacing that release's earlier load."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine", dtype=object)
    except Exception as exc:  # calamine raises many kinds for a damaged file
        why = f"{type(exc).__name__}: {exc}"
        raise SourceRefused(path, f"cannot be read as an OpenDocument spreadsheet ({why})") from None
    year, published = _title_page(path, sheets)
    release = _Release(path, year, published)
    read_any = False
    for number, listed_title in sorted(_listed_tables(path, sheets).items()):
        if not _wanted(listed_title):
            continue
        name = f"Table_{number}"
        frame = sheets.get(name)
        if frame is None:
            raise SourceRefused(path, f"the Contents sheet lists Table {number} ({listed_title}) but the workbook "
                                      f"has no sheet {name}")
        title = _text(frame.iat[0, 0]) if frame.shape[0] and frame.shape[1] else ""
        if not v.fold(title).startswith(f"table {number}."):
            raise release.refuse(name, 1, f"title {title[:80]!r} is not Table {number}'s")
        kind, listed = _table_kind(title), _table_kind(listed_title)
        if listed is not None and kind != listed:
            raise release.refuse(name, 1, f"title {title[:80]!r} is not the table the Contents sheet lists as "
                                          f"Table {number} ({listed_title})")
        if kind is None:
            continue  # a CED table for a calendar year or a quarter
        figure, breakdown, by_force = kind
        if figure == v.INCIDENTS:
            _read_incidents(release, name, frame)
        elif figure == v.CED:
            _read_ced(release, name, frame, title)
        elif breakdown == v.ALL:
            _read_all_tactics(release, name, frame)
        else:
            _read_breakdown(release, name, frame, breakdown, by_force)
        read_any = True
    if not read_any:
        raise SourceRefused(path, "none of the tables Scrutiny reads (incidents by police force, tactics by "
                                  "perceived age, gender or ethnicity, use of CED by type and police force)")
    return TableRows(release.table(), {"release": release.unit})


def _is_ods(start: bytes) -> bool:
    """An OpenDocument spreadsheet: a zip whose first member, stored uncompressed, is its mimetype."""
    return start.startswith(b"PK\x03\x04") and start[30:38] == b"mimetype" and ODS_MIMETYPE in start[:100]


def release_year(path: Path) -> str | None:
    """The financial year of a use of force release, from the start of its content (cheap: no full parse);
    None when the spreadsheet is not one."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            text = content.read(256 * 1024).decode("utf-8", errors="replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    if TITLE not in text:
        return None
    span = _YEAR_SPAN.search(text) or re.search(r"April (\d{4}) - March (\d{4})", text)
    return v.financial_year(int(span[1])) if span else None


class HomeOfficeUseOfForce:
    """A release of police use of force statistics; it replaces its own earlier load."""

    kind = SourceKind.USE_OF_FORCE_ODS
    label = "home office"
    table = USE_OF_FORCE
    load_order = 0
    rejects_nul_lines = False

    def recognise(self, head: Head) -> Recognised | None:
        return None  # a spreadsheet is binary: recognise_binary

    def recognise_binary(self, path: Path, start: bytes) -> Recognised | None:
        if not _is_ods(start):
            return None
        year = release_year(path)
        if year is None:
            return None
        return Recognised(path, self.kind, variant=year, source=self)

    def unit(self, item: Recognised) -> str:
        return f"use_of_force/{(item.variant or '').replace('/', '-')}"

    def read(self, item: Recognised) -> TableRows:
        rows = read_release(item.path)
        if rows.replaces.get("release") != self.unit(item):
            raise SourceRefused(item.path, f"its title page covers {rows.replaces.get('release')}, "
                                           f"its content {self.unit(item)}")
        return rows


HOME_OFFICE_USE_OF_FORCE = HomeOfficeUseOfForce()
