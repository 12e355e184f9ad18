"""One family of errors: each class says what went wrong in a way the web and the CLI can both answer.

A refusal is raised as the class that names its meaning, and the class carries the answer:

    class          HTTP  meaning
    BadRequest      400  a request that cannot be answered as asked (a page's unknown sort, a bad query)
    BadInput        422  a value that cannot be right (a month that is not YYYY-MM, an unknown force)
    Unauthorised    401  no logged-in user
    Forbidden       403  logged in, but the role does not allow it
    NotFound        404  a valid question with no answer here (an unknown area, no searches in scope)
    Conflict        409  someone else's change got there first
    Gone            410  it was here, but is used up or expired
    Unavailable     503  the warehouse or an outside source cannot be reached now (Busy: locked by a writer)

`scrutiny.web.errors.describe` turns any of them into the API's JSON error and `scrutiny.web.pages` into a
page, both from `status`; the CLI prints the message on one line and exits with `exit_code` (1 for every
refusal today, so a script tells a refusal from success; Typer's own usage errors exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar


class ScrutinyError(Exception):
    """Base of every error Scrutiny raises on purpose; the CLI prints these without a traceback.

    Raise a subclass: the base answers 400, a refusal nobody classified."""

    status: ClassVar[int] = 400
    exit_code: ClassVar[int] = 1
    type_name: ClassVar[str] = "bad_request"
    """The `type` of the API's error item."""
    loc: tuple[str, ...] = ()
    """The parameter at fault as the API names it, e.g. ("query", "from"); empty when it is no one parameter."""

    def __init__(self, message: str = "", *, loc: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        if loc:
            self.loc = loc

    @property
    def msg(self) -> str:
        return str(self)

    @property
    def error_type(self) -> str:
        return self.type_name

    def headers(self) -> dict[str, str]:
        """Extra HTTP headers the answer carries (Retry-After for what may pass)."""
        return {}


class BadRequest(ScrutinyError):
    """A request that cannot be answered as asked (the pages' unknown sort or view, a reversed period)."""


class BadInput(ScrutinyError):
    """A value that cannot be right, whatever is loaded: a malformed month, an unknown force, a bad file."""

    status = 422
    type_name = "value_error"


class Unauthorised(ScrutinyError):
    """No logged-in user: every write, and every page that is not public, needs one."""

    status = 401
    type_name = "unauthorised"


class Forbidden(ScrutinyError):
    """Logged in, but the role does not allow it."""

    status = 403
    type_name = "forbidden"


class NotFound(ScrutinyError):
    """A valid question with no answer here: an unknown area, no searches in the scope, no such record."""

    status = 404
    type_name = "not_found"


class Conflict(ScrutinyError):
    """Someone else's change got there first: nothing was written."""

    status = 409
    type_name = "conflict"


class Gone(NotFound):
    """It was here, but is used up or expired (a one-use link): 410, so a second use is told it came too late."""

    status = 410
    type_name = "gone"


RETRY_AFTER_SECONDS = "2"


class Unavailable(ScrutinyError):
    """The warehouse or an outside source cannot be used now (missing, unreachable): an outage, not a bug."""

    status = 503
    type_name = "unavailable"
    retry: ClassVar[bool] = True

    def headers(self) -> dict[str, str]:
        return {"Retry-After": RETRY_AFTER_SECONDS} if self.retry else {}


class Busy(Unavailable):
    """Another process kept the warehouse locked for longer than the wait."""

    type_name = "busy"


class SourceRefused(BadInput):
    """A whole file is not something Scrutiny can load; nothing of it is written."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnknownForce(BadInput):
    """A force id that is not in the catalogue of data.police.uk forces."""

    loc = ("query", "force")

    def __init__(self, force: str, suggestions: list[str] | None = None) -> None:
        self.force = force
        self.suggestions = suggestions or []
        guess = f"did you mean {' or '.join(self.suggestions)}? " if self.suggestions else ""
        super().__init__(f"unknown force {force!r}: {guess}expected a data.police.uk force id such as metropolitan or "
                         "west-midlands (every id is in catalog/forces.csv and at /api/v1/forces)")


class SourceUnavailable(Unavailable):
    """The outside source could not be reached or kept failing: an outage, not a bug."""
