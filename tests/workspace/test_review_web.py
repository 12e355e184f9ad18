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
from scrutiny.workspace.review import records
from tests.workspace.conftest import Browser
from tests.workspace.factories_review import (
    DATA,
    HEADER,
    MAPPING,
    add_record,
    count,
    database_text,
    export_bytes,
    review,
    sample_of,
)

XSS = '<script>alert(1)</script> smell of cannabis "><img src=x onerror=alert(1)>'
ANSWERS = {"object_stated": "yes", "grounds_stated": "yes", "reasonable_suspicion": "no", "smell_only": "yes",
           "body_worn_video": "unknown", "conduct": "concerns", "grounds_class": "smell_only", "notes": ""}


def _upload(b: Browser, data: bytes | None = None, name: str = "export.csv") -> str:
    response = b.client.post("/workspace/review/import", data={"csrf_token": b.csrf},
                             files={"file": (name, data or export_bytes(), "text/csv")}, follow_redirects=False)
    assert response.status_code == 200, response.text
    return str(response.text)


def _choices(mapping: dict[str, str], header: list[str]) -> dict[str, str]:
    """The mapping form's answer: for each column of the file (col_<n>), the field it holds."""
    return {f"col_{header.index(column)}": key for key, column in mapping.items()}


def _token(page: str) -> str:
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    return token.group(1)


def test_upload_then_map_imports_and_deletes_the_file(web: Callable[[], Browser], make_user: Callable[..., User],
                                                       ws: Workspace) -> None:
    member = make_user(Role.panel_member)
    b = web()
    b.login(member.email)
    assert b.get("/workspace/review/import").status_code == 200
    page = _upload(b)
    header = HEADER.split(",")
    for i, column in enumerate(header):
        assert f'<th scope="row"><label for="f-col_{i}">{column}</label>' in page
    grounds = re.search(rf'<select id="f-col_{header.index("Grounds")}".*?</select>', page, re.S)
    assert grounds is not None and '<option value="grounds" selected>' in grounds.group(0)  # the guess
    sde = re.search(r'id="s-col_3">(.*?)</span></th>', page, re.S)  # the first rows of a column, to check by
    assert sde is not None and re.findall(r'<span class="sample">([^<]*)</span>', sde.group(1)) == [
        "Black/African/Caribbean/Black British - Caribbean", "White - English/Welsh/Scottish/Northern Irish/British",
        "Other ethnic group - Not stated"]
    token = _token(page)
    uploads = Path(os.environ.get("SCRUTINY_TMP") or tempfile.gettempdir()) / "scrutiny-review-uploads"
    assert (uploads / f"{member.id}-{token}.csv").exists()  # waiting, outside the database
    # A needed field with no column shows the columns again, the file kept and the choices as made.
    without_grounds = {k: v for k, v in MAPPING.items() if k != "grounds"}
    again = b.post("/workspace/review/import/map", {"token": token, **_choices(without_grounds, header)})
    assert again.status_code == 422 and "choose the file&#39;s column for grounds: it is needed" in again.text
    assert (uploads / f"{member.id}-{token}.csv").exists() and count(ws, SearchRecord) == 0
    grounds = re.search(rf'<select id="f-col_{header.index("Grounds")}".*?</select>', again.text, re.S)
    assert grounds is not None and " selected" not in grounds.group(0).replace('value="" selected', "")
    # One field for two columns: the second is marked.
    twice = {**_choices(MAPPING, header), f"col_{header.index('Unit')}": "officer"}
    refused = b.post("/workspace/review/import/map", {"token": token, **twice})
    assert refused.status_code == 422 and f'id="e-col_{header.index("Unit")}"' in refused.text
    assert "&#39;Officer ID&#39; and &#39;Unit&#39;" in refused.text
    form = {"token": token, **_choices(MAPPING, header)}
    done = b.post("/workspace/review/import/map", form)
    assert done.status_code == 201 and "4 new records imported" in done.text
    assert re.search(r'data-group="Not stated"><th scope="row">Not stated</th><td class="num">1<', done.text)
    assert not (uploads / f"{member.id}-{token}.csv").exists()
    assert count(ws, SearchRecord) == 4
    assert "PC 4821" not in database_text(ws)
    assert b.post("/workspace/review/import/map", form).status_code == 404  # the upload is used up


def test_an_unknown_code_is_listed_by_value_and_rows(web: Callable[[], Browser], make_user: Callable[..., User],
                                                      ws: Workspace) -> None:
    member = make_user(Role.panel_member)
    b = web()
    b.login(member.email)
    lines = (DATA / "review_sde_codes.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",W1,", ",B7,")
    lines[9] = lines[9].replace(",NS,", ",B7,")
    page = _upload(b, "\n".join(lines).encode(), "sde.csv")
    officer = re.search(r'<select id="f-col_2".*?</select>', page, re.S)  # "Officer Collar No", guessed
    assert officer is not None and '<option value="officer" selected>' in officer.group(0)
    sde = re.search(r'id="s-col_3">(.*?)</span></th>', page, re.S)
    assert sde is not None and re.findall(r'<span class="sample">([^<]*)</span>', sde.group(1)) == ["B1", "B7", "A2"]
    done = b.post("/workspace/review/import/map", {"token": _token(page), "col_0": "force_reference",
                                                   "col_1": "occurred_at", "col_3": "self_defined_ethnicity",
                                                   "col_6": "grounds"})
    assert done.status_code == 422 and "Nothing was imported" in done.text
    assert "<li>Column “SDE”, value “B7”: rows 3, 10</li>" in done.text
    assert "Row 3, column “SDE”: &#39;B7&#39;: B7 is not a self-defined ethnicity code" in done.text
    assert count(ws, SearchRecord) == 0


def test_a_record_page_names_the_groups_of_its_codes(web: Callable[[], Browser], make_user: Callable[..., User],
                                                     ws: Workspace) -> None:
    member = make_user(Role.panel_member)
    mapping = {"occurred_at": "Search Date", "self_defined_ethnicity": "SDE", "officer_defined_ethnicity": "ODE",
               "grounds": "Grounds", "force_reference": "Search Ref"}
    with ws.session(accounts.actor(member)) as session:
        records.import_csv(session, (DATA / "review_sde_codes.csv").read_bytes(), mapping)
        ids = {r.force_reference: r.id for r in session.scalars(select(SearchRecord))}
    b = web()
    b.login(member.email)
    page = b.get(f"/workspace/review/records/{ids['TS-110']}").text
    assert "<td>O1 (Other)</td>" in page and "<td>IC5 (Asian)</td>" in page
    blank = b.get(f"/workspace/review/records/{ids['TS-111']}").text
    assert "<td>B9 (Black)</td>" in blank and "<th scope=\"row\">Officer-defined ethnicity</th><td>—</td>" in blank


def test_hostile_column_names_and_cells_are_escaped(web: Callable[[], Browser], make_user: Callable[..., User]) -> None:
    member = make_user(Role.panel_member)
    b = web()
    b.login(member.email)
    hostile = '<script>alert(1)</script>'
    page = _upload(b, f'Date,"{hostile}",Grounds\n2024-03-01 10:00,"<img src=x onerror=alert(1)>",x\n'.encode(),
                   '"><b>name.csv')
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page and "<b>name" not in page
    assert '<label for="f-col_1">&lt;script&gt;alert(1)&lt;/script&gt;</label>' in page
    assert '<span class="sample">&lt;img src=x onerror=alert(1)&gt;</span>' in page


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
