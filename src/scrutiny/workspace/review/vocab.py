"""The small vocabularies records are read into: the five ethnic groups plus Not stated (mapped as the warehouse
maps them, from the same catalogue), yes/no answers, and whether an outcome is a find."""

from __future__ import annotations

import re
from functools import cache

from scrutiny.catalog import read_catalog

NOT_STATED = "Not stated"
ETHNIC_GROUPS = ("Asian", "Black", "Mixed", "White", "Other", NOT_STATED)
OLD_CODE = re.compile(r"\(([ABMWO])[0-9]+\)\s*$")
OLD_CODES = {"A": "Asian", "B": "Black", "M": "Mixed", "W": "White", "O": "Other"}
YES = {"yes", "y", "true", "t", "1"}
NO = {"no", "n", "false", "f", "0"}
UNKNOWN = {"", "unknown", "not known", "n/a", "na", "none", "null"}


@cache
def _prefixes() -> dict[str, str]:
    return {row["prefix"].casefold(): row["ethnic_group"] for row in read_catalog("ethnic_groups.csv")}


def ethnic_group(self_defined: str | None) -> str:
    """The group of a self-defined ethnicity, by the warehouse's rule (stop_search_load.SELF_GROUP): 'not
    stated' or blank is Not stated; an old code such as `(W1)` decides; else the catalogue prefix before ' - '.
    A bare group name ("Black") counts too, since force exports often give only that."""
    value = (self_defined or "").strip()
    if not value or "not stated" in value.casefold():
        return NOT_STATED
    code = OLD_CODE.search(value)
    if code:
        return OLD_CODES[code.group(1)]
    prefix = value.split(" - ", 1)[0].strip().casefold()
    found = _prefixes().get(prefix)
    if found:
        return found
    by_name = {g.casefold(): g for g in ETHNIC_GROUPS[:5]}
    return by_name.get(prefix, NOT_STATED)


def warehouse_group(self_defined_group: str | None) -> str:
    """The warehouse's `self_defined_group` ('unknown' for not stated) as one of ETHNIC_GROUPS."""
    return self_defined_group if self_defined_group in ETHNIC_GROUPS[:5] else NOT_STATED


def yes_no(value: str | None) -> bool | None:
    """True, False, or None for unknown; raises ValueError for anything else."""
    text = (value or "").strip().casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    if text in UNKNOWN:
        return None
    raise ValueError(f"{value!r} is not yes, no or unknown")


def yes_no_unknown(value: str | None) -> str:
    answer = yes_no(value)
    return "unknown" if answer is None else ("yes" if answer else "no")


@cache
def _no_further_action() -> frozenset[str]:
    return frozenset(row["outcome"].casefold() for row in read_catalog("outcome_classes.csv")
                     if row["outcome_class"] == "no_further_action")


def is_find(outcome: str | None, linked: bool | None) -> bool | None:
    """Whether a search found something: the force's 'outcome linked to object' when it says; where it does
    not, any outcome other than no further action counts as a find; no outcome at all is unknown (None)."""
    if linked is not None:
        return linked
    text = (outcome or "").strip().casefold()
    if not text:
        return None
    return not (text in _no_further_action() or "no further action" in text or text == "nfa")
