"""`scrutiny ingest` and `scrutiny status`: put data in the warehouse and see what is there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from scrutiny.cli.common import (
    AllowShrinkOption,
    DbOption,
    as_url,
    console,
    is_url,
    labelled,
    plain,
    user_errors,
)
from scrutiny.cli.options import Format
from scrutiny.errors import BadInput

if TYPE_CHECKING:
    from scrutiny.warehouse.ingest import FileResult, IngestReport
    from scrutiny.warehouse.status import ForceMonths

# How the ingest summary names the rows of each table but stop_search (any other: "<table> rows"), beside
# CRIME_WORDS (scrutiny.sources.police_uk_crime, imported when a summary is printed: it brings pandas).
REFERENCE_WORDS = {"population": "population rows", "force_areas": "lookup rows", "areas": "boundaries"}


class RichProgress:
    """One bar over the bytes to load, with files and rows beside it."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("ingest", total=None, files="0/?", rows=0)
        self.files_total = self.files_done = self.rows = 0

    def start(self, files: int, nbytes: int) -> None:
        self.files_total = files
        self.progress.update(self.task, total=nbytes, files=f"0/{files}")

    def advance(self, files: int, nbytes: int, rows: int) -> None:
        self.files_done += files
        self.rows += rows
        self.progress.update(self.task, advance=nbytes, files=f"{self.files_done}/{self.files_total}", rows=self.rows)


def _summary_row(r: FileResult) -> tuple[Text, str, str, str, str, Text]:
    style = {"new": "green", "replaced": "yellow", "unchanged": "dim"}[r.action]
    if r.action == "unchanged":
        shown = ("-", "-", "-", "-")
    else:
        # records and change are per force-month; reference tables are replaced whole
        records, change = (f"{r.records:,}", f"{r.change:+,}") if r.force_month else ("", "")
        shown = (records, f"{r.rows_loaded:,}", f"{r.rows_rejected:,}", change)
    return (plain(r.unit), *shown, Text(r.action, style=style))


def print_report(report: IngestReport) -> None:
    """Per file: records = rows loaded + rows rejected, and the change to its force-month; then skips."""
    from scrutiny.sources.adapter import SourceKind
    from scrutiny.sources.police_uk_crime import CRIME_WORDS

    table_words = {**CRIME_WORDS, **REFERENCE_WORDS}
    unfollowed = (SourceKind.LINK, SourceKind.UNREADABLE)  # what `expand` could not follow: a warning, not a skip
    table = Table(title="Ingest summary", title_justify="left")
    for name in ("force-month / source", "records", "loaded", "rejected", "change", "action"):
        table.add_column(name, justify="left" if name in ("force-month / source", "action") else "right",
                         no_wrap=name != "force-month / source")
    for r in sorted(report.loaded, key=lambda r: r.unit):
        table.add_row(*_summary_row(r))
    console.print(table)
    synthetic = [r for r in report.loaded if r.synthetic]
    if synthetic:
        console.print(f"[bold red]{len(synthetic)} of these files are SYNTHETIC (made by `scrutiny synth`), "
                      "not real police records.[/]")
    changed = [r for r in report.loaded if r.action != "unchanged"]
    stops = [r for r in changed if r.force_month]
    for r in stops:
        if r.rows_loaded == 0 and r.rows_rejected == 0:
            console.print(labelled("note:", "yellow", f"{r.unit}: the file holds no records, so the month is "
                                   "recorded as 0 searches (a true zero, not a missing month)"), highlight=False)
    skipped: dict[tuple[str, str], list[Path]] = {}
    for r in report.skipped:
        if r.kind == SourceKind.SYNTHETIC_SIDECAR:
            continue
        skipped.setdefault((r.kind, f"{r.kind}: {r.note}"), []).append(r.path)
    for (kind, why), paths in skipped.items():
        more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
        style = "yellow" if kind in unfollowed else "dim"
        console.print(plain(f"skipped {paths[0]}{more} ({why})", style), highlight=False, soft_wrap=True)
    counts = {a: sum(1 for r in report.loaded if r.action == a) for a in ("new", "replaced", "unchanged")}
    loaded = sum(r.rows_loaded for r in stops)
    rejected = sum(r.rows_rejected for r in changed)
    others: dict[str, int] = {}  # rows written to each table but stop_search, in the order loaded
    for r in changed:
        if not r.force_month and r.table is not None:
            others[r.table] = others.get(r.table, 0) + r.rows_loaded
    replaced = [r for r in stops if r.action == "replaced"]
    before = sum(r.rows_before or 0 for r in replaced)
    after = sum(r.rows_loaded for r in replaced)
    console.print(
        f"{counts['new']} new, {counts['replaced']} replaced, {counts['unchanged']} unchanged; "
        + ", ".join([f"{loaded:,} " + ("stop-and-search rows" if others else "rows loaded")] * bool(stops or not others)
                    + [f"{n:,} {table_words.get(table, table + ' rows')}" for table, n in others.items()])
        + f", {rejected:,} rejected"
        + (" (see the rejects table)" if rejected else "")
        + (f"; replaced months held {before:,} rows, now {after:,} ({after - before:+,})" if replaced else ""),
        highlight=False, markup=False,
    )


