"""Response models of the use-of-force figures (GET /api/v1/use-of-force, and the `use_of_force` key of
/api/v1/metrics): what `scrutiny.metrics.use_of_force` builds, key for key (docs/metrics.md, "Use of force")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Share = float | None  # a fraction in [0, 1]; null where its denominator is zero or a count is not published
Count = int | None  # null where the release does not publish it (or marks the cell `:`)
Residents = int | float | None  # 2021 Census residents; null where none are loaded
EthnicGroup = Literal["Asian", "Black", "Mixed", "White", "Other"]
AgeBand = Literal["under_11", "11_17", "18_34", "35_49", "50_64", "65_plus", "unknown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Release(_Model):
    release: str = Field(description="The load unit, e.g. use_of_force/2019-20.")
    published: str = Field(description="The release's publication date, YYYY-MM-DD.")


class PerResidents(_Model):
    count: Count
    residents: Residents
    per_1000: float | None = Field(description="count ÷ residents × 1,000.")


class EthnicRow(_Model):
    group: EthnicGroup
    tactic_uses: Count
    incidents: Count = Field(description="Incidents involving the group: published nationally only.")
    residents: Residents
    per_1000: float | None = Field(description="Tactic uses per 1,000 residents of the group.")
    incidents_per_1000: float | None
    ratio_vs_white: float | None = Field(description="The group's tactic uses per resident ÷ White's.")
    ci_low: float | None = Field(description="Wald 95% interval of the ratio.")
    ci_high: float | None
    suppressed: bool = Field(description="True when the group's or White's tactic uses are fewer than 10.")
    unknown_bounds: list[float] | None = Field(
        description="The ratio had every use of unknown ethnicity been on White people (low) or on the group (high).")


class UnknownRow(_Model):
    group: Literal["unknown"]
    tactic_uses: Count
    incidents: Count


class AgeRow(_Model):
    band: AgeBand
    label: str
    tactic_uses: Count
    incidents: Count


class Children(_Model):
    tactic_uses: Count = Field(description="Tactic uses on people under 18.")
    share: Share = Field(description="Of every tactic use in the table by age, age not reported included.")


class TaserYear(_Model):
    financial_year: str
    total: Count
    fired: Count
    fired_share: Share
    children: Count
    children_share: Share


class Taser(_Model):
    by_type: dict[str, Count] = Field(description="Incidents with a CED by the highest level of use, and the "
                                                   "table's totals (total, total_non_discharge, total_discharge).")
    fired_share: Share = Field(description="fired ÷ total.")
    children: Count = Field(description="CED uses on under-18s (the tables by age, row `ced`).")
    children_share: Share
    years: list[TaserYear] | None = Field(None, description="Every financial year loaded (not in `national`).")


class Figures(_Model):
    incidents: PerResidents
    tactic_uses: PerResidents
    by_ethnicity: list[EthnicRow | UnknownRow]
    by_age: list[AgeRow]
    children: Children
    taser: Taser


class StopGroup(_Model):
    group: EthnicGroup
    stop_ratio_vs_white: float | None
    stop_ci_low: float | None
    stop_ci_high: float | None
    force_ratio_vs_white: float | None = Field(description="The use-of-force ratio to White (tactic uses).")
    force_ci_low: float | None
    force_ci_high: float | None
    stop_suppressed: bool = Field(description="The stop-and-search ratio rests on fewer than 10 searches.")
    force_suppressed: bool = Field(description="The use-of-force ratio rests on fewer than 10 tactic uses.")
    stop_over: bool | None = Field(description="The stop-and-search ratio's 95% interval lies above 1.")
    force_over: bool | None
    both_over: bool | None = Field(description="Over-represented in both; null when either ratio is not given.")


class StopSearch(_Model):
    months: list[str] = Field(description="Months of the financial year with stop-and-search data loaded.")
    ethnicity: Literal["self", "officer"]
    by_group: list[StopGroup]
    note: str


class Revision(_Model):
    financial_year: str
    figure: str
    force: str
    breakdown: str
    grp: str
    tactic: str
    earlier: Count
    earlier_release: str
    later: Count
    later_release: str


class UseOfForceDocument(Figures):
    """Use of force and Taser for one force (or England and Wales) in one financial year."""

    financial_year: str = Field(description="April to March, written like 2019/20.")
    force: str = Field(description="A force id, or `all` for England and Wales.")
    force_name: str
    releases: list[Release]
    national: Figures | None = Field(description="The same figures for England and Wales; null when the force is.")
    stop_search: StopSearch | None = Field(description="Beside the force's stop-and-search ratios for the same "
                                                       "year; null when no stop and search is loaded for it.")
    revisions: list[Revision] = Field(description="Cells an earlier release published with another value.")
    lacks: list[str] = Field(description="What the releases for the year do not publish, in words.")
    caveats: list[str]
    notes: list[str]


__all__ = ["UseOfForceDocument"]
