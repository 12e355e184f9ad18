"""Scrutiny panels and community monitoring groups: who sits on them (by role, community and age band, so the
public page can show whether young people are represented), their terms of reference and their meetings.

A panel IS a governance body (migration 0009): its name, kind, area and website are its body's row
(`governance_bodies`), so it is entered once and appears on the governance map; the panel's row keeps only what a
body does not have (ONS area code, terms of reference, contact email, how to join, members, meetings)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrutiny.workspace.models.base import Base, Created, SoftDeleted
from scrutiny.workspace.models.governance import Body, BodyKind


class PanelKind(enum.StrEnum):
    """The body kinds that are panels (the same values as `BodyKind.scrutiny_panel` and `.monitoring_group`)."""

    scrutiny_panel = "scrutiny_panel"
    monitoring_group = "monitoring_group"


PANEL_BODY_KINDS = (BodyKind.scrutiny_panel, BodyKind.monitoring_group)


class AgeBand(enum.StrEnum):
    """The bands a member's age is recorded in; under 18 and 18-24 count as young people's representation."""

    under_18 = "under 18"
    from_18_to_24 = "18-24"
    from_25_to_34 = "25-34"
    from_35_to_44 = "35-44"
    from_45_to_54 = "45-54"
    from_55_to_64 = "55-64"
    over_64 = "65+"
    not_stated = "not stated"


UNDER_25 = (AgeBand.under_18, AgeBand.from_18_to_24)


class Panel(SoftDeleted, Created, Base):
    """A panel's public face: its contact details are the panel's own (a shared inbox, a web page), never a
    member's."""

    __tablename__ = "panels"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("governance_bodies.id", ondelete="CASCADE"), unique=True)
    area_code: Mapped[str | None] = mapped_column(String(9), default=None)
    terms_of_reference: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str | None] = mapped_column(String(254), default=None)
    how_to_join: Mapped[str] = mapped_column(Text, default="")

    body: Mapped[Body] = relationship(lazy="joined", innerjoin=True)

    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", passive_deletes=True, order_by="PanelMember.id")
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(Meeting.held_on.desc(), Meeting.id)")

    # What the body holds, read through the panel (set them on `body`: scrutiny.workspace.panels does).
    @property
    def name(self) -> str:
        return self.body.name

    @property
    def kind(self) -> PanelKind:
        return PanelKind(self.body.kind.value)

    @property
    def area_name(self) -> str:
        return self.body.area

    @property
    def website(self) -> str | None:
        return self.body.website


class PanelMember(Created, Base):
    """One seat on a panel. The name is for the panel's own records: it is never published and is kept out of
    the audit log (members may be children)."""

    __tablename__ = "panel_members"
    __audit_redact__ = ("name",)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100), default="member")
    community: Mapped[str] = mapped_column(String(200), default="")
    age_band: Mapped[AgeBand] = mapped_column(
        Enum(AgeBand, name="age_band", native_enum=False, length=20, validate_strings=True))

    panel: Mapped[Panel] = relationship(back_populates="members")


class Meeting(Created, Base):
    __tablename__ = "panel_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200), default="")
    minutes_url: Mapped[str | None] = mapped_column(String(500), default=None)

    panel: Mapped[Panel] = relationship(back_populates="meetings")


class PanelAccount(Base):
    """A login account that keeps a panel's record: a panel member may change only the panels they are assigned
    to (scrutiny.workspace.panel_access). Admins assign accounts; whoever creates a panel is assigned to it. Not
    a seat: `PanelMember` rows are the panel's published membership and need no account."""

    __tablename__ = "panel_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True, index=True)

    panel: Mapped[Panel] = relationship()
