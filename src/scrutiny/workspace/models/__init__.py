"""Every workspace table, imported here so Alembic and the audit hook see the whole schema."""

from scrutiny.workspace.models.accounts import AuditEntry, Invitation, LoginSession, Role, Secret, User
from scrutiny.workspace.models.base import Base

__all__ = ["AuditEntry", "Base", "Invitation", "LoginSession", "Role", "Secret", "User"]
