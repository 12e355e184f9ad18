"""What happens to accounts after they are made, through the web app, on SQLite and PostgreSQL: an admin
deactivates (the open session is refused at once) and reactivates a member, changes a role, withdraws and
re-sends invitations, makes a one-use reset link; a member changes their password; logins are throttled per
account and per address, the same for an email no account has."""

from __future__ import annotations

import re
import threading
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

import pytest
from sqlalchemy import func, select, update

from scrutiny.workspace import account_lifecycle as lifecycle
from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Conflict, Gone
from scrutiny.workspace.login_throttle import LoginThrottle
from scrutiny.workspace.models.accounts import AuditEntry, Invitation, LoginSession, PasswordReset, Role, User
from scrutiny.workspace.models.login_throttle import ThrottleKey
from tests.workspace.conftest import PASSWORD, Browser

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

T = TypeVar("T")
NEW_PASSWORD = "a different long password"
Web = Callable[[], Browser]
MakeUser = Callable[..., User]


def _logged_in(browser: Browser) -> bool:
    """Whether the browser's session still opens the workspace (a refused one is sent to the login form)."""
    response = browser.get("/workspace", follow_redirects=False)
    assert response.status_code in (200, 303), response.text
    return response.status_code == 200


def _sessions(ws: Workspace, user_id: int) -> int:
    with ws.session() as session:
        count = select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user_id)
        return session.scalar(count) or 0


def _link(response: object, kind: str) -> str:
    text: str = response.text  # type: ignore[attr-defined]
    found = re.search(rf">http://testserver(/{kind}/[^<]+)</textarea>", text)
    assert found is not None, text
    return found.group(1)


def _audit(ws: Workspace, user_id: int) -> list[tuple[str, str, dict[str, object] | None, dict[str, object] | None]]:
    with ws.session() as session:
        rows = session.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.before, AuditEntry.after)
                               .where(AuditEntry.entity == "users", AuditEntry.entity_id == str(user_id))
                               .order_by(AuditEntry.id)).all()
    return [(r.actor, r.action, r.before, r.after) for r in rows]


# --- deactivate, reactivate, role --------------------------------------------------------------------------

