"""The "rates" document: each area's ratio to White with honest uncertainty (`scrutiny bias --test rates`).

Per area and group: the searches, the ratio of the group's search rate per resident to White people's, the Wald
interval the metrics document gives (metrics.intervals.rate_ratio, docs/metrics.md) and the exact conditional
interval beside it (metrics.intervals.exact_rate_ratio); the same ratio under other denominators, side by side,
because the choice of denominator moves a ratio more than chance does; and, over a force's areas, how sure the
areas' order by ratio is (metrics.rank_stability).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from scrutiny.bias.inputs import Exposure, read_exposure_csv
from scrutiny.bias.outcome_test import NO_AREA, outcome_counts
from scrutiny.metrics import counts
from scrutiny.metrics import standardised as std
from scrutiny.metrics.categories import GROUPS, PERSON_TYPES
from scrutiny.metrics.coverage import covered_months
from scrutiny.metrics.intervals import exact_rate_ratio, rate_ratio
from scrutiny.metrics.population import AGE_BANDS, Population, population, scope_areas
from scrutiny.metrics.rank_stability import DEFAULT_DRAWS, DEFAULT_SEED, AreaRatio, RankTable, rank_stability
from scrutiny.metrics.scope import Scope, in_scope, scope_json
from scrutiny.vocab.ethnicity import COMPARED, REFERENCE
from scrutiny.vocab.suppression import RATIO_MIN_SEARCHES

TEST = "rates"
YOUNG_BANDS = ("10-17", "18-24", "25-34")  # the Census age bands summed for residents aged 10-34
assert set(YOUNG_BANDS) <= set(AGE_BANDS)

SCENARIOS = {
    "residents": "Census 2021 usual residents of all ages; all person searches of the group",
    "aged_10_34": "Census 2021 residents aged 10 to 34 (the 10-17, 18-24 and 25-34 bands); only person searches "
                  "of people recorded as aged 10-17, 18-24 or 25-34",
    "exposure": "the user's exposure table; all person searches of the group",
}
ASSUMPTIONS = (
    "Each area's searches of a group are a Poisson count whose mean is the group's rate times its denominator, "
    "independently of other areas and groups.",
    "The denominator (residents, residents aged 10 to 34, or the user's exposure) is known exactly and is the "
    "right measure of the people who could be searched.",
    "Recorded ethnicity is right; searches of unknown ethnicity are left out of every count.",
)
CAN_SHOW = (
    "Whether a group is searched more often per resident than White people in an area, with two 95% intervals "
    "for chance alone: the usual Wald interval and an exact one that stays honest with few searches.",
    "How much the ratio depends on the denominator: all residents, residents aged 10 to 34 (the ages most "
    "searched), or a table of exposure the user trusts more.",
    "How sure a ranking of areas is: each area's rank with a 95% interval, and the chance it is the highest.",
)
CANNOT_SHOW = (
    "Why a group is searched more: residents are not the people out in public where officers patrol, and no "
    "denominator here measures who officers actually encounter.",
    "Error in the Census or in recorded ethnicity: the intervals reflect only the randomness of the search counts.",
    "That the highest-ranked area is the worst place for bias: a ratio describes searches per resident, not "
    "their grounds.",
)
METHOD = (
    "For each area and group, the ratio is the group's person searches per resident divided by White people's. "
    "The Wald interval is exp(ln r ± 1.96 √(1/a + 1/c)), the interval of the metrics document (docs/metrics.md). "
    "The exact interval conditions on the total a + c: a is then binomial with p = r·Eₐ / (r·Eₐ + E_c), and the "
    "Clopper-Pearson limits for p (Clopper and Pearson, Biometrika 1934) mapped to r give an interval whose "
    "coverage is at least 95% whatever the counts, the interval of R's poisson.test for two rates. Both are "
    f"withheld below {RATIO_MIN_SEARCHES} searches on either side. The ratio is also given with residents aged 10 "
    "to 34 as the denominator, counting only searches of people recorded at those ages, so that numerator and "
    "denominator are the same people (searches with no age, and of children under 10 and adults over 34, are "
    "left out of that scenario); and with the user's exposure table when one is given. The rank of each area by "
    "its ratio is simulated: every search count is redrawn from its gamma posterior (Jeffreys prior), the ratios "
    "recomputed and the areas ranked again, 2,000 times with a fixed seed, as Marshall and Spiegelhalter (BMJ "
    "1998; 317:1701) did for league tables of clinics: the 2.5th and 97.5th percentiles of the simulated ranks "
    "are the rank's interval, and the share of draws in which an area comes first its chance of being highest."
)


@dataclass
class Inputs:
    """Counts and denominators of the scope's own areas, and what a reader must know about them."""

    areas: list[str]
    names: dict[str, str]
    searches: dict[tuple[str, str], int]  # (area, group) -> person searches
    young_searches: dict[tuple[str, str], int]  # (area, group) -> person searches of people aged 10-34
    residents: dict[str, dict[str, int]]  # area -> group -> Census residents, all ages
    young_residents: dict[str, dict[str, int]]  # area -> group -> Census residents aged 10-34
    exposure: Exposure | None
    notes: list[str] = field(default_factory=list)


