"""Response model of GET /api/v1/hotspots: what `scrutiny.metrics.hotspots` builds, key for key
(docs/metrics.md, "Hotspots within an area")."""

from __future__ import annotations

from pydantic import Field

from scrutiny.web.schemas import Model, ScopeOut, Share


class HotspotCell(Model):
    column: int = Field(description="Cells east of the area's south-west corner.")
    row: int = Field(description="Cells north of it.")
    bounds: list[float] = Field(description="West, south, east, north in degrees (WGS84).")
    searches: int | None = Field(description="Searches at published points in the cell; null when withheld.")
    suppressed: bool = Field(description="Withheld: under 5 searches, or the second cell withheld with one.")
    stands_out: bool | None = Field(description="Improbable against the area's other cells (Benjamini-Hochberg "
                                                "at `false_discovery_rate`); null when withheld.")
    p_value: float | None = Field(description="Chance of a count at least this high; null when withheld.")


class HotspotsDocument(Model):
    scope: ScopeOut
    cell_metres: float
    searches: int = Field(description="The scope's searches with a published point in the area.")
    searches_in_cells: int
    searches_outside_cells: int
    cells: int = Field(description="The area's cells: every cell touching its boundary, searched or not.")
    cells_with_searches: int
    busiest_cells: int = Field(description="The busiest 10% of the area's cells, rounded up.")
    busiest_share_of_searches: Share = Field(description="Their share of the searches; null when withheld.")
    busiest_share_suppressed: bool
    cells_holding_half: int = Field(description="The fewest cells holding half the searches.")
    half_in_share_of_area: Share = Field(description="Those cells as a share of the area's cells.")
    cells_standing_out: int
    false_discovery_rate: float
    grid: list[HotspotCell] = Field(description="Cells with any search, busiest first, withheld ones last.")
