"""Every delete or remove of the workspace takes two steps (scrutiny.web.workspace.confirm): the confirmation page
says what goes, and only a POST carrying `confirm=yes` (and the CSRF token, from a panel member) deletes. A POST
straight to the address shows the confirmation page and deletes nothing. On SQLite and PostgreSQL.

The words expected on each page are written from the seeded records (tests/workspace/factories_deleting.py), not
read from the code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from markupsafe import escape
from sqlalchemy import select

from scrutiny.web import create_app, get_settings
from scrutiny.workspace import governance, panels, recommendations, strategy
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.diversion import cases
from scrutiny.workspace.models.accounts import AuditEntry, Role, User
from tests.workspace.conftest import Browser
from tests.workspace.factories_deleting import Seeded, seed
from tests.workspace.factories_governance import keeps_every_panel

# Written out by hand: every delete and remove address of the workspace.
DELETE_ROUTES = {
    "/workspace/panels/{panel_id}/delete", "/workspace/panels/{panel_id}/members/{member_id}/delete",
    "/workspace/panels/{panel_id}/meetings/{meeting_id}/delete", "/workspace/governance/bodies/{body_id}/delete",
    "/workspace/governance/relations/{relation_id}/delete", "/workspace/governance/memberships/{membership_id}/delete",
    "/workspace/recommendations/{recommendation_id}/delete",
    "/workspace/recommendations/{recommendation_id}/kpis/{kpi_id}/delete",
    "/workspace/strategy/{priority_id}/indicators/{indicator_id}/delete",
    "/workspace/diversion/{case_id}/recontacts/{recontact_id}/delete",
}

# What each confirmation page must say (before escaping), what it deletes (audit entity, action), and where the
# confirmed delete goes next.
EXPECTED: dict[str, tuple[list[str], str, str, str]] = {
    "panel": (["the panel Greenwich Stop and Search Panel", "its 9 members and 1 meeting",
               "An admin can restore it"], "panels", "update", "/workspace/panels"),
    "member": (["Young One (member) from Greenwich Stop and Search Panel", "This cannot be undone."],
               "panel_members", "delete", "/workspace/panels/{panel}#members"),
    "meeting": (["the meeting “Quarterly meeting” of 04 March 2025 of Greenwich Stop and Search Panel",
                 "This cannot be undone."], "panel_meetings", "delete", "/workspace/panels/{panel}#meetings"),
    "body": (["the body Lone Board", "no relations to other bodies", "no memberships (people's roles on it)",
              "An admin can restore it"], "governance_bodies", "update", "/workspace/governance#bodies"),
    "relation": (["the relation “Safer Greenwich Partnership reports to Mayor's Office for Policing and Crime”",
                  "This cannot be undone."], "governance_relations", "delete", "/workspace/governance#relations"),
    "membership": (["Alex Officeholder's role as chair on Safer Greenwich Partnership", "This cannot be undone."],
                   "governance_memberships", "delete", "/workspace/governance#memberships"),
    "recommendation": (["“Publish body-worn video reviews”", "its response and status, and 1 linked figure",
                        "An admin can restore it"], "recommendations", "update", "/workspace/recommendations"),
    "kpi": (["the figure “Share of searches for drugs” (metropolitan, 2024-01 to 2024-12)", "This cannot be undone."],
            "recommendation_kpis", "delete", "/workspace/recommendations/{recommendation}"),
    "indicator": (["of the priority “Fewer searches of children”", "This cannot be undone."],
                  "strategy_indicators", "delete", "/workspace/strategy/{priority}#indicators"),
    "recontact": (["the police re-contact of 01 June 2024 (arrest) recorded on case", "This cannot be undone."],
                  "diversion_recontacts", "delete", "/workspace/diversion/{case}#recontacts"),
}


def present(ws: Workspace, seeded: Seeded, kind: str) -> bool:
    """Whether the record is still there, as the workspace's own services see it."""
    with ws.session() as s:
        if kind == "panel":
            return seeded.panel in [p.id for p in panels.list_panels(s)]
        if kind == "member":
            return seeded.member in [m.id for m in panels.get_panel(s, seeded.panel).members]
        if kind == "meeting":
            return seeded.meeting in [m.id for m in panels.get_panel(s, seeded.panel).meetings]
        if kind == "body":
            return seeded.lone_body in [b.id for b in governance.list_bodies(s)]
        if kind == "relation":
            return seeded.map.relations[0] in [r.id for r in governance.list_relations(s)]
        if kind == "membership":
            return seeded.membership in [m.id for m in governance.list_memberships(s)]
        if kind == "recommendation":
            return seeded.recommendation in [r.id for r in recommendations.list_recommendations(
                s, recommendations.london_today())]
        if kind == "kpi":
            return seeded.kpi in [k.id for k in recommendations.get_recommendation(s, seeded.recommendation).kpis]
        if kind == "indicator":
            return seeded.indicator in [i.id for i in strategy.get_priority(s, seeded.priority).indicators]
        return seeded.recontact in [r.id for r in cases.get_case(s, seeded.case).recontacts]


