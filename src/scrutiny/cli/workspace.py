"""`scrutiny workspace upgrade|downgrade|status|purge` and `scrutiny user create --admin EMAIL`: the workspace
database's schema, records deleted over 30 days ago, and the first admin (everyone after is invited from the web
pages)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from scrutiny.cli.common import DbOption, console, user_errors

if TYPE_CHECKING:
    from scrutiny.workspace.database import Workspace

WorkspaceOption = Annotated[
    str | None,
    typer.Option("--workspace", help="Workspace database: a URL or the path of a SQLite file (default: "
                                     "$SCRUTINY_WORKSPACE, else a SQLite file beside the warehouse, e.g. "
                                     "./scrutiny-workspace.sqlite); PostgreSQL: postgresql://user@host/db."),
]

workspace_app = typer.Typer(help="The panel workspace's database: create, upgrade, check.", no_args_is_help=True)
user_app = typer.Typer(help="Workspace accounts (the first admin; others are invited from the web pages).",
                       no_args_is_help=True)


def open_workspace(url: str | None, db: object = None) -> Workspace:
    from scrutiny.workspace.database import Workspace, resolve_workspace_url  # SQLAlchemy and Alembic

    return Workspace(resolve_workspace_url(url, db))  # type: ignore[arg-type]


@workspace_app.command("upgrade")
def upgrade(workspace: WorkspaceOption = None, db: DbOption = None) -> None:
    """Create the workspace database or bring it to this version's schema (safe to run again)."""
    with user_errors():
        ws = open_workspace(workspace, db)
        ws.upgrade()
        console.print(f"workspace {ws.engine.url.render_as_string()} at revision "
                      f"{', '.join(sorted(ws.revisions()))}", highlight=False)


@workspace_app.command("downgrade")
def downgrade(revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes every table.")],
              workspace: WorkspaceOption = None, db: DbOption = None,
              yes: Annotated[bool, typer.Option("--yes", help="Do not ask: the data in dropped tables is lost.")]
              = False) -> None:
    """Take the schema back to an earlier revision (drops what later revisions added, with its data)."""
    with user_errors():
        ws = open_workspace(workspace, db)
        if not yes:
            typer.confirm(f"Downgrade {ws.engine.url.render_as_string()} to {revision}? Data in dropped tables "
                          "is lost.", abort=True)
        ws.downgrade(revision)
        console.print(f"workspace at revision {', '.join(sorted(ws.revisions())) or 'base (empty)'}")


@workspace_app.command("status")
def status(workspace: WorkspaceOption = None, db: DbOption = None) -> None:
    """Which schema revision the workspace database is at, and whether it is current."""
    from scrutiny.workspace.database import head_revisions

    with user_errors():
        ws = open_workspace(workspace, db)
        at, heads = ws.revisions(), head_revisions()
        state = "current" if at == heads else "out of date: run `scrutiny workspace upgrade`"
        console.print(f"{ws.engine.url.render_as_string()}: revision {', '.join(sorted(at)) or 'none'} ({state})",
                      highlight=False)


@workspace_app.command("purge")
def purge(workspace: WorkspaceOption = None, db: DbOption = None) -> None:
    """Delete for good the panels, bodies and recommendations deleted over 30 days ago.

    Until then an admin can restore them from the workspace's Recently deleted page. Run it nightly from cron."""
    from scrutiny.workspace import deleted

    with user_errors():
        ws = open_workspace(workspace, db)
        with ws.session(deleted.PURGE) as session:
            counts = deleted.purge(session, deleted.now_utc())
        said = ", ".join(f"{n} {deleted.NOUNS[kind][n != 1]}" for kind, n in counts.items())
        console.print(f"purged {said}", highlight=False)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password (at least 10 characters)", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("create")
def create(
    admin: Annotated[str, typer.Option("--admin", metavar="EMAIL", help="Email of the admin account to create.")],
    name: Annotated[str, typer.Option("--name", help="Name shown to others (default: the email).")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first "
                                                 "line of standard input instead of asking.")] = False,
    workspace: WorkspaceOption = None,
    db: DbOption = None,
) -> None:
    """Create an admin account: how a new workspace gets its first admin. Creates or upgrades the schema first."""
    from scrutiny.workspace import accounts
    from scrutiny.workspace.errors import Invalid
    from scrutiny.workspace.models.accounts import Role

    with user_errors():
        ws = open_workspace(workspace, db)
        ws.upgrade()
        password = _password(password_stdin)
        with ws.session(accounts.COMMAND_LINE) as session:
            try:
                user = accounts.create_user(session, admin, name, Role.admin, password)
            except Invalid as exc:
                raise Invalid(f"--{'admin' if exc.field == 'email' else exc.field}", exc.message) from None
        console.print(f"admin {user.email} created in {ws.engine.url.render_as_string()}; log in at /login "
                      "once `scrutiny serve` runs", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(workspace_app, name="workspace")
    app.add_typer(user_app, name="user")
