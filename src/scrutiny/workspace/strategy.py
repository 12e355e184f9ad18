"""Strategic priorities and their indicators: is the police's own target being met, month by month?

An indicator follows one figure computed elsewhere — never here: the drug-search share and the find rate come
from the warehouse metrics document (`object_groups.drugs.share`, `outcomes.find_rate`; the `monthly` list for
months), diversion completion from `workspace.diversion.kpis`, and the recorded-crime figures from
`metrics.crime_rates.crime_with_rate` (the `crime` document of each period: `per_1000.per_1000`,
`outcomes.charged.share`, `outcomes.no_further_action.share`), and the use-of-force figures from
`metrics.use_of_force` (one document per financial year: `tactic_uses.per_1000`, `children.share`,
`taser.fired_share`, `taser.children_share`). The documents are fetched through getters the
caller passes (the web app's cached `app.state.metrics`, and a crime getter), so this module stays free of the
web layer and tests can use a real small warehouse. A period with no data says so; it never fails the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.crime import CrimeScope
from scrutiny.metrics.scope import ALL_FORCES, Scope
from scrutiny.vocab.areas import plain_name
from scrutiny.vocab.months import BadMonth, label, month_labels, month_start
from scrutiny.vocab.numbers import ratio, whole_pct
from scrutiny.vocab.objects import DRUGS
from scrutiny.workspace.community.places import authorities
from scrutiny.workspace.disclosure import count, share, withheld
from scrutiny.workspace.diversion.kpis import CaseRecord, kpis
from scrutiny.workspace.errors import Invalid, NotFound
from scrutiny.workspace.models.strategy import (
    Granularity,
    IndicatorMetric,
    StrategyIndicator,
    StrategyPriority,
    TargetDirection,
)
from scrutiny.workspace.scope_choices import area_words, check_area_choice, check_force_choice, force_label

MetricsGetter = Callable[[Scope], dict[str, Any]]
CrimeGetter = Callable[[CrimeScope], dict[str, Any]]  # a scope's `crime_with_rate` document
UseOfForceGetter = Callable[[str, str], dict[str, Any]]  # (force, financial year) -> its `use_of_force` document
Status = Literal["met", "not met", "no data", "suppressed", "not judged"]
MAX_MONTHS = 120  # ten years: a strategy longer than that is several
METRIC_LABELS = {
    IndicatorMetric.drugs_share: "Share of searches for drugs",
    IndicatorMetric.find_rate: "Find rate (searches with an outcome other than no further action)",
    IndicatorMetric.diversion_completion: "Diversion: share who completed the intervention they started",
    IndicatorMetric.drug_crimes_per_1000: "Recorded drug crimes per 1,000 residents",
    IndicatorMetric.drug_crime_charge_share: "Share of recorded drug crimes charged or summonsed",
    IndicatorMetric.drug_crime_nfa_share: "Share of recorded drug crimes with no further action",
    IndicatorMetric.use_of_force_per_1000: "Use of force: tactic uses per 1,000 residents (each financial year)",
    IndicatorMetric.use_of_force_children_share: "Use of force: share of tactic uses on children (each financial "
                                                 "year)",
    IndicatorMetric.taser_fired_share: "Taser: share of incidents where it was fired (each financial year)",
    IndicatorMetric.taser_children_share: "Taser: share of uses on children (each financial year)",
}
DIRECTION_WORDS = {TargetDirection.at_most: "at most", TargetDirection.at_least: "at least"}
WAREHOUSE_METRICS = (IndicatorMetric.drugs_share, IndicatorMetric.find_rate)
CRIME_METRICS = (IndicatorMetric.drug_crimes_per_1000, IndicatorMetric.drug_crime_charge_share,
                 IndicatorMetric.drug_crime_nfa_share)
USE_OF_FORCE_METRICS = {  # the figure's dotted key in the `use_of_force` document
    IndicatorMetric.use_of_force_per_1000: ("tactic_uses", "per_1000"),
    IndicatorMetric.use_of_force_children_share: ("children", "share"),
    IndicatorMetric.taser_fired_share: ("taser", "fired_share"),
    IndicatorMetric.taser_children_share: ("taser", "children_share"),
}
RATE_UNITS = {IndicatorMetric.drug_crimes_per_1000: "crimes", IndicatorMetric.use_of_force_per_1000: "tactic uses"}
RATE_METRICS = tuple(RATE_UNITS)  # a number per 1,000 residents, not a share
CRIME_SHARE_KEYS = {IndicatorMetric.drug_crime_charge_share: "charged",
                    IndicatorMetric.drug_crime_nfa_share: "no_further_action"}
PROVISIONAL_NOTE = ("A period marked provisional has drug crimes with no outcome loaded yet, so its share can "
                    "still change as later outcomes files arrive.")
TOLERANCE = 1e-9  # a share equal to its target meets it despite float rounding


# ---- storing priorities and indicators -------------------------------------------------------------------


def _month(name: str, text: str) -> str:
    try:
        return label(month_start(text.strip()))
    except BadMonth:
        raise Invalid(name, f"{text.strip()!r} is not a month: use YYYY-MM, e.g. 2019-04") from None


def _check_priority(title: str, start: str, end: str) -> tuple[str, str, str]:
    title = " ".join(title.split())
    if not title:
        raise Invalid("title", "is required")
    if len(title) > 200:
        raise Invalid("title", "at most 200 characters")
    first, last = _month("start_month", start), _month("end_month", end)
    if last < first:
        raise Invalid("end_month", f"the end ({last}) is before the start ({first})")
    if len(month_labels(first, last)) > MAX_MONTHS:
        raise Invalid("end_month", f"a priority can span at most {MAX_MONTHS} months")
    return title, first, last


def create_priority(session: Session, title: str, description: str, start: str, end: str,
                    granularity: Granularity = Granularity.month) -> StrategyPriority:
    title, first, last = _check_priority(title, start, end)
    priority = StrategyPriority(title=title, description=description.strip()[:5000], start_month=first,
                                end_month=last, granularity=granularity)
    session.add(priority)
    session.flush()
    return priority


def update_priority(session: Session, priority_id: int, title: str, description: str, start: str, end: str,
                    granularity: Granularity) -> StrategyPriority:
    priority = get_priority(session, priority_id)
    title, first, last = _check_priority(title, start, end)
    for name, value in (("title", title), ("description", description.strip()[:5000]), ("start_month", first),
                        ("end_month", last), ("granularity", granularity)):
        if getattr(priority, name) != value:
            setattr(priority, name, value)
    session.flush()
    return priority


def get_priority(session: Session, priority_id: int) -> StrategyPriority:
    priority = session.get(StrategyPriority, priority_id, options=[selectinload(StrategyPriority.indicators)])
    if priority is None:
        raise NotFound(f"no strategic priority {priority_id}")
    return priority


def list_priorities(session: Session) -> Sequence[StrategyPriority]:
    return session.scalars(select(StrategyPriority).order_by(StrategyPriority.start_month.desc(),
                                                             StrategyPriority.id)).all()


def check_target(metric: IndicatorMetric | None, value: float) -> float:
    """A target in the figure's own range: a share lies in [0, 1]; a rate per 1,000 residents is 0 or more.
    An unknown figure is taken to be a share, as most are."""
    if metric in RATE_UNITS:
        if not (math.isfinite(value) and value >= 0):
            raise Invalid("target", f"a rate target is a number of {RATE_UNITS[metric]} per 1,000 residents, 0 or "
                                    "more")
        return value
    if not 0 <= value <= 1:
        raise Invalid("target", "a share target lies between 0 and 1 (or 0% and 100%)")
    return value


def parse_target(text: str, metric: IndicatorMetric | None = None) -> float:
    """A share as 0.4 or 40%; for a figure per 1,000 residents, a plain number such as 2.5."""
    raw = text.strip()
    if metric in RATE_UNITS:
        try:
            value = float(raw)
        except ValueError:
            raise Invalid("target", f"{raw!r} is not a number: write {RATE_UNITS[metric]} per 1,000 residents such "
                                    "as 2.5") from None
        return check_target(metric, value)
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise Invalid("target", f"{raw!r} is not a number: write a share such as 0.40 or 40%") from None
    return check_target(metric, value)


def add_indicator(session: Session, priority_id: int, metric: IndicatorMetric, direction: TargetDirection,
                  target: float, force: str = "", area: str | None = None) -> StrategyIndicator:
    """An indicator on a catalogue force (or all; none for diversion) and, optionally, one of its local
    authorities by ONS code (scrutiny.workspace.scope_choices: the lists the form offers)."""
    priority = get_priority(session, priority_id)
    force = force.strip()
    area = (area or "").strip() or None
    target = check_target(metric, target)
    if metric in USE_OF_FORCE_METRICS and area is not None:
        raise Invalid("area", "use-of-force figures are published for a whole force: leave the area empty")
    if force or metric in WAREHOUSE_METRICS or metric in CRIME_METRICS or metric in USE_OF_FORCE_METRICS:
        force = check_force_choice("force", force)
    area = check_area_choice("area", force or ALL_FORCES, area)
    indicator = StrategyIndicator(metric=metric, direction=direction, target=target, force=force, area=area)
    priority.indicators.append(indicator)
    session.flush()
    return indicator


def delete_indicator(session: Session, priority_id: int, indicator_id: int) -> None:
    indicator = session.get(StrategyIndicator, indicator_id)
    if indicator is None or indicator.priority_id != priority_id:
        raise NotFound(f"no indicator {indicator_id} on priority {priority_id}")
    session.delete(indicator)
    session.flush()


# ---- progress over time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    label: str
    first: str  # YYYY-MM
    last: str  # YYYY-MM


def periods(priority: StrategyPriority) -> list[Period]:
    """Each month, or each calendar quarter (cut to the priority's first and last month)."""
    every = month_labels(priority.start_month, priority.end_month)
    if priority.granularity == Granularity.month:
        return [Period(m, m, m) for m in every]
    quarters: dict[str, list[str]] = {}
    for m in every:
        quarters.setdefault(f"{m[:4]} Q{(int(m[5:]) - 1) // 3 + 1}", []).append(m)
    return [Period(label, ms[0], ms[-1]) for label, ms in quarters.items()]


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None
    status: Status
    numerator: int | None = None  # diversion only: completed, of
    denominator: int | None = None
    provisional: bool = False  # crime shares: some crimes of the period have no outcome loaded yet


@dataclass
class IndicatorProgress:
    indicator: StrategyIndicator
    name: str
    target_text: str
    scope_text: str
    points: list[Point]
    whole: Point  # the whole period at once
    notes: list[str] = field(default_factory=list)

    @property
    def per_1000(self) -> bool:
        """The figure is a rate per 1,000 residents (shown as a number), not a share (shown as a percentage)."""
        return self.indicator.metric in RATE_METRICS

    @property
    def latest(self) -> Point | None:
        """The last period with a verdict, for the headline."""
        decided = [p for p in self.points if p.status in ("met", "not met")]
        return decided[-1] if decided else None


def verdict(value: float | None, indicator: StrategyIndicator) -> Status:
    if value is None:
        return "no data"
    if indicator.direction == TargetDirection.at_most:
        return "met" if value <= indicator.target + TOLERANCE else "not met"
    return "met" if value >= indicator.target - TOLERANCE else "not met"


def _from_document(doc: dict[str, Any], metric: IndicatorMetric) -> float | None:
    if metric == IndicatorMetric.drugs_share:
        value = doc["object_groups"][DRUGS]["share"]
    else:
        value = doc["outcomes"]["find_rate"]
    return float(value) if value is not None else None


def _warehouse(indicator: StrategyIndicator, priority: StrategyPriority, metrics: MetricsGetter,
               spans: list[Period]) -> tuple[list[Point], Point, list[str]]:
    notes: list[str] = []
    scope = Scope(indicator.force, indicator.area, priority.start_month, priority.end_month)
    try:
        whole_doc: dict[str, Any] | None = metrics(scope)
    except ScrutinyError as exc:
        whole_doc = None
        notes.append(f"No warehouse data for this scope and period ({exc}).")
    whole_value = _from_document(whole_doc, indicator.metric) if whole_doc else None
    whole = Point("whole period", whole_value, verdict(whole_value, indicator))
    if whole_doc is None:
        return [Point(p.label, None, "no data") for p in spans], whole, notes
    points: list[Point] = []
    if priority.granularity == Granularity.month:
        key = "drugs_share" if indicator.metric == IndicatorMetric.drugs_share else "find_rate"
        monthly = {row["month"]: row for row in whole_doc.get("monthly", [])}
        for p in spans:
            row = monthly.get(p.first)
            value = None if row is None or row.get(key) is None else float(row[key])
            points.append(Point(p.label, value, verdict(value, indicator)))
        return points, whole, notes
    for p in spans:
        try:
            value = _from_document(metrics(Scope(indicator.force, indicator.area, p.first, p.last)),
                                   indicator.metric)
        except ScrutinyError:
            value = None
        points.append(Point(p.label, value, verdict(value, indicator)))
    return points, whole, notes


def _crime_point(label: str, doc: dict[str, Any], indicator: StrategyIndicator, judged: bool = True) -> Point:
    """A period's figure from its crime document; a share resting on crimes not all linked yet is provisional."""
    if indicator.metric in RATE_METRICS:
        raw = doc["per_1000"]["per_1000"]
        provisional = False
    else:
        raw = doc["outcomes"][CRIME_SHARE_KEYS[indicator.metric]]["share"]
        provisional = raw is not None and doc["outcomes"]["not_linked_yet"] > 0
    value = None if raw is None else float(raw)
    status: Status = verdict(value, indicator) if judged or value is None else "not judged"
    return Point(label, value, status, provisional=provisional)


def _crime(indicator: StrategyIndicator, priority: StrategyPriority, crime: CrimeGetter | None,
           spans: list[Period]) -> tuple[list[Point], Point, list[str]]:
    """Each period from its own crime document (one `crime_with_rate` call per period scope): a rate per
    1,000 over a whole period of several months is not comparable with a per-period target, so it is shown
    but not judged."""
    if crime is None:
        note = "Recorded crime figures are not available here."
        return [Point(p.label, None, "no data") for p in spans], Point("whole period", None, "no data"), [note]
    getter = crime
    notes: list[str] = []

    def fetch(first: str, last: str) -> dict[str, Any] | None:
        try:
            return getter(CrimeScope(indicator.force, first, last, indicator.area))
        except ScrutinyError as exc:
            if (first, last) == (priority.start_month, priority.end_month):
                notes.append(f"No recorded crime for this scope and period ({exc}).")
            return None

    whole_doc = fetch(priority.start_month, priority.end_month)
    if whole_doc is None:
        return [Point(p.label, None, "no data") for p in spans], Point("whole period", None, "no data"), notes
    rate = indicator.metric in RATE_METRICS
    whole = _crime_point("whole period", whole_doc, indicator, judged=not rate or len(spans) == 1)
    points: list[Point] = []
    missing: list[str] = []
    for p in spans:
        doc = whole_doc if (p.first, p.last) == (priority.start_month, priority.end_month) else fetch(p.first, p.last)
        if doc is None:
            missing.append(p.label)
            points.append(Point(p.label, None, "no data"))
            continue
        points.append(_crime_point(p.label, doc, indicator))
        if rate and points[-1].value is None:
            notes += [n for n in doc["per_1000"]["notes"] if n not in notes]
    if missing:
        notes.append(f"No street crime is loaded for {', '.join(missing)}.")
    if rate:
        notes += [n for n in whole_doc["per_1000"]["notes"] if n not in notes]
        if whole.status == "not judged":
            notes.append(f"Each period's figure counts that {priority.granularity.value}'s drug crimes; the whole "
                         "period counts all of them, so it is shown but not judged against the target.")
    else:
        notes += whole_doc["notes"]
        if whole.provisional or any(p.provisional for p in points):
            notes.append(PROVISIONAL_NOTE)
    return points, whole, notes


def financial_years(first: str, last: str) -> list[str]:
    """The financial years (April to March, `2019/20`) the months first..last touch."""
    def year_of(month: str) -> int:
        return int(month[:4]) - (1 if int(month[5:7]) < 4 else 0)

    return [f"{y}/{(y + 1) % 100:02d}" for y in range(year_of(first), year_of(last) + 1)]


def _use_of_force(indicator: StrategyIndicator, priority: StrategyPriority,
                  use_of_force: UseOfForceGetter | None) -> tuple[list[Point], Point, list[str]]:
    """One point per financial year the priority's months touch, from that year's use-of-force document: the
    figures are published yearly, so months and quarters cannot be shown. The whole period is judged only
    when it is one year."""
    years = financial_years(priority.start_month, priority.end_month)
    notes = ["Use-of-force figures are published once a year, April to March: each financial year the priority "
             "touches is one period here, whatever its months or quarters."]
    if use_of_force is None:
        notes.append("Use-of-force figures are not available here.")
        return [Point(y, None, "no data") for y in years], Point("whole period", None, "no data"), notes
    section, key = USE_OF_FORCE_METRICS[indicator.metric]
    points: list[Point] = []
    missing: list[str] = []
    for year in years:
        try:
            raw = use_of_force(indicator.force, year)[section][key]
        except ScrutinyError:
            missing.append(year)
            points.append(Point(year, None, "no data"))
            continue
        value = None if raw is None else float(raw)
        points.append(Point(year, value, verdict(value, indicator)))
    if missing:
        notes.append(f"No use-of-force figures are loaded for {', '.join(missing)}.")
    if len(points) == 1:
        whole = replace(points[0], label="whole period")
    else:
        whole = Point("whole period", None, "not judged")
        notes.append("The target is for each year: the whole period of several years is not judged.")
    return points, whole, notes


def _diversion_point(label: str, cases: Sequence[CaseRecord], first: str, last: str, as_of: date,
                     indicator: StrategyIndicator, public: bool) -> Point:
    start, end = month_start(first), month_start(last)
    cohort = [c for c in cases if start <= c.referral_date.replace(day=1) <= end]
    completion = kpis(cohort, as_of).completion
    if completion.denominator == 0:
        return Point(label, None, "no data", 0, 0)
    if public:  # scrutiny.workspace.disclosure: the share of the rounded counts, never of the true ones
        num, den = count(completion.numerator), count(completion.denominator)
        if withheld(num, den):
            return Point(label, None, "suppressed")
        value = share(num, den)
        return Point(label, value, verdict(value, indicator))
    return Point(label, completion.share, verdict(completion.share, indicator), completion.numerator,
                 completion.denominator)


def _borough_names(area: str) -> set[str]:
    """The names a diversion case's borough may carry for an indicator's area: an ONS code's authority by its
    name; an older indicator's typed name as it is (each compared as `vocab.areas.plain_name` reads it)."""
    found = authorities().get(area.strip().upper())
    return {plain_name(area)} | ({plain_name(found.name)} if found else set())


def _diversion(indicator: StrategyIndicator, priority: StrategyPriority, cases: Sequence[CaseRecord],
               as_of: date, spans: list[Period], public: bool) -> tuple[list[Point], Point, list[str]]:
    names = _borough_names(indicator.area) if indicator.area else set()
    chosen = [c for c in cases if not names or plain_name(c.borough) in names]
    points = [_diversion_point(p.label, chosen, p.first, p.last, as_of, indicator, public) for p in spans]
    whole = _diversion_point("whole period", chosen, priority.start_month, priority.end_month, as_of, indicator,
                             public)
    notes = [f"Completion of the cases referred in each period, as recorded by {as_of.isoformat()}; "
             "an outcome still unknown counts as not completed."]
    if public:
        notes.append("Shares are worked out from counts rounded to the nearest 5; a period resting on 1–4 cases is "
                     "not shown (docs/disclosure.md).")
    return points, whole, notes


def describe_target(indicator: StrategyIndicator) -> str:
    if indicator.metric in RATE_METRICS:
        return f"{DIRECTION_WORDS[indicator.direction]} {ratio(indicator.target)} per 1,000 residents"
    return f"{DIRECTION_WORDS[indicator.direction]} {whole_pct(indicator.target)}"


def describe_scope(indicator: StrategyIndicator) -> str:
    """Where the figure is for, in words: the force's name and the area's (an ONS code as its authority)."""
    area = area_words(indicator.area) if indicator.area else None
    if indicator.metric == IndicatorMetric.diversion_completion:
        return f"diversion cases in {area}" if area else "all diversion cases"
    return force_label(indicator.force) + (f", {area}" if area else "")


def progress(priority: StrategyPriority, metrics: MetricsGetter, cases: Sequence[CaseRecord], as_of: date, *,
             public: bool, crime: CrimeGetter | None = None,
             use_of_force: UseOfForceGetter | None = None) -> list[IndicatorProgress]:
    """Each indicator per period against its target (`public`: diversion cells under 5 withheld). Without a
    `crime` (`use_of_force`) getter, an indicator of recorded crime (use of force) has no data and says so."""
    spans = periods(priority)
    out = []
    for indicator in priority.indicators:
        if indicator.metric in WAREHOUSE_METRICS:
            points, whole, notes = _warehouse(indicator, priority, metrics, spans)
        elif indicator.metric in CRIME_METRICS:
            points, whole, notes = _crime(indicator, priority, crime, spans)
        elif indicator.metric in USE_OF_FORCE_METRICS:
            points, whole, notes = _use_of_force(indicator, priority, use_of_force)
        else:
            points, whole, notes = _diversion(indicator, priority, cases, as_of, spans, public)
        out.append(IndicatorProgress(indicator, METRIC_LABELS[indicator.metric], describe_target(indicator),
                                     describe_scope(indicator), points, whole, notes))
    return out


