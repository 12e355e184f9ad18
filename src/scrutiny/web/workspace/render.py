"""Workspace pages share the dashboard's look (the same layout and template environment) plus who is logged
in and the CSRF token their forms carry. They are never cached: they differ from one person to the next."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scrutiny.web.pages.common import render
from scrutiny.web.workspace.deps import CSRF_FIELD, csrf_token, current_user, set_cookies
from scrutiny.web.workspace.parts import visible
from scrutiny.workspace.errors import Invalid, LoginRequired, WorkspaceError


def page(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    """`parts` are the registered workspace parts this person may use: the menu and the home list them."""
    user = current_user(request)
    base: dict[str, Any] = {"user": user, "csrf_field": CSRF_FIELD, "csrf": csrf_token(request), "title": "",
            "errors": {}, "form": {}, "message": None, "parts": visible(user)}
    response: HTMLResponse = render(request, template, {**base, **(context or {})}, status)
    response.headers["Cache-Control"] = "no-store"
    set_cookies(request, response)
    return response


def redirect(request: Request, to: str) -> Response:
    return set_cookies(request, RedirectResponse(to, status_code=303))


def local_path(target: str | None, default: str = "/workspace") -> str:
    """A redirect target that stays on this site (no `//host` or `https://host` open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def error_page(request: Request, error: WorkspaceError) -> Response:
    """A refusal as a page: a login form for a visitor who must log in to see a page, else the reason."""
    if isinstance(error, LoginRequired) and request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, f"/login?next={quote(here)}")
    title = {401: "Log in first", 403: "Not allowed", 404: "Not found", 422: "Please check the form",
             503: "Workspace not ready"}.get(error.status, "Cannot do this")
    field = error.field if isinstance(error, Invalid) else None
    return page(request, "workspace/error.html", {"title": title, "message": str(error), "field": field},
                error.status)
