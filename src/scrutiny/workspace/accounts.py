"""Accounts: the first admin from the command line, everyone else by invitation link; argon2 password
hashes; login sessions whose tokens are kept only as hashes, so a stolen database opens no browser."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scrutiny.workspace.audit import Actor
from scrutiny.workspace.errors import Conflict, Forbidden, Gone, Invalid, LoginRequired, NotFound
from scrutiny.workspace.models.accounts import Invitation, LoginSession, Role, User
from scrutiny.workspace.row_claim import claim

HASHER = PasswordHasher()  # argon2id with the library's current defaults (RFC 9106 low-memory profile)
MIN_PASSWORD = 10
SESSION_DAYS = 14
INVITATION_DAYS = 7
EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,189}\.[^@\s<>\"']{2,}$")
COMMAND_LINE = Actor(None, "command line")


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normal_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise Invalid("email", f"{email!r} is not an email address")
    return email


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Invalid("password", f"use at least {MIN_PASSWORD} characters")
    return password


def actor(user: User) -> Actor:
    return Actor(user.id, user.email)


def create_user(session: Session, email: str, name: str, role: Role, password: str) -> User:
    return _add_user(session, email, name, role, HASHER.hash(check_password(password)))


def _add_user(session: Session, email: str, name: str, role: Role, password_hash: str) -> User:
    email = normal_email(email)
    taken = Invalid("email", f"there is already an account for {email}")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise taken
    user = User(email=email, name=name.strip() or email, role=role, password_hash=password_hash)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # made at the same moment by another transaction (PostgreSQL waits, then refuses)
        raise taken from None
    return user


def admin_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role == Role.admin, User.active)) or 0


def authenticate(session: Session, email: str, password: str) -> User:
    """The account for these credentials; one message for every failure, so it does not tell which was wrong."""
    refused = LoginRequired("that email and password do not match an active account")
    try:
        email = normal_email(email)
    except Invalid:
        raise refused from None
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        HASHER.hash(password)  # the same work as a real check, so timing does not reveal which emails exist
        raise refused
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    if not user.active:
        raise refused
    return user


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str  # shown once, in the link; only its hash is stored


def invite(session: Session, by: User, email: str, role: Role, days: int = INVITATION_DAYS) -> NewInvitation:
    if by.role != Role.admin:
        raise Forbidden("only an admin can invite people")
    email = normal_email(email)
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise Invalid("email", f"there is already an account for {email}")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(token_hash=token_hash(token), email=email, role=role, invited_by_id=by.id,
                            expires_at=_now() + timedelta(days=days))
    session.add(invitation)
    session.flush()
    return NewInvitation(invitation, token)


USED = "this invitation has already been accepted: log in with the account it made, or ask an admin for a new one"
WITHDRAWN = "this invitation was withdrawn or replaced by a newer link: ask an admin for a new one"


def open_invitation(session: Session, token: str) -> Invitation:
    """The invitation behind a link: 404 if there is none or it expired, 409 once it has been accepted, 410 once
    an admin withdrew it (or re-sent it, which makes a new link)."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token))
                                .execution_options(populate_existing=True))
    if invitation is None:
        raise NotFound("this invitation link is not valid: ask an admin for a new one")
    if invitation.accepted_at is not None:
        raise Conflict(USED)
    if invitation.revoked_at is not None:
        raise Gone(WITHDRAWN)
    if _aware(invitation.expires_at) < _now():
        raise NotFound("this invitation link has expired: ask an admin for a new one")
    return invitation


def accept_invitation(session: Session, token: str, name: str, password: str) -> User:
    """The invited person's account. The write is theirs: they are the actor, on their own new row.

    Concurrent accepts of one link make one account: the invitation row is claimed first (`row_claim`), so the
    others wait for it and then find it accepted (409), rather than all creating the same account."""
    password_hash = HASHER.hash(check_password(password))  # the slow part, before the row is held
    if not claim(session, Invitation.token_hash, Invitation.token_hash == token_hash(token),
                 Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)):
        open_invitation(session, token)  # says why: not valid (404), accepted (409) or withdrawn (410)
        raise Conflict(USED)
    invitation = open_invitation(session, token)
    user = _add_user(session, invitation.email, name, invitation.role, password_hash)
    invitation.accepted_at = _now()
    session.flush()
    return user


def start_session(session: Session, user: User) -> str:
    token = secrets.token_urlsafe(32)
    session.execute(delete(LoginSession).where(LoginSession.expires_at < _now()))
    session.add(LoginSession(token_hash=token_hash(token), user_id=user.id,
                             expires_at=_now() + timedelta(days=SESSION_DAYS)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    found = session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if found is None or _aware(found.expires_at) < _now():
        return None
    user = session.get(User, found.user_id)
    return user if user is not None and user.active else None


def end_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def may(user: User | None, *roles: Role) -> bool:
    """Whether `user` is logged in with one of `roles` (admins may do everything)."""
    return user is not None and (user.role == Role.admin or user.role in roles)


def require(user: User | None, *roles: Role) -> User:
    """`user` if logged in with one of `roles` (admins may do everything), else the right refusal."""
    if user is None:
        raise LoginRequired()
    if not may(user, *roles):
        allowed = ", ".join(r.value for r in (Role.admin, *roles))
        raise Forbidden(f"your role ({user.role.value}) cannot do this; it needs: {allowed}")
    return user
