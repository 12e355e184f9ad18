"""Police use of force and Taser: on whom, how often, on children (docs/metrics.md, "Use of force").

From the Home Office's yearly use-of-force statistics, as the source adapter keeps them in the `use_of_force`
table: one row per published cell, each tagged with the release it came from. A release's CED (Taser) table
carries earlier years too, so one cell can be published several times: the figures use, for each financial
year, figure, force and breakdown, the release published last that has any such rows ("current"), and list
where an earlier release said something else (`revisions`).

Rates are per 1,000 residents of the 2021 Census, the same denominators as stop and search
(`metrics.population`); the ratio to White is `intervals.rate_ratio` (Wald interval, suppression, bounds for
the uses whose ethnicity was not recorded). The national figure is measured against every force's residents
(England and Wales). The counts are of tactic uses and of incidents, not of people; the caveats say so in words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis

from scrutiny.catalog import check_force, force_name
from scrutiny.errors import BadInput, NotFound
from scrutiny.metrics import counts
from scrutiny.metrics.coverage import covered_months
from scrutiny.metrics.crime_rates import AGE_NOTES
from scrutiny.metrics.crime_rates import residents as all_residents
from scrutiny.metrics.intervals import rate_per_1000, rate_ratio, share
from scrutiny.metrics.population import Population, force_lookup, population
from scrutiny.metrics.scope import ALL_FORCES, Scope, in_scope
from scrutiny.metrics.warehouse_backend import compute_metrics_with
from scrutiny.vocab import use_of_force as uof
from scrutiny.vocab.ethnicity import COMPARED, GROUPS, REFERENCE
from scrutiny.vocab.months import label
from scrutiny.vocab.use_of_force_words import release_words

TABLE = "use_of_force"
NATIONAL_NAME = "England and Wales"
_YEAR = re.compile(r"([0-9]{4})/([0-9]{2})")  # ASCII digits only
EXAMPLE_YEAR = "2019/20"
TAKEN_TOTALS = ("total", "total_non_discharge", "total_discharge")  # the CED table's own totals, beside CED_TYPES

CAVEATS = (
    "Ethnicity here is as the officer perceived it, recorded on the use-of-force form, not as the person would "
    "describe themselves.",
    "These are counts of times a tactic was used, not of people: one incident can involve several tactics, and "
    "several people, so tactic uses per 1,000 residents is not the share of residents force was used on.",
    "A person can be counted in several incidents over the year: there is no count of distinct people.",
    "The 95% intervals treat every tactic use as independent. Uses in one incident are not, so the real "
    "uncertainty is wider than the interval shown.",
    "Chinese is counted with Asian in every year, to match the 2021 Census (the releases up to 2018/19 publish "
    "it as a column of its own).",
    "Residents are those of the 2021 Census, the same denominators as stop and search, for every year.",
    "Taser (CED) figures by type count incidents by the highest level of use reached (drawn, aimed, red-dotted, "
    "arced, drive-stun, fired); uses on children come from the tables by age (their row for CED), which can count "
    "slightly differently, so each share is taken within its own table.",
    "Releases differ in what they cover: the first (2017/18) publishes no tables by force and perceived ethnicity "
    "or age, and a force may be missing from a year's figures. What a year lacks is listed with it.",
)


class BadFinancialYear(BadInput):
    """Text that is not a financial year written like 2019/20."""

    loc = ("query", "year")


class NoUseOfForce(NotFound):
    """No use-of-force figures are loaded at all."""

    loc = ("query",)


class YearNotLoaded(NotFound):
    """A financial year with no use-of-force figures loaded; the message names the years that are."""

    loc = ("query", "year")


# ---- financial years ---------------------------------------------------------------------------------------


def check_financial_year(text: str, loaded: Sequence[str] = ()) -> str:
    """`text` once it is a financial year like 2019/20 (April 2019 to March 2020); else BadFinancialYear, naming
    the years loaded when the caller knows them."""
    value = text.strip() if isinstance(text, str) else ""
    match = _YEAR.fullmatch(value)
    if match and 1000 <= int(match[1]) <= 2998 and int(match[2]) == (int(match[1]) + 1) % 100:
        return value
    years = f"; years loaded: {', '.join(loaded)}" if loaded else ""
    raise BadFinancialYear(f"bad financial year {text!r}: write it as the first year, a slash and the last two "
                           f"digits of the next, e.g. {EXAMPLE_YEAR} (April 2019 to March 2020){years}")


financial_year_months = uof.year_months  # the one home is scrutiny.vocab.use_of_force


def financial_year_of(scope: Scope) -> str | None:
    """The financial year a scope spans exactly (April to the next March), or None."""
    if not (scope.start.endswith("-04") and scope.end.endswith("-03")):
        return None
    first = int(scope.start[:4])
    if int(scope.end[:4]) != first + 1:
        return None
    return uof.financial_year(first)


def loaded_years(backend: ibis.BaseBackend) -> list[str]:
    """Every financial year any release's rows are about, oldest first; none without the table."""
    if TABLE not in backend.list_tables():
        return []
    t = backend.table(TABLE)
    return sorted(str(y) for y in t.select("financial_year").distinct().to_pyarrow().column(0).to_pylist())


