"""Every workspace table. Each part of the workspace keeps its tables in its own module here; all of them are
imported when this package is, so Alembic and the audit hook always see the whole schema."""

import importlib
import pkgutil

from scrutiny.workspace.models.accounts import AuditEntry, Invitation, LoginSession, Role, Secret, User
from scrutiny.workspace.models.base import Base

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["AuditEntry", "Base", "Invitation", "LoginSession", "Role", "Secret", "User"]
