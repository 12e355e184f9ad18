"""People who log in, the invitations that bring them in, their sessions, and the log of every write."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scrutiny.workspace.models.base import Base, Created, utcnow


class Role(enum.StrEnum):
    """What an account may do: admins manage accounts and everything else; panel members keep the panel
    record (panels, meetings, governance, recommendations); reviewers review search records."""

    admin = "admin"
    panel_member = "panel_member"
    reviewer = "reviewer"


ROLE = Enum(Role, name="role", native_enum=False, length=20, validate_strings=True)


class User(Created, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(ROLE)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class Invitation(Created, Base):
    """A one-use link: only the token's hash is kept, so a copy of the database cannot be used to sign up."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(ROLE)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)  # withdrawn by an admin, or re-sent


class LoginSession(Created, Base):
    """A logged-in browser; the cookie holds the token, the table only its hash. Logging out deletes it."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]


class PasswordReset(Created, Base):
    """A one-use link an admin makes for someone who forgot their password (no email server: the admin passes
    it on). Only the token's hash is kept; using it sets the password and ends every session of the account."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEntry(Base):
    """One write: who, what, when, and the row before and after (secrets left out)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))  # the email, or "command line" for a bootstrap
    action: Mapped[str] = mapped_column(String(10))  # create, update, delete
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)


class Secret(Base):
    """Per-workspace secrets (the pseudonym key): made once by the first migration, never shown or exported."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