# ---- current rows ------------------------------------------------------------------------------------------

Key = tuple[str, str, str, str, str, str]  # financial_year, figure, force, breakdown, grp, tactic
Part = tuple[str, str, str, str]  # financial_year, figure, force, breakdown: the unit a release replaces


def _summed(values: list[int | None]) -> int | None:
    """Cells that share a key (Chinese and Asian; Don't know and Not reported) added up; None when any is not
    published, since the sum of what is published would understate the total."""
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


@dataclass
class Cells:
    """The table's rows for some forces, each release's cells summed by key, and which release is current."""

    by_release: dict[tuple[str, Key], int | None]
    published: dict[str, date]  # release -> its publication date
    current_release: dict[Part, str]  # part -> the release published last with any of its rows
    current: dict[Key, int | None] = field(default_factory=dict)

    @classmethod
    def load(cls, backend: ibis.BaseBackend, forces: Iterable[str]) -> Cells:
        """Each release's cells summed by key within a sheet (columns that share a group); a cell a release
        publishes on two sheets (the national tables and the by-force tables' England and Wales block) is
        taken once, from the first sheet by table number."""
        t = backend.table(TABLE)
        rows = t.filter(t.force.isin(sorted(set(forces)))).select(
            "release", "published", "financial_year", "figure", "force", "breakdown", "grp", "tactic", "value",
            "sheet"
        ).to_pyarrow().to_pylist()
        parts: dict[tuple[str, Key], dict[str, list[int | None]]] = {}
        published: dict[str, date] = {}
        for r in rows:
            key: Key = (r["financial_year"], r["figure"], r["force"], r["breakdown"], r["grp"], r["tactic"])
            sheets = parts.setdefault((r["release"], key), {})
            sheets.setdefault(str(r["sheet"]), []).append(None if r["value"] is None else int(r["value"]))
            published[r["release"]] = r["published"]
        latest: dict[Part, str] = {}
        for release, key in parts:
            part = key[:4]
            chosen = latest.get(part)
            if chosen is None or (published[release], release) > (published[chosen], chosen):
                latest[part] = release
        by_release = {k: _summed(sheets[min(sheets, key=_sheet_order)]) for k, sheets in parts.items()}
        current = {key: value for (release, key), value in by_release.items() if latest[key[:4]] == release}
        return cls(by_release, published, latest, current)

    def has(self, year: str, figure: str, force: str, breakdown: str) -> bool:
        return (year, figure, force, breakdown) in self.current_release

    def value(self, year: str, figure: str, force: str, breakdown: str, grp: str, tactic: str) -> int | None:
        return self.current.get((year, figure, force, breakdown, grp, tactic))

    def tactic_total(self, year: str, force: str, breakdown: str, grp: str) -> int | None:
        """Every tactic used on a group: the `total_tactics` row, or (2017/18 has none) the sum of the six
        tactic-type totals."""
        key = (year, uof.TACTIC_USES, force, breakdown, grp, uof.TOTAL_TACTICS)
        if key in self.current:
            return self.current[key]
        keys = [(year, uof.TACTIC_USES, force, breakdown, grp, t) for t in uof.TACTIC_TYPE_TOTALS]
        return _summed([self.current[k] for k in keys]) if all(k in self.current for k in keys) else None

    def releases_of(self, parts: Iterable[Part]) -> list[str]:
        return sorted({self.current_release[p] for p in parts if p in self.current_release},
                      key=lambda r: (self.published[r], r))

    def years(self, figure: str, force: str) -> list[str]:
        return sorted({p[0] for p in self.current_release if p[1] == figure and p[2] == force})

    def revisions(self) -> list[dict[str, Any]]:
        """Cells an earlier release published with another value than the current one."""
        out = []
        for (release, key), earlier in self.by_release.items():
            later_release = self.current_release[key[:4]]
            if release == later_release or key not in self.current:
                continue
            later = self.current[key]
            if earlier == later:
                continue
            year, figure, force, breakdown, grp, tactic = key
            out.append({"financial_year": year, "figure": figure, "force": force, "breakdown": breakdown,
                        "grp": grp, "tactic": tactic, "earlier": earlier, "earlier_release": release,
                        "later": later, "later_release": later_release})
        return sorted(out, key=lambda r: (r["financial_year"], r["figure"], r["force"], r["breakdown"], r["grp"],
                                          r["tactic"], self.published[r["earlier_release"]]))


