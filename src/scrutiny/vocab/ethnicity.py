"""The five Census ethnic groups every figure is split by, what stands for "not known", and how a self-defined
ethnicity (as a force or a workspace import writes it) maps to a group.

The mapping is the warehouse's (stop_search_load.SELF_GROUP) over the same catalogue (catalog/ethnic_groups.csv).
"""

from __future__ import annotations

import re
from functools import cache

from scrutiny.catalog import read_catalog

GROUPS = ("Asian", "Black", "Mixed", "White", "Other")  # the Census's five, in the order every table shows
REFERENCE = "White"  # rate ratios are to White (docs/metrics.md)
UNKNOWN = "unknown"  # the metrics' key for ethnicity not stated or not recorded
NOT_STATED = "Not stated"  # the workspace's word for the same, beside the five groups
GROUPS_OR_NOT_STATED = (*GROUPS, NOT_STATED)
OLD_CODES = {"A": "Asian", "B": "Black", "M": "Mixed", "W": "White", "O": "Other"}  # (W1)-style codes
_OLD_CODE = re.compile(r"\(([ABMWO])[0-9]+\)\s*$")

# How a reader-facing page names each group where it speaks to the person (the Census's own words).
CENSUS_LABELS = {"Asian": "Asian or Asian British", "Black": "Black or Black British",
                 "Mixed": "Mixed or multiple ethnic groups", "White": "White", "Other": "Another ethnic group"}
UNKNOWN_LABEL = "Not stated or not recorded"  # the metrics' `unknown` group, as a table row says it


@cache
def _prefixes() -> dict[str, str]:
    return {row["prefix"].casefold(): row["ethnic_group"] for row in read_catalog("ethnic_groups.csv")}


def self_defined_group(self_defined: str | None) -> str:
    """The group of a self-defined ethnicity, by the warehouse's rule: 'not stated' or blank is Not stated; an
    old code such as `(W1)` decides; else the catalogue prefix before ' - '. A bare group name ("Black") counts
    too, since force exports often give only that."""
    value = (self_defined or "").strip()
    if not value or "not stated" in value.casefold():
        return NOT_STATED
    code = _OLD_CODE.search(value)
    if code:
        return OLD_CODES[code.group(1)]
    prefix = value.split(" - ", 1)[0].strip().casefold()
    found = _prefixes().get(prefix)
    if found:
        return found
    by_name = {g.casefold(): g for g in GROUPS}
    return by_name.get(prefix, NOT_STATED)


def warehouse_group(self_defined_group: str | None) -> str:
    """The warehouse's `self_defined_group` ('unknown' for not stated) as one of GROUPS_OR_NOT_STATED."""
    return self_defined_group if self_defined_group in GROUPS else NOT_STATED
