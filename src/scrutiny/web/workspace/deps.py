"""Who is asking, and whether a write is really theirs: the login cookie, the CSRF check, role checks.

CSRF: a double-submit token. Every page sets a random `scrutiny_csrf` cookie (HttpOnly, SameSite=Lax) and
puts the same value in its forms; a write must send it back as the form field `csrf_token` or the header
`X-CSRF-Token`. Another site can make a browser send the cookie but cannot read it to fill in the field.
The token is replaced at login, so one planted before login is useless after.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from scrutiny.web.settings import Settings
from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Forbidden
from scrutiny.workspace.models.accounts import Role, User

SESSION_COOKIE = "scrutiny_session"
CSRF_COOKIE = "scrutiny_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def workspace(request: Request) -> Workspace:
    found: Workspace = request.app.state.workspace
    return found


def current_user(request: Request) -> User | None:
    """The logged-in account, looked up once per request (None for a public visitor)."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    user = None
    if token:
        with workspace(request).session() as session:
            user = accounts.user_for_token(session, token)
    request.state.user = user
    return user


def csrf_token(request: Request) -> str:
    """This browser's CSRF token; a new one (set on the response by `set_cookies`) if it has none yet."""
    if not hasattr(request.state, "csrf"):
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    token: str = request.state.csrf
    return token


def new_csrf_token(request: Request) -> str:
    request.state.csrf = secrets.token_urlsafe(32)
    return csrf_token(request)


def _settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def set_cookies(request: Request, response: Response, *, session_token: str | None = None,
                logout: bool = False) -> Response:
    secure = _settings(request).secure_cookies
    token = csrf_token(request)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")
    if session_token is not None:
        response.set_cookie(SESSION_COOKIE, session_token, httponly=True, samesite="lax", secure=secure, path="/",
                            max_age=accounts.SESSION_DAYS * 86400)
    if logout:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def check_csrf(request: Request) -> None:
    """Refuse a write whose CSRF token is missing or does not match this browser's cookie."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise Forbidden("the form's security token is missing or out of date: reload the page and try again")


def role(*roles: Role) -> Callable[..., Any]:
    """A dependency: the logged-in user with one of `roles` (admins always), after the CSRF check for writes."""

    async def dependency(request: Request, _: Annotated[None, Depends(check_csrf)]) -> User:
        return accounts.require(current_user(request), *roles)

    return dependency


CurrentUser = Annotated[User | None, Depends(current_user)]
Csrf = Annotated[None, Depends(check_csrf)]
Admin = Annotated[User, Depends(role(Role.admin))]
PanelMember = Annotated[User, Depends(role(Role.panel_member))]
Reviewer = Annotated[User, Depends(role(Role.reviewer))]
AnyRole = Annotated[User, Depends(role(Role.panel_member, Role.reviewer))]
WorkspaceDep = Annotated[Workspace, Depends(workspace)]
