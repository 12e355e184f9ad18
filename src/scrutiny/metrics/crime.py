"""Recorded crime and what happened to it: the `crime` figures (docs/metrics.md, "Recorded crime and justice
outcomes").

A crime is a `street_crime` row of the scope's forces, months and place; anti-social behaviour is its own
series and never a crime. Its outcomes are the `crime_outcome` events naming its Crime ID, whichever month
and force file they came in. Outcomes arrive months or years after the crime, so a crime with no outcome is
"not linked yet", never "nothing happened", and `linking` says, per force-month, how much has linked so far.

Two readings give the same figures: from the prepared aggregates (metrics/crime_prepared.py, kept at ingest),
used whenever the warehouse has them up to date, and from the rows, the reference (`rows=True`), used otherwise.
Each reading fetches counts; the figures are made from them by the same code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from scrutiny.errors import BadInput, NotFound
from scrutiny.metrics.crime_prepared import PreparedCrime, available, crime_types, month_span, months_of, places
from scrutiny.metrics.intervals import share_with_interval
from scrutiny.metrics.london_drugs import london_drugs
from scrutiny.metrics.scope import (
    ALL_FORCES,
    Scope,
    count_rows,
    in_area,
    in_scope,
    normalise_forces,
    of_force,
    stop_table,
)
from scrutiny.metrics.scope import searches as searches_in
from scrutiny.metrics.warehouse_backend import compute_metrics_with
from scrutiny.vocab.areas import find_area, listed_names, region_prefix, with_regions
from scrutiny.vocab.crime_outcomes import ANTI_SOCIAL_BEHAVIOUR, DRUGS, charged_classes, no_further_action_classes
from scrutiny.vocab.crime_outcomes import outcome_classes as _outcome_classes
from scrutiny.vocab.months import check_period, label, month_start, ranges
from scrutiny.vocab.objects import DRUGS as DRUGS_PURPOSE

# How long after its month a crime's first outcome came: the buckets the distribution is counted in.
DELAY_BUCKETS = (("same month", 0, 0), ("1 month", 1, 1), ("2 months", 2, 2), ("3-5 months", 3, 5),
                 ("6-11 months", 6, 11), ("12 months or more", 12, 10_000))
SEARCHES_CAVEAT = ("Most recorded drug crimes are themselves the finds of searches, so this ratio is not a hit "
                   "rate and does not measure how much drug crime there is: more searching records more drug crime.")


@dataclass(frozen=True)
class CrimeScope:
    force: str  # a force id, `all`, or ids joined by commas
    start: str  # YYYY-MM, inclusive
    end: str
    area: str | None = None  # a local authority code once resolved (given as code or name)
    area_name: str | None = None
    crime_type: str | None = None  # narrows every figure; the outcome figures are of Drugs when not given

    @property
    def outcome_type(self) -> str:
        return self.crime_type or DRUGS


def _has(backend: ibis.BaseBackend, table: str) -> bool:
    return table in backend.list_tables()


def _link_key(backend: ibis.BaseBackend) -> str:
    """What crimes and outcomes are matched on: `crime_key` (the Crime ID's first 128 bits, 2.5 times quicker to
    join), or the Crime ID itself in a warehouse no ingest has brought up to date since the key was added."""
    held = set(backend.list_tables())
    tables = [backend.table(name) for name in ("street_crime", "crime_outcome") if name in held]
    return "crime_key" if all("crime_key" in t.columns for t in tables) else "crime_id"


def _crimes(backend: ibis.BaseBackend, scope: CrimeScope) -> ir.Table:
    """Street rows (crimes and anti-social behaviour) of the scope's forces, months and place."""
    t = backend.table("street_crime")
    conditions = [*of_force(t, scope.force), t.month >= month_start(scope.start), t.month <= month_start(scope.end)]
    if scope.area is not None:
        conditions.append(in_area(t.la_code, scope.area))
    return t.filter(*conditions)