def run_ingest(paths: list[Path], db: Path | None, *, allow_shrink: bool = False) -> IngestReport:
    """Ingest with progress bars and print the summary; shared by `ingest` and `fetch`."""
    from scrutiny.warehouse.arrow_memory import before_arrow_starts

    before_arrow_starts()  # before anything loads pyarrow
    from scrutiny.config import resolve_db
    from scrutiny.sources.adapter import SourceKind
    from scrutiny.warehouse.ingest import ingest_paths

    target = resolve_db(db)
    columns = (
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
        TextColumn("{task.fields[files]} files"), TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        sink = RichProgress(progress)
        report = ingest_paths(paths, target, progress=sink, allow_shrink=allow_shrink)
    if not report.results:
        shown = ", ".join(str(p) for p in paths)
        raise BadInput(f"no data files (.csv, .json, .geojson) in {shown}: nothing to load")
    print_report(report)
    loaded = {r.unit for r in report.results if r.kind == SourceKind.USE_OF_FORCE_ODS and r.action != "skipped"
              and r.action != "unchanged"}
    if loaded:
        from scrutiny.metrics.use_of_force import revised_counts  # only after a release loads: it brings Ibis

        for later, earlier, year, n in revised_counts(target):
            if loaded & {later, earlier}:
                said = (f"use of force: {later} revises {n:,} figure{'s' * (n != 1)} of {year} that {earlier} "
                        "published (`scrutiny force-use` lists them)")
                console.print(plain(said), highlight=False, soft_wrap=True)
    console.print(plain(f"warehouse: {target}"), highlight=False, soft_wrap=True)
    return report


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (searched recursively).")],
    db: DbOption = None,
    allow_shrink: AllowShrinkOption = False,
) -> None:
    """Load data.police.uk files, API responses, Census tables, the force lookup and boundaries."""
    with user_errors():
        for url in (p for p in paths if is_url(p) and not p.exists()):
            raise BadInput(f"{as_url(url)} is a URL: `scrutiny ingest` loads files on this machine; `scrutiny fetch` "
                           "downloads from data.police.uk (or download the file first and ingest it)")
        run_ingest(paths, db, allow_shrink=allow_shrink)


RevisionsOption = Annotated[bool, typer.Option(
    "--revisions", help="Instead: every force-month a republished file replaced, newest first, with its searches "
                        "before and after, by purpose and by ethnic group.")]


