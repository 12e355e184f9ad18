"""The targets forces set themselves, and the row-level helpers the figures classify searches with.

The vocabularies (groups, outcome classes, age bands) are scrutiny.vocab's, named here as the metrics use them;
what a search was for and under which power are the lens's (metrics.lens)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from scrutiny.catalog import read_catalog
from scrutiny.vocab.ages import AGE_RANGES, CHILD_AGES, UNKNOWN
from scrutiny.vocab.ethnicity import GROUPS
from scrutiny.vocab.outcomes import OUTCOME_CLASSES

__all__ = ["AGE_RANGES", "CHILD_AGES", "GROUPS", "OUTCOME_CLASSES", "PERSON_TYPES", "Target", "age_bands",
           "count_true", "people", "targets"]

PERSON_TYPES = ("Person search", "Person and Vehicle search")


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


def age_bands(ages: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The age band of each published age range of an aggregated result: `unknown` for any other (or none)."""
    return pc.if_else(pc.is_in(ages, value_set=pa.array(AGE_RANGES, pa.string())), ages, UNKNOWN)


def people(search_types: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Whether each published search type of an aggregated result is a person search (a blank one is not)."""
    return pc.is_in(search_types, value_set=pa.array(PERSON_TYPES, pa.string()))


def count_true(value: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows are true, counting nulls as not: a filtered COUNT, which every backend has (where SUM of
    booleans is not portable) and which DuckDB runs faster than a SUM over CASE."""
    return value.count(where=value.fill_null(False))
