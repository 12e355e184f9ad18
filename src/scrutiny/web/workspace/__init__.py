"""The panel workspace's pages and API, in the dashboard's app and look. Each part (panels, governance,
recommendations, search-record review, ...) is a module registered in `parts.PARTS`; `install` adds them all
to an app and refuses to start when one is missing or broken."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from scrutiny.web import api
from scrutiny.web.errors import handle_error
from scrutiny.web.workspace import parts, render
from scrutiny.workspace.errors import WorkspaceError


async def handle_workspace_error(request: Request, exc: Exception) -> Response:
    """JSON under /api/ (the API's one error shape), a page everywhere else."""
    assert isinstance(exc, WorkspaceError)
    if request.url.path.startswith(api.PREFIX):
        return await handle_error(request, exc)
    return render.error_page(request, exc)


def install(app: FastAPI) -> None:
    """Every registered part's pages (out of the OpenAPI document) and JSON (in it, under /api/v1).
    Raises `parts.PartBroken`, naming the part, when one cannot be loaded."""
    pages, json = parts.routers(parts.PARTS)
    app.include_router(json, prefix=api.PREFIX)
    app.include_router(pages, include_in_schema=False)
    app.add_exception_handler(WorkspaceError, handle_workspace_error)


__all__ = ["install"]
