"""What every command shares: the --db option, turning ScrutinyError into a clean exit, and printing outside
text (paths, headers, reasons) as text.

Rich reads `[...]` in a printed string as markup, so a file named `x[/bold]y.csv` would crash the output
and one named `[red]...` would restyle it; names may also hold terminal control characters. Everything that
comes from outside is therefore printed through `plain`, never formatted into a markup string.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from scrutiny.errors import ScrutinyError
from scrutiny.printable import printable, printable_lines
from scrutiny.warehouse.ingest import SHRINK_LIMIT_PERCENT

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB warehouse file (default: $SCRUTINY_DB, else ./scrutiny.duckdb)."),
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
    except ScrutinyError as exc:
        err_console.print(labelled("error:", "bold red", exc), highlight=False, soft_wrap=True)
        raise typer.Exit(getattr(exc, "exit_code", 1)) from None


def print_notes(notes: list[str]) -> None:
    """Caveats a reader must see, under the figures they qualify."""
    for note in notes:
        console.print(labelled("note:", "yellow", note), highlight=False)
