"""Diversion cases: people caught with drugs referred to education or treatment instead of prosecution.

By construction the tables hold no name, date of birth or address: a person is only the pseudonymous id the
provider uses, an ethnic group, an age band and a borough. What is kept is what the outcome measures need
(referral, eligibility, first contact, assessment, intervention, completion, closure, police re-contacts).
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrutiny.workspace.models.base import Base, Created


class EthnicGroup(enum.StrEnum):
    """Self-defined, in the five Census groups (src/scrutiny/catalog/ethnic_groups.csv) or not stated."""

    asian = "Asian"
    black = "Black"
    mixed = "Mixed"
    white = "White"
    other = "Other"
    not_stated = "Not stated"


class AgeBand(enum.StrEnum):
    under_18 = "under 18"
    age_18_24 = "18-24"
    age_25_34 = "25-34"
    age_35_44 = "35-44"
    age_45_54 = "45-54"
    age_55_64 = "55-64"
    age_65_plus = "65+"


class ReferralSource(enum.StrEnum):
    police_stop = "police stop"
    custody = "custody"
    self_referral = "self"
    other = "other"


class Intervention(enum.StrEnum):
    education = "education course"
    treatment = "treatment"
    none = "none"


class Completed(enum.StrEnum):
    yes = "yes"
    no = "no"
    unknown = "unknown"


class RecontactKind(enum.StrEnum):
    stop = "stop"
    arrest = "arrest"
    other = "other"


def _enum(kind: type[enum.Enum], name: str, length: int) -> Enum:
    """Stored by value (what the CSV and forms say), as a VARCHAR, on SQLite and PostgreSQL alike."""
    return Enum(kind, name=name, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


class DiversionCase(Created, Base):
    """One referral of one person; the same person referred again is a new case (matched on id and date)."""

    __tablename__ = "diversion_cases"
    __table_args__ = (UniqueConstraint("person_ref", "referral_date", name="uq_diversion_cases_person_referral"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    ethnic_group: Mapped[EthnicGroup] = mapped_column(_enum(EthnicGroup, "ethnic_group", 20))
    age_band: Mapped[AgeBand] = mapped_column(_enum(AgeBand, "age_band", 10))
    borough: Mapped[str] = mapped_column(String(100))
    borough_code: Mapped[str | None] = mapped_column(String(9), default=None)
    drug: Mapped[str] = mapped_column(String(100))
    referral_source: Mapped[ReferralSource] = mapped_column(_enum(ReferralSource, "referral_source", 20))
    referral_date: Mapped[date] = mapped_column(Date)
    eligible: Mapped[bool | None] = mapped_column(default=None)
    eligibility_reason: Mapped[str] = mapped_column(String(500), default="")
    eligibility_date: Mapped[date | None] = mapped_column(Date, default=None)
    first_contact_date: Mapped[date | None] = mapped_column(Date, default=None)
    assessment_date: Mapped[date | None] = mapped_column(Date, default=None)
    intervention: Mapped[Intervention | None] = mapped_column(_enum(Intervention, "intervention", 20), default=None)
    completed: Mapped[Completed] = mapped_column(_enum(Completed, "completed", 10), default=Completed.unknown)
    completion_date: Mapped[date | None] = mapped_column(Date, default=None)
    closed_date: Mapped[date | None] = mapped_column(Date, default=None)
    closure_reason: Mapped[str] = mapped_column(String(500), default="")

    recontacts: Mapped[list[DiversionRecontact]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="DiversionRecontact.contact_date")


class DiversionRecontact(Created, Base):
    """A police contact with the person after the referral (the re-contact outcome counts these)."""

    __tablename__ = "diversion_recontacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("diversion_cases.id", ondelete="CASCADE"), index=True)
    contact_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[RecontactKind] = mapped_column(_enum(RecontactKind, "recontact_kind", 10))

    case: Mapped[DiversionCase] = relationship(back_populates="recontacts")
