"""data.police.uk monthly archive street-level crime (`YYYY-MM-<force>-street.csv`) and crime outcomes
(`YYYY-MM-<force>-outcomes.csv`): one force-month each, the force and month from the official name.

A street file's rows are the crimes (and anti-social behaviour) recorded in its month; an outcomes file's
rows are outcome events dated its month, each naming an earlier crime by `Crime ID`. Both are kept one row
per published row: several outcomes of one crime are separate events, never merged (docs/data-model.md).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import Head, Recognised, SourceKind, Table, TableRows
from scrutiny.sources.crime_records import (
    CRIME_KEY_SQL,
    check_files,
    crime_id_columns,
    la_name,
    number_column,
    read_raw,
    recode,
    single,
    text_or_null,
)
from scrutiny.sources.police_uk_archive import archive_name, sniff_archive
from scrutiny.vocab.crime_outcomes import outcome_types

PLACE_HEADER = ("Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
                "LSOA code", "LSOA name")
STREET_HEADER = (*PLACE_HEADER, "Crime type", "Last outcome category", "Context")
OUTCOMES_HEADER = (*PLACE_HEADER, "Outcome type")

_PLACE_COLUMNS = {
    "force": "VARCHAR NOT NULL",  # the force whose file it is (its name), as for stop_search
    "month": "DATE NOT NULL",  # street: the crime's month; outcomes: the outcome's month
    "crime_id": "VARCHAR",  # 64 hex, lower case; null for anti-social behaviour and unnumbered crimes
    "crime_key": "UUID",  # its first 128 bits: what crimes and outcomes are joined on (crime_records.crime_key)
    "reported_by": "VARCHAR",
    "falls_within": "VARCHAR",
    "longitude": "DOUBLE",
    "latitude": "DOUBLE",
    "location": "VARCHAR",
    "lsoa_code": "VARCHAR",
    "lsoa_name": "VARCHAR",
    "la_name": "VARCHAR",  # the local authority the LSOA's name begins with
    "la_code": "VARCHAR",  # its code, when a loaded boundary or Census table names it (warehouse/crime_places.py)
}
_KEYED = {"crime_key": CRIME_KEY_SQL}  # older warehouses have crime_id alone
STREET_CRIME = Table("street_crime", {
    **_PLACE_COLUMNS,
    "crime_type": "VARCHAR NOT NULL",
    "last_outcome": "VARCHAR",  # as published in this file: a later archive may say more
    "last_outcome_class": "VARCHAR",
    "context": "VARCHAR",
    "source_row": "BIGINT NOT NULL",
}, added=_KEYED)
CRIME_OUTCOME = Table("crime_outcome", {
    **_PLACE_COLUMNS,
    "outcome_type": "VARCHAR NOT NULL",
    "outcome_class": "VARCHAR NOT NULL",
    "source_row": "BIGINT NOT NULL",
}, added=_KEYED)
CRIME_TABLES = (STREET_CRIME.name, CRIME_OUTCOME.name)
CRIME_WORDS = {STREET_CRIME.name: "street crimes", CRIME_OUTCOME.name: "crime outcomes"}  # how summaries name rows
_NAME_KINDS = {SourceKind.STREET_CSV: "street", SourceKind.OUTCOMES_CSV: "outcomes"}
_WHAT = {"street": "a street-crime file", "outcomes": "an outcomes file", "stop-and-search": "a stop-and-search file"}


def classes(types: pa.Array) -> pa.Array:
    """Each published outcome type's class (crime_outcomes.csv), `other` for one the catalogue lacks."""
    return recode(types, _classes)


def _classes(types: pa.Array) -> pa.Array:
    known = outcome_types()
    keys = pa.array(list(known), pa.string())
    found = pc.take(pa.array(list(known.values()), pa.string()), pc.index_in(types, value_set=keys))
    blank = pc.equal(pc.utf8_trim_whitespace(types), "")
    return pc.if_else(blank, pa.scalar(None, pa.string()), pc.coalesce(found, pa.scalar("other")))


