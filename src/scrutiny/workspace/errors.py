"""What the workspace refuses, so the web layer can answer with the right status and name the field at fault."""

from __future__ import annotations

from scrutiny.errors import ScrutinyError


class WorkspaceError(ScrutinyError):
    """Base of the workspace's refusals."""

    status = 400


class Invalid(WorkspaceError):
    """A value that cannot be stored; `field` names the form field or CSV column at fault."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class NotFound(WorkspaceError):
    status = 404


class Gone(NotFound):
    """It was here, but is used up or expired (a one-use link): 410, so a second use is told it came too late."""

    status = 410


class Conflict(WorkspaceError):
    """Someone else's change got there first (an invitation accepted twice at once): 409, nothing written."""

    status = 409


class LoginRequired(WorkspaceError):
    """No logged-in user: every write, and every page that is not public, needs one."""

    status = 401

    def __init__(self, message: str = "log in first: this needs an account") -> None:
        super().__init__(message)


class Forbidden(WorkspaceError):
    """Logged in, but the role does not allow it."""

    status = 403


class SchemaOutOfDate(WorkspaceError):
    """The workspace database has not been created or upgraded to this version's schema."""

    status = 503
