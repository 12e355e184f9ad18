"""The search-record review pages and public results through the web app, on SQLite and PostgreSQL: import
with the mapping screen, role and CSRF refusals, blind review, escaping of hostile grounds text, and the
public page and JSON with small cells suppressed."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from scrutiny.workspace import accounts
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.review import Review, ReviewSample, SearchRecord
from tests.workspace.conftest import Browser
from tests.workspace.factories_review import MAPPING, add_record, count, database_text, export_bytes, review, sample_of

XSS = '<script>alert(1)</script> smell of cannabis "><img src=x onerror=alert(1)>'
ANSWERS = {"object_stated": "yes", "grounds_stated": "yes", "reasonable_suspicion": "no", "smell_only": "yes",
           "body_worn_video": "unknown", "conduct": "concerns", "grounds_class": "smell_only", "notes": ""}


def _upload(b: Browser) -> str:
    response = b.client.post("/workspace/review/import", data={"csrf_token": b.csrf},
                             files={"file": ("export.csv", export_bytes(), "text/csv")}, follow_redirects=False)
    assert response.status_code == 200, response.text
    return str(response.text)


def test_upload_then_map_imports_and_deletes_the_file(web: Callable[[], Browser], make_user: Callable[..., User],
                                                       ws: Workspace) -> None:
    member = make_user(Role.panel_member)
    b = web()
    b.login(member.email)
    assert b.get("/workspace/review/import").status_code == 200
    page = _upload(b)
    for column in MAPPING.values():
        assert f'<option value="{column}"' in page
    assert '<option value="Grounds" selected>' in page  # the guess, for the user to check
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    uploads = Path(os.environ.get("SCRUTINY_TMP") or tempfile.gettempdir()) / "scrutiny-review-uploads"
    assert (uploads / f"{member.id}-{token.group(1)}.csv").exists()  # waiting, outside the database
    form = {"token": token.group(1), **{f"map_{k}": v for k, v in MAPPING.items()}}
    done = b.post("/workspace/review/import/map", form)
    assert done.status_code == 201 and "4 new records imported" in done.text
    assert not (uploads / f"{member.id}-{token.group(1)}.csv").exists()
    assert count(ws, SearchRecord) == 4
    assert "PC 4821" not in database_text(ws)
    assert b.post("/workspace/review/import/map", form).status_code == 404  # the upload is used up
    refused = b.post("/workspace/review/import/map", {"token": re.search(  # type: ignore[union-attr]
        r'name="token" value="([^"]+)"', _upload(b)).group(1), **{f"map_{k}": v for k, v in MAPPING.items()
                                                                      if k != "grounds"}})
    assert refused.status_code == 422 and "grounds" in refused.text and "Nothing was imported" in refused.text


def test_roles_login_and_csrf(web: Callable[[], Browser], make_user: Callable[..., User], ws: Workspace) -> None:
    reviewer = make_user(Role.reviewer)
    member = make_user(Role.panel_member)
    with ws.session(accounts.actor(member)) as session:
        record = add_record(session).id
        sample_of(session, member, [record])
    draw = {"period_start": "2024-03-01", "period_end": "2024-03-31", "size": "5", "seed": "3"}
    anonymous = web()
    assert anonymous.post("/workspace/review/samples", draw).status_code == 401
    assert anonymous.post(f"/workspace/review/records/{record}/reviews", ANSWERS).status_code == 401
    assert anonymous.get("/workspace/review", follow_redirects=False).status_code == 303  # to the login form
    b = web()
    b.login(reviewer.email)
    assert b.get("/workspace/review").status_code == 200
    assert b.get("/workspace/review/import").status_code == 403
    assert b.post("/workspace/review/samples", draw).status_code == 403
    assert b.post(f"/workspace/review/records/{record}/grounds", {"grounds": "x"}).status_code == 403
    assert b.post(f"/workspace/review/records/{record}/reviews", ANSWERS, csrf=False).status_code == 403
    m = web()
    m.login(member.email)
    assert m.post("/workspace/review/samples", draw, csrf=False).status_code == 403
    assert count(ws, ReviewSample) == 1 and count(ws, Review) == 0
    drawn = m.post("/workspace/review/samples", draw)
    assert drawn.status_code == 303 and drawn.headers["location"] == "/workspace/review/samples/2"
    assert b.post(f"/workspace/review/records/{record}/reviews", {**ANSWERS, "sample": "1"}).status_code == 303


def test_review_page_is_blind_and_escapes_hostile_grounds(web: Callable[[], Browser], make_user: Callable[..., User],
                                                          ws: Workspace) -> None:
    member = make_user(Role.panel_member)
    first, second = make_user(Role.reviewer), make_user(Role.reviewer)
    with ws.session(accounts.actor(member)) as session:
        record = add_record(session, grounds=XSS).id
        sample_of(session, member, [record])
    review(ws, first, record, notes="only the first reviewer wrote this")
    b = web()
    b.login(second.email)
    page = b.get(f"/workspace/review/records/{record}?sample=1").text
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<mark class="smell">smell of cannabis</mark>' in page
    assert 'id="classifier-class">Smell only<' in page
    assert "only the first reviewer wrote this" not in page and 'id="review-form"' in page  # blind
    response = b.post(f"/workspace/review/records/{record}/reviews",
                      {**ANSWERS, "grounds_class": "smell_plus", "notes": "<b>mine</b>", "sample": "1"})
    assert response.headers["location"] == "/workspace/review/samples/1"
    after = b.get(f"/workspace/review/records/{record}").text
    assert "only the first reviewer wrote this" in after and "&lt;b&gt;mine&lt;/b&gt;" in after
    assert 'id="review-form"' not in after
    with ws.session() as session:
        mine = session.scalar(select(Review).where(Review.reviewer_id == second.id))
        assert mine is not None and (mine.grounds_class, mine.conduct, mine.slot) == ("smell_plus", "concerns", 2)
    third = make_user(Role.reviewer)
    t = web()
    t.login(third.email)
    assert t.post(f"/workspace/review/records/{record}/reviews", ANSWERS).status_code == 422  # no third review
    assert "Sample 1" in b.get("/workspace/review").text


def test_public_results_page_and_json_suppress_small_cells(
        web: Callable[[], Browser], make_user: Callable[..., User], ws: Workspace) -> None:
    member = make_user(Role.panel_member)
    a, b = make_user(Role.reviewer), make_user(Role.reviewer)
    with ws.session(accounts.actor(member)) as session:
        ids = [add_record(session, ethnicity="White - English").id for _ in range(5)]
        ids += [add_record(session, ethnicity="Asian - Indian").id for _ in range(3)]
        sample_of(session, member, ids)
    for record in ids:
        review(ws, a, record)
        review(ws, b, record)
    visitor = web()
    page = visitor.get("/review/results")
    assert page.status_code == 200
    row = re.search(r'<tr data-group="Asian">(.*?)</tr>', page.text, re.S)
    # Asian: 3 records, all insufficient: the cell shows "<5" but counts 5 (3 rounds to 5), and records, a
    # total, is the sum of its rounded parts: 5 (docs/disclosure.md)
    assert row is not None and '<td class="num" data-count="insufficient">&lt;5</td>' in row.group(1)
    assert '<td class="num" data-count="records">5</td>' in row.group(1)
    assert 'data-rate="insufficient_share"><span title="hidden: fewer than 5">*</span>' in row.group(1)
    white = re.search(r'<tr data-group="White">(.*?)</tr>', page.text, re.S)
    assert white is not None and 'data-count="records">5<' in white.group(1)
    assert 'data-rate="insufficient_share">100%<' in white.group(1)
    assert member.email not in page.text and member.name not in page.text
    data = visitor.get("/api/v1/review/results?sample=1").json()
    groups = {g["group"]: g for g in data["groups"]}
    assert data["sample"] == 1 and groups["Asian"]["counts"]["records"] == 5
    assert groups["Asian"]["counts"]["insufficient"] == "<5"
    # All is the sum of the groups rounded to 5 (docs/disclosure.md): White 5 + Asian 3 -> 5 = 10, not the true 8
    assert groups["Asian"]["rates"]["insufficient_share"] is None and groups["All"]["counts"]["records"] == 10
    assert visitor.get("/api/v1/review/results?sample=99").status_code == 404
    inside = web()
    inside.login(a.email)
    exact = inside.get("/workspace/review/results").text
    asian = re.search(r'<tr data-group="Asian">(.*?)</tr>', exact, re.S)
    assert asian is not None and 'data-count="records">3<' in asian.group(1)
    assert 'data-item="reasonable_suspicion"' in exact
