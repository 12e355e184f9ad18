"""Object groups: what a search was for, from its published `Object of search` and `Legislation` (the
catalogue `object_groups.csv` says which values belong to which group; a legislation rule wins)."""

from __future__ import annotations

from functools import cache

from scrutiny.catalog import read_catalog

OBJECT_GROUPS = ("drugs", "weapons", "key_crime", "other")
DRUGS = "drugs"  # the purpose Scrutiny is about first: headlines and disposals single it out (docs/metrics.md)
# In running text ("searches for drugs") and as a label of its own (a table row, a chart bar, a picker).
PURPOSE_NAMES = {"drugs": "drugs", "weapons": "weapons", "key_crime": "key crime (theft and damage)",
                 "other": "other things"}
# The same, short, where a sentence names the purpose of the searches it links to ("after a search for key crime").
PURPOSE_WORDS = {**PURPOSE_NAMES, "key_crime": "key crime"}
OBJECT_LABELS = {"drugs": "Drugs", "weapons": "Weapons", "key_crime": "Key crime", "other": "Other"}


@cache
def object_rules() -> tuple[dict[str, str], dict[str, str]]:
    """(legislation -> group, object -> group) from the catalogue; a legislation rule wins: a section 60
    search is weapons."""
    by_law: dict[str, str] = {}
    by_object: dict[str, str] = {}
    for row in read_catalog("object_groups.csv"):
        (by_law if row["kind"] == "legislation" else by_object)[row["value"]] = row["object_group"]
    return by_law, by_object
