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
    ForceOption,
    FromOption,
    PowerOption,
    PurposeOption,
    ToOption,
    scope_of,
)
from scrutiny.config import resolve_db
from scrutiny.report.build import parse_versus, write_report


def report(
    force: ForceOption,
    start: FromOption,
    end: ToOption,
    out: Annotated[Path, typer.Option("--out", help="HTML file to write, e.g. report.html. A name ending .pdf "
                                                 "writes the PDF there, and the HTML beside it with .html.")],
    area: AreaOption = None,
    ethnicity: EthnicityOption = Basis.self,
    purpose: PurposeOption = None,
    power: PowerOption = None,
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
        other = parse_versus(versus) if versus is not None else None
        files = write_report(resolve_db(db), scope_of(force, area, start, end, ethnicity, purpose, power), out,
                             pdf_path, other)
    console.print(f"wrote {files.html} ({files.html_bytes / 1024:,.0f} KiB, {files.html_seconds:.1f} s)",
                  highlight=False)
    if files.pdf is not None and files.pdf_bytes is not None and files.pdf_seconds is not None:
        console.print(f"wrote {files.pdf} ({files.pdf_bytes / 1024:,.0f} KiB, {files.pdf_seconds:.1f} s)",
                      highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(report)
