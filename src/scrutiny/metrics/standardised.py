"""Each group's search rate against White's, directly standardised for age and sex to the area's own residents.

A crude rate ratio compares groups of different make-up: a group with more young men is searched more per
resident even if a young man of any group is searched as often. Direct standardisation asks instead what each
group's rate would be if it had the age and sex make-up of the whole area: SR_g = Σ_k w_k a_gk / R_gk over the
strata k (the five published age bands x female, male), w_k the share of the area's residents (all groups) in
stratum k, a_gk the group's person searches and R_gk its Census 2021 residents there. The ratio SR_g / SR_White
has a 95% interval from the delta method on the log scale (see METHOD).

Residents are not weighted by person-months here (metrics.population does that for rates): an area's residents
all count for the months of the same forces, so the weight is one factor common to every stratum and group,
and it cancels from the weights w_k, from the ratio and from its interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd
from ibis import _

from scrutiny.metrics.categories import PERSON_TYPES
from scrutiny.metrics.intervals import Z95
from scrutiny.metrics.population import AGE_SOURCE, MERGED_SHARE_NEEDED, all_ages_by_area
from scrutiny.metrics.scope import Scope, in_scope, resolve_scope, scope_json
from scrutiny.vocab import numbers
from scrutiny.vocab.ages import AGE_RANGES
from scrutiny.vocab.ethnicity import COMPARED, GROUPS, REFERENCE
from scrutiny.vocab.suppression import RATIO_MIN_SEARCHES, ratio_suppressed

TEST = "age_sex_standardised"
SEXES = ("Female", "Male")  # the Census's words, and the published `Gender` values that match them
# The published age ranges as Census single years of age (100 is "100 or over").
BANDS: dict[str, tuple[int, int]] = {"under 10": (0, 9), "10-17": (10, 17), "18-24": (18, 24),
                                     "25-34": (25, 34), "over 34": (35, 100)}
STRATA = tuple((band, sex) for band in BANDS for sex in SEXES)

METHOD = (
    "Direct standardisation to the area's own residents: in each of ten strata (the five published age "
    "ranges, under 10 to over 34, by female and male) a group's rate is its person searches of that age and "
    "sex divided by its Census 2021 residents of that age and sex; the standardised rate is the sum of those "
    "rates weighted by the share of all the area's residents in each stratum, and the ratio is a group's "
    "standardised rate divided by White people's. Its 95% interval is exp(ln ratio ± 1.96 √(V_g/SR_g² + "
    "V_W/SR_W²)), with V = Σ w_k² a_k / R_k² the Poisson variance of a directly standardised rate (Breslow "
    "and Day 1987, Statistical Methods in Cancer Research II, IARC Sci. Publ. 82, ch. 2) taken to the log "
    "scale by the delta method (Elandt-Johnson and Johnson 1980, Survival Models and Data Analysis, pp. "
    "70-71), as in the lognormal limits of SAS/STAT's STDRATE procedure for the ratio of two directly "
    "standardised rates. It treats residents as known and the two groups' counts as independent."
)
ASSUMPTIONS = [
    "Census 2021 residents of each age and sex stand for the people of that age and sex whom the police could "
    "search in the area.",
    "Published age ranges and genders are right, and a recorded gender of Female or Male matches the Census's "
    "sex.",
    "Search counts vary by chance as Poisson counts; residents are known exactly.",
    "The searches used are those of the scope's forces, months and lens placed in the area.",
]
CAN_SHOW = [
    "Whether a group is searched more or less often than White people once the area's groups are compared at "
    "the same age and sex make-up.",
    "How much of a crude ratio is owed to one group being younger or more male than another (compare "
    "crude_ratio with ratio).",
]
CANNOT_SHOW = [
    "Why a group is searched more often: residents are not the people out in public where officers patrol.",
    "Anything about searches with no recorded age or gender, or gender Other: they are left out.",
    "Differences within an age range (a 25-year-old and a 34-year-old count alike) or by anything but age "
    "and sex.",
]


# ---------------------------------------------------------------- the arithmetic (pure)


@dataclass
class AreaCounts:
    """One area's inputs: person searches and Census residents by (group, age range, sex)."""

    searches: Mapping[tuple[str, str, str], int]
    residents: Mapping[tuple[str, str, str], int]