def _sheet_order(sheet: str) -> tuple[int, str]:
    """Table_4 before Table_16: by the table's number, then by name."""
    number = re.search(r"[0-9]+", sheet)
    return (int(number[0]) if number else 0, sheet)


def _sum_of(values: Iterable[int | None]) -> int | None:
    return _summed(list(values))


# ---- residents ---------------------------------------------------------------------------------------------


def _year_scope(force: str, year: str, ethnicity: str = "self") -> Scope:
    start, end = financial_year_months(year)
    return Scope(force, None, start, end, "officer" if ethnicity == "officer" else "self")


def _residents(backend: ibis.BaseBackend, force: str, year: str) -> Population:
    """The Census residents of a force's area, or of every force's area (England and Wales) for the national
    figure, counted whole: a year of use-of-force figures covers every month of the year."""
    scope = _year_scope(force, year)
    months = frozenset(scope.months)
    if force == ALL_FORCES:
        lookup = force_lookup(backend) if "population" in backend.list_tables() else {}
        coverage = {f: months for f in lookup}
    else:
        coverage = {force: months}
    return population(backend, scope, coverage)


# ---- the figures -------------------------------------------------------------------------------------------


def _ethnic_rows(cells: Cells, year: str, force: str, pop: Population, national: bool) -> list[dict[str, Any]]:
    """Tactic uses (and, nationally, incidents) per 1,000 residents of each group, with the ratio to White."""
    def uses(g: str) -> int | None:
        return cells.tactic_total(year, force, uof.ETHNICITY, g)

    def incidents(g: str) -> int | None:
        if not national:
            return None
        return cells.value(year, uof.INCIDENTS, force, uof.ETHNICITY, g, uof.INCIDENTS)

    white, unknown = uses(REFERENCE), uses(uof.UNKNOWN)
    white_pop = pop.total(REFERENCE)
    rows: list[dict[str, Any]] = []
    for g in GROUPS:
        a, residents = uses(g), pop.total(g)
        row: dict[str, Any] = {"group": g, "tactic_uses": a, "incidents": incidents(g), "residents": residents,
                               "per_1000": rate_per_1000(a, residents),
                               "incidents_per_1000": rate_per_1000(incidents(g), residents)}
        if a is None or white is None:
            row.update(ratio_vs_white=None, ci_low=None, ci_high=None, suppressed=False, unknown_bounds=None)
        elif g == REFERENCE:
            ratio = rate_ratio(a, residents, a, residents)
            row.update(ratio_vs_white=1.0 if not ratio.suppressed and residents else None, ci_low=None,
                       ci_high=None, suppressed=ratio.suppressed, unknown_bounds=None)
        else:
            ratio = rate_ratio(a, residents, white, white_pop, unknown or 0)
            row.update(ratio_vs_white=ratio.value, ci_low=ratio.ci_low, ci_high=ratio.ci_high,
                       suppressed=ratio.suppressed,
                       unknown_bounds=list(ratio.unknown_bounds) if ratio.unknown_bounds else None)
        rows.append(row)
    rows.append({"group": uof.UNKNOWN, "tactic_uses": unknown, "incidents": incidents(uof.UNKNOWN)})
    return rows


