"""Census 2021 usual residents by ethnic group: four published layouts, one `population` shape.

Every layout is aggregated from its detailed categories to the five groups by the category's heading
(the text before the first `:`), so disproportionality denominators do not depend on which table a user
brought. A file that does not fit its layout is refused whole, naming the line and column, because a
silently shifted column would give a plausible but wrong denominator.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from scrutiny.catalog import read_catalog
from scrutiny.sources.adapter import Head, Recognised, SourceKind, Table, TableRows
from scrutiny.sources.text_table import TextTable, clean_header, read_text_table
from scrutiny.vocab.ethnicity import GROUPS

LAYOUTS = ("census_ts022", "census_19_groups", "census_age_sex", "census_pfa_5_groups")
POPULATION_COLUMNS = (
    "area_code",
    "area_name",
    "ethnic_group",
    "age",
    "sex",
    "residents",
    "suppressed_cells",
    "census_year",
    "source",
)
OLDEST = 100  # the Census's last single-year band is "100 or over"
SEXES = ("Female", "Male")  # the Census by age and sex, in the order its rows are written

# Census headings the catalogue (which is about police records) does not list: TS022 splits the Black
# heading in two.
_CENSUS_HEADINGS = {
    "black, black british, black welsh of african background": "Black",
    "black, black british, black welsh or caribbean background": "Black",
}
# Some Census products merge a tiny authority into its neighbour for confidentiality but keep the bigger
# one's code. A joint code keeps a join on, say, City of London from picking up Westminster's residents.
_MERGED_AREAS = {
    ("E09000001", "city of london and westminster"): "E09000001+E09000033",
    ("E06000052", "cornwall and isles of scilly"): "E06000052+E06000053",
}
_AREA_CODE = re.compile(r"[A-Z]\d{8}")
_TS_CATEGORY = re.compile(r"Ethnic [Gg]roup\b.*\(\d+ categories\) Code")
_DOES_NOT_APPLY = "-8"

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


# ---------------------------------------------------------------- recognising a layout


def sniff_census(path: Path, head: str) -> str | None:
    """Which Census layout `head` (the start of the file, decoded) is, by its header alone."""
    first_semicolon = _first_record(head, ";")
    if first_semicolon[:2] == ["Area code", "Area name"] and any(
        clean_header(name).endswith("(number)") for name in first_semicolon
    ):
        return "census_19_groups"
    header = _first_record(head, ",")
    if header == ["Census Year", "Geocode", "Police Force Area", "Self-defined ethnicity", "Population"]:
        return "census_pfa_5_groups"
    if header[:3] == ["Geography Code", "Geography Name", "Age"] and any(
        name.endswith((" Female", " Male")) for name in header[3:]
    ):
        return "census_age_sex"
    if _is_long_ethnic_header(header):
        return "census_ts022"
    return None


def _first_record(head: str, sep: str) -> list[str]:
    """The header record, which may span lines inside quotes; [] if there is none."""
    try:
        return next(csv.reader(io.StringIO(head.removeprefix("\ufeff")), delimiter=sep), [])
    except csv.Error:
        return []


def _is_long_ethnic_header(header: list[str]) -> bool:
    """ONS custom-dataset layout: `<geography> Code, <geography>, <classification> Code, ..., Observation`."""
    return (
        len(header) == 5
        and header[0].endswith(" Code")
        and header[1] == header[0].removesuffix(" Code")
        and _TS_CATEGORY.fullmatch(header[2]) is not None
        and header[3] == header[2].removesuffix(" Code")
        and header[4] == "Observation"
    )


# ---------------------------------------------------------------- reading


def read_census(path: Path, layout: str) -> pd.DataFrame:
    """The file as `population` rows (POPULATION_COLUMNS), aggregated to the five groups."""
    readers = {
        "census_ts022": _read_ts022,
        "census_19_groups": _read_19_groups,
        "census_age_sex": _read_age_sex,
        "census_pfa_5_groups": _read_pfa_5_groups,
    }
    if layout not in readers:
        raise ValueError(f"unknown Census layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    return readers[layout](Path(path))


def _area_codes(table: TextTable, code_column: str, name_column: str) -> tuple[list[str], list[str]]:
    """Validated ONS codes and names; a merged authority gets the joint code of the two it covers."""
    codes, names = table.column(code_column), table.column(name_column)
    for row, code in zip(table.frame.index, codes, strict=True):
        if not _AREA_CODE.fullmatch(code):
            table.refuse_cell(int(row), code_column, f"{str(code)!r} is not an ONS area code")
    out_codes = [
        _MERGED_AREAS.get((code, name.strip().casefold()), code) for code, name in zip(codes, names, strict=True)
    ]
    return out_codes, [name.strip() for name in names]


# ---------------------------------------------------------------- counts


def _counts(
    table: TextTable,
    columns: Sequence[str],
    *,
    thousands: str = "",
    zero: str | None = None,
    suppressed: str | None = None,
) -> tuple[IntArray, BoolArray]:
    """Cells of `columns` as integers (rows x columns) and where they were suppressed (counted as 0)."""
    cells = np.strings.strip(table.frame[list(columns)].to_numpy(dtype=str))
    marked = cells == suppressed if suppressed is not None else np.zeros(cells.shape, dtype=bool)
    zeros = cells == zero if zero is not None else np.zeros(cells.shape, dtype=bool)
    digits = _grouped_digits(cells, thousands)
    bad = ~(digits | marked | zeros)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        table.refuse_cell(int(table.frame.index[row]), columns[col], f"{str(cells[row, col])!r} is not a count")
    plain = np.strings.replace(cells, thousands, "") if thousands else cells
    try:
        values = np.where(digits, plain, "0").astype(np.int64)
    except (OverflowError, ValueError):
        table.refuse(f"a count in columns {[clean_header(c) for c in columns]} is too large to be a population")
    return values, marked


def _grouped_digits(cells: npt.NDArray[np.str_], thousands: str) -> BoolArray:
    """Plain digits, or digits grouped in threes by `thousands` (so `1.5` is not read as 15)."""
    plain: BoolArray = np.strings.isdecimal(cells)
    if not thousands or not np.strings.find(cells, thousands).max(initial=-1) >= 0:
        return plain
    pattern = rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+"
    grouped = pd.Series(cells.ravel()).str.fullmatch(pattern).to_numpy(dtype=bool).reshape(cells.shape)
    return plain | grouped


# ---------------------------------------------------------------- ethnic groups


@cache
def _headings() -> dict[str, str]:
    catalogue = {row["prefix"].casefold(): row["ethnic_group"] for row in read_catalog("ethnic_groups.csv")}
    return catalogue | _CENSUS_HEADINGS


def ethnic_group(category: str) -> str | None:
    """Five-group name of a Census category, from its heading (`White: Irish` -> White)."""
    return _headings().get(clean_header(category.split(":", 1)[0]).casefold())


def _column_groups(table: TextTable, columns: Sequence[str]) -> list[str]:
    groups = []
    for column in columns:
        group = ethnic_group(column)
        if group is None:
            table.refuse(f"column {clean_header(column)!r}: not under a Census ethnic group heading")
        groups.append(group)
    missing = [g for g in GROUPS if g not in groups]
    if missing:
        table.refuse(f"no column for the {', '.join(missing)} group(s)")
    return groups


def _fold_wide(values: IntArray, marked: BoolArray, groups: Sequence[str]) -> tuple[IntArray, IntArray]:
    """Sum columns into the five groups: (rows x 5) residents and suppressed-cell counts."""
    one_hot = np.array([[g == group for group in GROUPS] for g in groups], dtype=np.int64)
    return values @ one_hot, marked.astype(np.int64) @ one_hot


# ---------------------------------------------------------------- the four layouts


def _read_19_groups(path: Path) -> pd.DataFrame:
    """Spreadsheet re-export: `;`, `.` thousands, ` -   ` for zero (accounting format); counts only."""
    table = read_text_table(path, ";")
    number_columns = [str(c) for c in table.frame.columns if clean_header(str(c)).endswith("(number)")]
    if not number_columns:
        table.refuse("no '(number)' columns: is the separator ';'?")
    groups = _column_groups(table, number_columns)
    codes, names = _area_codes(table, "Area code", "Area name")
    _refuse_repeats(table, "area", codes)
    values, marked = _counts(table, number_columns, thousands=".", zero="-")
    residents, suppressed = _fold_wide(values, marked, groups)
    return _wide_frame(codes, names, None, residents, suppressed, "census_19_groups")


def _read_age_sex(path: Path) -> pd.DataFrame:
    """Geography x single year of age rows, group x sex columns; `c` cells count 0 and are tallied.

    Sex is kept (one row per sex), so rates can be standardised for age and sex (metrics.standardised);
    readers that want both sexes sum the rows."""
    table = read_text_table(path, ",")
    codes, names = _area_codes(table, "Geography Code", "Geography Name")
    ages = _ages(table, "Age")
    count_columns = [str(c) for c in table.frame.columns[3:]]
    column_sexes = [_column_sex(table, column) for column in count_columns]
    groups = _column_groups(table, count_columns)
    _refuse_repeats(table, "area and age", codes, ages.tolist())
    values, marked = _counts(table, count_columns, suppressed="c")
    residents, suppressed = [], []
    for sex in SEXES:
        mine = [i for i, s in enumerate(column_sexes) if s == sex]
        if not mine:
            table.refuse(f"no column for {sex} residents")
        folded = _fold_wide(values[:, mine], marked[:, mine], [groups[i] for i in mine])
        residents.append(folded[0])
        suppressed.append(folded[1])
    # rows x sexes x groups, so each input row gives its Female rows then its Male rows
    return _wide_frame(codes, names, ages, np.stack(residents, axis=1), np.stack(suppressed, axis=1),
                       "census_age_sex", SEXES)


def _column_sex(table: TextTable, column: str) -> str:
    """The sex a column counts, from the word its header ends with."""
    for sex in SEXES:
        if column.endswith(f" {sex}"):
            return sex
    table.refuse(f"column {clean_header(column)!r}: expected a group name ending in Female or Male")


def _ages(table: TextTable, column: str) -> IntArray:
    """Single years of age; the open-ended last band becomes OLDEST."""
    text = np.strings.strip(table.column(column))
    text = np.where(text == f"{OLDEST} or over", str(OLDEST), text)
    ok = np.strings.isdecimal(text)
    if not ok.all():
        row = int(np.argmin(ok))
        table.refuse_cell(int(table.frame.index[row]), column, f"{str(text[row])!r} is not an age")
    return text.astype(np.int64)


def _read_ts022(path: Path) -> pd.DataFrame:
    """ONS long layout: one row per area x detailed category; `-8 Does not apply` rows carry no one."""
    table = read_text_table(path, ",")
    header = [str(c) for c in table.frame.columns]
    if not _is_long_ethnic_header(header):
        table.refuse(f"header is not '<area> Code,<area>,Ethnic Group ... Code,Ethnic Group ...,Observation': {header}")
    applies = table.frame[header[2]].str.strip() != _DOES_NOT_APPLY
    table = TextTable(path, table.frame[applies], table.header_lines, ",")
    codes, names = _area_codes(table, header[0], header[1])
    _refuse_repeats(table, "area and category", codes, table.column(header[2]).tolist())
    groups = _row_groups(table, header[3])
    values, _ = _counts(table, [header[4]])
    return _long_frame(codes, names, groups, values[:, 0], np.full(len(codes), 2021), "census_ts022")


def _read_pfa_5_groups(path: Path) -> pd.DataFrame:
    """Police force areas x five groups for 2011 and 2021, numbers with `,` thousands separators."""
    table = read_text_table(path, ",")
    codes, names = _area_codes(table, "Geocode", "Police Force Area")
    groups = _row_groups(table, "Self-defined ethnicity")
    years, _ = _counts(table, ["Census Year"])
    _refuse_repeats(table, "year, area and group", years[:, 0].tolist(), codes, groups)
    values, _ = _counts(table, ["Population"], thousands=",")
    return _long_frame(codes, names, groups, values[:, 0], years[:, 0], "census_pfa_5_groups")


def _row_groups(table: TextTable, column: str) -> list[str]:
    """Five-group name of each row's category, refusing a category under no known heading."""
    groups = []
    for row, category in zip(table.frame.index, table.column(column), strict=True):
        group = ethnic_group(category)
        if group is None:
            table.refuse_cell(int(row), column, f"{str(category)!r} is not under a Census ethnic group heading")
        groups.append(group)
    return groups


