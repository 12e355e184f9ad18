"""The names of the `SCRUTINY_*` variables, apart from their declaration (scrutiny.settings): naming a variable,
as `scrutiny fetch --help` does, should not cost the ~0.3 s that pydantic-settings takes to import."""

from __future__ import annotations

PREFIX = "SCRUTINY_"


def env_name(field: str) -> str:
    """The variable of a declared setting: `census_url` is `SCRUTINY_CENSUS_URL`."""
    return PREFIX + field.upper()