def _age_rows(cells: Cells, year: str, force: str, national: bool) -> list[dict[str, Any]]:
    return [{"band": band, "label": uof.AGE_LABELS[band], "tactic_uses": cells.tactic_total(year, force, uof.AGE, band),
             "incidents": cells.value(year, uof.INCIDENTS, force, uof.AGE, band, uof.INCIDENTS) if national else None}
            for band in uof.AGE_BANDS]


def _children(cells: Cells, year: str, force: str) -> dict[str, Any]:
    """Tactic uses on people under 18, and their share of every use in the table by age (age not reported
    included)."""
    children = _sum_of(cells.tactic_total(year, force, uof.AGE, b) for b in uof.CHILD_BANDS)
    every = _sum_of(cells.tactic_total(year, force, uof.AGE, b) for b in uof.AGE_BANDS)
    return {"tactic_uses": children, "share": share(children, every) if children is not None and every else None}


def _ced_children(cells: Cells, year: str, force: str) -> tuple[int | None, float | None]:
    """CED uses on under-18s (the tables by age, row `ced`) and their share of that row over every age column."""
    def ced(band: str) -> int | None:
        return cells.value(year, uof.TACTIC_USES, force, uof.AGE, band, uof.TACTIC_CED)

    children = _sum_of(ced(b) for b in uof.CHILD_BANDS)
    every = _sum_of(ced(b) for b in uof.AGE_BANDS)
    return children, share(children, every) if children is not None and every else None


def _by_type(cells: Cells, year: str, force: str) -> dict[str, int | None]:
    return {k: cells.value(year, uof.CED, force, uof.ALL, uof.ALL, k) for k in (*TAKEN_TOTALS, *uof.CED_TYPES)}


def _taser(cells: Cells, year: str, force: str, *, over_years: bool) -> dict[str, Any]:
    by_type = _by_type(cells, year, force)
    children, children_share = _ced_children(cells, year, force)
    out: dict[str, Any] = {"by_type": by_type, "fired_share": _fired_share(by_type), "children": children,
                           "children_share": children_share}
    if over_years:
        years = []
        for y in sorted(set(cells.years(uof.CED, force)) | {year}):
            typed = _by_type(cells, y, force)
            kids, kids_share = _ced_children(cells, y, force)
            years.append({"financial_year": y, "total": typed["total"], "fired": typed["fired"],
                          "fired_share": _fired_share(typed), "children": kids, "children_share": kids_share})
        out["years"] = years
    return out


def _fired_share(by_type: dict[str, int | None]) -> float | None:
    fired, total = by_type["fired"], by_type["total"]
    return share(fired, total) if fired is not None and total else None


def _totals(cells: Cells, year: str, force: str, pop: Population) -> dict[str, Any]:
    """Incidents and tactic uses of a force (or England and Wales) per 1,000 of all its residents. A force's
    tactic uses are the sum of its table by perceived ethnicity (unknown included), since no table gives its
    total alone; the national total is Table 1's."""
    people = all_residents(pop)
    incidents = cells.value(year, uof.INCIDENTS, force, uof.ALL, uof.ALL, uof.INCIDENTS)
    uses = cells.tactic_total(year, force, uof.ALL, uof.ALL)
    if uses is None and not cells.has(year, uof.TACTIC_USES, force, uof.ALL):
        uses = _sum_of(cells.tactic_total(year, force, uof.ETHNICITY, g) for g in (*GROUPS, uof.UNKNOWN)) \
            if cells.has(year, uof.TACTIC_USES, force, uof.ETHNICITY) else None
    return {
        "incidents": {"count": incidents, "residents": people, "per_1000": rate_per_1000(incidents, people)},
        "tactic_uses": {"count": uses, "residents": people, "per_1000": rate_per_1000(uses, people)},
    }


