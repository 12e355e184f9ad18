"""The names of the `SCRUTINY_*` variables, apart from their declaration (scrutiny.settings): naming a variable,
as `scrutiny fetch --help` does, should not cost the ~0.3 s that pydantic-settings takes to import."""

from __future__ import annotations

PREFIX = "SCRUTINY_"


def env_name(field: str) -> str:
    """The variable of a declared setting: `census_url` is `SCRUTINY_CENSUS_URL`."""
    return PREFIX + field.upper()


# Not a setting: `scrutiny serve --workers N` hands its worker processes their settings in this variable
# (scrutiny.web.workers). Named here so every SCRUTINY_ name has one home.
WORKER_SETTINGS = PREFIX + "WORKER_SETTINGS"
