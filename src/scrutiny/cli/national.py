"""`scrutiny forces` (every force side by side for a period and lens), `scrutiny coverage` (which force-months
are loaded, missing or suspiciously small) and `scrutiny change` (did a ratio change between two periods)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from scrutiny.catalog import ALL_FORCES
from scrutiny.cli.common import DbOption, console, user_errors
from scrutiny.cli.metrics import count, num, pct, ratio_text
from scrutiny.cli.options import (
    AreaOption,
    Basis,
    EthnicityOption,
    ForceOption,
    Format,
    FormatOption,
    PowerOption,
    PurposeOption,
    scope_of,
)
from scrutiny.errors import BadInput, NotFound
from scrutiny.vocab.months import check_period, ranges
from scrutiny.vocab.suppression import RATIO_SUPPRESSED_TEXT

PeriodFrom = Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")]
PeriodTo = Annotated[str, typer.Option("--to", help="Last month, YYYY-MM (inclusive).")]


def forces(
    start: PeriodFrom,
    end: PeriodTo,
    ethnicity: EthnicityOption = Basis.self,
    purpose: PurposeOption = None,
    power: PowerOption = None,
    output: FormatOption = Format.table,
    db: DbOption = None,
) -> None:
    """Every force with data in the period: searches, rate per 1,000, Black/White ratio, drugs share, find rate."""
    from scrutiny.config import resolve_db
    from scrutiny.metrics.document import compute_metrics_with
    from scrutiny.metrics.forces_table import forces_table, national_scope
    from scrutiny.metrics.scope import resolve_scope

    with user_errors():
        doc = compute_metrics_with(resolve_db(db), lambda backend: forces_table(
            backend, resolve_scope(backend, national_scope(start, end, ethnicity.value, purpose, power))))
    if output is Format.json:
        typer.echo(json.dumps(doc, indent=2, allow_nan=False))
        return
    lens = " ".join(p for p in (f"for {doc['purpose_name']}" if doc["purpose"] else "",
                                f"under {doc['power_name']}" if doc["power"] else "") if p)
    table = Table(title=f"Searches {lens + ' ' if lens else ''}{doc['from']} to {doc['to']}", title_justify="left")
    for name in ("force", "searches", "per 1,000", "Black/White (95% interval)", "for drugs", "find rate", "months"):
        table.add_column(name)
    for r in doc["forces"]:
        table.add_row(r["name"], f"{r['searches']:,}", num(r["rate_per_1000"]), ratio_text(r["black_white"], "ratio"),
                      pct(r["drugs_share"]), pct(r["find_rate"]), f"{r['months_covered']} of {r['months_in_period']}")
    console.print(table)


def coverage(
    force: Annotated[str, typer.Option("--force", help="A force id, several joined by commas, or all.")] = ALL_FORCES,
    start: Annotated[str | None, typer.Option("--from", help="First month to show, YYYY-MM.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month to show, YYYY-MM.")] = None,
    output: FormatOption = Format.table,
    db: DbOption = None,
) -> None:
    """Which months each force has loaded, which are missing between its first and last, which are small."""
    from scrutiny.config import resolve_db
    from scrutiny.metrics.coverage import coverage_table
    from scrutiny.metrics.document import compute_metrics_with
    from scrutiny.metrics.scope import normalise_forces

    with user_errors():
        spec = normalise_forces(force)
        if start and end:
            check_period(start, end)
        rows = compute_metrics_with(resolve_db(db), lambda backend: coverage_table(backend, spec, start, end))
        if not rows:
            raise NotFound(f"no searches loaded for {spec}" + (f" from {start}" if start else "")
                                + (f" to {end}" if end else ""))
    if output is Format.json:
        typer.echo(json.dumps(rows, indent=2, allow_nan=False))
        return
    table = Table(title="Months loaded per force (missing: nothing loaded; small: under a fifth of the usual)",
                  title_justify="left")
    for name in ("force", "first", "last", "loaded", "missing", "small"):
        table.add_column(name)
    for r in rows:
        table.add_row(r["name"], r["first"], r["last"], str(r["loaded"]), ", ".join(ranges(r["missing"])) or "–",
                      ", ".join(f"{m['month']} ({count(m['searches'])})" for m in r["months"]
                                if m["status"] == "small") or "–")
    console.print(table)


def _period(text: str, option: str) -> tuple[str, str]:
    parts = text.split(":")
    if len(parts) == 1:
        return parts[0], parts[0]
    if len(parts) != 2:
        raise BadInput(f"{option} {text!r}: expected FROM:TO months, e.g. 2018-04:2018-09, or one month")
    return parts[0], parts[1]


def change(
    force: ForceOption,
    before: Annotated[str, typer.Option("--before", help="The earlier period, FROM:TO (YYYY-MM:YYYY-MM).")],
    after: Annotated[str, typer.Option("--after", help="The later period, FROM:TO (YYYY-MM:YYYY-MM).")],
    area: AreaOption = None,
    ethnicity: EthnicityOption = Basis.self,
    purpose: PurposeOption = None,
    power: PowerOption = None,
    output: FormatOption = Format.table,
    db: DbOption = None,
) -> None:
    """Did disproportionality change between two periods? The ratio of the two rate ratios with its interval."""
    from scrutiny.config import resolve_db
    from scrutiny.metrics.change import compute_change

    with user_errors():
        scopes = [scope_of(force, area, *_period(text, option), ethnicity, purpose, power)
                  for text, option in ((before, "--before"), (after, "--after"))]
        doc = compute_change(resolve_db(db), scopes[0], scopes[1])
    if output is Format.json:
        typer.echo(json.dumps(doc, indent=2, allow_nan=False))
        return
    b, a = doc["before"]["scope"], doc["after"]["scope"]
    table = Table(title=f"Ratio to White, {b['from']}..{b['to']} against {a['from']}..{a['to']}", title_justify="left")
    for name in ("group", "before", "after", "after ÷ before (95% interval)", "changed"):
        table.add_column(name)
    for r in doc["change"]:
        changed = RATIO_SUPPRESSED_TEXT if r["suppressed"] else ("–" if r["changed"] is None else
                                                               ("yes" if r["changed"] else "no evidence"))
        table.add_row(r["group"], ratio_text(r["before"]), ratio_text(r["after"]),
                      ratio_text({"suppressed": r["suppressed"], "ratio": r["ratio_of_ratios"], "ci_low": r["ci_low"],
                                  "ci_high": r["ci_high"]}, "ratio"), changed)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(forces)
    app.command()(coverage)
    app.command()(change)