def _figures(cells: Cells, year: str, force: str, pop: Population, *, over_years: bool) -> dict[str, Any]:
    national = force == uof.NATIONAL
    return {
        **_totals(cells, year, force, pop),
        "by_ethnicity": _ethnic_rows(cells, year, force, pop, national),
        "by_age": _age_rows(cells, year, force, national),
        "children": _children(cells, year, force),
        "taser": _taser(cells, year, force, over_years=over_years),
    }


# ---- what a year lacks -------------------------------------------------------------------------------------

_WANTED = (  # figure, breakdown, what is missing, what follows
    (uof.INCIDENTS, uof.ALL, "count of incidents", ""),
    (uof.TACTIC_USES, uof.ETHNICITY, "tactic uses by perceived ethnicity",
     ", so tactic uses per 1,000 residents of each group and the ratios to White are not given"),
    (uof.TACTIC_USES, uof.AGE, "tactic uses by age", ", so uses of force and of Taser on children are not given"),
    (uof.TACTIC_USES, uof.GENDER, "tactic uses by gender", ""),
    (uof.CED, uof.ALL, "CED (Taser) uses by type", ""),
)


def _lacks(cells: Cells, year: str, force: str, who: str, releases: list[str]) -> list[str]:
    """What the releases loaded for the year do not publish for this force (or nationally)."""
    source = f"The figures loaded for {year} ({', '.join(map(release_words, releases)) or 'no release'})"
    missing = [(what, then) for figure, breakdown, what, then in _WANTED if not cells.has(year, figure, force,
                                                                                          breakdown)]
    if len(missing) == len(_WANTED):
        return [f"{source} have nothing for {who}."]
    return [f"{source} have no {what} for {who}{then}." for what, then in missing]


# ---- beside stop and search --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StopRatios:
    """A stop-and-search document's ratios to White (`disproportionality`) and the months behind them."""

    months: list[str]
    rows: list[dict[str, Any]]
    ethnicity: str = "self"
    forces: int = 1  # forces with stop and search in those months (every force's, for England and Wales)


def stop_ratios(backend: ibis.BaseBackend, force: str, year: str, ethnicity: str = "self") -> StopRatios | None:
    """The stop-and-search disproportionality of a force (or every force) over the months of the financial year
    that are loaded, as the metrics document computes it; None when no month of the year is loaded."""
    if "stop_search" not in backend.list_tables():
        return None
    from scrutiny.metrics.document import _disproportionality  # the document imports this module

    scope = _year_scope(force, year, ethnicity)
    force_months = counts.force_months(backend, scope)
    if force_months.empty:
        return None
    coverage = covered_months(force_months)
    pop = population(backend, scope, coverage)
    scoped = in_scope(backend.table("stop_search"), scope)
    cube = counts.cube(scoped, scope, counts.rated_flag(scoped, pop.rated_forces, sorted(pop.coverage)))
    cube["rated"] = cube["rated"].astype(bool)
    person = cube[cube.person]
    months = sorted({label(m) for ms in coverage.values() for m in ms})
    return StopRatios(months, _disproportionality(person[person.rated], pop), scope.ethnicity, len(coverage))


def _over(row: dict[str, Any] | None) -> bool | None:
    """Over-represented: the whole 95% interval of the ratio to White lies above 1; None without a ratio."""
    if row is None or row.get("ratio_vs_white") is None or row.get("ci_low") is None:
        return None
    return bool(row["ci_low"] > 1)


