"""Small-number rules, one per kind of output. They differ on purpose, so each has its own name:

- Figures from public police data (rate ratios, their change, hit-rate differences) are not shown when they
  rest on fewer than `RATIO_MIN_SEARCHES` searches on either side (docs/metrics.md): the data are already
  public, so the rule guards against reading noise, not against disclosure. A suppressed figure is null with
  `"suppressed": true`.
- A hotspot cell (a square of a map of search points, `metrics.hotspots`) with fewer than
  `HOTSPOT_MIN_SEARCHES` searches is shown without its count, and one more cell is withheld when only one is.
- Anything published from workspace data (community reports, reviews, diversion cases, panel members) is a
  disclosure risk, so it follows docs/disclosure.md, as scrutiny.workspace.disclosure implements it: every count
  is rounded to `WORKSPACE_COUNT_BASE` and a true 1-4 is shown as `WORKSPACE_SMALL_TEXT`.
"""

from __future__ import annotations

RATIO_MIN_SEARCHES = 10  # public police data: a ratio or difference rests on at least this many searches
HOTSPOT_MIN_SEARCHES = 5  # public police data on a map: a cell's count is shown from this many searches
WORKSPACE_COUNT_BASE = 5  # workspace publications: counts rounded to a multiple of this; 1-4 shown as small
WORKSPACE_SMALL_TEXT = f"<{WORKSPACE_COUNT_BASE}"
RATIO_SUPPRESSED_TEXT = f"suppressed (<{RATIO_MIN_SEARCHES})"  # a terminal table's cell for such a figure
RATIO_SUPPRESSED_WORDS = f"suppressed (fewer than {RATIO_MIN_SEARCHES} searches)"  # the report's wording


def ratio_suppressed(*searches: int) -> bool:
    """Whether a figure from public police data resting on these search counts is withheld."""
    return any(n < RATIO_MIN_SEARCHES for n in searches)


def workspace_small(count: int) -> bool:
    """Whether a true workspace count is shown as `<5` (0 is shown as 0)."""
    return 0 < count < WORKSPACE_COUNT_BASE