@dataclass
class AreaFigures:
    groups: dict[str, dict[str, Any]]
    weights: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def _weights(residents: Mapping[tuple[str, str, str], int]) -> dict[tuple[str, str], float]:
    """Each stratum's share of all the area's residents."""
    totals = {k: sum(residents.get((g, *k), 0) for g in GROUPS) for k in STRATA}
    whole = sum(totals.values())
    return {k: totals[k] / whole for k in STRATA}


def _rate(counts: AreaCounts, group: str, kept: list[tuple[str, str]],
          w: Mapping[tuple[str, str], float]) -> tuple[float, float]:
    """Standardised rate Σ w_k a_k / R_k over the kept strata (weights renormalised) and its variance."""
    total = sum(w[k] for k in kept)
    rate = sum(w[k] / total * counts.searches.get((group, *k), 0) / counts.residents[(group, *k)] for k in kept)
    variance = sum((w[k] / total) ** 2 * counts.searches.get((group, *k), 0) / counts.residents[(group, *k)] ** 2
                   for k in kept)
    return rate, variance


def _crude(counts: AreaCounts, group: str, kept: list[tuple[str, str]]) -> tuple[int, int]:
    return (sum(counts.searches.get((group, *k), 0) for k in kept),
            sum(counts.residents.get((group, *k), 0) for k in kept))


def _compare(counts: AreaCounts, group: str, w: Mapping[tuple[str, str], float]) -> tuple[dict[str, Any], str | None]:
    """One group against White over the strata where both have residents; a note when strata are dropped."""
    kept = [k for k in STRATA if counts.residents.get((group, *k), 0) > 0
            and counts.residents.get((REFERENCE, *k), 0) > 0 and w[k] > 0]
    dropped = [k for k in STRATA if k not in kept and w[k] > 0]
    note = None
    if dropped:
        lost = sum(counts.searches.get((g, *k), 0) for k in dropped for g in (group, REFERENCE))
        names = ", ".join(f"{sex.lower()} {band}" for band, sex in dropped)
        note = (f"{group} against White leaves out {len(dropped)} age and sex group(s) ({names}) where the Census "
                f"counts no {group} or no White residents, and the {lost:,} searches there.")
    a, pop_a = _crude(counts, group, kept)
    c, pop_c = _crude(counts, REFERENCE, kept)
    row: dict[str, Any] = {"ratio": None, "low": None, "high": None, "crude_ratio": None,
                           "suppressed": ratio_suppressed(a, c), "searches_used": a}
    if row["suppressed"]:
        return row, note
    sr_g, var_g = _rate(counts, group, kept, w)
    sr_w, var_w = _rate(counts, REFERENCE, kept, w)
    ratio = sr_g / sr_w
    spread = Z95 * math.sqrt(var_g / sr_g**2 + var_w / sr_w**2)
    row.update(ratio=ratio, low=math.exp(math.log(ratio) - spread), high=math.exp(math.log(ratio) + spread),
               crude_ratio=(a / pop_a) / (c / pop_c))
    return row, note


def standardise(counts: AreaCounts) -> AreaFigures:
    """Every group's age-sex standardised ratio to White in one area (pure: counts in, figures out).

    Strata where the group or White has no residents (Census rounding and `c` cells) are left out of that
    comparison, with the weights renormalised over the rest, since a rate there has no denominator. A ratio
    resting on fewer than RATIO_MIN_SEARCHES searches of the group or of White is suppressed."""
    if sum(counts.residents.values()) <= 0:
        raise ValueError("no residents: an area without Census residents by age and sex has no standard")
    w = _weights(counts.residents)
    figures = AreaFigures({}, [{"age_range": band, "sex": sex, "weight": w[(band, sex)]} for band, sex in STRATA])
    for group in COMPARED:
        row, note = _compare(counts, group, w)
        figures.groups[group] = row
        if note:
            figures.notes.append(note)
    white_used = sum(n for (g, band, sex), n in counts.searches.items()
                     if g == REFERENCE and counts.residents.get((g, band, sex), 0) > 0)
    suppressed = ratio_suppressed(white_used)
    figures.groups[REFERENCE] = {"ratio": None if suppressed else 1.0, "low": None, "high": None,
                                 "crude_ratio": None if suppressed else 1.0, "suppressed": suppressed,
                                 "searches_used": white_used}
    return figures


# ---------------------------------------------------------------- reading the warehouse


