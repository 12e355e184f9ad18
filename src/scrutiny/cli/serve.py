"""`scrutiny serve`: the dashboard and the open JSON API on a local web server (uvicorn)."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from scrutiny.cli.common import DbOption, console, user_errors
from scrutiny.cli.engine_options import EngineOption, SourceOption, SparkOption, start_engine
from scrutiny.cli.workspace import WorkspaceOption
from scrutiny.warehouse.engine import Engine

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from scrutiny.web.settings import Settings

LOCAL_PROXIES = ("127.0.0.1", "::1")  # --proxy-headers without $SCRUTINY_TRUSTED_PROXIES: a proxy on this machine


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on; 0.0.0.0 for every interface.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    workspace: WorkspaceOption = None,
    proxy_headers: Annotated[bool, typer.Option(
        "--proxy-headers", help="Behind a reverse proxy: believe its X-Forwarded-Proto and X-Forwarded-For, from "
        "the proxies in $SCRUTINY_TRUSTED_PROXIES (this machine, 127.0.0.1 and ::1, when that is not set). Login "
        "cookies are then Secure on every request the proxy says came over HTTPS.")] = False,
    workers: Annotated[int, typer.Option(
        "--workers", help="Server processes sharing the port: uncached answers are mostly Python, so one process "
        "uses one core. Each keeps its own response cache and threshold-fit queue (docs/deploy.md).")] = 1,
    engine: EngineOption = Engine.duckdb,
    source: SourceOption = None,
    spark: SparkOption = None,
) -> None:
    """Serve the dashboard and the JSON API (/api/v1/, docs at /api/v1/docs) over the warehouse.

    The warehouse is opened read-only for each request and never held, so `scrutiny ingest` can load new data
    while the server runs; answers change as soon as it finishes. The panel workspace (/workspace) keeps its own
    database, created or upgraded at start; `scrutiny user create --admin EMAIL` makes its first admin."""
    from scrutiny.config import resolve_db
    from scrutiny.errors import BadInput
    from scrutiny.web import get_settings  # imported here: the other commands should not pay for the web stack
    from scrutiny.web.workers import check_workers

    with user_errors():  # a bad --workspace, or a workspace database that cannot be opened: one line, exit 2
        try:
            check_workers(workers)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if engine == Engine.pyspark and workers != 1:
            raise BadInput("--engine pyspark serves from one process (it holds the Spark session): give no --workers")
        start_engine(engine, source, spark)
        settings = get_settings(resolve_db(db), workspace_url=workspace)
        if proxy_headers and not settings.trusted_proxies:
            settings = replace(settings, trusted_proxies=LOCAL_PROXIES)
        open_workspace(settings.workspace_url)  # before the web stack is imported: a bad one is told in a second
        if engine == Engine.duckdb and not settings.db.exists():
            console.print(f"[yellow]note:[/] no warehouse at {settings.db} yet: the API answers 503 until "
                          f"`scrutiny ingest PATH --db {settings.db}` has loaded data", highlight=False)
        console.print(f"Scrutiny on http://{host}:{port}/ (API docs: http://{host}:{port}/api/v1/docs), "
                      f"warehouse {settings.db}", highlight=False)
        run(settings, host, port, workers=workers)


def open_workspace(url: str) -> None:
    """Connect to the workspace database once, or raise Unavailable naming it (its schema is upgraded later)."""
    from scrutiny.workspace.database import Workspace

    workspace = Workspace(url)
    try:
        workspace.engine  # noqa: B018 (the property connects)
    finally:
        workspace.dispose()


def run(settings: Settings, host: str, port: int, *, access_log: bool = True, workers: int = 1) -> None:
    """The app for `settings` under uvicorn (httptools and uvloop when installed): in this process, or in
    `workers` processes (scrutiny.web.workers) under uvicorn's supervisor."""
    import uvicorn

    from scrutiny.web.app import create_app, settle
    from scrutiny.web.workspace.community import startup_purge

    app = create_app(settings)
    app.state.workspace.upgrade()  # the workspace's schema at this version's (created on first start)
    startup_purge(app.state.workspace)  # contact details past their retention period go before anyone looks
    if workers > 1:
        import os

        from uvicorn.supervisors import Multiprocess

        from scrutiny.web.workers import FACTORY, SETTINGS_VARIABLE, encode

        os.environ[SETTINGS_VARIABLE] = encode(settings)
        config = uvicorn_config(FACTORY, settings, host, port, access_log=access_log, workers=workers)
        with contextlib.suppress(KeyboardInterrupt):
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    settle(app)
    server = uvicorn.Server(uvicorn_config(app, settings, host, port, access_log=access_log))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn has shut down cleanly already
        server.run()
    if not server.started:  # as uvicorn.run: the port was taken, or start-up failed (uvicorn has said why)
        raise typer.Exit(3)


def uvicorn_config(app: FastAPI | str, settings: Settings, host: str, port: int, *,
                   access_log: bool = True, workers: int = 1) -> uvicorn.Config:
    """uvicorn's configuration for `app`. Forwarded headers are believed only from `settings.trusted_proxies`
    (uvicorn's own default trusts 127.0.0.1, which would let anyone on the machine pick their address)."""
    import uvicorn

    from scrutiny.web.client_address import trusted_networks

    trusted = [str(network) for network in trusted_networks(settings.trusted_proxies)]
    return uvicorn.Config(app, host=host, port=port, log_level="info", access_log=access_log, server_header=False,
                          proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None, workers=workers,
                          factory=isinstance(app, str))


def register(app: typer.Typer) -> None:
    app.command()(serve)
