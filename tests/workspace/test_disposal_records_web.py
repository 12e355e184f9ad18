"""The disposal-records page: exact figures for a small CSV (the same as `scrutiny disposal --cases`), refusals
naming the line and column, roles, CSRF, escaping, and that nothing is written to the workspace."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from scrutiny.web.workspace import disposal_records
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import AuditEntry, Role, User

CASES = Path(__file__).parent / "data" / "disposal_cases.csv"
URL = "/workspace/disposals/records"
HEADER = "person_id,date,drug,age,actual_disposal,ethnic_group\n"


def row_text(page: str, row_id: str) -> str:
    """The text of the table row with this id, cells separated by single spaces."""
    found = re.search(rf'<tr id="{re.escape(row_id)}">(.*?)</tr>', page, re.S)
    assert found, f"no row {row_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def upload(browser: Any, content: bytes, policy: str = "national_cannabis", name: str = "cases.csv",
           **kwargs: Any) -> Any:
    return browser.post(URL, {"policy": policy}, files={"file": (name, content, "text/csv")}, **kwargs)


def audit_rows(ws: Workspace) -> int:
    with ws.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.fixture
def member(web: Callable[[], Any], make_user: Callable[..., User]) -> Any:
    browser = web()
    browser.login(make_user(Role.panel_member).email)
    return browser


def test_figures_match_the_cli_and_nothing_is_written(member: Any, ws: Workspace) -> None:
    form = member.get(URL)
    assert form.status_code == 200 and 'name="csrf_token"' in form.text and "Nothing is stored" in form.text
    assert '<option value="national_cannabis">' in form.text
    before = audit_rows(ws)
    response = upload(member, CASES.read_bytes())
    assert response.status_code == 200, response.text
    page = response.text
    assert audit_rows(ws) == before  # nothing written: every ORM write would add an audit entry
    # By hand, national_cannabis (the first rule that holds):
    #   line 2  p1 Black   cannabis_warning  first occasion          -> cannabis_warning  same
    #   line 3  p1 Black   arrest_charge     second (after line 2)   -> penalty_notice    DIFFERS, charged
    #   line 4  p2 White   cannabis_warning  first                   -> cannabis_warning  same
    #   line 5  p2 White   penalty_notice    second                  -> penalty_notice    same
    #   line 6  p3 "black" youth_referral    age 16                  -> youth_referral    same
    #   line 7  p4 Black   arrest_charge     cocaine                 -> not_eligible      not covered
    #   line 8  p5 White   no_further_action first                   -> cannabis_warning  DIFFERS
    #   line 9  p5 White   cannabis_warning  first (NFA not counted) -> cannabis_warning  same
    #   line 10 p6 blank   penalty_notice    first                   -> cannabis_warning  DIFFERS
    # Black: 4 records, 3 covered, 1 differs = 33.3%; Wilson with n=3, z²=3.8416: centre (1/3 + 0.6403)/2.2805
    #   = 0.4269, half-width 1.96·√(2/27 + 0.1067)/2.2805 = 0.3654, so 6.1%–79.2% (as the CLI prints).
    # White 1 of 4 = 25.0% (4.6%–69.9%); not stated 1 of 1 = 100.0% (20.7%–100.0%); all 3 of 8 = 37.5%
    #   (13.7%–69.4%). Arrested or charged when not recommended: line 3 only: Black 1 of 3, all 1 of 8 = 12.5%,
    #   Wilson centre (0.125 + 0.2401)/1.4802 = 0.2467, half-width 1.96·√(0.01367 + 0.01501)/1.4802 = 0.2242,
    #   so 2.2%–47.1%.
    assert row_text(page, "differs-Black") == "Black 4 3 1 33.3% 6.1%–79.2% 1 33.3% 6.1%–79.2%"
    assert row_text(page, "differs-White") == "White 4 4 1 25.0% 4.6%–69.9% 0 0.0% 0.0%–49.0%"
    assert row_text(page, "differs-unknown") == "Not stated 1 1 1 100.0% 20.7%–100.0% 0 0.0% 0.0%–79.3%"
    assert row_text(page, "differs-all") == "All records 9 8 3 37.5% 13.7%–69.4% 1 12.5% 2.2%–47.1%"
    # Disposal mix, columns in Disposal order, only those given at all: cannabis warning (lines 2, 4, 9),
    # penalty notice (5, 10), youth route (6), arrest/charge (3, 7), no further action (8).
    # Black: 1, 0, 1, 2, 0 of 4: 25.0% (Wilson 1 of 4: 4.6%–69.9%), 50.0% (2 of 4: centre 0.5, half-width
    # 1.96·√(0.0625 + 0.0600)/1.9604 = 0.3499, so 15.0%–85.0%).
    assert row_text(page, "mix-Black") == ("Black 4 25.0% 1; 4.6%–69.9% 0.0% 0; 0.0%–49.0% 25.0% 1; 4.6%–69.9% "
                                           "50.0% 2; 15.0%–85.0% 0.0% 0; 0.0%–49.0%")
    assert row_text(page, "mix-White") == ("White 4 50.0% 2; 15.0%–85.0% 25.0% 1; 4.6%–69.9% 0.0% 0; 0.0%–49.0% "
                                           "0.0% 0; 0.0%–49.0% 25.0% 1; 4.6%–69.9%")
    assert row_text(page, "mix-all").startswith("All records 9 33.3% 3; 12.1%–64.6% 22.2% 2; 6.3%–54.7%")
    assert [m for m in re.findall(r'<th scope="col" class="num">([^<]+)</th>', page)][:7] == [
        "Records", "Cannabis warning", "Penalty notice for disorder", "Youth justice route", "Arrest / charge",
        "No further action", "Records"]
    assert row_text(page, "row-3") == ("3 p1 2024-03-05 cannabis Black arrest_charge penalty_notice "
                                       "second-occasion-penalty-notice yes")
    assert row_text(page, "row-7") == "7 p4 2024-02-03 cocaine Black arrest_charge not_eligible " \
                                      "other-drug-out-of-scope n/a"
    assert row_text(page, "row-10").endswith("unknown penalty_notice cannabis_warning first-occasion-warning yes")
    assert 'id="n-covered">8<' in page and 'id="n-differ">3<' in page
    assert "Jane" not in page and "Example" not in page  # the name column is never read


def test_a_bad_row_is_refused_naming_line_and_column(member: Any) -> None:
    bad = (HEADER + "p1,2024-01-01,cannabis,19,caution,White\np2,2024-13-01,cannabis,19,caution,White\n").encode()
    response = upload(member, bad)
    assert response.status_code == 422
    assert "cases.csv line 3: date &#39;2024-13-01&#39; is not YYYY-MM-DD" in response.text
    assert 'id="table-mix"' not in response.text
    missing = upload(member, b"person_id,date,drug,age\np1,2024-01-01,cannabis,19\n")
    assert missing.status_code == 422 and "no column &#39;actual_disposal&#39;" in missing.text
    short = upload(member, (HEADER + "p1,2024-01-01,cannabis\n").encode())
    assert short.status_code == 422 and "cases.csv line 2: 3 fields, but the header names 6" in short.text
    assert upload(member, b"\xff\xfe" + HEADER.encode()).status_code == 422
    assert upload(member, b"").status_code == 422
    unknown = upload(member, CASES.read_bytes(), policy="/etc/passwd.toml")
    assert unknown.status_code == 422 and "choose one of the policies" in unknown.text


def test_limits(member: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(disposal_records, "MAX_SHOWN", 2)
    shown = upload(member, CASES.read_bytes())
    assert "The first 2 of 9 records are listed" in shown.text and 'id="row-3"' in shown.text
    assert 'id="row-4"' not in shown.text and row_text(shown.text, "differs-all").startswith("All records 9 8 3 ")
    monkeypatch.setattr(disposal_records, "MAX_PER_PERSON", 1)
    per_person = upload(member, CASES.read_bytes())
    assert per_person.status_code == 422
    assert "person_id &#39;p1&#39; has 2 records: at most 1 per person" in per_person.text
    monkeypatch.setattr(disposal_records, "MAX_RECORDS", 8)
    many = upload(member, CASES.read_bytes())
    assert many.status_code == 422 and "9 records: this page checks at most 8 at a time" in many.text
    monkeypatch.setattr(disposal_records, "MAX_BYTES", 100)
    response = upload(member, CASES.read_bytes())
    assert response.status_code == 413 and "the file is larger than" in response.text


def test_text_from_the_file_is_escaped(member: Any) -> None:
    content = (HEADER + '<script>alert(1)</script>,2024-01-01,"""><img src=x onerror=alert(1)>",19,caution,\n').encode()
    response = upload(member, content, name='"><img src=x onerror=alert(2)>.csv')
    assert response.status_code == 200, response.text
    assert "<script>alert(1)</script>" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in response.text


def test_roles_login_and_csrf(web: Callable[[], Any], make_user: Callable[..., User], member: Any) -> None:
    reviewer = web()
    reviewer.login(make_user(Role.reviewer).email)
    assert reviewer.get(URL).status_code == 403
    assert upload(reviewer, CASES.read_bytes()).status_code == 403
    admin = web()
    admin.login(make_user(Role.admin).email)
    assert upload(admin, CASES.read_bytes()).status_code == 200
    visitor = web()
    assert visitor.get(URL, follow_redirects=False).status_code == 303
    assert upload(visitor, CASES.read_bytes()).status_code == 401
    refused = upload(member, CASES.read_bytes(), csrf=False)
    assert refused.status_code == 403 and 'id="table-mix"' not in refused.text


def test_linked_from_the_workspace_nav(member: Any) -> None:
    assert '<li><a href="/workspace/disposals/records">Disposals</a></li>' in member.get("/workspace").text