def _young_counts(backend: ibis.BaseBackend, scope: Scope) -> dict[tuple[str, str], int]:
    """Person searches of people recorded aged 10 to 34, by area and group."""
    stops = backend.table("stop_search")
    person = in_scope(stops, scope).filter(stops.search_type.isin(PERSON_TYPES), stops.age_range.isin(YOUNG_BANDS),
                                           stops.area_code.notnull())
    keyed = person.mutate(group=person[scope.group_column])
    frame = keyed.group_by(["area_code", "group"]).aggregate(n=keyed.count()).to_pandas()
    return {(str(a), str(g)): int(n) for a, g, n in zip(frame.area_code, frame.group, frame.n, strict=True)
            if g in GROUPS}


def _young_residents(pop: Population, areas: list[str], notes: list[str]) -> dict[str, dict[str, int]]:
    """Residents aged 10-34 per area from the Census by age (metrics.population's age units); a unit that holds
    several of the scope's areas cannot be split, so those areas have none."""
    if pop.age_units is None:
        return {}
    out: dict[str, dict[str, int]] = {}
    for unit in pop.age_units:
        parts = unit.label.split("+")
        inside = [p for p in parts if p in areas]
        if len(inside) != 1:
            if inside:
                notes.append(f"The Census by age publishes {' and '.join(parts)} only together: residents aged 10 "
                             "to 34 are not given for them separately.")
            continue
        out[inside[0]] = {g: sum(int(unit.residents.get((band, g), 0)) for band in YOUNG_BANDS) for g in GROUPS}
        if len(parts) > 1:
            others = " and ".join(p for p in parts if p != inside[0])
            notes.append(f"The Census by age publishes {' and '.join(parts)} only together: {inside[0]}'s residents "
                         f"aged 10 to 34 include those of {others}.")
    return out


def _search_notes(frame: pd.DataFrame, areas: list[str]) -> list[str]:
    notes = []
    unknown = int(frame[~frame.group.isin(GROUPS)].searches.sum())
    if unknown:
        notes.append(f"{unknown:,} person searches of unknown ethnicity are left out.")
    no_area = int(frame[frame.area_code == NO_AREA].searches.sum())
    if no_area:
        notes.append(f"{no_area:,} person searches with no location, or outside every loaded boundary, are left out.")
    elsewhere = frame[(frame.area_code != NO_AREA) & ~frame.area_code.isin(areas)]
    if int(elsewhere.searches.sum()):
        codes = sorted(set(elsewhere.area_code))
        notes.append(f"{int(elsewhere.searches.sum()):,} person searches in areas outside the scope's own "
                     f"({', '.join(codes[:10])}{' …' if len(codes) > 10 else ''}) are left out: their residents "
                     "are not the people these forces police.")
    return notes


