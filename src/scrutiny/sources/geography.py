"""ONS lookup of local authorities to police force areas, so a force's population is the sum of its LAs.

ONS names its columns after the boundary year (`LAD20CD`, `PFA20CD`), so the columns are found by pattern
and the year becomes part of the source name: a 2023 lookup loads as `la_force_lookup_2023`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from scrutiny.catalog import forces
from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import Head, Recognised, SourceKind, Table, TableRows
from scrutiny.sources.text_table import read_text_table

LOOKUP_COLUMNS = ("force", "la_code", "la_name", "source")
_LA_CODE = re.compile(r"LAD(\d{2})CD")
_AREA_CODE = re.compile(r"[A-Z]\d{8}")


def sniff_la_force_lookup(path: Path, head: str) -> bool:
    """True for a CSV whose header has LADyyCD, LADyyNM and PFAyyCD columns of one year."""
    return _columns(_header(head)) is not None


def _header(head: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(head.removeprefix("\ufeff"))), [])
    except csv.Error:
        return []


def _columns(header: list[str]) -> tuple[str, str, str, str] | None:
    """(LA code, LA name, PFA code, year) column names, if the header has them."""
    for name in header:
        match = _LA_CODE.fullmatch(name.strip())
        if match:
            year = match[1]
            wanted = (f"LAD{year}CD", f"LAD{year}NM", f"PFA{year}CD")
            if all(column in header for column in wanted):
                return (*wanted, year)
    return None


def read_la_force_lookup(path: Path) -> pd.DataFrame:
    """`force_areas` rows (LOOKUP_COLUMNS), one per local authority; force is a data.police.uk id."""
    path = Path(path)
    frame = _read(path)
    columns = _columns([str(c) for c in frame.columns])
    if columns is None:
        raise SourceRefused(path, f"header has no LADyyCD, LADyyNM and PFAyyCD columns: {list(frame.columns)}")
    la_code, la_name, pfa_code, year = columns
    force_of = {force.pfa_code: force.id for force in forces().values() if force.pfa_code}
    rows: dict[str, tuple[str, str, int]] = {}  # an LA split into several CSPs repeats: keep one row
    for row, la, name, pfa in zip(frame.index, frame[la_code], frame[la_name], frame[pfa_code], strict=True):
        line = int(row) + 2
        _check_codes(path, line, la, pfa, name)
        force = force_of.get(pfa)
        if force is None:
            raise SourceRefused(path, f"line {line}: police force area {pfa!r} is not in the force catalogue")
        seen = rows.setdefault(la, (force, name, line))
        if seen[0] != force:
            raise SourceRefused(path, f"line {line}: {la} is in {force} but line {seen[2]} puts it in {seen[0]}")
    return pd.DataFrame(
        {
            "force": pd.Series([force for force, _, _ in rows.values()], dtype="str"),
            "la_code": pd.Series(list(rows), dtype="str"),
            "la_name": pd.Series([name for _, name, _ in rows.values()], dtype="str"),
            "source": pd.Series([f"la_force_lookup_20{year}"] * len(rows), dtype="str"),
        },
        columns=list(LOOKUP_COLUMNS),
    )


def _read(path: Path) -> pd.DataFrame:
    """Every cell as stripped text; the index gives each row's line (row i is on line i + 2)."""
    frame = read_text_table(path, ",").frame
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    return frame


def _check_codes(path: Path, line: int, la: str, pfa: str, name: str) -> None:
    if not _AREA_CODE.fullmatch(la):
        raise SourceRefused(path, f"line {line}: {la!r} is not a local authority code")
    if not _AREA_CODE.fullmatch(pfa):
        raise SourceRefused(path, f"line {line}: {pfa!r} is not a police force area code")
    if not name:
        raise SourceRefused(path, f"line {line}: local authority {la} has no name")


class LaForceLookup:
    """The ONS local authority to police force area lookup; one at a time, replacing the last."""

    kind = SourceKind.LA_FORCE_LOOKUP
    label = "lookup"
    table = Table("force_areas")
    load_order = 0
    rejects_nul_lines = False

    def recognise(self, head: Head) -> Recognised | None:
        if head.is_json or not sniff_la_force_lookup(head.path, head.text):
            return None
        return Recognised(head.path, self.kind, source=self)

    def unit(self, item: Recognised) -> str:
        return str(self.kind)

    def read(self, item: Recognised) -> TableRows:
        return TableRows(read_la_force_lookup(item.path)[list(LOOKUP_COLUMNS)])


LA_FORCE_LOOKUP = LaForceLookup()