def _cells(backend: ibis.BaseBackend, rows: bool) -> bool:
    """Read the aggregates? Unless the rows are asked for, whenever they are up to date."""
    return not rows and available(backend)


def _resolve_area(backend: ibis.BaseBackend, area: str, cells: bool) -> tuple[str, str]:
    """An authority by code or by name (any case), among the authorities the loaded crimes lie in."""
    if cells:
        known = places(backend)
    else:
        t = backend.table("street_crime")
        known = t.filter(t.la_code.notnull()).select("la_code", "la_name").distinct().to_pandas()
    found_area = find_area(with_regions({str(c): str(n) for c, n in known.itertuples(index=False)}), area)
    if found_area is not None:
        return found_area
    names = listed_names(known.la_name) or "none: load boundaries or Census tables to name them"
    raise NotFound(f"unknown area {area!r} for street crime; authorities with crimes loaded: {names}",
                   loc=("query", "area"))


def _resolve_type(backend: ibis.BaseBackend, text: str, cells: bool) -> str:
    t = backend.table("street_crime")
    known = crime_types(backend) if cells else sorted(t.select("crime_type").distinct().to_pandas().crime_type)
    for name in known:
        if name.casefold() == text.strip().casefold():
            return str(name)
    raise BadInput(f"unknown crime type {text!r}; types loaded: {', '.join(known)}", loc=("query", "type"))


def _any_crime(backend: ibis.BaseBackend, scope: CrimeScope, cells: bool) -> bool:
    """Any street row in the scope's forces and months, whatever the place?"""
    if cells:
        return bool(PreparedCrime(backend, scope.force, scope.start, scope.end).street().crimes.sum() > 0)
    return count_rows(_crimes(backend, replace(scope, area=None))) > 0


def resolve_crime_scope(backend: ibis.BaseBackend, scope: CrimeScope, *, rows: bool = False) -> CrimeScope:
    """Check a scope against the catalogue and the warehouse: a typo is an error, not a page of zeros."""
    force = normalise_forces(scope.force)
    check_period(scope.start, scope.end)
    if not _has(backend, "street_crime"):
        raise NotFound("no street crime loaded: ingest data.police.uk *-street.csv files first", loc=("query",))
    cells = _cells(backend, rows)
    code, name = _resolve_area(backend, scope.area, cells) if scope.area else (None, None)
    crime_type = _resolve_type(backend, scope.crime_type, cells) if scope.crime_type else None
    checked = replace(scope, force=force, area=code, area_name=name, crime_type=crime_type)
    if not _any_crime(backend, checked, cells):
        t = backend.table("street_crime")
        months = (months_of(backend, force) if cells
                  else t.filter(*of_force(t, force)).select("month").distinct().to_pandas().month)
        loaded = ", ".join(sorted(label(m) for m in months)) or "none"
        raise NotFound(f"no street crime for {force} from {scope.start} to {scope.end}; months loaded for {force}: "
                       f"{loaded}", loc=("query",))
    return checked


def _recorded(counts: pd.DataFrame, scope: CrimeScope) -> dict[str, Any]:
    """Crimes by type and month (`counts`: month, crime_type, n); anti-social behaviour counted apart, never as
    crime. Plain dictionaries: a frame filtered month by month cost more than the counting."""
    crimes: dict[tuple[str, str], int] = {}
    asb: Counter[str] = Counter()
    for month, crime_type, n in zip(counts.month, counts.crime_type, counts.n, strict=True):
        kind = str(crime_type)
        if scope.crime_type is not None and kind != scope.crime_type:
            continue
        if kind == ANTI_SOCIAL_BEHAVIOUR:
            asb[label(month)] += int(n)
        else:
            key = (label(month), kind)
            crimes[key] = crimes.get(key, 0) + int(n)
    totals: dict[str, int] = {}
    for (_, kind), n in sorted(crimes.items(), key=lambda item: item[0][1]):
        totals[kind] = totals.get(kind, 0) + n
    by_type = sorted(totals.items(), key=lambda item: -item[1])  # stable: ties stay in the types' order
    monthly = []
    for month in [label(m) for m in Scope(ALL_FORCES, None, scope.start, scope.end).months]:
        in_month = {kind: n for (m, kind), n in sorted(crimes.items()) if m == month}
        monthly.append({"month": month, "crimes": sum(in_month.values()), "anti_social_behaviour": asb[month],
                        "by_type": in_month})
    return {"crimes": sum(crimes.values()), "anti_social_behaviour": sum(asb.values()),
            "by_type": [{"type": k, "crimes": v} for k, v in by_type], "monthly": monthly}


