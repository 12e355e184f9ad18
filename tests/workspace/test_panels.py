"""Panels: validation, membership counts (suppressed below 5 on public pages, never names), the public
directory and page, the workspace forms' permissions, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from scrutiny.workspace import accounts, panels
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import Role, User
from tests.workspace.conftest import Browser
from tests.workspace.factories_governance import IMG, MEMBERS, SCRIPT, panel_with_members


def test_composition_counts_suppression_and_refusals(ws: Workspace) -> None:
    panel_id = panel_with_members(ws)
    with ws.session() as s:
        panel = panels.get_panel(s, panel_id)
        found = panels.composition(list(panel.members))
        assert panel.contact_email == "panel@example.org" and panel.area_code == "E09000011"
    assert found.total == 9 and found.under_25 == 3
    assert found.by_age_band == {"under 18": 2, "18-24": 1, "25-34": 5, "35-44": 0, "45-54": 0, "55-64": 0,
                                 "65+": 0, "not stated": 1}
    assert found.by_community == {"Black Caribbean": 6, "not stated": 1, "Somali": 1, "Turkish": 1}
    check_refusals(ws, panel_id)
    with ws.session() as s:  # nothing the refusals tried was kept
        panel = panels.get_panel(s, panel_id)
        assert (panel.name, len(panel.members), len(panel.meetings)) == ("Greenwich Stop and Search Panel", 9, 1)
    # published (docs/disclosure.md): each band rounded to 5 (2, 1, 1 -> 0, shown "<5"; 5 -> 5), and the total
    # and the under-25s summed from the rounded bands (0 + 0 + 5 + 0 = 5, not the true 9; 0 + 0 with a true 3)
    assert found.public() == {
        "total": 5, "under_25": "<5",
        "by_age_band": {"under 18": "<5", "18-24": "<5", "25-34": 5, "35-44": 0, "45-54": 0, "55-64": 0,
                        "65+": 0, "not stated": "<5"},
        "by_community": {"Black Caribbean": 5, "not stated": "<5", "Somali": "<5", "Turkish": "<5"},
    }


INVALID: list[tuple[Callable[..., object], str]] = [
    (lambda s, p: panels.add_meeting(s, p, date(2025, 1, 1), "x", "javascript:alert(1)"), "minutes_url"),
    (lambda s, p: panels.add_meeting(s, p, date(2025, 1, 1), "x", " JavaScript:alert(1)"), "minutes_url"),
    (lambda s, p: panels.add_meeting(s, p, date(2025, 1, 1), "x", "data:text/html,hi"), "minutes_url"),
    (lambda s, p: panels.add_meeting(s, p, None, "x", None), "held_on"),
    (lambda s, p: panels.add_member(s, p, "A", "teenager"), "age_band"),
    (lambda s, p: panels.add_member(s, p, "  ", "18-24"), "name"),
    (lambda s, p: panels.update_panel(s, p, panels.PanelFields("P", "Greenwich", area_code="G123")), "area_code"),
    (lambda s, p: panels.update_panel(s, p, panels.PanelFields("P", "G", website="ftp://x.org")), "website"),
    (lambda s, p: panels.update_panel(s, p, panels.PanelFields("P", "G", contact_email="nope")), "contact_email"),
    (lambda s, p: panels.update_panel(s, p, panels.PanelFields("", "G")), "name"),
]


def check_refusals(ws: Workspace, panel_id: int) -> None:
    for call, field in INVALID:
        with pytest.raises(Invalid) as caught, ws.session(accounts.COMMAND_LINE) as s:
            call(s, panel_id)
        assert caught.value.field == field


def test_public_pages_show_counts_not_names(web: Callable[[], Browser], ws: Workspace) -> None:
    panel_id = panel_with_members(ws)
    b = web()
    directory = b.get("/panels")
    assert directory.status_code == 200
    assert 'href="mailto:panel@example.org"' in directory.text and "Write to us." in directory.text
    page = b.get(f"/panels/{panel_id}")
    assert page.status_code == 200
    assert '<strong id="under-25">&lt;5</strong>' in page.text
    assert '<th scope="row">25-34</th><td class="num">5</td>' in page.text
    assert '<th scope="row">Somali</th><td class="num">&lt;5</td>' in page.text
    assert "https://panel.example.org/m1.pdf" in page.text and "2025-03-04" in page.text
    api = b.get(f"/api/v1/panels/{panel_id}").json()
    assert api["composition"]["by_age_band"]["under 18"] == "<5" and api["composition"]["total"] == 5
    for name, _, _ in MEMBERS:
        assert name not in page.text and name not in directory.text and name not in str(api)
    with ws.session(accounts.COMMAND_LINE) as s:
        hostile = panels.create_panel(s, panels.PanelFields(SCRIPT, IMG, terms_of_reference=SCRIPT,
                                                            how_to_join=IMG))
    assert {p["name"] for p in b.get("/api/v1/panels").json()} == {"Greenwich Stop and Search Panel", SCRIPT}
    for url in ("/panels", f"/panels/{hostile.id}"):
        text = b.get(url).text
        assert SCRIPT not in text and IMG not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_workspace_forms_and_their_refusals(web: Callable[[], Browser], make_user: Callable[..., User],
                                            ws: Workspace) -> None:
    member = make_user(Role.panel_member, "member@example.org")
    reviewer = make_user(Role.reviewer, "rev@example.org")
    form = {"name": "Lewisham Panel", "area_name": "Lewisham", "kind": "monitoring_group", "area_code": "e09000023",
            "contact_email": "", "website": "", "terms_of_reference": "", "how_to_join": ""}
    outsider = web()
    assert outsider.post("/workspace/panels", form).status_code == 401
    rev = web()
    rev.login(reviewer.email)
    assert rev.get("/workspace/panels").status_code == 200
    assert rev.post("/workspace/panels", form).status_code == 403
    b = web()
    b.login(member.email)
    assert b.post("/workspace/panels", form, csrf=False).status_code == 403
    made = b.post("/workspace/panels", form)
    assert made.status_code == 303
    panel_url = made.headers["location"]
    panel_id = int(panel_url.rsplit("/", 1)[1])
    assert rev.post(f"{panel_url}/members", {"member_name": "X", "age_band": "18-24"}).status_code == 403
    refused = b.post(f"{panel_url}/meetings", {"held_on": "2025-02-01", "title": "t",
                                               "minutes_url": "javascript:alert(document.cookie)"})
    assert refused.status_code == 422
    assert 'id="e-minutes_url"' in refused.text and "http:// or https://" in refused.text
    assert b.post(f"{panel_url}/members", {"member_name": SCRIPT, "role": IMG, "community": "Tamil",
                                          "age_band": "18-24"}).status_code == 303
    assert b.post(f"{panel_url}/meetings", {"held_on": "2025-02-01", "title": IMG,
                                           "minutes_url": "https://lewisham.example/m.pdf"}).status_code == 303
    edit = b.get(panel_url)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in edit.text and SCRIPT not in edit.text
    assert IMG not in edit.text
    with ws.session() as s:
        panel = panels.get_panel(s, panel_id)
        assert (panel.kind.value, panel.area_code, len(panel.members), len(panel.meetings)) == (
            "monitoring_group", "E09000023", 1, 1)
        member_id = panel.members[0].id
    public = b.get(f"/panels/{panel_id}")
    assert SCRIPT not in public.text and "&lt;script&gt;" not in public.text  # names are never published
    assert '<th scope="row">Tamil</th><td class="num">&lt;5</td>' in public.text
    assert b.post(f"{panel_url}/members/{member_id}/delete").status_code == 200  # the confirmation page: kept
    assert b.post(f"{panel_url}/members/{member_id}/delete", {"confirm": "yes"}).status_code == 303
    with ws.session() as s:
        assert panels.get_panel(s, panel_id).members == []

