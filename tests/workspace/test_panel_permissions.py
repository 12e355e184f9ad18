"""Who may touch what (issue 21): a panel member changes only the panels their account is assigned to, with
their meetings, seats and recommendations; an admin every panel; whoever creates a panel is assigned to it;
an admin assigns and removes accounts on the panel's page. Refusals are 403 and write nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, inspect, select

from scrutiny.workspace import accounts, panel_access, panels
from scrutiny.workspace import recommendations as recs
from scrutiny.workspace.audit import Actor
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Forbidden
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from scrutiny.workspace.models.panels import Meeting, PanelAccount, PanelMember
from scrutiny.workspace.models.recommendations import Recommendation
from tests.workspace.conftest import Browser


def _panel(ws: Workspace, name: str) -> tuple[int, int]:
    """(panel id, body id), made from the command line (no account: assigned to no one)."""
    with ws.session(accounts.COMMAND_LINE) as s:
        panel = panels.create_panel(s, panels.PanelFields(name=name, area_name="Greenwich"))
        panels.add_member(s, panel.id, "Sam Seat", "25-34")
        panels.add_meeting(s, panel.id, date(2025, 3, 4), "Quarterly")
        return panel.id, panel.body_id


def _rec(ws: Workspace, from_body: int, to_body: int) -> int:
    with ws.session(accounts.COMMAND_LINE) as s:
        return recs.create_recommendation(s, recs.RecommendationFields(
            text="Publish the outcomes", from_body_id=from_body, to_body_id=to_body, made_on=date(2025, 1, 1))).id


@pytest.fixture
def two_panels(ws: Workspace, make_user: Callable[..., User]) -> dict[str, int]:
    a, a_body = _panel(ws, "Panel A")
    b, b_body = _panel(ws, "Panel B")
    member = make_user(Role.panel_member, "a-member@example.org", "Ann Member")
    with ws.session(accounts.COMMAND_LINE) as s:
        panel_access.assign(s, a, member.id)
    return {"a": a, "b": b, "a_body": a_body, "b_body": b_body, "member": member.id,
            "rec_a": _rec(ws, a_body, b_body), "rec_b": _rec(ws, b_body, a_body)}


def _as(user_id: int) -> Actor:
    return Actor(user_id, f"user {user_id}")


def _counts(ws: Workspace) -> tuple[int, int, int, int]:
    with ws.session() as s:
        return (s.scalar(select(func.count()).select_from(PanelMember)) or 0,
                s.scalar(select(func.count()).select_from(Meeting)) or 0,
                s.scalar(select(func.count()).select_from(Recommendation)) or 0,
                s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_a_member_changes_only_their_panel_in_the_services(ws: Workspace, two_panels: dict[str, int],
                                                           make_user: Callable[..., User]) -> None:
    p = two_panels
    member = _as(p["member"])
    unnamed, _ = _panel(ws, "Panel C")  # named in no recommendation, so only the access check can refuse it
    before = _counts(ws)
    refusals: list[Callable[..., object]] = [
        lambda s: panels.update_panel(s, p["b"], panels.PanelFields(name="Taken over", area_name="X")),
        lambda s: panels.add_member(s, p["b"], "Intruder", "25-34"),
        lambda s: panels.remove_member(s, p["b"], panels.get_panel(s, p["b"]).members[0].id),
        lambda s: panels.add_meeting(s, p["b"], date(2025, 5, 1), "Fake"),
        lambda s: panels.remove_meeting(s, p["b"], panels.get_panel(s, p["b"]).meetings[0].id),
        lambda s: panels.delete_panel(s, unnamed),
        lambda s: recs.update_recommendation(s, p["rec_b"], {"text": "Changed"}),
        lambda s: recs.update_recommendation(s, p["rec_a"], {"panel_id": p["b"]}),  # moved to B: B's too
        lambda s: recs.create_recommendation(s, recs.RecommendationFields(
            text="In B's name", from_body_id=p["b_body"], to_body_id=p["a_body"], made_on=date(2025, 1, 1))),
        lambda s: recs.delete_recommendation(s, p["rec_b"]),
        lambda s: panel_access.assign(s, p["b"], p["member"]),  # only admins assign
    ]
    for change in refusals:
        with pytest.raises(Forbidden), ws.session(member) as s:
            change(s)
    assert _counts(ws) == before  # nothing written, nothing logged
    with ws.session() as s:
        assert panels.get_panel(s, p["b"]).name == "Panel B"
        assert recs.get_recommendation(s, p["rec_a"]).panel_id == p["a"]

    with ws.session(member) as s:  # their own panel: every change goes through
        panels.update_panel(s, p["a"], panels.PanelFields(name="Panel A renamed", area_name="Greenwich"))
        panels.add_member(s, p["a"], "New Seat", "18-24")
        panels.add_meeting(s, p["a"], date(2025, 6, 1), "Summer")
        recs.update_recommendation(s, p["rec_a"], {"text": "Publish all the outcomes"})
        recs.create_recommendation(s, recs.RecommendationFields(
            text="Another", from_body_id=p["a_body"], to_body_id=p["b_body"], made_on=date(2025, 2, 1)))
    assert _counts(ws)[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)

    admin = make_user(Role.admin, "admin@example.org")
    with ws.session(_as(admin.id)) as s:  # an admin: both panels, no assignment needed
        panels.update_panel(s, p["b"], panels.PanelFields(name="Panel B renamed", area_name="Greenwich"))
        recs.update_recommendation(s, p["rec_b"], {"text": "Admin's words"})
        panels.add_member(s, p["a"], "Admin Added", "65+")
    with ws.session() as s:
        assert [x.name for x in panels.list_panels(s)] == ["Panel A renamed", "Panel B renamed", "Panel C"]


def test_no_panel_recommendations_and_reviewers(ws: Workspace, two_panels: dict[str, int],
                                                make_user: Callable[..., User]) -> None:
    """A recommendation no panel made (from a body that is not a panel) is any panel member's; a reviewer
    changes none of these records."""
    p = two_panels
    with ws.session(accounts.COMMAND_LINE) as s:
        from scrutiny.workspace import governance
        csp = governance.create_body(s, "Safer Greenwich Partnership", "community_safety_partnership", "Greenwich")
        loose = recs.create_recommendation(s, recs.RecommendationFields(
            text="No panel's", from_body_id=csp.id, to_body_id=p["b_body"], made_on=date(2025, 1, 1))).id
    with ws.session(_as(p["member"])) as s:
        assert recs.update_recommendation(s, loose, {"text": "Edited by a member"}).panel_id is None
    reviewer = make_user(Role.reviewer, "rev@example.org")
    with pytest.raises(Forbidden), ws.session(_as(reviewer.id)) as s:
        recs.update_recommendation(s, loose, {"text": "Edited by a reviewer"})
    with pytest.raises(Forbidden), ws.session(_as(reviewer.id)) as s:
        panels.create_panel(s, panels.PanelFields(name="Reviewer's panel", area_name="X"))


def test_the_creator_of_a_panel_is_its_member(ws: Workspace, make_user: Callable[..., User]) -> None:
    maker = make_user(Role.panel_member, "maker@example.org")
    other = make_user(Role.panel_member, "other@example.org")
    with ws.session(_as(maker.id)) as s:
        made = panels.create_panel(s, panels.PanelFields(name="Maker's Panel", area_name="Lewisham")).id
    with ws.session(_as(maker.id)) as s:
        assert panel_access.assigned_panels(s, maker.id) == {made}
        panels.add_meeting(s, made, date(2025, 1, 2), "First")
    with pytest.raises(Forbidden), ws.session(_as(other.id)) as s:
        panels.add_meeting(s, made, date(2025, 1, 3), "Not theirs")
    with ws.session() as s:  # the assignment is in the audit log, named after its maker
        logged = s.scalars(select(AuditEntry).where(AuditEntry.entity == "panel_accounts")).all()
        assert [(e.action, e.user_id, e.entity_id) for e in logged] == [("create", maker.id, f"{maker.id}/{made}")]


def test_web_forms_and_api_refuse_another_panel(ws: Workspace, two_panels: dict[str, int],
                                                web: Callable[[], Browser]) -> None:
    p = two_panels
    b = web()
    b.login("a-member@example.org")
    own, other = b.get(f"/workspace/panels/{p['a']}").text, b.get(f"/workspace/panels/{p['b']}").text
    assert f'action="/workspace/panels/{p["a"]}/meetings"' in own
    assert f'action="/workspace/panels/{p["b"]}/meetings"' not in other  # no forms for a panel not theirs
    assert 'id="read-only"' in other and 'id="read-only"' not in own
    before = _counts(ws)
    refused = [
        b.post(f"/workspace/panels/{p['b']}", {"name": "Taken", "area_name": "X", "kind": "scrutiny_panel"}),
        b.post(f"/workspace/panels/{p['b']}/members", {"member_name": "Intruder", "age_band": "25-34"}),
        b.post(f"/workspace/panels/{p['b']}/meetings", {"held_on": "2025-05-01", "title": "Fake"}),
        b.client.patch(f"/api/v1/recommendations/{p['rec_b']}", json={"text": "API change"},
                       headers={"X-CSRF-Token": b.csrf}),
        b.client.post("/api/v1/recommendations", headers={"X-CSRF-Token": b.csrf}, json={
            "text": "In B's name", "from_body_id": p["b_body"], "to_body_id": p["a_body"], "made_on": "2025-01-01"}),
        b.post(f"/workspace/panels/{p['a']}/accounts", {"user_id": str(p["member"])}),  # admins only
    ]
    assert [r.status_code for r in refused] == [403] * 6
    assert "Not allowed" in refused[0].text and "Panel B" in refused[0].text
    assert refused[3].json()["detail"][0]["type"] == "Forbidden"
    assert _counts(ws) == before

    done = [
        b.post(f"/workspace/panels/{p['a']}/meetings", {"held_on": "2025-05-01", "title": "Ours"}),
        b.post(f"/workspace/panels/{p['a']}/members", {"member_name": "New Seat", "age_band": "18-24"}),
    ]
    assert [r.status_code for r in done] == [303, 303]
    patched = b.client.patch(f"/api/v1/recommendations/{p['rec_a']}", json={"text": "Ours, by the API"},
                             headers={"X-CSRF-Token": b.csrf})
    assert patched.status_code == 200, patched.text
    assert _counts(ws)[:2] == (before[0] + 1, before[1] + 1)


def test_an_admin_assigns_and_removes_accounts(ws: Workspace, two_panels: dict[str, int],
                                               web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    p = two_panels
    admin = make_user(Role.admin, "admin@example.org")
    newcomer = make_user(Role.panel_member, "new@example.org", "Nia <b>Newcomer</b>")
    make_user(Role.reviewer, "rev@example.org")
    a = web()
    a.login(admin.email)
    page = a.get(f"/workspace/panels/{p['b']}").text
    assert 'id="accounts"' in page and "No accounts yet" in page
    assert f'<option value="{newcomer.id}">Nia &lt;b&gt;Newcomer&lt;/b&gt; (new@example.org)</option>' in page
    assert "rev@example.org" not in page  # reviewers keep no panel
    assert a.post(f"/workspace/panels/{p['b']}/accounts", {"user_id": str(newcomer.id)},
                  csrf=False).status_code == 403
    assert a.post(f"/workspace/panels/{p['b']}/accounts", {"user_id": "999999"}).status_code == 422
    assert a.post(f"/workspace/panels/{p['b']}/accounts", {"user_id": str(newcomer.id)}).status_code == 303
    with ws.session() as s:
        assert [u.email for u in panel_access.accounts_of(s, p["b"])] == ["new@example.org"]
        logged = s.scalars(select(AuditEntry).where(AuditEntry.entity == "panel_accounts",
                                                    AuditEntry.user_id == admin.id)).all()
        assert [(e.action, e.entity_id) for e in logged] == [("create", f"{newcomer.id}/{p['b']}")]

    n = web()
    n.login(newcomer.email)
    assert n.post(f"/workspace/panels/{p['b']}/meetings", {"held_on": "2025-07-01"}).status_code == 303
    assert a.post(f"/workspace/panels/{p['b']}/accounts/{newcomer.id}/remove").status_code == 303
    assert n.post(f"/workspace/panels/{p['b']}/meetings", {"held_on": "2025-08-01"}).status_code == 403
    assert a.post(f"/workspace/panels/{p['b']}/accounts/{newcomer.id}/remove").status_code == 404
    with ws.session() as s:
        assert panel_access.accounts_of(s, p["b"]) == []
        assert s.scalar(select(func.count()).select_from(PanelAccount)) == 1  # the fixture's member of A


def test_the_migration_up_and_down(ws: Workspace) -> None:
    assert "panel_accounts" in inspect(ws.engine).get_table_names()
    ws.downgrade("0011")
    assert "panel_accounts" not in inspect(ws.engine).get_table_names()
    ws.upgrade()
    assert "panel_accounts" in inspect(ws.engine).get_table_names()
