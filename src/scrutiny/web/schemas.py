"""Response models: what the OpenAPI spec (/api/v1/openapi.json) promises each endpoint returns.

The metrics document's keys are defined in docs/metrics.md and docs/lens-contract.md (built in metrics/document.py).
Models forbid unknown keys, so a test that validates real documents against them fails when the two drift.
Figures are never computed here: the API serves metrics/'s document as it is, byte for byte.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scrutiny.web.schemas_crime import CrimeDocument
from scrutiny.web.schemas_use_of_force import UseOfForceDocument

Basis = Literal["self", "officer"]
GroupName = Literal["Asian", "Black", "Mixed", "White", "Other", "unknown"]  # GROUPS + unknown
ObjectGroupName = Literal["drugs", "weapons", "key_crime", "other"]  # metrics.lens.OBJECT_GROUPS
PurposeName = ObjectGroupName  # a purpose is an object group
OutcomeClassName = Literal[  # OUTCOME_CLASSES
    "no_further_action", "arrest", "drugs_warning", "penalty_notice", "community_resolution", "caution",
    "summons", "other", "unknown",
]
Share = float | None  # a fraction in [0, 1]; null where its denominator is zero


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ---- /api/v1/metrics -------------------------------------------------------------------------------------


Number = int | float  # a person-month weighted population is whole only when every force covers every month


class ScopeOut(Model):
    force: str = Field(description="A force id, `all`, or force ids joined by commas (sorted).")
    forces: list[str] | None = Field(None, description="The forces with searches in the period (the ones used).")
    area: str | None = Field(description="Area code, when the scope is one area.")
    area_name: str | None
    from_: str = Field(alias="from", description="First month, YYYY-MM.")
    to: str = Field(description="Last month, YYYY-MM (inclusive).")
    ethnicity: Basis
    purpose: PurposeName | None = Field(None, description="Only searches for this purpose (the lens), or null.")
    power: str | None = Field(None, description="Only searches under this power (catalog/powers.csv), or null.")
    purpose_name: str | None = None
    power_name: str | None = None


class CountShare(Model):
    count: int
    share: Share


class ObjectGroups(Model):
    drugs: CountShare
    weapons: CountShare
    key_crime: CountShare
    other: CountShare


class TargetOut(Model):
    group: ObjectGroupName
    op: Literal[">=", "<="]
    target: float
    actual: Share
    met: bool | None = Field(description="Null when there are no searches to judge.")


class Outcomes(Model):
    no_further_action: CountShare
    arrest: CountShare
    drugs_warning: CountShare
    penalty_notice: CountShare
    community_resolution: CountShare
    caution: CountShare
    summons: CountShare
    other: CountShare
    unknown: CountShare
    find_rate: Share = Field(description="Searches not ending in no further action ÷ searches with an outcome.")
    arrest_rate: Share
    linked_find_rate: Share = Field(description="Outcome linked to the object searched for ÷ rows publishing it.")
    linked_coverage: Share


class AgeCounts(Model):
    under_10: int = Field(alias="under 10")
    age_10_17: int = Field(alias="10-17")
    age_18_24: int = Field(alias="18-24")
    age_25_34: int = Field(alias="25-34")
    over_34: int = Field(alias="over 34")
    unknown: int


class Disproportionality(Model):
    group: str
    searches: int
    population: Number | None = Field(description="Census 2021 residents × the share of the period's months their "
                                                   "force covers (person-months).")
    rate_per_1000: float | None
    ratio_vs_white: float | None
    ci_low: float | None = Field(description="Wald 95% interval on the log scale (docs/metrics.md: the contract).")
    ci_high: float | None
    exact_ci_low: float | None = Field(description="Exact conditional 95% interval (Clopper-Pearson on the "
                                                   "group's share of the two groups' searches, as R's poisson.test).")
    exact_ci_high: float | None = Field(description="None (unbounded) when White people had no searches.")
    suppressed: bool = Field(description="True when either search count is below 10: no ratio is shown.")
    unknown_bounds: tuple[float, float] | None = Field(
        description="The ratio had every search of unknown ethnicity been of White people, and of this group."
    )


class AgeSpecific(Model):
    age_range: str
    group: str
    searches: int
    population: Number | None
    rate_per_1000: float | None
    ratio_vs_white: float | None
    suppressed: bool


class OtherForce(Model):
    force: str
    searches: int


class AreaFigures(Model):
    area_code: str = Field(description="The area's code; `outside` (a location no loaded boundary contains) or "
                                       "`no_location`.")
    area_name: str
    searches: int
    drugs_share: Share
    population: Number | None
    rate_per_1000: float | None = Field(description="Null for a `neighbour`: its residents are not the scope's.")
    black_white_ratio: float | None
    policed_by: list[str] = Field(description="The forces whose authorities the area is in (the ONS lookup).")
    neighbour: bool = Field(description="The area lies outside every force of the scope (searches snapped across "
                                        "a border): counted, with no rate or ratio.")
    other_forces: list[OtherForce] = Field(description="Forces outside the scope with searches placed in the area "
                                                       "in the same period and lens, most first.")


class DataQuality(Model):
    no_location: int
    outside_boundaries: int = Field(description="Searches with a location that no loaded boundary contains.")
    no_age: int
    rejected_rows: int


class MonthFigures(Model):
    month: str
    searches: int | None = Field(description="Null for a month no force of the scope covers: missing, not zero.")
    drugs_share: Share
    find_rate: Share
    covered: bool
    forces: int = Field(description="Forces of the scope with data that month.")


class RatioOut(Model):
    black: int
    white: int
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool


class BreakdownRow(Model):
    key: str
    name: str
    searches: int
    share: Share
    find_rate: Share
    arrest_rate: Share
    black_white: RatioOut


class Breakdowns(Model):
    purpose: list[BreakdownRow]
    power: list[BreakdownRow]


class GroupRate(Model):
    group: str
    searches: int | None = Field(description="Null when no month of the window is covered.")
    population: Number | None
    rate_per_1000: float | None
    ratio_vs_white: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool


class Window(Model):
    period: str
    from_: str = Field(alias="from")
    to: str
    months: int
    months_covered: int
    groups: list[GroupRate]


class Trend(Model):
    monthly: list[Window]
    quarterly: list[Window]
    rolling_12: list[Window]


class ForceCoverage(Model):
    force: str
    name: str
    months_covered: int
    months_in_period: int
    missing: list[str]
    residents: bool = Field(description="Whether the force's residents count in the rates.")


class GroupOutcomes(Model):
    group: str
    searches: int
    find_rate: Share
    arrest_rate: Share


class MetricsDocument(Model):
    """The scrutiny figures for a force or area and a month range (every key: docs/metrics.md)."""

    scope: ScopeOut
    searches: int
    person_searches: int
    object_groups: ObjectGroups
    targets: list[TargetOut]
    targets_note: str | None = Field(description="Why no target is judged (several forces, a lens, none on file).")
    outcomes: Outcomes
    age: AgeCounts
    children: int
    strip_searches: int | None = Field(description="Null where the force does not publish strip searches.")
    child_strip_searches: int | None
    disproportionality: list[Disproportionality]
    age_specific: list[AgeSpecific]
    unknown_ethnicity_share: Share
    areas: list[AreaFigures]
    data_quality: DataQuality
    monthly: list[MonthFigures]
    outcomes_by_group: list[GroupOutcomes]
    breakdowns: Breakdowns
    trend: Trend
    coverage: list[ForceCoverage]
    notes: list[str] = Field(description="Caveats a reader must see beside the figures, in plain words.")
    notes_detail: list[str] = Field(description="The technical detail behind the notes.")
    crime: CrimeDocument | None = Field(description="Recorded crime and justice outcomes for the same forces, "
                                                    "months and place (GET /api/v1/crime); null when none is loaded.")
    use_of_force: UseOfForceDocument | None = Field(
        None, description="Use of force and Taser (GET /api/v1/use-of-force) when the scope is one force or all, no "
                          "area, and exactly one financial year (April to March) with use-of-force figures loaded.")


class ChangeSide(Model):
    scope: ScopeOut
    searches: int
    person_searches: int
    disproportionality: list[Disproportionality]
    unknown_ethnicity_share: Share


class RatioSide(Model):
    searches: int
    population: Number | None
    ratio_vs_white: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool


class GroupChange(Model):
    group: str
    before: RatioSide
    after: RatioSide
    ratio_of_ratios: float | None = Field(description="The later ratio to White divided by the earlier one.")
    ci_low: float | None
    ci_high: float | None
    suppressed: bool = Field(description="True when any of the four search counts is below 10.")
    changed: bool | None = Field(description="Whether the 95% interval excludes 1; null when suppressed.")


class ChangeDocument(Model):
    """Did each group's ratio to White change between two periods?"""

    before: ChangeSide
    after: ChangeSide
    change: list[GroupChange]


