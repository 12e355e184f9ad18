"""Build the report: one self-contained HTML file (inline CSS and SVG), and optionally a PDF of it.

`render` lays out a metrics document (`scrutiny.metrics.compute_metrics`); it formats figures but never
derives them, so the report says exactly what `scrutiny metrics --format json` and the API say.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from scrutiny.catalog import forces
from scrutiny.report import charts
from scrutiny.report.charts import Bar, Series
from scrutiny.sources.boundaries import Area

if TYPE_CHECKING:  # the metrics package pulls in Ibis; rendering a document does not need it
    from scrutiny.metrics import Scope

GROUPS = ("Asian", "Black", "Mixed", "White", "Other")
OBJECT_GROUPS = {
    "drugs": "Drugs",
    "weapons": "Weapons",
    "key_crime": "Key crime",
    "other": "Other",
}
OUTCOME_CLASSES = {
    "no_further_action": "No further action",
    "arrest": "Arrest",
    "drugs_warning": "Drugs warning",
    "penalty_notice": "Penalty notice",
    "community_resolution": "Community resolution",
    "caution": "Caution",
    "summons": "Summons",
    "other": "Other outcome",
    "unknown": "Not recorded",
}
AGE_RANGES = ("under 10", "10-17", "18-24", "25-34", "over 34", "unknown")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SUPPRESSED = "suppressed"


# Formatting only: each turns one figure of the document into text.
def count(value: int | float | None) -> str:
    return "n/a" if value is None else f"{round(value):,}"


def pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.1f}%"


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def age_label(age_range: str) -> str:
    return age_range.replace("-", "–")


def _months(start: str, end: str) -> list[str]:
    """Every month from start to end inclusive, so a month with no row shows as a gap, not a bridge."""
    y, m = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    out: list[str] = []
    while (y, m) <= (ey, em) and len(out) < 1200:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("scrutiny.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(count=count, pct=pct, ratio=ratio, rate=rate, month=month_label, age=age_label)
    return env


def _scope_title(scope: dict[str, Any]) -> str:
    force = forces().get(scope["force"])
    name = force.name if force else scope["force"]
    if scope.get("area"):
        return f"{scope.get('area_name') or scope['area']} ({name})"
    return name


def _missing(row: dict[str, Any]) -> str:
    if row.get("suppressed"):
        return "suppressed (fewer than 10 searches)"
    return "no population figures" if row.get("population") is None else "not available"


def _charts(doc: dict[str, Any], paths: Sequence[charts.MapPath], map_height: float) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    scope = doc["scope"]
    monthly = {row["month"]: row for row in doc.get("monthly", [])}
    if monthly:
        months = _months(scope["from"], scope["to"])
        labels = [month_label(m) for m in months]
        out["monthly_searches"] = charts.line_chart(
            labels, [Series("Searches", [monthly[m]["searches"] if m in monthly else None for m in months])],
            label="Searches each month", fmt=count)
        out["monthly_shares"] = charts.line_chart(
            labels,
            [Series("Drugs share", [monthly[m]["drugs_share"] if m in monthly else None for m in months]),
             Series("Find rate", [monthly[m]["find_rate"] if m in monthly else None for m in months])],
            label="Drugs share and find rate each month", fmt=lambda v: f"{v * 100:.0f}%")
    targets = {t["group"]: t for t in doc["targets"]}
    out["object_groups"] = charts.bar_chart(
        [Bar(OBJECT_GROUPS.get(g, g), doc["object_groups"][g]["share"],
             target=targets[g]["target"] if g in targets else None,
             note=("✓ met" if targets[g]["met"] else "✗ not met") if g in targets else "")
         for g in doc["object_groups"]],
        label="Share of searches by object, with targets", fmt=pct, tick_fmt=lambda v: f"{v * 100:.0f}%",
        target_label="target (dashed line); ✓ met, ✗ not met")
    rows = [r for r in doc["disproportionality"] if r["group"] != "White"]
    out["ratios"] = charts.bar_chart(
        [Bar(r["group"], r["ratio_vs_white"], r["ci_low"], r["ci_high"], missing=_missing(r)) for r in rows],
        label="Search rate compared with White people, with 95% intervals", fmt=ratio,
        tick_fmt=lambda v: f"{v:g}×", reference=1.0, reference_label="same rate as White people")
    out["rates"] = charts.bar_chart(
        [Bar(r["group"], r["rate_per_1000"], missing=_missing(r)) for r in doc["disproportionality"]],
        label="Searches per 1,000 residents by ethnic group", fmt=rate, tick_fmt=lambda v: f"{v:g}")
    specific = [r for r in doc.get("age_specific", []) if r["group"] != "White"]
    if specific:
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
        label="Outcomes as a share of all searches", fmt=pct, tick_fmt=lambda v: f"{v * 100:.0f}%")
    by_group = doc.get("outcomes_by_group", [])
    if by_group:
        out["find_by_group"] = charts.bar_chart(
            [Bar("Unknown" if r["group"] == "unknown" else r["group"], r["find_rate"]) for r in by_group],
            label="Find rate by ethnic group", fmt=pct, tick_fmt=lambda v: f"{v * 100:.0f}%")
    if paths:
        out["map"] = charts.choropleth(
            paths, map_height, {a["area_code"]: a.get("rate_per_1000") for a in doc.get("areas", [])},
            label="Searches per 1,000 residents by borough", fmt=rate,
            legend_title="Searches per 1,000 residents")
    return out


def render(document: dict[str, Any], shapes: list[Area] | None = None, bias: dict[str, Any] | None = None) -> str:
    """The report as one HTML page. `shapes` (from `geometry.load_shapes`) adds the borough map; `bias`
    (a document from `scrutiny.bias.document`) adds the "Tests of bias" section."""
    from scrutiny.report.geometry import project

    scope = document["scope"]
    areas = document.get("areas", [])
    codes = {a["area_code"] for a in areas}
    paths: list[charts.MapPath] = []
    map_height = 0.0
    if scope.get("area") is None and shapes and codes.intersection(s.code for s in shapes):
        paths, map_height = project(shapes)
    by_group = {r["group"]: r for r in document["disproportionality"]}
    borough_rows = sorted(areas, key=lambda a: (a["area_code"] == "unknown", -a["searches"], a["area_name"]))
    try:
        scrutiny_version = version("scrutiny")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        scrutiny_version = "dev"
    return _environment().get_template("report.html.j2").render(
        doc=document,
        title=_scope_title(scope),
        charts=_charts(document, paths, map_height),
        black=by_group.get("Black"),
        targets={t["group"]: t for t in document["targets"]},
        by_group=by_group,
        groups=GROUPS,
        object_groups=OBJECT_GROUPS,
        outcome_classes=OUTCOME_CLASSES,
        age_ranges=[a for a in AGE_RANGES if a in document["age"]],
        borough_rows=borough_rows,
        show_boroughs=scope.get("area") is None and bool(areas),
        has_map=bool(paths),
        bias=bias,
        made_on=date.today().isoformat(),
        version=scrutiny_version,
    )


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    html_bytes: int
    html_seconds: float  # metrics + layout
    pdf: Path | None = None
    pdf_bytes: int | None = None
    pdf_seconds: float | None = None


def write_report(db: Path, scope: Scope, out: Path, pdf: Path | None = None) -> ReportFiles:
    """Compute the metrics for `scope`, write the HTML to `out` and, when `pdf` is given, the PDF there."""
    from scrutiny.bias.document import compute_bias
    from scrutiny.metrics import compute_metrics
    from scrutiny.report.geometry import load_shapes
    from scrutiny.report.pdf import write_pdf

    started = time.perf_counter()
    document = compute_metrics(db, scope)
    shapes = load_shapes(db) if document["scope"].get("area") is None else None
    bias = compute_bias(db, scope)  # the outcome test only: fast; the threshold test is `scrutiny bias`
    html = render(document, shapes, bias)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    files = ReportFiles(out, out.stat().st_size, time.perf_counter() - started)
    if pdf is None:
        return files
    started = time.perf_counter()
    write_pdf(html, pdf)
    return ReportFiles(files.html, files.html_bytes, files.html_seconds, pdf, pdf.stat().st_size,
                       time.perf_counter() - started)
