"""The governance map: the bodies that oversee policing locally, how they relate (who reports to, scrutinises,
funds or sits within whom), and who holds which role on them."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scrutiny.workspace.models.base import Base, Created, SoftDeleted


class BodyKind(enum.StrEnum):
    community_safety_partnership = "community_safety_partnership"
    combating_drugs_partnership = "combating_drugs_partnership"
    scrutiny_panel = "scrutiny_panel"  # a panel (models.panels.Panel) holds the rest of its record
    monitoring_group = "monitoring_group"  # a community monitoring group: a panel too
    safer_neighbourhood_board = "safer_neighbourhood_board"
    policing_and_crime_office = "policing_and_crime_office"  # e.g. the Mayor's Office for Policing and Crime
    police = "police"
    local_authority = "local_authority"
    other = "other"


class RelationKind(enum.StrEnum):
    reports_to = "reports_to"
    scrutinises = "scrutinises"
    funds = "funds"
    member_of = "member_of"


class Body(SoftDeleted, Created, Base):
    __tablename__ = "governance_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[BodyKind] = mapped_column(
        Enum(BodyKind, name="body_kind", native_enum=False, length=40, validate_strings=True))
    area: Mapped[str] = mapped_column(String(100), default="")
    website: Mapped[str | None] = mapped_column(String(500), default=None)


class Relation(Created, Base):
    """`source` <kind> `target`, read as a sentence: "the CSP reports_to MOPAC"."""

    __tablename__ = "governance_relations"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "kind", name="uq_governance_relations_edge"),
        CheckConstraint("source_id <> target_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("governance_bodies.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("governance_bodies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RelationKind] = mapped_column(
        Enum(RelationKind, name="relation_kind", native_enum=False, length=20, validate_strings=True))


class Membership(Created, Base):
    """A person's role on a body. Office holders' names: shown to logged-in users only, never published."""

    __tablename__ = "governance_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("governance_bodies.id", ondelete="CASCADE"), index=True)
    person_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(200), default="")
    since: Mapped[date | None] = mapped_column(Date, default=None)
    until: Mapped[date | None] = mapped_column(Date, default=None)