# ---- what is loaded --------------------------------------------------------------------------------------


class ForceFigures(Model):
    from_: str = Field(alias="from")
    to: str
    ethnicity: Basis
    purpose: PurposeName | None
    power: str | None
    force: str
    name: str
    searches: int
    person_searches: int
    population: Number | None = Field(description="Residents × the share of the period's months covered.")
    rate_per_1000: float | None = Field(description="All searches ÷ population × 1,000.")
    black_white: RatioOut
    drugs_share: Share
    find_rate: Share
    months_covered: int
    months_in_period: int


class MonthCoverage(Model):
    month: str
    searches: int | None = Field(description="Null when nothing is loaded for the month.")
    status: Literal["loaded", "missing", "small"]
    trailing_median: float | None = Field(description="Median searches of the force's loaded months among the 12 "
                                                      "before this one.")


class ForceMonthsCoverage(Model):
    force: str
    name: str
    first: str
    last: str
    loaded: int
    missing: list[str]
    small: list[str]
    months: list[MonthCoverage]


class ForceInfo(Model):
    id: str
    name: str
    pfa_code: str | None = Field(description="ONS police force area code, where the force has one.")
    months: int = Field(description="Months of searches loaded.")
    first_month: str | None
    last_month: str | None
    rows: int
    rejected: int
    sources: list[Literal["archive", "api"]]
    synthetic: bool
    figures: ForceFigures | None = Field(description="The force's figures for the period and lens asked for; null "
                                                     "when it has no searches in it.")