def _place(rows: pa.Table, forces: pa.Array, months: pa.Array) -> dict[str, pa.Array]:
    """The columns both tables share, for checked rows whose `file` column indexes `forces` and `months`."""
    return {
        "force": pc.take(forces, rows["file"]),
        "month": pc.take(months, rows["file"]),
        **crime_id_columns(rows["Crime ID"]),  # checked: 64 hex digits
        "reported_by": text_or_null(rows["Reported by"]),
        "falls_within": text_or_null(rows["Falls within"]),
        "longitude": rows[number_column("Longitude")],  # parsed by the check
        "latitude": rows[number_column("Latitude")],
        "location": text_or_null(rows["Location"]),
        "lsoa_code": text_or_null(rows["LSOA code"]),
        "lsoa_name": text_or_null(rows["LSOA name"]),
        "la_name": recode(rows["LSOA name"], la_name),
        "la_code": pa.nulls(rows.num_rows, pa.string()),
    }


class _ArchiveCrime:
    """What the street and outcomes files share: the name check, the unit, the reading."""

    kind: SourceKind
    table: Table
    header: tuple[str, ...]
    label = "archive"
    load_order = 2
    rejects_nul_lines = False

    @property
    def name_kind(self) -> str:
        return _NAME_KINDS[self.kind]

    def recognise(self, head: Head) -> Recognised | None:
        if head.is_json or sniff_archive(head.csv_header) != self.kind:
            return None
        if head.csv_header != self.header:
            raise SourceRefused(head.path, f"not the published header of {_WHAT[self.name_kind]}: expected "
                                           f"{','.join(self.header)}")
        name = archive_name(head.path)
        if name.kind != self.name_kind:
            raise SourceRefused(head.path, f"its name says {_WHAT[name.kind]} but its header is that of "
                                           f"{_WHAT[self.name_kind]}: was it renamed?")
        return Recognised(head.path, self.kind, name.force, name.month, source=self)

    def unit(self, item: Recognised) -> str:
        assert item.month is not None
        return f"{self.name_kind}/{item.force}/{item.month:%Y-%m}"  # never a stop-and-search force-month's unit

    blank_crime_id: bool  # may a row have no Crime ID (street anti-social behaviour)?
    required: str  # the column a row cannot leave blank

    def read(self, item: Recognised) -> TableRows:
        return self.read_many([item])[0]

    def read_many(self, items: list[Recognised]) -> list[TableRows]:
        """Several files at once: read two at a time, checked and converted as one table, handed back per
        file (a file's own checks and conversions cost more than its rows did)."""
        for item in items:
            assert item.force is not None and item.month is not None
        with ThreadPoolExecutor(max_workers=2) as pool:  # pyarrow reads without the GIL
            raws = list(pool.map(lambda item: read_raw(item.path, self.header, item.month or date.min), items))
        batch = check_files(raws, self.header, blank_crime_id=self.blank_crime_id, required=self.required)
        forces = pa.array([item.force for item in items], pa.string())
        months = pa.array([item.month for item in items], pa.date32())
        rows = pa.table({**_place(batch.rows, forces, months), **self._own(batch.rows),
                         "source_row": batch.rows["source_row"]})
        readings, start = [], 0
        for item, n, rejects in zip(items, batch.passed, batch.rejects, strict=True):
            readings.append(TableRows(rows.slice(start, n), {"force": item.force, "month": item.month}, rejects))
            start += n
        return readings

    def _own(self, rows: pa.Table) -> dict[str, pa.Array]:
        """The kind's own columns."""
        raise NotImplementedError


class ArchiveStreetCrime(_ArchiveCrime):
    kind = SourceKind.STREET_CSV
    table = STREET_CRIME
    header = STREET_HEADER
    blank_crime_id = True
    required = "Crime type"

    def _own(self, rows: pa.Table) -> dict[str, pa.Array]:
        last = rows["Last outcome category"]
        return {"crime_type": single(rows["Crime type"]), "last_outcome": text_or_null(last),
                "last_outcome_class": classes(last), "context": text_or_null(rows["Context"])}


class ArchiveCrimeOutcomes(_ArchiveCrime):
    kind = SourceKind.OUTCOMES_CSV
    table = CRIME_OUTCOME
    header = OUTCOMES_HEADER
    blank_crime_id = False
    required = "Outcome type"

    def _own(self, rows: pa.Table) -> dict[str, pa.Array]:
        types = rows["Outcome type"]
        return {"outcome_type": single(types), "outcome_class": classes(types)}


ARCHIVE_STREET_CRIME = ArchiveStreetCrime()
ARCHIVE_CRIME_OUTCOMES = ArchiveCrimeOutcomes()
