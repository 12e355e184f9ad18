"""`scrutiny community purge`: delete the contact details of community reports whose retention has ended.

The server also purges at start-up and on every moderation page; this is for a nightly cron job, so expired
details go on time even when nobody opens the workspace."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from scrutiny.cli.common import DbOption, console, user_errors
from scrutiny.cli.workspace import WorkspaceOption, open_workspace

community_app = typer.Typer(help="Community stop reports (from the public form at /report).", no_args_is_help=True)


@community_app.command("purge")
def purge(workspace: WorkspaceOption = None, db: DbOption = None) -> None:
    """Delete contact details kept past their retention period (the reports themselves stay)."""
    from scrutiny.workspace.community.retention import RETENTION, purge_expired_contacts

    with user_errors():
        ws = open_workspace(workspace, db)
        with ws.session(RETENTION) as session:
            n = purge_expired_contacts(session, datetime.now(UTC))
        console.print(f"deleted the contact details of {n} report{'s' if n != 1 else ''}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(community_app, name="community")
