"""Recommendations a panel or body makes to another, the answer, and the figures that show whether anything
changed (metric keys of the metrics document, each with the scope to compute it for)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrutiny.workspace.models.base import Base, Created, SoftDeleted


class Status(enum.StrEnum):
    open = "open"
    answered = "answered"
    accepted = "accepted"
    rejected = "rejected"
    implemented = "implemented"


class Recommendation(SoftDeleted, Created, Base):
    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    from_body_id: Mapped[int] = mapped_column(ForeignKey("governance_bodies.id", ondelete="RESTRICT"), index=True)
    to_body_id: Mapped[int] = mapped_column(ForeignKey("governance_bodies.id", ondelete="RESTRICT"), index=True)
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panels.id", ondelete="SET NULL"), index=True,
                                                 default=None)
    made_on: Mapped[date] = mapped_column(Date)
    response_due: Mapped[date | None] = mapped_column(Date, default=None)
    response_text: Mapped[str | None] = mapped_column(Text, default=None)
    responded_on: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[Status] = mapped_column(
        Enum(Status, name="recommendation_status", native_enum=False, length=20, validate_strings=True),
        default=Status.open)

    kpis: Mapped[list[LinkedKpi]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", passive_deletes=True, order_by="LinkedKpi.id")


class LinkedKpi(Created, Base):
    """A figure to watch: `metric` is a dotted key into the metrics document (e.g. object_groups.drugs.share)."""

    __tablename__ = "recommendation_kpis"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(100))
    force: Mapped[str] = mapped_column(String(60))
    area_code: Mapped[str | None] = mapped_column(String(9), default=None)
    start: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    end: Mapped[str] = mapped_column(String(7))

    recommendation: Mapped[Recommendation] = relationship(back_populates="kpis")
