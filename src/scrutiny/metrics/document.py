"""The metrics document (docs/metrics.md; docs/lens-contract.md), from a few grouped
queries.

Every key of the first design's contract keeps its meaning (docs/design-notes.md); `monthly`, `outcomes_by_group`,
`breakdowns`, `trend`, `coverage`, the extra per-area columns and `notes` are additions the report and dashboard
need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import ibis
import pandas as pd

from scrutiny.catalog import force_name
from scrutiny.metrics import counts
from scrutiny.metrics.area_rows import area_rows
from scrutiny.metrics.categories import AGE_RANGES, CHILD_AGES, GROUPS, OUTCOME_CLASSES, targets
from scrutiny.metrics.coverage import as_date, covered_months, scope_coverage
from scrutiny.metrics.crime import crime_for
from scrutiny.metrics.intervals import exact_rate_ratio, rate_per_1000, rate_ratio, share
from scrutiny.metrics.lens import OBJECT_GROUPS, PURPOSE_NAMES, power_names
from scrutiny.metrics.population import AGE_BANDS, Population, population
from scrutiny.metrics.scope import (
    ALL_FORCES,
    Scope,
    in_scope,
    period_rows,
    resolve_scope,
    scope_json,
    stop_table,
)
from scrutiny.metrics.trend import trend
from scrutiny.metrics.use_of_force import stop_ratios_of, use_of_force_for
from scrutiny.metrics.warehouse_backend import compute_metrics_with, per_version
from scrutiny.sources.adapter import SourceKind
from scrutiny.vocab.ethnicity import HEADLINE_GROUP, REFERENCE
from scrutiny.vocab.months import label, ranges
from scrutiny.vocab.outcomes import ARREST, NO_FURTHER_ACTION, UNKNOWN_OUTCOME

Document = dict[str, Any]
T = TypeVar("T")


def _sum(frame: pd.DataFrame, column: str = "n") -> int:
    return int(frame[column].sum())


class Totals(dict[tuple[Any, ...], int]):
    """Sums of `n` by a few columns of a small grouped frame, read by key (0 for a key not there): one pass over
    the rows instead of a pandas filter per figure, which cost more than the figures' queries."""

    @classmethod
    def of(cls, frame: pd.DataFrame, *columns: str) -> Totals:
        totals = cls()
        for *key, n in zip(*(frame[c].tolist() for c in columns), frame["n"].tolist(), strict=True):
            k = tuple(key)
            totals[k] = totals.get(k, 0) + int(n)
        return totals

    def __missing__(self, key: tuple[Any, ...]) -> int:
        return 0


def _object_groups(cube: pd.DataFrame, searches: int) -> dict[str, dict[str, Any]]:
    by_group = Totals.of(cube, "object_group")
    return {g: {"count": by_group[(g,)], "share": share(by_group[(g,)], searches)} for g in OBJECT_GROUPS}


