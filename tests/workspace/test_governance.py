"""The governance map: relation rules, the JSON export (API, download and CLI alike), the diagram's layout
and its SVG (one node per body, one edge per relation, escaped), and who may see or change what."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from scrutiny.cli import governance as governance_cli
from scrutiny.workspace import accounts, governance
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.governance_diagram import layers, layout
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.governance import Body, BodyKind, Relation, RelationKind
from tests.workspace.conftest import Browser
from tests.workspace.factories_governance import IMG, SCRIPT, three_bodies

EXPECTED = {
    "bodies": [
        {"id": 1, "name": "Mayor's Office for Policing and Crime", "kind": "policing_and_crime_office",
         "area": "London", "website": "https://www.london.gov.uk/mopac"},
        {"id": 2, "name": "Safer Greenwich Partnership", "kind": "community_safety_partnership", "area": "Greenwich",
         "website": None},
        {"id": 3, "name": "Greenwich Scrutiny Panel", "kind": "scrutiny_panel", "area": "Greenwich", "website": None},
    ],
    "relations": [
        {"id": 1, "source": 2, "target": 1, "kind": "reports_to"},
        {"id": 2, "source": 3, "target": 2, "kind": "reports_to"},
        {"id": 3, "source": 3, "target": 2, "kind": "scrutinises"},
        {"id": 4, "source": 1, "target": 2, "kind": "funds"},
    ],
}


def test_relation_rules_export_and_cli(ws: Workspace, tmp_path: Path) -> None:
    m = three_bodies(ws)
    assert (m.mopac, m.csp, m.panel_body, m.relations) == (1, 2, 3, (1, 2, 3, 4))
    refusals: list[tuple[Callable[..., object], str]] = [
        (lambda s: governance.add_relation(s, m.csp, m.csp, "funds"), "target_id"),
        (lambda s: governance.add_relation(s, m.csp, m.mopac, "reports_to"), "kind"),  # a duplicate
        (lambda s: governance.add_relation(s, m.csp, 99, "funds"), "target_id"),
        (lambda s: governance.add_relation(s, m.csp, m.mopac, "owns"), "kind"),
        (lambda s: governance.create_body(s, "Safer Greenwich Partnership", "other"), "name"),
        (lambda s: governance.create_body(s, "B", "other", website="javascript:alert(1)"), "website"),
        (lambda s: governance.add_membership(s, governance.MembershipFields(
            m.csp, "Sam", since=date(2024, 5, 1), until=date(2024, 4, 30))), "until"),
    ]
    for call, field in refusals:
        with pytest.raises(Invalid) as caught, ws.session(accounts.COMMAND_LINE) as s:
            call(s)
        assert caught.value.field == field
    with ws.session() as s:
        assert governance.export(s) == EXPECTED
    app = typer.Typer()
    governance_cli.register(app)
    app.command("noop")(lambda: None)  # a second command, so `governance` stays a group
    out = tmp_path / "map.json"
    result = CliRunner().invoke(app, ["governance", "export", "--workspace", ws.url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == EXPECTED
    printed = CliRunner().invoke(app, ["governance", "export", "--workspace", ws.url])
    assert json.loads(printed.stdout) == EXPECTED
    with ws.session(accounts.COMMAND_LINE) as s:  # deleting a body takes its relations and memberships with it
        governance.delete_body(s, m.csp)
    with ws.session() as s:
        assert governance.export(s)["relations"] == [] and governance.list_memberships(s) == []


def _body(id: int, name: str, kind: BodyKind) -> Body:
    return Body(id=id, name=name, kind=kind, area="", website=None)


def test_layout_rows_by_reports_to_and_edges_cut_at_the_boxes() -> None:
    bodies = [_body(1, "MOPAC", BodyKind.policing_and_crime_office),
              _body(2, "Safer Greenwich Partnership", BodyKind.community_safety_partnership),
              _body(3, "Panel", BodyKind.scrutiny_panel), _body(4, "Lone board", BodyKind.safer_neighbourhood_board)]
    relations = [Relation(id=1, source_id=2, target_id=1, kind=RelationKind.reports_to),
                 Relation(id=2, source_id=3, target_id=2, kind=RelationKind.reports_to),
                 Relation(id=3, source_id=1, target_id=2, kind=RelationKind.funds),
                 Relation(id=4, source_id=1, target_id=3, kind=RelationKind.reports_to)]  # a cycle: 1 → 3 → 2 → 1
    assert layers(bodies, relations[:3]) == {1: 0, 2: 1, 3: 2, 4: 0}
    # the cycle is cut where it closes, walking from the lowest id: 1 → 3 → 2, whose step back to 1 is dropped
    assert layers(bodies, relations) == {1: 2, 2: 0, 3: 1, 4: 0}
    d = layout(bodies, relations[:3])
    assert (d.width, len(d.nodes), len(d.edges)) == (2 * 20 + 2 * 190 + 30, 4, 3)
    positions = {n.id: (n.x, n.y) for n in d.nodes}
    # row 0 holds MOPAC and the lone board (ordered by kind: policing_and_crime_office < safer_neighbourhood...)
    assert positions == {1: (20, 20), 4: (240, 20), 2: (130, 158), 3: (130, 296)}  # rows centred in 450 px
    reports, funds = d.edges[0], d.edges[2]
    # CSP (centre 225, 187) to MOPAC (centre 115, 49): leaves the CSP's top edge, enters MOPAC's bottom edge,
    # shifted 4 px sideways from the funding line between the same two bodies
    assert (reports.kind, funds.kind) == ("reports_to", "funds")
    assert reports.y1 == pytest.approx(158, abs=4) and reports.y2 == pytest.approx(78, abs=4)
    assert (reports.x1 - funds.x2, reports.y1 - funds.y2) != (0, 0)
    assert d.edges[1].y1 == pytest.approx(296) and d.edges[1].y2 == pytest.approx(216)  # straight down, no shift


def test_pages_api_and_permissions(web: Callable[[], Browser], make_user: Callable[..., User],
                                   ws: Workspace) -> None:
    m = three_bodies(ws, panel_name=SCRIPT)
    b = web()
    public = b.get("/governance")
    assert public.status_code == 200
    assert public.text.count('class="gov-node"') == 3
    assert public.text.count('class="gov-edge gov-edge-') == 4
    assert public.text.count('marker-end="url(#arrow-') == 4 + 4  # the edges and the legend's four samples
    assert SCRIPT not in public.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in public.text
    assert f'href="#body-{m.csp}"' in public.text and f'id="body-{m.csp}"' in public.text
    assert re.search(r'<a href="/api/v1/governance" download="governance.json">', public.text)
    assert "Alex Officeholder" not in public.text
    api = b.get("/api/v1/governance").json()
    assert api["relations"] == EXPECTED["relations"] and [x["id"] for x in api["bodies"]] == [1, 2, 3]
    assert "Alex Officeholder" not in json.dumps(api)

    form = {"name": "Lewisham SNB", "kind": "safer_neighbourhood_board", "area": "Lewisham", "website": ""}
    assert b.post("/workspace/governance/bodies", form).status_code == 401
    reviewer = make_user(Role.reviewer, "rev@example.org")
    rev = web()
    rev.login(reviewer.email)
    inside = rev.get("/workspace/governance")
    assert inside.status_code == 200 and "Alex Officeholder" in inside.text  # names: logged-in users only
    assert rev.post("/workspace/governance/bodies", form).status_code == 403
    member = make_user(Role.panel_member, "member@example.org")
    pm = web()
    pm.login(member.email)
    assert pm.post("/workspace/governance/bodies", form, csrf=False).status_code == 403
    bad = pm.post("/workspace/governance/bodies", {**form, "website": "javascript:alert(1)"})
    assert bad.status_code == 422 and 'id="e-website"' in bad.text
    assert pm.post("/workspace/governance/bodies", {**form, "name": IMG}).status_code == 303
    self_loop = pm.post("/workspace/governance/relations", {"source_id": "4", "target_id": "4", "kind": "funds"})
    assert self_loop.status_code == 422 and "cannot be related to itself" in self_loop.text
    assert pm.post("/workspace/governance/relations",
                   {"source_id": "4", "target_id": str(m.mopac), "kind": "reports_to"}).status_code == 303
    assert pm.post("/workspace/governance/memberships", {"body_id": "4", "person_name": SCRIPT, "role": "chair",
                                                         "since": "2024-01-01", "until": ""}).status_code == 303
    page = pm.get("/workspace/governance").text
    assert IMG not in page and SCRIPT not in page and page.count('class="gov-node"') == 4
    assert pm.post("/workspace/governance/relations/5/delete").status_code == 200  # the confirmation page: kept
    assert pm.post("/workspace/governance/relations/5/delete", {"confirm": "yes"}).status_code == 303
    assert rev.post(f"/workspace/governance/bodies/{m.csp}/delete", {"confirm": "yes"}).status_code == 403
    with ws.session() as s:
        assert [r["id"] for r in governance.export(s)["relations"]] == [1, 2, 3, 4]
        assert [x.person_name for x in governance.list_memberships(s, 4)] == [SCRIPT]