def _searches(backend: ibis.BaseBackend, scope: Scope, search_codes: dict[str, list[str]]) -> pd.DataFrame:
    """Person searches in scope by area, group, published age range and gender (a small grouped result)."""
    wanted = sorted({c for parts in search_codes.values() for c in parts})
    stops = in_scope(backend.table("stop_search"), scope)
    keyed = stops.filter(stops.area_code.isin(wanted), stops.search_type.isin(PERSON_TYPES)).mutate(
        group=stops[scope.group_column])
    frame: pd.DataFrame = keyed.group_by(["area_code", "group", "age_range", "gender"]).aggregate(
        n=keyed.count()).to_pandas()
    return frame


def _residents(backend: ibis.BaseBackend, codes: list[str]) -> pd.DataFrame:
    """Census residents by age-table area, age range, sex and group; rows with no sex are an older load's."""
    table = backend.table("population")
    band = ibis.cases(*[(table.age.between(lo, hi), name) for name, (lo, hi) in BANDS.items()], else_=None)
    frame: pd.DataFrame = (
        table.filter(table.source == AGE_SOURCE, table.census_year == 2021, table.area_code.isin(codes),
                     table.age.notnull())
        .mutate(band=band)
        .group_by(["area_code", "band", "sex", "ethnic_group"])
        .aggregate(residents=_.residents.sum(), suppressed=_.suppressed_cells.sum())
        .to_pandas()
    )
    return frame


def _age_table_codes(backend: ibis.BaseBackend, areas: list[str]) -> tuple[dict[str, str | None], dict[str, str]]:
    """Each area's code in the Census by age (its own, or the pair the Census publishes it in when it holds at
    least MERGED_SHARE_NEEDED of the pair's residents), None when there is none; and notes saying so."""
    if "population" not in backend.list_tables():
        return dict.fromkeys(areas), {}
    table = backend.table("population")
    available = set(table.filter(table.source == AGE_SOURCE).select("area_code").distinct().to_pandas().area_code)
    chosen: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    for area in areas:
        merged = next((m for m in sorted(available) if area in m.split("+")), None)
        if area in available or merged is None:
            chosen[area] = area if area in available else None
            continue
        parts = merged.split("+")
        people = {p: sum(g.values()) for p, g in all_ages_by_area(backend, parts).items()}
        whole = sum(people.values())
        share = people.get(area, 0) / whole if whole else 0.0
        chosen[area] = merged if share >= MERGED_SHARE_NEEDED else None
        if chosen[area]:
            notes[area] = (f"The Census by age publishes {' and '.join(parts)} only together; their residents "
                           f"stand in for the area's ({numbers.pct(share)} of them live in it).")
    return chosen, notes


def _area_counts(searches: pd.DataFrame, residents: pd.DataFrame, search_parts: list[str],
                 age_code: str) -> tuple[AreaCounts, dict[str, int], int]:
    """One area's counts for `standardise`, what was left out of its searches, and suppressed Census cells."""
    mine = searches[searches.area_code.isin(search_parts)]
    known_group = mine.group.isin(GROUPS)
    known_age = mine.age_range.isin(AGE_RANGES)
    known_sex = mine.gender.isin(SEXES)
    used = mine[known_group & known_age & known_sex]
    grouped = used.groupby(["group", "age_range", "gender"], as_index=False)[["n"]].sum()
    left_out = {
        "person_searches": int(mine.n.sum()),
        "unknown_ethnicity": int(mine.n[~known_group].sum()),
        "no_age": int(mine.n[known_group & ~known_age].sum()),
        "no_gender": int(mine.n[known_group & mine.gender.isna()].sum()),
        "gender_other": int(mine.n[known_group & mine.gender.notna() & ~known_sex].sum()),
        "no_age_or_sex": int(mine.n[known_group & ~(known_age & known_sex)].sum()),
    }
    theirs = residents[(residents.area_code == age_code) & residents.band.notna()]
    people = theirs.groupby(["ethnic_group", "band", "sex"], as_index=False)[["residents"]].sum()
    return (AreaCounts(_keyed(grouped, ["group", "age_range", "gender", "n"]),
                       _keyed(people, ["ethnic_group", "band", "sex", "residents"])),
            left_out, int(theirs.suppressed.sum()))


def _keyed(frame: pd.DataFrame, columns: list[str]) -> dict[tuple[str, str, str], int]:
    """(group, age range, sex) -> count, from a grouped frame's three key columns and its count column."""
    g, b, s, n = (frame[c] for c in columns)
    return {(str(x), str(y), str(z)): int(v) for x, y, z, v in zip(g, b, s, n, strict=True)}


def _refused(area: str, reason: str) -> dict[str, Any]:
    return {"area_code": area, "available": False, "refused": [reason], "groups": {}, "weights": [],
            "left_out": {}, "notes": []}