def read_inputs(backend: ibis.BaseBackend, scope: Scope, exposure_csv: Path | None) -> Inputs:
    """The scope's own areas (the area, or the forces' local authorities), their searches and denominators."""
    exposure = read_exposure_csv(exposure_csv) if exposure_csv is not None else None
    frame = outcome_counts(backend, scope, by_area=True)
    areas = scope_areas(backend, scope)
    pop = population(backend, scope, covered_months(counts.force_months(backend, scope)))
    notes = list(pop.notes)
    searches = {(str(a), str(g)): int(n) for a, g, n in zip(frame.area_code, frame.group, frame.searches,
                                                             strict=True)}
    residents = {a: pop.all_ages[a] for a in areas if a in pop.all_ages}
    missing = [a for a in areas if a not in residents]
    if missing and residents:
        notes.append(f"No Census residents loaded for {', '.join(missing)}: no ratios there.")
    young = _young_residents(pop, areas, notes)
    if exposure is not None:
        uncovered = [a for a in areas if not any((a, g) in exposure.values for g in GROUPS)]
        if uncovered:
            notes.append(f"{exposure.source} has no rows for {len(uncovered)} of the {len(areas)} areas "
                         f"({', '.join(uncovered[:10])}{' …' if len(uncovered) > 10 else ''}): no exposure ratio "
                         "there.")
    notes += _search_notes(frame, areas)
    return Inputs(areas, counts.area_names(backend, areas), searches, _young_counts(backend, scope), residents,
                  young, exposure, notes)


def _interval(low: float | None, high: float | None) -> dict[str, float | None]:
    return {"low": low, "high": high}


def ratio_entry(a: int, c: int, exposure_a: float | None, exposure_c: float | None) -> dict[str, Any]:
    """One ratio to White with both intervals, as every scenario shows it; null figures when suppressed or when a
    denominator is missing."""
    wald = rate_ratio(a, exposure_a, c, exposure_c)
    entry: dict[str, Any] = {"searches": a, "white_searches": c, "denominator": exposure_a,
                             "white_denominator": exposure_c, "ratio": wald.value,
                             "wald": _interval(wald.ci_low, wald.ci_high), "exact": _interval(None, None),
                             "suppressed": wald.suppressed}
    if wald.value is not None and exposure_a and exposure_c:
        entry["exact"] = _interval(*exact_rate_ratio(a, exposure_a, c, exposure_c))
    return entry


def _denominator(table: dict[str, dict[str, int]]) -> Callable[[str, str], float | None]:
    def get(area: str, group: str) -> float | None:
        value = table.get(area, {}).get(group)
        return None if value is None else float(value)

    return get


def _standardised(area: dict[str, Any] | None, group: str) -> dict[str, Any] | None:
    """The group's age-sex standardised ratio in an area (metrics.standardised), None where it was refused."""
    if area is None or not area["available"]:
        return None
    found: dict[str, Any] | None = area["groups"].get(group)
    return found


def _group_entry(inputs: Inputs, area: str, group: str, standard: dict[str, Any] | None = None) -> dict[str, Any]:
    a, c = inputs.searches.get((area, group), 0), inputs.searches.get((area, REFERENCE), 0)
    residents = _denominator(inputs.residents)
    young = _denominator(inputs.young_residents)
    main = ratio_entry(a, c, residents(area, group), residents(area, REFERENCE))
    exposure = None
    if inputs.exposure is not None:
        values = inputs.exposure.values
        exposure = ratio_entry(a, c, values.get((area, group)), values.get((area, REFERENCE)))
    aged = ratio_entry(inputs.young_searches.get((area, group), 0), inputs.young_searches.get((area, REFERENCE), 0),
                       young(area, group), young(area, REFERENCE))
    return {"group": group, "searches": a, "white_searches": c, "ratio": main["ratio"], "wald": main["wald"],
            "exact": main["exact"], "suppressed": main["suppressed"],
            "scenarios": {"residents": main, "aged_10_34": aged, "exposure": exposure},
            "standardised": _standardised(standard, group)}


