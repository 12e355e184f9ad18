"""The diversion pages and API through the web app, on SQLite and PostgreSQL: roles, CSRF, escaping, CSV
import and export, and suppression of small counts on the public page and API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.diversion import DiversionCase
from tests.workspace.conftest import Browser

DATA = Path(__file__).parent / "data"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
FORBIDDEN = ("name", "birth", "dob", "address", "postcode", "street", "email", "phone")
CASE = {"person_id": "P-77", "ethnic_group": "Mixed", "age_band": "25-34", "borough": "Lambeth", "drug": "cannabis",
        "referral_source": "custody", "referral_date": "2024-05-01", "eligible": "", "intervention": "",
        "completed": "unknown"}


def _count(ws: Workspace) -> int:
    with ws.session() as session:
        return session.scalar(select(func.count()).select_from(DiversionCase)) or 0


def _member(web: Callable[[], Browser], make_user: Callable[..., User], role: Role = Role.panel_member) -> Browser:
    user = make_user(role)
    b = web()
    b.login(user.email)
    return b


def _import(b: Browser, name: str, csrf: bool = True) -> object:
    data = {"csrf_token": b.csrf} if csrf else {}
    return b.client.post("/workspace/diversion/import", data=data, follow_redirects=False,
                         files={"file": (name, (DATA / name).read_bytes(), "text/csv")})


def test_a_member_records_a_case_through_its_stages(web: Callable[[], Browser], make_user: Callable[..., User],
                                                    ws: Workspace) -> None:
    b = _member(web, make_user)
    assert b.get("/workspace/diversion/new").status_code == 200
    response = b.post("/workspace/diversion", CASE)
    assert response.status_code == 303
    url = response.headers["location"]
    later = {**CASE, "eligible": "yes", "first_contact_date": "2024-04-30"}  # before the referral
    refused = b.post(url, later)
    assert refused.status_code == 422 and "first contact date (2024-04-30) is before the referral" in refused.text
    assert b.post(url, {**later, "first_contact_date": "2024-05-06", "intervention": "treatment"}).status_code == 303
    assert b.post(f"{url}/recontacts", {"contact_date": "2024-07-01", "kind": "arrest"}).status_code == 303
    shown = b.get(url).text
    assert "2024-07-01" in shown and 'value="2024-05-06"' in shown
    assert "P-77" in b.get("/workspace/diversion").text


def test_roles_login_and_csrf_guard_every_write(web: Callable[[], Browser], make_user: Callable[..., User],
                                               ws: Workspace) -> None:
    reviewer = _member(web, make_user, Role.reviewer)
    assert reviewer.get("/workspace/diversion").status_code == 403
    assert reviewer.post("/workspace/diversion", CASE).status_code == 403
    assert reviewer.get("/workspace/diversion/export.csv").status_code == 403
    assert _import(reviewer, "diversion_cases.csv").status_code == 403  # type: ignore[attr-defined]
    visitor = web()
    assert visitor.post("/workspace/diversion", CASE).status_code == 401
    assert visitor.get("/workspace/diversion/export.csv", follow_redirects=False).headers["location"].startswith(
        "/login")
    member = _member(web, make_user)
    assert member.post("/workspace/diversion", CASE, csrf=False).status_code == 403
    assert _import(member, "diversion_cases.csv", csrf=False).status_code == 403  # type: ignore[attr-defined]
    assert _count(ws) == 0


def test_stored_text_is_shown_escaped(web: Callable[[], Browser], make_user: Callable[..., User],
                                      ws: Workspace) -> None:
    b = _member(web, make_user)
    response = b.post("/workspace/diversion", {**CASE, "borough": IMG, "drug": SCRIPT, "closure_reason": SCRIPT})
    assert response.status_code == 303
    for url in (response.headers["location"], "/workspace/diversion", "/diversion?by=borough"):
        text = b.get(url).text
        assert SCRIPT not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in b.get(response.headers["location"]).text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in b.get("/diversion?by=borough").text


def test_import_page_all_or_nothing_then_idempotent(web: Callable[[], Browser], make_user: Callable[..., User],
                                                    ws: Workspace) -> None:
    b = _member(web, make_user)
    assert "recontacts" in b.get("/workspace/diversion/import").text  # the columns are documented on the page
    bad = _import(b, "diversion_bad.csv")
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "Row 3, column <code>first_contact_date</code>" in bad.text  # type: ignore[attr-defined]
    assert "Row 5, column <code>ethnic_group</code>" in bad.text  # type: ignore[attr-defined]
    assert _count(ws) == 0
    assert "8 new, 0 updated, 0 unchanged" in _import(b, "diversion_cases.csv").text  # type: ignore[attr-defined]
    assert "0 new, 0 updated, 8 unchanged" in _import(b, "diversion_cases.csv").text  # type: ignore[attr-defined]
    assert _count(ws) == 8
    export = b.get("/workspace/diversion/export.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    header = export.text.splitlines()[0].lower().split(",")
    assert header[0] == "person_id" and len(export.text.splitlines()) == 9
    assert not [c for c in header if any(word in c for word in FORBIDDEN)]


def test_public_page_and_api_suppress_small_cells(web: Callable[[], Browser], make_user: Callable[..., User],
                                                  ws: Workspace) -> None:
    b = _member(web, make_user)
    _import(b, "diversion_cases.csv")
    public = web()  # not logged in
    answer = public.get("/api/v1/diversion/kpis?as_of=2025-01-31&by=ethnicity")
    assert answer.status_code == 200
    doc = answer.json()
    # hand count in test_diversion_kpis: 7 referrals, 6 eligible, uptake 4 of 6 (4 is "<5"); published, the
    # overall row is the sum of the groups rounded to 5 (White 2, Black 3, Asian 1, Not stated 1 -> 0+5+0+0)
    assert doc["overall"]["referrals"] == 5 and doc["overall"]["eligible"] == 5
    assert doc["overall"]["uptake"] == {"numerator": "<5", "denominator": 5, "share": None, "ci_low": None,
                                        "ci_high": None, "suppressed": True}
    black = next(g for g in doc["groups"] if g["group"] == "Black")
    assert black["referrals"] == "<5" and black["uptake"]["share"] is None
    assert any("at least 6 months before 2025-01-31" in n for n in doc["notes"])
    numbers = [v for g in doc["groups"] for v in (g["referrals"], g["eligible"]) if isinstance(v, int)]
    assert all(v % 5 == 0 for v in numbers)
    page = public.get("/diversion?as_of=2025-01-31&by=age_band")
    assert page.status_code == 200 and "&lt;5" in page.text and "P-A" not in page.text
    assert public.get("/api/v1/diversion/kpis?by=colour").status_code == 422
    for as_of in ("0", "20250131", "2025-13-01"):  # a bare number is not a date, whatever pydantic makes of it
        refused = public.get(f"/api/v1/diversion/kpis?as_of={as_of}")
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "as_of"]
    spec = public.get("/api/v1/openapi.json").json()
    assert "/api/v1/diversion/kpis" in spec["paths"] and "DiversionKpisOut" in spec["components"]["schemas"]
