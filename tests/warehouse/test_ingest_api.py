"""data.police.uk API responses load like archive files, with the force and month from the saved name."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import Result

from tests.conftest import query, shared


def test_recorded_month_loads_every_record(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    source = shared("police_uk", "api", "stops-force-metropolitan", "2024-09.json")
    records = json.loads(source.read_text())
    cli("ingest", source, "--db", db)
    assert query(db, "SELECT unit, kind, rows_loaded, rows_rejected FROM ingest_log") == [
        ("metropolitan/2024-09", "stops_json", len(records), 0)]
    no_location = sum(1 for r in records if r["location"] is None)
    assert query(db, "SELECT count(*) FILTER (WHERE latitude IS NULL) FROM stop_search") == [(no_location,)]
    first = records[0]
    row = query(db, "SELECT occurred_at, search_type, gender, age_range, self_defined_ethnicity, legislation, "
                    "object_of_search, outcome, outcome_linked, strip_search, latitude, longitude, "
                    "part_of_operation FROM stop_search WHERE source_row = 1")
    when = datetime.fromisoformat(first["datetime"]).astimezone(UTC).replace(tzinfo=None)
    assert row == [(when, first["type"], first["gender"], first["age_range"], first["self_defined_ethnicity"],
                    first["legislation"], first["object_of_search"], first["outcome"],
                    first["outcome_linked_to_object_of_search"], first["removal_of_more_than_outer_clothing"],
                    float(first["location"]["latitude"]), float(first["location"]["longitude"]),
                    first["operation"])]


def test_bad_records_are_rejected_with_their_position(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    records = json.loads(shared("police_uk", "api", "stops-force-metropolitan", "2024-09.json").read_text())[:4]
    records[1] = {**records[1], "datetime": "yesterday"}
    records[2] = {**records[2], "location": {"latitude": "north", "longitude": "0.1"}}
    path = tmp_path / "stops-force-metropolitan" / "2024-09.json"
    path.parent.mkdir()
    path.write_text(json.dumps(records))
    result = cli("ingest", path, "--db", db)
    assert isinstance(result, Result)
    assert query(db, "SELECT source_row FROM stop_search ORDER BY 1") == [(1,), (4,)]
    assert query(db, "SELECT line, reason FROM rejects ORDER BY line") == [
        (2, "bad date yesterday"), (3, "bad latitude north")]


def test_name_must_carry_force_and_month(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    renamed = tmp_path / "september.json"
    shutil.copy(shared("police_uk", "api", "stops-force-metropolitan", "2024-09.json"), renamed)
    result = cli("ingest", renamed, "--db", db, ok=False)
    assert isinstance(result, Result)
    assert result.exit_code == 1
    assert "cannot tell the force and month" in result.output
    assert not db.exists() or query(db, "SELECT count(*) FROM stop_search") == [(0,)]


def test_flat_name_and_no_location_cross_check(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    flat = tmp_path / "stops-force-city-of-london-2023-01.json"
    shutil.copy(shared("police_uk", "api", "fixtures", "stops-force-city-of-london-2023-01.json"), flat)
    companion = tmp_path / "stops-no-location-city-of-london" / "2023-01.json"
    companion.parent.mkdir()
    records = json.loads(flat.read_text())
    companion.write_text(json.dumps([r for r in records if r["location"] is None]))
    result = cli("ingest", tmp_path, "--db", db)
    assert isinstance(result, Result)
    assert query(db, "SELECT unit, rows_loaded FROM ingest_log") == [("city-of-london/2023-01", len(records))]
    assert "stops_no_location_json" in result.output