def _rankings(inputs: Inputs) -> dict[str, RankTable]:
    """Per group, the areas ranked by their ratio to White per resident."""
    residents = _denominator(inputs.residents)
    tables = {}
    for group in COMPARED:
        rows = [AreaRatio(area, inputs.searches.get((area, group), 0), residents(area, group),
                          inputs.searches.get((area, REFERENCE), 0), residents(area, REFERENCE))
                for area in inputs.areas]
        tables[group] = rank_stability(rows, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED)
    return tables


def _refusals(inputs: Inputs) -> list[str]:
    if not inputs.areas:
        return ["The scope has no local authorities in the force lookup (British Transport Police polices no "
                "resident population), so there are no areas to give ratios for."]
    if not inputs.residents:
        return ["No Census residents are loaded for the scope's areas, so no ratio per resident can be given."]
    return []


def rates_document(backend: ibis.BaseBackend, scope: Scope, exposure_csv: Path | None = None) -> dict[str, Any]:
    """The rates document for a resolved scope (`resolve_scope`): for each of its own areas (the area, or the
    forces' local authorities) and each group, the ratio to White with its Wald and exact intervals under each
    denominator (Census residents, residents aged 10-34, and `exposure_csv` when given: a CSV with columns
    area_code, group, exposure), and over several areas each area's rank with its interval. A bad exposure file
    raises BadInput naming the line."""
    inputs = read_inputs(backend, scope, exposure_csv)
    refused = _refusals(inputs)
    ranks = _rankings(inputs) if len(inputs.areas) > 1 and not refused else {}
    notes = list(inputs.notes)
    for group, table in ranks.items():
        notes += [f"{group}: {n}" for n in table.notes]
    if len(inputs.areas) == 1:
        notes.append("One area: there is nothing to rank it against.")
    standard = std.standardised_ratios(backend, scope, inputs.areas) if not refused else {}
    areas = []
    for area in inputs.areas:
        rank = {g: (found.to_dict() if (found := t.of(area)) else None) for g, t in ranks.items()} if ranks else None
        mine = standard.get(area)
        areas.append({"area_code": area, "area_name": inputs.names.get(area, area),
                      "groups": [_group_entry(inputs, area, g, mine) for g in COMPARED], "rank": rank,
                      "standardised": None if mine is None else {
                          "available": mine["available"], "refused": mine["refused"], "notes": mine["notes"],
                          "left_out": mine.get("left_out")}})
    return {
        "test": TEST,
        "scope": scope_json(scope),
        "available": not refused,
        "refused": refused,
        "figures": {
            "areas": areas if not refused else [],
            "scenarios": dict(SCENARIOS),
            "exposure_source": inputs.exposure.source if inputs.exposure is not None else None,
            "ranking": {"basis": "residents", "draws": DEFAULT_DRAWS, "seed": DEFAULT_SEED, "level": 0.95,
                        "ranked": {g: len(t.ranked) for g, t in ranks.items()}} if ranks else None,
            "intervals": {"wald": "Wald 95% interval on the log scale, as in the metrics document",
                          "exact": "exact conditional 95% interval (Clopper-Pearson, as R's poisson.test)"},
        },
        "assumptions": [*ASSUMPTIONS, *std.ASSUMPTIONS],
        "can_show": [*CAN_SHOW, *std.CAN_SHOW],
        "cannot_show": [*CANNOT_SHOW, *std.CANNOT_SHOW[1:]],  # its first is our first, in other words
        "notes": notes,
        "method": f"{METHOD} {std.METHOD}",
    }


def areas_by_ratio(doc: dict[str, Any], group: str) -> list[dict[str, Any]]:
    """One group's rows of a rates document for a table: each area's entry and rank, areas with a ratio highest
    first, then those without one by name (the one order the CLI, the dashboard and the report show)."""
    rows = []
    for area in doc["figures"]["areas"]:
        entry = next(g for g in area["groups"] if g["group"] == group)
        rows.append({"area": area, "entry": entry, "rank": (area.get("rank") or {}).get(group)})
    rows.sort(key=lambda r: (r["entry"]["ratio"] is None, -(r["entry"]["ratio"] or 0.0), r["area"]["area_name"]))
    return rows
