"""The lens: what a search was for (purpose) and under which power (the published `Legislation`).

Both vocabularies are catalogue files users can edit (`object_groups.csv`, `powers.csv`). A lens filters rows
by their published values with IN lists, never by mapping each row, so a lensed scan costs what an unlensed
one does and the filter runs on any Ibis backend. A value the catalogue does not know is `other`, never
dropped; an empty `Legislation` is `not_recorded`.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scrutiny.errors import BadInput
from scrutiny.vocab.objects import OBJECT_GROUPS, PURPOSE_NAMES
from scrutiny.vocab.objects import object_rules as _object_rules
from scrutiny.vocab.powers import NOT_RECORDED, OTHER_POWER, power_names
from scrutiny.vocab.powers import power_rules as _power_rules

# OBJECT_GROUPS, PURPOSE_NAMES and power_names are scrutiny.vocab's, named here for the callers that take them
# with the lens.
__all__ = ["OBJECT_GROUPS", "PURPOSE_NAMES", "Lens", "UnknownLens", "check_lens", "lens_filters", "object_group",
           "object_groups", "object_groups_of", "power_filter", "power_keys", "power_names", "power_of", "powers_of",
           "purpose_filter"]


class UnknownLens(BadInput):
    """A purpose or power that is not in the catalogue; the message lists the known ones."""

    def __init__(self, kind: str, value: str, known: list[str]) -> None:
        self.kind = kind
        self.value = value
        super().__init__(f"unknown {kind} {value!r}: expected one of {', '.join(known)}", loc=("query", kind))


@dataclass(frozen=True)
class Lens:
    """A purpose (object group) and a power (short key), each optional."""

    purpose: str | None = None
    power: str | None = None

    @property
    def active(self) -> bool:
        return self.purpose is not None or self.power is not None

    @property
    def purpose_name(self) -> str | None:
        return None if self.purpose is None else PURPOSE_NAMES[self.purpose]

    @property
    def power_name(self) -> str | None:
        return None if self.power is None else power_names()[self.power]

    def describe(self) -> str:
        """Plain words for the searches a lens keeps, e.g. "searches for drugs under Misuse of Drugs Act section
        23" (a power's short name: the catalogue's name before its colon)."""
        parts = ["searches"]
        if self.purpose is not None:
            parts.append(f"for {PURPOSE_NAMES[self.purpose]}")
        if self.power is not None:
            parts.append(f"under {power_names()[self.power].split(':')[0]}")
        return " ".join(parts)


def check_lens(purpose: str | None, power: str | None) -> Lens:
    """A checked lens; empty strings mean no lens."""
    purpose = purpose or None
    power = power or None
    if purpose is not None and purpose not in OBJECT_GROUPS:
        raise UnknownLens("purpose", purpose, list(OBJECT_GROUPS))
    if power is not None and power not in power_names():
        raise UnknownLens("power", power, list(power_names()))
    return Lens(purpose, power)


def _isin(column: ir.StringValue, values: list[str]) -> ir.BooleanValue:
    """`column IN values`, false (not null) for a null column or an empty list."""
    if not values:
        return ibis.literal(False)
    return column.isin(values).fill_null(False)


def purpose_filter(stops: ir.Table, purpose: str) -> ir.BooleanValue:
    by_law, by_object = _object_rules()
    law_says = _isin(stops.legislation, [law for law, g in by_law.items() if g == purpose])
    no_law_rule = ~_isin(stops.legislation, list(by_law))
    object_says = _isin(stops.object_of_search, [obj for obj, g in by_object.items() if g == purpose])
    if purpose == "other":
        object_says = object_says | ~_isin(stops.object_of_search, list(by_object))
    return law_says | (no_law_rule & object_says)


def power_filter(stops: ir.Table, power: str) -> ir.BooleanValue:
    rules = _power_rules()
    empty = stops.legislation.isnull() | (stops.legislation == "")
    if power == NOT_RECORDED:
        return empty.fill_null(False)
    if power == OTHER_POWER:
        return ~empty.fill_null(False) & ~_isin(stops.legislation, list(rules))
    return _isin(stops.legislation, [law for law, key in rules.items() if key == power])


def lens_filters(stops: ir.Table, lens: Lens) -> list[ir.BooleanValue]:
    filters = []
    if lens.purpose is not None:
        filters.append(purpose_filter(stops, lens.purpose))
    if lens.power is not None:
        filters.append(power_filter(stops, lens.power))
    return filters


def object_group(stops: ir.Table) -> ir.StringValue:
    """The object group of each row, for listing records (figures map grouped results instead)."""
    by_law, by_object = _object_rules()
    branches = [(stops.legislation == law, group) for law, group in by_law.items()]
    branches += [(stops.object_of_search == obj, group) for obj, group in by_object.items()]
    return ibis.cases(*branches, else_="other")


def power_of(stops: ir.Table) -> ir.StringValue:
    """The power key of each row, for listing records."""
    empty = stops.legislation.isnull() | (stops.legislation == "")
    branches = [(empty, NOT_RECORDED)]
    branches += [(stops.legislation == law, key) for law, key in _power_rules().items()]
    return ibis.cases(*branches, else_=OTHER_POWER)


def _looked_up(values: pa.Array | pa.ChunkedArray, table: dict[str, str]) -> pa.Array | pa.ChunkedArray:
    """Each value's entry in `table`; null where it has none, or is null."""
    found = pc.index_in(values, value_set=pa.array(list(table), pa.string()))
    return pc.take(pa.array(list(table.values()), pa.string()), found)


def object_groups(legislation: pa.Array | pa.ChunkedArray,
                  objects: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The object group of each (legislation, object) pair of an aggregated result: a legislation rule wins."""
    by_law, by_object = _object_rules()
    return pc.coalesce(_looked_up(legislation, by_law), _looked_up(objects, by_object), pa.scalar("other"))


def power_keys(legislation: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The power key of each published Legislation value of an aggregated result."""
    empty = pc.fill_null(pc.equal(legislation, ""), True)
    known = pc.coalesce(_looked_up(legislation, _power_rules()), pa.scalar(OTHER_POWER))
    return pc.if_else(empty, NOT_RECORDED, known)


def _arrow(values: pd.Series) -> pa.Array:
    return pa.array(values, pa.string(), from_pandas=True)


def _series(values: pa.Array | pa.ChunkedArray, like: pd.Series) -> pd.Series:
    series: pd.Series = values.to_pandas()
    series.index = like.index
    return series


def object_groups_of(legislation: pd.Series, objects: pd.Series) -> pd.Series:
    """`object_groups` of pandas columns."""
    return _series(object_groups(_arrow(legislation), _arrow(objects)), legislation)


def powers_of(legislation: pd.Series) -> pd.Series:
    """`power_keys` of a pandas column."""
    return _series(power_keys(_arrow(legislation)), legislation)
