"""`scrutiny metrics`: the DESIGN.md document as JSON, or as tables to read in a terminal."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from scrutiny.cli.common import DbOption, console, print_notes, user_errors
from scrutiny.config import resolve_db
from scrutiny.metrics import Scope, compute_metrics

ForceOption = Annotated[
    str, typer.Option("--force", help="data.police.uk force id, e.g. metropolitan, or `all` for every force.")
]
AreaOption = Annotated[str | None, typer.Option("--area", help="A borough by name or code, e.g. Hackney or E09000012.")]
FromOption = Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")]
ToOption = Annotated[str, typer.Option("--to", help="Last month, YYYY-MM (inclusive).")]


class Basis(StrEnum):
    self = "self"
    officer = "officer"


class Format(StrEnum):
    json = "json"
    table = "table"


EthnicityOption = Annotated[
    Basis, typer.Option("--ethnicity", help="Self-defined (as in official statistics) or officer-defined.")
]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def print_tables(doc: dict[str, Any]) -> None:
    scope = doc["scope"]
    where = scope["area_name"] or scope["force"]
    console.print(f"[bold]{where}[/], {scope['from']} to {scope['to']}: {doc['searches']:,} searches "
                  f"({doc['person_searches']:,} of people), ethnicity {scope['ethnicity']}-defined")
    targets = Table(title="What searches were for, against the targets", title_justify="left")
    for name in ("object", "count", "share", "target", "met"):
        targets.add_column(name)
    by_group = {t["group"]: t for t in doc["targets"]}
    for group, value in doc["object_groups"].items():
        t = by_group.get(group)
        targets.add_row(group, f"{value['count']:,}", _pct(value["share"]),
                        f"{t['op']} {t['target']:.0%}" if t else "", ("met" if t["met"] else "NOT met") if t else "")
    console.print(targets)
    disp = Table(title="Searches per 1,000 residents and ratio to White (95% interval)", title_justify="left")
    for name in ("group", "searches", "residents", "per 1,000", "ratio", "95% interval"):
        disp.add_column(name)
    for d in doc["disproportionality"]:
        ratio = "suppressed (<10)" if d["suppressed"] else _num(d["ratio_vs_white"])
        interval = f"{_num(d['ci_low'])}–{_num(d['ci_high'])}" if d["ci_low"] is not None else ""
        disp.add_row(d["group"], f"{d['searches']:,}", "–" if d["population"] is None else f"{d['population']:,}",
                     _num(d["rate_per_1000"]), ratio, interval)
    console.print(disp)
    console.print(f"unknown ethnicity: {_pct(doc['unknown_ethnicity_share'])} of searches of people")
    out = doc["outcomes"]
    console.print(f"find rate {_pct(out['find_rate'])}, arrest rate {_pct(out['arrest_rate'])}; "
                  f"children searched {doc['children']:,}; strip searches "
                  f"{'not published' if doc['strip_searches'] is None else format(doc['strip_searches'], ',')}")
    print_notes(doc["notes"])


def metrics(
    force: ForceOption,
    start: FromOption,
    end: ToOption,
    area: AreaOption = None,
    ethnicity: EthnicityOption = Basis.self,
    output: Annotated[Format, typer.Option("--format", help="json (the documented contract) or table.")] = Format.json,
    db: DbOption = None,
) -> None:
    """The scrutiny figures for a force or borough and a month range (DESIGN.md's JSON document)."""
    with user_errors():
        doc = compute_metrics(resolve_db(db), Scope(force, area, start, end, ethnicity.value))
    if output is Format.json:
        typer.echo(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print_tables(doc)


def register(app: typer.Typer) -> None:
    app.command()(metrics)