def _targets(scope: Scope, groups: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """The force's own targets, judged only where they mean something: one force, all its searches."""
    force = scope.single_force
    if force is None:
        return [], "Targets are set per force: none is judged for several forces together."
    if scope.lens.active:
        return [], f"Targets are shares of all searches: they are not judged for {scope.lens.describe()} alone."
    own = targets(force)
    if not own:
        return [], f"No targets are on file for {force_name(force)}."
    return [
        {"group": t.group, "op": t.op, "target": t.target, "actual": groups[t.group]["share"],
         "met": None if groups[t.group]["share"] is None else t.met(groups[t.group]["share"])}
        for t in own
    ], None


def _rates(by_class: Totals) -> tuple[float | None, float | None]:
    """Find and arrest rates among searches with a known outcome, from searches by (outcome class,)."""
    known = sum(by_class.values()) - by_class[(UNKNOWN_OUTCOME,)]
    found = known - by_class[(NO_FURTHER_ACTION,)]
    return share(found, known), share(by_class[(ARREST,)], known)


def _outcomes(cube: pd.DataFrame, searches: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    by_class = Totals.of(cube, "outcome_class")
    for c in OUTCOME_CLASSES:
        out[c] = {"count": by_class[(c,)], "share": share(by_class[(c,)], searches)}
    out["find_rate"], out["arrest_rate"] = _rates(by_class)
    published = _sum(cube, "linked_published")
    out["linked_find_rate"] = share(_sum(cube, "linked_true"), published)
    out["linked_coverage"] = share(published, searches)
    return out


def _strip(person: pd.DataFrame, published: bool) -> tuple[int | None, int | None]:
    if not published:
        return None, None
    return _sum(person, "strip_true"), _sum(person[person.age.isin(CHILD_AGES)], "strip_true")


def _disproportionality(rated: pd.DataFrame, pop: Population) -> list[dict[str, Any]]:
    by_group = Totals.of(rated, "group")
    unknown = by_group[("unknown",)]
    white = by_group[(REFERENCE,)]
    rows = []
    for g in GROUPS:
        a = by_group[(g,)]
        residents = pop.total(g)
        if g == REFERENCE:
            ratio = rate_ratio(a, residents, a, residents)
            entry_ratio = 1.0 if not ratio.suppressed and residents else None
            rows.append({"group": g, "searches": a, "population": residents,
                         "rate_per_1000": rate_per_1000(a, residents), "ratio_vs_white": entry_ratio,
                         "ci_low": None, "ci_high": None, "exact_ci_low": None, "exact_ci_high": None,
                         "suppressed": ratio.suppressed, "unknown_bounds": None})
            continue
        ratio = rate_ratio(a, residents, white, pop.total(REFERENCE), unknown)
        exact = (None, None) if ratio.value is None else exact_rate_ratio(a, float(residents or 0), white,
                                                                          float(pop.total(REFERENCE) or 0))
        rows.append({
            "group": g, "searches": a, "population": residents, "rate_per_1000": rate_per_1000(a, residents),
            "ratio_vs_white": ratio.value, "ci_low": ratio.ci_low, "ci_high": ratio.ci_high,
            "exact_ci_low": exact[0], "exact_ci_high": exact[1],
            "suppressed": ratio.suppressed,
            "unknown_bounds": list(ratio.unknown_bounds) if ratio.unknown_bounds else None,
        })
    return rows


def _age_specific(rated: pd.DataFrame, pop: Population) -> list[dict[str, Any]]:
    rows = []
    by_band = Totals.of(rated, "age", "group")
    for band in AGE_BANDS:
        white = by_band[(band, REFERENCE)]
        white_pop = pop.by_age(band, REFERENCE)
        for g in GROUPS:
            a = by_band[(band, g)]
            residents = pop.by_age(band, g)
            ratio = rate_ratio(a, residents, white, white_pop)
            value = (1.0 if not ratio.suppressed and residents else None) if g == REFERENCE else ratio.value
            rows.append({"age_range": band, "group": g, "searches": a, "population": residents,
                         "rate_per_1000": rate_per_1000(a, residents), "ratio_vs_white": value,
                         "suppressed": ratio.suppressed})
    return rows


_COUNTED_AS = {HEADLINE_GROUP: "black", REFERENCE: "white"}  # the breakdowns' keys for the two groups compared


def _breakdown_counts(cube: pd.DataFrame, column: str) -> dict[str, dict[str, int]]:
    """Per value of `column`: searches, known outcomes, finds, arrests, rated Black and White person searches.
    One pass over the cube's rows (a few hundred): a pandas frame and groupby for it cost ten times as much."""
    out: dict[str, dict[str, int]] = {}
    rows = zip(cube[column].tolist(), cube.n.tolist(), cube.outcome_class.tolist(), cube.person.tolist(),
               cube.rated.tolist(), cube.group.tolist(), strict=True)
    for value, n, outcome, person, rated, group in rows:
        key = str(value)
        counts = out.get(key)
        if counts is None:
            counts = out[key] = {"n": 0, "known": 0, "found": 0, "arrest": 0, "black": 0, "white": 0}
        counts["n"] += n
        if outcome != UNKNOWN_OUTCOME:
            counts["known"] += n
            if outcome != NO_FURTHER_ACTION:
                counts["found"] += n
            if outcome == ARREST:
                counts["arrest"] += n
        if person and rated and group in _COUNTED_AS:
            counts[_COUNTED_AS[group]] += n
    return out


def _breakdown_row(key: str, name: str, c: dict[str, int], searches: int, pop: Population) -> dict[str, Any]:
    ratio = rate_ratio(c["black"], pop.total(HEADLINE_GROUP), c["white"], pop.total(REFERENCE))
    return {"key": key, "name": name, "searches": c["n"], "share": share(c["n"], searches),
            "find_rate": share(c["found"], c["known"]), "arrest_rate": share(c["arrest"], c["known"]),
            "black_white": {"black": c["black"], "white": c["white"], "ratio": ratio.value, "ci_low": ratio.ci_low,
                            "ci_high": ratio.ci_high, "suppressed": ratio.suppressed}}


def _breakdowns(cube: pd.DataFrame, searches: int, pop: Population) -> dict[str, list[dict[str, Any]]]:
    """Searches, find and arrest rates and the Black/White ratio by purpose and by power, within the lens."""
    names = power_names()
    zero = {"n": 0, "known": 0, "found": 0, "arrest": 0, "black": 0, "white": 0}
    by_purpose = _breakdown_counts(cube, "object_group")
    by_power = {k: c for k, c in _breakdown_counts(cube, "power").items() if c["n"] > 0}
    powers = sorted(by_power, key=lambda k: (-by_power[k]["n"], k))
    return {
        "purpose": [_breakdown_row(g, PURPOSE_NAMES[g], by_purpose.get(g, zero), searches, pop)
                    for g in OBJECT_GROUPS],
        "power": [_breakdown_row(k, names.get(k, k), by_power[k], searches, pop) for k in powers],
    }


def _monthly(frame: pd.DataFrame, pop: Population) -> list[dict[str, Any]]:
    """Every month of the period; `forces` counts the forces with data that month, so a jump in searches
    when a force's data begins can be told from a change in policing."""
    covered = pop.covered(pop.coverage)
    forces_in = {m: sum(m in months for months in pop.coverage.values()) for m in pop.months}
    found = {m: (int(n), int(d), int(k), int(f)) for m, n, d, k, f in
             zip(frame.month, frame.n, frame.drugs, frame.known, frame.found, strict=True)}
    rows: list[dict[str, Any]] = []
    for month in pop.months:
        if month not in covered:
            rows.append({"month": label(month), "searches": None, "drugs_share": None, "find_rate": None,
                         "covered": False, "forces": 0})
            continue
        n, drugs, known, hits = found.get(month, (0, 0, 0, 0))
        rows.append({"month": label(month), "searches": n, "drugs_share": share(drugs, n),
                     "find_rate": share(hits, known), "covered": True, "forces": forces_in[month]})
    return rows


def _outcomes_by_group(person: pd.DataFrame) -> list[dict[str, Any]]:
    by_group_class = Totals.of(person, "group", "outcome_class")
    rows = []
    for g in (*GROUPS, "unknown"):
        of_group = Totals({(c,): n for (group, c), n in by_group_class.items() if group == g})
        find, arrest = _rates(of_group)
        rows.append({"group": g, "searches": sum(of_group.values()), "find_rate": find, "arrest_rate": arrest})
    return rows


def _data_quality(backend: ibis.BaseBackend, cube: pd.DataFrame, person: pd.DataFrame, scope: Scope,
                  used: list[str]) -> dict[str, int]:
    by_force_month = per_version(backend, "rejects", lambda: _rejects(backend))
    rejected = period_rows(by_force_month[by_force_month.force.isin(used)], scope).n.sum()
    return {"no_location": _sum(cube) - _sum(cube, "located"),
            "outside_boundaries": _sum(cube, "located") - _sum(cube, "placed"),
            "no_age": _sum(person[person.age == "unknown"]), "rejected_rows": int(rejected)}


def _rejects(backend: ibis.BaseBackend) -> pd.DataFrame:
    """Rejected rows per force and month: the rejects table itself holds every rejected line, and a document
    needs only a count."""
    rejects = backend.table("rejects")
    frame: pd.DataFrame = rejects.group_by(["force", "month"]).aggregate(n=rejects.count()).to_pandas()
    return frame


def _coverage_notes(scope: Scope, pop: Population, cube: pd.DataFrame) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    details: list[str] = []
    named = scope.force_ids or ()
    for force in named:
        if force not in pop.coverage:
            notes.append(f"{force_name(force)} has no searches loaded for this period, so it adds nothing here.")
    n = len(pop.months)
    short = [(force, months) for force, months in sorted(pop.coverage.items()) if len(months) < n]
    for force, months in short:
        missing = [label(m) for m in pop.months if m not in months]
        details.append(f"{force_name(force)}: data for {len(months)} of {n} months; none loaded for "
                       f"{', '.join(ranges(missing))}.")
    if len(short) == 1 and len(pop.coverage) == 1:
        notes.append(f"{force_name(short[0][0])} has data for {len(short[0][1])} of the {n} months: residents count "
                     "only for the months covered, and a missing month is not counted as zero.")
    elif short:
        notes.append(f"{len(short)} of the {len(pop.coverage)} forces have data for only some of the {n} months: "
                     "each force's residents count only for the months it covers, and a missing month is not "
                     "counted as zero.")
    if pop.rated_forces is not None:
        unrated = sorted(set(pop.coverage) - pop.rated_forces)
        if unrated:
            count = _sum(cube[~cube.rated])
            who = " and ".join(force_name(f) for f in unrated)
            notes.append(f"{who}: {count:,} searches are counted, but no resident population belongs to "
                         f"{'it' if len(unrated) == 1 else 'them'}, so they are left out of rates and ratios.")
    if scope.force == ALL_FORCES:
        notes.append(f"All forces: the {len(pop.coverage)} forces with data in this period, and the residents of "
                     "their areas only.")
        details.append(f"Forces with data in this period: {', '.join(sorted(pop.coverage))}.")
    return notes, details


def _source_notes(backend: ibis.BaseBackend, scope: Scope) -> list[str]:
    log = per_version(backend, "ingest_log", lambda: backend.table("ingest_log").order_by(ibis.desc("id")).to_pandas())
    kinds = period_rows(log, scope).drop_duplicates("unit")
    notes = []
    api = sorted(label(as_date(m)) for m in kinds[kinds.kind == SourceKind.STOPS_JSON].month)
    if api:
        notes.append(f"{', '.join(api)}: from the data.police.uk API, whose monthly answers can be incomplete.")
    if kinds.synthetic.any():
        notes.append("SYNTHETIC DATA: these figures come from generated records, not real police data.")
    if scope.area is not None:
        notes.append("Rejected rows cannot be placed in an area: their count is for the whole force.")
    return notes


def metrics_document(backend: ibis.BaseBackend, scope: Scope, *, rows: bool = False) -> Document:
    """The document for a checked scope (`resolve_scope`), from the prepared counts when the warehouse has them
    (warehouse.aggregates), else, or with `rows`, from `stop_search` itself: the same document either way."""
    stops = stop_table(backend, area=scope.area is not None, rows=rows)
    by_area = stop_table(backend, area=True, rows=rows)
    force_months = counts.force_months(backend, scope, stops)
    pop = population(backend, scope, covered_months(force_months))
    used = sorted(pop.coverage)
    scoped = in_scope(stops, scope)
    rated_flag = counts.rated_flag(scoped, pop.rated_forces, used)
    cube = counts.cube(scoped, scope, rated_flag)
    cube["rated"] = cube["rated"].astype(bool)
    person = cube[cube.person]
    rated = person[person.rated]
    searches = _sum(cube)
    groups = _object_groups(cube, searches)
    judged, targets_note = _targets(scope, groups)
    strip, child_strip = _strip(person, _sum(force_months, "strip_published") > 0)
    by_age = Totals.of(person, "age")
    age = {band: by_age[(band,)] for band in AGE_RANGES}
    age["unknown"] = by_age[("unknown",)]
    monthly = counts.by_month(scoped, scope, rated_flag)
    monthly["month"] = [as_date(m) for m in monthly.month]
    coverage_notes, coverage_details = _coverage_notes(scope, pop, cube)
    disproportionality = _disproportionality(rated, pop)
    # A lens narrows the searches; use of force is compared with all of them, so use_of_force counts its own.
    stops = None if scope.lens.active else stop_ratios_of(scope, disproportionality, pop.coverage)
    return {
        "scope": scope_json(scope, sorted(pop.coverage)),
        "searches": searches,
        "person_searches": _sum(person),
        "object_groups": groups,
        "targets": judged,
        "targets_note": targets_note,
        "outcomes": _outcomes(cube, searches),
        "age": age,
        "children": sum(age[a] for a in CHILD_AGES),
        "strip_searches": strip,
        "child_strip_searches": child_strip,
        "disproportionality": disproportionality,
        "age_specific": _age_specific(rated, pop),
        "unknown_ethnicity_share": share(_sum(person[person.group == "unknown"]), _sum(person)),
        "areas": area_rows(backend, by_area, scope, pop, cube),
        "data_quality": _data_quality(backend, cube, person, scope, used),
        "monthly": _monthly(monthly, pop),
        "outcomes_by_group": _outcomes_by_group(person),
        "breakdowns": _breakdowns(cube, searches, pop),
        "trend": trend(monthly, pop),
        "coverage": scope_coverage(scope.force_ids, pop.coverage, pop.months, set(pop.lookup)),
        "notes": pop.notes + coverage_notes + _source_notes(backend, scope),
        "notes_detail": pop.details + coverage_details,
        "crime": crime_for(backend, scope),
        "use_of_force": use_of_force_for(backend, scope, stops),
    }


def compute_metrics(db: Path, scope: Scope, *, rows: bool = False) -> Document:
    """The document for `scope` from the DuckDB warehouse at `db` (scope checked against it first); `rows`:
    from `stop_search` itself, not its prepared counts (the reference path)."""
    return compute_metrics_with(db, lambda backend: metrics_document(backend, resolve_scope(backend, scope, rows=rows),
                                                                     rows=rows))


__all__ = ["Document", "compute_metrics", "compute_metrics_with", "metrics_document"]
