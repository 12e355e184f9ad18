"""Accounts, sessions, invitations and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from scrutiny.workspace import accounts
from scrutiny.workspace.audit import Actor
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Conflict, Forbidden, Invalid, LoginRequired, NotFound, SchemaOutOfDate
from scrutiny.workspace.models.accounts import AuditEntry, Invitation, Role, User
from scrutiny.workspace.pseudonyms import pseudonymiser
from tests.workspace.conftest import PASSWORD


def test_password_is_stored_as_an_argon2_hash(ws: Workspace, make_user: Callable[..., User]) -> None:
    user = make_user(Role.admin, "Admin@Example.org")
    assert user.email == "admin@example.org"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with ws.session() as session:
        assert accounts.authenticate(session, " ADMIN@example.org ", PASSWORD).id == user.id
        for email, password in (("admin@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)):
            with pytest.raises(LoginRequired, match="do not match"):
                accounts.authenticate(session, email, password)


def test_bad_accounts_refused_with_the_field_named(ws: Workspace, make_user: Callable[..., User]) -> None:
    make_user(Role.admin, "a@example.org")
    cases = [("not-an-email", PASSWORD, "email"), ("b@example.org", "short", "password"),
             ("A@example.org", PASSWORD, "email")]  # the same address in other case is the same account
    for email, password, field in cases:
        with pytest.raises(Invalid) as caught, ws.session(accounts.COMMAND_LINE) as session:
            accounts.create_user(session, email, "", Role.reviewer, password)
        assert caught.value.field == field
    with ws.session() as session:
        assert session.scalar(select(User.email).where(User.email != "a@example.org")) is None  # nothing half-made


def test_no_write_without_someone_acting(ws: Workspace) -> None:
    with pytest.raises(LoginRequired, match="no logged-in account"), ws.session() as session:
        session.add(User(email="x@example.org", name="x", role=Role.admin, password_hash="h"))
    with ws.session() as session:
        assert session.scalar(select(User)) is None


def test_every_write_is_in_the_audit_log_with_before_and_after(ws: Workspace, make_user: Callable[..., User]) -> None:
    admin = make_user(Role.admin, "boss@example.org")
    with ws.session(accounts.actor(admin)) as session:
        made = accounts.invite(session, admin, "new@example.org", Role.reviewer)
    with ws.session(Actor(None, "new@example.org")) as session:
        reviewer = accounts.accept_invitation(session, made.token, "New Person", PASSWORD)
    with ws.session(accounts.actor(admin)) as session:
        found = session.get(User, reviewer.id)
        assert found is not None
        found.active = False
    with ws.session() as session:
        log = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor, e.action, e.entity) for e in log] == [
        ("command line", "create", "users"),
        ("boss@example.org", "create", "invitations"),
        ("new@example.org", "create", "users"),
        ("new@example.org", "update", "invitations"),
        ("boss@example.org", "update", "users"),
    ]
    assert [e.entity_id for e in log] == [str(admin.id), str(made.invitation.id), str(reviewer.id),
                                          str(made.invitation.id), str(reviewer.id)]
    last = log[-1]
    assert last.user_id == admin.id
    assert last.before is not None and last.after is not None
    assert (last.before["active"], last.after["active"]) == (True, False)
    assert last.before["password_hash"] == "[redacted]"  # no secret is copied into the log
    assert log[1].after is not None and log[1].after["token_hash"] == "[redacted]"
    assert log[3].before is not None and log[3].before["accepted_at"] is None and log[3].after["accepted_at"]


def test_invitation_works_once_and_expires(ws: Workspace, make_user: Callable[..., User]) -> None:
    admin = make_user(Role.admin)
    reviewer = make_user(Role.reviewer)
    with pytest.raises(Forbidden), ws.session(accounts.actor(reviewer)) as session:
        accounts.invite(session, reviewer, "x@example.org", Role.admin)
    with ws.session(accounts.actor(admin)) as session:
        made = accounts.invite(session, admin, "x@example.org", Role.panel_member)
        stale = accounts.invite(session, admin, "y@example.org", Role.reviewer, days=-1)
    with ws.session(Actor(None, "x@example.org")) as session:
        user = accounts.accept_invitation(session, made.token, "X", PASSWORD)
    assert user.role == Role.panel_member
    with pytest.raises(Conflict, match="already been accepted"), ws.session(Actor(None, "?")) as session:
        accounts.accept_invitation(session, made.token, "Y", PASSWORD)  # 409: used
    for token, reason in ((stale.token, "expired"), ("forged", "not valid")):
        with pytest.raises(NotFound, match=reason), ws.session(Actor(None, "?")) as session:
            accounts.accept_invitation(session, token, "Y", PASSWORD)
    with ws.session() as session:
        stored = session.scalars(select(Invitation.token_hash)).all()
    assert made.token not in stored and accounts.token_hash(made.token) in stored


def test_sessions_end_at_logout_and_expiry(ws: Workspace, make_user: Callable[..., User]) -> None:
    user = make_user(Role.reviewer)
    with ws.session() as session:
        token = accounts.start_session(session, user)
        assert accounts.user_for_token(session, token) is not None
        assert accounts.user_for_token(session, token + "x") is None
        accounts.end_session(session, token)
        assert accounts.user_for_token(session, token) is None


def test_roles(make_user: Callable[..., User]) -> None:
    admin, member, reviewer = make_user(Role.admin), make_user(Role.panel_member), make_user(Role.reviewer)
    assert accounts.require(admin, Role.reviewer) is admin  # admins may do everything
    assert accounts.require(reviewer, Role.reviewer) is reviewer
    with pytest.raises(Forbidden, match="reviewer"):
        accounts.require(reviewer, Role.panel_member)
    with pytest.raises(LoginRequired):
        accounts.require(None, Role.reviewer)
    assert accounts.require(member, Role.panel_member, Role.reviewer) is member


def test_pseudonyms_are_stable_keyed_and_typed(ws: Workspace) -> None:
    with ws.session() as session:
        officer, unit = pseudonymiser(session, "officer"), pseudonymiser(session, "unit")
    assert officer("PC 1234") == officer(" pc 1234 ") != officer("PC 1235")
    assert officer("PC 1234") != unit("PC 1234")
    assert (officer("PC 1234") or "").startswith("officer-") and "1234" not in (officer("PC 1234") or "")
    assert officer("") is None and officer(None) is None


def test_an_old_schema_is_refused_with_the_fix(tmp_path: object) -> None:
    ws = Workspace(f"sqlite:///{tmp_path}/old.sqlite")
    with pytest.raises(SchemaOutOfDate, match="scrutiny workspace upgrade"), ws.session():
        pass
    ws.dispose()


def test_expired_session_is_logged_out(ws: Workspace, make_user: Callable[..., User]) -> None:
    from scrutiny.workspace.models.accounts import LoginSession

    user = make_user(Role.reviewer)
    with ws.session() as session:
        token = accounts.start_session(session, user)
        row = session.scalar(select(LoginSession))
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with ws.session() as session:
        assert accounts.user_for_token(session, token) is None
