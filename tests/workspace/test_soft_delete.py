"""Deleted panels, bodies and recommendations (scrutiny.workspace.deleted) on SQLite and PostgreSQL: hidden from
every page, list, count and export the moment they are deleted; restored whole by an admin within 30 days, never
by a panel member, never after; purged for good by `scrutiny workspace purge` after that. Every step is in the
audit log under the name of who took it.

Counts are those of the seeded records (tests/workspace/factories_deleting.py): the panel has 9 members and 1
meeting; the map's CSP has 2 relations to the scrutiny panel, 2 to MOPAC and 1 membership."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from scrutiny.cli import workspace as workspace_cli
from scrutiny.workspace import accounts, deleted, governance, panels, recommendations
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Gone, Invalid, NotFound
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from scrutiny.workspace.models.governance import Body, Membership, Relation
from scrutiny.workspace.models.panels import Meeting, Panel, PanelMember
from scrutiny.workspace.models.recommendations import Recommendation
from tests.workspace.conftest import Browser
from tests.workspace.factories_deleting import PANEL, seed
from tests.workspace.factories_governance import keeps_every_panel

ALL = deleted.INCLUDE_DELETED


def _count(ws: Workspace, model: type, *where: object) -> int:
    """Rows in the table, deleted or not."""
    with ws.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where).execution_options(**ALL)) or 0


def _delete(browser: Browser, url: str) -> None:
    response = browser.post(url, {"confirm": "yes"})
    assert response.status_code == 303, response.text


ADMIN, MEMBER = "ada.admin@example.org", "pat.member@example.org"


def _people(web: Callable[[], Browser], make_user: Callable[..., User], ws: Workspace) -> tuple[Browser, Browser]:
    """An admin and a panel member who keeps every panel, logged in."""
    admin, member = web(), web()
    admin.login(make_user(Role.admin, ADMIN).email)
    member.login(keeps_every_panel(ws, make_user(Role.panel_member, MEMBER)).email)
    return admin, member


def test_a_deleted_panel_is_gone_everywhere_and_an_admin_restores_it_whole(
        ws: Workspace, web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    seeded = seed(ws)
    admin, member = _people(web, make_user, ws)
    visitor = web()
    assert PANEL in visitor.get("/panels").text
    _delete(member, f"/workspace/panels/{seeded.panel}/delete")

    assert PANEL not in visitor.get("/panels").text
    assert visitor.get(f"/panels/{seeded.panel}").status_code == 404
    assert PANEL not in visitor.get("/api/v1/panels").text
    assert visitor.get(f"/api/v1/panels/{seeded.panel}").status_code == 404
    assert PANEL not in visitor.get("/api/v1/governance").text  # a panel is a body of the map: gone from it too
    assert PANEL not in visitor.get("/governance").text
    assert PANEL not in member.get("/workspace/panels").text
    assert member.get(f"/workspace/panels/{seeded.panel}").status_code == 404
    assert member.get(f"/workspace/panels/{seeded.panel}/members/{seeded.member}/delete").status_code == 404
    assert PANEL not in member.get("/workspace/recommendations").text  # not offered in the form's list of panels
    # nothing of it is lost meanwhile
    assert _count(ws, PanelMember, PanelMember.panel_id == seeded.panel) == 9
    assert _count(ws, Meeting, Meeting.panel_id == seeded.panel) == 1

    assert member.get("/workspace/deleted").status_code == 403  # admins only
    assert member.post(f"/workspace/deleted/panel/{seeded.panel}/restore").status_code == 403
    listed = admin.get("/workspace/deleted")
    assert listed.status_code == 200 and listed.text.count('<li id="deleted-') == 1
    assert f'<li id="deleted-panel-{seeded.panel}">' in listed.text and PANEL in listed.text
    assert f"Deleted by {MEMBER} on " in listed.text
    assert admin.post(f"/workspace/deleted/panel/{seeded.panel}/restore", csrf=False).status_code == 403

    restored = admin.post(f"/workspace/deleted/panel/{seeded.panel}/restore")
    assert restored.status_code == 303 and restored.headers["location"] == f"/workspace/panels/{seeded.panel}"
    assert PANEL in visitor.get("/panels").text and PANEL in visitor.get("/api/v1/governance").text
    page = admin.get(f"/workspace/panels/{seeded.panel}").text
    assert page.count("delete-link\" href=\"/workspace/panels/") == 9 + 1 + 1  # 9 members, 1 meeting, the panel
    assert "Nothing has been deleted in the last 30 days." in admin.get("/workspace/deleted").text
    with ws.session() as s:
        log = s.scalars(select(AuditEntry).where(AuditEntry.entity == "panels").order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor, e.after["deleted_at"] is None if e.after else "?") for e in log[-2:]] == [
        ("update", MEMBER, False), ("update", ADMIN, True)]
    audit = admin.get("/workspace/audit").text
    assert f'Restored: panels <code class="wrap-any">{seeded.panel}</code>' in audit
    assert f'Deleted (restorable for 30 days): panels <code class="wrap-any">{seeded.panel}</code>' in audit


def test_restoring_is_refused_after_30_days_and_purge_deletes_for_good(
        ws: Workspace, web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    seeded = seed(ws)
    admin, _ = _people(web, make_user, ws)
    now = datetime.now(UTC)
    with ws.session(accounts.COMMAND_LINE) as s:
        panels.delete_panel(s, seeded.panel, now=now - timedelta(days=31))
        governance.delete_body(s, seeded.lone_body, now=now - timedelta(days=29))
    listed = admin.get("/workspace/deleted").text
    assert f'<li id="deleted-body-{seeded.lone_body}">' in listed and PANEL not in listed
    too_late = admin.post(f"/workspace/deleted/panel/{seeded.panel}/restore")
    assert too_late.status_code == 410 and "more than 30 days ago: it can no longer be restored" in too_late.text
    assert admin.post("/workspace/deleted/panel/999999/restore").status_code == 404
    assert admin.post(f"/workspace/deleted/spaceship/{seeded.panel}/restore").status_code == 404
    assert admin.post(f"/workspace/deleted/body/{seeded.map.csp}/restore").status_code == 404  # not deleted

    # the edge, to the second: restorable until 30 days after the deletion, not at that moment
    deleted_at = now - timedelta(days=3)
    with ws.session(accounts.COMMAND_LINE) as s:
        recommendations.delete_recommendation(s, seeded.recommendation, now=deleted_at)
    with pytest.raises(Gone), ws.session(accounts.COMMAND_LINE) as s:
        deleted.restore(s, deleted.Kind.recommendation, seeded.recommendation, deleted_at + timedelta(days=30))
    with ws.session(accounts.COMMAND_LINE) as s:
        deleted.restore(s, deleted.Kind.recommendation, seeded.recommendation,
                        deleted_at + timedelta(days=30, seconds=-1))

    app = typer.Typer()
    workspace_cli.register(app)
    result = CliRunner().invoke(app, ["workspace", "purge", "--workspace", ws.url])
    assert result.exit_code == 0, result.output
    assert result.output == "purged 1 panel, 0 governance bodies, 0 recommendations\n"
    assert _count(ws, Panel, Panel.id == seeded.panel) == 0
    assert _count(ws, PanelMember, PanelMember.panel_id == seeded.panel) == 0
    assert _count(ws, Meeting, Meeting.panel_id == seeded.panel) == 0
    assert _count(ws, Body, Body.name == PANEL) == 0  # the panel's body goes with it
    assert _count(ws, Body, Body.id == seeded.lone_body) == 1  # 29 days: still restorable
    with ws.session() as s:
        purged = s.scalars(select(AuditEntry).where(AuditEntry.actor == deleted.PURGE.label)).all()
    assert {(e.entity, e.action) for e in purged} >= {("panels", "delete"), ("governance_bodies", "delete")}
    again = CliRunner().invoke(app, ["workspace", "purge", "--workspace", ws.url])
    assert again.output == "purged 0 panels, 0 governance bodies, 0 recommendations\n"


def test_a_body_hides_its_relations_and_memberships_and_a_recommendation_needs_its_bodies(
        ws: Workspace, web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    seeded = seed(ws)
    admin, member = _people(web, make_user, ws)
    csp = seeded.map.csp
    _delete(member, f"/workspace/recommendations/{seeded.recommendation}/delete")
    assert web().get(f"/recommendations/{seeded.recommendation}").status_code == 404
    assert web().get("/api/v1/recommendations").json() == []
    _delete(member, f"/workspace/governance/bodies/{csp}/delete")  # named only by a deleted recommendation now

    with ws.session() as s:
        assert [b.name for b in governance.list_bodies(s)] == [
            "Greenwich Scrutiny Panel", PANEL, "Lone Board", "Mayor's Office for Policing and Crime"]
        assert governance.list_relations(s) == [] and governance.list_memberships(s) == []
    exported = web().get("/api/v1/governance").json()
    assert exported["relations"] == [] and "Safer Greenwich Partnership" not in str(exported)
    assert _count(ws, Relation) == 4 and _count(ws, Membership) == 1  # kept, hidden

    taken = member.post("/workspace/governance/bodies", {"name": "Safer Greenwich Partnership", "kind": "other"})
    assert taken.status_code == 422
    assert "a deleted body is called &#39;Safer Greenwich Partnership&#39;: an admin can restore it" in taken.text

    refused = admin.post(f"/workspace/deleted/recommendation/{seeded.recommendation}/restore")
    assert refused.status_code == 422
    assert "it names Safer Greenwich Partnership, which is deleted: restore Safer Greenwich Partnership first" in \
        refused.text
    assert admin.post(f"/workspace/deleted/body/{csp}/restore").headers["location"] == \
        f"/workspace/governance/bodies/{csp}"
    assert admin.post(f"/workspace/deleted/recommendation/{seeded.recommendation}/restore").status_code == 303
    with ws.session() as s:
        assert len(governance.list_relations(s)) == 4 and len(governance.list_memberships(s)) == 1
        rec = recommendations.get_recommendation(s, seeded.recommendation)
        assert [k.id for k in rec.kpis] == [seeded.kpi]
    assert len(web().get("/api/v1/recommendations").json()) == 1


def test_the_service_refuses_what_cannot_be_deleted_or_restored(ws: Workspace) -> None:
    seeded = seed(ws)
    with pytest.raises(Invalid) as named, ws.session(accounts.COMMAND_LINE) as s:
        governance.delete_body(s, seeded.map.csp)
    assert named.value.message == "Safer Greenwich Partnership is named in recommendations; remove or change them first"
    with ws.session(accounts.COMMAND_LINE) as s:
        assert deleted.recently_deleted(s, datetime.now(UTC)) == []
        with pytest.raises(NotFound, match=f"^no deleted panel {seeded.panel}$"):
            deleted.restore(s, deleted.Kind.panel, seeded.panel, datetime.now(UTC))
    assert _count(ws, Recommendation, Recommendation.deleted_at.is_not(None)) == 0


def test_taking_the_schema_back_past_0008_deletes_what_was_deleted_and_keeps_the_rest(ws: Workspace) -> None:
    seeded = seed(ws)
    with ws.session(accounts.COMMAND_LINE) as s:
        governance.delete_body(s, seeded.lone_body)
    ws.downgrade("0007")
    with ws.engine.connect() as connection:
        names = sorted(connection.exec_driver_sql("SELECT name FROM governance_bodies").scalars())
        members = connection.exec_driver_sql("SELECT count(*) FROM panel_members").scalar()
    assert "Lone Board" not in names  # deleted: it would have come back without its deleted_at
    assert {"Greenwich Scrutiny Panel", "Mayor's Office for Policing and Crime", "Safer Greenwich Partnership"} <= \
        set(names)
    assert members == 9
    ws.upgrade()
    with ws.session() as s:
        assert len(panels.get_panel(s, seeded.panel).members) == 9
