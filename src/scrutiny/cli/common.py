"""What every command shares: the --db option and turning ScrutinyError into a clean exit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from scrutiny.errors import ScrutinyError

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB warehouse file (default: $SCRUTINY_DB, else ./scrutiny.duckdb)."),
]

F = TypeVar("F", bound=Callable[..., object])


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a ScrutinyError as one red line and exit 1; anything else is a bug and keeps its traceback."""
    try:
        yield
    except ScrutinyError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def print_notes(notes: list[str]) -> None:
    """Caveats a reader must see, under the figures they qualify."""
    for note in notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
