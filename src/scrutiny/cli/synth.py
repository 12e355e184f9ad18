"""`scrutiny synth`: write synthetic archive files, to test and benchmark at volumes the real data lacks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scrutiny.catalog import check_force
from scrutiny.cli.common import console, must_be_local, user_errors
from scrutiny.sources.synthetic_kinds import CRIME_KINDS, DEFAULT_MONTHS, KINDS, OUTCOMES, STOP_AND_SEARCH
from scrutiny.vocab.months import month_range, shift

WINDOW = 12  # months, when only one end of the range is given


def _months(first: str | None, last: str | None) -> list[str] | None:
    """The inclusive month range; a missing end makes a 12-month window from the given one."""
    try:
        if first is not None and last is not None:
            return month_range(first, last)
        if first is not None:
            return month_range(first, shift(first, WINDOW - 1))
        if last is not None:
            return month_range(shift(last, 1 - WINDOW), last)
        return None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--from/--to") from None


def synth(
    rows: Annotated[int, typer.Option("--rows", min=1, help=(
        "Rows of each kind: search records; street rows (crimes and anti-social behaviour: one year of every "
        "force is about 6,000,000). Outcomes are events of those crimes, about 5 for every 6 street rows."))],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the YYYY-MM/ month folders into.")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 0,
    kind: Annotated[str, typer.Option("--kind", help=(
        f"Which archive files, comma-separated: {', '.join(KINDS)} (e.g. street,outcomes)."))] = STOP_AND_SEARCH,
    forces: Annotated[
        str | None,
        typer.Option("--forces", help="Comma-separated data.police.uk force ids (default: the 44 forces)."),
    ] = None,
    first: Annotated[
        str | None,
        typer.Option("--from", help=f"First month, YYYY-MM (default {DEFAULT_MONTHS[0]})."),
    ] = None,
    last: Annotated[
        str | None,
        typer.Option("--to", help=f"Last month, YYYY-MM (default {DEFAULT_MONTHS[-1]})."),
    ] = None,
) -> None:
    """Write SYNTHETIC data.police.uk archive files: stop-and-search, street crime, outcomes (never real records)."""
    from scrutiny.sources.synthetic import write_synthetic
    from scrutiny.sources.synthetic_crime import parse_kinds, write_synthetic_crime

    months = _months(first, last)
    with user_errors():
        kinds = parse_kinds(kind)
        must_be_local(out, "--out")
        force_ids = None
        if forces is not None:
            force_ids = [f.strip() for f in forces.split(",") if f.strip()]
            if not force_ids:
                raise typer.BadParameter("no force ids given", param_hint="--forces")
            for force in force_ids:
                check_force(force)
        columns = (
            TextColumn("[bold]synth {task.description:<15}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TextColumn("{task.fields[files]} files"),
            TimeElapsedColumn(),
        )
        written: list[Path] = []
        total = 0
        with Progress(*columns, console=console, transient=False) as bar:
            # Street and search rows are known in advance; outcome rows only once their crimes are drawn.
            tasks = {k: bar.add_task(k, total=None if k == OUTCOMES else rows, files=0) for k in kinds}
            files = dict.fromkeys(kinds, 0)

            def advance(path: Path, n: int) -> None:
                nonlocal total
                k = next(k for k in kinds if path.name.endswith(f"-{k}.csv"))
                files[k] += 1
                total += n
                bar.update(tasks[k], advance=n, files=files[k])

            if STOP_AND_SEARCH in kinds:
                written += write_synthetic(out, rows, seed=seed, forces=force_ids, months=months, progress=advance)
            crime_kinds = tuple(k for k in kinds if k in CRIME_KINDS)
            if crime_kinds:
                written += write_synthetic_crime(out, rows, seed=seed, forces=force_ids, months=months,
                                                 kinds=crime_kinds, progress=advance)
            if OUTCOMES in tasks:
                bar.update(tasks[OUTCOMES], total=bar.tasks[tasks[OUTCOMES]].completed)
    console.print(
        f"Wrote {len(written):,} files, {total:,} rows to {out}: [bold yellow]SYNTHETIC DATA[/] "
        "- not real police records (see SYNTHETIC.md).",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the synth command to the app."""
    app.command("synth")(synth)