def test_every_delete_address_has_its_confirmation_page(tmp_path: Path) -> None:
    app = create_app(get_settings(tmp_path / "none.duckdb", workspace_url=f"sqlite:///{tmp_path / 'ws.sqlite'}"))
    methods: dict[str, set[str]] = {}
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            methods.setdefault(context.path, set()).update(context.original_route.methods or ())
    deletes = {path for path, verbs in methods.items() if "POST" in verbs and path.endswith("/delete")}
    assert deletes == DELETE_ROUTES
    assert [path for path in sorted(deletes) if "GET" not in methods[path]] == []


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_a_delete_asks_first_and_only_the_confirmed_post_deletes(
        kind: str, ws: Workspace, web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    seeded = seed(ws)
    url = seeded.destructive()[kind]
    words, entity, action, done = EXPECTED[kind]
    member = keeps_every_panel(ws, make_user(Role.panel_member, f"member-{kind}@example.org"))
    pm, rev = web(), web()
    pm.login(member.email)
    rev.login(make_user(Role.reviewer).email)

    asked = pm.get(url)
    assert asked.status_code == 200
    for line in words:
        assert str(escape(line)) in asked.text, line
    assert f'<form method="post" action="{url}" class="confirm-actions">' in asked.text
    assert '<input type="hidden" name="confirm" value="yes">' in asked.text
    assert '<input type="hidden" name="csrf_token" value="' in asked.text

    straight = pm.post(url)  # a one-click form, a stale bookmark: the page again, nothing deleted
    assert straight.status_code == 200 and '<input type="hidden" name="confirm" value="yes">' in straight.text
    assert pm.post(url, {"confirm": "no"}).status_code == 200
    assert pm.post(url, {"confirm": "yes"}, csrf=False).status_code == 403
    assert rev.post(url, {"confirm": "yes"}).status_code == 403
    assert rev.get(url).status_code == 403
    assert present(ws, seeded, kind)

    done_url = done.format(panel=seeded.panel, recommendation=seeded.recommendation, priority=seeded.priority,
                           case=seeded.case)
    confirmed = pm.post(url, {"confirm": "yes"})
    assert confirmed.status_code == 303 and confirmed.headers["location"] == done_url
    assert not present(ws, seeded, kind)
    with ws.session() as s:
        logged = s.scalars(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.actor == member.email)
                           .order_by(AuditEntry.id)).all()
    assert [e.action for e in logged] == [action]
    if action == "update":  # kept, marked deleted, restorable
        assert logged[0].before is not None and logged[0].before["deleted_at"] is None
        assert logged[0].after is not None and logged[0].after["deleted_at"] is not None
    assert pm.get(url).status_code == 404  # gone: nothing left to confirm


def test_a_delete_the_service_refuses_says_why_before_the_button(
        ws: Workspace, web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    seeded = seed(ws)
    pm = web()
    pm.login(make_user(Role.panel_member).email)
    url = f"/workspace/governance/bodies/{seeded.map.csp}/delete"  # the recommendation is made to the CSP
    asked = pm.get(url)
    assert asked.status_code == 200
    assert "Safer Greenwich Partnership is named in recommendations; remove or change them first" in asked.text
    assert 'name="confirm"' not in asked.text  # no button to press
    refused = pm.post(url, {"confirm": "yes"})
    assert refused.status_code == 422 and "named in recommendations" in refused.text
    with ws.session() as s:
        assert seeded.map.csp in [b.id for b in governance.list_bodies(s)]
