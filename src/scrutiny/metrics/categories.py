"""Vocabularies of the figures (groups, outcome classes, age bands) and the targets forces set themselves.

What a search was for and under which power are the lens's (metrics.lens)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ibis.expr.types as ir
import pandas as pd

from scrutiny.catalog import read_catalog

PERSON_TYPES = ("Person search", "Person and Vehicle search")
GROUPS = ("Asian", "Black", "Mixed", "White", "Other")
OUTCOME_CLASSES = (
    "no_further_action", "arrest", "drugs_warning", "penalty_notice", "community_resolution", "caution",
    "summons", "other", "unknown",
)
AGE_RANGES = ("under 10", "10-17", "18-24", "25-34", "over 34")
CHILD_AGES = ("under 10", "10-17")


@dataclass(frozen=True)
class Target:
    force: str
    group: str
    op: str  # ">=" or "<="
    target: float

    def met(self, actual: float) -> bool:
        return actual >= self.target if self.op == ">=" else actual <= self.target


@cache
def _all_targets() -> tuple[Target, ...]:
    rows = read_catalog("targets.csv")
    return tuple(Target(r["force"], r["object_group"], r["op"], float(r["target"])) for r in rows)


def targets(force: str) -> tuple[Target, ...]:
    """The targets a force set itself (catalog/targets.csv); none for a force with nothing on file."""
    return tuple(t for t in _all_targets() if t.force == force)


def age_bands_of(ages: pd.Series) -> pd.Series:
    return ages.where(ages.isin(AGE_RANGES), "unknown")


def people_of(search_types: pd.Series) -> pd.Series:
    return search_types.isin(PERSON_TYPES)


def count_true(value: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows are true, counting nulls as not: a filtered COUNT, which every backend has (where SUM of
    booleans is not portable) and which DuckDB runs faster than a SUM over CASE."""
    return value.count(where=value.fill_null(False))
