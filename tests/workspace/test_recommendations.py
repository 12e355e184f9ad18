"""Recommendations: status rules, overdue against a fixed `today`, filters, linked KPIs read from the metrics
layer (or a plain "no figures" when the warehouse cannot answer), the public pages and the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.scope import Scope
from scrutiny.workspace import accounts, panel_access, panels
from scrutiny.workspace import recommendations as recs
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.errors import Invalid
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.recommendations import LinkedKpi
from tests.workspace.conftest import Browser
from tests.workspace.factories_governance import (
    IMG,
    SCRIPT,
    panel_with_members,
    recommendation,
    three_bodies,
)

TODAY = date(2025, 6, 1)


def test_status_rules_overdue_and_filters(ws: Workspace) -> None:
    m = three_bodies(ws)
    late = recommendation(ws, m.panel_body, m.csp, made_on=date(2025, 1, 10), due=date(2025, 5, 31))
    due_today = recommendation(ws, m.panel_body, m.csp, made_on=date(2025, 2, 1), due=TODAY)
    no_date = recommendation(ws, m.csp, m.mopac, made_on=date(2025, 3, 1), due=None)

    def change(rec_id: int, **changes: Any) -> str:
        with ws.session(accounts.COMMAND_LINE) as s:
            return recs.update_recommendation(s, rec_id, changes).status.value

    refusals = [
        ({"status": "answered"}, "response_text"),
        ({"status": "answered", "response_text": "We agree"}, "responded_on"),
        ({"status": "answered", "response_text": "x", "responded_on": date(2025, 1, 9)}, "responded_on"),
        ({"status": "implemented", "response_text": "x", "responded_on": date(2025, 2, 1)}, "status"),
        ({"status": "closed"}, "status"),
        ({"response_due": date(2025, 1, 1)}, "response_due"),
        ({"to_body_id": m.panel_body}, "to_body_id"),
        ({"to_body_id": 99}, "to_body_id"),
        ({"kpis": [recs.KpiFields("object_groups.drugs.share", "atlantis", "2024-01", "2024-12")]}, "kpis.0.force"),
        ({"kpis": [recs.KpiFields("no.such.key", "metropolitan", "2024-01", "2024-12")]}, "kpis.0.metric"),
        ({"kpis": [recs.KpiFields("searches", "metropolitan", "2024-12", "2024-01")]}, "kpis.0.end"),
        ({"kpis": [recs.KpiFields("searches", "metropolitan", "2024-01", "2024-13")]}, "kpis.0.end"),
        ({"kpis": [recs.KpiFields("searches", "kent", "2024-01", "2024-02", "E09000011")]}, "kpis.0.area_code"),
    ]
    for changes, field in refusals:
        with pytest.raises(Invalid) as caught:
            change(late, **changes)
        assert caught.value.field == field, changes
    with ws.session() as s:
        assert [r.id for r in recs.list_recommendations(s, TODAY, overdue=True)] == [late]
        assert [r.id for r in recs.list_recommendations(s, TODAY, overdue=False)] == [no_date, due_today]
        assert [r.id for r in recs.list_recommendations(s, TODAY, body_id=m.mopac)] == [no_date]
        assert [r.id for r in recs.list_recommendations(s, date(2025, 6, 2), overdue=True)] == [due_today, late]
        assert recs.is_overdue(recs.get_recommendation(s, late), date(2025, 5, 31)) is False  # due that day
    with ws.session(accounts.COMMAND_LINE) as s:
        answered = recs.record_response(s, late, "We will publish quarterly.", date(2025, 6, 20))
        assert (answered.status.value, recs.is_overdue(answered, TODAY)) == ("answered", False)
    assert change(late, status="accepted") == "accepted"
    assert change(late, status="implemented") == "implemented"
    with pytest.raises(Invalid) as caught:
        change(late, status="open")
    assert caught.value.field == "status" and "from implemented" in caught.value.message
    kpis = [recs.KpiFields("objects.drugs.share", "metropolitan", "2024-01", "2024-12", "e09000011")]
    change(no_date, kpis=kpis)
    with ws.session() as s:
        assert [r.id for r in recs.list_recommendations(s, TODAY, status="implemented")] == [late]
        (kpi,) = recs.get_recommendation(s, no_date).kpis
        assert (kpi.metric, kpi.force, kpi.area_code, kpi.start, kpi.end) == (
            "object_groups.drugs.share", "metropolitan", "E09000011", "2024-01", "2024-12")


def test_reading_kpis_from_the_metrics_document() -> None:
    document = {"object_groups": {"drugs": {"count": 40, "share": 0.625}}, "searches": 64,
                "disproportionality": [{"group": "Black", "ratio_vs_white": 3.456}]}
    asked: list[Scope] = []

    def metrics(scope: Scope) -> dict[str, Any]:
        asked.append(scope)
        if scope.force == "surrey":
            raise ScrutinyError("no searches for surrey from 2024-01 to 2024-12")
        return document

    kpis = [LinkedKpi(metric="object_groups.drugs.share", force="metropolitan", area_code="E09000011",
                      start="2024-01", end="2024-12"),
            LinkedKpi(metric="searches", force="metropolitan", area_code=None, start="2024-01", end="2024-12"),
            LinkedKpi(metric="disproportionality.Black.ratio_vs_white", force="metropolitan", start="2024-01",
                      end="2024-12"),
            LinkedKpi(metric="strip_searches", force="metropolitan", start="2024-01", end="2024-12"),
            LinkedKpi(metric="searches", force="surrey", start="2024-01", end="2024-12")]
    readings = recs.read_kpis(kpis, metrics)
    assert [r.display for r in readings] == ["62.5%", "64", "3.46", "", ""]
    assert [r.problem for r in readings] == [
        None, None, None, "not computed for this scope",
        "no figures for this scope: no searches for surrey from 2024-01 to 2024-12"]
    assert asked[0] == Scope("metropolitan", "E09000011", "2024-01", "2024-12")


def test_pages_and_api(web: Callable[[], Browser], make_user: Callable[..., User], ws: Workspace) -> None:
    m = three_bodies(ws)
    panel_id = panel_with_members(ws)
    late = recommendation(ws, m.panel_body, m.csp, made_on=date(2020, 1, 10), due=date(2020, 3, 1),
                          text=SCRIPT + IMG, panel_id=panel_id)
    later = recommendation(ws, m.csp, m.mopac, made_on=date(2024, 1, 10), due=date(2099, 1, 1))
    b = web()
    listing = b.get("/recommendations")
    assert listing.status_code == 200
    assert f'<tr id="rec-{late}" class="overdue">' in listing.text and f'<tr id="rec-{later}">' in listing.text
    assert listing.text.count('<strong class="badge-overdue">overdue</strong>') == 1
    assert SCRIPT not in listing.text and IMG not in listing.text
    filtered = b.get(f"/recommendations?status=open&body={m.mopac}").text
    assert f'id="rec-{later}"' in filtered and f'id="rec-{late}"' not in filtered
    panel_page = b.get(f"/panels/{panel_id}").text
    assert f'<tr id="rec-{late}" class="overdue">' in panel_page and f'id="rec-{later}"' not in panel_page
    api = b.get("/api/v1/recommendations?overdue=true").json()
    assert [(r["id"], r["overdue"], r["from_body"]["name"]) for r in api] == [(late, True, "Greenwich Scrutiny Panel")]
    assert [r["id"] for r in b.get(f"/api/v1/recommendations?panel={panel_id}").json()] == [late]

    new = {"text": "Record the grounds of every search in full", "from_body_id": m.panel_body,
           "to_body_id": m.csp, "made_on": "2025-01-10", "response_due": "2025-03-01",
           "kpis": [{"metric": "object_groups.drugs.share", "force": "metropolitan", "area_code": "E09000011",
                     "start": "2024-01", "end": "2024-12"}]}
    assert b.client.post("/api/v1/recommendations", json=new, headers={"X-CSRF-Token": b.csrf}).status_code == 401
    reviewer = make_user(Role.reviewer, "rev@example.org")
    rev = web()
    rev.login(reviewer.email)
    assert rev.client.post("/api/v1/recommendations", json=new,
                           headers={"X-CSRF-Token": rev.csrf}).status_code == 403
    assert rev.post("/workspace/recommendations", {"text": "x"}).status_code == 403
    member = make_user(Role.panel_member, "member@example.org")
    with ws.session(accounts.COMMAND_LINE) as session:  # a panel's recommendations are its members' to make
        maker = panels.panel_of_body(session, m.panel_body)
        assert maker is not None
        for made_by in (panel_id, maker.id):
            panel_access.assign(session, made_by, member.id)
    pm = web()
    pm.login(member.email)
    assert pm.client.post("/api/v1/recommendations", json=new).status_code == 403  # no CSRF header
    made = pm.client.post("/api/v1/recommendations", json=new, headers={"X-CSRF-Token": pm.csrf})
    assert made.status_code == 201, made.text
    rec_id = made.json()["id"]
    assert made.json()["kpis"][0]["label"] == "Share of searches for drugs"
    refused = pm.client.patch(f"/api/v1/recommendations/{rec_id}", json={"status": "answered"},
                              headers={"X-CSRF-Token": pm.csrf})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "response_text"]
    answered = pm.client.patch(f"/api/v1/recommendations/{rec_id}", headers={"X-CSRF-Token": pm.csrf}, json={
        "status": "answered", "response_text": "Agreed", "responded_on": "2025-02-01"})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"

    detail = b.get(f"/recommendations/{rec_id}")  # no warehouse behind this app: says so, does not fail
    assert detail.status_code == 200 and "no figures for this scope" in detail.text
    b.client.app.state.metrics = lambda scope: {"object_groups": {"drugs": {"share": 0.125}}}  # type: ignore
    assert '<td class="num wraps">12.5%</td>' in b.get(f"/recommendations/{rec_id}").text

    form = {"text": "Publish outcomes by ward", "from_body_id": str(m.panel_body), "to_body_id": str(m.csp),
            "panel_id": "", "made_on": "2025-04-01", "response_due": "2025-05-01"}
    created = pm.post("/workspace/recommendations", form)
    assert created.status_code == 303
    url = created.headers["location"]
    early = pm.post(f"{url}/response", {"response_text": "Yes", "responded_on": "2025-03-01", "status": "answered"})
    assert early.status_code == 422 and 'id="e-responded_on"' in early.text
    assert pm.post(f"{url}/response", {"response_text": IMG, "responded_on": "2025-04-20",
                                       "status": "accepted"}).status_code == 303
    assert pm.post(f"{url}/status", {"status": "open"}).status_code == 422  # accepted cannot go back to open
    assert pm.post(f"{url}/kpis", {"metric": "searches", "force": "metropolitan", "area_code": "",
                                   "start": "2024-01", "end": "2024-06"}).status_code == 303
    page = pm.get(url).text
    assert "accepted" in page and IMG not in page and "Searches" in page
