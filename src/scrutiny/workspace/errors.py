"""What the workspace refuses: the family of `scrutiny.errors`, marked as the workspace's.

Each class takes its HTTP status from its meaning in `scrutiny.errors` (Invalid is BadInput, 422; Gone is 410,
...). `WorkspaceError` only marks where it came from: off the API the web answers it with a workspace page
(a login form for LoginRequired), and the API's error `type` is the class name (`Invalid`, `Conflict`, ...).
"""

from __future__ import annotations

from typing import ClassVar

from scrutiny import errors


class WorkspaceError(errors.ScrutinyError):
    """Base of the workspace's refusals (400 when nothing more precise is raised)."""

    @property
    def error_type(self) -> str:
        """The class name (`Invalid`, `Conflict`, ...): the workspace API's `type` since it began."""
        return type(self).__name__


class Invalid(WorkspaceError, errors.BadInput):
    """A value that cannot be stored; `field` names the form field or CSV column at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}", loc=("body", field))


class NotFound(WorkspaceError, errors.NotFound):
    """No such record (or none this user may see)."""


class Gone(NotFound, errors.Gone):
    """It was here, but is used up or expired (a one-use link): 410, so a second use is told it came too late."""


class Conflict(WorkspaceError, errors.Conflict):
    """Someone else's change got there first (an invitation accepted twice at once): 409, nothing written."""


class LoginRequired(WorkspaceError, errors.Unauthorised):
    """No logged-in user: every write, and every page that is not public, needs one."""

    def __init__(self, message: str = "log in first: this needs an account") -> None:
        super().__init__(message)


class Forbidden(WorkspaceError, errors.Forbidden):
    """Logged in, but the role does not allow it."""


class SchemaOutOfDate(WorkspaceError, errors.Unavailable):
    """The workspace database has not been created or upgraded to this version's schema (no Retry-After:
    it does not pass by itself)."""

    retry: ClassVar[bool] = False
