"""`scrutiny crime`: recorded crime and what happened to it (docs/metrics.md, "Recorded crime and justice
outcomes"), as JSON or as tables to read in a terminal."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from scrutiny.cli.common import DbOption, console, print_notes, user_errors
from scrutiny.cli.metrics import pct
from scrutiny.cli.options import AreaOption, ForceOption, Format, FormatOption, FromOption, ToOption
from scrutiny.vocab import numbers

TypeOption = Annotated[str | None, typer.Option(
    "--type", help="Only this crime type, as published (e.g. Drugs, 'Possession of weapons'); any case.")]


def _interval(row: dict[str, Any]) -> str:
    if row["share"] is None:
        return numbers.DASH
    return f"{pct(row['share'])} ({pct(row['ci_low'])}–{pct(row['ci_high'])})"


def print_tables(doc: dict[str, Any]) -> None:
    scope, recorded, out = doc["scope"], doc["recorded"], doc["outcomes"]
    where = scope["area_name"] or scope["force"]
    console.print(f"[bold]{where}[/], {scope['from']} to {scope['to']}: {recorded['crimes']:,} recorded crimes"
                  f"{' of type ' + scope['type'] if scope['type'] else ''}; "
                  f"{recorded['anti_social_behaviour']:,} anti-social behaviour incidents (not crimes)")
    types = Table(title="Recorded crimes by type", title_justify="left")
    for name in ("type", "crimes"):
        types.add_column(name, justify="right" if name == "crimes" else "left")
    for row in recorded["by_type"]:
        types.add_row(row["type"], f"{row['crimes']:,}")
    console.print(types)
    console.print(f"{out['crime_type']}: {out['crimes']:,} crimes, {out['with_outcome']:,} with an outcome loaded, "
                  f"{out['not_linked_yet']:,} not linked yet", highlight=False)
    mix = Table(title=f"What happened to {out['crime_type']} crimes: latest outcome (95% interval)",
                title_justify="left")
    for name in ("outcome", "crimes", "share of crimes with an outcome"):
        mix.add_column(name, justify="left" if name == "outcome" else "right")
    for row in out["latest_outcome"]:
        if row["n"]:
            mix.add_row(row["label"], f"{row['n']:,}", _interval(row))
    console.print(mix)
    console.print(f"charged or summonsed: {_interval(out['charged'])}; no further action: "
                  f"{_interval(out['no_further_action'])}", highlight=False)
    delay = out["months_to_first_outcome"]
    if delay["median"] is not None:
        console.print(f"months from crime to first outcome: median {delay['median']:g}; "
                      + ", ".join(f"{b['months']} {b['crimes']:,}" for b in delay["distribution"]), highlight=False)
    searches = doc["drug_searches"]
    if searches is not None:
        per = numbers.number(searches["per_drug_crime"]) if searches["per_drug_crime"] is not None else numbers.DASH
        console.print(f"searches for drugs: {searches['searches']:,}, recorded drug crimes: {searches['drug_crimes']:,}"
                      f" (months with both loaded: {' '.join(searches['months'])}), searches per drug crime: {per}. "
                      f"{searches['caveat']}", highlight=False)
    print_notes(doc["notes"])


def crime(
    force: ForceOption,
    start: FromOption,
    end: ToOption,
    area: AreaOption = None,
    crime_type: TypeOption = None,
    output: FormatOption = Format.json,
    db: DbOption = None,
) -> None:
    """Recorded crime by type and month, and what happened to drug crimes afterwards (street and outcomes files)."""
    from scrutiny.config import resolve_db
    from scrutiny.metrics.crime import CrimeScope, compute_crime

    with user_errors():
        doc = compute_crime(resolve_db(db), CrimeScope(force, start, end, area, None, crime_type))
    if output is Format.json:
        typer.echo(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print_tables(doc)


def register(app: typer.Typer) -> None:
    app.command()(crime)
