"""The one interface every outside source implements, and what it hands the warehouse.

A source adapter recognises its files by their content, says what unit a file replaces (a force-month, a
Census layout, the lookup, the boundaries), reads a file into the rows of its canonical table and gives
the label `scrutiny status` shows. It never writes: the warehouse (`warehouse/ingest.py`) writes whatever an
adapter reads inside its one ingest transaction, so data flows one way. docs/how-to/add-a-source.md walks
through adding one.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd
import pyarrow as pa


class SourceKind(StrEnum):
    """What a file (or a path that could not be followed) turned out to be; `ingest_log.kind` stores the value."""

    STOP_SEARCH_CSV = "stop_search_csv"
    STOPS_JSON = "stops_json"
    CENSUS = "census"
    LA_FORCE_LOOKUP = "la_force_lookup"
    BOUNDARIES = "boundaries"
    STREET_CSV = "street_csv"
    OUTCOMES_CSV = "outcomes_csv"
    MPS_RECORDED_CRIME = "mps_recorded_crime"
    CRIMES_JSON = "crimes_json"
    USE_OF_FORCE_ODS = "use_of_force_ods"
    OUTCOMES_FOR_CRIME_JSON = "outcomes_for_crime_json"
    # Recognised, reported and never loaded:
    STOPS_NO_LOCATION_JSON = "stops_no_location_json"
    CRIMES_NO_LOCATION_JSON = "crimes_no_location_json"
    API_REFERENCE = "api_reference"
    UNSUPPORTED = "unsupported"
    SYNTHETIC_SIDECAR = "synthetic_sidecar"
    # What `expand` could not follow:
    LINK = "link"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Head:
    """The start of a file (its first 64 KB, decoded), which is all recognition reads."""

    path: Path
    text: str

    @property
    def is_json(self) -> bool:
        return self.text.lstrip().startswith(("[", "{"))

    @cached_property
    def csv_header(self) -> tuple[str, ...]:
        """The first line as CSV cells, stripped."""
        first_line = self.text.splitlines()[0] if self.text else ""
        return tuple(cell.strip() for cell in next(csv.reader([first_line]), []))


@dataclass(frozen=True)
class Table:
    """A canonical table an adapter fills. `columns` (name: SQL type) is given only by a table the warehouse
    schema does not already declare: ingest then creates it, so a new source needs no schema edit."""

    name: str
    columns: Mapping[str, str] | None = None
    # Columns added after the table first shipped, each with the SQL (over the other columns) that fills it for
    # rows a warehouse already holds: ingest adds them to an older warehouse (warehouse/table_upgrades.py).
    added: Mapping[str, str] = field(default_factory=dict)

    def ddl(self) -> str | None:
        if not self.columns:
            return None
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({', '.join(f'{n} {t}' for n, t in self.columns.items())})"


def rejects_table(lines: object, reasons: object, raws: object) -> pa.Table:
    """The records a file did not load, as `TableRows.rejects` carries them: `line` (its line, or position in
    a JSON array), `reason`, `raw` (the published text). One home for the shape every adapter hands over."""
    return pa.table({"line": pa.array(lines, pa.int64()), "reason": pa.array(reasons, pa.string()),
                     "raw": pa.array(raws, pa.string())})


@dataclass(frozen=True)
class TableRows:
    """Rows of the adapter's table for one unit. The warehouse deletes the rows matching `replaces` (column:
    value, or column: a tuple of values, any of which matches; empty means the whole table), then inserts
    these, by column name, in the ingest transaction."""

    rows: pa.Table | pd.DataFrame
    replaces: Mapping[str, object] = field(default_factory=dict)
    rejects: pa.Table | None = None  # records not loaded: `line`, `reason`, `raw` (the published text)


@dataclass(frozen=True)
class CsvRecords:
    """A CSV of records the warehouse reads itself: straight into DuckDB when the file is clean, record by
    record when not, each bad record rejected with its lines (`warehouse/stop_search_load.py`)."""

    path: Path
    header: tuple[str, ...]
    types: Mapping[str, str]  # column: DuckDB type, so a bad value is rejected with its reason


@dataclass(frozen=True)
class TextRecords:
    """Records as published text, cast in the warehouse with a reason for each value that does not convert.
    Read lazily, one file at a time, so a batch of files never sits in memory at once."""

    rows: Callable[[], pa.Table]  # the records, plus `source_row` (1-based) and `raw`
    raw_texts: Callable[[list[int]], list[str]]  # the published text of the records at these positions


Read = TableRows | CsvRecords | TextRecords


@dataclass(frozen=True)
class Recognised:
    """One file and what it is: loadable when a `source` adapter claimed it, reported and skipped otherwise."""

    path: Path
    kind: str  # a SourceKind for every built-in source
    force: str | None = None
    month: date | None = None
    variant: str | None = None  # which of a source's layouts (a Census table)
    note: str | None = None
    source: Source | None = None

    @property
    def loadable(self) -> bool:
        return self.source is not None


class Source(Protocol):
    """An outside source. Adapters are plain objects listed in `sources/registry.py`."""

    # Read-only: an adapter may give each as a plain class attribute.
    @property
    def kind(self) -> str:
        """What `ingest_log.kind` records for its files: a SourceKind member for built-in sources."""
        ...

    @property
    def label(self) -> str:
        """A word for `scrutiny status`: `archive` and `api` fill the "from" column of stop-and-search."""
        ...

    @property
    def table(self) -> Table:
        """The canonical table its rows go to."""
        ...

    @property
    def load_order(self) -> int:
        """Lower loads first within an ingest (boundaries before the stops placed in them)."""
        ...

    @property
    def rejects_nul_lines(self) -> bool:
        """True if a NUL byte rejects its line only, not the whole file (the warehouse reads it by record)."""
        ...

    def recognise(self, head: Head) -> Recognised | None:
        """This source's Recognised for the file, None if it is not one; SourceRefused if it is one that
        cannot be loaded (a renamed archive file)."""
        ...

    def unit(self, item: Recognised) -> str:
        """What loading the file replaces: `metropolitan/2024-01`, `census/census_ts022`, `boundaries`."""
        ...

    def read(self, item: Recognised) -> Read:
        """The file's rows (or records) for the warehouse to write; SourceRefused if it cannot be read."""
        ...


@runtime_checkable
class ReadsMany(Protocol):
    """An adapter that reads several of its files at once, cheaper than one by one (a month of every force is
    hundreds of small files). The warehouse hands it runs of its own files, in order."""

    def read_many(self, items: list[Recognised]) -> list[TableRows]:
        """`read` of each item, in order."""
        ...


@runtime_checkable
class ReadsBinary(Protocol):
    """An adapter of files that are not text (a spreadsheet): recognised from their first bytes, hashed but
    never checked as UTF-8 text. Its `recognise` (of a text head) answers None."""

    def recognise_binary(self, path: Path, start: bytes) -> Recognised | None:
        """`recognise` for a file whose first 64 KB are `start`."""
        ...
