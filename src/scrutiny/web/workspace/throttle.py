"""The login throttle as the web uses it: one per app (tests give theirs a clock), counted against the email as
typed and the client's address (`scrutiny.web.client_address`), and answered with 429 and Retry-After.

Whatever the email, the words and headers of a refusal are the same, so they never tell whether an account
exists (`scrutiny.workspace.login_throttle`)."""

from __future__ import annotations

from fastapi import Request

from scrutiny.web.client_address import client_address
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.login_throttle import Attempt, LoginThrottle


def throttle_for(request: Request) -> LoginThrottle:
    """The app's throttle (made on first use; tests may replace it). Its counts are in the workspace database."""
    state = request.app.state
    if not hasattr(state, "login_throttle"):
        state.login_throttle = LoginThrottle()
    found: LoginThrottle = state.login_throttle
    return found


def count_attempt(request: Request, ws: Workspace, email: str) -> Attempt:
    """Count one attempt to check a password for `email` from this client, committed before the check
    (`Throttled` if a key is locked: nothing counted). Stale keys are dropped first, in their own transaction."""
    throttle = throttle_for(request)
    with ws.session() as session:
        throttle.forget_stale(session)
    with ws.session() as session:
        return throttle.attempt(session, email, client_address(request))


def wait_words(seconds: int) -> str:
    """How long to wait, as a person reads it: whole seconds up to two minutes, then whole minutes (rounded up)."""
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{-(-seconds // 60)} minutes"


def refusal(seconds: int) -> str:
    return (f"Too many attempts to log in with this email or from this connection. Please wait "
            f"{wait_words(seconds)} and try again.")
