"""`scrutiny report`: the figures for a force or borough as one self-contained HTML file, and a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scrutiny.bias.names import TESTS
from scrutiny.cli.common import DbOption, console, must_be_local, user_errors
from scrutiny.cli.engine_options import EngineOption, SourceOption, SparkOption, start_engine
from scrutiny.cli.options import (
    AreaOption,
    Basis,
    EthnicityOption,
    PowerOption,
    PurposeOption,
    scope_of,
)
from scrutiny.errors import BadInput
from scrutiny.vocab.areas import LONDON, LONDON_FORCES
from scrutiny.vocab.ethnicity import COMPARED, HEADLINE_GROUP
from scrutiny.vocab.months import BadMonth, check_month, quarter_months
from scrutiny.warehouse.engine import Engine

if TYPE_CHECKING:
    from scrutiny.bias.suite import TestOptions


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
    bias_test: Annotated[list[str] | None, typer.Option(
        "--bias-test", metavar="TEST",
        help="Add a test of bias to the report's \"Tests of bias\" (the outcome and rates tests are always in it): "
             "darkness (the veil of darkness) or change (a policy change in --area from --at). Repeat it, or join "
             "names with commas: --bias-test darkness,change."),
    ] = None,
    at: Annotated[str | None, typer.Option(
        "--at", help="--bias-test change: the first month of the new policy, YYYY-MM.")] = None,
    control: Annotated[str | None, typer.Option(
        "--control", help="--bias-test change: areas to compare with (difference in differences), codes or names "
                          "joined by commas, e.g. Southwark,Lewisham.")] = None,
    group: Annotated[str, typer.Option(
        "--group", help="--bias-test darkness and change: the group compared with White people "
                        f"({', '.join(COMPARED)}).")] = HEADLINE_GROUP,
    clock_change: Annotated[bool, typer.Option(
        "--clock-change", help="--bias-test darkness: only the weeks either side of a clock change.")] = False,
    db: DbOption = None,
    engine: EngineOption = Engine.duckdb,
    source: SourceOption = None,
    spark: SparkOption = None,
) -> None:
    """A report for a force or borough and a month range: one HTML file with no outside links, and a PDF."""
    from scrutiny.config import resolve_db
    from scrutiny.report.brief import write_brief
    from scrutiny.report.build import parse_versus, write_report

    if out.suffix.lower() == ".pdf":  # asked for a PDF by its name: write it, and the HTML it is made from
        pdf_out, out = pdf_out or out, out.with_suffix(".html")
    pdf_path = pdf_out or (out.with_suffix(".pdf") if pdf else None)
    with user_errors():
        must_be_local(out, "--out")
        must_be_local(pdf_out, "--pdf-out")
        start_engine(engine, source, spark)
        force, area = _place(force, area, london)
        start, end = _period(start, end, quarter)
        other = parse_versus(versus) if versus is not None else None
        tests = _bias_tests(bias_test or [], area)
        options = _test_options(tests, at, control, group, clock_change)
        scope = scope_of(force, area, start, end, ethnicity, purpose, power)
        if brief:
            if other is not None:
                raise BadInput("--brief compares the period with the one just before it: give no --versus")
            if tests:
                raise BadInput("--brief has no tests of bias: give no --bias-test")
            files = write_brief(resolve_db(db), scope, out, pdf_path)
        else:
            files = write_report(resolve_db(db), scope, out, pdf_path, other, quarterly=quarter is not None,
                                 bias_tests=tests, test_options=options)
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


def _bias_tests(values: list[str], area: str | None) -> tuple[str, ...]:
    """The tests named by --bias-test (repeated, or joined by commas), each once; the change test needs --area."""
    names: list[str] = []
    for value in values:
        for name in (n.strip() for n in value.split(",")):
            if name not in TESTS:
                raise BadInput(f"--bias-test: unknown test {name!r}: choose darkness or change (the outcome and "
                               "rates tests are always in the report)")
            if name not in names:
                names.append(name)
    if "change" in names and area is None:
        raise BadInput("--bias-test change needs --area: the area where the policy changed, e.g. --area Lambeth")
    return tuple(names)


def _test_options(tests: tuple[str, ...], at: str | None, control: str | None, group: str,
                  clock_change: bool) -> TestOptions:
    """The options of the tests asked for; an option for a test not asked for is an error naming it."""
    from scrutiny.bias.suite import TestOptions

    if "change" in tests and at is None:
        raise BadInput("--bias-test change needs --at: the first month of the new policy, YYYY-MM")
    if at is not None:
        try:
            check_month(at)
        except BadMonth as exc:
            raise BadInput(f"--at: {exc}") from None
    if "change" not in tests and (at is not None or control):
        raise BadInput("--at and --control are for --bias-test change")
    if clock_change and "darkness" not in tests:
        raise BadInput("--clock-change is for --bias-test darkness")
    if group not in COMPARED:
        raise BadInput(f"--group: unknown group {group!r}: choose one of {', '.join(COMPARED)}")
    if group != HEADLINE_GROUP and not {"darkness", "change"} & set(tests):
        raise BadInput("--group is for --bias-test darkness or change")
    controls = tuple(c.strip() for c in (control or "").split(",") if c.strip())
    return TestOptions(group=group, at=at, controls=controls, clock_change=clock_change)


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
