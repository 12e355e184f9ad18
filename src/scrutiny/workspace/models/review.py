"""Search-record review: records (imported from a force's CSV or drawn from the warehouse), the seeded samples
drawn from them, and the reviewers' rubric answers. Officer and unit identifiers exist here only as pseudonyms."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scrutiny.workspace.models.base import Base, Created


class SearchRecord(Created, Base):
    """One stop-and-search record under review. `source_key` is a content hash (or the force's reference), so
    importing or drawing the same record twice finds the one already here instead of adding another."""

    __tablename__ = "review_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))  # "csv" or "warehouse"
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    force: Mapped[str | None] = mapped_column(String(100))
    area_code: Mapped[str | None] = mapped_column(String(12))
    area_name: Mapped[str | None] = mapped_column(String(120))
    self_defined_ethnicity: Mapped[str | None] = mapped_column(String(200))
    ethnic_group: Mapped[str] = mapped_column(String(12))  # Asian, Black, Mixed, White, Other, Not stated
    officer_defined_ethnicity: Mapped[str | None] = mapped_column(String(100))
    age_range: Mapped[str | None] = mapped_column(String(40))
    gender: Mapped[str | None] = mapped_column(String(40))
    object_of_search: Mapped[str | None] = mapped_column(String(200))
    legislation: Mapped[str | None] = mapped_column(String(200))
    grounds: Mapped[str] = mapped_column(Text, default="")
    grounds_class: Mapped[str] = mapped_column(String(12))  # the classifier's, recomputed when grounds change
    outcome: Mapped[str | None] = mapped_column(String(200))
    outcome_linked: Mapped[bool | None] = mapped_column(default=None)
    body_worn_video: Mapped[str] = mapped_column(String(7), default="unknown")  # yes, no, unknown
    officer_pseudonym: Mapped[str | None] = mapped_column(String(40))
    unit_pseudonym: Mapped[str | None] = mapped_column(String(40))
    force_reference: Mapped[str | None] = mapped_column(String(100))


class ReviewSample(Created, Base):
    """A seeded random draw: the seed, filters and size are kept so anyone can draw it again and check."""

    __tablename__ = "review_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))  # "workspace" (records already here) or "warehouse"
    seed: Mapped[int] = mapped_column(BigInteger)
    period_start: Mapped[date]
    period_end: Mapped[date]  # inclusive
    force: Mapped[str | None] = mapped_column(String(100))
    area: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int]  # records asked for
    population: Mapped[int]  # records that matched the filters, of which min(size, population) were drawn
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SampleRecord(Base):
    """A record's place in a sample, in the order it was drawn."""

    __tablename__ = "review_sample_records"
    __table_args__ = (UniqueConstraint("sample_id", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("review_samples.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("review_records.id"), index=True)
    position: Mapped[int]


class Review(Created, Base):
    """One reviewer's answers on one record. `slot` (1 or 2) with its unique constraint makes the database
    itself refuse a third review, even from two reviewers submitting at the same moment."""

    __tablename__ = "review_reviews"
    __table_args__ = (
        UniqueConstraint("record_id", "reviewer_id"),
        UniqueConstraint("record_id", "slot", name="uq_review_reviews_record_slot"),
        CheckConstraint("slot IN (1, 2)", name="slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("review_records.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    slot: Mapped[int]
    object_stated: Mapped[bool]
    grounds_stated: Mapped[bool]
    reasonable_suspicion: Mapped[bool]
    smell_only: Mapped[bool]
    body_worn_video: Mapped[str] = mapped_column(String(7))  # yes, no, unknown
    conduct: Mapped[str] = mapped_column(String(12))  # appropriate, concerns
    grounds_class: Mapped[str] = mapped_column(String(12))  # the reviewer's, after seeing the classifier's
    notes: Mapped[str] = mapped_column(Text, default="")
