"""What every command shares: the --db option, turning ScrutinyError into a clean exit, and printing outside
text (paths, headers, reasons) as text.

Rich reads `[...]` in a printed string as markup, so a file named `x[/bold]y.csv` would crash the output
and one named `[red]...` would restyle it; names may also hold terminal control characters. Everything that
comes from outside is therefore printed through `plain`, never formatted into a markup string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from scrutiny.errors import BadInput, ScrutinyError, Unavailable
from scrutiny.printable import printable, printable_lines
from scrutiny.warehouse.limits import SHRINK_LIMIT_PERCENT

console = Console()
err_console = Console(stderr=True)

URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")


def is_url(path: Path | str) -> bool:
    """A path given as a URL (`https://...`; a Path has already folded the `//` into `/`)."""
    return bool(URL.match(str(path)))


def as_url(path: Path | str) -> str:
    """The URL a user typed, from the Path that folded its `//`."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*):/+", r"\1://", str(path))


def must_be_local(path: Path | None, option: str) -> None:
    """Refuse a URL given where a path on this machine belongs (it would become a folder named `https:`)."""
    if path is not None and is_url(path):
        raise BadInput(f"{option} {as_url(path)} is a URL: {option} takes a path on this machine")


def _local_db(db: Path | None) -> Path | None:
    if db is not None and is_url(db):
        fail(BadInput(f"--db {as_url(db)} is a URL: --db takes the path of a DuckDB file on this machine"))
    return db


DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB warehouse file (default: $SCRUTINY_DB, else ./scrutiny.duckdb).",
                 callback=_local_db),
]

AllowShrinkOption = Annotated[
    bool,
    typer.Option(
        "--allow-shrink",
        help=f"Let a file replace a loaded force-month with far fewer rows (over {SHRINK_LIMIT_PERCENT}% fewer) "
        "or none, e.g. a month republished as a header-only file because it had no searches.",
    ),
]

F = TypeVar("F", bound=Callable[..., object])


def plain(text: object, style: str = "") -> Text:
    """Outside text as Rich `Text`: never read as markup, control characters shown escaped (`\\x1b`)."""
    return Text(printable(text), style=style)


def labelled(label: str, style: str, message: object) -> Text:
    """`label` styled, then a message of one or more lines printed as text (e.g. `error: ...`)."""
    return Text.assemble((label, style), " ", printable_lines(message))


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a ScrutinyError as one red line and exit with its code (1, or 2 for a bad setting); anything else is
    a bug and keeps its traceback."""
    try:
        yield
    except Exception as exc:
        refusal = exc if isinstance(exc, ScrutinyError) else outside_refusal(exc)
        if refusal is None:
            raise
        fail(refusal)


def fail(refusal: ScrutinyError) -> NoReturn:
    """Print a refusal as one red line and exit with its code."""
    err_console.print(labelled("error:", "bold red", refusal), highlight=False, soft_wrap=True)
    raise typer.Exit(refusal.exit_code) from None


def outside_refusal(exc: Exception) -> ScrutinyError | None:
    """What a user caused, told in one line, for errors that come from outside Scrutiny's own checks: a path
    that cannot be read or written, a database that cannot be reached or is not one. None: a bug."""
    if isinstance(exc, OSError) and exc.filename is not None:
        return BadInput(f"{exc.filename}: {exc.strerror or exc}")
    module = type(exc).__module__.split(".")[0]
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if module == "sqlalchemy" and type(exc).__name__ in ("OperationalError", "InterfaceError"):
        return Unavailable(f"cannot reach the workspace database: {first}")
    if module == "sqlalchemy" and type(exc).__name__ in ("ArgumentError", "NoSuchModuleError"):
        return BadInput(f"not a workspace database URL: {first}")
    return None


def print_notes(notes: list[str]) -> None:
    """Caveats a reader must see, under the figures they qualify."""
    for note in notes:
        console.print(labelled("note:", "yellow", note), highlight=False)
