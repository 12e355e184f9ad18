"""`scrutiny metrics`: the metrics document (docs/metrics.md) as JSON, or as tables to read in a terminal."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from scrutiny.cli.common import DbOption, console, print_notes, user_errors
from scrutiny.cli.engine_options import EngineOption, SourceOption, SparkOption, start_engine
from scrutiny.cli.options import (
    AreaOption,
    Basis,
    EthnicityOption,
    ForceOption,
    Format,
    FormatOption,
    FromOption,
    PowerOption,
    PurposeOption,
    ToOption,
    scope_of,
)
from scrutiny.vocab import numbers
from scrutiny.vocab.numbers import DASH
from scrutiny.vocab.suppression import RATIO_SUPPRESSED_TEXT
from scrutiny.warehouse.engine import Engine


# Terminal tables show a missing figure as a dash (scrutiny.vocab.numbers).
def pct(value: float | None) -> str:
    return numbers.pct(value, missing=DASH)


num = numbers.number


def count(value: float | None) -> str:
    return numbers.count(value, missing=DASH)


def ratio_text(r: dict[str, Any], value_key: str = "ratio_vs_white") -> str:
    if r["suppressed"]:
        return RATIO_SUPPRESSED_TEXT
    if r[value_key] is None:
        return "–"
    interval = f" ({num(r['ci_low'])}–{num(r['ci_high'])})" if r.get("ci_low") is not None else ""
    return num(r[value_key]) + interval


def headline(doc: dict[str, Any]) -> str:
    scope = doc["scope"]
    where = scope["area_name"] or scope["force"]
    lens = " ".join(p for p in (f"for {scope['purpose_name']}" if scope["purpose"] else "",
                                f"under {scope['power_name']}" if scope["power"] else "") if p)
    return (f"[bold]{where}[/], {scope['from']} to {scope['to']}: {doc['searches']:,} searches "
            f"{lens + ' ' if lens else ''}({doc['person_searches']:,} of people), "
            f"ethnicity {scope['ethnicity']}-defined")


def print_tables(doc: dict[str, Any]) -> None:
    console.print(headline(doc))
    targets = Table(title="What searches were for, against the force's targets", title_justify="left")
    for name in ("object", "count", "share", "target", "met"):
        targets.add_column(name)
    by_group = {t["group"]: t for t in doc["targets"]}
    for group, value in doc["object_groups"].items():
        t = by_group.get(group)
        met = "" if t is None or t["met"] is None else ("met" if t["met"] else "NOT met")
        targets.add_row(group, f"{value['count']:,}", pct(value["share"]),
                        f"{t['op']} {numbers.whole_pct(t['target'])}" if t else "", met)
    console.print(targets)
    if doc["targets_note"]:
        console.print(doc["targets_note"], highlight=False)
    disp = Table(title="Searches per 1,000 residents and ratio to White (95% interval)", title_justify="left")
    for name in ("group", "searches", "residents", "per 1,000", "ratio (95% interval)"):
        disp.add_column(name)
    for d in doc["disproportionality"]:
        disp.add_row(d["group"], f"{d['searches']:,}", count(d["population"]), num(d["rate_per_1000"]), ratio_text(d))
    console.print(disp)
    console.print(f"unknown ethnicity: {pct(doc['unknown_ethnicity_share'])} of searches of people")
    for kind, title in (("purpose", "By purpose"), ("power", "By power")):
        table = Table(title=f"{title}: searches, find rate and Black/White ratio", title_justify="left")
        for name in (kind, "searches", "share", "find rate", "Black/White (95% interval)"):
            table.add_column(name)
        for row in doc["breakdowns"][kind]:
            table.add_row(row["name"], f"{row['searches']:,}", pct(row["share"]), pct(row["find_rate"]),
                          ratio_text(row["black_white"], "ratio"))
        console.print(table)
    out = doc["outcomes"]
    console.print(f"find rate {pct(out['find_rate'])}, arrest rate {pct(out['arrest_rate'])}; "
                  f"children searched {doc['children']:,}; strip searches "
                  f"{'not published' if doc['strip_searches'] is None else format(doc['strip_searches'], ',')}")
    missing = [c for c in doc["coverage"] if c["missing"]]
    for c in missing:
        console.print(f"{c['name']}: data for {c['months_covered']} of {c['months_in_period']} months "
                      f"(missing {', '.join(c['missing'])})", highlight=False)
    print_notes(doc["notes"])


def metrics(
    force: ForceOption,
    start: FromOption,
    end: ToOption,
    area: AreaOption = None,
    ethnicity: EthnicityOption = Basis.self,
    purpose: PurposeOption = None,
    power: PowerOption = None,
    output: FormatOption = Format.json,
    db: DbOption = None,
    engine: EngineOption = Engine.duckdb,
    source: SourceOption = None,
    spark: SparkOption = None,
) -> None:
    """The scrutiny figures for a force, several forces or a borough and a month range (the JSON document)."""
    from scrutiny.config import resolve_db
    from scrutiny.metrics import compute_metrics

    with user_errors():
        start_engine(engine, source, spark)
        doc = compute_metrics(resolve_db(db), scope_of(force, area, start, end, ethnicity, purpose, power))
    if output is Format.json:
        typer.echo(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print_tables(doc)


def register(app: typer.Typer) -> None:
    app.command()(metrics)
