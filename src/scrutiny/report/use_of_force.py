"""The report's "Use of force" section: which financial year it shows, its figures and their charts.

The Home Office publishes use of force by financial year (April to March), while a report covers any months:
the section shows the latest year with figures loaded for the report's force (or England and Wales for every
force) that lies inside or overlaps the report's period, and says which. It is left out for an area (the
figures are a force's) or several forces added up (no release adds forces up), and when no year is loaded.
Every figure is the use-of-force document's (`metrics.use_of_force`); this module picks the year and lays out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from scrutiny.report import charts
from scrutiny.report.charts import Bar
from scrutiny.vocab import numbers
from scrutiny.vocab.ethnicity import REFERENCE
from scrutiny.vocab.months import period_name
from scrutiny.vocab.use_of_force import CED_LABELS, NATIONAL, financial_year, year_months, year_of_month
from scrutiny.vocab.use_of_force_words import (
    day,
    over_both_sentences,
    release_words,
    revision_rows,
    revision_sentences,
    year_words,
)

if TYPE_CHECKING:
    from scrutiny.metrics import Scope

TABLE = "use_of_force"
ALL_FORCES = "all"
TASER_ROWS = ("total", "total_non_discharge", "drawn", "aimed", "red_dot", "arced", "total_discharge", "drive_stun",
              "fired", "angled_drive_stun", "not_stated")
TASER_TOTALS = ("total", "total_non_discharge", "total_discharge")
TASER_LABELS = {**CED_LABELS, "total": "Every incident with a Taser", "total_non_discharge": "Not discharged, of which",
                "total_discharge": "Discharged, of which"}


def years_overlapping(start: str, end: str) -> list[str]:
    """The financial years (2019/20) that share a month with the period `start`..`end` (YYYY-MM), oldest first."""
    first, last = (int(year_of_month(m)[:4]) for m in (start, end))
    return [financial_year(y) for y in range(first, last + 1)]


def choose_year(start: str, end: str, loaded: Sequence[str]) -> str | None:
    """The latest of the `loaded` financial years that overlaps the period, or None."""
    found = [y for y in years_overlapping(start, end) if y in set(loaded)]
    return found[-1] if found else None


def choice_words(year: str, start: str, end: str) -> str:
    """Which financial year the section shows, against the report's period, in words."""
    first, last = year_months(year)
    if (first, last) == (start, end):
        return f"These figures are for the financial year {year} ({year_words(year)}), the report's period."
    where = "inside" if start <= first and last <= end else "overlapping"
    caution = "" if where == "inside" else (" It is not the report's period, so read its figures beside the rest "
                                            "of the report with that in mind.")
    return (f"The Home Office publishes these figures for financial years (April to March) only: this section shows "
            f"{year} ({year_words(year)}), the latest year loaded {where} the report's period "
            f"({period_name(start, end)}).{caution}")


def _force_of(scope: Scope) -> str | None:
    """The force the section is about (ALL_FORCES for England and Wales), or None when it has no such force."""
    if scope.area is not None or "," in scope.force:
        return None
    return scope.force


def force_years(db: Path, force: str) -> list[str]:
    """The financial years the use-of-force table holds any row of `force` (England and Wales for ALL_FORCES)
    for: a listing, not a figure."""
    from scrutiny.metrics.warehouse_backend import compute_metrics_with

    own = NATIONAL if force == ALL_FORCES else force

    def work(backend: Any) -> list[str]:
        if TABLE not in backend.list_tables():
            return []
        t = backend.table(TABLE)
        years = t.filter(t.force == own).select("financial_year").distinct().to_pyarrow().column(0).to_pylist()
        return sorted(str(y) for y in years)

    return compute_metrics_with(db, work)


def compute_section(db: Path, scope: Scope, document: dict[str, Any]) -> dict[str, Any] | None:
    """The section for a report of `scope` (see the module's docstring), or None when it is left out. A metrics
    document that spans the very financial year carries the figures already (`use_of_force`)."""
    from scrutiny.metrics.use_of_force import compute_use_of_force

    force = _force_of(scope)
    if force is None:
        return None
    year = choose_year(scope.start, scope.end, force_years(db, force))
    if year is None:
        return None
    doc = document.get("use_of_force")
    if not doc or doc.get("financial_year") != year:
        doc = compute_use_of_force(db, force, year)
    return section(doc, scope.start, scope.end)


def section(doc: dict[str, Any], start: str, end: str) -> dict[str, Any]:
    """What the template lays out: the document, the words around it and its charts."""
    national = doc["force"] == ALL_FORCES
    name = doc.get("force_name") or doc["force"]
    groups = [r for r in doc["by_ethnicity"] if r["group"] != "unknown"]
    stop_search = doc.get("stop_search")
    return {
        "doc": doc, "name": name, "national": national, "choice": choice_words(doc["financial_year"], start, end),
        "groups": groups, "unknown": next((r for r in doc["by_ethnicity"] if r["group"] == "unknown"), None),
        "national_groups": {r["group"]: r for r in (doc.get("national") or {}).get("by_ethnicity", [])},
        "has_ethnicity": any(r["tactic_uses"] is not None for r in doc["by_ethnicity"]),
        "has_age": any(a["tactic_uses"] is not None for a in doc["by_age"]),
        "releases": [f"{release_words(r['release'])}, published {day(r['published'])}"
                     for r in doc.get("releases", [])],
        "same_period": year_months(doc["financial_year"]) == (start, end),
        "both_words": over_both_sentences(stop_search, "across England and Wales" if national else f"by {name}",
                                          doc["financial_year"]) if stop_search else [],
        "revisions": revision_rows(doc),
        "revision_words": revision_sentences([r["row"] for r in revision_rows(doc)], doc.get("releases") or []),
        "taser_rows": TASER_ROWS, "taser_totals": TASER_TOTALS, "taser_labels": TASER_LABELS,
        "charts": _charts(doc, groups, name),
    }


def _charts(doc: dict[str, Any], groups: list[dict[str, Any]], name: str) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    rows = [r for r in groups if r["group"] != REFERENCE]
    if any(r["ratio_vs_white"] is not None for r in rows):
        out["ratios"] = charts.bar_chart(
            [Bar(r["group"], r["ratio_vs_white"], r["ci_low"], r["ci_high"],
                 missing="too few to say" if r["suppressed"] else "not available") for r in rows],
            label=f"Use of force in {name}: tactic uses per resident compared with White people, with 95% intervals",
            fmt=numbers.ratio, tick_fmt=lambda v: f"{v:g}×", reference=1.0,
            reference_label="same rate as White people")
    years = doc["taser"]["years"]
    if sum(y["total"] is not None for y in years) > 1:
        out["taser"] = charts.line_chart(
            [y["financial_year"] for y in years],
            [charts.Series("With a Taser", [y["total"] for y in years]),
             charts.Series("Taser fired", [y["fired"] for y in years])],
            label="Incidents with a Taser, and those where it was fired, each financial year", fmt=numbers.count)
    return out
