"""A new source is one adapter and one registry entry: this test's own adapter goes through the real ingest."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from scrutiny.errors import SourceRefused
from scrutiny.sources.adapter import Head, Recognised, Table, TableRows
from scrutiny.sources.recognise import recognise
from scrutiny.sources.registry import SOURCES, by_kind, label
from scrutiny.warehouse.ingest import IngestRefused, ingest_paths
from scrutiny.warehouse.status import reference_sources
from tests.conftest import query, write_archive
from tests.warehouse.test_ingest_fixture import ROWS

HEADER = ("Ward code", "Bus stops")


class BusStops:
    """A made-up source: bus stops per ward, one CSV per year (`bus-stops-YYYY.csv`), each replacing its year."""

    kind = "bus_stops"
    label = "bus stops"
    description = "bus stops per ward (test source)"
    table = Table("bus_stops", {"ward_code": "VARCHAR NOT NULL", "stops": "INTEGER NOT NULL",
                                "year": "INTEGER NOT NULL"})
    load_order = 0
    rejects_nul_lines = False

    def recognise(self, head: Head) -> Recognised | None:
        if head.is_json or head.csv_header != HEADER:
            return None
        return Recognised(head.path, self.kind, variant=head.path.stem.removeprefix("bus-stops-"), source=self)

    def unit(self, item: Recognised) -> str:
        return f"bus_stops/{item.variant}"

    def read(self, item: Recognised) -> TableRows:
        with item.path.open(newline="") as f:
            rows = list(csv.reader(f))[1:]
        year = int(item.variant or 0)
        return TableRows(pa.table({"ward_code": [r[0] for r in rows], "stops": [int(r[1]) for r in rows],
                                   "year": [year] * len(rows)}), {"year": year})


def write(path: Path, *rows: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([",".join(HEADER), *rows]) + "\n")
    return path


def test_a_registered_adapter_is_ingested_through_the_real_ingest(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    registry = (*SOURCES, BusStops())
    first = write(tmp_path / "in" / "bus-stops-2023.csv", "E05000001,12", "E05000002,7")
    report = ingest_paths([first], db, sources=registry)
    assert [(r.unit, r.action, r.rows_loaded, r.force_month) for r in report.results] == [
        ("bus_stops/2023", "new", 2, False)]
    assert query(db, "SELECT * FROM bus_stops ORDER BY ward_code") == [("E05000001", 12, 2023), ("E05000002", 7, 2023)]
    assert query(db, "SELECT kind, unit, rows_loaded, action FROM ingest_log") == [
        ("bus_stops", "bus_stops/2023", 2, "new")]

    # Another year is its own unit; the same year again replaces only that year's rows.
    write(tmp_path / "in2" / "bus-stops-2024.csv", "E05000001,13")
    write(tmp_path / "in2" / "bus-stops-2023.csv", "E05000003,1", "E05000004,2")
    ingest_paths([tmp_path / "in2"], db, sources=registry)
    assert query(db, "SELECT * FROM bus_stops ORDER BY year, ward_code") == [
        ("E05000003", 1, 2023), ("E05000004", 2, 2023), ("E05000001", 13, 2024)]

    con = duckdb.connect(str(db), read_only=True)
    try:
        shown = [(s.unit, s.rows) for s in reference_sources(con)]
    finally:
        con.close()
    assert shown == [("bus_stops/2023", 2), ("bus_stops/2024", 1)]


def test_without_the_entry_the_file_is_refused_and_the_registry_is_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path / "bus-stops-2023.csv", "E05000001,12", "E05000002,7")
    with pytest.raises(IngestRefused) as refused:
        ingest_paths([path], tmp_path / "w.duckdb")
    assert [r.reason for r in refused.value.refusals] == [
        "unrecognised header 'Ward code,Bus stops': not a data.police.uk, Census or lookup file"]
    assert not any(isinstance(s, BusStops) for s in SOURCES)
    assert not (tmp_path / "w.duckdb").exists()


def test_a_refused_read_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    registry = (*SOURCES, BusStops())
    ingest_paths([write(tmp_path / "a" / "bus-stops-2023.csv", "E05000001,12")], db, sources=registry)
    bad = write(tmp_path / "b" / "bus-stops-2023.csv", "E05000001,12", "E05000002,many")
    with pytest.raises(ValueError):
        ingest_paths([bad], db, sources=registry)
    assert query(db, "SELECT * FROM bus_stops") == [("E05000001", 12, 2023)]


def test_each_loadable_kind_has_one_adapter_and_a_label() -> None:
    assert [str(s.kind) for s in SOURCES] == ["crimes_json", "outcomes_for_crime_json", "stops_json", "boundaries",
                                              "stop_search_csv", "street_csv", "outcomes_csv", "census",
                                              "la_force_lookup", "mps_recorded_crime", "use_of_force_ods"]
    assert [label(k) for k in ("stop_search_csv", "stops_json", "no_such_kind")] == ["archive", "api", "archive"]
    assert by_kind("census") is not None and by_kind("street_csv") is not None and by_kind("api_reference") is None


def test_recognition_names_the_adapter_and_its_unit(tmp_path: Path) -> None:
    archive = write_archive(tmp_path, "2020-06", "essex", ROWS)
    found = recognise(archive)
    assert (found.kind, found.force, str(found.month), found.loadable) == ("stop_search_csv", "essex", "2020-06-01",
                                                                          True)
    assert found.source is not None and found.source.unit(found) == "essex/2020-06"
    street = tmp_path / "2020-06-essex-street.csv"
    street.write_text("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                      "Crime type,Last outcome category,Context\n")
    street_crime = recognise(street)
    assert (street_crime.kind, street_crime.loadable) == ("street_csv", True)
    assert street_crime.source is not None and street_crime.source.unit(street_crime) == "street/essex/2020-06"
    ward_lookup = tmp_path / "wards.csv"
    ward_lookup.write_text("WD21CD,WD21NM,LAD21CD,LAD21NM\n")
    skipped = recognise(ward_lookup)
    assert (skipped.kind, skipped.loadable, skipped.note) == (
        "unsupported", False, "ward to local authority lookup: not yet supported")
    renamed = tmp_path / "stops.csv"
    renamed.write_bytes(archive.read_bytes())
    with pytest.raises(SourceRefused, match="must keep their official name"):
        recognise(renamed)
