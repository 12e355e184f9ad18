"""An app factory that reads its configuration from the environment, for `uvicorn --factory`:

    SCRUTINY_WORKSPACE=sqlite:///ws.sqlite python -m uvicorn --no-proxy-headers --factory \
        scrutiny.web.workspace.community_app:app

(--no-proxy-headers: uvicorn otherwise believes X-Forwarded-For from 127.0.0.1 before the app sees the request,
whatever $SCRUTINY_TRUSTED_PROXIES says; `scrutiny serve` sets this from the setting itself.)

($SCRUTINY_DB names the warehouse, as for `scrutiny serve`). It deletes expired contact details of community
reports before serving, as start-up should; the community tests use it to kill a real server mid-flight."""

from __future__ import annotations

import sys

from fastapi import FastAPI

from scrutiny import settings
from scrutiny.web.app import create_app
from scrutiny.web.settings import get_settings
from scrutiny.web.workspace.community import startup_purge
from scrutiny.workspace.errors import SchemaOutOfDate


def app() -> FastAPI:
    settings.validate_or_exit(lambda line: print(f"error: {line}", file=sys.stderr))  # one line, exit 2
    made = create_app(get_settings())
    try:
        startup_purge(made.state.workspace)
        made.state.community_purged = True
    except SchemaOutOfDate:  # serve anyway: the pages say to run `scrutiny workspace upgrade`
        pass
    return made
