"""Powers: under which law a search was made, keyed short (`s23`), from the published `Legislation` through the
catalogue `powers.csv`. A value the catalogue does not know is `other`; an empty one is `not_recorded`."""

from __future__ import annotations

from functools import cache

from scrutiny.catalog import read_catalog

OTHER_POWER = "other"  # a published Legislation value the catalogue does not know
NOT_RECORDED = "not_recorded"  # an empty Legislation
EXTRA_POWER_NAMES = {OTHER_POWER: "Another power (not in the catalogue)", NOT_RECORDED: "Power not recorded"}
# How the report's running text says the two keys that are not a law ("searches under another power ...").
EXTRA_POWER_PHRASES = {OTHER_POWER: "under another power (not in the catalogue)",
                       NOT_RECORDED: "with no power recorded"}


@cache
def power_rules() -> dict[str, str]:
    """Published Legislation value -> power key."""
    return {row["legislation"]: row["power"] for row in read_catalog("powers.csv")}


@cache
def power_names() -> dict[str, str]:
    """Every power key with its plain name, in catalogue order, then `other` and `not_recorded`."""
    names: dict[str, str] = {}
    for row in read_catalog("powers.csv"):
        names.setdefault(row["power"], row["name"])
    return {**names, **EXTRA_POWER_NAMES}
