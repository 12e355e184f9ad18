"""`source_row` is the record's line in its file, also for files far bigger than one DuckDB row group."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from scrutiny.sources.synthetic import write_synthetic


def test_lines_of_big_files_match_their_text(tmp_path: Path, db: Path, cli: Callable[..., object]) -> None:
    files = write_synthetic(tmp_path / "big", 700_000, seed=3, forces=["metropolitan", "kent"], months=["2024-01"])
    cli("ingest", tmp_path / "big", "--db", db)
    con = duckdb.connect(str(db), read_only=True)
    checked = 0
    for path in files:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        got = dict(
            (line, (when, lat, lon, outcome))
            for line, when, lat, lon, outcome in con.execute(
                """SELECT source_row, occurred_at, latitude, longitude, outcome FROM stop_search s
                   JOIN ingest_log l ON l.id = s.source_id WHERE l.file = ? AND source_row % 997 = 0""",
                [str(path)],
            ).fetchall()
        )
        assert len(got) == len(rows) // 997  # lines 2..len(rows) that are multiples of 997
        for line, value in got.items():
            raw = rows[line - 1]
            when = datetime.fromisoformat(raw[1]).astimezone(UTC).replace(tzinfo=None)
            expected = (when, float(raw[4]) if raw[4] else None, float(raw[5]) if raw[5] else None, raw[12] or None)
            assert value == expected, (path.name, line)
            checked += 1
    assert checked > 600
