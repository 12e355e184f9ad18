"""Logging in, invitations and role checks through the web app, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select

from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from tests.workspace.conftest import PASSWORD, Browser

SCRIPT = '<script>alert("x")</script>'


def test_login_sets_http_only_cookies_and_logout_ends_the_session(
        web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    user = make_user(Role.reviewer, "rev@example.org")
    b = web()
    assert b.get("/workspace", follow_redirects=False).headers["location"] == "/login?next=/workspace"
    response = b.login(user.email)
    assert response.headers["location"] == "/workspace"
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("scrutiny_session=") and "HttpOnly" in c and "SameSite=lax" in c for c in cookies)
    page = b.get("/workspace")
    assert page.status_code == 200 and "rev (reviewer)" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert b.post("/logout").status_code == 303
    assert b.get("/workspace", follow_redirects=False).status_code == 303  # back to the login form


def test_wrong_password_is_refused_without_saying_which_part(
        web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    make_user(Role.reviewer, "rev@example.org")
    b = web()
    for email, password in (("rev@example.org", "not the password"), ("who@example.org", PASSWORD)):
        response = b.post("/login", {"email": email, "password": password})
        assert response.status_code == 401
        assert "do not match an active account" in response.text
        assert "scrutiny_session" not in b.client.cookies


def test_posts_without_the_csrf_token_fail(web: Callable[[], Browser], make_user: Callable[..., User],
                                           ws: Workspace) -> None:
    admin = make_user(Role.admin, "boss@example.org")
    b = web()
    b.login(admin.email)
    form = {"email": "new@example.org", "role": "reviewer"}
    assert b.post("/workspace/invitations", form, csrf=False).status_code == 403
    assert b.post("/workspace/invitations", {**form, "csrf_token": "forged"}).status_code == 403
    other = web()  # another browser's token does not fit this browser's cookie
    assert b.post("/workspace/invitations", {**form, "csrf_token": other.csrf}).status_code == 403
    assert b.post("/login", {"email": admin.email, "password": PASSWORD}, csrf=False).status_code == 403
    with ws.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1  # only the admin's creation
    assert b.post("/workspace/invitations", form).status_code == 201


def test_a_reviewer_cannot_reach_admin_actions(web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    reviewer = make_user(Role.reviewer, "rev@example.org")
    b = web()
    b.login(reviewer.email)
    assert b.get("/workspace/users").status_code == 403
    assert b.get("/workspace/audit").status_code == 403
    response = b.post("/workspace/invitations", {"email": "x@example.org", "role": "admin"})
    assert response.status_code == 403 and "cannot do this" in response.text


def test_a_logged_out_visitor_cannot_write(web: Callable[[], Browser], ws: Workspace) -> None:
    b = web()
    response = b.post("/workspace/invitations", {"email": "x@example.org", "role": "admin"})
    assert response.status_code == 401
    with ws.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_invitation_by_link_then_login(web: Callable[[], Browser], make_user: Callable[..., User],
                                       ws: Workspace) -> None:
    admin = make_user(Role.admin, "boss@example.org")
    b = web()
    b.login(admin.email)
    made = b.post("/workspace/invitations", {"email": "New.Reviewer@example.org", "role": "reviewer"})
    assert made.status_code == 201
    link = re.search(r'>(http://testserver/invite/[^<]+)</textarea>', made.text)
    assert link is not None
    path = link.group(1).removeprefix("http://testserver")

    newcomer = web()
    form = newcomer.get(path)
    assert form.status_code == 200 and "new.reviewer@example.org" in form.text
    mismatch = newcomer.post(path, {"name": "Sam", "password": PASSWORD, "confirm": PASSWORD + "!"})
    assert mismatch.status_code == 422 and "the two passwords differ" in mismatch.text
    joined = newcomer.post(path, {"name": SCRIPT, "password": PASSWORD, "confirm": PASSWORD})
    assert joined.status_code == 303 and joined.headers["location"] == "/workspace"
    home = newcomer.get("/workspace")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; (reviewer)" in home.text and SCRIPT not in home.text
    assert newcomer.get(path).status_code == 409  # used
    accounts_page = b.get("/workspace/users")
    assert "new.reviewer@example.org" in accounts_page.text and SCRIPT not in accounts_page.text
    with ws.session() as session:
        assert session.scalar(select(User.role).where(User.email == "new.reviewer@example.org")) == Role.reviewer


def test_next_never_leaves_the_site(web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    user = make_user(Role.reviewer)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        b = web()
        response = b.post("/login", {"email": user.email, "password": PASSWORD, "next": target})
        assert response.headers["location"] == "/workspace"


def test_api_refusals_are_json_naming_the_reason(web: Callable[[], Browser]) -> None:
    b = web()
    response = b.post("/workspace/invitations", {"email": "x@example.org", "role": "nope"})
    assert response.status_code == 401  # not logged in is checked before the form's values
