"""`scrutiny update`: bring the warehouse's stop and search up to date with data.police.uk, from cron or a timer.

scrutiny update
scrutiny update --force metropolitan,city-of-london --db /srv/scrutiny/scrutiny.duckdb

What is fetched and why is decided in scrutiny.sources.update_plan; docs/update.md is the user's account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scrutiny.cli.common import AllowShrinkOption, DbOption, console, must_be_local, plain, user_errors

if TYPE_CHECKING:
    from scrutiny.sources.update_plan import Held, Listing, Plan
    from scrutiny.warehouse.ingest import IngestReport

ForceOption = Annotated[
    str | None,
    typer.Option("--force", help="Only these data.police.uk force ids, comma-separated (default: every force the "
                                 "API lists)."),
]


def update(
    force: ForceOption = None,
    db: DbOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where responses are kept, one folder per API release (default: "
                                   "police_uk_updates/ beside the warehouse)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="API root (default: $SCRUTINY_POLICE_API_URL, else data.police.uk)."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=8, help="Downloads at once.")] = 4,
    allow_shrink: AllowShrinkOption = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be fetched.")] = False,
) -> None:
    """Load every stop-and-search month data.police.uk lists that the warehouse lacks or that was republished.

    Fetches them, ingests them in one transaction and says what changed: new and replaced months, months missing.

    For cron or a systemd timer: one run at a time, one line and exit 1 when the API is down (docs/update.md)."""
    with user_errors():
        must_be_local(out, "--out")
        from scrutiny.catalog import check_force
        from scrutiny.config import resolve_db
        from scrutiny.errors import BadInput
        from scrutiny.sources.run_lock import run_lock

        forces = None
        if force is not None:
            forces = [f.strip() for f in force.split(",") if f.strip()]
            if not forces:
                raise BadInput("--force names no force: give data.police.uk force ids, e.g. metropolitan,btp")
            for name in forces:
                check_force(name)
        target = resolve_db(db).absolute()
        where = (out or target.parent / "police_uk_updates").absolute()
        if dry_run:
            _run(target, where, forces, base_url, workers, allow_shrink, dry_run=True)
            return
        with run_lock(target.with_name(target.name + ".update.lock"), "`scrutiny update`"):
            _run(target, where, forces, base_url, workers, allow_shrink, dry_run=False)


def _run(db: Path, out: Path, forces: list[str] | None, base_url: str | None, workers: int, allow_shrink: bool,
         *, dry_run: bool) -> None:
    from scrutiny.warehouse.arrow_memory import before_arrow_starts

    before_arrow_starts()  # before anything loads pyarrow: the ingest's memory
    from scrutiny.catalog import forces as known_forces
    from scrutiny.errors import BadInput, SourceUnavailable
    from scrutiny.sources import update_fetch
    from scrutiny.sources.police_uk_api import PoliceApiClient, resolve_base_url
    from scrutiny.sources.update_plan import UpdateState, parse_listing, plan
    from scrutiny.warehouse.ingest import IngestRefused, ingest_paths

    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out} is a file: --out takes a folder (made if missing)")
    held, logged = _warehouse(db)  # a warehouse that cannot be read is refused before the API is asked anything
    with PoliceApiClient(resolve_base_url(base_url)) as client:
        _show_retries()
        try:
            listing = parse_listing(client.available_dates(),
                                    client.fetcher.get_json(f"{client.base_url}/crime-last-updated"))
        except SourceUnavailable as exc:
            raise SourceUnavailable(f"data.police.uk did not say what it has ({exc}); nothing was fetched or "
                                    "loaded") from None
        state = UpdateState(db)
        chosen = forces if forces is not None else [f for f in listing.forces if f in known_forces()]
        todo = plan(listing, held, chosen, state.checked())
        _say_listing(listing, todo, forces is None)
        if forces is None and (strangers := [f for f in listing.forces if f not in known_forces()]):
            _say(f"skipped: data.police.uk lists force(s) Scrutiny does not know (catalog/forces.csv): "
                 f"{', '.join(strangers)}", "yellow")
        if dry_run or not todo.fetch:
            _say_plan(todo, listing, dry_run)
            if not dry_run:
                state.record(todo.forces, listing.last_updated)
            return
        release = listing.last_updated.isoformat()
        folder = update_fetch.release_folder(out, release)
        update_fetch.clear_old_releases(out, release, logged)
        kept = 0
        with _bar(len(todo.fetch)) as advance:

            def step(path: Path, fetched: bool) -> None:
                nonlocal kept
                kept += not fetched
                advance()

            paths = update_fetch.download(client, todo.fetch, folder, workers=workers, progress=step)
    console.print(plain(f"fetched {len(paths) - kept} response(s), {kept} already downloaded for this release, "
                        f"in {folder}"), highlight=False, soft_wrap=True)
    try:
        report = ingest_paths(paths, db, allow_shrink=allow_shrink)
    except IngestRefused as exc:
        raise BadInput(f"{exc}\nThe responses are kept in {folder}: the next `scrutiny update` (with --allow-shrink "
                       "if a smaller month is right) loads them without fetching them again") from None
    update_fetch.drop([r.path for r in report.results if r.action == "unchanged"], folder)
    state.record(todo.forces, listing.last_updated)
    _say_changes(report, todo, db)


@contextmanager
def _bar(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar over the force-months on a terminal (a first run fetches ~1,500); nothing from cron."""
    if not console.is_terminal:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("force-months"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("fetch", total=total)
        yield lambda: progress.advance(task)


def _warehouse(db: Path) -> tuple[dict[tuple[str, str], Held], set[str]]:
    """The force-months the warehouse holds, and every file a load came from."""
    from scrutiny.sources.update_plan import held_months
    from scrutiny.warehouse.connect import connect

    if not db.exists():
        return {}, set()
    con = connect(db, read_only=True)
    try:
        held = held_months(con)
        logged = {f for (f,) in con.execute("SELECT DISTINCT file FROM ingest_log").fetchall()} if held else set()
    finally:
        con.close()
    return held, logged


def _show_retries() -> None:
    """Retries are logged by scrutiny.sources: on a terminal one line each, so a user sees why a run pauses; from
    cron or a timer (no terminal) not at all, so a failed run says one line, its reason (which names the tries)."""
    import logging

    from rich.logging import RichHandler

    from scrutiny.cli.common import err_console

    logger = logging.getLogger("scrutiny.sources")
    if logger.handlers:
        return
    if err_console.is_terminal:
        logger.addHandler(RichHandler(console=err_console, show_path=False, show_time=False))
    else:
        logger.addHandler(logging.NullHandler())  # else Python's last-resort handler prints each on stderr


def _months(months: list[str]) -> str:
    from scrutiny.vocab import months as vocab_months

    return ", ".join(vocab_months.ranges(months))


def _say(text: str, style: str = "") -> None:
    console.print(plain(text, style), highlight=False, soft_wrap=True)


def _say_listing(listing: Listing, todo: Plan, every: bool) -> None:
    months = list(listing.months)
    span = f"{months[0]}..{months[-1]}" if months else "none"
    scope = f"{len(todo.forces)} force(s)" + (" (every force it lists)" if every else "")
    _say(f"data.police.uk lists {len(months)} month(s) of stop and search ({span}), last updated "
         f"{listing.last_updated.isoformat()}; updating {scope}")


def _say_unlisted(todo: Plan) -> None:
    for force, months in sorted(todo.unlisted.items()):
        _say(f"missing: data.police.uk lists no stop and search of {force} for {_months(months)}", "yellow")


def _say_plan(todo: Plan, listing: Listing, dry_run: bool) -> None:
    if dry_run:
        for force, month in todo.missing:
            _say(f"would fetch {force} {month} (not in the warehouse)")
        for force, month in todo.recheck:
            _say(f"would fetch {force} {month} again (loaded from the API before its release of "
                 f"{listing.last_updated.isoformat()})")
        if not todo.fetch:
            _say("nothing to fetch")
    else:
        _say(f"nothing changed: the warehouse holds every listed month of these forces, and none can have been "
             f"republished since it was loaded or checked (the API's release of {listing.last_updated.isoformat()})")
    _say_unlisted(todo)


def _say_changes(report: IngestReport, todo: Plan, db: Path) -> None:
    results = [r for r in report.results if r.action != "skipped"]
    new = sorted((r for r in results if r.action == "new"), key=lambda r: (r.unit.split("/")[1], r.unit))
    replaced = sorted((r for r in results if r.action == "replaced"), key=lambda r: r.unit)
    unchanged = [r for r in results if r.action == "unchanged"]
    for r in new:
        force, month = r.unit.split("/")
        rejected = f", {r.rows_rejected:,} rejected" if r.rows_rejected else ""
        _say(f"new: {force} {month}: {r.rows_loaded:,} rows{rejected}", "green")
    for r in replaced:
        force, month = r.unit.split("/")
        before = r.rows_before or 0
        rejected = f", {r.rows_rejected:,} rejected" if r.rows_rejected else ""
        _say(f"replaced: {force} {month}: {before:,} -> {r.rows_loaded:,} rows ({r.change:+,}){rejected} "
             "(republished)", "yellow")
    if unchanged:
        _say(f"unchanged: {len(unchanged)} force-month(s) fetched again were republished byte for byte as loaded")
    _say_unlisted(todo)
    if new or replaced:
        _say(f"{len(new)} new, {len(replaced)} replaced, {len(unchanged)} unchanged; warehouse: {db}")
    else:
        _say(f"nothing changed: every response fetched is identical to what is loaded; warehouse: {db}")


def register(app: typer.Typer) -> None:
    """Add `scrutiny update` to the app."""
    app.command("update")(update)
