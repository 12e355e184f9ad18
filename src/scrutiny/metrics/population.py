"""Census 2021 residents for a scope, counted in person-months: the denominators of every rate.

A force's residents are the sum of its local authorities (the ONS lookup), an area's its own. Of the all-ages
tables, TS022 (unrounded) is preferred where it covers an authority, else the 19-group table; a force whose
authorities' codes changed after the lookup was made (Northamptonshire) takes the table by police force area.

A month a force publishes nothing is missing, not zero, so residents count only for the months their force
covers: a force with 3 of 12 months counts a quarter of its residents. Each block of residents (a force's, or
the area's) is a `Unit` tied to the forces whose months decide its weight, and every total is exact (a
Fraction until it is reported). A force with no residents (British Transport Police) adds none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

import ibis
from ibis import _

from scrutiny.catalog import forces
from scrutiny.metrics.scope import Scope, of_force
from scrutiny.metrics.warehouse_backend import per_version
from scrutiny.vocab import numbers
from scrutiny.vocab.areas import region_prefix

ALL_AGES_SOURCES = ("census_ts022", "census_19_groups")  # in order of preference
AGE_SOURCE = "census_age_sex"
FORCE_AREA_SOURCE = "census_pfa_5_groups"
AGE_BANDS = {"10-17": (10, 17), "18-24": (18, 24), "25-34": (25, 34), "over 34": (35, 200)}
MERGED_SHARE_NEEDED = 0.95

Number = int | float


def exact_number(value: Fraction) -> Number:
    """A whole number as an int, anything else as the nearest float (person-months rarely divide evenly)."""
    return int(value) if value.denominator == 1 else float(value)


@dataclass(frozen=True)
class Unit:
    """Residents that count in the months `forces` cover."""

    label: str  # a force id, an area code or an age-table area code
    forces: frozenset[str]
    residents: dict[Any, int] = field(hash=False)  # group -> residents; (band, group) -> residents for age


@dataclass
class Population:
    units: list[Unit]  # all ages, by group
    age_units: list[Unit] | None  # by (age band, group); None where the Census by age cannot be used
    coverage: dict[str, frozenset[date]]  # each used force -> the months of the period it covers
    months: list[date]  # the period
    rated_forces: frozenset[str] | None  # forces whose searches enter rates; None: every search in scope
    lookup: dict[str, list[str]] = field(default_factory=dict)  # force -> its local authorities
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    all_ages: dict[str, dict[str, int]] = field(default_factory=dict)  # every authority's residents, as loaded
    _memo: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False)  # figures asked for again

    def covered(self, unit_forces: Iterable[str]) -> frozenset[date]:
        key = ("covered", frozenset(unit_forces))
        if key not in self._memo:
            self._memo[key] = frozenset().union(*(self.coverage.get(f, frozenset()) for f in key[1]))
        found: frozenset[date] = self._memo[key]  # type: ignore[assignment]
        return found

    def weight(self, unit: Unit, window: Sequence[date] | None = None) -> Fraction:
        window = self.months if window is None else window
        if not window:
            return Fraction(0)
        return Fraction(len(self.covered(unit.forces).intersection(window)), len(window))

    def _sum(self, units: list[Unit], key: object, window: Sequence[date] | None) -> Number | None:
        if not units:
            return None
        span = None if window is None else tuple(window)
        if span is not None and self.covered(self._forces(units)).isdisjoint(span):
            return 0  # no unit's forces cover a month of it: every weight is 0 (a 2,000-year trend's windows)
        memo = ("sum", id(units), key, span)
        if memo not in self._memo:
            by_weight: dict[Fraction, int] = {}  # units sharing a weight are summed first: few Fractions
            for u in units:
                w = self._unit_weight(u, span)
                by_weight[w] = by_weight.get(w, 0) + u.residents.get(key, 0)
            self._memo[memo] = exact_number(sum((w * n for w, n in by_weight.items()), Fraction(0)))
        found: Number = self._memo[memo]  # type: ignore[assignment]
        return found

    def _forces(self, units: list[Unit]) -> frozenset[str]:
        """Every force whose months weigh one of `units`."""
        memo = ("forces", id(units))
        if memo not in self._memo:
            self._memo[memo] = frozenset(f for u in units for f in u.forces)
        found: frozenset[str] = self._memo[memo]  # type: ignore[assignment]
        return found

    def _unit_weight(self, unit: Unit, span: tuple[date, ...] | None) -> Fraction:
        memo = ("weight", unit.forces, span)
        if memo not in self._memo:
            self._memo[memo] = self.weight(unit, span)
        found: Fraction = self._memo[memo]  # type: ignore[assignment]
        return found

    def total(self, group: str, window: Sequence[date] | None = None) -> Number | None:
        """Residents of a group × the share of the window their force covers, summed over the units."""
        return self._sum(self.units, group, window)

    def by_age(self, band: str, group: str) -> Number | None:
        if self.age_units is None:
            return None
        return self._sum(self.age_units, (band, group), None)

    def months_covered(self, window: Sequence[date]) -> int:
        """Months of the window covered by a unit's forces (by any used force when there are no units)."""
        forces_ = self._forces(self.units) if self.units else frozenset(self.coverage)
        return len(self.covered(forces_) & set(window))

    def area_forces(self, policing: Iterable[str]) -> frozenset[str]:
        """The used forces that police an area, or every used force when none of them does."""
        mine = frozenset(policing) & frozenset(self.coverage)
        return mine or frozenset(self.coverage)