# ---------------------------------------------------------------- output


def _refuse_repeats(table: TextTable, what: str, *keys: Sequence[object]) -> None:
    """A repeated area (or area and category) would be counted twice: refuse it, naming both lines."""
    seen: dict[tuple[object, ...], int] = {}
    for row, key in zip(table.frame.index, zip(*keys, strict=True), strict=True):
        first = seen.setdefault(key, int(row))
        if first != row:
            shown = ", ".join(str(part) for part in key)
            table.refuse(f"line {table.line(int(row))}: {what} {shown} repeats line {table.line(first)}")


def _wide_frame(
    codes: list[str],
    names: list[str],
    ages: IntArray | None,
    residents: IntArray,
    suppressed: IntArray,
    source: str,
    sexes: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per input row and group (rows x 5 counts), or per input row, sex and group (rows x sexes x 5),
    in file order, then sex, then GROUPS order."""
    n, k = len(codes), len(GROUPS)
    per_row = k * max(len(sexes), 1)
    row = np.repeat(np.arange(n), per_row)
    age = ages[row] if ages is not None else None
    sex = _repeated(sexes, np.tile(np.repeat(np.arange(len(sexes)), k), n)) if sexes else None
    return _frame(
        _repeated(codes, row),
        _repeated(names, row),
        _repeated(GROUPS, np.tile(np.arange(k), n * max(len(sexes), 1))),
        age,
        residents.ravel(),
        suppressed.ravel(),
        np.full(n * per_row, 2021, dtype=np.int64),
        source,
        sex,
    )


def _repeated(values: Sequence[str], index: IntArray) -> pa.Array:
    """`values[index]` as an Arrow text array: a file's few distinct codes, names and groups, each repeated
    for many rows (an age-by-sex file gives 344,410), are picked by position instead of converted one by one."""
    return pa.array(values, pa.string()).take(index)


def _long_frame(
    codes: list[str],
    names: list[str],
    groups: list[str],
    values: IntArray,
    years: IntArray,
    source: str,
) -> pd.DataFrame:
    """Sum detailed rows into area x year x group: areas in file order, groups in GROUPS order."""
    rank = {g: i for i, g in enumerate(GROUPS)}
    detail = pd.DataFrame(
        {
            "area": pd.factorize(pd.Series(codes))[0],
            "year": years,
            "rank": [rank[g] for g in groups],
            "code": codes,
            "name": names,
            "residents": values,
        }
    )
    summed = detail.groupby(["area", "year", "rank"], sort=True).agg(
        code=("code", "first"), name=("name", "first"), residents=("residents", "sum")
    )
    return _frame(
        summed["code"].to_numpy(dtype=str),
        summed["name"].to_numpy(dtype=str),
        np.asarray(GROUPS)[summed.index.get_level_values("rank").to_numpy()],
        None,
        summed["residents"].to_numpy(dtype=np.int64),
        np.zeros(len(summed), dtype=np.int64),
        summed.index.get_level_values("year").to_numpy(dtype=np.int64),
        source,
    )


def _frame(
    codes: npt.ArrayLike | pa.Array,
    names: npt.ArrayLike | pa.Array,
    groups: npt.ArrayLike | pa.Array,
    ages: IntArray | None,
    residents: IntArray,
    suppressed: IntArray,
    years: IntArray,
    source: str,
    sexes: npt.NDArray[np.str_] | pa.Array | None = None,
) -> pd.DataFrame:
    """The `population` columns with their types fixed: text as str, age and sex nullable (NULL = all ages,
    both sexes)."""
    n = len(residents)
    return pd.DataFrame(
        {
            "area_code": _text(codes),
            "area_name": _text(names),
            "ethnic_group": _text(groups),
            "age": pd.Series(ages if ages is not None else [pd.NA] * n, dtype="Int64"),
            "sex": _text(sexes if sexes is not None else pa.nulls(n, pa.string())),
            "residents": pd.Series(residents, dtype="int64"),
            "suppressed_cells": pd.Series(suppressed, dtype="int64"),
            "census_year": pd.Series(years, dtype="int64"),
            "source": _text(_repeated([source], np.zeros(n, dtype=np.int64))),
        },
        columns=list(POPULATION_COLUMNS),
    )


def _text(values: npt.ArrayLike | pa.Array) -> pd.Series:
    if isinstance(values, pa.Array):
        return pd.Series(pd.array(values, dtype="str"))
    return pd.Series(values, dtype="str")


class Census:
    """Census 2021 residents by ethnic group in any of LAYOUTS; a file replaces what its layout loaded before."""

    kind = SourceKind.CENSUS
    label = "census"
    table = Table("population")
    load_order = 0
    rejects_nul_lines = False

    def recognise(self, head: Head) -> Recognised | None:
        layout = None if head.is_json else sniff_census(head.path, head.text)
        return None if layout is None else Recognised(head.path, self.kind, variant=layout, source=self)

    def unit(self, item: Recognised) -> str:
        return f"census/{item.variant}"

    def read(self, item: Recognised) -> TableRows:
        layout = item.variant or ""
        return TableRows(read_census(item.path, layout)[list(POPULATION_COLUMNS)], {"source": layout})


CENSUS = Census()