def _beside_stops(stops: StopRatios | None, by_ethnicity: list[dict[str, Any]], year: str, who: str,
                  notes: list[str]) -> dict[str, Any] | None:
    if stops is None:
        notes.append(f"No stop-and-search data is loaded for {who} in {year}, so the use of force is not compared "
                     "with its stop and search.")
        return None
    first, last = financial_year_months(year)
    basis = "self-defined" if stops.ethnicity == "self" else "officer-defined"
    n = len(stops.months)
    note = (f"Stop and search over the {n} month{'' if n == 1 else 's'} of {year} loaded ({first} to {last} asked), "
            f"by {basis} ethnicity; use of force by perceived ethnicity. A group is over-represented where the "
            "whole 95% interval of its ratio to White lies above 1.")
    if n < 12:
        note += f" Only {n} of the year's 12 months of stop and search {'is' if n == 1 else 'are'} loaded."
    if who == NATIONAL_NAME:
        note += (f" Stop and search is that of the {stops.forces} force{'s' * (stops.forces != 1)} loaded for those "
                 "months, use of force that of every force in England and Wales.")
    force_rows = {r["group"]: r for r in by_ethnicity}
    stop_rows = {r["group"]: r for r in stops.rows}
    by_group = []
    for g in COMPARED:
        s, f = stop_rows.get(g), force_rows.get(g)
        over_s, over_f = _over(s), _over(f)
        by_group.append({
            "group": g,
            "stop_ratio_vs_white": s.get("ratio_vs_white") if s else None,
            "stop_ci_low": s.get("ci_low") if s else None, "stop_ci_high": s.get("ci_high") if s else None,
            "force_ratio_vs_white": f.get("ratio_vs_white") if f else None,
            "force_ci_low": f.get("ci_low") if f else None, "force_ci_high": f.get("ci_high") if f else None,
            "stop_suppressed": bool(s and s.get("suppressed")), "force_suppressed": bool(f and f.get("suppressed")),
            "stop_over": over_s, "force_over": over_f,
            "both_over": None if over_s is None or over_f is None else over_s and over_f,
        })
    return {"months": stops.months, "ethnicity": stops.ethnicity, "by_group": by_group, "note": note}


# ---- the document ------------------------------------------------------------------------------------------


def _about_ages(note: str) -> bool:
    """The population's notes on rates by age: these figures have none."""
    return note.startswith(AGE_NOTES) or "rates by age" in note


def check_use_of_force_force(text: str) -> str:
    """A force id from the catalogue, or `all` for England and Wales."""
    value = text.strip().lower() if isinstance(text, str) else ""
    if value in (ALL_FORCES, uof.NATIONAL):
        return ALL_FORCES
    if "," in value:
        raise BadInput(f"--force {text!r}: use-of-force figures are for one force or `all` (England and Wales)",
                       loc=("query", "force"))
    check_force(value)
    return value


def check_request(backend: ibis.BaseBackend, force: str, year: str) -> tuple[str, str]:
    """The force and financial year checked against the catalogue and what is loaded: a mistake is one clear
    error (an unknown force, a year not written like 2019/20, a year not loaded, nothing loaded)."""
    checked_force = check_use_of_force_force(force)
    years = loaded_years(backend)
    checked_year = check_financial_year(year, years)
    if not years:
        raise NoUseOfForce("no use-of-force figures are loaded: ingest the Home Office's police use of force "
                           "data tables first (scrutiny ingest FOLDER_OF_ODS_FILES)")
    if checked_year not in years:
        raise YearNotLoaded(f"no use-of-force figures for {checked_year}; years loaded: {', '.join(years)}")
    return checked_force, checked_year