def _mix(counts: dict[str, int], total: int) -> list[dict[str, Any]]:
    """Each outcome class in the catalogue's order (`other` only when some fell there), with its count `n`, its
    share of `total` and a Wilson 95% interval."""
    return [{"class": c.key, "label": c.label, **share_with_interval(counts.get(c.key, 0), total)}
            for c in _outcome_classes().values() if counts.get(c.key, 0) or c.key != "other"]


def _delays(months: np.ndarray) -> dict[str, Any]:
    buckets = [{"months": name, "crimes": int(((months >= lo) & (months <= hi)).sum())}
               for name, lo, hi in DELAY_BUCKETS]
    return {"median": _median(months), "crimes": len(months), "before_crime_month": int((months < 0).sum()),
            "distribution": buckets}


def _median(values: np.ndarray) -> int | float | None:
    """As `statistics.median` gives it: the middle value itself for an odd count, the mean of the middle two
    (a float) for an even one."""
    n = len(values)
    if n == 0:
        return None
    middle = np.partition(values, [(n - 1) // 2, n // 2])
    low, high = int(middle[(n - 1) // 2]), int(middle[n // 2])
    return low if n % 2 else (low + high) / 2


@dataclass
class Linked:
    """What the outcome events of a set of crimes add up to: each crime's latest outcome class, every event's
    class, how many crimes have any and were ever charged, and months from each crime to its first."""

    latest: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    with_outcome: int = 0
    charged: int = 0
    delays: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __add__(self, other: Linked) -> Linked:
        return Linked(self.latest + other.latest, self.events + other.events, self.with_outcome + other.with_outcome,
                      self.charged + other.charged, np.concatenate([self.delays, other.delays]))


def _linked(linked: pd.DataFrame) -> Linked:
    """`Linked` of crimes joined with their events (crime_id, crime_month, outcome_month, outcome_force,
    source_row, outcome_class): each crime's latest event is its last by outcome month, force and row."""
    if linked.empty:
        return Linked()
    linked = linked.sort_values(["crime_id", "outcome_month", "outcome_force", "source_row"], kind="stable")
    latest = linked.groupby("crime_id", sort=False).tail(1).outcome_class.value_counts()
    every = linked.outcome_class.value_counts()
    charged = linked.outcome_class.isin(charged_classes())
    per_crime = linked.assign(charged=charged).groupby("crime_id", sort=False).agg(
        crime_month=("crime_month", "min"), first=("outcome_month", "min"), charged=("charged", "any"))
    first, crime_month = pd.to_datetime(per_crime["first"]), pd.to_datetime(per_crime.crime_month)
    delay = (first.dt.year - crime_month.dt.year) * 12 + first.dt.month - crime_month.dt.month
    return Linked(Counter({str(k): int(v) for k, v in latest.items()}),
                  Counter({str(k): int(v) for k, v in every.items()}), len(per_crime),
                  int(per_crime.charged.sum()), delay.to_numpy(dtype=np.int64))


def _outcome_figures(scope: CrimeScope, crimes: int, numbered: int, distinct_ids: int, published: dict[str, int],
                     linked: Linked | None) -> dict[str, Any]:
    """The `outcomes` figures from their counts; `linked` None when no outcome can be linked (no outcomes loaded,
    or no crime with a Crime ID)."""
    empty: dict[str, Any] = {"crime_type": scope.outcome_type, "crimes": crimes, "without_crime_id": crimes - numbered,
                             "crime_ids": distinct_ids, "with_outcome": 0, "not_linked_yet": distinct_ids,
                             "published_last_outcome": _mix(published, crimes),
                             "published_without_outcome": crimes - sum(published.values())}
    if linked is None:
        none = share_with_interval(0, 0)
        return {**empty, "latest_outcome": [], "outcome_events": [], "events": 0, "charged": none,
                "no_further_action": none, "months_to_first_outcome": _delays(np.zeros(0, dtype=np.int64))}
    with_outcome, events = linked.with_outcome, sum(linked.events.values())
    nfa = sum(linked.latest.get(c, 0) for c in no_further_action_classes())
    return {**empty, "with_outcome": with_outcome, "not_linked_yet": distinct_ids - with_outcome,
            "latest_outcome": _mix(linked.latest, with_outcome),
            "events": events, "outcome_events": _mix(linked.events, events),
            "charged": share_with_interval(linked.charged, with_outcome),
            "no_further_action": share_with_interval(nfa, with_outcome),
            "months_to_first_outcome": _delays(linked.delays)}


def _outcomes(backend: ibis.BaseBackend, rows: ir.Table, scope: CrimeScope) -> dict[str, Any]:
    """The outcome figures of the scope's crimes of one type (Drugs unless `--type` says otherwise), from the
    rows: from the linked outcome events, and, for periods whose outcomes files are not loaded, the `Last
    outcome category` each street file published (the archive's latest word when it was made: a later archive
    may say more)."""
    of_type = rows.filter(rows.crime_type == scope.outcome_type)
    counted = of_type.aggregate(crimes=of_type.count(), numbered=of_type.crime_id.count(),
                                ids=of_type.crime_id.nunique()).to_pandas().iloc[0]
    crimes, numbered, distinct_ids = int(counted.crimes), int(counted.numbered), int(counted.ids)
    published = of_type.group_by("last_outcome_class").aggregate(n=of_type.count()).to_pandas()
    published_counts = {str(k): int(v) for k, v in zip(published.last_outcome_class, published.n, strict=True)
                        if isinstance(k, str)}
    if not _has(backend, "crime_outcome") or distinct_ids == 0:
        return _outcome_figures(scope, crimes, numbered, distinct_ids, published_counts, None)
    numbered_rows = of_type.filter(of_type.crime_id.notnull())
    key = _link_key(backend)
    ids = numbered_rows.group_by("crime_id").aggregate(crime_month=numbered_rows.month.min(),
                                                       link=numbered_rows[key].arbitrary())
    outcomes = backend.table("crime_outcome")
    events = outcomes.select(link=key, outcome_month="month", outcome_class="outcome_class",
                             outcome_force="force", source_row="source_row")
    # One join, brought back once (a force-year's drug crimes: tens of thousands of events), then counted here.
    linked = ids.join(events, "link").drop("link").to_pandas()
    return _outcome_figures(scope, crimes, numbered, distinct_ids, published_counts, _linked(linked))


def _prepared_outcomes(cells: PreparedCrime, scope: CrimeScope) -> dict[str, Any]:
    """`_outcomes` from the aggregates: crimes whose Crime ID is on one street row come counted by latest class,
    delay and charged; the few on several rows come row by row with their events and are linked here, as the
    rows are (their month is their first in the scope, and they count once)."""
    area, crime_type = scope.area, scope.outcome_type
    street = cells.street(area)
    of_type = street[street.crime_type == crime_type]
    crimes, numbered = int(of_type.crimes.sum()), int(of_type.numbered.sum())
    published = cells.published(area, crime_type)
    published_counts = {str(k): int(v) for k, v in zip(published.last_outcome_class, published.n, strict=True)
                        if isinstance(k, str)}
    singles = cells.links(area, crime_type)
    repeats = cells.repeats(area, crime_type)
    distinct_ids = int(singles.n.sum()) + repeats.crime_id.nunique()
    if not cells.has("crime_outcome") or distinct_ids == 0:
        return _outcome_figures(scope, crimes, numbered, distinct_ids, published_counts, None)
    found = singles[singles.latest_class.notnull()]
    n = found.n.to_numpy(dtype=np.int64)
    latest: Counter[str] = Counter()
    for k, v in zip(found.latest_class, n, strict=True):
        latest[str(k)] += int(v)
    events = cells.events(area, crime_type)
    linked = Linked(latest, Counter({str(k): int(v) for k, v in zip(events.outcome_class, events.n, strict=True)}),
                    int(n.sum()), int(n[found.charged.astype(bool).to_numpy()].sum()),
                    np.repeat(found.delay.to_numpy(dtype=np.int64), n))
    if len(repeats):
        ids = repeats.groupby("crime_id", sort=False).agg(crime_month=("month", "min"), link=("link", "first"))
        repeat_events = cells.repeat_events(sorted(set(ids.link)))
        linked = linked + _linked(ids.reset_index().merge(repeat_events, on="link").drop(columns="link"))
    return _outcome_figures(scope, crimes, numbered, distinct_ids, published_counts, linked)


def _linking_rows(crimes: pd.DataFrame, outcomes: pd.DataFrame | None) -> list[dict[str, Any]]:
    """`linking` from street counts per force-month (force, month, crimes with a Crime ID, with an outcome) and
    outcome counts per force-month (force, month, events, linked to a loaded crime; None without outcomes)."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(force: str, month: Any) -> dict[str, Any]:
        return rows.setdefault((force, label(month)), {"force": force, "month": label(month), "crimes": 0,
                                                       "crimes_with_outcome": 0, "outcomes": 0, "outcomes_linked": 0})

    for force, month, n, hits in crimes.itertuples(index=False):
        row(force, month).update(crimes=int(n), crimes_with_outcome=int(hits))
    for force, month, n, hits in (outcomes.itertuples(index=False) if outcomes is not None else ()):
        row(force, month).update(outcomes=int(n), outcomes_linked=int(hits))
    return [rows[k] for k in sorted(rows)]


def _linking(backend: ibis.BaseBackend, scope: CrimeScope) -> list[dict[str, Any]]:
    """Per force-month: crimes (with a Crime ID) and how many have any outcome loaded yet; outcome events
    published that month and how many found their crime among the loaded street files."""
    street = _crimes(backend, scope)
    street = street.filter(street.crime_id.notnull())
    has_outcomes = _has(backend, "crime_outcome")
    key = _link_key(backend)
    if has_outcomes:  # IN (a subquery): DuckDB builds one hash of the outcomes' IDs, no de-duplicated copy
        street = street.mutate(hit=street[key].isin(backend.table("crime_outcome")[key]).cast("int64"))
    else:
        street = street.mutate(hit=ibis.literal(0, "int64"))
    counted = street.group_by(["force", "month"]).aggregate(crimes=street.count(), with_outcome=street.hit.sum())
    per = None
    if has_outcomes:
        out = backend.table("crime_outcome")
        out = out.filter(*of_force(out, scope.force), out.month >= month_start(scope.start),
                         out.month <= month_start(scope.end))
        if scope.area is not None:
            out = out.filter(in_area(out.la_code, scope.area))
        every_street = backend.table("street_crime")
        every_street = every_street.filter(every_street.crime_id.notnull())
        found = out.mutate(linked=out[key].isin(every_street[key]))
        per = found.group_by(["force", "month"]).aggregate(
            outcomes=found.count(), linked=found.linked.sum()).to_pandas()
    return _linking_rows(counted.to_pandas(), per)


def _prepared_linking(cells: PreparedCrime, scope: CrimeScope) -> list[dict[str, Any]]:
    street = cells.street(scope.area)
    counted = street.groupby(["force", "month"], as_index=False)[["numbered", "with_outcome"]].sum()
    per = cells.outcome_months(scope.area) if cells.has("crime_outcome") else None
    return _linking_rows(counted[counted.numbered > 0], per)


def _force_months(table: ir.Table, scope: CrimeScope) -> set[tuple[str, str]]:
    held = table.filter(*of_force(table, scope.force), table.month >= month_start(scope.start),
                        table.month <= month_start(scope.end)).select("force", "month").distinct().to_pandas()
    return {(str(f), label(m)) for f, m in held.itertuples(index=False)}


def _drug_searches(backend: ibis.BaseBackend, scope: CrimeScope, cells: PreparedCrime | None) -> dict[str, Any] | None:
    """Searches for drugs per recorded drug crime, over the force-months both are loaded for (same place);
    None when no force-month has both. With the crime aggregates (`cells`), the searches come from the prepared
    stop-and-search counts too (`scope.stop_table`), the crimes from the crime aggregates."""
    if not (cells.has("stop_search") if cells is not None else _has(backend, "stop_search")):
        return None
    rows = cells is None
    if cells is None:
        street_months = _force_months(backend.table("street_crime"), scope)
    else:
        every_place = cells.street()
        street_months = {(str(f), label(m)) for f, m in zip(every_place.force, every_place.month, strict=True)}
    both = sorted(_force_months(stop_table(backend, area=False, rows=rows), scope) & street_months)
    if not both:
        return None
    lens = Scope(scope.force, scope.area, scope.start, scope.end, purpose=DRUGS_PURPOSE)
    stops = stop_table(backend, area=scope.area is not None, rows=rows)
    keys = ibis.memtable({"force": [f for f, _ in both], "month": [month_start(m) for _, m in both]})
    searched = in_scope(stops, lens).semi_join(keys, ["force", "month"])
    searches = int(searches_in(searched).to_pyarrow().as_py())
    if cells is None:
        crimes = _crimes(backend, scope)
        drug_crimes = count_rows(crimes.filter(crimes.crime_type == DRUGS).select("force", "month")
                                 .semi_join(keys, ["force", "month"]))
    else:
        street = cells.street(scope.area)
        street = street[street.crime_type == DRUGS]
        held = set(both)
        kept = [(str(f), label(m)) in held for f, m in zip(street.force, street.month, strict=True)]
        drug_crimes = int(street.crimes[kept].sum()) if len(street) else 0
    return {"searches": searches, "drug_crimes": drug_crimes, "force_months": len(both),
            "months": ranges(sorted({m for _, m in both})),
            "per_drug_crime": searches / drug_crimes if drug_crimes else None, "caveat": SEARCHES_CAVEAT}


def _london(backend: ibis.BaseBackend, scope: CrimeScope) -> dict[str, Any] | None:
    """For the Metropolitan Police alone (all London, or one borough), possession against trafficking from the
    MPS's own recorded crime (`metrics.london_drugs`); None elsewhere, or when none is loaded for the period."""
    if scope.force != "metropolitan" or scope.crime_type not in (None, DRUGS):
        return None
    try:
        return london_drugs(backend, scope.start, scope.end, None if region_prefix(scope.area) else scope.area)
    except NotFound:
        return None


def _prepared(backend: ibis.BaseBackend, scope: CrimeScope, rows: bool) -> PreparedCrime | None:
    """The scope's aggregates, or None to read the rows (asked for, or no aggregates up to date)."""
    return PreparedCrime(backend, scope.force, scope.start, scope.end) if _cells(backend, rows) else None


def crime_document(backend: ibis.BaseBackend, scope: CrimeScope, *, rows: bool = False) -> dict[str, Any]:
    """The `crime` figures of a checked scope (`resolve_crime_scope`); from the rows when `rows`, else from the
    aggregates when they are up to date (the same figures either way)."""
    cells = _prepared(backend, scope, rows)
    if cells is None:
        street = _crimes(backend, scope)
        counts = street.group_by(["month", "crime_type"]).aggregate(n=street.count()).to_pandas()
        outcomes = _outcomes(backend, street, scope)
        linking = _linking(backend, scope)
    else:
        in_place = cells.street(scope.area)
        counts = in_place.groupby(["month", "crime_type"], as_index=False).agg(n=("crimes", "sum"))
        outcomes = _prepared_outcomes(cells, scope)
        linking = _prepared_linking(cells, scope)
    recorded = _recorded(counts, scope)
    notes = ["Outcomes arrive months or years after a crime: a crime with no outcome loaded is not linked yet, "
             "not a crime where nothing happened; how much has linked so far is shown month by month."]
    if outcomes["without_crime_id"]:
        notes.append(f"{outcomes['without_crime_id']:,} {scope.outcome_type} crimes were published without a Crime "
                     "ID, so no outcome can be linked to them.")
    searches = _drug_searches(backend, scope, cells) if scope.crime_type in (None, DRUGS) else None
    london = _london(backend, scope)
    return {
        "scope": {"force": scope.force, "area": scope.area, "area_name": scope.area_name, "from": scope.start,
                  "to": scope.end, "type": scope.crime_type},
        "recorded": recorded,
        "outcomes": outcomes,
        "drug_searches": searches,
        "london_drugs": london,
        "linking": linking,
        "notes": notes,
    }


def crime_months(backend: ibis.BaseBackend, force: str) -> tuple[str, str] | None:
    """The first and last month of street crime loaded for a force spec; None when there is none."""
    if not _has(backend, "street_crime"):
        return None
    if available(backend):
        first, last = month_span(backend, force)
    else:
        t = backend.table("street_crime")
        found = t.filter(*of_force(t, force)).aggregate(first=t.month.min(), last=t.month.max()).to_pandas()
        first, last = found["first"].iloc[0], found["last"].iloc[0]
    return None if pd.isna(first) else (label(first), label(last))


def compute_outcome_mix(db: Path, scope: CrimeScope) -> dict[str, Any]:
    """The document's `outcomes` alone (the outcome mix of one crime type, Drugs by default), without the rest:
    what a page or bench asking only "what happened to drug crimes" needs."""
    def work(backend: ibis.BaseBackend) -> dict[str, Any]:
        checked = resolve_crime_scope(backend, scope)
        cells = _prepared(backend, checked, rows=False)
        if cells is None:
            return _outcomes(backend, _crimes(backend, checked), checked)
        return _prepared_outcomes(cells, checked)
    return compute_metrics_with(db, work)


def compute_crime(db: Path, scope: CrimeScope) -> dict[str, Any]:
    """The `crime` figures for `scope` from the DuckDB warehouse at `db` (scope checked against it first)."""
    return compute_metrics_with(db, lambda backend: crime_document(backend, resolve_crime_scope(backend, scope)))


def crime_for(backend: ibis.BaseBackend, scope: Scope, *, rows: bool = False) -> dict[str, Any] | None:
    """The `crime` figures beside a stop-and-search document (same forces, months and place); None when no
    street crime is loaded for them."""
    if not _has(backend, "street_crime"):
        return None
    crime_scope = CrimeScope(scope.force, scope.start, scope.end, scope.area, scope.area_name)
    if not _any_crime(backend, crime_scope, _cells(backend, rows)):
        return None
    return crime_document(backend, crime_scope, rows=rows)


__all__ = ["CrimeScope", "compute_crime", "crime_document", "crime_for", "crime_months", "resolve_crime_scope"]
