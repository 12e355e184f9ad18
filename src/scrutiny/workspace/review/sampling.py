"""Seeded random samples of search records for a period and area, reproducible by anyone who has the seed.

The candidates are put in an order that depends only on their content (time, then the record's content key),
never on when they were imported or their ids, and `random.Random(seed).sample` picks positions in that list:
the same seed, the same records and the same period, force, area and size give the same sample. A sample
from the warehouse copies only the drawn records into the workspace (police.uk has no grounds text: it is
typed in later from the force's own record). Periods are whole days in UTC, both ends included.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from scrutiny.warehouse.connect import connect
from scrutiny.workspace.errors import Invalid, NotFound
from scrutiny.workspace.models.accounts import User
from scrutiny.workspace.models.review import Review, ReviewSample, SampleRecord, SearchRecord
from scrutiny.workspace.review.records import new_record
from scrutiny.workspace.review.vocab import warehouse_group

MAX_SIZE = 2000
MAX_SEED = 2**63 - 1
SOURCES = ("workspace", "warehouse")
SIZE_WORDS = f"a sample has 1 to {MAX_SIZE} records"
SEED_WORDS = "the seed is a whole number from 0"
WAREHOUSE_COLUMNS = ("occurred_at", "force", "month", "source_row", "latitude", "longitude", "gender", "age_range",
                     "self_defined_ethnicity", "self_defined_group", "officer_defined_ethnicity", "legislation",
                     "object_of_search", "outcome", "outcome_linked", "area_code", "area_name")


@dataclass(frozen=True)
class Filters:
    period_start: date
    period_end: date
    force: str | None = None
    area: str | None = None

    def check(self) -> Filters:
        if self.period_end < self.period_start:
            raise Invalid("period_end", "the period ends before it starts")
        if self.period_end == date.max:  # `bounds` ends the day after: there is none
            raise Invalid("period_end", "the period ends on a day before 9999-12-31")
        force = (self.force or "").strip() or None
        area = (self.area or "").strip() or None
        return Filters(self.period_start, self.period_end, force, area)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.period_start, time(), UTC)
        return start, datetime.combine(self.period_end + timedelta(days=1), time(), UTC)


def form_size(field: str, text: str) -> int | None:
    """The size typed in the draw form, None when blank; refused with `draw_sample`'s words."""
    if not text.strip():
        return None
    try:
        size = int(text)
    except ValueError:
        raise Invalid(field, SIZE_WORDS) from None
    if not 1 <= size <= MAX_SIZE:
        raise Invalid(field, SIZE_WORDS)
    return size


def form_seed(field: str, text: str) -> int | None:
    """The seed typed in the draw form, None when blank (a random one is drawn and kept)."""
    if not text.strip():
        return None
    try:
        seed = int(text)
    except ValueError:  # also a number of more than 4,300 digits
        raise Invalid(field, "the seed is a whole number (or leave it empty for a random one)") from None
    if not 0 <= seed <= MAX_SEED:
        raise Invalid(field, SEED_WORDS)
    return seed


def pick(count: int, size: int, seed: int) -> list[int]:
    """Positions (0-based) of the drawn records in the candidates' stable order, in the order drawn."""
    return random.Random(seed).sample(range(count), min(size, count))


def _workspace_candidates(session: Session, filters: Filters) -> list[int]:
    start, end = filters.bounds
    query = select(SearchRecord.id).where(SearchRecord.occurred_at >= start, SearchRecord.occurred_at < end)
    if filters.force:
        query = query.where(func.lower(SearchRecord.force) == filters.force.lower())
    if filters.area:
        area = filters.area.lower()
        query = query.where(or_(func.lower(SearchRecord.area_code) == area, func.lower(SearchRecord.area_name) == area))
    return list(session.scalars(query.order_by(SearchRecord.occurred_at, SearchRecord.source_key)))


