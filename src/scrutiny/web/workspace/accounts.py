"""Accounts: the admins' list of people and invitations and what they may do to them (role, deactivate,
reactivate, reset link; withdraw or re-send an invitation), the page where a reset link is used, and a
member's own password.

Links (invitations, resets) are shown once to the admin, with a copy button, to pass on themselves: the
workspace sends no email. Deactivating and withdrawing ask first, on a page of their own with a button that
posts (no JavaScript needed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from scrutiny.web.workspace import forms
from scrutiny.web.workspace.deps import SESSION_COOKIE, Admin, AnyRole, Csrf, WorkspaceDep, new_csrf_token, set_cookies
from scrutiny.web.workspace.render import page, redirect
from scrutiny.web.workspace.throttle import count_attempt, refusal, throttle_for
from scrutiny.workspace import account_lifecycle as lifecycle
from scrutiny.workspace import accounts
from scrutiny.workspace.audit import Actor
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.login_throttle import Throttled
from scrutiny.workspace.models.accounts import Invitation, Role, User

router = APIRouter()
T = "workspace/accounts/"
USERS = "/workspace/users"
ROLE_OPTIONS = [(Role.reviewer.value, "Reviewer"), (Role.panel_member.value, "Panel member"),
                (Role.admin.value, "Admin")]
Password = Annotated[str, Form(max_length=1000)]


def _link(request: Request, path: str) -> str:
    return f"{str(request.base_url).rstrip('/')}{path}"


# --- the admins' page ------------------------------------------------------------------------------------

@router.get(USERS)
def users(request: Request, ws: WorkspaceDep, admin: Admin) -> Response:
    with ws.session() as session:
        people = session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
        pending = session.scalars(select(Invitation).where(Invitation.accepted_at.is_(None),
                                                           Invitation.revoked_at.is_(None))
                                  .order_by(Invitation.created_at.desc())).all()
    expired = {i.id for i in pending if lifecycle.expired(i.expires_at)}
    return page(request, "workspace/users.html", {"title": "Accounts", "people": people, "pending": pending,
                                                  "roles": ROLE_OPTIONS, "expired": expired})


def _invited(request: Request, made: accounts.NewInvitation) -> Response:
    return page(request, "workspace/invited.html", {
        "title": "Invitation made", "link": _link(request, f"/invite/{made.token}"),
        "email": made.invitation.email, "role": made.invitation.role.value}, 201)


@router.post("/workspace/invitations")
def create_invitation(request: Request, ws: WorkspaceDep, admin: Admin, email: Annotated[str, Form(max_length=254)],
                      role: Annotated[str, Form(max_length=20)]) -> Response:
    chosen = lifecycle.read_role(role)
    with ws.session(accounts.actor(admin)) as session:
        made = accounts.invite(session, admin, email, chosen)
    return _invited(request, made)


@router.post("/workspace/invitations/{invitation_id}/resend")
def resend_invitation(request: Request, ws: WorkspaceDep, admin: Admin, invitation_id: int) -> Response:
    with ws.session(accounts.actor(admin)) as session:
        made = lifecycle.resend_invitation(session, admin, invitation_id)
    return _invited(request, made)


def _confirm(request: Request, title: str, explain: str, action: str, button: str) -> Response:
    return page(request, T + "confirm.html", {"title": title, "explain": explain, "action": action,
                                             "button": button, "back": USERS})


@router.get("/workspace/invitations/{invitation_id}/revoke")
def confirm_revoke(request: Request, ws: WorkspaceDep, admin: Admin, invitation_id: int) -> Response:
    with ws.session() as session:
        invitation = lifecycle.pending_invitation(session, invitation_id)
    return _confirm(request, f"Withdraw the invitation for {invitation.email}?",
                    "Its link will stop working. You can invite them again later.",
                    f"/workspace/invitations/{invitation_id}/revoke", "Withdraw the invitation")


@router.post("/workspace/invitations/{invitation_id}/revoke")
def revoke_invitation(request: Request, ws: WorkspaceDep, admin: Admin, invitation_id: int) -> Response:
    return forms.write(request, ws, admin, lambda s: lifecycle.revoke_invitation(s, admin, invitation_id), USERS)


@router.post("/workspace/users/{user_id}/role")
def change_role(request: Request, ws: WorkspaceDep, admin: Admin, user_id: int,
                role: Annotated[str, Form(max_length=20)]) -> Response:
    chosen = lifecycle.read_role(role)
    return forms.write(request, ws, admin, lambda s: lifecycle.change_role(s, admin, user_id, chosen), USERS)


def _person(ws: WorkspaceDep, user_id: int) -> User:
    with ws.session() as session:
        return lifecycle.get_user(session, user_id)


@router.get("/workspace/users/{user_id}/deactivate")
def confirm_deactivate(request: Request, ws: WorkspaceDep, admin: Admin, user_id: int) -> Response:
    person = _person(ws, user_id)
    return _confirm(request, f"Deactivate {person.name}?",
                    f"{person.email} will be logged out at once and cannot log in until an admin reactivates the "
                    "account. Nothing they wrote is removed.",
                    f"/workspace/users/{user_id}/deactivate", "Deactivate")


@router.post("/workspace/users/{user_id}/deactivate")
def deactivate(request: Request, ws: WorkspaceDep, admin: Admin, user_id: int) -> Response:
    return forms.write(request, ws, admin, lambda s: lifecycle.deactivate(s, admin, user_id), USERS)


@router.post("/workspace/users/{user_id}/reactivate")
def reactivate(request: Request, ws: WorkspaceDep, admin: Admin, user_id: int) -> Response:
    return forms.write(request, ws, admin, lambda s: lifecycle.reactivate(s, admin, user_id), USERS)


@router.post("/workspace/users/{user_id}/reset-link")
def reset_link(request: Request, ws: WorkspaceDep, admin: Admin, user_id: int) -> Response:
    with ws.session(accounts.actor(admin)) as session:
        made = lifecycle.issue_reset(session, admin, user_id)
    return page(request, T + "reset_link.html", {
        "title": "Password reset link", "link": _link(request, f"/reset/{made.token}"), "email": made.user.email,
        "name": made.user.name, "hours": lifecycle.RESET_HOURS}, 201)


# --- using a reset link ------------------------------------------------------------------------------------

def _reset_page(request: Request, token: str, email: str, *, errors: dict[str, str] | None = None,
                form: dict[str, Any] | None = None, status: int = 200) -> Response:
    return page(request, T + "reset.html", {"title": "Choose a new password", "token": token, "email": email,
                                           "errors": errors or {}, "form": form or {}}, status)


@router.get("/reset/{token}")
def reset_form(request: Request, ws: WorkspaceDep, token: str) -> Response:
    with ws.session() as session:
        reset = lifecycle.open_reset(session, token)
        email = lifecycle.get_user(session, reset.user_id).email
    return _reset_page(request, token, email)


@router.post("/reset/{token}")
def reset(request: Request, ws: WorkspaceDep, _: Csrf, token: str, password: Password,
          confirm: Password) -> Response:
    with ws.session() as session:
        found = lifecycle.open_reset(session, token)
        person = lifecycle.get_user(session, found.user_id)

    def work() -> Response:
        if password != confirm:
            raise Invalid("confirm", "the two passwords differ")
        with ws.session(Actor(person.id, person.email)) as session:
            user = lifecycle.use_reset(session, token, password)
            login_token = accounts.start_session(session, user)
            throttle_for(request).forget_account(session, user.email)
        new_csrf_token(request)
        return set_cookies(request, redirect(request, "/workspace"), session_token=login_token)

    def again(*, errors: dict[str, str], form: dict[str, str], status: int) -> Response:
        return _reset_page(request, token, person.email, errors=errors, form=form, status=status)

    return forms.attempt({}, work, again)  # passwords are never sent back


# --- a member's own password -------------------------------------------------------------------------------

def _password_page(request: Request, *, errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                   status: int = 200, message: str | None = None, changed: bool = False) -> Response:
    return page(request, T + "password.html", {"title": "Your password", "errors": errors or {},
                                              "form": form or {}, "message": message, "changed": changed}, status)


@router.get("/workspace/account")
def account(request: Request, user: AnyRole, changed: bool = False) -> Response:
    return _password_page(request, changed=changed)


@router.post("/workspace/account/password")
def change_password(request: Request, ws: WorkspaceDep, user: AnyRole, current: Password, password: Password,
                    confirm: Password) -> Response:
    """The current password is checked through the login throttle: a session left open is no way round it."""

    def work() -> Response:
        if password != confirm:
            raise Invalid("confirm", "the two passwords differ")
        accounts.check_password(password)
        try:
            attempt = count_attempt(request, ws, user.email)
        except Throttled as exc:
            response = _password_page(request, message=refusal(exc.retry_after), status=429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        with ws.session(accounts.actor(user)) as session:
            lifecycle.change_password(session, user.id, current, password, request.cookies.get(SESSION_COOKIE))
            throttle_for(request).succeeded(session, attempt)
        return redirect(request, "/workspace/account?changed=true")

    def again(*, errors: dict[str, str], form: dict[str, str], status: int) -> Response:
        return _password_page(request, errors=errors, form=form, status=status)

    return forms.attempt({}, work, again)