def test_deactivation_ends_an_open_session_at_once_and_reactivation_lets_them_back(
        web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin, member = make_user(Role.admin, "boss@example.org"), make_user(Role.panel_member, "pm@example.org", "Pat")
    a, m, m2 = web(), web(), web()
    a.login(admin.email)
    m.login(member.email)
    m2.login(member.email)
    assert _logged_in(m) and _logged_in(m2) and _sessions(ws, member.id) == 2

    confirm = a.get(f"/workspace/users/{member.id}/deactivate")  # the second step, a page of its own
    assert confirm.status_code == 200 and "Deactivate Pat?" in confirm.text
    assert f'action="/workspace/users/{member.id}/deactivate"' in confirm.text
    assert _logged_in(m)  # asking changed nothing
    done = a.post(f"/workspace/users/{member.id}/deactivate")
    assert done.status_code == 303 and done.headers["location"] == "/workspace/users"

    assert not _logged_in(m) and not _logged_in(m2)  # the very next request
    assert m.post("/workspace/panels", {"name": "x"}).status_code == 401
    assert _sessions(ws, member.id) == 0
    assert m.post("/login", {"email": member.email, "password": PASSWORD}).status_code == 401
    assert "deactivated" in a.get("/workspace/users").text
    assert _audit(ws, member.id)[-1][:2] == ("boss@example.org", "update")
    before, after = _audit(ws, member.id)[-1][2:]
    assert before is not None and after is not None and (before["active"], after["active"]) == (True, False)

    assert a.post(f"/workspace/users/{member.id}/reactivate").status_code == 303
    assert not _logged_in(m)  # no old session comes back
    m.login(member.email)
    assert _logged_in(m)
    before, after = _audit(ws, member.id)[-1][2:]
    assert before is not None and after is not None and (before["active"], after["active"]) == (False, True)


def test_a_role_change_takes_effect_on_the_open_session(web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin, person = make_user(Role.admin, "boss@example.org"), make_user(Role.reviewer, "rev@example.org")
    a, r = web(), web()
    a.login(admin.email)
    r.login(person.email)
    assert r.get("/workspace/diversion").status_code == 403  # panel members only
    assert a.post(f"/workspace/users/{person.id}/role", {"role": "panel_member"}).status_code == 303
    assert r.get("/workspace/diversion").status_code == 200
    assert r.get("/workspace/users").status_code == 403
    actor, action, before, after = _audit(ws, person.id)[-1]
    assert (actor, action) == ("boss@example.org", "update")
    assert before is not None and after is not None
    assert (before["role"], after["role"]) == ("reviewer", "panel_member")
    refused = a.post(f"/workspace/users/{person.id}/role", {"role": "superuser"})
    assert refused.status_code == 422 and "is not one of admin, panel_member, reviewer" in refused.text


def test_the_last_admin_cannot_demote_or_deactivate_themselves(web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin = make_user(Role.admin, "boss@example.org")
    a = web()
    a.login(admin.email)
    demoted = a.post(f"/workspace/users/{admin.id}/role", {"role": "reviewer"})
    assert demoted.status_code == 409 and "last active admin" in demoted.text
    assert a.post(f"/workspace/users/{admin.id}/deactivate").status_code == 403
    with ws.session() as session:
        assert session.scalar(select(User.role).where(User.id == admin.id)) == Role.admin

    second = make_user(Role.admin, "deputy@example.org")
    assert a.post(f"/workspace/users/{admin.id}/deactivate").status_code == 403  # never oneself
    assert a.post(f"/workspace/users/{admin.id}/role", {"role": "reviewer"}).status_code == 303
    assert a.get("/workspace/users").status_code == 403  # no longer an admin, at once
    d = web()
    d.login(second.email)
    assert d.post(f"/workspace/users/{second.id}/role", {"role": "reviewer"}).status_code == 409


def test_two_admins_demoting_each_other_leave_one(ws: Workspace, make_user: MakeUser) -> None:
    """The second change counts the admins after the first (here one after the other: the claim is what
    makes the count right when they overlap, as test_limits_hold does for invitations)."""
    one, two = make_user(Role.admin, "one@example.org"), make_user(Role.admin, "two@example.org")
    with ws.session(accounts.actor(one)) as session:
        lifecycle.change_role(session, one, two.id, Role.reviewer)
    with pytest.raises(Conflict), ws.session(accounts.actor(two)) as session:
        lifecycle.change_role(session, one, one.id, Role.reviewer)


def test_only_an_admin_may_change_accounts_and_every_form_needs_its_token(
        web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin, member = make_user(Role.admin, "boss@example.org"), make_user(Role.panel_member, "pm@example.org")
    with ws.session(accounts.actor(admin)) as session:
        invitation_id = accounts.invite(session, admin, "new@example.org", Role.reviewer).invitation.id
    writes = [(f"/workspace/users/{member.id}/role", {"role": "admin"}),
              (f"/workspace/users/{member.id}/deactivate", {}), (f"/workspace/users/{member.id}/reactivate", {}),
              (f"/workspace/users/{member.id}/reset-link", {}), (f"/workspace/invitations/{invitation_id}/revoke", {}),
              (f"/workspace/invitations/{invitation_id}/resend", {})]
    m, a, visitor = web(), web(), web()
    m.login(member.email)
    a.login(admin.email)
    for url, form in writes:
        assert m.post(url, form).status_code == 403, url
        assert visitor.post(url, form).status_code == 401, url
        assert a.post(url, form, csrf=False).status_code == 403, url
        assert a.post(url, {**form, "csrf_token": m.csrf}).status_code == 403, url  # another browser's token
    for url in (f"/workspace/users/{member.id}/deactivate", f"/workspace/invitations/{invitation_id}/revoke"):
        assert m.get(url).status_code == 403
    assert m.post("/workspace/account/password", {"current": PASSWORD, "password": NEW_PASSWORD,
                                                  "confirm": NEW_PASSWORD}, csrf=False).status_code == 403
    with ws.session() as session:
        assert session.scalar(select(User.role).where(User.id == member.id)) == Role.panel_member
        assert session.scalar(select(func.count()).select_from(PasswordReset)) == 0
        assert session.scalar(select(Invitation.revoked_at).where(Invitation.id == invitation_id)) is None
    assert _logged_in(m)


# --- invitations -------------------------------------------------------------------------------------------

def test_a_withdrawn_invitation_link_is_refused(web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin = make_user(Role.admin, "boss@example.org")
    a, newcomer = web(), web()
    a.login(admin.email)
    path = _link(a.post("/workspace/invitations", {"email": "new@example.org", "role": "reviewer"}), "invite")
    assert newcomer.get(path).status_code == 200
    with ws.session() as session:
        invitation_id = session.scalar(select(Invitation.id).where(Invitation.email == "new@example.org"))
    confirm = a.get(f"/workspace/invitations/{invitation_id}/revoke")
    assert confirm.status_code == 200 and "Withdraw the invitation for new@example.org?" in confirm.text
    assert a.post(f"/workspace/invitations/{invitation_id}/revoke").status_code == 303

    refused = newcomer.get(path)
    assert refused.status_code == 410 and "withdrawn" in refused.text
    joined = newcomer.post(path, {"name": "Sam", "password": PASSWORD, "confirm": PASSWORD})
    assert joined.status_code == 410
    with ws.session() as session:
        assert session.scalar(select(User).where(User.email == "new@example.org")) is None
    assert "new@example.org" not in a.get("/workspace/users").text  # no longer pending


def test_a_resent_invitation_has_a_new_link_and_the_old_one_is_refused(
        web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin = make_user(Role.admin, "boss@example.org")
    a, newcomer = web(), web()
    a.login(admin.email)
    old = _link(a.post("/workspace/invitations", {"email": "new@example.org", "role": "panel_member"}), "invite")
    with ws.session() as session:
        invitation_id = session.scalar(select(Invitation.id).where(Invitation.email == "new@example.org"))
    resent = a.post(f"/workspace/invitations/{invitation_id}/resend")
    assert resent.status_code == 201
    new = _link(resent, "invite")
    assert new != old
    assert newcomer.get(old).status_code == 410
    assert newcomer.post(old, {"name": "Sam", "password": PASSWORD, "confirm": PASSWORD}).status_code == 410
    page = a.get("/workspace/users").text
    assert page.count("new@example.org") == 1  # one invitation pending, the new one
    assert newcomer.post(new, {"name": "Sam", "password": PASSWORD, "confirm": PASSWORD}).status_code == 303
    with ws.session() as session:
        assert session.scalar(select(User.role).where(User.email == "new@example.org")) == Role.panel_member
    late = a.post(f"/workspace/invitations/{invitation_id}/resend")  # the old one again, after they joined
    assert late.status_code == 422 and "there is already an account for new@example.org" in late.text


# --- passwords ---------------------------------------------------------------------------------------------

def test_a_member_changes_their_password_and_the_old_one_is_refused(
        web: Web, make_user: MakeUser, ws: Workspace) -> None:
    member = make_user(Role.reviewer, "rev@example.org")
    here, elsewhere = web(), web()
    here.login(member.email)
    elsewhere.login(member.email)
    assert here.get("/workspace/account").status_code == 200
    form = {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    wrong = here.post("/workspace/account/password", form)
    assert wrong.status_code == 422 and 'id="e-current"' in wrong.text
    differ = here.post("/workspace/account/password", {**form, "current": PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert differ.status_code == 422 and "the two passwords differ" in differ.text
    short = here.post("/workspace/account/password", {"current": PASSWORD, "password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    assert NEW_PASSWORD not in wrong.text + differ.text  # passwords are never sent back

    done = here.post("/workspace/account/password", {**form, "current": PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/workspace/account?changed=true"
    assert "Your password was changed" in here.get(done.headers["location"]).text
    assert _logged_in(here) and not _logged_in(elsewhere)  # this browser stays, the other is logged out
    other = web()
    assert other.post("/login", {"email": member.email, "password": PASSWORD}).status_code == 401
    other.login(member.email, NEW_PASSWORD)
    actor, action, before, after = _audit(ws, member.id)[-1]
    assert (actor, action) == ("rev@example.org", "update")
    assert before is not None and after is not None
    assert before["password_hash"] == after["password_hash"] == "[redacted]"


def test_a_reset_link_works_once_and_never_twice(web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin, member = make_user(Role.admin, "boss@example.org"), make_user(Role.panel_member, "pm@example.org", "Pat")
    a, m, holder = web(), web(), web()
    a.login(admin.email)
    m.login(member.email)
    made = a.post(f"/workspace/users/{member.id}/reset-link")
    assert made.status_code == 201 and "Password reset link for Pat" in made.text
    assert 'data-copy="reset-link"' in made.text
    path = _link(made, "reset")
    assert _logged_in(m)  # making the link changes nothing yet
    m.login(member.email)  # the old password still works until the link is used

    form = holder.get(path)
    assert form.status_code == 200 and "pm@example.org" in form.text
    assert holder.post(path, {"password": NEW_PASSWORD, "confirm": "other"}).status_code == 422
    used = holder.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert used.status_code == 303 and used.headers["location"] == "/workspace"
    assert _logged_in(holder) and not _logged_in(m)  # every earlier session ended

    again = web()
    assert again.get(path).status_code == 410 and "already been used" in again.get(path).text
    assert again.post(path, {"password": "yet another password", "confirm": "yet another password"}).status_code == 410
    assert again.post("/login", {"email": member.email, "password": PASSWORD}).status_code == 401
    assert again.post("/login", {"email": member.email, "password": "yet another password"}).status_code == 401
    again.login(member.email, NEW_PASSWORD)
    with ws.session() as session:
        resets = session.scalars(select(PasswordReset)).all()
    assert len(resets) == 1 and resets[0].used_at is not None and resets[0].issued_by_id == admin.id


def test_a_newer_reset_link_replaces_the_older_and_links_expire(web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin, member = make_user(Role.admin, "boss@example.org"), make_user(Role.reviewer, "rev@example.org")
    a, holder = web(), web()
    a.login(admin.email)
    first = _link(a.post(f"/workspace/users/{member.id}/reset-link"), "reset")
    second = _link(a.post(f"/workspace/users/{member.id}/reset-link"), "reset")
    assert holder.get(first).status_code == 404
    assert holder.get(second).status_code == 200
    with ws.session() as session:
        session.execute(update(PasswordReset).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    expired = holder.post(second, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert expired.status_code == 410 and "expired" in expired.text
    assert holder.get("/reset/not-a-token").status_code == 404


def test_a_reset_link_cannot_be_used_twice_even_from_the_service(ws: Workspace, make_user: MakeUser) -> None:
    admin, member = make_user(Role.admin, "boss@example.org"), make_user(Role.reviewer, "rev@example.org")
    with ws.session(accounts.actor(admin)) as session:
        token = lifecycle.issue_reset(session, admin, member.id).token
    with ws.session(accounts.actor(member)) as session:
        lifecycle.use_reset(session, token, NEW_PASSWORD)
    with pytest.raises(Gone, match="already been used"), ws.session(accounts.actor(member)) as session:
        lifecycle.use_reset(session, token, "a third long password")
    with ws.session() as session:
        assert accounts.authenticate(session, member.email, NEW_PASSWORD).id == member.id


def test_no_reset_link_for_a_deactivated_account(web: Web, make_user: MakeUser) -> None:
    admin, member = make_user(Role.admin, "boss@example.org"), make_user(Role.reviewer, "rev@example.org")
    a = web()
    a.login(admin.email)
    path = _link(a.post(f"/workspace/users/{member.id}/reset-link"), "reset")
    a.post(f"/workspace/users/{member.id}/deactivate")
    assert a.get(path).status_code == 410
    refused = a.post(f"/workspace/users/{member.id}/reset-link")
    assert refused.status_code == 409 and "reactivate" in refused.text


# --- the login throttle ------------------------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _at(web: Web, address: str, clock: Clock) -> Browser:
    """A browser whose requests come from `address`, on the app of `web`, the app's throttle on `clock`."""
    app = web().client.app
    app.state.login_throttle = LoginThrottle(clock=clock)  # type: ignore[attr-defined]
    return Browser(TestClient(app, base_url="http://testserver", client=(address, 50000)))


def _try(b: Browser, email: str, password: str) -> tuple[int, str | None]:
    response = b.post("/login", {"email": email, "password": password})
    return response.status_code, response.headers.get("retry-after")


def test_after_five_failures_the_sixth_is_429_and_the_wait_grows(web: Web, make_user: MakeUser) -> None:
    member = make_user(Role.reviewer, "rev@example.org")
    clock = Clock()
    b = _at(web, "198.51.100.7", clock)
    assert [_try(b, member.email, f"wrong guess {i}") for i in range(5)] == [(401, None)] * 5
    assert _try(b, member.email, "wrong guess 6") == (429, "15")
    assert _try(b, member.email, PASSWORD) == (429, "15")  # the right one is refused during the lock
    clock.now += 10
    assert _try(b, member.email, PASSWORD) == (429, "5")
    clock.now += 5
    assert _try(b, member.email, "wrong guess 7") == (401, None)
    assert _try(b, member.email, "wrong guess 8") == (429, "30")  # twice as long
    clock.now += 30
    assert _try(b, member.email, "wrong guess 9") == (401, None)
    refused = b.post("/login", {"email": member.email, "password": PASSWORD})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    assert "Please wait 60 seconds" in refused.text and "scrutiny_session" not in b.client.cookies
    clock.now += 60
    assert _try(b, member.email, PASSWORD) == (303, None)  # the lock over, the right password works


def test_an_unknown_email_is_answered_exactly_the_same(web: Web, make_user: MakeUser) -> None:
    make_user(Role.reviewer, "rev@example.org")
    clock = Clock()
    answers = {}
    for email, address in (("rev@example.org", "198.51.100.7"), ("nobody@example.org", "198.51.100.8")):
        b = _at(web, address, clock)
        pages = [b.post("/login", {"email": email, "password": "wrong guess"}) for _ in range(7)]
        answers[email] = [(p.status_code, p.headers.get("retry-after"), p.text.replace(email, "EMAIL")
                           .replace(b.csrf, "TOKEN")) for p in pages]
    assert [a[:2] for a in answers["rev@example.org"]] == [(401, None)] * 5 + [(429, "15")] * 2
    assert answers["nobody@example.org"] == answers["rev@example.org"]


def test_the_address_is_throttled_across_accounts_and_the_account_across_addresses(
        web: Web, make_user: MakeUser) -> None:
    people = [make_user(Role.reviewer, f"r{i}@example.org") for i in range(7)]
    clock = Clock()
    sprayer = _at(web, "203.0.113.9", clock)
    assert [_try(sprayer, p.email, "Summer2026!")[0] for p in people[:6]] == [401] * 5 + [429]
    assert _try(sprayer, people[6].email, PASSWORD) == (429, "15")  # a right password, from a locked address
    elsewhere = _at(web, "203.0.113.10", clock)
    assert _try(elsewhere, people[6].email, PASSWORD) == (303, None)  # the account itself is fine

    target = people[0].email  # one failure so far, from the sprayer
    rotating = [_at(web, f"192.0.2.{i}", clock) for i in range(1, 6)]
    assert [_try(b, target, "wrong guess")[0] for b in rotating] == [401] * 4 + [429]


def test_a_success_forgets_the_account_count_but_not_the_address_failures(
        web: Web, make_user: MakeUser, ws: Workspace) -> None:
    member, other = make_user(Role.reviewer, "rev@example.org"), make_user(Role.reviewer, "other@example.org")
    clock = Clock()
    b = _at(web, "198.51.100.7", clock)
    assert [_try(b, member.email, "wrong")[0] for _ in range(4)] == [401] * 4
    assert _try(b, member.email, PASSWORD)[0] == 303
    with ws.session() as session:
        rows = {key: n for key, n in session.execute(select(ThrottleKey.key, ThrottleKey.failures))}
    assert sorted(rows.values()) == [4]  # the account's count gone; the address keeps its four failures
    assert all(not key.count("@") for key in rows)  # keyed hashes only, no email or address
    assert _try(b, other.email, "wrong")[0] == 401  # the address's fifth failure in a row
    assert _try(b, other.email, PASSWORD) == (429, "15")
    clock.now += 3600  # an hour quiet: forgotten
    assert [_try(b, other.email, "wrong")[0] for _ in range(5)] == [401] * 5


def test_a_password_change_goes_through_the_throttle(web: Web, make_user: MakeUser) -> None:
    member = make_user(Role.reviewer, "rev@example.org")
    clock = Clock()
    b = _at(web, "198.51.100.7", clock)
    b.login(member.email)
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    codes = [b.post("/workspace/account/password", {**form, "current": f"guess {i}"}).status_code for i in range(6)]
    assert codes == [422] * 5 + [429]
    locked = b.post("/workspace/account/password", {**form, "current": PASSWORD})
    assert locked.status_code == 429 and locked.headers["retry-after"] == "15"


# --- at the same moment ------------------------------------------------------------------------------------

def _at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Run the calls in threads released together (each on its own TestClient, as separate browsers)."""
    barrier = threading.Barrier(len(calls))
    answers: dict[int, T] = {}

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return [answers[i] for i in range(len(calls))]


def test_twelve_guesses_at_once_get_five_checked(web: Web, make_user: MakeUser) -> None:
    member = make_user(Role.reviewer, "rev@example.org")
    clock = Clock()
    browsers = [_at(web, "198.51.100.7", clock) for _ in range(12)]
    for b in browsers:
        assert b.csrf
    answers = _at_once([partial(_try, b, member.email, "wrong guess") for b in browsers])
    assert Counter(code for code, _ in answers) == {401: 5, 429: 7}


def test_one_reset_link_used_six_times_at_once_sets_one_password(
        web: Web, make_user: MakeUser, ws: Workspace) -> None:
    admin, member = make_user(Role.admin, "boss@example.org"), make_user(Role.reviewer, "rev@example.org")
    with ws.session(accounts.actor(admin)) as session:
        token = lifecycle.issue_reset(session, admin, member.id).token
    browsers = [web() for _ in range(6)]
    for b in browsers:
        assert b.csrf
    passwords = [f"new password number {i}" for i in range(6)]
    answers = _at_once([partial(b.post, f"/reset/{token}", {"password": p, "confirm": p})
                        for b, p in zip(browsers, passwords, strict=True)])
    assert Counter(a.status_code for a in answers) == {303: 1, 410: 5}
    winner = next(i for i, a in enumerate(answers) if a.status_code == 303)
    with ws.session() as session:
        assert accounts.authenticate(session, member.email, passwords[winner]).id == member.id
