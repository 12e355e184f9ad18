"""Census 2021 residents for a scope: the denominators of every rate.

A force's population is the sum of its local authorities (the ONS lookup), a borough's is its own. Of the
all-ages tables, TS022 (unrounded) is preferred where it covers an authority, else the 19-group table. The
age tables merge some small authorities into a neighbour (City of London with Westminster); a merged area
is used only when nearly all its residents are in scope, and the reader is told.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
from ibis import _

from scrutiny.catalog import forces
from scrutiny.metrics.scope import ALL_FORCES, Scope, of_force

ALL_AGES_SOURCES = ("census_ts022", "census_19_groups")  # in order of preference
AGE_SOURCE = "census_age_sex"
FORCE_AREA_SOURCE = "census_pfa_5_groups"
AGE_BANDS = {"10-17": (10, 17), "18-24": (18, 24), "25-34": (25, 34), "over 34": (35, 200)}
MERGED_SHARE_NEEDED = 0.95


@dataclass
class Population:
    by_area: dict[str, dict[str, int]]  # area code -> group -> residents (all ages)
    by_age: dict[tuple[str, str], int] | None  # (age band, group) -> residents over the whole scope
    notes: list[str] = field(default_factory=list)

    def total(self, group: str) -> int | None:
        if not self.by_area:
            return None
        return sum(groups.get(group, 0) for groups in self.by_area.values())


def scope_areas(backend: ibis.BaseBackend, scope: Scope) -> list[str]:
    """Local authority codes of the scope: the area itself, or the force's authorities in the lookup."""
    if scope.area is not None:
        return [scope.area]
    if "force_areas" not in backend.list_tables():
        return []
    lookup = backend.table("force_areas")
    return sorted(set(lookup.filter(*of_force(lookup, scope.force)).la_code.to_pandas()))


def all_ages_by_area(backend: ibis.BaseBackend, codes: list[str]) -> dict[str, dict[str, int]]:
    """Residents per authority and group, from the preferred all-ages table that covers each authority.

    The all-ages tables hold a few thousand rows: fetch them whole and pick here, which is faster than
    sending hundreds of codes to the database.
    """
    if not codes or "population" not in backend.list_tables():
        return {}
    table = backend.table("population")
    rows = (
        table.filter(table.age.isnull(), table.census_year == 2021, table.source.isin(ALL_AGES_SOURCES))
        .group_by(["area_code", "source", "ethnic_group"])
        .aggregate(residents=_.residents.sum())
        .to_pandas()
    )
    rows = rows[rows.area_code.isin(codes)]
    rank = rows.source.map({source: i for i, source in enumerate(ALL_AGES_SOURCES)})
    rows = rows[rank == rank.groupby(rows.area_code).transform("min")]
    out: dict[str, dict[str, int]] = {}
    for code, group, residents in zip(rows.area_code, rows.ethnic_group, rows.residents, strict=True):
        out.setdefault(str(code), {})[str(group)] = int(residents)
    return out


def _age_areas(backend: ibis.BaseBackend, codes: list[str], notes: list[str]) -> list[str] | None:
    """The age table's area codes that stand for the scope, or None if one cannot fairly be used."""
    table = backend.table("population")
    available = set(table.filter(table.source == AGE_SOURCE).select("area_code").distinct().to_pandas().area_code)
    chosen: list[str] = []
    for code in codes:
        if code in available:
            chosen.append(code)
            continue
        merged = next((m for m in available if code in m.split("+")), None)
        if merged is None:
            notes.append(f"The Census by age has no figures for {code}: age-specific rates are not given.")
            return None
        if merged in chosen:
            continue
        parts = merged.split("+")
        residents = all_ages_by_area(backend, parts)
        totals = {p: sum(residents.get(p, {}).values()) for p in parts}
        inside = sum(totals[p] for p in parts if p in codes)
        if sum(totals.values()) == 0 or inside / sum(totals.values()) < MERGED_SHARE_NEEDED:
            notes.append(
                f"The Census by age publishes {' and '.join(parts)} only together, and most of those residents are "
                "outside this scope: age-specific rates are not given."
            )
            return None
        notes.append(
            f"The Census by age publishes {' and '.join(parts)} only together; age-specific rates use the combined "
            f"population ({inside / sum(totals.values()):.1%} of it is in scope)."
        )
        chosen.append(merged)
    return chosen


def _by_age(backend: ibis.BaseBackend, areas: list[str], notes: list[str]) -> dict[tuple[str, str], int]:
    table = backend.table("population")
    band = ibis.cases(*[(table.age.between(lo, hi), name) for name, (lo, hi) in AGE_BANDS.items()], else_=None)
    rows = (
        table.filter(table.source == AGE_SOURCE, table.area_code.isin(areas), table.age.notnull())
        .mutate(band=band)
        .filter(_.band.notnull())
        .group_by(["band", "ethnic_group"])
        .aggregate(residents=_.residents.sum(), suppressed=_.suppressed_cells.sum())
        .to_pandas()
    )
    suppressed = int(rows.suppressed.sum()) if not rows.empty else 0
    if suppressed:
        notes.append(
            f"The Census by single year of age hides {suppressed:,} small cells in this scope (counted as 0), so "
            "age-specific populations are slightly low and their rates slightly high."
        )
    return {(str(b), str(g)): int(r) for b, g, r in zip(rows.band, rows.ethnic_group, rows.residents, strict=True)}


def _force_area_totals(backend: ibis.BaseBackend, scope: Scope) -> dict[str, dict[str, int]]:
    """Census 2021 residents by police force area, for forces whose authorities' codes have changed."""
    wanted = [f.pfa_code for f in forces().values() if f.pfa_code and scope.force in (f.id, ALL_FORCES)]
    table = backend.table("population")
    rows = (
        table.filter(table.source == FORCE_AREA_SOURCE, table.census_year == 2021, table.age.isnull(),
                     table.area_code.isin(wanted))
        .group_by(["area_code", "ethnic_group"])
        .aggregate(residents=_.residents.sum())
        .to_pandas()
    )
    if set(rows.area_code) != set(wanted):
        return {}
    out: dict[str, dict[str, int]] = {}
    for code, group, residents in rows.itertuples(index=False):
        out.setdefault(str(code), {})[str(group)] = int(residents)
    return out


def population(backend: ibis.BaseBackend, scope: Scope) -> Population:
    notes: list[str] = []
    tables = set(backend.list_tables())
    codes = scope_areas(backend, scope)
    if "population" not in tables or not codes:
        notes.append(f"No Census population for {scope.area_name or scope.force}: rates and ratios are not given.")
        return Population({}, None, notes)
    all_ages = all_ages_by_area(backend, codes)
    missing = [c for c in codes if c not in all_ages]
    if missing:
        by_force = _force_area_totals(backend, scope) if scope.area is None else {}
        if not by_force:
            notes.append(f"No Census population loaded for {', '.join(missing)}: rates and ratios are not given.")
            return Population({}, None, notes)
        notes.append(
            f"The Census by local authority has no {', '.join(missing)} (their boundaries changed after the "
            "lookup was made), so residents come from the Census table by police force area and age-specific "
            "rates are not given."
        )
        return Population(by_force, None, notes)
    age_areas = _age_areas(backend, codes, notes)
    by_age = _by_age(backend, age_areas, notes) if age_areas else None
    return Population(all_ages, by_age, notes)
