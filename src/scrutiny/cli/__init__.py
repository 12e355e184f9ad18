"""The `scrutiny` command: one Typer app, one module per group of commands.

Building the app and printing `--help` imports only Typer, Rich and Scrutiny's light modules: each command
imports what it computes with (pandas, Ibis, SciPy, SQLAlchemy, JAX...) inside its function, so a command pays
only for its own work (tests/cli/test_startup_imports.py; bench/startup_bench.py measures it)."""

from __future__ import annotations

import typer

from scrutiny.cli import (
    bias,
    community,
    crime,
    disposal,
    export,
    fetch,
    governance,
    grounds,
    hotspots,
    metrics,
    national,
    report,
    serve,
    synth,
    update,
    use_of_force,
    warehouse,
    workspace,
)
from scrutiny.cli.common import user_errors

app = typer.Typer(
    help="Scrutiny: load public stop-and-search data and hold police to account with evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _check_settings() -> None:
    """Every `SCRUTINY_*` variable is checked before any command runs: a bad one is one line and exit code 2."""
    from scrutiny import settings  # pydantic-settings: not needed to print --help

    with user_errors():  # BadSetting is a ScrutinyError with exit code 2
        settings.current()


warehouse.register(app)
export.register(app)
fetch.register(app)
update.register(app)
synth.register(app)
metrics.register(app)
crime.register(app)
use_of_force.register(app)
hotspots.register(app)
national.register(app)
bias.register(app)
report.register(app)
serve.register(app)
workspace.register(app)
grounds.register(app)
disposal.register(app)
governance.register(app)
community.register(app)


def main() -> None:
    app()
