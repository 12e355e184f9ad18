"""Panels and monitoring groups, their members and meetings: the schema family (see the package's doc)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from scrutiny.web.workspace.schemas import FormDate, Long, Short
from scrutiny.web.workspace.schemas.recommendations import RecommendationPublic
from scrutiny.workspace.models.panels import AgeBand, PanelKind

PublicCount = int | str  # a count rounded to 5, or "<5" for 1-4 (scrutiny.workspace.disclosure)


class PanelBase(BaseModel):
    """A panel's own details, as typed; scrutiny.workspace.panels checks each (`save_panel`)."""

    name: Short = ""
    area_name: Short = ""
    kind: Short = PanelKind.scrutiny_panel.value
    area_code: Short = ""
    terms_of_reference: Long = ""
    contact_email: Short = ""
    website: Short = ""
    how_to_join: Long = ""


class PanelCreate(PanelBase):
    pass


class PanelUpdate(PanelBase):
    """Every field is replaced, as the edit form sends them all."""


class PanelPublic(BaseModel):
    """A panel's public contact details: the panel's own, never a member's."""

    id: int
    name: str
    kind: PanelKind
    area_name: str
    area_code: str | None
    contact_email: str | None
    website: str | None
    how_to_join: str


class MemberCreate(BaseModel):
    """A member, for the panel's own records: the public sees only counts (`CompositionPublic`)."""

    member_name: Short = ""
    role: Short = ""
    community: Short = ""
    age_band: Short = AgeBand.not_stated.value


class MeetingCreate(BaseModel):
    held_on: FormDate = None
    title: Short = ""
    minutes_url: Short = ""


class MeetingPublic(BaseModel):
    held_on: date
    title: str
    minutes_url: str | None


class CompositionPublic(BaseModel):
    """Members counted, rounded to 5 (1-4 shown as "<5"); total and under_25 are sums of the rounded bands."""

    total: PublicCount
    under_25: PublicCount = Field(description="members aged under 18 or 18-24")
    by_age_band: dict[str, PublicCount]
    by_community: dict[str, PublicCount]


class PanelPublicDetail(PanelPublic):
    """One panel's public page as JSON: its details, meetings, membership as counts, recommendations."""

    terms_of_reference: str
    meetings: list[MeetingPublic]
    composition: CompositionPublic
    recommendations: list[RecommendationPublic]
