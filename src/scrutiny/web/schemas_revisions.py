"""The shape of GET /api/v1/revisions (metrics.revisions)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PurposeChange(_Model):
    purpose: str = Field(description="An object group (drugs, weapons, key_crime, other).")
    before: int
    after: int
    change: int


class GroupChange(_Model):
    self_defined_group: str = Field(description="A self-defined ethnic group, or unknown.")
    before: int
    after: int
    change: int


class Revision(_Model):
    force: str
    month: str = Field(description="YYYY-MM")
    revised_at: str = Field(description="When the republished file was loaded (UTC, ISO 8601).")
    replaced_loaded_at: str | None = Field(description="When the data it replaced had been loaded.")
    before: int = Field(description="Searches the force-month held before the revision.")
    after: int
    change: int
    by_purpose: list[PurposeChange]
    by_group: list[GroupChange]
    source_id: int = Field(description="The load that revised it (scrutiny status shows the loads).")


class Revisions(_Model):
    force: str
    revisions: list[Revision] = Field(description="Newest first.")
