"""The panel workspace's pages and API, in the dashboard's app and look: accounts and the audit log here;
panels, governance, recommendations and search-record review in their own modules."""

from __future__ import annotations

import importlib

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from scrutiny.web import api
from scrutiny.web.errors import handle_error
from scrutiny.web.workspace import auth, render
from scrutiny.workspace.errors import WorkspaceError

router = APIRouter(include_in_schema=False)  # pages
api_router = APIRouter(prefix=api.PREFIX)  # JSON, in the OpenAPI document
router.include_router(auth.router)

# Each part of the workspace is a module with `router` (pages) and optionally `api_router`.
PARTS = ("panels", "governance", "recommendations", "review", "diversion", "strategy", "disposals", "disposal_records",
         "community")


def _include_parts() -> None:
    for name in PARTS:
        try:
            module = importlib.import_module(f"scrutiny.web.workspace.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"scrutiny.web.workspace.{name}":
                continue
            raise
        router.include_router(module.router)
        if hasattr(module, "api_router"):
            api_router.include_router(module.api_router)


_include_parts()


async def handle_workspace_error(request: Request, exc: Exception) -> Response:
    """JSON under /api/ (the API's one error shape), a page everywhere else."""
    assert isinstance(exc, WorkspaceError)
    if request.url.path.startswith(api.PREFIX):
        return await handle_error(request, exc)
    return render.error_page(request, exc)


def install(app: FastAPI) -> None:
    app.include_router(api_router)
    app.include_router(router)
    app.add_exception_handler(WorkspaceError, handle_workspace_error)


__all__ = ["install"]