def warehouse_rows(db: Path, filters: Filters) -> list[dict[str, Any]]:
    """The warehouse's searches for the filters, in a stable order (read-only; the warehouse is never changed)."""
    start, end = filters.bounds
    where = ["occurred_at >= $start", "occurred_at < $end"]
    params: dict[str, object] = {"start": start.replace(tzinfo=None), "end": end.replace(tzinfo=None)}
    if filters.force:
        where.append("force = $force")
        params["force"] = filters.force
    if filters.area:
        where.append("(lower(area_code) = $area OR lower(area_name) = $area)")
        params["area"] = filters.area.lower()
    columns = ", ".join(WAREHOUSE_COLUMNS)
    order = ", ".join(f"{c} NULLS FIRST" for c in WAREHOUSE_COLUMNS)
    con = connect(db, read_only=True)
    try:
        cursor = con.execute(f"SELECT {columns} FROM stop_search WHERE {' AND '.join(where)} ORDER BY {order}",
                             params)
        return [dict(zip(WAREHOUSE_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _warehouse_key(row: dict[str, Any]) -> str:
    basis = json.dumps(["warehouse", *(str(row[c]) if row[c] is not None else None for c in WAREHOUSE_COLUMNS)])
    return hashlib.sha256(basis.encode()).hexdigest()


def _from_warehouse(session: Session, row: dict[str, Any]) -> int:
    """The workspace record for a warehouse row, copied in the first time it is drawn."""
    key = _warehouse_key(row)
    found = session.scalar(select(SearchRecord.id).where(SearchRecord.source_key == key))
    if found is not None:
        return found
    linked = row["outcome_linked"]
    record = new_record("warehouse", key, {
        **{c: row[c] for c in ("force", "area_code", "area_name", "self_defined_ethnicity", "officer_defined_ethnicity",
                               "age_range", "gender", "object_of_search", "legislation", "outcome")},
        "occurred_at": row["occurred_at"].replace(tzinfo=UTC), "outcome_linked": linked,
        "ethnic_group": warehouse_group(row["self_defined_group"]), "grounds": "",
    })
    session.add(record)
    session.flush()
    return record.id


def draw_sample(session: Session, by: User, filters: Filters, size: int, seed: int | None = None, *,
                source: str = "workspace", db: Path | None = None) -> ReviewSample:
    """Draw and store a sample (seed, filters, size and who drew it are kept with it)."""
    if source not in SOURCES:
        raise Invalid("source", f"choose one of {', '.join(SOURCES)}")
    if not 1 <= size <= MAX_SIZE:
        raise Invalid("size", SIZE_WORDS)
    if seed is None:
        seed = secrets.randbelow(2**31)
    if not 0 <= seed <= MAX_SEED:
        raise Invalid("seed", SEED_WORDS)
    filters = filters.check()
    if source == "warehouse":
        if db is None:
            raise Invalid("source", "no warehouse is configured")
        rows = warehouse_rows(db, filters)
        population = len(rows)
        chosen = [_from_warehouse(session, rows[i]) for i in pick(population, size, seed)]
    else:
        candidates = _workspace_candidates(session, filters)
        population = len(candidates)
        chosen = [candidates[i] for i in pick(population, size, seed)]
    if not chosen:
        raise Invalid("period_start", "no search records match this period, force and area")
    sample = ReviewSample(source=source, seed=seed, period_start=filters.period_start, period_end=filters.period_end,
                          force=filters.force, area=filters.area, size=size, population=population,
                          drawn_by_id=by.id)
    session.add(sample)
    session.flush()
    session.add_all(SampleRecord(sample_id=sample.id, record_id=r, position=i) for i, r in enumerate(chosen, 1))
    session.flush()
    return sample


def sample_record_ids(session: Session, sample_id: int) -> list[int]:
    if session.get(ReviewSample, sample_id) is None:
        raise NotFound(f"no sample {sample_id}")
    return list(session.scalars(select(SampleRecord.record_id).where(SampleRecord.sample_id == sample_id)
                                .order_by(SampleRecord.position)))


@dataclass(frozen=True)
class Progress:
    sample: ReviewSample
    drawn_by: str
    records: int
    reviewed: dict[int, int]  # times reviewed (0, 1, 2) -> records


def review_counts(session: Session, record_ids: Sequence[int]) -> dict[int, int]:
    """Reviews per record (0 for none)."""
    counts = dict.fromkeys(record_ids, 0)
    if record_ids:
        rows = session.execute(select(Review.record_id, func.count()).where(Review.record_id.in_(record_ids))
                               .group_by(Review.record_id))
        counts.update({record_id: n for record_id, n in rows})
    return counts


def progress(session: Session) -> list[Progress]:
    """Every sample, newest first, with how many of its records have been reviewed 0, 1 and 2 times."""
    out = []
    for sample in session.scalars(select(ReviewSample).order_by(ReviewSample.id.desc())):
        ids = sample_record_ids(session, sample.id)
        per_record = review_counts(session, ids)
        tally = {n: sum(1 for c in per_record.values() if c == n) for n in (0, 1, 2)}
        drawer = session.get(User, sample.drawn_by_id) if sample.drawn_by_id else None
        out.append(Progress(sample, drawer.name if drawer else "(account removed)", len(ids), tally))
    return out