def use_of_force_document(backend: ibis.BaseBackend, force: str, year: str,
                          stops: StopRatios | None = None) -> dict[str, Any]:
    """The use-of-force figures of a force (or `all`: England and Wales) in a financial year, checked first.
    `stops`: the stop-and-search ratios when the caller has them already (the metrics document)."""
    force, year = check_request(backend, force, year)
    own = uof.NATIONAL if force == ALL_FORCES else force
    who = NATIONAL_NAME if force == ALL_FORCES else force_name(force)
    cells = Cells.load(backend, {own, uof.NATIONAL})
    pop = _residents(backend, force, year)
    notes = [n for n in dict.fromkeys(pop.notes) if not _about_ages(n)]
    figures = _figures(cells, year, own, pop, over_years=True)
    national = None
    if own != uof.NATIONAL:
        national_pop = _residents(backend, ALL_FORCES, year)
        national = _figures(cells, year, uof.NATIONAL, national_pop, over_years=False)
        for n in national_pop.notes:
            if n not in notes and not _about_ages(n):
                notes.append(f"{NATIONAL_NAME}: {n}")
    if stops is None:
        stops = stop_ratios(backend, force, year)
    used_parts = [p for p in cells.current_release if p[0] == year  # the year; and the force's Taser years
                  or (p[2] == own and (p[1] == uof.CED or (p[1] == uof.TACTIC_USES and p[3] == uof.AGE)))]
    year_releases = cells.releases_of(p for p in cells.current_release if p[0] == year)
    lacks = _lacks(cells, year, own, who, year_releases)
    if own != uof.NATIONAL:
        lacks += _lacks(cells, year, uof.NATIONAL, NATIONAL_NAME, year_releases)
    return {
        "financial_year": year,
        "force": force,
        "force_name": who,
        "releases": [{"release": r, "published": cells.published[r].isoformat()}
                     for r in cells.releases_of(used_parts)],
        **figures,
        "national": national,
        "stop_search": _beside_stops(stops, figures["by_ethnicity"], year, who, notes),
        "revisions": cells.revisions(),
        "lacks": lacks,
        "caveats": list(CAVEATS),
        "notes": notes,
    }


def compute_use_of_force(db: Path, force: str, year: str) -> dict[str, Any]:
    """The use-of-force document of a force id (or `all`) and a financial year like 2019/20, from the DuckDB
    warehouse at `db`: what `scrutiny force-use` and GET /api/v1/use-of-force answer."""
    return compute_metrics_with(db, lambda backend: use_of_force_document(backend, force, year))


def revised_counts(db: Path) -> list[tuple[str, str, str, int]]:
    """(current release, earlier release, financial year, figures the current one revised) over every force:
    what `scrutiny ingest` logs after loading a release, so a revision never passes unnoticed."""

    def count(backend: ibis.BaseBackend) -> list[tuple[str, str, str, int]]:
        if TABLE not in backend.list_tables():
            return []
        t = backend.table(TABLE)
        every = t.select("force").distinct().to_pyarrow().column(0).to_pylist()
        tally: dict[tuple[str, str, str], int] = {}
        for r in Cells.load(backend, [str(f) for f in every]).revisions():
            key = (r["later_release"], r["earlier_release"], r["financial_year"])
            tally[key] = tally.get(key, 0) + 1
        return [(*key, n) for key, n in sorted(tally.items())]

    return compute_metrics_with(db, count)


def use_of_force_for(backend: ibis.BaseBackend, scope: Scope, stops: StopRatios | None = None) -> dict[str, Any] | None:
    """The metrics document's `use_of_force`: the figures of a scope that is one force or all forces, no area,
    and exactly one financial year (April to March) with use-of-force figures loaded; None otherwise."""
    year = financial_year_of(scope)
    if year is None or scope.area is not None:
        return None
    if scope.force != ALL_FORCES and scope.single_force is None:
        return None
    if year not in loaded_years(backend):
        return None
    return use_of_force_document(backend, scope.force, year, stops)


def stop_ratios_of(scope: Scope, rows: list[dict[str, Any]], coverage: dict[str, frozenset[date]]) -> StopRatios:
    """A metrics document's own ratios (its scope's months and basis) as the comparison takes them."""
    months = sorted({label(m) for ms in coverage.values() for m in ms if scope.first_month <= m <= scope.last_month})
    return StopRatios(months, rows, scope.ethnicity)


__all__ = ["CAVEATS", "BadFinancialYear", "NoUseOfForce", "StopRatios", "YearNotLoaded", "check_financial_year",
           "check_request", "compute_use_of_force", "financial_year_months", "financial_year_of", "loaded_years",
           "stop_ratios", "use_of_force_document", "use_of_force_for"]
