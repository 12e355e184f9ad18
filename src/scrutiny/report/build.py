"""Build the report: one self-contained HTML file (inline CSS and SVG), and optionally a PDF of it.

`render` lays out a metrics document (`scrutiny.metrics.compute_metrics`, docs/lens-contract.md); it formats
figures but never derives them, so the report says exactly what `scrutiny metrics --format json` and the API
say. With a comparison period it also lays out `scrutiny.metrics.change.change_between` of the two documents.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from scrutiny.catalog import forces
from scrutiny.errors import BadInput, NotFound, ScrutinyError
from scrutiny.report import charts
from scrutiny.report.charts import Banded, Bar, Series
from scrutiny.report.headlines import sentences as headline_sentences
from scrutiny.sources.boundaries import Area
from scrutiny.vocab import numbers
from scrutiny.vocab.ages import AGE_RANGES_OR_UNKNOWN as AGE_RANGES
from scrutiny.vocab.ages import age_label
from scrutiny.vocab.areas import LONDON, region_prefix
from scrutiny.vocab.ethnicity import COMPARED, GROUPS, HEADLINE_GROUP, REFERENCE
from scrutiny.vocab.months import BackwardsPeriod, BadMonth, check_period, month_labels, runs_in_words
from scrutiny.vocab.months import name as _month_name
from scrutiny.vocab.months import period_name as period_words
from scrutiny.vocab.objects import OBJECT_LABELS as OBJECT_GROUPS
from scrutiny.vocab.outcomes import OUTCOME_LABELS as OUTCOME_CLASSES
from scrutiny.vocab.powers import EXTRA_POWER_PHRASES as POWER_PHRASES
from scrutiny.vocab.suppression import HOTSPOT_MIN_SEARCHES, RATIO_SUPPRESSED_WORDS

if TYPE_CHECKING:  # the metrics package pulls in Ibis; rendering a document does not need it
    from scrutiny.bias.suite import TestOptions
    from scrutiny.metrics import Scope

SUPPRESSED = "suppressed"
TOO_FEW = "too few to say"
PSEUDO_AREAS = ("outside", "no_location", "unknown")  # `unknown`: the no-location row of older documents
TREND_KINDS = {  # which windows the "over time" section shows: its name, in words, its table's first column
    "monthly": ("month", "each month", "Month"),
    "quarterly": ("quarter", "each calendar quarter", "Quarter"),
    "rolling_12": ("12 months", "the 12 months to each month", "12 months to"),
}
LIST_FORCES = 4  # name up to this many forces in the title; more are counted


# Formatting only (scrutiny.vocab.numbers): each turns one figure of the document into text.
count, pct, ratio = numbers.count, numbers.pct, numbers.ratio
rate = numbers.ratio


def interval(low: float | None, high: float | None) -> str:
    return numbers.interval(low, high, missing="")


def month_label(month: str) -> str:
    return _month_name(month, short=True)


def month_name(month: str) -> str:
    return _month_name(month)


def month_runs(months: Sequence[str]) -> str:
    """Missing months as runs in words: "Oct 2021 to Nov 2021, Mar 2022"."""
    return runs_in_words(list(months), " to ")


def report_environment() -> Environment:
    """The report templates' environment: autoescaped, strict, with the figure filters."""
    env = Environment(
        loader=PackageLoader("scrutiny.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(count=count, pct=pct, ratio=ratio, rate=rate, points=numbers.points, month=month_label,
                       age=age_label, monthname=month_name, runs=month_runs)
    env.globals.update(interval=interval, period_words=period_words, reference=REFERENCE, compared=COMPARED)
    return env


# --- what the report covers, in words --------------------------------------------------------------------

def scrutiny_version() -> str:
    try:
        return version("scrutiny")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "dev"


def _force_name(force: str, doc: dict[str, Any]) -> str:
    for row in doc.get("coverage", []):
        if row["force"] == force:
            return str(row["name"])
    known = forces().get(force)
    return known.name if known else force


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def power_phrase(key: str, name: str | None) -> str:
    """"under the Misuse of Drugs Act section 23": the power's catalogue name up to its colon."""
    if key in POWER_PHRASES:
        return POWER_PHRASES[key]
    short = (name or key).split(":")[0].strip()
    if short.startswith("Section "):
        short = "s" + short[1:]
    return f"under the {short}" if " Act " in f" {short} " else f"under {short}"


def lens_words(scope: dict[str, Any]) -> str:
    """The searches a report covers: "searches for drugs under the Misuse of Drugs Act section 23", or "all
    searches" when there is no lens."""
    parts = ["searches"]
    if scope.get("purpose"):
        parts.append(f"for {scope.get('purpose_name') or scope['purpose']}")
    if scope.get("power"):
        parts.append(power_phrase(scope["power"], scope.get("power_name")))
    return " ".join(parts) if len(parts) > 1 else "all searches"


def _upper_first(words: str) -> str:
    return words[:1].upper() + words[1:]


def place_words(doc: dict[str, Any]) -> str:
    """The force or forces, or the area and who polices it: "Hackney (Metropolitan Police Service)"."""
    scope = doc["scope"]
    used = scope.get("forces") or []
    if scope["force"] == "all":
        who = f"all forces ({len(used)} with data)" if used else "all forces"
    elif "," in scope["force"]:
        names = [_force_name(f, doc) for f in (used or scope["force"].split(","))]
        who = _and(names) if len(names) <= LIST_FORCES else f"{len(names)} forces"
    else:
        who = _force_name(scope["force"], doc)
    if scope.get("area"):
        return f"{scope.get('area_name') or scope['area']} ({who})"
    return who


def _by_area(scope: dict[str, Any]) -> bool:
    """Whether the report has an area-by-area section: for forces, and for a region (London's boroughs)."""
    return scope.get("area") is None or region_prefix(scope["area"]) is not None


def several_forces(scope: dict[str, Any]) -> bool:
    return scope["force"] == "all" or "," in scope["force"]


def _missing(row: dict[str, Any]) -> str:
    if row.get("suppressed"):
        return RATIO_SUPPRESSED_WORDS
    return "no population figures" if row.get("population") is None else "not available"


def trend_kind(doc: dict[str, Any]) -> str | None:
    """Monthly windows for up to 12 months, quarters beyond, rolling 12 months from 24: the finest windows
    that still hold enough searches to read, and no more of them than a table can show."""
    trend = doc.get("trend") or {}
    n = len(doc.get("monthly") or trend.get("monthly") or [])
    kind = "rolling_12" if n >= 24 else "quarterly" if n > 12 else "monthly"
    if not trend.get(kind):
        kind = "monthly"
    return kind if len(trend.get(kind) or []) > 1 else None  # one window says what "Disproportionality" says


def window_label(kind: str, window: dict[str, Any]) -> str:
    """A window's name in a table row or on an axis: "Apr 2018", "2018 Q2", or the last month of 12."""
    if kind == "quarterly":
        return str(window["period"])
    return month_label(window["to"])


def _no_data(window: dict[str, Any]) -> bool:
    return bool(window["months_covered"] == 0)


# --- charts ------------------------------------------------------------------------------------------------

def _monthly_charts(doc: dict[str, Any], out: dict[str, Markup]) -> None:
    scope = doc["scope"]
    monthly = {row["month"]: row for row in doc.get("monthly", [])}
    if len(monthly) < 2:  # one month is a point, not a trend: the headline figures say it
        return
    months = month_labels(scope["from"], scope["to"])  # every month, so one with no row is a gap, not a bridge
    labels = [month_label(m) for m in months]
    gaps = [i for i, m in enumerate(months) if m not in monthly or monthly[m].get("covered") is False]

    def values(key: str) -> list[float | None]:
        return [monthly[m][key] if m in monthly else None for m in months]

    out["monthly_searches"] = charts.line_chart(
        labels, [Series("Searches", values("searches"))], label=f"{_upper_first(lens_words(scope))} each month",
        fmt=count, gaps=gaps)
    out["monthly_shares"] = charts.line_chart(
        labels, [Series("Drugs share", values("drugs_share")), Series("Find rate", values("find_rate"))],
        label="Drugs share and find rate each month", fmt=numbers.whole_pct, gaps=gaps)


def breakdown_label(kind: str, row: dict[str, Any]) -> str:
    if kind == "purpose":
        return OBJECT_GROUPS.get(row["key"], str(row["name"]))
    return str(row["name"]).split(":")[0]


def _breakdown_bars(kind: str, rows: Sequence[dict[str, Any]]) -> list[Bar]:
    bars = []
    for row in rows:
        bw = row["black_white"]
        missing = "no searches" if row["searches"] == 0 else TOO_FEW if bw["suppressed"] else "not available"
        bars.append(Bar(breakdown_label(kind, row), None if bw["suppressed"] else bw["ratio"], bw["ci_low"],
                        bw["ci_high"], missing=missing))
    return bars


def _trend_chart(doc: dict[str, Any], kind: str) -> Markup:
    windows = doc["trend"][kind]
    panels = []
    for group in COMPARED:
        rows = [next(g for g in w["groups"] if g["group"] == group) for w in windows]
        panels.append(Banded(group, [None if r["suppressed"] else r["ratio_vs_white"] for r in rows],
                             [r["ci_low"] for r in rows], [r["ci_high"] for r in rows]))
    return charts.band_chart(
        [window_label(kind, w) for w in windows], panels,
        label=f"Search rate compared with White people, {TREND_KINDS[kind][1]}, with 95% intervals",
        tick_fmt=lambda v: f"{v:g}×", reference=1.0, reference_label="1 = same rate as White people",
        gaps=[i for i, w in enumerate(windows) if _no_data(w)])


def _charts(doc: dict[str, Any], paths: Sequence[charts.MapPath], map_height: float,
            change: dict[str, Any] | None) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    scope = doc["scope"]
    _monthly_charts(doc, out)
    targets = {t["group"]: t for t in doc["targets"]}
    out["object_groups"] = charts.bar_chart(
        [Bar(OBJECT_GROUPS.get(g, g), doc["object_groups"][g]["share"],
             target=targets[g]["target"] if g in targets else None,
             note=("✓ met" if targets[g]["met"] else "✗ not met") if g in targets else "")
         for g in doc["object_groups"]],
        label="Share of searches by object" + (", with targets" if targets else ""), fmt=pct,
        tick_fmt=numbers.whole_pct, target_label="target (dashed line); ✓ met, ✗ not met")
    breakdowns = doc.get("breakdowns") or {}
    for kind in ("purpose", "power"):
        # every purpose; a power only with a ratio to show (the long tail of rare powers is in the table)
        rows = [r for r in breakdowns.get(kind, []) if kind == "purpose" or not r["black_white"]["suppressed"]]
        if rows:
            out[f"breakdown_{kind}"] = charts.bar_chart(
                _breakdown_bars(kind, rows),
                label=f"Black people searched compared with White people, by {kind}, with 95% intervals",
                fmt=ratio, tick_fmt=lambda v: f"{v:g}×", reference=1.0, reference_label="same rate")
    rows = [r for r in doc["disproportionality"] if r["group"] != REFERENCE]
    out["ratios"] = charts.bar_chart(
        [Bar(r["group"], r["ratio_vs_white"], r["ci_low"], r["ci_high"], missing=_missing(r)) for r in rows],
        label="Search rate compared with White people, with 95% intervals", fmt=ratio,
        tick_fmt=lambda v: f"{v:g}×", reference=1.0, reference_label="same rate as White people")
    out["rates"] = charts.bar_chart(
        [Bar(r["group"], r["rate_per_1000"], missing=_missing(r)) for r in doc["disproportionality"]],
        label="Searches per 1,000 residents by ethnic group", fmt=rate, tick_fmt=lambda v: f"{v:g}")
    windows = trend_kind(doc)
    if windows:
        out["trend"] = _trend_chart(doc, windows)
    if change:
        out["change"] = charts.bar_chart(
            [Bar(r["group"], r["ratio_of_ratios"], r["ci_low"], r["ci_high"], missing=TOO_FEW)
             for r in change["change"]],
            label="How each group's ratio to White people changed between the two periods, with 95% intervals",
            fmt=ratio, tick_fmt=lambda v: f"{v:g}×", reference=1.0, reference_label="no change")
    specific = [r for r in doc.get("age_specific", []) if r["group"] != REFERENCE]
    if any(r["ratio_vs_white"] is not None or r["suppressed"] for r in specific):
        out["age_specific"] = charts.bar_chart(
            [Bar(f"{age_label(r['age_range'])} {r['group']}", r["ratio_vs_white"], missing=_missing(r))
             for r in specific],
            label="Search rate compared with White people of the same age", fmt=ratio,
            tick_fmt=lambda v: f"{v:g}×", reference=1.0, reference_label="same rate as White people")
    out["age"] = charts.bar_chart(
        [Bar("not recorded" if a == "unknown" else age_label(a), doc["age"][a]) for a in AGE_RANGES
         if a in doc["age"]],
        label="Searches of people by age", fmt=count, tick_fmt=lambda v: f"{v:,.0f}")
    outcomes = doc["outcomes"]
    out["outcomes"] = charts.bar_chart(
        [Bar(label, outcomes[c]["share"]) for c, label in OUTCOME_CLASSES.items() if c in outcomes],
        label="Outcomes as a share of all searches", fmt=pct, tick_fmt=numbers.whole_pct)
    by_group = doc.get("outcomes_by_group", [])
    if by_group:
        out["find_by_group"] = charts.bar_chart(
            [Bar("Unknown" if r["group"] == "unknown" else r["group"], r["find_rate"]) for r in by_group],
            label="Find rate by ethnic group", fmt=pct, tick_fmt=numbers.whole_pct)
    if doc.get("crime"):
        _crime_charts(doc["crime"], out)
    if paths:
        out["map"] = charts.choropleth(
            paths, map_height, {a["area_code"]: a.get("rate_per_1000") for a in doc.get("areas", [])},
            label=f"{_upper_first(lens_words(scope))} per 1,000 residents by area", fmt=rate,
            legend_title="Searches per 1,000 residents")
    return out


def crime_mix(crime: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Which outcome mix of the crime figures the report draws, and its rows with any crime: the latest linked
    outcome of each crime with one, or, when no outcome is loaded, the street files' last outcome category."""
    out = crime["outcomes"]
    kind = "latest_outcome" if out["with_outcome"] else "published_last_outcome"
    return kind, [r for r in out[kind] if r["n"]]


def _crime_charts(crime: dict[str, Any], out: dict[str, Markup]) -> None:
    """Recorded crimes by type; what happened to the drug crimes, with 95% intervals."""
    by_type = crime["recorded"]["by_type"]
    if by_type:
        out["crime_types"] = charts.bar_chart([Bar(r["type"], r["crimes"]) for r in by_type],
                                              label="Recorded crimes by type", fmt=count,
                                              tick_fmt=lambda v: f"{v:,.0f}", label_lines=3)
    kind, rows = crime_mix(crime)
    if rows:
        words = "latest outcome" if kind == "latest_outcome" else "last outcome category as published"
        out["crime_mix"] = charts.bar_chart(
            [Bar(r["label"], r["share"], r["ci_low"], r["ci_high"]) for r in rows],
            label=f"{crime['outcomes']['crime_type']} crimes: {words}, with 95% intervals", fmt=pct,
            tick_fmt=numbers.whole_pct, label_lines=3)


# --- the tests of bias beyond the outcome test (bias.suite documents) -------------------------------------

EXTRA_TESTS = ("darkness", "change")  # what a reader may add to the report; the rates test is always in it
RATES_GROUP_ORDER = ("Black", "Asian", "Mixed", "Other")  # the groups most searched compared first


def span(d: dict[str, Any] | None) -> str:
    """A 95% interval of a bias document ({"low", "high"}) as "0.91–1.20"; an exact interval with no upper
    limit says so; nothing when there is none."""
    if not d or d.get("low") is None:
        return ""
    if d.get("high") is None:
        return f"{ratio(d['low'])}–no upper limit"
    return interval(d["low"], d["high"])


def ratio_or_why(entry: dict[str, Any] | None) -> str:
    """A ratio of a bias document, or why there is none: suppressed (too few searches) or n/a (no denominator)."""
    if entry is None:
        return numbers.NA
    if entry.get("suppressed"):
        return SUPPRESSED
    return ratio(entry.get("ratio"))


def rates_tables(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The rates document's areas as one table per group (Black, Asian, Mixed, Other), each area's entry with its
    rank: areas with a ratio by ratio, highest first, then those without one by name. Layout only: every figure
    is the document's."""
    from scrutiny.bias.rates import areas_by_ratio

    present = {g["group"] for a in doc["figures"]["areas"] for g in a["groups"]}
    tables = []
    for group in [g for g in RATES_GROUP_ORDER if g in present]:
        tables.append({"group": group, "rows": areas_by_ratio(doc, group)})
    return tables


def rates_one_area(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """For an area's report: its one area's groups, in the order of `rates_tables`."""
    groups = {g["group"]: g for g in doc["figures"]["areas"][0]["groups"]}
    return [groups[g] for g in RATES_GROUP_ORDER if g in groups]


def change_charts(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The policy change's fits as charts of observed against the trend before the change carried on: the search
    rate, and the group's ratio to White people, each with its months as a table."""
    figures = doc["figures"]
    out = []
    gaps: list[int] = []
    names = {"search_rate": ("Searches per 1,000 residents", rate),
             "log_ratio": (f"{figures['group']} people's search rate as a ratio to White people's", ratio)}
    for key, (words, fmt) in names.items():
        fit = (figures.get("its") or {}).get(key)
        if not fit or not fit.get("available") or not fit.get("months"):
            continue
        months = fit["months"]
        labels = [m["month"] for m in months]
        at = labels.index(figures["at"]) if figures["at"] in labels else len(labels)
        if key == "search_rate":  # a month with no data has no rate; the ratio's chart shades the same months
            gaps = [i for i, m in enumerate(months) if m["observed"] is None]
        svg = charts.counterfactual_chart(
            [month_label(m) for m in labels], [m["observed"] for m in months], [m["fitted"] for m in months],
            [m["counterfactual"] for m in months], at,
            label=f"{words} in {figures['area']['name']} each month: observed, fitted, and without the change",
            fmt=fmt, gaps=gaps)
        out.append({"key": key, "words": words, "fmt": "rate" if key == "search_rate" else "ratio", "fit": fit,
                    "months": months, "chart": svg})
    return out


def _verdict(row: dict[str, Any]) -> str:
    """The change test's answer in words, from its `changed` flag (and which side of 1 the ratio lies)."""
    if row["changed"] is None:
        return TOO_FEW
    if not row["changed"]:
        return "no evidence of change"
    return "changed: the ratio rose" if row["ratio_of_ratios"] > 1 else "changed: the ratio fell"


def render(document: dict[str, Any], shapes: list[Area] | None = None, bias: dict[str, Any] | None = None,
           change: dict[str, Any] | None = None, *, public: bool = False,
           headlines: dict[str, Any] | None = None, hotspots: Sequence[dict[str, Any]] = (),
           force_targets: Sequence[dict[str, Any]] = (), bias_tests: Sequence[dict[str, Any]] = (),
           use_of_force: dict[str, Any] | None = None) -> str:
    """The report as one HTML page. `shapes` (from `geometry.load_shapes`) adds the map; `bias` (a document
    from `scrutiny.bias.document`) adds the "Tests of bias" section, and `bias_tests` (documents of
    `scrutiny.bias.suite.run_test`: rates, darkness, change) add each test to it, in their order; `change`
    (`metrics.change.change_between` of the earlier and the later period's documents) adds "Did
    disproportionality change?"; `headlines` (`metrics.headlines`) opens the report with sentences comparing the
    period with the one before; `hotspots` (`metrics.hotspots.busiest_hotspots`) maps where searches
    concentrate in the busiest areas; `force_targets` (`metrics.force_targets`) gives each force's own targets
    where several forces are added up; `use_of_force` (`report.use_of_force.section`) adds "Use of force". A
    `public` report (one the web server hands out) points readers to the open API, never to a command they
    cannot run."""
    from scrutiny.report.geometry import project

    scope = document["scope"]
    areas = document.get("areas", [])
    paths: list[charts.MapPath] = []
    map_height = 0.0
    real_areas = [a for a in areas if a["area_code"] not in PSEUDO_AREAS]
    # The map draws the scope's own areas and any area with no searches among them (grey, "no data"): a
    # neighbour's authority (searches snapped across a border) is listed apart, and the rest of the country's
    # outlines would shrink the force's to a corner of the page.
    own = {a["area_code"] for a in real_areas if not a.get("neighbour")}
    mapped = [s for s in shapes or [] if s.code in own]
    if mapped:
        box = shapely.box(*shapely.total_bounds([s.geometry for s in mapped]))
        held = {a["area_code"] for a in real_areas}
        mapped += [s for s in shapes or [] if s.code not in held and box.contains(s.geometry.centroid)]
    if _by_area(scope) and mapped:
        paths, map_height = project(mapped)
    by_group = {r["group"]: r for r in document["disproportionality"]}
    borough_rows = sorted((a for a in real_areas if a["area_code"] in own),
                          key=lambda a: (-a["searches"], a["area_name"]))
    neighbour_rows = sorted((a for a in real_areas if a["area_code"] not in own), key=lambda a: a["area_name"])
    pseudo_rows = [a for a in areas if a["area_code"] in PSEUDO_AREAS]
    lens = lens_words(scope)
    place = place_words(document)
    period = period_words(scope["from"], scope["to"])
    kind = trend_kind(document)
    coverage = document.get("coverage", [])
    return report_environment().get_template("report.html.j2").render(
        doc=document,
        title=f"{_upper_first(lens)}, {place}, {period}",
        lens=lens,
        lensed=bool(scope.get("purpose") or scope.get("power")),
        place=place,
        period=period,
        several=several_forces(scope),
        show_coverage=several_forces(scope) or any(c["missing"] for c in coverage),
        charts=_charts(document, paths, map_height, change),
        black=by_group.get(HEADLINE_GROUP),
        targets={t["group"]: t for t in document["targets"]},
        by_group=by_group,
        groups=GROUPS,
        object_groups=OBJECT_GROUPS,
        outcome_classes=OUTCOME_CLASSES,
        age_ranges=[a for a in AGE_RANGES if a in document["age"]],
        borough_rows=borough_rows,
        pseudo_rows=pseudo_rows,
        neighbour_rows=neighbour_rows,
        area_word="borough" if scope["force"] in ("metropolitan", "city-of-london") or scope.get("area") == LONDON
        else "area",
        show_boroughs=_by_area(scope) and bool(areas),
        has_map=bool(paths),
        breakdowns=document.get("breakdowns") or {},
        breakdown_label=breakdown_label,
        trend_kind=kind,
        trend_windows=document["trend"][kind] if kind else [],
        trend_words=TREND_KINDS[kind] if kind else None,
        window_label=window_label,
        change=change,
        verdict=_verdict,
        crime_mix=crime_mix,
        bias=bias,
        bias_tests=[{"doc": d, "rates": rates_tables(d) if d["test"] == "rates" and d["available"] else [],
                     "one_area": rates_one_area(d) if d["test"] == "rates" and d["available"]
                     and len(d["figures"]["areas"]) == 1 else [],
                     "charts": change_charts(d) if d["test"] == "change" and d["available"] else []}
                    for d in bias_tests],
        span=span,
        ratio_or_why=ratio_or_why,
        headlines=headline_sentences(headlines, scope) if headlines else [],
        previous=period_words(headlines["previous"]["from"], headlines["previous"]["to"]) if headlines else None,
        hotspots=_hotspot_maps(hotspots, shapes or []),
        min_searches=HOTSPOT_MIN_SEARCHES,
        force_targets=force_targets,
        uof=use_of_force,
        public=public,
        made_on=date.today().isoformat(),
        version=scrutiny_version(),
    )


def _hotspot_maps(documents: Sequence[dict[str, Any]], shapes: Sequence[Area]) -> list[tuple[dict[str, Any], Markup]]:
    """Each hotspots document with its map (an area with no outline loaded is left out)."""
    from scrutiny.report.geometry import project_hotspots

    outlines = {s.code: s for s in shapes}
    out = []
    for spots in documents:
        outline = outlines.get(spots["scope"]["area"])
        if outline is None:
            continue
        path, squares, height = project_hotspots(outline, spots["grid"])
        name = spots["scope"].get("area_name") or outline.name
        out.append((spots, charts.hotspot_map(path, squares, height, label=f"Searches in {name} by "
                                              f"{spots['cell_metres']:.0f} m square")))
    return out


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    html_bytes: int
    html_seconds: float  # metrics + layout
    pdf: Path | None = None
    pdf_bytes: int | None = None
    pdf_seconds: float | None = None


def parse_versus(text: str) -> tuple[str, str]:
    """`FROM:TO` (two `YYYY-MM` months, FROM not after TO), or one month as `scrutiny change` takes it, as a
    pair; a clear error for anything else."""
    parts = [part.strip() for part in text.split(":")]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or not all(parts):
        raise BadInput(f"bad --versus {text!r}: expected FROM:TO, two months YYYY-MM, e.g. 2021-06:2021-09")
    try:
        check_period(parts[0], parts[1], names=("", ""))
    except (BadMonth, BackwardsPeriod) as exc:
        raise BadInput(f"bad --versus {text!r}: {exc}") from None
    return parts[0], parts[1]


def write_report(db: Path, scope: Scope, out: Path, pdf: Path | None = None,
                 versus: tuple[str, str] | None = None, *, public: bool = False,
                 quarterly: bool = False, bias_tests: Sequence[str] = (),
                 test_options: TestOptions | None = None) -> ReportFiles:
    """Compute the metrics for `scope`, write the HTML to `out` and, when `pdf` is given, the PDF there.
    `versus` (FROM, TO) adds the comparison with that period: the same scope and lens, its own document;
    the "Tests of bias" section always has the outcome test and the rates test, and adds the tests named in
    `bias_tests` ("darkness", "change"; the change test needs the scope's area and `test_options.at`, and takes
    `test_options.controls`; both compare `test_options.group` with White people). A test that refuses is laid
    out with its reasons; options it cannot use are BadInput before anything is computed.
    A "Use of force" section follows when use-of-force figures are loaded for the scope's force (or England and
    Wales) and a financial year overlapping the period (report.use_of_force).
    A `quarterly` report opens with sentences comparing the period with the one just before (a quarter with the
    quarter before), maps the hotspots of its five busiest areas (with areas to map), and judges each force's own
    targets on its own searches where several forces are added up."""
    from scrutiny.bias.document import compute_bias
    from scrutiny.metrics import compute_metrics
    from scrutiny.metrics.change import change_between
    from scrutiny.metrics.force_targets import compute_force_targets
    from scrutiny.metrics.headlines import compute_headlines
    from scrutiny.metrics.hotspots import compute_busiest_hotspots
    from scrutiny.report.geometry import load_shapes
    from scrutiny.report.use_of_force import compute_section as compute_use_of_force_section

    started = time.perf_counter()
    wanted_tests(scope, bias_tests, test_options)  # a test's bad option is an error before anything is computed
    document = compute_metrics(db, scope)
    change = None
    if versus is not None:
        try:
            other = compute_metrics(db, replace(scope, start=versus[0], end=versus[1]))
        except ScrutinyError as exc:
            raise NotFound(f"--versus {versus[0]}:{versus[1]}: {exc}") from None
        # The earlier period is "before", whichever of the two the report is about.
        mine = document["scope"]
        earlier_first = (other["scope"]["from"], other["scope"]["to"]) < (mine["from"], mine["to"])
        change = change_between(other, document) if earlier_first else change_between(document, other)
    document = _with_revisions(db, document)
    shapes = load_shapes(db) if _by_area(document["scope"]) else None
    bias = compute_bias(db, scope)  # the outcome test only: fast; the threshold test is `scrutiny bias`
    tests = compute_bias_tests(db, scope, bias_tests, test_options)
    figures = compute_headlines(db, scope, document) if quarterly else None
    spots = compute_busiest_hotspots(db, scope, document) if quarterly and shapes else []
    own_targets = compute_force_targets(db, scope) if quarterly else []
    use_of_force = compute_use_of_force_section(db, scope, document)
    html = render(document, shapes, bias, change, public=public, headlines=figures, hotspots=spots,
                  force_targets=own_targets, bias_tests=tests, use_of_force=use_of_force)
    return write_files(html, out, pdf, started)


def _with_revisions(db: Path, document: dict[str, Any]) -> dict[str, Any]:
    """The document with a note naming the months of its period that republished files revised, and when."""
    from scrutiny.metrics.revisions import revision_note, revisions_with
    from scrutiny.metrics.warehouse_backend import compute_metrics_with
    from scrutiny.vocab.months import month_start

    period = document["scope"]
    found = compute_metrics_with(db, lambda backend: revisions_with(
        backend, period["force"], month_start(period["from"]), month_start(period["to"])))
    note = revision_note(found)
    return {**document, "notes": [*document["notes"], note]} if note else document


def wanted_tests(scope: Scope, names: Sequence[str] = (), options: TestOptions | None = None) -> list[str]:
    """The tests the report lays out beside the outcome test: the rates test and those of `names` (each once, in
    the order rates, darkness, change; "outcome" and "rates" are always in), every one's options checked
    (BadInput naming the option) before anything is computed."""
    from scrutiny.bias.suite import TestOptions, check_options, check_test, options_for

    options = options or TestOptions()
    for name in names:
        check_test(name)
    wanted = ["rates", *(t for t in EXTRA_TESTS if t in names)]
    if (options.at is not None or options.controls) and "change" not in wanted:
        raise BadInput("at, control: these are for the change test: ask for it too")
    for name in wanted:
        check_options(name, options_for(name, options), scope.area)
    return wanted


def compute_bias_tests(db: Path, scope: Scope, names: Sequence[str] = (),
                       options: TestOptions | None = None) -> list[dict[str, Any]]:
    """The documents of `wanted_tests`, from one read of the warehouse at `db` (`bias.suite.compute_tests`)."""
    from scrutiny.bias.suite import TestOptions, compute_tests, options_for

    options = options or TestOptions()
    return compute_tests(db, scope, [(name, options_for(name, options))
                                     for name in wanted_tests(scope, names, options)])


def write_files(html: str, out: Path, pdf: Path | None, started: float) -> ReportFiles:
    """Write a laid-out page to `out` and, when asked, its PDF to `pdf`; `started` is when its figures began."""
    from scrutiny.report.pdf import write_pdf

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    files = ReportFiles(out, out.stat().st_size, time.perf_counter() - started)
    if pdf is None:
        return files
    started = time.perf_counter()
    write_pdf(html, pdf)
    return ReportFiles(files.html, files.html_bytes, files.html_seconds, pdf, pdf.stat().st_size,
                       time.perf_counter() - started)