def _left_out_notes(left: dict[str, int]) -> list[str]:
    notes = []
    if left["unknown_ethnicity"]:
        notes.append(f"{left['unknown_ethnicity']:,} of {left['person_searches']:,} person searches have no "
                     "recorded ethnicity and are left out.")
    if left["no_age_or_sex"]:
        notes.append(f"{left['no_age_or_sex']:,} person searches of a known group are left out for want of an age "
                     f"or sex (no age range {left['no_age']:,}, no gender {left['no_gender']:,}, gender Other "
                     f"{left['gender_other']:,}, some lacking both): the standardised ratios cover only searches "
                     "with a known age and sex.")
    return notes


def standardised_ratios(backend: ibis.BaseBackend, scope: Scope, areas: list[str]) -> dict[str, dict[str, Any]]:
    """Age-sex standardised ratios to White for each area code in `areas`, from the scope's person searches.

    `scope` gives the forces, months, ethnicity basis and lens (its own area, if any, narrows the searches too);
    `areas` are local authority codes (E09..., or a Census pair such as E09000001+E09000033). Returns, per area
    code: `available` and `refused` (why not, e.g. no Census by age and sex loaded for it), `groups` ({group:
    {ratio, low, high, crude_ratio, suppressed, searches_used}}, White's ratio 1.0; crude_ratio is the
    unstandardised ratio over the same searches and residents), `weights` (each age range and sex's share of
    the area's residents), `left_out` (person searches not used, by reason) and `notes`.
    """
    return _ratios(backend, resolve_scope(backend, scope), areas)


def _ratios(backend: ibis.BaseBackend, scope: Scope, areas: list[str]) -> dict[str, dict[str, Any]]:
    wanted = list(dict.fromkeys(areas))
    search_codes = {a: a.split("+") for a in wanted}
    age_codes, merge_notes = _age_table_codes(backend, wanted)
    codes = sorted({c for c in age_codes.values() if c})
    residents = _residents(backend, codes) if codes else pd.DataFrame(
        columns=["area_code", "band", "sex", "ethnic_group", "residents", "suppressed"])
    searches = _searches(backend, scope, search_codes)
    out: dict[str, dict[str, Any]] = {}
    for area in wanted:
        age_code = age_codes[area]
        if age_code is None:
            out[area] = _refused(area, f"No Census by age and sex is loaded for {area}.")
            continue
        theirs = residents[residents.area_code == age_code]
        if len(theirs) and theirs.sex.isna().all():
            out[area] = _refused(area, "The Census by age and sex here was loaded by a Scrutiny that did not keep "
                                       "residents' sex; load it into a new warehouse to standardise for sex.")
            continue
        counts, left, hidden = _area_counts(searches, residents, search_codes[area], age_code)
        if sum(counts.residents.values()) <= 0:
            out[area] = _refused(area, f"The Census by age and sex counts no residents in {area}.")
            continue
        figures = standardise(counts)
        notes = ([merge_notes[area]] if area in merge_notes else []) + _left_out_notes(left) + figures.notes
        if hidden:
            notes.append(f"The Census hides {hidden:,} small cells of residents by age and sex here (counted as "
                         "0), so some strata's residents are slightly low.")
        out[area] = {"area_code": area, "available": True, "refused": [], "groups": figures.groups,
                     "weights": figures.weights, "left_out": left, "notes": notes}
    return out


def standardised_document(backend: ibis.BaseBackend, scope: Scope, areas: list[str]) -> dict[str, Any]:
    """`standardised_ratios` as a test-of-bias document (the keys every such document has): `figures` holds
    {"areas": standardised_ratios(...)}; `available` is false when no area could be standardised."""
    resolved = resolve_scope(backend, scope)
    figures = _ratios(backend, resolved, areas)
    available = any(a["available"] for a in figures.values())
    refused = [] if available else [r for a in figures.values() for r in a["refused"]] or ["No area was given."]
    notes = [f"{code}: {n}" for code, a in figures.items() for n in a["notes"]]
    notes.append(f"A ratio resting on fewer than {RATIO_MIN_SEARCHES} searches of the group or of White people is "
                 "not shown.")
    return {"test": TEST, "scope": scope_json(resolved), "available": available, "refused": refused,
            "figures": {"areas": figures}, "assumptions": ASSUMPTIONS, "can_show": CAN_SHOW,
            "cannot_show": CANNOT_SHOW, "notes": notes, "method": METHOD}
