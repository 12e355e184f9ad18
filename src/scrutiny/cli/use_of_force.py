"""`scrutiny force-use`: police use of force and Taser for a force (or England and Wales) in one financial year
(docs/metrics.md, "Use of force"), as tables to read in a terminal or as the JSON the API answers."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from scrutiny.cli.common import DbOption, console, labelled, plain, print_notes, user_errors
from scrutiny.cli.metrics import count, num, pct, ratio_text
from scrutiny.cli.options import Format, FormatOption
from scrutiny.vocab import numbers
from scrutiny.vocab.use_of_force import CED_LABELS, CED_TYPES

UseOfForceForce = Annotated[str, typer.Option(
    "--force", help="data.police.uk force id, e.g. metropolitan; or `all` for England and Wales.")]
YearOption = Annotated[str, typer.Option(
    "--year", help="Financial year, April to March, written like 2019/20.")]


def _rate(value: float | None) -> str:
    return num(value, 1)


def _totals(doc: dict[str, Any]) -> Table:
    table = Table(title="Incidents and tactic uses per 1,000 residents (2021 Census)", title_justify="left")
    for name in ("", doc["force_name"], "per 1,000", "England and Wales", "per 1,000"):
        table.add_column(name, justify="left" if not name else "right")
    national = doc["national"]
    for key, name in (("incidents", "incidents"), ("tactic_uses", "tactic uses")):
        own = doc[key]
        row = [name, count(own["count"]), _rate(own["per_1000"])]
        row += [count(national[key]["count"]), _rate(national[key]["per_1000"])] if national else ["", ""]
        table.add_row(*row)
    return table


def _ethnicity(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("perceived ethnicity", "tactic uses", "residents", "per 1,000", "ratio to White (95% interval)",
                 "if unknown were White … or this group"):
        table.add_column(name, justify="left" if name == "perceived ethnicity" else "right")
    for r in rows:
        if r["group"] == "unknown":
            table.add_row("not known", count(r["tactic_uses"]), "", "", "", "")
            continue
        bounds = r["unknown_bounds"]
        table.add_row(r["group"], count(r["tactic_uses"]), count(r["residents"]), _rate(r["per_1000"]),
                      ratio_text(r), numbers.interval(*bounds) if bounds else "")
    return table


def _taser(doc: dict[str, Any]) -> Table:
    taser = doc["taser"]
    table = Table(title="Taser (CED): incidents by the highest level of use", title_justify="left")
    table.add_column("use")
    table.add_column(doc["force_name"], justify="right")
    for key in ("total", *CED_TYPES):
        if taser["by_type"].get(key) is not None or key == "total":
            table.add_row(CED_LABELS[key], count(taser["by_type"].get(key)))
    return table


def _years(doc: dict[str, Any]) -> Table:
    table = Table(title="Taser over the years", title_justify="left")
    for name in ("year", "incidents with a Taser", "fired", "share fired", "uses on children", "share on children"):
        table.add_column(name, justify="left" if name == "year" else "right")
    for y in doc["taser"]["years"]:
        table.add_row(y["financial_year"], count(y["total"]), count(y["fired"]), pct(y["fired_share"]),
                      count(y["children"]), pct(y["children_share"]))
    return table


def _ages(doc: dict[str, Any]) -> Table:
    table = Table(title="Tactic uses by perceived age", title_justify="left")
    for name in ("age", "tactic uses", "incidents"):
        table.add_column(name, justify="left" if name == "age" else "right")
    for r in doc["by_age"]:
        table.add_row(r["label"], count(r["tactic_uses"]), count(r["incidents"]))
    return table


def _stops(stops: dict[str, Any]) -> Table:
    table = Table(title="Over-represented in both? Ratio to White (95% interval)", title_justify="left")
    for name in ("group", "stop and search", "use of force", "both over"):
        table.add_column(name, justify="left" if name == "group" else "right")
    for r in stops["by_group"]:
        stop = {"ratio_vs_white": r["stop_ratio_vs_white"], "ci_low": r["stop_ci_low"], "ci_high": r["stop_ci_high"],
                "suppressed": r["stop_suppressed"]}
        force = {"ratio_vs_white": r["force_ratio_vs_white"], "ci_low": r["force_ci_low"],
                 "ci_high": r["force_ci_high"], "suppressed": r["force_suppressed"]}
        both = numbers.DASH if r["both_over"] is None else ("yes" if r["both_over"] else "no")
        table.add_row(r["group"], ratio_text(stop), ratio_text(force), both)
    return table


def print_tables(doc: dict[str, Any]) -> None:
    console.print(plain(f"{doc['force_name']}, use of force in {doc['financial_year']} (April to March): "
                        f"{count(doc['incidents']['count'])} incidents, {count(doc['tactic_uses']['count'])} tactic "
                        "uses", "bold"))
    console.print(plain("From: " + "; ".join(f"{r['release']} (published {r['published']})"
                                             for r in doc["releases"])))
    console.print(_totals(doc))
    if any(r["tactic_uses"] is not None for r in doc["by_ethnicity"]):
        console.print(_ethnicity(doc["by_ethnicity"], f"{doc['force_name']}: tactic uses by perceived ethnicity"))
    if doc["national"] is not None:
        console.print(_ethnicity(doc["national"]["by_ethnicity"],
                                 "England and Wales: tactic uses by perceived ethnicity"))
    if any(r["tactic_uses"] is not None for r in doc["by_age"]):
        console.print(_ages(doc))
        children = doc["children"]
        console.print(plain(f"On children (under 18): {count(children['tactic_uses'])} tactic uses, "
                            f"{pct(children['share'])} of those by age"))
    console.print(_taser(doc))
    taser = doc["taser"]
    console.print(plain(f"Fired in {pct(taser['fired_share'])} of Taser incidents; on children: "
                        f"{count(taser['children'])} uses ({pct(taser['children_share'])} of Taser uses by age)"))
    console.print(_years(doc))
    if doc["stop_search"] is not None:
        console.print(_stops(doc["stop_search"]))
        print_notes([doc["stop_search"]["note"]])
    for revision in doc["revisions"]:
        r = revision
        part = f" ({r['breakdown']} {r['grp']})" if r["breakdown"] != "all" else ""
        console.print(labelled("revised:", "cyan", f"{r['financial_year']}, {r['force']}, {r['figure']} {r['tactic']}"
                               f"{part}: {count(r['earlier'])} in {r['earlier_release']}, now {count(r['later'])} in "
                               f"{r['later_release']}"), highlight=False)
    for line in doc["lacks"]:
        console.print(labelled("lacks:", "magenta", line), highlight=False)
    print_notes(doc["notes"] + doc["caveats"])


def force_use(
    force: UseOfForceForce,
    year: YearOption,
    output: FormatOption = Format.table,
    db: DbOption = None,
) -> None:
    """Use of force and Taser in a financial year: by perceived ethnicity, on children, beside stop and search."""
    from scrutiny.config import resolve_db
    from scrutiny.metrics.use_of_force import compute_use_of_force

    with user_errors():
        doc = compute_use_of_force(resolve_db(db), force, year)
    if output is Format.json:
        typer.echo(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print_tables(doc)


def register(app: typer.Typer) -> None:
    app.command("force-use")(force_use)
