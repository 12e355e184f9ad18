"""A panel is a governance body (issue 21): entered once, on the map at once, one form for both; migration 0009
turns existing panels into bodies without duplicating a body entered by hand; recommendations name bodies from
a list, KPIs and indicators take figures, forces and areas from lists, and a forged choice is refused by name.
SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import text

from scrutiny.workspace import accounts, governance, panels, recommendations, strategy
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.diversion.kpis import CaseRecord
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.strategy import IndicatorMetric, TargetDirection
from tests.workspace.conftest import Browser
from tests.workspace.factories_governance import SCRIPT, recommendation, three_bodies

GREENWICH = panels.PanelFields(name="Greenwich Stop and Search Panel", area_name="Greenwich", area_code="E09000011",
                               website="https://panel.example.org", kind="monitoring_group")


def _bodies(ws: Workspace) -> list[tuple[str, str, str, str | None]]:
    with ws.session() as s:
        return [(b.name, b.kind.value, b.area, b.website) for b in governance.list_bodies(s)]


def test_a_panel_is_one_record_with_its_body(ws: Workspace) -> None:
    with ws.session(accounts.COMMAND_LINE) as s:
        panel = panels.create_panel(s, GREENWICH)
        panel_id, body_id = panel.id, panel.body_id
    assert _bodies(ws) == [("Greenwich Stop and Search Panel", "monitoring_group", "Greenwich",
                            "https://panel.example.org")]
    with ws.session() as s:
        assert governance.export(s)["bodies"] == [{"id": body_id, "name": "Greenwich Stop and Search Panel",
                                                   "kind": "monitoring_group", "area": "Greenwich",
                                                   "website": "https://panel.example.org"}]
    with ws.session(accounts.COMMAND_LINE) as s:  # the panel's form changes the body
        panels.update_panel(s, panel_id, panels.PanelFields(name="Greenwich Panel", area_name="Royal Greenwich",
                                                            kind="scrutiny_panel"))
    assert _bodies(ws) == [("Greenwich Panel", "scrutiny_panel", "Royal Greenwich", None)]
    with ws.session(accounts.COMMAND_LINE) as s:  # and a change to the body is the panel's
        governance.update_body(s, body_id, "Greenwich Community Panel", "monitoring_group", "Greenwich",
                               "https://g.example.org")
    with ws.session() as s:
        found = panels.get_panel(s, panel_id)
        assert (found.name, found.kind.value, found.area_name, found.website, found.area_code) == (
            "Greenwich Community Panel", "monitoring_group", "Greenwich", "https://g.example.org", None)
        assert [p.id for p in panels.list_panels(s)] == [panel_id]


def test_what_the_map_refuses_for_a_panel(ws: Workspace) -> None:
    m = three_bodies(ws)
    with ws.session(accounts.COMMAND_LINE) as s:
        panel = panels.panel_of_body(s, m.panel_body)
        assert panel is not None and panel.name == "Greenwich Scrutiny Panel"
        panel_id = panel.id
    refusals: list[tuple[Callable[[Any], object], str, str]] = [
        (lambda s: governance.create_body(s, "Lewisham Panel", "scrutiny_panel"), "kind", "Panels page"),
        (lambda s: governance.create_body(s, "Lewisham Group", "monitoring_group"), "kind", "Panels page"),
        (lambda s: governance.update_body(s, m.csp, "Safer Greenwich Partnership", "scrutiny_panel"), "kind",
         "Panels page"),
        (lambda s: governance.update_body(s, m.panel_body, "Greenwich Scrutiny Panel", "police"), "kind",
         "is a panel"),
        (lambda s: governance.delete_body(s, m.panel_body), "body", "delete it on its panel page"),
        (lambda s: panels.create_panel(s, panels.PanelFields("Safer Greenwich Partnership", "Greenwich")), "name",
         "already a body called 'Safer Greenwich Partnership'"),
        (lambda s: panels.update_panel(s, panel_id, panels.PanelFields("Safer Greenwich Partnership", "Greenwich")),
         "name", "already a body called"),
    ]
    for call, field, words in refusals:
        with pytest.raises(Invalid) as caught, ws.session(accounts.COMMAND_LINE) as s:
            call(s)
        assert (caught.value.field, words in caught.value.message) == (field, True), caught.value
    recommendation(ws, m.panel_body, m.csp, made_on=date(2025, 1, 1), due=None)
    with pytest.raises(Invalid) as caught, ws.session(accounts.COMMAND_LINE) as s:
        panels.delete_panel(s, panel_id)
    assert caught.value.message == "Greenwich Scrutiny Panel is named in recommendations; remove or change them first"
    with ws.session(accounts.COMMAND_LINE) as s:  # a panel named nowhere goes with its body, relations and all
        other = panels.create_panel(s, panels.PanelFields("Lewisham Panel", "Lewisham"))
        governance.add_relation(s, other.body_id, m.csp, "scrutinises")
        other_id = other.id
    with ws.session(accounts.COMMAND_LINE) as s:
        panels.delete_panel(s, other_id)
    with ws.session() as s:
        assert "Lewisham Panel" not in {b.name for b in governance.list_bodies(s)}
        assert len(governance.list_relations(s)) == 4  # three_bodies' four, the Lewisham one gone


def test_a_recommendation_made_by_a_panel_is_that_panels(ws: Workspace) -> None:
    m = three_bodies(ws)
    made = recommendation(ws, m.panel_body, m.csp, made_on=date(2025, 1, 1), due=None)
    other = recommendation(ws, m.csp, m.mopac, made_on=date(2025, 1, 1), due=None)
    with ws.session() as s:
        panel = panels.panel_of_body(s, m.panel_body)
        assert panel is not None
        assert recommendations.get_recommendation(s, made).panel_id == panel.id
        assert recommendations.get_recommendation(s, other).panel_id is None


def test_the_forms_one_record_and_lists(web: Callable[[], Browser], make_user: Callable[..., User],
                                        ws: Workspace) -> None:
    m = three_bodies(ws)
    b = web()
    b.login(make_user(Role.panel_member).email)
    made = b.post("/workspace/panels", {"name": "Lewisham Panel", "area_name": "Lewisham", "kind": "scrutiny_panel",
                                        "area_code": "", "contact_email": "", "website": "",
                                        "terms_of_reference": "", "how_to_join": ""})
    assert made.status_code == 303
    panel_url = made.headers["location"]
    with ws.session() as s:
        panel = panels.get_panel(s, int(panel_url.rsplit("/", 1)[1]))
        body_id = panel.body_id
    assert ("Lewisham Panel", "scrutiny_panel", "Lewisham", None) in _bodies(ws)
    assert f'href="/workspace/governance/bodies/{body_id}" id="panel-body"' in b.get(panel_url).text
    body_page = b.get(f"/workspace/governance/bodies/{body_id}").text
    assert f'<a href="{panel_url}">its panel page</a>' in body_page
    assert f'action="/workspace/governance/bodies/{body_id}"' not in body_page  # no second form for it
    gov = b.get("/workspace/governance").text
    kinds = re.search(r'<select id="f-kind" name="kind">(.*?)</select>', gov, re.S)
    assert kinds is not None and 'value="scrutiny_panel"' not in kinds.group(1)
    assert 'value="monitoring_group"' not in kinds.group(1) and 'id="panels-here"' in gov
    forged = b.post("/workspace/governance/bodies", {"name": "Sneaky Panel", "kind": "scrutiny_panel", "area": ""})
    assert forged.status_code == 422 and "Panels page" in forged.text

    # recommendations: the bodies from a list, panels first, and a forged id refused naming the field
    page = b.get("/workspace/recommendations").text
    made_by = re.search(r'<select id="f-from_body_id" name="from_body_id"[^>]*>(.*?)</select>', page, re.S)
    assert made_by is not None
    assert re.findall(r'<optgroup label="([^"]+)">', made_by.group(1)) == [
        "Local Policing Scrutiny Panel", "Community Safety Partnership", "Policing and crime office (e.g. MOPAC)"]
    assert (f'<optgroup label="Local Policing Scrutiny Panel"><option value="{m.panel_body}">Greenwich Scrutiny '
            f'Panel</option><option value="{body_id}">Lewisham Panel</option></optgroup>') in made_by.group(1)
    form = {"text": "Publish the grounds", "from_body_id": "999999", "to_body_id": str(m.csp), "panel_id": "",
            "made_on": "2025-04-01", "response_due": ""}
    refused = b.post("/workspace/recommendations", form)
    assert refused.status_code == 422
    assert ('<p class="field-error" id="e-from_body_id" role="alert">there is no body 999999: choose one of the '
            'listed bodies</p>') in refused.text
    bad = b.post("/workspace/recommendations", {**form, "from_body_id": "1 OR 1=1"})
    assert bad.status_code == 422 and 'id="e-from_body_id"' in bad.text
    done = b.post("/workspace/recommendations", {**form, "from_body_id": str(body_id)})
    assert done.status_code == 303
    rec_url = done.headers["location"]

    # KPIs: the catalogue under headings with plain labels, forces and areas from lists
    edit = b.get(rec_url).text
    metric = re.search(r'<select id="f-metric" name="metric"[^>]*>(.*?)</select>', edit, re.S)
    assert metric is not None
    assert re.findall(r'<optgroup label="([^"]+)">', metric.group(1)) == list(recommendations.KPI_GROUPS)
    offered = re.findall(r'<option value="([^"]+)"', metric.group(1))
    assert sorted(offered) == sorted(recommendations.KPIS) and len(offered) == len(recommendations.KPIS) == 72
    assert '<option value="object_groups.drugs.share" selected>Share of searches for drugs</option>' in metric.group(1)
    assert '<option value="use_of_force.taser.fired_share">Taser: share of uses where it was fired</option>' in edit
    force = re.search(r'<select id="f-force" name="force"[^>]*>(.*?)</select>', edit, re.S)
    assert force is not None
    forces = re.findall(r'<option value="([^"]*)"', force.group(1))
    assert forces[0] == "all" and len(forces) == 46 and "metropolitan" in forces and "btp" in forces
    area = re.search(r'<select id="f-area_code" name="area_code"[^>]*>(.*?)</select>', edit, re.S)
    assert area is not None
    assert '<option value="" selected>The whole force</option>' in area.group(1)
    assert len(re.findall(r'<option value="[EW]\d{8}"', area.group(1))) == 331
    assert '<optgroup label="Kent Police"><option value="E07000105">Ashford</option>' in area.group(1)

    kpi = {"metric": "object_groups.drugs.share", "force": "metropolitan", "area_code": "", "start": "2024-01",
           "end": "2024-06"}
    for changes, field, words in (
            ({"metric": "object_groups.drugs.nope"}, "metric", "'object_groups.drugs.nope' is not one of the listed "
                                                               "figures"),
            ({"force": "atlantis"}, "force", "unknown force 'atlantis'"),
            ({"force": "metropolitn"}, "force", "did you mean metropolitan?"),
            ({"force": SCRIPT}, "force", f"unknown force {SCRIPT!r}"),  # and escaped: see below
            ({"area_code": "E08000025"}, "area_code", "Birmingham is policed by West Midlands Police, not "
                                                      "Metropolitan Police Service"),
            ({"area_code": "E09999999"}, "area_code", "'E09999999' is not one of the listed local authorities"),
            ({"force": "btp", "area_code": "E09000022"}, "area_code", "not British Transport Police"),
            ({"end": "2023-12"}, "end", "the first month 2024-01 is after the last 2023-12")):
        answer = b.post(f"{rec_url}/kpis", {**kpi, **changes})
        assert answer.status_code == 422, changes
        error = re.search(rf'<p class="field-error" id="e-{field}" role="alert">(.*?)</p>', answer.text, re.S)
        assert error is not None and words in html.unescape(error.group(1)), changes
        assert "scrutiny forces" not in answer.text and SCRIPT not in answer.text
    assert b.post(f"{rec_url}/kpis", {**kpi, "area_code": "E09000022"}).status_code == 303
    assert b.post(f"{rec_url}/kpis", {**kpi, "force": "all", "area_code": "e08000025"}).status_code == 303
    shown = b.get(rec_url).text
    assert "<td>Metropolitan Police Service, Lambeth (E09000022), 2024-01 to 2024-06</td>" in shown
    assert "<td>All forces, Birmingham (E08000025), 2024-01 to 2024-06</td>" in shown
    with ws.session() as s:
        rec_id = int(rec_url.rsplit("/", 1)[1])
        assert [(k.metric, k.force, k.area_code) for k in recommendations.get_recommendation(s, rec_id).kpis] == [
            ("object_groups.drugs.share", "metropolitan", "E09000022"),
            ("object_groups.drugs.share", "all", "E08000025")]
    public = b.get(f"/recommendations/{rec_id}").text
    assert "<td>Metropolitan Police Service, Lambeth (E09000022), 2024-01 to 2024-06</td>" in public


def test_indicator_force_and_area_lists(web: Callable[[], Browser], make_user: Callable[..., User],
                                        ws: Workspace) -> None:
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as s:
        priority_id = strategy.create_priority(s, "Drugs", "", "2024-01", "2024-03").id
    b = web()
    b.login(member.email)
    page = b.get(f"/workspace/strategy/{priority_id}").text
    force = re.search(r'<select id="f-force" name="force"[^>]*>(.*?)</select>', page, re.S)
    area = re.search(r'<select id="f-area" name="area"[^>]*>(.*?)</select>', page, re.S)
    assert force is not None and area is not None
    assert re.findall(r'<option value="([^"]*)"', force.group(1))[:3] == ["", "all", "avon-and-somerset"]
    assert '<optgroup label="Metropolitan Police Service">' in area.group(1)
    url = f"/workspace/strategy/{priority_id}/indicators"
    base = {"metric": "drugs_share", "direction": "at_most", "target": "40%", "force": "kent", "area": ""}
    for changes, field, words in (({"force": "kentt"}, "force", "did you mean kent or gwent?"),
                                  ({"force": ""}, "force", "choose a force from the list"),
                                  ({"area": "E09000022"}, "area", "Lambeth is policed by Metropolitan Police Service, "
                                                                  "not Kent Police"),
                                  ({"area": "Medway"}, "area", "'MEDWAY' is not one of the listed local authorities")):
        answer = b.post(url, {**base, **changes})
        assert answer.status_code == 422, changes
        error = re.search(rf'<p class="field-error" id="e-{field}" role="alert">(.*?)</p>', answer.text, re.S)
        assert error is not None and words in html.unescape(error.group(1)), changes
        assert "scrutiny forces" not in answer.text
    assert b.post(url, {**base, "area": "E06000035"}).status_code == 303
    assert b.post(url, {**base, "metric": "diversion_completion", "target": "50%", "force": "",
                        "area": "E06000001"}).status_code == 303  # Hartlepool
    with ws.session() as s:
        priority = strategy.get_priority(s, priority_id)
        assert [(i.force, i.area, strategy.describe_scope(i)) for i in priority.indicators] == [
            ("kent", "E06000035", "Kent Police, Medway (E06000035)"),
            ("", "E06000001", "diversion cases in Hartlepool (E06000001)")]
        # a case's borough matches the area's authority by name, as the diversion records type it
        jan = (date(2024, 1, 10), True, date(2024, 1, 20), "education course")
        cases = [CaseRecord("White", "18-24", "hartlepool", *jan, "yes"),
                 CaseRecord("White", "18-24", "Medway", *jan, "no")]
        row = strategy.progress(priority, lambda scope: {}, cases, date(2025, 1, 1), public=False)[1]
    assert (row.whole.numerator, row.whole.denominator) == (1, 1)


def test_the_service_refuses_forged_scopes(ws: Workspace) -> None:
    with ws.session(accounts.COMMAND_LINE) as s:
        priority_id = strategy.create_priority(s, "Drugs", "", "2024-01", "2024-03").id
    for force, area, field in (("atlantis", None, "force"), ("kent", "E09000022", "area"), ("all", "X1", "area")):
        with pytest.raises(Invalid) as caught, ws.session(accounts.COMMAND_LINE) as s:
            strategy.add_indicator(s, priority_id, IndicatorMetric.find_rate, TargetDirection.at_least, 0.2, force,
                                   area)
        assert caught.value.field == field and "scrutiny forces" not in caught.value.message
    with pytest.raises(Invalid) as caught:
        recommendations.check_kpi(recommendations.KpiFields("searches", "surry", "2024-01", "2024-02"))
    assert caught.value.field == "force" and caught.value.message == (
        "unknown force 'surry': did you mean surrey? expected a data.police.uk force id such as metropolitan or "
        "west-midlands (every id is in catalog/forces.csv and at /api/v1/forces)")


# ---- migration 0009 ---------------------------------------------------------------------------------------

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _insert(connection: Any, table: str, **values: Any) -> int:
    names = ", ".join(values)
    marks = ", ".join(f":{n}" for n in values)
    return int(connection.execute(text(f"INSERT INTO {table} ({names}, created_at) VALUES ({marks}, :created_at) "
                                       "RETURNING id"), {**values, "created_at": NOW}).scalar_one())


def _seed_0008(ws: Workspace) -> dict[str, int]:
    """At 0008: a panel entered twice (a body of the exact name and one differing in case, each with relations,
    the second with an office holder and a recommendation), a panel entered once, a panel-kind body with no
    panel, and a body of its own."""
    with ws.engine.begin() as c:
        ids = {"mopac": _insert(c, "governance_bodies", name="MOPAC", kind="policing_and_crime_office", area="London",
                                website=None)}
        ids["exact"] = _insert(c, "governance_bodies", name="Greenwich Stop and Search Panel", kind="other", area="",
                               website="https://old.example.org")
        ids["cased"] = _insert(c, "governance_bodies", name="greenwich  stop and search panel", kind="other",
                               area="Greenwich", website=None)
        ids["lone_body"] = _insert(c, "governance_bodies", name="Bexley Scrutiny Panel", kind="scrutiny_panel",
                                   area="Bexley", website=None)
        for source, target, kind in (("exact", "mopac", "reports_to"), ("cased", "mopac", "reports_to"),
                                     ("cased", "mopac", "scrutinises"), ("cased", "exact", "member_of"),
                                     ("mopac", "cased", "funds")):
            _insert(c, "governance_relations", source_id=ids[source], target_id=ids[target], kind=kind)
        _insert(c, "governance_memberships", body_id=ids["cased"], person_name="Alex Chair", organisation="",
                role="chair", since=None, until=None)
        ids["panel"] = _insert(c, "panels", name="Greenwich Stop and Search Panel", kind="scrutiny_panel",
                               area_name="Greenwich", area_code="E09000011", terms_of_reference="We scrutinise.",
                               contact_email=None, website=None, how_to_join="")
        ids["new_panel"] = _insert(c, "panels", name="Lewisham Monitoring Group", kind="monitoring_group",
                                   area_name="Lewisham", area_code=None, terms_of_reference="", contact_email=None,
                                   website="https://lewisham.example.org", how_to_join="Write to us.")
        for _ in range(3):
            _insert(c, "panel_members", panel_id=ids["panel"], name="Member", role="member", community="",
                    age_band="under_18")
        _insert(c, "panel_meetings", panel_id=ids["panel"], held_on=date(2025, 3, 4), title="Quarterly",
                minutes_url=None)
        ids["rec"] = _insert(c, "recommendations", text="Publish", from_body_id=ids["cased"], to_body_id=ids["mopac"],
                             panel_id=ids["panel"], made_on=date(2025, 1, 1), response_due=None, response_text=None,
                             responded_on=None, status="open")
    return ids


def _rows(ws: Workspace, sql: str) -> list[tuple[Any, ...]]:
    with ws.engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql))]


def test_the_migration_makes_panels_bodies_without_duplicates(empty_workspace_url: str) -> None:
    ws = Workspace(empty_workspace_url)
    ws.upgrade("0008")
    ids = _seed_0008(ws)
    ws.upgrade("0009")
    exact, cased, mopac, lone = ids["exact"], ids["cased"], ids["mopac"], ids["lone_body"]
    bodies = _rows(ws, "SELECT id, name, kind, area, website FROM governance_bodies ORDER BY id")
    new_body = bodies[-1][0]
    assert bodies == [
        (mopac, "MOPAC", "policing_and_crime_office", "London", None),
        (exact, "Greenwich Stop and Search Panel", "scrutiny_panel", "Greenwich", "https://old.example.org"),
        (lone, "Bexley Scrutiny Panel", "scrutiny_panel", "Bexley", None),
        (new_body, "Lewisham Monitoring Group", "monitoring_group", "Lewisham", "https://lewisham.example.org")]
    assert cased not in {b[0] for b in bodies}
    panels_now = _rows(ws, "SELECT id, body_id, area_code, terms_of_reference, how_to_join FROM panels ORDER BY id")
    assert panels_now[:2] == [(ids["panel"], exact, "E09000011", "We scrutinise.", ""),
                              (ids["new_panel"], new_body, None, "", "Write to us.")]
    assert [p[1:] for p in panels_now[2:]] == [(lone, None, "", "")]  # the map's panel, now a panel
    # the duplicate's relations moved to the kept body: its repeat of reports_to and its member_of itself gone
    assert sorted(_rows(ws, "SELECT source_id, target_id, kind FROM governance_relations")) == sorted([
        (exact, mopac, "reports_to"), (exact, mopac, "scrutinises"), (mopac, exact, "funds")])
    assert _rows(ws, "SELECT body_id, person_name FROM governance_memberships") == [(exact, "Alex Chair")]
    assert _rows(ws, "SELECT from_body_id, to_body_id, panel_id FROM recommendations") == [
        (exact, mopac, ids["panel"])]
    # nothing hanging off the panels was lost (SQLite rebuilds the table: with foreign keys on, they would go)
    assert _rows(ws, "SELECT count(*) FROM panel_members") == [(3,)]
    assert _rows(ws, "SELECT count(*) FROM panel_meetings") == [(1,)]
    ws.upgrade()  # the later migrations, so the models (which are at the head) can read it
    with ws.session() as s:
        assert [(p.name, p.kind.value, p.area_name) for p in panels.list_panels(s)] == [
            ("Bexley Scrutiny Panel", "scrutiny_panel", "Bexley"),
            ("Greenwich Stop and Search Panel", "scrutiny_panel", "Greenwich"),
            ("Lewisham Monitoring Group", "monitoring_group", "Lewisham")]

    ws.downgrade("0008")  # each panel gets its details back; the bodies stay on the map
    assert _rows(ws, "SELECT id, name, kind, area_name, website FROM panels ORDER BY id")[:2] == [
        (ids["panel"], "Greenwich Stop and Search Panel", "scrutiny_panel", "Greenwich", "https://old.example.org"),
        (ids["new_panel"], "Lewisham Monitoring Group", "monitoring_group", "Lewisham",
         "https://lewisham.example.org")]
    assert _rows(ws, f"SELECT kind FROM governance_bodies WHERE id = {new_body}") == [("other",)]
    assert _rows(ws, "SELECT count(*) FROM panel_members") == [(3,)]
    ws.upgrade()  # and up again: each panel finds the body it had
    assert _rows(ws, "SELECT id, body_id FROM panels ORDER BY id")[:2] == [(ids["panel"], exact),
                                                                        (ids["new_panel"], new_body)]
    assert _rows(ws, "SELECT count(*) FROM governance_bodies") == [(4,)]
    ws.dispose()


def test_a_second_panel_of_the_same_name_gets_a_body_of_its_own(empty_workspace_url: str) -> None:
    ws = Workspace(empty_workspace_url)
    ws.upgrade("0008")
    with ws.engine.begin() as c:
        first, second = (_insert(c, "panels", name="Youth Panel", kind="scrutiny_panel", area_name=area,
                                 area_code=None, terms_of_reference="", contact_email=None, website=None,
                                 how_to_join="") for area in ("Kent", "Essex"))
    ws.upgrade("0009")
    assert [row[1:] for row in _rows(ws, "SELECT id, name, area FROM governance_bodies ORDER BY id")] == [
        ("Youth Panel", "Kent"), (f"Youth Panel (panel {second})", "Essex")]
    assert len({row[0] for row in _rows(ws, "SELECT body_id FROM panels")}) == 2 and first < second
    ws.dispose()
