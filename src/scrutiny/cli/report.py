"""`scrutiny report`: the figures for a force or borough as one self-contained HTML file, and a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrutiny.cli.common import DbOption, console, must_be_local, user_errors
from scrutiny.cli.options import (
    AreaOption,
    Basis,
    EthnicityOption,
    PowerOption,
    PurposeOption,
    scope_of,
)
from scrutiny.config import resolve_db
from scrutiny.errors import BadInput
from scrutiny.report.brief import write_brief
from scrutiny.report.build import parse_versus, write_report
from scrutiny.vocab.areas import LONDON, LONDON_FORCES
from scrutiny.vocab.months import quarter_months


def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write, e.g. report.html. A name ending .pdf "
                                                 "writes the PDF there, and the HTML beside it with .html.")],
    force: Annotated[str | None, typer.Option(
        "--force", help="data.police.uk force id, e.g. metropolitan; several joined by commas (kent,essex); or `all` "
                        "for every force with data in the period. Not with --london.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM (or --quarter).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM, inclusive (or --quarter).")] = None,
    quarter: Annotated[str | None, typer.Option(
        "--quarter", help="A calendar quarter instead of --from and --to, e.g. 2018Q3 (July to September 2018); "
                          "the report opens with sentences comparing it with the quarter before, "
                          "and maps the hotspots of its five busiest areas."),
    ] = None,
    london: Annotated[bool, typer.Option(
        "--london", help="One London picture: the Metropolitan, City of London and British Transport Police's "
                         "searches inside Greater London, against London's residents (--force and --area set)."),
    ] = False,
    area: AreaOption = None,
    ethnicity: EthnicityOption = Basis.self,
    purpose: PurposeOption = None,
    power: PowerOption = None,
    brief: Annotated[bool, typer.Option(
        "--brief", help="Write the one-page brief instead: the same period in plain words, for a phone or one "
                        "A4 page."),
    ] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF (A4), beside the HTML with .pdf.")] = False,
    pdf_out: Annotated[
        Path | None, typer.Option("--pdf-out", help="Write the PDF here instead (implies --pdf).")
    ] = None,
    versus: Annotated[
        str | None,
        typer.Option("--versus", metavar="FROM:TO",
                     help="Also compare disproportionality with this period (same force, area and lens), "
                          "e.g. 2021-06:2021-09, or one month."),
    ] = None,
    db: DbOption = None,
) -> None:
    """A report for a force or borough and a month range: one HTML file with no outside links, and a PDF."""
    if out.suffix.lower() == ".pdf":  # asked for a PDF by its name: write it, and the HTML it is made from
        pdf_out, out = pdf_out or out, out.with_suffix(".html")
    pdf_path = pdf_out or (out.with_suffix(".pdf") if pdf else None)
    with user_errors():
        must_be_local(out, "--out")
        must_be_local(pdf_out, "--pdf-out")
        force, area = _place(force, area, london)
        start, end = _period(start, end, quarter)
        other = parse_versus(versus) if versus is not None else None
        scope = scope_of(force, area, start, end, ethnicity, purpose, power)
        if brief:
            if other is not None:
                raise BadInput("--brief compares the period with the one just before it: give no --versus")
            files = write_brief(resolve_db(db), scope, out, pdf_path)
        else:
            files = write_report(resolve_db(db), scope, out, pdf_path, other, quarterly=quarter is not None)
    console.print(f"wrote {files.html} ({files.html_bytes / 1024:,.0f} KiB, {files.html_seconds:.1f} s)",
                  highlight=False)
    if files.pdf is not None and files.pdf_bytes is not None and files.pdf_seconds is not None:
        console.print(f"wrote {files.pdf} ({files.pdf_bytes / 1024:,.0f} KiB, {files.pdf_seconds:.1f} s)",
                      highlight=False)


def _place(force: str | None, area: str | None, london: bool) -> tuple[str, str | None]:
    """The forces and area: as given, or London's (`--london`), never both."""
    if london:
        if force is not None or area is not None:
            raise BadInput("--london sets the forces and the area (Greater London): give neither --force nor --area")
        return LONDON_FORCES, LONDON
    if force is None:
        raise BadInput("give --force (e.g. --force metropolitan), or --london for one London picture")
    return force, area


def _period(start: str | None, end: str | None, quarter: str | None) -> tuple[str, str]:
    """--from and --to, or --quarter; never both."""
    if quarter is not None:
        if start is not None or end is not None:
            raise BadInput("--quarter sets the months: give either --quarter or --from and --to, not both")
        return quarter_months(quarter)
    if start is None or end is None:
        raise BadInput("give --from and --to (YYYY-MM), or --quarter (e.g. 2018Q3)")
    return start, end


def register(app: typer.Typer) -> None:
    app.command()(report)