def scope_areas(backend: ibis.BaseBackend, scope: Scope) -> list[str]:
    """Local authority codes of the scope: the area itself, or the forces' authorities in the lookup."""
    if scope.area is not None:
        return region_members(backend, scope.area)
    if "force_areas" not in backend.list_tables():
        return []
    lookup = backend.table("force_areas")
    return sorted(set(lookup.filter(*of_force(lookup, scope.force)).la_code.to_pandas()))


def force_lookup(backend: ibis.BaseBackend) -> dict[str, list[str]]:
    """Each force in the lookup -> its local authority codes (shared: not to be changed)."""
    return per_version(backend, "force_lookup", lambda: _force_lookup(backend))


def _force_lookup(backend: ibis.BaseBackend) -> dict[str, list[str]]:
    if "force_areas" not in backend.list_tables():
        return {}
    rows = backend.table("force_areas").select("force", "la_code").distinct().to_pyarrow().to_pylist()
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(str(r["force"]), []).append(str(r["la_code"]))
    return {force: sorted(codes) for force, codes in out.items()}


def all_ages_by_area(backend: ibis.BaseBackend, codes: list[str]) -> dict[str, dict[str, int]]:
    """Residents per authority and group, from the preferred all-ages table that covers each authority."""
    if not codes:
        return {}
    wanted = set(codes)
    return {code: groups for code, groups in all_ages_table(backend).items() if code in wanted}


def all_ages_table(backend: ibis.BaseBackend) -> dict[str, dict[str, int]]:
    """Every authority's residents by group, from the preferred all-ages table that covers it (shared: not to be
    changed).

    The all-ages tables hold a few thousand rows: fetch them whole (once per version of the file) and pick here,
    which is faster than sending hundreds of codes to the database.
    """
    return per_version(backend, "all_ages_table", lambda: _all_ages_table(backend))


def _all_ages_table(backend: ibis.BaseBackend) -> dict[str, dict[str, int]]:
    if "population" not in backend.list_tables():
        return {}
    table = backend.table("population")
    rows = (
        table.filter(table.age.isnull(), table.census_year == 2021, table.source.isin(ALL_AGES_SOURCES))
        .group_by(["area_code", "source", "ethnic_group"])
        .aggregate(residents=_.residents.sum())
        .to_pandas()
    )
    rank = rows.source.map({source: i for i, source in enumerate(ALL_AGES_SOURCES)})
    rows = rows[rank == rank.groupby(rows.area_code).transform("min")]
    out: dict[str, dict[str, int]] = {}
    for code, group, residents in zip(rows.area_code, rows.ethnic_group, rows.residents, strict=True):
        out.setdefault(str(code), {})[str(group)] = int(residents)
    return out


def _force_area_totals(backend: ibis.BaseBackend, wanted: list[str]) -> dict[str, dict[str, int]]:
    """Census 2021 residents by police force area code, for forces whose authorities' codes have changed."""
    if not wanted:
        return {}
    table = backend.table("population")
    rows = (
        table.filter(table.source == FORCE_AREA_SOURCE, table.census_year == 2021, table.age.isnull(),
                     table.area_code.isin(wanted))
        .group_by(["area_code", "ethnic_group"])
        .aggregate(residents=_.residents.sum())
        .to_pandas()
    )
    out: dict[str, dict[str, int]] = {}
    for code, group, residents in rows.itertuples(index=False):
        out.setdefault(str(code), {})[str(group)] = int(residents)
    return out


