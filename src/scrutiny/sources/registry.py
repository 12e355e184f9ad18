"""Every source Scrutiny loads, in the order recognition asks them: adding a source is one line here.

Functions that recognise or ingest take the registry as a parameter (defaulting to SOURCES), so a test or a
plug-in can add an adapter for one call, `(*SOURCES, MyAdapter())`, without changing this module.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrutiny.sources.adapter import Source
from scrutiny.sources.boundaries import BOUNDARIES
from scrutiny.sources.census import CENSUS
from scrutiny.sources.geography import LA_FORCE_LOOKUP
from scrutiny.sources.home_office_use_of_force import HOME_OFFICE_USE_OF_FORCE
from scrutiny.sources.mps_recorded_crime import MPS_RECORDED_CRIME
from scrutiny.sources.police_uk_archive import ARCHIVE_STOP_SEARCH
from scrutiny.sources.police_uk_crime import ARCHIVE_CRIME_OUTCOMES, ARCHIVE_STREET_CRIME
from scrutiny.sources.police_uk_crime_json import API_CRIME_OUTCOMES, API_STREET_CRIME
from scrutiny.sources.police_uk_json import API_STOPS

Registry = Sequence[Source]

# The first adapter that claims a file has it: JSON sources, then CSV ones, most specific header first. The
# crime answers come before the stops': an empty array (`[]`) is theirs only when its name says so.
SOURCES: tuple[Source, ...] = (
    API_STREET_CRIME,
    API_CRIME_OUTCOMES,
    API_STOPS,
    BOUNDARIES,
    ARCHIVE_STOP_SEARCH,
    ARCHIVE_STREET_CRIME,
    ARCHIVE_CRIME_OUTCOMES,
    CENSUS,
    LA_FORCE_LOOKUP,
    MPS_RECORDED_CRIME,
    HOME_OFFICE_USE_OF_FORCE,
)


def by_kind(kind: str, sources: Registry = SOURCES) -> Source | None:
    """The adapter whose files `ingest_log` records as `kind`, if any."""
    return next((s for s in sources if s.kind == kind), None)


def kinds_of(table: str, sources: Registry = SOURCES) -> list[str]:
    """The kinds of the adapters that fill `table`: which `ingest_log` rows are loads of it."""
    return [str(s.kind) for s in sources if s.table.name == table]


def label(kind: str, sources: Registry = SOURCES) -> str:
    """The word `status` shows for where a force-month came from (`archive`, `api`); `archive` for a kind no
    adapter claims, as every force-month was before the API was."""
    source = by_kind(kind, sources)
    return source.label if source is not None else "archive"