class AreaInfo(Model):
    area_code: str
    area_name: str
    searches: int = Field(description="Searches loaded in the area (of the force asked for, if any).")
    boundary: bool = Field(description="Whether the area's boundary is loaded (stops are placed by it).")


class MonthInfo(Model):
    force: str
    month: str = Field(description="YYYY-MM")
    rows: int
    rejected: int
    source: Literal["archive", "api"]
    synthetic: bool
    file: str
    loaded_at: str = Field(description="When it was loaded (the loading machine's local time).")


# ---- /api/v1/searches ------------------------------------------------------------------------------------


class SearchRecord(Model):
    """One published stop-and-search record, in the warehouse's canonical columns."""

    force: str
    month: date
    occurred_at: datetime | None = Field(description="UTC.")
    search_type: str | None
    part_of_operation: bool | None
    operation_name: str | None
    latitude: float | None
    longitude: float | None
    gender: str | None
    age_range: str | None
    self_defined_ethnicity: str | None
    self_defined_group: GroupName
    officer_defined_ethnicity: str | None
    officer_defined_group: GroupName
    legislation: str | None
    object_of_search: str | None
    outcome: str | None
    outcome_class: OutcomeClassName
    outcome_linked: bool | None
    strip_search: bool | None
    area_code: str | None
    area_name: str | None
    source_id: int = Field(description="The load that wrote the record (ingest log id).")
    source_row: int = Field(description="Its line in the file loaded (JSON: position in the array).")
    object_group: ObjectGroupName = Field(description="What the search was for (its purpose).")
    power: str = Field(description="The power's key (catalog/powers.csv).")


class SearchPage(Model):
    records: list[SearchRecord]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    limit: int


# ---- errors ----------------------------------------------------------------------------------------------


class ErrorItem(Model):
    loc: list[str | int] = Field(description='Where the fault is, e.g. ["query", "from"].')
    msg: str
    type: str


class ErrorResponse(Model):
    detail: list[ErrorItem]


class FitJob(Model):
    """A threshold fit in the background queue (GET /api/v1/bias?threshold=true)."""

    id: str
    state: Literal["queued", "running", "done", "failed"]
    href: str = Field(description="This job's URL: poll it until the state is done or failed.")
    result: str = Field(description="The bias document's URL: answers 200 with it once the job is done.")
    position: int | None = Field(description="Place in the queue while queued (1 = next to run), else null.")
    detail: list[ErrorItem] | None = Field(description="Why the fit failed, in the one error shape; else null.")


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI entries for the error statuses a route can answer, all in the one error shape."""
    what = {404: "Nothing matches: an unknown area, or no searches in scope.",
            422: "A parameter is not valid; `loc` names it.",
            503: "The warehouse is missing or an ingest holds it; retry after `Retry-After` seconds."}
    return {status: {"model": ErrorResponse, "description": what[status]} for status in statuses}
