"""What happens to an account after it is made: an admin changes its role, deactivates or reactivates it,
withdraws or re-sends an invitation, and makes a one-use password reset link; a member changes their own
password.

Every change is an ORM write in a session acting as the person who made it, so the audit log records it
(before and after; hashes redacted). Deactivating an account, resetting its password or changing it ends
its sessions at once: the login session rows are deleted, and a session of an inactive account is refused
anyway (`accounts.user_for_token`).

No change may leave the workspace without an active admin. Two admins demoting each other at the same moment
would each see the other still an admin, so the active admins' rows are claimed first (`_claim_admins`, the
`row_claim` pattern for several rows): the second change waits for the first and counts again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from scrutiny.workspace import accounts
from scrutiny.workspace.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from scrutiny.workspace.models.accounts import Invitation, LoginSession, PasswordReset, Role, User
from scrutiny.workspace.row_claim import claim

RESET_HOURS = 24
LAST_ADMIN = "this is the workspace's last active admin: make someone else an admin first"
RESET_USED = "this reset link has already been used: ask an admin for a new one"
RESET_NOT_VALID = "this reset link is not valid: ask an admin for a new one"
RESET_EXPIRED = "this reset link has expired: ask an admin for a new one"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def expired(moment: datetime) -> bool:
    return _aware(moment) < _now()


def read_role(value: str) -> Role:
    """A role as a form sends it, or `Invalid` naming the choices."""
    try:
        return Role(value)
    except ValueError:
        raise Invalid("role", f"{value!r} is not one of {', '.join(r.value for r in Role)}") from None


def _admin(by: User) -> None:
    if by.role != Role.admin or not by.active:
        raise Forbidden("only an admin can change accounts")


def _claim_admins(session: Session) -> int:
    """Lock every active admin's row for this transaction and count them. Call it before anything else is
    written in the transaction (see `row_claim`)."""
    statement = update(User).where(User.role == Role.admin, User.active).values(role=User.role).returning(User.id)
    return len(session.connection().execute(statement).all())


def get_user(session: Session, user_id: int) -> User:
    user = session.scalar(select(User).where(User.id == user_id).execution_options(populate_existing=True))
    if user is None:
        raise NotFound(f"no account {user_id}")
    return user


def end_sessions(session: Session, user_id: int, keep: str | None = None) -> None:
    """Log the account out everywhere (but the browser whose session token is `keep`)."""
    statement = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(LoginSession.token_hash != accounts.token_hash(keep))
    session.execute(statement)


def change_role(session: Session, by: User, user_id: int, role: Role) -> User:
    _admin(by)
    admins = _claim_admins(session)
    user = get_user(session, user_id)
    if user.role == Role.admin and user.active and role != Role.admin and admins <= 1:
        raise Conflict(LAST_ADMIN)
    user.role = role
    session.flush()
    return user


def deactivate(session: Session, by: User, user_id: int) -> User:
    """The account can no longer log in, and its open sessions end now."""
    _admin(by)
    admins = _claim_admins(session)
    user = get_user(session, user_id)
    if user.id == by.id:
        raise Forbidden("you cannot deactivate your own account: ask another admin")
    if user.role == Role.admin and user.active and admins <= 1:
        raise Conflict(LAST_ADMIN)
    user.active = False
    end_sessions(session, user.id)
    session.flush()
    return user


def reactivate(session: Session, by: User, user_id: int) -> User:
    """The account may log in again (with its old password; no old session comes back)."""
    _admin(by)
    user = get_user(session, user_id)
    user.active = True
    session.flush()
    return user


def pending_invitation(session: Session, invitation_id: int) -> Invitation:
    invitation = session.scalar(select(Invitation).where(Invitation.id == invitation_id)
                                .execution_options(populate_existing=True))
    if invitation is None:
        raise NotFound(f"no invitation {invitation_id}")
    if invitation.accepted_at is not None:
        raise Conflict(f"the invitation for {invitation.email} has already been accepted")
    return invitation


def revoke_invitation(session: Session, by: User, invitation_id: int) -> Invitation:
    """Its link stops working (410). Withdrawing one already withdrawn changes nothing."""
    _admin(by)
    if not claim(session, Invitation.email, Invitation.id == invitation_id):
        raise NotFound(f"no invitation {invitation_id}")
    invitation = pending_invitation(session, invitation_id)
    if invitation.revoked_at is None:
        invitation.revoked_at = _now()
        session.flush()
    return invitation


def resend_invitation(session: Session, by: User, invitation_id: int) -> accounts.NewInvitation:
    """A new link for the same person and role, valid for a fresh week; the old link stops working."""
    _admin(by)
    if not claim(session, Invitation.email, Invitation.id == invitation_id):
        raise NotFound(f"no invitation {invitation_id}")
    old = pending_invitation(session, invitation_id)
    if old.revoked_at is None:
        old.revoked_at = _now()
    session.flush()
    return accounts.invite(session, by, old.email, old.role)


@dataclass(frozen=True)
class NewReset:
    reset: PasswordReset
    user: User
    token: str  # shown once, in the link; only its hash is stored


def issue_reset(session: Session, by: User, user_id: int, hours: int = RESET_HOURS) -> NewReset:
    """A one-use link to set a new password, for the admin to pass on. An older unused link for the same
    account stops working; the current password keeps working until the link is used."""
    _admin(by)
    user = get_user(session, user_id)
    if not user.active:
        raise Conflict(f"{user.email} is deactivated: reactivate the account before resetting its password")
    for old in session.scalars(select(PasswordReset).where(PasswordReset.user_id == user.id,
                                                           PasswordReset.used_at.is_(None))):
        session.delete(old)
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(token_hash=accounts.token_hash(token), user_id=user.id, issued_by_id=by.id,
                          expires_at=_now() + timedelta(hours=hours))
    session.add(reset)
    session.flush()
    return NewReset(reset, user, token)


def open_reset(session: Session, token: str) -> PasswordReset:
    """The reset behind a link: 404 if there is none, 410 once used or expired, or for a deactivated account."""
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == accounts.token_hash(token))
                           .execution_options(populate_existing=True))
    if reset is None:
        raise NotFound(RESET_NOT_VALID)
    if reset.used_at is not None:
        raise Gone(RESET_USED)
    if expired(reset.expires_at):
        raise Gone(RESET_EXPIRED)
    user = session.get(User, reset.user_id)
    if user is None or not user.active:
        raise Gone("this account is deactivated: ask an admin")
    return reset


def use_reset(session: Session, token: str, password: str) -> User:
    """Set the account's password from a reset link, once: the link is claimed first (`row_claim`), so two
    uses at the same moment make one change and the other is told the link is used. Every session of the
    account ends."""
    password_hash = accounts.HASHER.hash(accounts.check_password(password))  # slow: before the row is held
    if not claim(session, PasswordReset.token_hash, PasswordReset.token_hash == accounts.token_hash(token),
                 PasswordReset.used_at.is_(None)):
        open_reset(session, token)  # says why: not valid (404) or used (410)
        raise Gone(RESET_USED)
    reset = open_reset(session, token)
    user = get_user(session, reset.user_id)
    user.password_hash = password_hash
    reset.used_at = _now()
    end_sessions(session, user.id)
    session.flush()
    return user


def change_password(session: Session, user_id: int, current: str, new: str, keep: str | None) -> User:
    """A member's own change: the current password must be right (`Invalid` on "current" if not). Their other
    sessions end; the browser whose session token is `keep` stays logged in."""
    user = get_user(session, user_id)
    try:
        accounts.HASHER.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise Invalid("current", "that is not your current password") from None
    user.password_hash = accounts.HASHER.hash(accounts.check_password(new))
    end_sessions(session, user.id, keep)
    session.flush()
    return user
