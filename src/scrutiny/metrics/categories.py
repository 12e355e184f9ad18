"""Category mappings as Ibis expressions, read from the catalogue files users can edit."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ibis
import ibis.expr.types as ir
import pandas as pd

from scrutiny.catalog import read_catalog

PERSON_TYPES = ("Person search", "Person and Vehicle search")
GROUPS = ("Asian", "Black", "Mixed", "White", "Other")
OBJECT_GROUPS = ("drugs", "weapons", "key_crime", "other")
OUTCOME_CLASSES = (
    "no_further_action", "arrest", "drugs_warning", "penalty_notice", "community_resolution", "caution",
    "summons", "other", "unknown",
)
AGE_RANGES = ("under 10", "10-17", "18-24", "25-34", "over 34")
CHILD_AGES = ("under 10", "10-17")


@dataclass(frozen=True)
class Target:
    group: str
    op: str  # ">=" or "<="
    target: float

    def met(self, actual: float) -> bool:
        return actual >= self.target if self.op == ">=" else actual <= self.target


@cache
def targets() -> tuple[Target, ...]:
    return tuple(Target(r["object_group"], r["op"], float(r["target"])) for r in read_catalog("targets.csv"))


@cache
def _object_rules() -> tuple[dict[str, str], dict[str, str]]:
    """(legislation -> group, object -> group); a legislation rule wins: a section 60 search is weapons."""
    by_law: dict[str, str] = {}
    by_object: dict[str, str] = {}
    for row in read_catalog("object_groups.csv"):
        (by_law if row["kind"] == "legislation" else by_object)[row["value"]] = row["object_group"]
    return by_law, by_object


def object_group(stops: ir.Table) -> ir.StringValue:
    """The object group of each row, for filtering records (figures map grouped results instead)."""
    by_law, by_object = _object_rules()
    branches = [(stops.legislation == law, group) for law, group in by_law.items()]
    branches += [(stops.object_of_search == obj, group) for obj, group in by_object.items()]
    return ibis.cases(*branches, else_="other")


def object_groups_of(legislation: pd.Series, objects: pd.Series) -> pd.Series:
    """The object group of each (legislation, object) pair of an aggregated result."""
    by_law, by_object = _object_rules()
    from_object = objects.map(by_object).fillna("other")
    return legislation.map(by_law).fillna(from_object)


def age_bands_of(ages: pd.Series) -> pd.Series:
    return ages.where(ages.isin(AGE_RANGES), "unknown")


def people_of(search_types: pd.Series) -> pd.Series:
    return search_types.isin(PERSON_TYPES)


def count_true(value: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows are true, counting nulls as not: portable where SUM of booleans is not."""
    return ibis.ifelse(value.fill_null(False), 1, 0).sum()
