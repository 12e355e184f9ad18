"""`scrutiny hotspots`: where within an area searches concentrate (docs/metrics.md, "Hotspots within an
area"), as JSON or as a table to read in a terminal."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from scrutiny.cli.common import DbOption, console, user_errors
from scrutiny.cli.metrics import pct
from scrutiny.cli.options import (
    AreaOption,
    Basis,
    ForceOption,
    Format,
    FormatOption,
    FromOption,
    PowerOption,
    PurposeOption,
    ToOption,
    scope_of,
)
from scrutiny.vocab.suppression import HOTSPOT_MIN_SEARCHES

SHOWN_CELLS = 15  # the table lists the busiest cells; --format json gives them all


def print_tables(doc: dict[str, Any]) -> None:
    scope = doc["scope"]
    share = doc["busiest_share_of_searches"]
    console.print(f"[bold]{scope['area_name']}[/], {scope['from']} to {scope['to']}: {doc['searches']:,} searches "
                  f"with a location, in {doc['cells_with_searches']:,} of the area's {doc['cells']:,} cells of "
                  f"{doc['cell_metres']:g} m", highlight=False)
    if doc["half_in_share_of_area"] is not None:
        console.print(f"Half of the searches were in {pct(doc['half_in_share_of_area'])} of the area "
                      f"({doc['cells_holding_half']:,} cells); the busiest {doc['busiest_cells']:,} cells (10%) held "
                      + (pct(share) if share is not None else f"a share withheld (a cell under {HOTSPOT_MIN_SEARCHES})")
                      + " of them.", highlight=False)
    console.print(f"{doc['cells_standing_out']:,} cells stand out (each against a negative binomial fitted to "
                  f"the area's other cells, Benjamini-Hochberg false discovery rate "
                  f"{pct(doc['false_discovery_rate'])})", highlight=False)
    table = Table(title="Busiest cells", title_justify="left")
    for name in ("cell (west, south, east, north)", "searches", "stands out"):
        table.add_column(name, justify="left" if name.startswith("cell") else "right")
    for cell in doc["grid"][:SHOWN_CELLS]:
        searches = f"{cell['searches']:,}" if cell["searches"] is not None else f"<{HOTSPOT_MIN_SEARCHES}"
        flag = "" if cell["stands_out"] is None else ("yes" if cell["stands_out"] else "no")
        table.add_row(", ".join(f"{b:.4f}" for b in cell["bounds"]), searches, flag)
    console.print(table)


def hotspots(
    force: ForceOption,
    start: FromOption,
    end: ToOption,
    area: AreaOption = None,
    purpose: PurposeOption = None,
    power: PowerOption = None,
    output: FormatOption = Format.json,
    db: DbOption = None,
) -> None:
    """Where within an area searches concentrate: counts in 500 m cells, and the cells that stand out."""
    from scrutiny.config import resolve_db
    from scrutiny.metrics.hotspots import compute_hotspots

    with user_errors():
        doc = compute_hotspots(resolve_db(db), scope_of(force, area, start, end, Basis.self, purpose, power))
    if output is Format.json:
        typer.echo(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print_tables(doc)


def register(app: typer.Typer) -> None:
    app.command()(hotspots)
