"""Helpers for the search-record review tests. Every record here, and in data/review_*.csv, is invented for the
tests ("Testshire Police"); none is a real search record."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from scrutiny.warehouse.connect import connect
from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import User
from scrutiny.workspace.models.review import ReviewSample, SampleRecord, SearchRecord
from scrutiny.workspace.review import records, reviews
from scrutiny.workspace.review.vocab import ethnic_group

DATA = Path(__file__).resolve().parent / "data"
EXPORT = DATA / "review_force_export.csv"
MAPPING = {
    "occurred_at": "Date", "force": "Force", "area": "Borough", "self_defined_ethnicity": "Self-defined ethnicity",
    "officer_defined_ethnicity": "Officer-defined ethnicity", "age_range": "Age range", "gender": "Gender",
    "object_of_search": "Object of search", "legislation": "Legislation", "grounds": "Grounds",
    "outcome": "Outcome", "outcome_linked": "Outcome linked", "body_worn_video": "BWV", "officer": "Officer ID",
    "unit": "Unit", "force_reference": "Reference",
}
HEADER = ",".join(MAPPING.values())
_counter = 0


def export_bytes() -> bytes:
    return EXPORT.read_bytes()


def add_record(session: Session, *, grounds: str = "Smell of cannabis.", ethnicity: str | None = None,
               outcome: str | None = "Arrest", linked: bool | None = None, day: int = 1, area: str = "Lambeth",
               source: str = "csv") -> SearchRecord:
    """A record straight into the workspace (the import path has its own tests)."""
    global _counter
    _counter += 1
    values: dict[str, Any] = {"occurred_at": datetime(2024, 3, day, 12, _counter % 60, tzinfo=UTC),
                              "force": "Testshire Police", "area_name": area, "self_defined_ethnicity": ethnicity,
                              "ethnic_group": ethnic_group(ethnicity), "grounds": grounds, "outcome": outcome,
                              "outcome_linked": linked, "object_of_search": "Controlled drugs"}
    record = records.new_record(source, f"test-{_counter:08d}-{datetime.now(UTC).timestamp()}", values)
    session.add(record)
    session.flush()
    return record


def sample_of(session: Session, by: User, record_ids: list[int], seed: int = 1) -> ReviewSample:
    sample = ReviewSample(source="workspace", seed=seed, period_start=datetime(2024, 3, 1).date(),
                          period_end=datetime(2024, 3, 31).date(), size=len(record_ids),
                          population=len(record_ids), drawn_by_id=by.id)
    session.add(sample)
    session.flush()
    session.add_all(SampleRecord(sample_id=sample.id, record_id=r, position=i) for i, r in enumerate(record_ids, 1))
    session.flush()
    return sample


def answers(rs: bool = False, smell: bool = True, **overrides: Any) -> reviews.Answers:
    base: dict[str, Any] = {"object_stated": True, "grounds_stated": True, "reasonable_suspicion": rs,
                            "smell_only": smell, "body_worn_video": "yes", "conduct": "appropriate",
                            "grounds_class": "smell_only", "notes": ""}
    return reviews.Answers(**{**base, **overrides})


def review(ws: Workspace, user: User, record_id: int, rs: bool = False, smell: bool = True, **overrides: Any) -> None:
    with ws.session(accounts.actor(user)) as session:
        reviews.submit(session, user, record_id, answers(rs, smell, **overrides))


def database_text(ws: Workspace) -> str:
    """Every value of every table, as one string, for 'this never reached the database' checks."""
    parts: list[str] = []
    with ws.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def count(ws: Workspace, model: type[Any]) -> int:
    with ws.session() as session:
        return len(session.scalars(select(model)).all())


def write_warehouse(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A tiny DuckDB warehouse with only `stop_search` rows (the canonical schema, made by `connect`)."""
    con = connect(path)
    try:
        for i, row in enumerate(rows, 1):
            full = {"force": "testshire", "month": datetime(2024, 3, 1).date(), "self_defined_group": "unknown",
                    "officer_defined_group": "unknown", "outcome_class": "other", "source_id": 1, "source_row": i + 1,
                    **row}
            columns = ", ".join(full)
            con.execute(f"INSERT INTO stop_search ({columns}) VALUES ({', '.join('?' for _ in full)})",
                        list(full.values()))
    finally:
        con.close()
    return path