def _age_areas(backend: ibis.BaseBackend, codes: list[str], notes: list[str],
               details: list[str]) -> dict[str, list[str]] | None:
    """The age table's area codes that stand for the scope's authorities (each with the authorities it holds),
    or None if one cannot fairly be used."""
    available = per_version(backend, "age_areas", lambda: _age_table_areas(backend))
    chosen: dict[str, list[str]] = {}
    for code in codes:
        if code in available:
            chosen[code] = [code]
            continue
        merged = next((m for m in available if code in m.split("+")), None)
        if merged is None:
            notes.append("Rates by age are not given: the Census by age does not cover every area here.")
            details.append(f"The Census by single year of age has no figures for {code}.")
            return None
        if merged in chosen:
            continue
        parts = merged.split("+")
        residents = all_ages_by_area(backend, parts)
        totals = {p: sum(residents.get(p, {}).values()) for p in parts}
        inside = sum(totals[p] for p in parts if p in codes)
        if sum(totals.values()) == 0 or inside / sum(totals.values()) < MERGED_SHARE_NEEDED:
            notes.append("Rates by age are not given: the Census by age counts this area only together with a "
                         "larger neighbour.")
            details.append(f"The Census by age publishes {' and '.join(parts)} only together, and most of those "
                           "residents are outside this scope.")
            return None
        details.append(f"The Census by age publishes {' and '.join(parts)} only together; age-specific rates use "
                       f"the combined population ({numbers.pct(inside / sum(totals.values()))} of it is in scope).")
        chosen[merged] = [p for p in parts if p in codes]
    return chosen


def _age_table_areas(backend: ibis.BaseBackend) -> frozenset[str]:
    table = backend.table("population")
    return frozenset(table.filter(table.source == AGE_SOURCE).select("area_code").distinct().to_pandas().area_code)


def _by_age(backend: ibis.BaseBackend, areas: list[str], notes: list[str],
            details: list[str]) -> dict[str, dict[tuple[str, str], int]]:
    """Residents by age-table area, age band and group."""
    table = age_bands_table(backend)
    picked = {code: table[code] for code in areas if code in table}
    suppressed = sum(hidden for _residents, hidden in picked.values())
    if suppressed:
        notes.append("Rates by age are slightly too high: the Census hides very small counts of residents by age.")
        details.append(f"The Census by single year of age hides {suppressed:,} small cells in this scope (counted "
                       "as 0), so age-specific populations are slightly low and their rates slightly high.")
    return {code: dict(residents) for code, (residents, _hidden) in picked.items()}


def age_bands_table(backend: ibis.BaseBackend) -> dict[str, tuple[dict[tuple[str, str], int], int]]:
    """Every age-table area's residents by (age band, group), with the Census's hidden cells counted there
    (shared: not to be changed). Like `all_ages_table`, fetched whole once per version of the file: a few
    thousand rows, where a query per document cost a sixth of a force's document."""
    return per_version(backend, "age_bands_table", lambda: _age_bands_table(backend))


def _age_bands_table(backend: ibis.BaseBackend) -> dict[str, tuple[dict[tuple[str, str], int], int]]:
    table = backend.table("population")
    band = ibis.cases(*[(table.age.between(lo, hi), name) for name, (lo, hi) in AGE_BANDS.items()], else_=None)
    rows = (
        table.filter(table.source == AGE_SOURCE, table.age.notnull())
        .mutate(band=band)
        .filter(_.band.notnull())
        .group_by(["area_code", "band", "ethnic_group"])
        .aggregate(residents=_.residents.sum(), suppressed=_.suppressed_cells.sum())
        .to_pandas()
    )
    residents: dict[str, dict[tuple[str, str], int]] = {}
    hidden: dict[str, int] = {}
    for code, b, g, r, s in zip(rows.area_code, rows.band, rows.ethnic_group, rows.residents, rows.suppressed,
                                strict=True):
        residents.setdefault(str(code), {})[(str(b), str(g))] = int(r)
        hidden[str(code)] = hidden.get(str(code), 0) + int(s)  # suppressed_cells is NOT NULL
    return {code: (by_band, hidden[code]) for code, by_band in residents.items()}


def _age_units(backend: ibis.BaseBackend, owners: dict[str, frozenset[str]], notes: list[str],
               details: list[str]) -> list[Unit] | None:
    """Age-band residents per age-table area, each tied to the forces of the authorities it holds."""
    chosen = _age_areas(backend, sorted(owners), notes, details)
    if chosen is None:
        return None
    by_area = _by_age(backend, list(chosen), notes, details)
    units = []
    for code, parts in chosen.items():
        # Ages published for several authorities together (the City with Westminster) cannot be split, so the
        # unit follows the police of its largest part: in a London scope over months the Metropolitan Police
        # covers and the City of London Police does not, the pair counts for the Metropolitan Police's months.
        largest = max(parts, key=lambda p: (sum(all_ages_by_area(backend, [p]).get(p, {}).values()), p)) \
            if len(parts) > 1 else parts[0]
        units.append(Unit(code, owners[largest], dict(by_area.get(code, {}))))
    return units


