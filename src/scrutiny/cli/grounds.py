"""`scrutiny grounds classify`: add the grounds class and its evidence to every row of any CSV of search records."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.table import Table

from scrutiny.cli.common import err_console, must_be_local, user_errors
from scrutiny.errors import SourceRefused
from scrutiny.vocab import numbers

ADDED = ("grounds_class", "evidence")
DEFAULT_COLUMN = "grounds"

grounds_app = typer.Typer(
    help="Read the free-text grounds for search: smell of cannabis only, smell plus other factors, or no smell.",
    no_args_is_help=True,
)


def _read(path: Path) -> list[tuple[int, list[str]]]:
    """Every non-blank row with the line it ends on, header first; all is read before anything is written."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            rows = [(reader.line_num, row) for row in reader if row]
    except FileNotFoundError:
        raise SourceRefused(path, "no such file") from None
    except IsADirectoryError:
        raise SourceRefused(path, "a directory, not a CSV file") from None
    except UnicodeDecodeError as exc:
        raise SourceRefused(path, f"not UTF-8 (byte {exc.start})") from None
    except csv.Error as exc:
        raise SourceRefused(path, f"not a readable CSV: {exc}") from None
    if not rows:
        raise SourceRefused(path, "empty file: no header row")
    return rows


def find_column(path: Path, header: list[str], column: str | None) -> int:
    """Where the grounds text is: the column named (any case); with none named, `grounds`, else the one column
    whose name holds the word (a published file's `Grounds for search`). Otherwise an error naming the columns."""
    wanted = (column or DEFAULT_COLUMN).casefold()
    exact = [i for i, name in enumerate(header) if name.strip().casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    holding = [i for i, name in enumerate(header) if DEFAULT_COLUMN in name.casefold() and name not in ADDED]
    if column is None and len(holding) == 1:
        return holding[0]
    raise SourceRefused(path, f"no column {column or DEFAULT_COLUMN!r} (the columns are: {', '.join(header)}); "
                              "name the one holding the grounds text with --column, e.g. --column \"Grounds for "
                              "search\"")


def classify_rows(path: Path, column: str | None) -> tuple[list[list[str]], Counter[str], int]:
    """The rows with `grounds_class` and `evidence` set (appended, or overwritten if the file already has them).

    Returns the rows (header first), the count per class and how many rows had no grounds text at all.
    """
    from scrutiny.workspace.grounds import GroundsClass, classify  # its patterns take ~20 ms to compile

    (_, header), *body = _read(path)
    where = find_column(path, header, column)
    out_header = header + [name for name in ADDED if name not in header]
    class_at, evidence_at = (out_header.index(name) for name in ADDED)
    out = [out_header]
    counts: Counter[str] = Counter({c.value: 0 for c in GroundsClass})
    blank = 0
    for line, fields in body:
        if len(fields) > len(header):
            raise SourceRefused(path, f"line {line}: {len(fields)} fields but the header has {len(header)}")
        row = fields + [""] * (len(out_header) - len(fields))  # a short row is padded, as spreadsheets write them
        blank += not row[where].strip()
        grounds = classify(row[where])
        counts[grounds.grounds_class.value] += 1
        row[class_at], row[evidence_at] = grounds.grounds_class.value, "; ".join(grounds.evidence)
        out.append(row)
    return out, counts, blank


def _write(rows: list[list[str]], stream: TextIO) -> None:
    csv.writer(stream, lineterminator="\n").writerows(rows)


def _summary(counts: Counter[str], blank: int) -> None:
    from scrutiny.workspace.grounds import GroundsClass

    total = sum(counts.values())
    table = Table(title=f"Grounds of {total:,} searches", title_justify="left")
    for name in ("class", "searches", "share"):
        table.add_column(name)
    for grounds_class in GroundsClass:
        n = counts[grounds_class.value]
        table.add_row(grounds_class.value, f"{n:,}", numbers.pct(n / total if total else None, missing=numbers.DASH))
    err_console.print(table)
    if blank:
        err_console.print(f"[yellow]note:[/] {blank:,} searches have no grounds text (counted as no_smell)",
                          highlight=False)
    err_console.print("[yellow]note:[/] classified from the words written, not a judgement of lawfulness: "
                      "read the evidence column", highlight=False)


@grounds_app.command("classify")
def classify_command(
    file: Annotated[Path, typer.Argument(help="Any CSV with a column holding the grounds for search.")],
    column: Annotated[str | None, typer.Option("--column", help="The column holding the grounds text (any case; "
                                               "default: grounds, else the one column whose name holds it).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the CSV here instead of to stdout.")] = None,
) -> None:
    """Add `grounds_class` (smell_only, smell_plus, no_smell) and `evidence` (the words relied on) to every row.

    Other columns and the order of rows are kept; a file that already has the two columns has them refilled.
    """
    with user_errors():
        must_be_local(out, "--out")
        rows, counts, blank = classify_rows(file, column)
        if out is None:
            _write(rows, sys.stdout)
        else:
            try:
                with out.open("w", encoding="utf-8", newline="") as f:
                    _write(rows, f)
            except OSError as exc:
                raise SourceRefused(out, f"cannot write: {exc.strerror}") from None
    _summary(counts, blank)


def register(app: typer.Typer) -> None:
    app.add_typer(grounds_app, name="grounds")
