"""Logging in (throttled per account and per address) and out, accepting an invitation, and the audit log
(admins). The accounts list and what admins do to accounts: `scrutiny.web.workspace.accounts`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from scrutiny.web.workspace import forms
from scrutiny.web.workspace.deps import (
    SESSION_COOKIE,
    Admin,
    Csrf,
    CurrentUser,
    WorkspaceDep,
    new_csrf_token,
    set_cookies,
)
from scrutiny.web.workspace.render import local_path, page, redirect
from scrutiny.web.workspace.throttle import count_attempt, refusal, throttle_for
from scrutiny.workspace import accounts, audit_view
from scrutiny.workspace.audit import Actor
from scrutiny.workspace.errors import Invalid, LoginRequired
from scrutiny.workspace.login_throttle import Throttled
from scrutiny.workspace.models.accounts import AuditEntry, Role

router = APIRouter()
AUDIT_PAGE = 200


@router.get("/login")
def login_form(request: Request, user: CurrentUser, next: str | None = None) -> Response:
    if user is not None:
        return redirect(request, local_path(next))
    return page(request, "workspace/login.html", {"title": "Log in", "next": local_path(next)})


@router.post("/login")
def login(request: Request, ws: WorkspaceDep, _: Csrf, email: Annotated[str, Form(max_length=254)],
          password: Annotated[str, Form(max_length=1000)],
          next: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Each attempt is counted before the password is checked (`scrutiny.workspace.login_throttle`): after five
    in a row that failed, 429 with Retry-After, for an email with no account just the same."""

    def again(message: str, status: int) -> Response:
        return page(request, "workspace/login.html", {"title": "Log in", "next": local_path(next),
                                                      "message": message, "form": {"email": email}}, status)

    try:
        attempt = count_attempt(request, ws, email)
    except Throttled as exc:
        response = again(refusal(exc.retry_after), 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    try:
        with ws.session() as session:
            user = accounts.authenticate(session, email, password)
            token = accounts.start_session(session, user)
            throttle_for(request).succeeded(session, attempt)
    except LoginRequired as exc:
        return again(str(exc), 401)
    new_csrf_token(request)  # a token planted before login is worthless after it
    return set_cookies(request, redirect(request, local_path(next)), session_token=token)


@router.post("/logout")
def logout(request: Request, ws: WorkspaceDep, _: Csrf) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with ws.session() as session:
            accounts.end_session(session, token)
    new_csrf_token(request)
    return set_cookies(request, redirect(request, "/"), logout=True)


@router.get("/workspace")
def home(request: Request, user: CurrentUser) -> Response:
    accounts.require(user, Role.panel_member, Role.reviewer)
    return page(request, "workspace/home.html", {"title": "Workspace"})


@router.get("/invite/{token}")
def invitation_form(request: Request, ws: WorkspaceDep, token: str) -> Response:
    with ws.session() as session:
        invitation = accounts.open_invitation(session, token)
    return page(request, "workspace/accept.html", {"title": "Join the workspace", "invitation": invitation,
                                                   "token": token})


@router.post("/invite/{token}")
def accept(request: Request, ws: WorkspaceDep, _: Csrf, token: str, name: Annotated[str, Form(max_length=200)],
           password: Annotated[str, Form(max_length=1000)], confirm: Annotated[str, Form(max_length=1000)]) -> Response:
    with ws.session() as session:
        invitation = accounts.open_invitation(session, token)

    def work() -> Response:
        if password != confirm:
            raise Invalid("confirm", "the two passwords differ")
        with ws.session(Actor(None, invitation.email)) as session:
            user = accounts.accept_invitation(session, token, name, password)
            login_token = accounts.start_session(session, user)
        new_csrf_token(request)
        return set_cookies(request, redirect(request, "/workspace"), session_token=login_token)

    def again(*, errors: dict[str, str], form: dict[str, str], status: int) -> Response:
        return page(request, "workspace/accept.html", {"title": "Join the workspace", "invitation": invitation,
                                                       "token": token, "form": form, "errors": errors}, status)

    return forms.attempt({"name": name}, work, again)  # the passwords are never sent back


@router.get("/workspace/audit")
def audit_log(request: Request, ws: WorkspaceDep, admin: Admin) -> Response:
    with ws.session() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE)).all()
    return page(request, "workspace/audit.html", {"title": "Audit log", "entries": entries,
                                                  "audit_entry": audit_view.entry})
