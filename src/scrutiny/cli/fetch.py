"""`scrutiny fetch`: download from the publishers (data.police.uk, ONS), then ingest.

scrutiny fetch --force metropolitan --from 2024-01 --to 2024-06
scrutiny fetch --force metropolitan --latest 3
scrutiny fetch --kind outcomes --force city-of-london --from 2024-01 --to 2024-03 --type Drugs
scrutiny fetch census
scrutiny fetch boundaries
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scrutiny.catalog import check_force
from scrutiny.cli.common import AllowShrinkOption, DbOption, console, err_console, must_be_local, plain, user_errors
from scrutiny.errors import BadInput, NotFound
from scrutiny.setting_names import env_name
from scrutiny.vocab import months as vocab_months

if TYPE_CHECKING:
    from scrutiny.sources.police_uk_api import PoliceApiClient

# The variables --base-url defaults to (scrutiny.sources.police_uk_api and .downloads read them), named here
# without importing those modules (httpx, pydantic) for --help.
BASE_URL_ENV = env_name("police_api_url")
CENSUS_URL_ENV = env_name("census_url")
BOUNDARIES_URL_ENV = env_name("boundaries_url")

fetch_app = typer.Typer(
    invoke_without_command=True,
    help="Download stop-and-search months (or the outcomes of loaded crimes) from data.police.uk (or Census / "
    "boundaries), then ingest them.",
)

NoIngestOption = Annotated[bool, typer.Option("--no-ingest", help="Only download; do not load the warehouse.")]


class FetchKind(StrEnum):
    """What `fetch --force` downloads. Street crimes are not among them: the API lists them by area, never by
    force (only those without a location), so a force's month of street crime comes from the monthly archive
    (docs/crime-api.md)."""

    stops = "stops"
    outcomes = "outcomes"


def _show_retries() -> None:
    """Retries are logged by scrutiny.sources; show them above the progress bar, once."""
    logger = logging.getLogger("scrutiny.sources")
    if not any(isinstance(h, RichHandler) for h in logger.handlers):
        logger.addHandler(RichHandler(console=err_console, show_path=False, show_time=False))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _ingest(paths: list[Path], db: Path | None, allow_shrink: bool = False) -> None:
    """Hand the files to the warehouse's ingest (it prints its own summary)."""
    try:
        from scrutiny.cli.warehouse import run_ingest
    except ImportError:
        console.print("[yellow]ingest is not available in this build; files are downloaded only[/]")
        return
    run_ingest(paths, db, allow_shrink=allow_shrink)


def _report(paths: list[Path], fetched: int, where: Path) -> None:
    kept = len(paths) - fetched
    console.print(plain(f"{fetched} file(s) downloaded, {kept} already complete, in {where}"), highlight=False)


