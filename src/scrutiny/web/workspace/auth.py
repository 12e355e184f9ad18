"""Logging in and out, invitations, the accounts list and the audit log (admins)."""

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
from scrutiny.workspace import accounts
from scrutiny.workspace.audit import Actor
from scrutiny.workspace.errors import Invalid, LoginRequired
from scrutiny.workspace.models.accounts import AuditEntry, Invitation, Role, User

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
    try:
        with ws.session() as session:
            user = accounts.authenticate(session, email, password)
            token = accounts.start_session(session, user)
    except LoginRequired as exc:
        return page(request, "workspace/login.html", {"title": "Log in", "next": local_path(next),
                                                      "message": str(exc), "form": {"email": email}}, 401)
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


@router.get("/workspace/users")
def users(request: Request, ws: WorkspaceDep, admin: Admin) -> Response:
    with ws.session() as session:
        people = session.scalars(select(User).order_by(User.email)).all()
        pending = session.scalars(select(Invitation).where(Invitation.accepted_at.is_(None))
                                  .order_by(Invitation.created_at.desc())).all()
    return page(request, "workspace/users.html", {"title": "Accounts", "people": people, "pending": pending,
                                                  "roles": list(Role)})


@router.post("/workspace/invitations")
def create_invitation(request: Request, ws: WorkspaceDep, admin: Admin, email: Annotated[str, Form(max_length=254)],
                      role: Annotated[str, Form(max_length=20)]) -> Response:
    try:
        chosen = Role(role)
    except ValueError:
        raise Invalid("role", f"{role!r} is not one of {', '.join(r.value for r in Role)}") from None
    with ws.session(accounts.actor(admin)) as session:
        made = accounts.invite(session, admin, email, chosen)
    link = f"{str(request.base_url).rstrip('/')}/invite/{made.token}"
    return page(request, "workspace/invited.html", {"title": "Invitation made", "link": link,
                                                    "email": made.invitation.email, "role": chosen.value}, 201)


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
    return page(request, "workspace/audit.html", {"title": "Audit log", "entries": entries})
