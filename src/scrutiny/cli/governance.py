"""`scrutiny governance export [--out FILE]`: the public governance map (bodies and relations, no people) as
JSON, the same document as GET /api/v1/governance, for publishing or diffing outside the web app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scrutiny.cli.common import DbOption, console, user_errors
from scrutiny.cli.workspace import WorkspaceOption, open_workspace

governance_app = typer.Typer(help="The governance map of the panel workspace.", no_args_is_help=True)


@governance_app.command("export")
def export(out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: print it).")] = None,
           workspace: WorkspaceOption = None, db: DbOption = None) -> None:
    """Print or write the governance map as JSON: bodies and the relations between them."""
    from scrutiny.workspace import governance

    with user_errors():
        ws = open_workspace(workspace, db)
        try:
            with ws.session() as session:
                document = governance.export(session)
        finally:
            ws.dispose()
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
            console.print(f"wrote {len(document['bodies'])} bodies and {len(document['relations'])} relations "
                          f"to {out}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(governance_app, name="governance")
