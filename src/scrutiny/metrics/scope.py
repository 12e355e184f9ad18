"""What a figure is about: a force, optionally one of its areas, an inclusive month range, an ethnicity basis."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

import ibis
import ibis.expr.types as ir

from scrutiny.catalog import check_force
from scrutiny.errors import ScrutinyError

Ethnicity = Literal["self", "officer"]
ALL_FORCES = "all"  # the national scope: every force loaded, every local authority in the lookup


@dataclass(frozen=True)
class Scope:
    force: str
    area: str | None  # an area code (E09...) once resolved
    start: str  # YYYY-MM, inclusive
    end: str  # YYYY-MM, inclusive
    ethnicity: Ethnicity = "self"
    area_name: str | None = None

    @property
    def first_month(self) -> date:
        return month_start(self.start)

    @property
    def last_month(self) -> date:
        return month_start(self.end)

    @property
    def group_column(self) -> str:
        return "self_defined_group" if self.ethnicity == "self" else "officer_defined_group"


def month_start(text: str) -> date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise ScrutinyError(f"bad month {text!r}: expected YYYY-MM, e.g. 2018-04")
    return date(int(match[1]), int(match[2]), 1)


def of_force(table: ir.Table, force: str) -> list[ir.BooleanValue]:
    """The filter that keeps one force's rows (any force's for the national scope)."""
    return [table.force.notnull() if force == ALL_FORCES else table.force == force]


def _resolve_area(backend: ibis.BaseBackend, force: str, area: str) -> tuple[str, str]:
    """An area given by code or by name (any case), among the boundaries or the force's stops."""
    known: dict[str, str] = {}
    if "areas" in backend.list_tables():
        for code, name in backend.table("areas").select("area_code", "area_name").execute().itertuples(index=False):
            known[code] = name
    stops = backend.table("stop_search")
    found = stops.filter(*of_force(stops, force), stops.area_code.notnull()).select("area_code", "area_name").distinct()
    for code, name in found.execute().itertuples(index=False):
        known[code] = name
    wanted = area.strip().lower()
    for code, name in known.items():
        if wanted in (code.lower(), name.lower()):
            return code, name
    names = ", ".join(sorted(known.values())[:40]) or "none: load boundaries first"
    raise ScrutinyError(f"unknown area {area!r}; known areas: {names}")


def resolve_scope(
    backend: ibis.BaseBackend, force: str, area: str | None, start: str, end: str, ethnicity: str = "self"
) -> Scope:
    """Check every part of a scope against the warehouse, so a typo is an error, not a page of zeros."""
    if force != ALL_FORCES:
        check_force(force)
    if ethnicity not in ("self", "officer"):
        raise ScrutinyError(f"bad ethnicity basis {ethnicity!r}: expected 'self' or 'officer'")
    first, last = month_start(start), month_start(end)
    if first > last:
        raise ScrutinyError(f"--from {start} is after --to {end}")
    code, name = _resolve_area(backend, force, area) if area else (None, None)
    scope = Scope(force, code, start, end, ethnicity, name)  # type: ignore[arg-type]
    if count_rows(in_scope(backend.table("stop_search"), scope)) == 0:
        stops = backend.table("stop_search")
        months = stops.filter(*of_force(stops, force)).select("month").distinct().to_pandas().month
        loaded = sorted(m.strftime("%Y-%m") for m in months)
        where = f" in {name}" if name else ""
        months = ", ".join(loaded) if loaded else "none"
        raise ScrutinyError(
            f"no searches for {force}{where} from {start} to {end}; months loaded for {force}: {months}"
        )
    return scope


def in_scope(stops: ir.Table, scope: Scope) -> ir.Table:
    """Rows of `stop_search` that a scope covers."""
    conditions = [*of_force(stops, scope.force), stops.month >= scope.first_month, stops.month <= scope.last_month]
    if scope.area is not None:
        conditions.append(stops.area_code == scope.area)
    return stops.filter(*conditions)


def count_rows(table: ir.Table) -> int:
    return int(table.count().to_pyarrow().as_py())
