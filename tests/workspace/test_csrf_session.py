"""CSRF tokens bound to the login session, on SQLite and PostgreSQL.

A token belongs to one login session: another session's token, a token planted before login, or a
`scrutiny_csrf` cookie planted by a page on another port with a form field to match, is refused; so is a
write the browser says came from another site. Every write route of the app is found by walking its routes,
so a new form is covered without editing this file: each must check the token (403 without it), unless it
is one of the public routes named here, which carry no login's authority.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import func, select

from scrutiny.web.workspace.deps import check_csrf
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from tests.workspace.conftest import PASSWORD, Browser

Web = Callable[[], Browser]
MakeUser = Callable[..., User]
INVITE = {"email": "new@example.org", "role": "reviewer"}
REFUSED = "security token is missing or out of date"
# Writes anyone may make without logging in. They carry no cookie's authority, so a forged request gains
# nothing a stranger could not do directly (each has its own rate limit or one-use token instead).
PUBLIC_WRITES = {
    ("POST", "/report"),  # the community report form
    ("POST", "/api/v1/community-reports"),  # the same report as JSON
    ("POST", "/report/letter"),  # fetching one's complaint letter with its one-use token
}


def _writes(ws: Workspace) -> int:
    with ws.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _logged_in(web: Web, make_user: MakeUser, role: Role = Role.admin) -> tuple[Browser, User]:
    user = make_user(role)
    browser = web()
    browser.login(user.email)
    return browser, user


def test_the_token_changes_at_login_and_a_pre_login_token_is_refused_after(web: Web, make_user: MakeUser,
                                                                           ws: Workspace) -> None:
    admin = make_user(Role.admin)
    b = web()
    before = b.csrf
    b.login(admin.email)
    after = b.csrf
    assert after != before
    assert b.post("/workspace/invitations", {**INVITE, "csrf_token": before}).status_code == 403
    assert b.post("/workspace/invitations", {**INVITE, "csrf_token": after}).status_code == 201


def test_a_token_from_another_session_is_refused(web: Web, make_user: MakeUser, ws: Workspace) -> None:
    a, admin = _logged_in(web, make_user)
    other, _ = _logged_in(web, make_user)
    again = web()
    again.login(admin.email)  # the same account in a second browser: a session of its own, a token of its own
    writes = _writes(ws)
    for token in (other.csrf, again.csrf):
        refused = a.post("/workspace/invitations", {**INVITE, "csrf_token": token})
        assert refused.status_code == 403 and REFUSED in refused.text
    assert _writes(ws) == writes  # nothing was written
    assert a.post("/workspace/invitations", INVITE).status_code == 201


def test_a_planted_cookie_with_a_matching_field_is_refused(web: Web, make_user: MakeUser, ws: Workspace) -> None:
    """What a page on another local port can do: set a cookie for the host (cookies ignore ports) and post a
    form carrying the same value. Before, a logged-in browser accepted it."""
    b, _ = _logged_in(web, make_user)
    real = b.csrf
    b.client.cookies.set("scrutiny_csrf", "planted-by-another-page", domain="testserver.local")
    refused = b.post("/workspace/invitations", {**INVITE, "csrf_token": "planted-by-another-page"})
    assert refused.status_code == 403 and REFUSED in refused.text
    header = b.client.post("/api/v1/recommendations", json={}, headers={"X-CSRF-Token": "planted-by-another-page"})
    assert header.status_code == 403
    assert b.post("/workspace/invitations", {**INVITE, "csrf_token": real}).status_code == 201


def test_logging_out_ends_the_sessions_token(web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin = make_user(Role.admin)
    b = web()
    b.login(admin.email)
    old = b.csrf
    assert b.post("/logout", {"csrf_token": old}).status_code == 303
    assert b.csrf != old
    assert b.post("/login", {"email": admin.email, "password": PASSWORD, "csrf_token": old}).status_code == 403


def test_a_write_from_another_site_is_refused_even_with_the_right_token(web: Web, make_user: MakeUser,
                                                                       ws: Workspace) -> None:
    b, _ = _logged_in(web, make_user)
    token = b.csrf
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},  # another port is same-site
                    {"Origin": "http://testserver:9000"}, {"Origin": "https://elsewhere.example"},
                    {"Origin": "null"}):
        refused = b.post("/workspace/invitations", {**INVITE, "csrf_token": token}, headers=headers)
        assert refused.status_code == 403, headers
    assert b.post("/workspace/invitations", {**INVITE, "csrf_token": token},
                  headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}).status_code == 201
    assert b.post("/workspace/invitations", {**{**INVITE, "email": "two@example.org"}, "csrf_token": token},
                  headers={"Origin": "http://testserver"}).status_code == 201


def test_a_planted_pre_login_cookie_cannot_log_a_browser_in_from_another_port(web: Web, make_user: MakeUser,
                                                                            ws: Workspace) -> None:
    """Login CSRF: another page plants its own cookie and posts the attacker's email and password, to have the
    victim work in the attacker's account. The pre-login token alone cannot tell; the browser's headers can."""
    attacker = make_user(Role.panel_member)
    victim = web()
    victim.client.cookies.set("scrutiny_csrf", "planted")
    form = {"email": attacker.email, "password": PASSWORD, "csrf_token": "planted"}
    for headers in ({"Sec-Fetch-Site": "same-site"}, {"Origin": "http://testserver:9000"}):
        assert victim.post("/login", form, headers=headers).status_code == 403
        assert "scrutiny_session" not in victim.client.cookies


def _has_csrf_check(dependant: Dependant) -> bool:
    return any(d.call is check_csrf or _has_csrf_check(d) for d in dependant.dependencies)


def _unsafe_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"GET", "HEAD", "OPTIONS"}):
                yield method, context.path, route


def test_every_write_route_checks_the_token_unless_it_is_public(web: Web, make_user: MakeUser,
                                                                ws: Workspace) -> None:
    b, _ = _logged_in(web, make_user)
    app: Any = b.client.app
    routes = list(_unsafe_routes(app))
    unchecked = {(method, path) for method, path, route in routes if not _has_csrf_check(route.dependant)}
    assert unchecked == PUBLIC_WRITES
    checked = [(method, path) for method, path, route in routes if (method, path) not in PUBLIC_WRITES]
    assert len(checked) >= 40  # every form of every part, as of this writing 40+
    writes = _writes(ws)
    answers = {}
    for method, path in checked:
        url = path.replace("{", "").replace("}", "")  # a path parameter's name as its value: checked after
        url = "/".join("1" if part.endswith("_id") else part for part in url.split("/"))
        for token in (None, "forged"):
            data = {"csrf_token": token} if token else {}
            answers[(method, path, token)] = b.client.request(method, url, data=data).status_code
            answers[(method, path, f"json {token}")] = b.client.request(
                method, url, json={}, headers={"X-CSRF-Token": token} if token else {}).status_code
    assert {key: status for key, status in answers.items() if status != 403} == {}
    assert _writes(ws) == writes
