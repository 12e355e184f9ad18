"""Who is asking, and whether a write is really theirs: the login cookie, the CSRF check, role checks.

CSRF. Every write (a form's field `csrf_token`, or the header `X-CSRF-Token` for JSON) must carry the token
of the browser that sends it, and come from this site:

- Logged in, the token is bound to the login session: an HMAC keyed with the session's secret token (the
  HttpOnly `scrutiny_session` cookie), so it changes at every login and no one without that session can make
  it. A `scrutiny_csrf` cookie planted by a page on another port or subdomain, with a form field to match,
  is refused: the cookie is not what is compared. (The same value is also put in `scrutiny_csrf`, so a
  script's client can read its token from its cookie jar.)
- Before login (the login form, accepting an invitation) there is no session to bind to: a random token in
  the `scrutiny_csrf` cookie (HttpOnly, SameSite=Lax) that the form must repeat, replaced at login.
- Either way, a write a browser says came from another site (`Sec-Fetch-Site: cross-site` or `same-site`,
  which is what a page on another local port is), or whose `Origin` is not this host, is refused: this is
  what keeps a planted pre-login cookie from logging a browser in to someone else's account. Clients that send
  neither header (scripts) are judged by the token alone.

No database column is needed: the token is derived from the session's token each time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

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


def session_csrf(session_token: str) -> str:
    """The CSRF token of the login session whose secret token is `session_token` (one-way: the token does not
    reveal the session)."""
    return hmac.new(session_token.encode(), b"scrutiny csrf token", hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token this browser's forms carry: its login session's, else its pre-login cookie's, else a new one
    (set on the response by `set_cookies`)."""
    if not hasattr(request.state, "csrf"):
        session = request.cookies.get(SESSION_COOKIE)
        request.state.csrf = session_csrf(session) if session else (
            request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32))
    token: str = request.state.csrf
    return token


def new_csrf_token(request: Request) -> str:
    """A fresh pre-login token (after logging out); logging in binds the token to the new session instead."""
    request.state.csrf = secrets.token_urlsafe(32)
    return csrf_token(request)


def _settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure when the settings say so, or when the request came over HTTPS: directly, or as a
    trusted proxy said with X-Forwarded-Proto (`scrutiny serve --proxy-headers`)."""
    return _settings(request).secure_cookies or request.url.scheme == "https"


def _drop_cookie(response: Response, name: str) -> None:
    """Forget a Set-Cookie for `name` made earlier for this response, so the browser is told one value."""
    prefix = f"{name}=".encode("latin-1")
    response.raw_headers[:] = [(k, v) for k, v in response.raw_headers
                               if not (k.lower() == b"set-cookie" and v.startswith(prefix))]


def set_cookies(request: Request, response: Response, *, session_token: str | None = None,
                logout: bool = False) -> Response:
    """The CSRF cookie (when it changed), and the login cookie when `session_token` starts a session (the CSRF
    token then becomes that session's) or `logout` ends one (a new pre-login token)."""
    secure = secure_cookies(request)
    if session_token is not None:
        request.state.csrf = session_csrf(session_token)
    elif logout and csrf_token(request) == session_csrf(request.cookies.get(SESSION_COOKIE, "")):
        new_csrf_token(request)
    token = csrf_token(request)
    if request.cookies.get(CSRF_COOKIE) != token:
        _drop_cookie(response, CSRF_COOKIE)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")
    if session_token is not None:
        response.set_cookie(SESSION_COOKIE, session_token, httponly=True, samesite="lax", secure=secure, path="/",
                            max_age=accounts.SESSION_DAYS * 86400)
    if logout:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    return response


def _from_elsewhere(request: Request) -> bool:
    """Whether the browser says this request was made by a page of another site or origin."""
    fetched_from = request.headers.get("sec-fetch-site")
    if fetched_from is not None:
        return fetched_from not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()


async def check_csrf(request: Request) -> None:
    """Refuse a write from another site, or whose CSRF token is missing or is not this browser's."""
    if request.method in SAFE_METHODS:
        return
    refused = Forbidden("the form's security token is missing or out of date: reload the page and try again")
    if _from_elsewhere(request):
        raise refused
    session = request.cookies.get(SESSION_COOKIE)
    expected = session_csrf(session) if session else request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise refused


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
