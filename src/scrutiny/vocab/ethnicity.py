"""The five Census ethnic groups every figure is split by, what stands for "not known", and how an ethnicity
(as a force or a workspace import writes it) maps to a group.

Descriptions map as the warehouse maps them (stop_search_load.SELF_GROUP, over catalog/ethnic_groups.csv); the
police's codes (self-defined 16+1 and 18+1, officer-defined IC1-IC6, IC9) map through catalog/ethnicity_codes.csv,
whose groups agree with the warehouse's for the same published values (docs/data-model.md, "The catalogue").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from scrutiny.catalog import read_catalog
from scrutiny.errors import BadInput

GROUPS = ("Asian", "Black", "Mixed", "White", "Other")  # the Census's five, in the order every table shows
REFERENCE = "White"  # rate ratios are to White (docs/metrics.md)
# The one group whose ratio to REFERENCE the headlines, the area and force tables and the breakdowns show
HEADLINE_GROUP = "Black"
COMPARED = tuple(g for g in GROUPS if g != REFERENCE)  # the groups a ratio to REFERENCE is given for
UNKNOWN = "unknown"  # the metrics' key for ethnicity not stated or not recorded
NOT_STATED = "Not stated"  # the workspace's word for the same, beside the five groups
GROUPS_OR_NOT_STATED = (*GROUPS, NOT_STATED)
OLD_CODES = {"A": "Asian", "B": "Black", "M": "Mixed", "W": "White", "O": "Other"}  # (W1)-style codes
_OLD_CODE = re.compile(r"\(([ABMWO])[0-9]+\)\s*$")

# How a reader-facing page names each group where it speaks to the person (the Census's own words).
CENSUS_LABELS = {"Asian": "Asian or Asian British", "Black": "Black or Black British",
                 "Mixed": "Mixed or multiple ethnic groups", "White": "White", "Other": "Another ethnic group"}
UNKNOWN_LABEL = "Not stated or not recorded"  # the metrics' `unknown` group, as a table row says it


CODES_FILE = "ethnicity_codes.csv"
SELF_DEFINED_SETS = ("16+1", "18+1")
OFFICER_DEFINED_SET = "officer-defined"
NOT_KNOWN = {"unknown", "not known", "not recorded", "not stated"}  # said in words: not stated, no code to map
# A code where a value is only a code, ends "(W1)", or starts "W1 - ...": one or two letters and a number, or NS.
_CODE_SHAPE = r"[A-Za-z]{1,2}[0-9]{1,2}|NS"
_WHOLE_CODE = re.compile(rf"^({_CODE_SHAPE})$", re.IGNORECASE)
_END_CODE = re.compile(rf"\(\s*({_CODE_SHAPE})\s*\)\s*$", re.IGNORECASE)
_START_CODE = re.compile(rf"^({_CODE_SHAPE})(?:\s*[-:\u2013\u2014]\s*|\s+)\S", re.IGNORECASE)


@dataclass(frozen=True)
class EthnicityCode:
    code: str
    group: str  # one of GROUPS_OR_NOT_STATED
    code_sets: tuple[str, ...]  # "16+1", "18+1", "officer-defined"
    descriptions: tuple[str, ...]  # in the order of code_sets

    @property
    def self_defined(self) -> bool:
        return any(s in SELF_DEFINED_SETS for s in self.code_sets)


class UnmappedEthnicity(ValueError):
    """A value with no group: an unknown code, a code of the other kind, or words the catalogues do not know."""

    def __init__(self, value: str, message: str) -> None:
        self.value = value
        super().__init__(message)


@cache
def ethnicity_codes() -> dict[str, EthnicityCode]:
    """Every code of catalog/ethnicity_codes.csv by its upper-case code. A code in two sets (W1 is in the 16+1
    and the 18+1) must have one group in both, or a value would depend on which set a force meant."""
    found: dict[str, EthnicityCode] = {}
    for row in read_catalog(CODES_FILE):
        code, group = row["code"].strip().upper(), row["group"].strip()
        if group not in GROUPS_OR_NOT_STATED or row["code_set"] not in (*SELF_DEFINED_SETS, OFFICER_DEFINED_SET):
            raise BadInput(f"catalog/{CODES_FILE}: {code} has group {group!r} and code set {row['code_set']!r}; "
                           f"groups are {', '.join(GROUPS_OR_NOT_STATED)}")
        known = found.get(code)
        if known and known.group != group:
            raise BadInput(f"catalog/{CODES_FILE}: {code} is {known.group} in one code set and {group} in another")
        found[code] = EthnicityCode(code, group, (*(known.code_sets if known else ()), row["code_set"]),
                                    (*(known.descriptions if known else ()), row["description"]))
    return found


def _code_in(value: str) -> str | None:
    """The code a value carries, upper-case: the whole value, a final "(W1)", or a leading "W1 - "."""
    for pattern in (_WHOLE_CODE, _END_CODE, _START_CODE):
        found = pattern.search(value)
        if found:
            return found.group(1).upper()
    return None


def _by_words(value: str) -> str | None:
    """The group of a description: the catalogue prefix before ' - ', or a bare group name ("Black")."""
    prefix = value.split(" - ", 1)[0].strip().casefold()
    found = _prefixes().get(prefix)
    if found:
        return found
    return {g.casefold(): g for g in GROUPS}.get(prefix)


def read_ethnicity(value: str | None, kind: Literal["self", "officer"] = "self") -> str:
    """The group of a self-defined or officer-defined ethnicity, or UnmappedEthnicity naming the value.

    Blank, "Not stated" and "unknown" are Not stated; a code maps through catalog/ethnicity_codes.csv; words map
    as the warehouse maps them. A self-defined value may not be an officer's IC code (the person did not say
    it); an officer-defined value may be either kind of code. Anything else is refused, never Not stated."""
    text = (value or "").strip()
    if not text or text.casefold() in NOT_KNOWN or "not stated" in text.casefold():
        return NOT_STATED
    code = _code_in(text)
    if code is not None:
        known = ethnicity_codes().get(code)
        if known is None:
            sets = "16+1 or 18+1" if kind == "self" else "IC1-IC6, IC9, 16+1 or 18+1"
            raise UnmappedEthnicity(text, f"{text!r}: {code} is not a{' self-defined' if kind == 'self' else 'n'} "
                                          f"ethnicity code ({sets}; catalog/{CODES_FILE})")
        if kind == "self" and not known.self_defined:
            raise UnmappedEthnicity(text, f"{text!r}: {code} is an officer-defined code, not a self-defined one: "
                                          "is this the officer-defined column?")
        return known.group
    group = _by_words(text)
    if group is None:
        raise UnmappedEthnicity(text, f"{text!r} is not an ethnicity code or a description Scrutiny knows "
                                      f"(catalog/{CODES_FILE}, catalog/ethnic_groups.csv)")
    return group


@cache
def _prefixes() -> dict[str, str]:
    return {row["prefix"].casefold(): row["ethnic_group"] for row in read_catalog("ethnic_groups.csv")}


def self_defined_group(self_defined: str | None) -> str:
    """The group of a self-defined ethnicity where a value must get one (read_ethnicity refuses instead): what
    read_ethnicity gives; else the warehouse's rule for an unlisted old code (`(W7)` is White by its letter);
    else Not stated, as the warehouse makes anything it cannot place `unknown`."""
    value = (self_defined or "").strip()
    try:
        return read_ethnicity(value)
    except UnmappedEthnicity:
        code = _OLD_CODE.search(value)
        return OLD_CODES[code.group(1)] if code else NOT_STATED


def warehouse_group(self_defined_group: str | None) -> str:
    """The warehouse's `self_defined_group` ('unknown' for not stated) as one of GROUPS_OR_NOT_STATED."""
    return self_defined_group if self_defined_group in GROUPS else NOT_STATED
