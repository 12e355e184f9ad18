"""Destructive actions in two steps, without JavaScript: a page that says what will go, then a POST that does it.

Every delete or remove of the workspace is a pair of routes on one URL:

    GET  .../delete   the confirmation page: what goes (the panel, its 9 members and 1 meeting), what stays,
                      whether an admin can restore it, and one button that POSTs back with `confirm=yes`;
    POST .../delete   the change only when `confirm=yes` came with it (and the CSRF token, as every write);
                      without it, the confirmation page again, nothing changed.

So a one-click form left in a template, a stale bookmark or a script that forgets the second step deletes
nothing. The pages link to the GET; `ask` and `destroy` are all a route needs:

    @router.get("/workspace/x/{id}/delete")
    def confirm_delete(request, ws, user: PanelMember, id: int) -> Response:
        return confirm.ask(request, ws, lambda s: describe(s, id))

    @router.post("/workspace/x/{id}/delete")
    def delete(request, ws, user: PanelMember, id: int, yes: confirm.Confirmed) -> Response:
        return confirm.destroy(request, ws, user, yes, lambda s: describe(s, id), lambda s: service.delete(s, id),
                               "/workspace/x")

The change goes through `forms.write`, so the audit log names who made it. A refusal from the service
(`Invalid`: "it is named in recommendations") is shown on the confirmation page, nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from scrutiny.web.workspace import forms
from scrutiny.web.workspace.render import page
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.deleted import RESTORE_DAYS
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import User

FIELD, YES = "confirm", "yes"


@dataclass(frozen=True)
class Doomed:
    """What a confirmation page says. `what` names the record ("the panel Greenwich Panel"); `goes` lists what
    goes with it, `stays` what is kept; `restorable` says an admin can restore it for 30 days (else: for good);
    `blocked`, the service's reason it cannot be deleted now (the page then offers no button)."""

    title: str  # the page's heading, a question: "Delete this panel?"
    what: str
    button: str  # the button's words: "Delete the panel"
    back: str  # where Cancel leads
    goes: list[str] = field(default_factory=list)
    stays: list[str] = field(default_factory=list)
    restorable: bool = False
    blocked: str | None = None


def counted(n: int, one: str, many: str | None = None) -> str:
    """"1 meeting", "9 members", "no meetings"."""
    if n == 0:
        return f"no {many or one + 's'}"
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def refusal(check: Callable[[], object]) -> str | None:
    """The words of the `Invalid` that `check` raises, or None when it passes: a service's own rule (a body named in
    recommendations stays) said on the confirmation page before anyone presses the button."""
    try:
        check()
    except Invalid as refused:
        return refused.message
    return None


async def _confirmed(request: Request) -> bool:
    form = await request.form()
    return form.get(FIELD) == YES


Confirmed = Annotated[bool, Depends(_confirmed)]
Describe = Callable[[Session], Doomed]


def ask(request: Request, ws: Workspace, describe: Describe, *, error: str | None = None,
        status: int = 200) -> Response:
    """The confirmation page for the URL asked (its form posts back to it)."""
    with ws.session() as session:
        doomed = describe(session)
    return page(request, "workspace/confirm.html", {
        "title": doomed.title, "doomed": doomed, "action": request.url.path, "confirm_field": FIELD,
        "confirm_value": YES, "restore_days": RESTORE_DAYS, "refusal": error or doomed.blocked}, status)


def destroy(request: Request, ws: Workspace, user: User, confirmed: bool, describe: Describe,
            change: Callable[[Session], Any], done: str) -> Response:
    """`change` as `user` when the POST carried the confirmation, else the confirmation page (nothing changed);
    the service's refusal is shown on that page, status 422."""
    if not confirmed:
        return ask(request, ws, describe)
    try:
        return forms.write(request, ws, user, change, done)
    except Invalid as refused:
        return ask(request, ws, describe, error=refused.message, status=422)


__all__ = ["FIELD", "YES", "Confirmed", "Doomed", "ask", "counted", "destroy", "refusal"]