@fetch_app.callback()
def fetch(
    ctx: typer.Context,
    force: Annotated[str | None, typer.Option("--force", help="data.police.uk force id, e.g. metropolitan.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Last month, YYYY-MM (default: the latest the API has).")
    ] = None,
    latest: Annotated[int | None, typer.Option("--latest", help="The N most recent months instead.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where responses are saved.")] = Path("data/police_uk/api"),
    db: DbOption = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help=f"API root (default: ${BASE_URL_ENV}, else data.police.uk)."),
    ] = None,
    no_ingest: NoIngestOption = False,
    workers: Annotated[int, typer.Option("--workers", min=1, max=8, help="Downloads at once.")] = 4,
    allow_shrink: AllowShrinkOption = False,
    kind: Annotated[
        FetchKind,
        typer.Option("--kind", help="stops: stop and search (stops-force, stops-no-location). outcomes: the outcome "
                                    "histories (outcomes-for-crime) of the force's street crimes of those months "
                                    "already in the warehouse, one request a crime. Street crimes themselves come "
                                    "from the monthly archive: the API lists them by area, not by force."),
    ] = FetchKind.stops,
    crime_type: Annotated[
        str | None,
        typer.Option("--type", help="With --kind outcomes: only crimes of this type, e.g. Drugs."),
    ] = None,
) -> None:
    """Fetch a force's stop-and-search months (or its crimes' outcomes) from the data.police.uk API (resumable),
    then ingest."""
    with user_errors():
        must_be_local(out, "--out")
        if ctx.invoked_subcommand is not None:
            if force or from_ or to or latest or kind != FetchKind.stops or crime_type:
                raise BadInput(f"--force/--from/--to/--latest/--kind/--type do not apply to "
                               f"`fetch {ctx.invoked_subcommand}`")
            return
        from scrutiny.sources.police_uk_api import PoliceApiClient, check_month, month_range, resolve_base_url

        if force is None:
            raise BadInput(
                "say what to fetch: --force FORCE with --from/--to or --latest N (and --kind outcomes for the "
                "outcomes of its crimes), or census, boundaries"
            )
        check_force(force)
        if latest is not None and (from_ or to):
            raise BadInput("--latest cannot be combined with --from/--to")
        if latest is None and from_ is None:
            raise BadInput("give --from YYYY-MM (and --to YYYY-MM) or --latest N")
        for month in (from_, to):
            if month is not None:
                check_month(month)
        if kind == FetchKind.outcomes:
            paths = _fetch_histories(force, from_, to, latest, crime_type, db, out, base_url, workers)
            if not no_ingest:
                _ingest(paths, db, allow_shrink)
            return
        if crime_type is not None:
            raise BadInput("--type applies to --kind outcomes only")
        with PoliceApiClient(resolve_base_url(base_url)) as client:
            _show_retries()
            if latest is not None:
                months = client.latest_months(force, latest)
            else:
                assert from_ is not None
                months = month_range(from_, to or client.latest_months(force, 1)[-1])
            paths = _download_stops(client, force, months, out, workers)
        if not no_ingest:
            _ingest(paths, db, allow_shrink)


def _crimes_to_ask(force: str, from_: str | None, to: str | None, latest: int | None, crime_type: str | None,
                   db: Path | None) -> dict[str, list[str]]:
    """Month → the Crime IDs of the force's street crimes the warehouse holds for it (of `crime_type`), over
    --from/--to (--to defaulting to the last month loaded) or the --latest N months loaded."""
    from scrutiny.config import resolve_db
    from scrutiny.sources.police_uk_crime_json import crime_types
    from scrutiny.warehouse.connect import connect
    from scrutiny.warehouse.crime_ids import crime_ids, street_months

    if crime_type is not None and crime_type not in crime_types():
        raise BadInput(f"unknown crime type {crime_type!r}: one of {', '.join(crime_types())}")
    if latest is not None and latest < 1:
        raise BadInput(f"--latest must be at least 1 (got {latest})")
    target = resolve_db(db)
    con = connect(target, read_only=True)
    try:
        loaded = street_months(con, force)
        if not loaded:
            raise NotFound(f"no street crimes of {force} are loaded in {target}: ingest its archive street files "
                           "first (`scrutiny ingest`); their Crime IDs are what outcomes are fetched for")
        if latest is not None:
            months = loaded[-latest:]
        else:
            assert from_ is not None
            months = vocab_months.month_range(from_, to or loaded[-1], names=("from", "to"))
        crimes = crime_ids(con, force, months, crime_type)
    finally:
        con.close()
    if not crimes:
        what = f"{crime_type} crimes" if crime_type else "crimes with a Crime ID"
        raise NotFound(f"no {what} of {force} are loaded for {months[0]}..{months[-1]} (loaded: "
                       f"{', '.join(vocab_months.ranges(loaded))})")
    return crimes