def population(backend: ibis.BaseBackend, scope: Scope, coverage: dict[str, frozenset[date]]) -> Population:
    """The residents of a checked scope, given the months each of its used forces covers."""
    pop = Population([], None, coverage, scope.months, None)
    if "population" not in backend.list_tables():
        pop.notes.append("No Census population is loaded, so rates and ratios are not given.")
        pop.rated_forces = frozenset(coverage)
        return pop
    lookup = force_lookup(backend)
    pop.lookup = lookup
    pop.all_ages = all_ages_table(backend)
    if scope.area is not None:
        return _area_population(backend, scope, lookup, pop)
    return _forces_population(backend, lookup, pop)


def region_members(backend: ibis.BaseBackend, area: str) -> list[str]:
    """The authorities an area stands for: itself, or a region's authorities with Census residents loaded."""
    prefix = region_prefix(area)
    if prefix is None:
        return [area]
    return sorted(code for code in all_ages_table(backend) if code.startswith(prefix))


def _area_population(backend: ibis.BaseBackend, scope: Scope, lookup: dict[str, list[str]],
                     pop: Population) -> Population:
    """An authority's residents, or a region's: one unit per authority, each weighted by the months the scope's
    forces that police it cover (the area-scope rule)."""
    assert scope.area is not None
    codes = [c for c in region_members(backend, scope.area) if pop.all_ages.get(c)]
    if not codes:
        pop.notes.append(f"No Census population is loaded for {scope.area_name or scope.area}, so rates and ratios "
                         "are not given.")
        pop.details.append(f"No all-ages Census table covers {scope.area}.")
        return pop
    owners = {code: pop.area_forces(f for f, las in lookup.items() if code in las) for code in codes}
    pop.units = [Unit(code, owners[code], pop.all_ages[code]) for code in codes]
    pop.age_units = _age_units(backend, owners, pop.notes, pop.details)
    return pop


@dataclass
class ForceUnits:
    """Each force's residents (a unit per force that has any), and what a reader must know about them."""

    units: list[Unit] = field(default_factory=list)
    owners: dict[str, frozenset[str]] = field(default_factory=dict)  # local authority -> forces summing it
    age_usable: bool = True  # False when a force's residents come from the whole-force table
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def force_units(backend: ibis.BaseBackend, used: list[str], lookup: dict[str, list[str]],
                all_ages: dict[str, dict[str, int]] | None = None) -> ForceUnits:
    """Residents of each force: the sum of its authorities, or its police force area's where their codes
    changed; none for a force with no authorities in the lookup (British Transport Police)."""
    out = ForceUnits()
    all_ages = all_ages_table(backend) if all_ages is None else all_ages
    catalogue = forces()
    for force in used:
        name = catalogue[force].name if force in catalogue else force
        mine = lookup.get(force, [])
        if not mine:
            out.details.append(f"{name} has no local authorities in the force lookup.")
            continue
        if all(c in all_ages for c in mine):
            residents: dict[Any, int] = {}
            for c in mine:
                for group, n in all_ages[c].items():
                    residents[group] = residents.get(group, 0) + n
                out.owners[c] = out.owners.get(c, frozenset()) | {force}
            out.units.append(Unit(force, frozenset({force}), residents))
            continue
        out.age_usable = False
        pfa = catalogue[force].pfa_code if force in catalogue else None
        by_pfa = _force_area_totals(backend, [pfa]) if pfa else {}
        missing = [c for c in mine if c not in all_ages]
        if pfa in by_pfa:
            out.units.append(Unit(force, frozenset({force}), by_pfa[pfa]))
            out.notes.append(f"{name}: residents come from the Census count for the whole force area, so rates by "
                             "age are not given.")
            out.details.append(f"The Census by local authority has no {', '.join(missing)} (their boundaries "
                               "changed after the lookup was made): residents of the police force area are used.")
        else:
            out.notes.append(f"{name}: no Census population is loaded for part of its area, so its searches are "
                             "left out of rates and ratios.")
            out.details.append(f"No Census population loaded for {', '.join(missing)}.")
    return out


def _forces_population(backend: ibis.BaseBackend, lookup: dict[str, list[str]], pop: Population) -> Population:
    used = sorted(pop.coverage)
    found = force_units(backend, used, lookup, pop.all_ages)
    pop.units = found.units
    pop.notes += found.notes
    pop.details += found.details
    pop.rated_forces = frozenset(u.label for u in pop.units) or frozenset(used)
    if not pop.units:
        pop.notes.append("No Census population is loaded for this force's area, so rates and ratios are not given.")
    elif found.age_usable:  # else a note above already says why rates by age are not given
        pop.age_units = _age_units(backend, found.owners, pop.notes, pop.details)
    return pop
