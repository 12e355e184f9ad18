"""The web app: `create_app(settings)` builds it; nothing is read or opened at import time.

    /api/v1/...          the open JSON API (scrutiny.web.api), spec at /api/v1/openapi.json, docs at /api/v1/docs
    /static/...          the dashboard's own and vendored files (no CDN), content-hashed names, compressed
    / and other pages    the dashboard (scrutiny.web.pages)
    /login, /workspace/… the panel workspace (scrutiny.web.workspace): every part in its registry (parts.PARTS),
                         on its own database (scrutiny.workspace); a missing or broken part stops create_app

The warehouse is opened read-only for each piece of work and closed after it, never held between requests,
so `scrutiny ingest` can run while the server is up; answers are cached until the warehouse changes.
"""

from __future__ import annotations

import gc
import json
from typing import Any

from fastapi import Depends, FastAPI
from starlette.datastructures import State

import scrutiny
from scrutiny.errors import ScrutinyError
from scrutiny.metrics import Scope
from scrutiny.metrics.selection import loaded_months
from scrutiny.web import api, errors, limits, pages, security_headers, static_assets, workspace
from scrutiny.web.api.common import dump
from scrutiny.web.api.metrics import document
from scrutiny.web.cache import ResponseCache
from scrutiny.web.deps import ScopeParams, Warehouse
from scrutiny.web.settings import Settings, get_settings
from scrutiny.workspace.database import Workspace

STATIC = static_assets.DIRECTORY
DESCRIPTION = """Stop and search figures from public police data (data.police.uk, Census 2021), computed once in
Scrutiny's metrics layer, so the API, the dashboard, the reports and the CLI agree. Errors have one shape:
`{"detail": [{"loc": ["query", "from"], "msg": "...", "type": "..."}]}`. Contains public sector information
licensed under the Open Government Licence v3.0."""


def _metrics_getter(warehouse: Warehouse, cache: ResponseCache) -> Any:
    """`app.state.metrics(scope)`: the document for a scope through the API's cache, for the pages."""

    def metrics(scope: Scope) -> dict[str, Any]:
        version = warehouse.version()
        params = ScopeParams(scope.force, scope.area, scope.start, scope.end, scope.ethnicity, scope.purpose,
                             scope.power)
        entry, _ = cache.get_sync(("metrics", params), version,
                                  lambda: dump(warehouse.read(lambda backend: document(backend, params))))
        doc: dict[str, Any] = json.loads(entry.body)
        return doc

    return metrics


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="Scrutiny",
        version=scrutiny.__version__,
        description=DESCRIPTION,
        openapi_url=f"{api.PREFIX}/openapi.json",
        docs_url=None,  # served by scrutiny.web.api.docs from vendored files, not a CDN
        redoc_url=None,
        license_info={"name": "MIT"},
        dependencies=[Depends(limits.check_ids)],  # an id no record can have is a 422, not a database error
    )
    errors.install(app)
    app.include_router(api.router)
    workspace.install(app)
    # content-hashed names, compressed once, cached for a year (scrutiny.web.static_assets)
    app.state.static_assets = static_assets.StaticAssets.scan(STATIC)
    app.mount(static_assets.MOUNT, app.state.static_assets, name="static")
    app.include_router(pages.router, include_in_schema=False)  # required, as the workspace's pages are
    app.add_middleware(limits.BodyLimits)
    security_headers.install(app)  # outermost: every response, refusals and errors included
    _document_limits(app)
    return use_settings(app, settings)


def use_settings(app: FastAPI, settings: Settings | None = None) -> FastAPI:
    """Give an app made by `create_app` its settings and everything made from them (the warehouse, the response
    cache, the workspace), in a state of its own: whatever an earlier call or a request left there (a login
    throttle, a fit queue, rate limits) is gone. The routes stay: FastAPI analyses every route's parameters for
    each new app, most of what making one costs (0.1-0.2 s), so a process that needs many apps with different
    settings, the test suite, makes them once. The caller disposes of the previous workspace."""
    settings = settings if settings is not None else get_settings()
    assets = app.state.static_assets  # mounted by create_app, settings or none: kept
    warehouse = Warehouse(settings.db, lock_wait=settings.lock_wait, slots=settings.query_slots)
    cache = ResponseCache(settings.cache_entries, settings.cache_bytes)
    app.state = State()
    app.state.settings = settings
    app.state.warehouse = warehouse
    app.state.cache = cache
    app.state.metrics = _metrics_getter(warehouse, cache)
    app.state.workspace = Workspace(settings.workspace_url)  # opened on first use, so the dashboard never needs it
    app.state.static_assets = assets
    return app


def _document_limits(app: FastAPI) -> None:
    """The spec lists the body guard's 413 and 422 on every operation that takes a body."""
    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = limits.document_body_limits(make())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def settle(app: FastAPI) -> None:
    """Before serving: answer one small question, so the modules a query loads lazily are in, then freeze
    everything loaded so far out of the garbage collector's reach. Its full passes then only walk what
    requests create, which keeps them from pausing cached answers for 100 ms and more under load."""
    warehouse: Warehouse = app.state.warehouse
    try:
        months = warehouse.read(loaded_months)
        if months:
            last = months[-1]
            app.state.metrics(Scope(last["force"], None, last["month"], last["month"]))
    except ScrutinyError:  # no warehouse yet, or busy: serve anyway
        pass
    gc.collect()
    gc.freeze()


__all__ = ["create_app", "settle", "use_settings"]
