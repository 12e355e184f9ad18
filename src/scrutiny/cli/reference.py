"""docs/cli.md, generated from the `--help` of every command, so the reference cannot drift from the CLI.

    python -m scrutiny.cli.reference            write docs/cli.md (or `make docs`)
    python -m scrutiny.cli.reference --check    exit 1 if docs/cli.md differs from what would be written

The help is rendered exactly as a user sees it, but at a fixed width and without colour, so the page is the
same on every machine; tests/test_docs_cli.py fails when it is out of date.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
import typer.core
import typer.main
import typer.rich_utils
from typer.testing import CliRunner

WIDTH = 100
PROG = "scrutiny"
DEFAULT_OUT = Path(__file__).resolve().parents[3] / "docs" / "cli.md"
REGENERATE = "make docs"
HEADER = f"""# Command-line reference

Generated from `--help` of every `{PROG}` command by `scrutiny.cli.reference`; do not edit by hand.
Regenerate it with `{REGENERATE}` (which runs `python -m scrutiny.cli.reference`); `tests/test_docs_cli.py`
fails when this page differs from what the commands print now.
The commands are described in prose in the [README](../README.md) and in [the docs index](README.md).
"""


def _commands(group: typer.core.TyperGroup, ctx: typer.Context, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Every visible command path under `group`, in the order `--help` lists them, groups before their members."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        yield (*path, name)
        if isinstance(command, typer.core.TyperGroup):
            sub_ctx = typer.Context(command, info_name=name, parent=ctx)
            yield from _commands(command, sub_ctx, (*path, name))


def command_paths() -> list[tuple[str, ...]]:
    from scrutiny.cli import app

    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    return [(), *_commands(root, typer.Context(root, info_name=PROG), ())]


@contextmanager
def _plain_help() -> Iterator[None]:
    """Typer's Rich help at WIDTH columns with no colour, put back afterwards (tests share the process)."""
    saved = typer.rich_utils.MAX_WIDTH, typer.rich_utils.COLOR_SYSTEM, typer.rich_utils.FORCE_TERMINAL
    typer.rich_utils.MAX_WIDTH, typer.rich_utils.COLOR_SYSTEM, typer.rich_utils.FORCE_TERMINAL = WIDTH, None, False
    try:
        yield
    finally:
        typer.rich_utils.MAX_WIDTH, typer.rich_utils.COLOR_SYSTEM, typer.rich_utils.FORCE_TERMINAL = saved


def help_text(path: tuple[str, ...]) -> str:
    """What `scrutiny PATH --help` prints, at WIDTH columns, plain text, trailing spaces and blank ends removed."""
    from scrutiny.cli import app

    with _plain_help():
        result = CliRunner().invoke(app, [*path, "--help"], prog_name=PROG, color=False)
    if result.exit_code != 0:
        raise RuntimeError(f"`{PROG} {' '.join(path)} --help` exited {result.exit_code}: {result.output}")
    lines = [line.rstrip() for line in result.output.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _anchor(path: tuple[str, ...]) -> str:
    """The GitHub-style anchor of a section headed `scrutiny PATH`."""
    return "-".join((PROG, *path)).lower()


def render() -> str:
    """The whole page: a contents list, then one section per command with its help in a code block."""
    paths = command_paths()
    lines = [HEADER, "## Commands", ""]
    for path in paths[1:]:
        indent = "  " * (len(path) - 1)
        lines.append(f"{indent}- [`{' '.join((PROG, *path))}`](#{_anchor(path)})")
    lines.append("")
    for path in paths:
        lines += [f"## {' '.join((PROG, *path))}", "", "```text", help_text(path), "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    out = DEFAULT_OUT
    page = render()
    if check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != page:
            print(f"{out} is out of date: regenerate it with `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    print(f"wrote {out} ({len(page.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