def _fetch_histories(force: str, from_: str | None, to: str | None, latest: int | None, crime_type: str | None,
                     db: Path | None, out: Path, base_url: str | None, workers: int) -> list[Path]:
    """Download the outcome histories of the force's loaded crimes, one file a month of crimes."""
    from scrutiny.sources.police_uk_api import PoliceApiClient, resolve_base_url

    crimes = _crimes_to_ask(force, from_, to, latest, crime_type, db)
    total = sum(len(ids) for ids in crimes.values())
    months = list(crimes)
    fetched = 0
    with PoliceApiClient(resolve_base_url(base_url)) as client, _progress() as progress:
        _show_retries()
        task = progress.add_task(f"{force} outcomes {months[0]}..{months[-1]}", total=total)

        def step(path: Path, was_fetched: bool) -> None:
            nonlocal fetched
            fetched += was_fetched
            progress.update(task, advance=1)

        paths, unknown = client.download_histories(force, crimes, out, progress=step, workers=workers)
    console.print(plain(f"{fetched - len(unknown)} outcome histories downloaded, {total - fetched} already saved, of "
                        f"{total} crimes, in {len(paths)} month file(s) in {out}"), highlight=False)
    if unknown:
        console.print(plain(f"{len(unknown)} crime(s) the API does not know (HTTP 404; it keeps about three years): "
                            f"{', '.join(unknown[:3])}{' ...' if len(unknown) > 3 else ''}", "yellow"),
                      highlight=False)
    return paths


def _download_stops(client: PoliceApiClient, force: str, months: list[str], out: Path, workers: int) -> list[Path]:
    fetched = 0
    with _progress() as progress:
        task = progress.add_task(f"{force} {months[0]}..{months[-1]}", total=2 * len(months))

        def step(path: Path, was_fetched: bool) -> None:
            nonlocal fetched
            fetched += was_fetched
            progress.update(task, advance=1)

        paths = client.download_stops(force, months, out, progress=step, workers=workers)
    _report(paths, fetched, out)
    return paths


def _fetch_files(
    what: str,
    download: Callable[..., list[Path]],
    out: Path,
    base_url: str | None,
    db: Path | None,
    no_ingest: bool,
) -> None:
    with user_errors():
        must_be_local(out, "--out")
        _show_retries()
        fetched = 0
        with _progress() as progress:
            task = progress.add_task(what, total=None)

            def step(path: Path, was_fetched: bool) -> None:
                nonlocal fetched
                fetched += was_fetched
                progress.update(task, advance=1)

            paths = download(out, base_url, progress=step)
            progress.update(task, total=len(paths))
        _report(paths, fetched, out)
        if not no_ingest:
            _ingest(paths, db)


@fetch_app.command("census")
def fetch_census(
    out: Annotated[Path, typer.Option("--out", help="Where the tables are saved.")] = Path("data/census2021"),
    db: DbOption = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help=f"Mirror of the census2021 folder (default: ${CENSUS_URL_ENV}, else ONS).",
        ),
    ] = None,
    no_ingest: NoIngestOption = False,
) -> None:
    """Census 2021 ethnic-group population of the London boroughs (ONS table TS022), then ingest."""
    from scrutiny.sources import downloads

    _fetch_files("census", downloads.download_census, out, base_url, db, no_ingest)


@fetch_app.command("boundaries")
def fetch_boundaries(
    out: Annotated[Path, typer.Option("--out", help="Where the boundaries are saved.")] = Path("data/geography"),
    db: DbOption = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help=f"Mirror of the geography folder (default: ${BOUNDARIES_URL_ENV}, else ONS).",
        ),
    ] = None,
    no_ingest: NoIngestOption = False,
) -> None:
    """Local authority boundaries (ONS Open Geography Portal, GeoJSON): London's boroughs and every authority of
    the UK, generalised; then ingest."""
    from scrutiny.sources import downloads

    _fetch_files("boundaries", downloads.download_boundaries, out, base_url, db, no_ingest)


def register(app: typer.Typer) -> None:
    """Add the fetch commands to the app."""
    app.add_typer(fetch_app, name="fetch")