def status(db: DbOption = None, revisions: RevisionsOption = False,
           force: Annotated[str, typer.Option("--force", help="With --revisions: one force id, or `all`.")] = "all",
           output: Annotated[Format, typer.Option("--format", help="With --revisions: table or json.")] = Format.table,
           ) -> None:
    """What is loaded: forces and months, rows, rejects, population and boundary sources (or, with --revisions,
    what republished files changed)."""
    from scrutiny.config import resolve_db

    if revisions:
        _revisions(resolve_db(db), force, output)
        return
    if force != "all" or output is not Format.table:
        with user_errors():
            raise BadInput("--force and --format go with --revisions (plain `scrutiny status` lists everything "
                           "loaded)")
    from scrutiny.sources.police_uk_crime import CRIME_TABLES
    from scrutiny.warehouse.connect import connect
    from scrutiny.warehouse.status import force_months, month_ranges, reference_sources

    with user_errors():
        target = resolve_db(db)
        con = connect(target, read_only=True)
        try:
            forces, sources = force_months(con), reference_sources(con)
            crime = {table: force_months(con, table=table) for table in CRIME_TABLES}
        finally:
            con.close()
    table = Table(title=plain(f"Stop and search in {target}"), title_justify="left")
    for name in ("force", "months", "loaded", "from", "rows", "rejects"):
        table.add_column(name, justify="right" if name in ("months", "rows", "rejects") else "left",
                         min_width=16 if name == "loaded" else None, overflow="fold")
    for f in forces:
        label = plain(f.force) + (Text(" (SYNTHETIC)", style="bold red") if f.synthetic else Text())
        table.add_row(label, str(len(f.months)), month_ranges(f.months), "+".join(f.sources), f"{f.rows:,}",
                      f"{f.rejects:,}")
    if forces:
        table.add_row("[bold]total", str(sum(len(f.months) for f in forces)), "", "",
                      f"[bold]{sum(f.rows for f in forces):,}", f"{sum(f.rejects for f in forces):,}")
    console.print(table if forces else "[yellow]no stop-and-search data loaded[/]")
    for name, held in crime.items():
        if held:
            console.print(_crime_table(name, held))
    ref = Table(title="Population, lookup and boundary sources", title_justify="left")
    for name in ("what", "rows", "file", "loaded at"):
        ref.add_column(name, overflow="fold")
    for s in sources:
        ref.add_row(plain(s.unit + (" (SYNTHETIC)" if s.synthetic else "")), f"{s.rows:,}", plain(Path(s.file).name),
                    s.loaded_at)
    console.print(ref if sources else "[yellow]no population, lookup or boundary sources loaded[/]")


def _revisions(db: Path, force: str, output: Format) -> None:
    from scrutiny.metrics.revisions import revisions_with
    from scrutiny.metrics.scope import normalise_forces
    from scrutiny.metrics.warehouse_backend import compute_metrics_with

    with user_errors():
        spec = normalise_forces(force)
        found = compute_metrics_with(db, lambda backend: revisions_with(backend, spec))
    if output is Format.json:
        typer.echo(json.dumps({"force": spec, "revisions": found}, indent=2))
        return
    if not found:
        console.print("no force-month has been revised: no loaded file has replaced another", highlight=False)
        return
    table = Table(title="Force-months replaced by republished files, newest first", title_justify="left")
    for name in ("revised", "force", "month", "before", "after", "change", "by purpose (before → after)"):
        table.add_column(name, justify="right" if name in ("before", "after", "change") else "left", overflow="fold")
    for r in found:
        moved = ", ".join(f"{p['purpose']} {p['before']:,}→{p['after']:,}" for p in r["by_purpose"]
                          if p["change"])
        table.add_row(r["revised_at"][:16].replace("T", " "), plain(r["force"]), r["month"], f"{r['before']:,}",
                      f"{r['after']:,}", f"{r['change']:+,}", moved or "no change by purpose")
    console.print(table)


def _crime_table(table_name: str, forces: list[ForceMonths]) -> Table:
    """Street crimes or crime outcomes loaded, by force: months, rows and rejects."""
    from scrutiny.sources.police_uk_crime import CRIME_WORDS
    from scrutiny.warehouse.status import month_ranges

    table = Table(title=CRIME_WORDS[table_name].capitalize(), title_justify="left")
    for name in ("force", "months", "loaded", "rows", "rejects"):
        table.add_column(name, justify="right" if name in ("months", "rows", "rejects") else "left",
                         min_width=16 if name == "loaded" else None, overflow="fold")
    for f in forces:
        label = plain(f.force) + (Text(" (SYNTHETIC)", style="bold red") if f.synthetic else Text())
        table.add_row(label, str(len(f.months)), month_ranges(f.months), f"{f.rows:,}", f"{f.rejects:,}")
    return table


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(status)
